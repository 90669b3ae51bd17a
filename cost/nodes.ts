// Managed node groups at their minimum, desired and maximum size (the Cluster Autoscaler moves
// between them), priced at the group's first instance type, and what each node's launch template
// adds: its EBS root volume and EC2 detailed monitoring.
import type { RecordedResource } from "../testing/engine";
import { DETAILED_MONITORING_METRICS } from "./assumptions";
import { findings, Findings, formatNumber, inputFrom, ofType, Range, scaled, Scope } from "./model";

export const NODE_GROUP = "eks:index:ManagedNodeGroup";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
/** gp3's baseline, included in its GB-month price. */
export const GP3_BASELINE = { iops: 3000, throughput: 125 } as const;
/** What EKS launches when a group names no instance type. */
const EKS_DEFAULT_INSTANCE_TYPE = "t3.medium";

export function nodeCounts(group: RecordedResource): Range {
    const scaling = group.inputs.scalingConfig ?? {};
    const min = Number(scaling.minSize ?? 1);
    return { min, expected: Number(scaling.desiredSize ?? min), max: Number(scaling.maxSize ?? min) };
}

const percent = (fraction: number): string => `${formatNumber(fraction * 100, 2)}%`;

export function nodeGroups(scope: Scope): Findings {
    const result = findings();
    for (const group of ofType(scope, NODE_GROUP)) {
        const types: string[] = group.inputs.instanceTypes ?? [EKS_DEFAULT_INSTANCE_TYPE];
        const first = types[0] ?? EKS_DEFAULT_INSTANCE_TYPE;
        const spot = group.inputs.capacityType === "SPOT";
        const nodes = nodeCounts(group);
        const priced = types.length > 1 ? `priced as ${first}, the first of ${types.join(", ")}` : `${first}`;
        result.lines.push({
            resource: group.name,
            type: group.type,
            description: `nodes: ${first} ${spot ? "SPOT" : "on-demand"}`,
            quantity: nodes,
            unit: "instance-hour",
            price: { instanceType: first },
            ...(spot ? { spotDiscount: scope.assumptions.spotDiscount } : {}),
            assumption: [
                `min/desired/max of the group's scaling config`,
                priced,
                ...(spot ? [`SPOT at an assumed ${percent(scope.assumptions.spotDiscount)} below on-demand`] : []),
            ].join("; "),
        });
        const [template] = inputFrom(scope, group, "launchTemplate", LAUNCH_TEMPLATE);
        if (!template) {
            result.unpriced.push({
                resource: group.name,
                type: group.type,
                description: "nodes' root volumes",
                reason: "without a launch template EKS gives nodes gp2 root volumes, which the price table does not hold",
                kind: "unknown",
            });
            continue;
        }
        const launched = launchTemplateItems(template, group, nodes);
        result.lines.push(...launched.lines);
        result.unpriced.push(...launched.unpriced);
    }
    return result;
}

/** Per node of `group`: each EBS volume the template maps, and detailed monitoring when it enables it. */
export function launchTemplateItems(template: RecordedResource, group: RecordedResource, nodes: Range): Findings {
    const result = findings();
    const base = { resource: template.name, type: template.type };
    for (const mapping of template.inputs.blockDeviceMappings ?? []) {
        const ebs = mapping.ebs;
        if (!ebs) continue;
        const size = Number(ebs.volumeSize);
        const iops = Number(ebs.iops ?? 0);
        const throughput = Number(ebs.throughput ?? 0);
        const description = `root volumes of ${group.name}'s nodes (${mapping.deviceName}): ${size} GiB ${ebs.volumeType ?? "(the AMI's type)"} each`;
        if (ebs.volumeType !== "gp3" || !(size > 0)) {
            result.unpriced.push({
                ...base,
                description,
                reason: "only gp3 volumes of a stated size are in the price table",
                kind: "unknown",
            });
        } else if (iops > GP3_BASELINE.iops || throughput > GP3_BASELINE.throughput) {
            result.unpriced.push({
                ...base,
                description,
                reason: `IOPS or throughput above gp3's included ${GP3_BASELINE.iops} IOPS and ${GP3_BASELINE.throughput} MB/s are not in the price table`,
                kind: "unknown",
            });
        } else {
            result.lines.push({
                ...base,
                description,
                quantity: scaled(nodes, size),
                unit: "GB-month",
                price: ["ebs", "gp3GbMonth"],
                assumption: `one per node; gp3's included ${GP3_BASELINE.iops} IOPS and ${GP3_BASELINE.throughput} MB/s`,
            });
        }
    }
    if (template.inputs.monitoring?.enabled === true) {
        result.lines.push({
            ...base,
            description: `EC2 detailed monitoring of ${group.name}'s nodes`,
            quantity: scaled(nodes, DETAILED_MONITORING_METRICS),
            unit: "metric-month",
            price: ["ec2DetailedMonitoring", "metricMonth"],
            assumption: `${DETAILED_MONITORING_METRICS} metrics per instance at one-minute resolution, at the first 10,000 metrics' price`,
        });
    }
    return result;
}
