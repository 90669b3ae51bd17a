// The changes that deserve a second look, flagged at the top of the plan diff: a protected resource
// touched, an input whose change replaces the resource (the table below), a stateful resource
// deleted, and new exposure (a CIDR list that widens, a public endpoint turned on). Pure.
import { isWithin, parseCidr } from "../../lib/cidr";
import { PathChange, PlanEntry, renderValue, StackChanges } from "./changes";

export interface Flag {
    readonly resource: string;
    readonly reason: string;
}

/**
 * Inputs whose change makes the provider replace the resource (delete and create, or create then
 * delete): the ones this program sets. A path matches itself and everything under it.
 */
export const REPLACES: readonly { readonly type: RegExp; readonly path: string }[] = [
    { type: /^eks:index:Cluster$/, path: "name" },
    { type: /^eks:index:Cluster$/, path: "encryptionConfigKeyArn" },
    { type: /^aws:ec2\/vpc:Vpc$/, path: "cidrBlock" },
    { type: /^aws:ec2\/subnet:Subnet$/, path: "cidrBlock" },
    { type: /^aws:ec2\/subnet:Subnet$/, path: "availabilityZone" },
    { type: /^aws:ec2\/subnet:Subnet$/, path: "vpcId" },
    { type: /^aws:kms\/key:Key$/, path: "customerMasterKeySpec" },
    { type: /^aws:kms\/key:Key$/, path: "keyUsage" },
    { type: /^eks:index:ManagedNodeGroup$/, path: "nodeGroupName" },
    { type: /^eks:index:ManagedNodeGroup$/, path: "nodeGroupNamePrefix" },
    { type: /^eks:index:ManagedNodeGroup$/, path: "amiType" },
    { type: /^eks:index:ManagedNodeGroup$/, path: "capacityType" },
    { type: /^eks:index:ManagedNodeGroup$/, path: "instanceTypes" },
    { type: /^eks:index:ManagedNodeGroup$/, path: "subnetIds" },
    { type: /^aws:cloudwatch\/logGroup:LogGroup$/, path: "name" },
    { type: /^aws:ecr\/repository:Repository$/, path: "name" },
    { type: /^aws:iam\/role:Role$/, path: "name" },
    { type: /^aws:iam\/role:Role$/, path: "path" },
    { type: /^aws:eks\/addon:Addon$/, path: "addonName" },
    { type: /^kubernetes:helm\.sh\/v3:Release$/, path: "name" },
    { type: /^kubernetes:helm\.sh\/v3:Release$/, path: "namespace" },
    { type: /^kubernetes:/, path: "metadata.name" },
    { type: /^kubernetes:/, path: "metadata.namespace" },
    { type: /^kubernetes:apps\/v1:(Deployment|StatefulSet|DaemonSet)$/, path: "spec.selector" },
    { type: /^kubernetes:apps\/v1:StatefulSet$/, path: "spec.volumeClaimTemplates" },
    { type: /^kubernetes:storage\.k8s\.io\/v1:StorageClass$/, path: "parameters" },
    { type: /^kubernetes:storage\.k8s\.io\/v1:StorageClass$/, path: "provisioner" },
];

/** Types whose deletion loses data or keys that no re-create brings back. */
export const STATEFUL = new Set([
    "aws:ebs/volume:Volume",
    "aws:kms/key:Key",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:ecr/repository:Repository",
    "aws:s3/bucket:Bucket",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "kubernetes:core/v1:PersistentVolume",
    "kubernetes:apps/v1:StatefulSet",
]);

/** Inputs that list who may connect: a new CIDR not inside an old one widens exposure. */
const CIDR_LIST =
    /(^|\.)(loadBalancerSourceRanges|publicAccessCidrs|cidrBlocks|ipv6CidrBlocks|cidrIpv4|cidrIpv6|ipBlock\.cidr)(\[\d+\])?$/;

const label = (r: PlanEntry): string => `${r.type} ${r.name}`;

const matches = (path: string, prefix: string): boolean =>
    path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/** "1.34" -> [1, 34]; undefined for anything else. */
const minor = (value: unknown): [number, number] | undefined => {
    const m = typeof value === "string" ? /^(\d+)\.(\d+)$/.exec(value) : null;
    return m ? [Number(m[1]), Number(m[2])] : undefined;
};

/** EKS upgrades a control plane one minor version at a time, and never downgrades. */
function versionJump(change: PathChange): string | undefined {
    const [from, to] = [minor(change.before), minor(change.after)];
    if (!from || !to || (to[0] === from[0] && to[1] === from[1] + 1)) return undefined;
    return `version ${renderValue(change.before)} -> ${renderValue(change.after)}: EKS moves one minor version up at a time, never down`;
}

/** CIDR-list values of a resource's inputs, by the list they belong to (the path without its index). */
function cidrLists(inputs: Record<string, unknown>): Map<string, string[]> {
    const lists = new Map<string, string[]>();
    const walk = (value: unknown, path: string): void => {
        if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
        else if (value !== null && typeof value === "object")
            for (const [k, v] of Object.entries(value)) walk(v, path === "" ? k : `${path}.${k}`);
        else if (typeof value === "string" && CIDR_LIST.test(path)) {
            const list = path.replace(/\[\d+\]$/, "");
            lists.set(list, [...(lists.get(list) ?? []), value]);
        }
    };
    walk(inputs, "");
    return lists;
}

const PUBLIC = (cidr: string): boolean => cidr === "0.0.0.0/0" || cidr === "::/0";

/** CIDRs of `after` that no CIDR of `before` contains (unparseable ones count as new). */
function widened(before: readonly string[], after: readonly string[]): string[] {
    const old = before.map(parseCidr).filter((n) => n !== undefined);
    return after.filter((cidr) => {
        const net = parseCidr(cidr);
        return !before.includes(cidr) && (net === undefined || !old.some((o) => isWithin(net, o)));
    });
}

function exposure(before: PlanEntry | undefined, after: PlanEntry): string[] {
    const reasons: string[] = [];
    const old = before ? cidrLists(before.inputs) : new Map<string, string[]>();
    const now = cidrLists(after.inputs);
    for (const [list, cidrs] of now) {
        // A list that is new (a new resource's, or a new rule's) exposes only what is public.
        const previous = old.get(list);
        const added = previous ? widened(previous, cidrs) : cidrs.filter(PUBLIC);
        if (added.length > 0) reasons.push(`${list} widens: ${added.join(", ")}`);
    }
    if (before) {
        // A list emptied or removed: for these inputs, no list means "from anywhere".
        for (const [list] of old)
            if (!now.has(list) && /(loadBalancerSourceRanges|publicAccessCidrs)$/.test(list))
                reasons.push(`${list} emptied: open to 0.0.0.0/0`);
    }
    if (after.type === "eks:index:Cluster" && after.inputs.endpointPublicAccess === true) {
        if (before && before.inputs.endpointPublicAccess !== true) {
            const cidrs = after.inputs.publicAccessCidrs as string[] | undefined;
            reasons.push(`public API endpoint turned on (to ${cidrs?.length ? cidrs.join(", ") : "0.0.0.0/0"})`);
        }
    }
    const scheme = "service.beta.kubernetes.io/aws-load-balancer-scheme";
    const schemeOf = (r: PlanEntry | undefined) =>
        (r?.inputs.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[scheme];
    if (before && schemeOf(after) === "internet-facing" && schemeOf(before) !== "internet-facing")
        reasons.push("load balancer turned internet-facing");
    return reasons;
}

/** The flags of one stack's changes, in the order a reviewer should read them. */
export function reviewFlags(changes: StackChanges): Flag[] {
    const flags: Flag[] = [];
    const flag = (r: PlanEntry, reason: string) => flags.push({ resource: label(r), reason });
    for (const u of changes.update) {
        if (u.before.protect || u.after.protect) flag(u.after, "protected resource changed");
        for (const c of u.changes) {
            const rule = REPLACES.find((r) => r.type.test(u.after.type) && matches(c.path, r.path));
            if (rule) flag(u.after, `replaces it: ${c.path} ${renderValue(c.before)} -> ${renderValue(c.after)}`);
            if (u.after.type === "eks:index:Cluster" && c.path === "version") {
                const jump = versionJump(c);
                if (jump) flag(u.after, jump);
            }
        }
        for (const reason of exposure(u.before, u.after)) flag(u.after, `new exposure: ${reason}`);
    }
    for (const r of changes.delete) {
        if (r.protect) flag(r, "protected resource deleted");
        if (STATEFUL.has(r.type)) flag(r, "stateful resource deleted: its data or key is lost");
    }
    for (const r of changes.create) for (const reason of exposure(undefined, r)) flag(r, `new exposure: ${reason}`);
    return flags;
}
