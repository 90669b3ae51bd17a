// A stack on the host's cluster (a shared review stack's layers) has no nodes of its own: each of its
// Deployments is priced as its pods' share of a host node. Per pod, the share is the larger of its
// CPU and memory requests against what a node of the host's type offers pods (config/capacity.ts
// podAllocatable): the scheduler can place no more such pods on it. Times the replicas its HPA
// allows (min, expected: the HPA's minimum, where an idle review sits; max) and the node's hourly
// price, SPOT or on-demand as the host's group says. The host's nodes come from its stack file
// (Pulumi.dev.yaml: only dev hosts review stacks); the zones its NLBs span from the contract the
// stack read through its StackReference.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { podAllocatable, type Requests } from "../config/capacity";
import { INSTANCE_TYPES } from "../config/instance-types";
import { cpuMillis, memoryMiB } from "../config/reader";
import { REVIEW_CONTAINER_LIMITS } from "../lib/review-quota";
import type { RecordedResource } from "../testing/engine";
import { findings, Findings, formatNumber, ofType, Range, Scope } from "./model";
import { NODE_GROUP } from "./nodes";

export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
export const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/** The host's nodes a hosted pod lands on, as its stack file configures them. */
export interface HostNodes {
    /** The host stack ("dev"). */
    readonly stack: string;
    /** The node group (nodeGroups.<group>) and every type it lists. */
    readonly group: string;
    readonly listed: readonly string[];
    /** The listed type with the least room for pods (first listed on a tie): a pod's largest share. */
    readonly instanceType: string;
    readonly allocatable: Requests;
    readonly spot: boolean;
}

interface NodeGroupConfig {
    readonly instanceTypes: readonly string[];
    readonly capacityType?: string;
}

/**
 * The host's nodes from its stack file's `nodeGroups` (structured, as in Pulumi.dev.yaml): of every
 * listed type, the one whose pod allocatable is smallest, CPU first, then memory; the earlier listed
 * on a tie. A pod's share of it is the largest it can be: the estimate does not flatter the layer.
 */
export function hostNodesOf(stack: string, config: Readonly<Record<string, unknown>>): HostNodes {
    const groups = (config["scalable-backend:nodeGroups"] ?? {}) as Readonly<Record<string, NodeGroupConfig>>;
    const candidates = Object.entries(groups).flatMap(([group, settings]) =>
        settings.instanceTypes.map((type) => ({ group, type, settings, room: podAllocatable(INSTANCE_TYPES[type]) })),
    );
    if (candidates.length === 0) throw new Error(`cost: Pulumi.${stack}.yaml lists no nodeGroups instance types`);
    const smallest = candidates.reduce((a, b) =>
        b.room.cpuMillis < a.room.cpuMillis ||
        (b.room.cpuMillis === a.room.cpuMillis && b.room.memoryMiB < a.room.memoryMiB)
            ? b
            : a,
    );
    return {
        stack,
        group: smallest.group,
        listed: [...smallest.settings.instanceTypes],
        instanceType: smallest.type,
        allocatable: smallest.room,
        spot: smallest.settings.capacityType === "SPOT",
    };
}

const ROOT = path.resolve(__dirname, "..");

/** dev's nodes, from Pulumi.dev.yaml: the only host review stacks may name (config/review.ts parseHostStack). */
export function devHostNodes(root: string = ROOT): HostNodes {
    const doc = yaml.load(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as {
        config?: Record<string, unknown>;
    };
    return hostNodesOf("dev", doc.config ?? {});
}

/** A stack whose Kubernetes objects run on a cluster it does not create: no node group of its own. */
export function isHosted(resources: readonly RecordedResource[]): boolean {
    return (
        !resources.some((r) => r.type === NODE_GROUP) &&
        resources.some((r) => r.custom && !r.read && r.type.startsWith("kubernetes:"))
    );
}

/** What one pod requests: its containers' sum, or an init container's if larger; the LimitRange's default where unset. */
export function podRequests(deployment: RecordedResource): { requests: Requests; defaulted: boolean } {
    const spec = deployment.inputs.spec?.template?.spec ?? {};
    let defaulted = false;
    const of = (container: any): Requests => {
        const requests = container.resources?.requests ?? {};
        const cpu = requests.cpu === undefined ? undefined : cpuMillis(String(requests.cpu));
        const memory = requests.memory === undefined ? undefined : memoryMiB(String(requests.memory));
        if (cpu === undefined || memory === undefined) defaulted = true;
        return {
            cpuMillis: cpu ?? cpuMillis(REVIEW_CONTAINER_LIMITS.defaultRequest.cpu)!,
            memoryMiB: memory ?? memoryMiB(REVIEW_CONTAINER_LIMITS.defaultRequest.memory)!,
        };
    };
    const containers: Requests[] = (spec.containers ?? []).map(of);
    const inits: Requests[] = (spec.initContainers ?? []).map(of);
    const total = (key: keyof Requests) =>
        Math.max(
            containers.reduce((sum, c) => sum + c[key], 0),
            ...inits.map((c) => c[key]),
        );
    return { requests: { cpuMillis: total("cpuMillis"), memoryMiB: total("memoryMiB") }, defaulted };
}

/** Replicas by the HPA that scales it (min, its minimum, max), else the Deployment's own count. */
export function replicasOf(scope: Scope, deployment: RecordedResource): { replicas: Range; by: string } {
    const name = deployment.inputs.metadata?.name;
    const namespace = deployment.inputs.metadata?.namespace;
    const hpa = ofType(scope, HPA).find((h) => {
        const target = h.inputs.spec?.scaleTargetRef ?? {};
        return (
            target.kind === "Deployment" &&
            (target.name === name || (h.propertyDependencies?.spec ?? []).includes(deployment.urn)) &&
            h.inputs.metadata?.namespace === namespace
        );
    });
    if (hpa) {
        const min = Number(hpa.inputs.spec.minReplicas ?? 1);
        return {
            replicas: { min, expected: min, max: Number(hpa.inputs.spec.maxReplicas) },
            by: `replicas ${min}/${min}/${hpa.inputs.spec.maxReplicas} from HPA ${hpa.name} (expected: its minimum, where an idle review sits)`,
        };
    }
    const count = Number(deployment.inputs.spec?.replicas ?? 1);
    return { replicas: { min: count, expected: count, max: count }, by: `${count} replica(s), no HPA` };
}

const percent = (fraction: number): string => `${formatNumber(fraction * 100, 2)}%`;

/** One pod's share of a host node: the larger of its CPU and memory share. */
export function nodeShare(requests: Requests, allocatable: Requests): { share: number; cpu: number; memory: number } {
    const cpu = requests.cpuMillis / allocatable.cpuMillis;
    const memory = requests.memoryMiB / allocatable.memoryMiB;
    return { share: Math.max(cpu, memory), cpu, memory };
}

export function hostedPods(scope: Scope, host: HostNodes | undefined): Findings {
    const result = findings();
    if (!isHosted(scope.resources)) return result;
    for (const deployment of ofType(scope, DEPLOYMENT)) {
        if (!host) {
            result.unpriced.push({
                resource: deployment.name,
                type: deployment.type,
                description: "its pods on the host's nodes",
                reason: "no host's nodes were given to price their share of",
                kind: "unknown",
            });
            continue;
        }
        const { requests, defaulted } = podRequests(deployment);
        const { share, cpu, memory } = nodeShare(requests, host.allocatable);
        const { replicas, by } = replicasOf(scope, deployment);
        const { allocatable: room } = host;
        result.lines.push({
            resource: deployment.name,
            type: deployment.type,
            description: `pods' share of ${host.stack}'s ${host.instanceType} nodes: ${requests.cpuMillis}m/${requests.memoryMiB}Mi each of ${room.cpuMillis}m/${room.memoryMiB}Mi allocatable`,
            quantity: { min: replicas.min * share, expected: replicas.expected * share, max: replicas.max * share },
            unit: "instance-hour",
            price: { instanceType: host.instanceType },
            ...(host.spot ? { spotDiscount: scope.assumptions.spotDiscount } : {}),
            assumption: [
                `${percent(share)} of a node per pod, the larger of CPU ${percent(cpu)} and memory ${percent(memory)}`,
                ...(defaulted ? ["a container without requests at the review LimitRange's default"] : []),
                by,
                `${host.instanceType}: the smallest for pods of ${host.stack}'s nodeGroups.${host.group} (${host.listed.join(", ")})`,
                ...(host.spot ? [`SPOT at an assumed ${percent(scope.assumptions.spotDiscount)} below on-demand`] : []),
            ].join("; "),
        });
    }
    return result;
}

/** The zones the host's NLBs span: one per load balancer subnet of the contract the stack read. */
export function hostZones(scope: Scope): number {
    const reference = ofType(scope, STACK_REFERENCE).find((r) => r.read);
    const cidrs = reference?.outputs?.outputs?.hostContract?.loadBalancerSubnetCidrs;
    return Array.isArray(cidrs) ? cidrs.length : 0;
}

/** What a hosted stack is priced as, in one clause; undefined for a stack with its own nodes. */
export function hostedBasis(stack: string, scope: Scope, host: HostNodes | undefined): string | undefined {
    if (!isHosted(scope.resources)) return undefined;
    const where = `a stack on ${host?.stack ?? "a host"}'s cluster`;
    if (ofType(scope, DEPLOYMENT).length > 0)
        return host
            ? `${where}: its pods priced as their share of ${host.stack}'s ${host.instanceType} ${host.spot ? "SPOT" : "on-demand"} nodes`
            : `${where} whose nodes were not given: its pods unpriced`;
    const app = stack.startsWith("tenant-") ? `eph-${stack.slice("tenant-".length)}` : "the app layer";
    const quota = ofType(scope, "kubernetes:core/v1:ResourceQuota").length > 0;
    return `${where} that runs nothing: it costs nothing itself${
        quota ? `; its ResourceQuota is a cap, not a spend: the pods it admits are priced in ${app}'s estimate` : ""
    }`;
}
