// Whether every pod the stack runs fits on the smallest node it may get: a request no node can meet
// ("256Gi" typed for "256Mi", "2500m" for "250m") leaves the pod Pending and `pulumi up` waiting
// on it for its whole timeout. Pure arithmetic on the pinned instance table.
import type { NodeGroupSettings } from "../components/cluster";
import { INSTANCE_TYPES, type InstanceType } from "./instance-types";
import { cpuMillis, memoryMiB, type Reader } from "./reader";

export interface Requests {
    readonly cpuMillis: number;
    readonly memoryMiB: number;
}

/**
 * Every node's DaemonSet pods, as the pinned add-ons and charts request them: aws-node (the VPC CNI
 * and its network policy agent, 25m each), kube-proxy (100m), ebs-csi-node (3 containers at
 * 10m/40Mi) and the Prometheus node exporter (no requests).
 */
export const DAEMONSET_REQUESTS: Requests = Object.freeze({ cpuMillis: 25 + 25 + 100 + 30, memoryMiB: 120 });

/**
 * The add-ons' own pods, with the requests they run with: the EKS add-ons' defaults, and the Helm
 * charts' as components/platform.ts sets them (a test holds those two to these figures).
 */
export const ADDON_POD_REQUESTS: Readonly<Record<string, Requests>> = Object.freeze({
    coredns: { cpuMillis: 100, memoryMiB: 70 },
    "metrics-server": { cpuMillis: 100, memoryMiB: 200 },
    "ebs-csi-controller": { cpuMillis: 60, memoryMiB: 240 },
    "aws-load-balancer-controller": { cpuMillis: 50, memoryMiB: 128 },
    "cluster-autoscaler": { cpuMillis: 50, memoryMiB: 128 },
});

/** The kernel and firmware keep part of the nominal memory: node capacity is 3-5% below it. */
const KERNEL_SHARE = 0.05;
/** The kubelet's hard eviction threshold (memory.available) on the EKS AMIs. */
const EVICTION_MIB = 100;

/** CPU kube-reserved on the EKS AMIs: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above. */
function reservedCpuMillis(vcpus: number): number {
    const shares = [60, 10, 5, 5];
    let millis = 0;
    for (let core = 0; core < vcpus; core++) millis += shares[core] ?? 2.5;
    return millis;
}

/** What pods can request on a node of `type`: capacity less kube-reserved, eviction and the DaemonSets. */
export function podAllocatable(type: InstanceType): Requests {
    const capacityMiB = Math.floor(type.memoryMiB * (1 - KERNEL_SHARE));
    return {
        cpuMillis: Math.floor(type.vcpus * 1000 - reservedCpuMillis(type.vcpus) - DAEMONSET_REQUESTS.cpuMillis),
        memoryMiB: capacityMiB - (11 * type.maxPods + 255) - EVICTION_MIB - DAEMONSET_REQUESTS.memoryMiB,
    };
}

/** A pod whose requests config decides: where they are set, and what they are. */
export interface ConfiguredPod {
    readonly key: string;
    readonly cpuRequest: string;
    readonly memoryRequest: string;
}

/**
 * Refuses a pod that fits no node of the smallest instance type any group may launch. Config-set
 * pods are named by their key; an add-on that does not fit points at the node groups.
 */
export function checkPodsFit(
    reader: Reader,
    nodeGroups: Readonly<Record<string, NodeGroupSettings>>,
    pods: readonly ConfiguredPod[],
): void {
    const candidates = Object.entries(nodeGroups).flatMap(([group, settings]) =>
        settings.instanceTypes.map((name) => ({ group, name, room: podAllocatable(INSTANCE_TYPES[name]) })),
    );
    const smallest = (resource: keyof Requests) =>
        candidates.reduce((a, b) => (b.room[resource] < a.room[resource] ? b : a));
    const cpuNode = smallest("cpuMillis");
    const memoryNode = smallest("memoryMiB");
    const where = (node: typeof cpuNode, room: string) =>
        `the smallest node type, ${node.name} (nodeGroups.${node.group}), leaves pods ${room} after kube-reserved, ` +
        `the eviction threshold and the DaemonSets`;

    // The add-ons first: a node too small for them is the cause, whatever the pods ask.
    for (const [addon, requests] of Object.entries(ADDON_POD_REQUESTS)) {
        const node =
            requests.memoryMiB > memoryNode.room.memoryMiB
                ? memoryNode
                : requests.cpuMillis > cpuNode.room.cpuMillis
                  ? cpuNode
                  : undefined;
        if (node) {
            reader.fail(
                `nodeGroups.${node.group}.instanceTypes`,
                `has "${node.name}", too small for ${addon} (${requests.cpuMillis}m, ${requests.memoryMiB}Mi): ${where(node, `${node.room.cpuMillis}m and ${node.room.memoryMiB}Mi`)}`,
                `larger instance types, e.g. "t3.medium" or "m6i.large"`,
            );
        }
    }
    for (const pod of pods) {
        const cpu = cpuMillis(pod.cpuRequest)!;
        if (cpu > cpuNode.room.cpuMillis) {
            // A zero too many is the usual slip: "2500m" for "250m".
            const typo =
                pod.cpuRequest.endsWith("m") && cpu % 10 === 0 && cpu / 10 <= cpuNode.room.cpuMillis
                    ? ` (did you mean "${cpu / 10}m"?)`
                    : "";
            reader.fail(
                `${pod.key}.cpuRequest`,
                `is "${pod.cpuRequest}", more CPU than any node offers: ${where(cpuNode, `${cpuNode.room.cpuMillis}m`)}`,
                `at most "${cpuNode.room.cpuMillis}m"${typo}, or larger instanceTypes`,
            );
        }
        const memory = memoryMiB(pod.memoryRequest)!;
        if (memory > memoryNode.room.memoryMiB) {
            // "256Gi" for "256Mi"; nobody means "8Mi" by "8Gi".
            const typo =
                pod.memoryRequest.endsWith("Gi") && memory >= 32 * 1024 && memory / 1024 <= memoryNode.room.memoryMiB
                    ? ` (did you mean "${pod.memoryRequest.slice(0, -2)}Mi"?)`
                    : "";
            reader.fail(
                `${pod.key}.memoryRequest`,
                `is "${pod.memoryRequest}", more memory than any node offers: ${where(memoryNode, `${memoryNode.room.memoryMiB}Mi`)}`,
                `at most "${memoryNode.room.memoryMiB}Mi"${typo}, or larger instanceTypes`,
            );
        }
    }
}
