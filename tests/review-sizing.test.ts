// "20 review stacks fit the dev cluster": from Pulumi.dev.yaml's node group at its maximum (each
// listed type's pod allocatable, config/capacity.ts, and max pods, config/instance-types.ts), dev's
// own pods (the add-ons' requests in config/capacity.ts, the charts' and the backend's from dev's
// evaluated records, at their max replicas) and each review stack's quota (lib/review-quota.ts).
// The README's "Review stacks on dev: sizing" holds the same figures.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { ADDON_POD_REQUESTS, podAllocatable, type Requests } from "../config/capacity";
import { INSTANCE_TYPES } from "../config/instance-types";
import { cpuMillis, memoryMiB } from "../config/reader";
import { REVIEW_QUOTA, REVIEW_STACKS_SIZED_FOR } from "../lib/review-quota";
import { ROOT, type StackRun } from "../testing/engine";
import { devStackFileConfig } from "../tools/stack";
import { one, stackRun } from "./helpers";

interface Need {
    readonly cpuMillis: number;
    readonly memoryMiB: number;
    readonly pods: number;
}

/** The DaemonSet pods every node runs (config/capacity.ts DAEMONSET_REQUESTS): aws-node, kube-proxy, ebs-csi-node, node-exporter. */
const DAEMONSET_PODS = 4;

const group = () =>
    (
        devStackFileConfig()["scalable-backend:nodeGroups"] as Record<
            string,
            { instanceTypes: string[]; maxSize: number }
        >
    ).general;

/**
 * What one node offers pods whatever type the group launches: per dimension, the least of the
 * listed types (CPU and memory after kube-reserved, eviction and DaemonSets; pods: max pods less
 * the DaemonSets').
 */
function nodeRoom(types: readonly string[]): Need {
    const rooms = types.map((t) => ({
        ...podAllocatable(INSTANCE_TYPES[t]),
        pods: INSTANCE_TYPES[t].maxPods - DAEMONSET_PODS,
    }));
    return {
        cpuMillis: Math.min(...rooms.map((r) => r.cpuMillis)),
        memoryMiB: Math.min(...rooms.map((r) => r.memoryMiB)),
        pods: Math.min(...rooms.map((r) => r.pods)),
    };
}

const requestsOf = (resources: { requests: { cpu: string; memory: string } }): Requests => ({
    cpuMillis: cpuMillis(resources.requests.cpu)!,
    memoryMiB: memoryMiB(resources.requests.memory)!,
});
const NONE: Requests = { cpuMillis: 0, memoryMiB: 0 };

/** dev's own pods at their max replicas: [what, replicas, requests of one]. */
function hostPods(dev: StackRun): [string, number, Requests][] {
    const values = (name: string) => one(dev, "kubernetes:helm.sh/v3:Release", name).inputs.values;
    const stack = values("monitoring-stack");
    const backend = one(dev, "kubernetes:apps/v1:Deployment", "backend-deployment").inputs.spec.template.spec
        .containers[0];
    const hpa = one(dev, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "backend-hpa").inputs.spec;
    return [
        // The EKS add-ons' default replica counts (not read from AWS: unverifiable offline).
        ["coredns", 2, ADDON_POD_REQUESTS.coredns],
        ["metrics-server", 2, ADDON_POD_REQUESTS["metrics-server"]],
        ["ebs-csi-controller", 2, ADDON_POD_REQUESTS["ebs-csi-controller"]],
        [
            "aws-load-balancer-controller",
            values("platform-lbc").replicaCount,
            requestsOf(values("platform-lbc").resources),
        ],
        // The chart's default replicaCount: 1.
        [
            "cluster-autoscaler",
            values("platform-autoscaler").replicaCount ?? 1,
            requestsOf(values("platform-autoscaler").resources),
        ],
        ["prometheus", stack.prometheus.prometheusSpec.replicas, requestsOf(stack.prometheus.prometheusSpec.resources)],
        [
            "alertmanager",
            stack.alertmanager.alertmanagerSpec.replicas,
            requestsOf(stack.alertmanager.alertmanagerSpec.resources),
        ],
        ["grafana", stack.grafana.replicas, requestsOf(stack.grafana.resources)],
        // kube-prometheus-stack's defaults request nothing for these.
        ["prometheus-operator", 1, NONE],
        ["kube-state-metrics", 1, NONE],
        ["backend", hpa.maxReplicas, requestsOf(backend.resources)],
    ];
}

const total = (pods: [string, number, Requests][]): Need =>
    pods.reduce(
        (sum, [, n, r]) => ({
            cpuMillis: sum.cpuMillis + n * r.cpuMillis,
            memoryMiB: sum.memoryMiB + n * r.memoryMiB,
            pods: sum.pods + n,
        }),
        { cpuMillis: 0, memoryMiB: 0, pods: 0 },
    );

const QUOTA: Need = {
    cpuMillis: cpuMillis(REVIEW_QUOTA["requests.cpu"])!,
    memoryMiB: memoryMiB(REVIEW_QUOTA["requests.memory"])!,
    pods: Number(REVIEW_QUOTA.pods),
};

const headroom = (capacity: Need, host: Need, stacks: number): Need => ({
    cpuMillis: capacity.cpuMillis - host.cpuMillis - stacks * QUOTA.cpuMillis,
    memoryMiB: capacity.memoryMiB - host.memoryMiB - stacks * QUOTA.memoryMiB,
    pods: capacity.pods - host.pods - stacks * QUOTA.pods,
});
const fits = (room: Need): boolean => room.cpuMillis >= 0 && room.memoryMiB >= 0 && room.pods >= 0;
/** The most review stacks whose full quotas fit beside dev's own pods. */
const mostStacks = (capacity: Need, host: Need): number => {
    let n = 0;
    while (fits(headroom(capacity, host, n + 1))) n++;
    return n;
};

describe("review stacks on dev: sizing", () => {
    it("takes dev's node group at its maximum: 4 nodes, each 1750m, 6922Mi and 25 pods whatever type it launches", () => {
        const { instanceTypes, maxSize } = group();
        assert.deepEqual(instanceTypes, ["t3.large", "t3a.large", "m5.large"]);
        assert.equal(maxSize, 4);
        // CPU: all three; memory: t3.large and t3a.large (35 pods reserve more); pods: m5.large (29, less 4 DaemonSets).
        assert.deepEqual(nodeRoom(instanceTypes), { cpuMillis: 1750, memoryMiB: 6922, pods: 25 });
    });

    it("counts dev's own pods at their max replicas: 1420m, 3260Mi, 18 pods", async () => {
        const pods = hostPods(await stackRun("dev"));
        assert.deepEqual(
            pods.map(([what, n, r]) => `${n} x ${what} ${r.cpuMillis}m/${r.memoryMiB}Mi`),
            [
                "2 x coredns 100m/70Mi",
                "2 x metrics-server 100m/200Mi",
                "2 x ebs-csi-controller 60m/240Mi",
                "2 x aws-load-balancer-controller 50m/128Mi",
                "1 x cluster-autoscaler 50m/128Mi",
                "1 x prometheus 200m/1024Mi",
                "1 x alertmanager 50m/64Mi",
                "1 x grafana 100m/256Mi",
                "1 x prometheus-operator 0m/0Mi",
                "1 x kube-state-metrics 0m/0Mi",
                "4 x backend 100m/128Mi",
            ],
        );
        assert.deepEqual(total(pods), { cpuMillis: 1420, memoryMiB: 3260, pods: 18 });
    });

    it("fits 20 review stacks at their full quotas; a 21st does not (pods run out first)", async () => {
        const capacity = nodeRoom(group().instanceTypes);
        const nodes = group().maxSize;
        const cluster: Need = {
            cpuMillis: nodes * capacity.cpuMillis,
            memoryMiB: nodes * capacity.memoryMiB,
            pods: nodes * capacity.pods,
        };
        const host = total(hostPods(await stackRun("dev")));
        assert.deepEqual(QUOTA, { cpuMillis: 250, memoryMiB: 512, pods: 4 });
        assert.deepEqual(cluster, { cpuMillis: 7000, memoryMiB: 27688, pods: 100 });
        assert.equal(REVIEW_STACKS_SIZED_FOR, 20);
        assert.deepEqual(headroom(cluster, host, REVIEW_STACKS_SIZED_FOR), {
            cpuMillis: 580,
            memoryMiB: 14188,
            pods: 2,
        });
        assert.deepEqual(headroom(cluster, host, 21), { cpuMillis: 330, memoryMiB: 13676, pods: -2 });
        assert.equal(mostStacks(cluster, host), 20);
        // On t3.large or t3a.large nodes only (35 pods each), CPU binds instead, two stacks later.
        const t3 = nodeRoom(["t3.large"]);
        const t3Cluster = { cpuMillis: 4 * t3.cpuMillis, memoryMiB: 4 * t3.memoryMiB, pods: 4 * t3.pods };
        assert.equal(mostStacks(t3Cluster, host), 22);
        assert.deepEqual(headroom(t3Cluster, host, 22), { cpuMillis: 80, memoryMiB: 13164, pods: 18 });
    });

    it("places every pod on the 4 nodes when spread as the scheduler spreads them; packing nodes full strands 9", async () => {
        const room = nodeRoom(group().instanceTypes);
        const pods: Requests[] = hostPods(await stackRun("dev")).flatMap(([, n, r]) => Array<Requests>(n).fill(r));
        // Each stack at its quota in its largest possible pod, the others at the LimitRange's default request.
        for (let i = 0; i < REVIEW_STACKS_SIZED_FOR; i++)
            pods.push({ cpuMillis: 100, memoryMiB: 320 }, ...Array<Requests>(3).fill({ cpuMillis: 50, memoryMiB: 64 }));
        assert.equal(pods.length, 98);
        type Node = Need;
        /** Largest first, each on the node `choose` picks among those with room; what it could not place. */
        const unplaced = (choose: (candidates: Node[]) => Node): number => {
            const nodes: Node[] = Array.from({ length: group().maxSize }, () => ({ ...room }));
            let left = 0;
            for (const pod of [...pods].sort((a, b) => b.cpuMillis - a.cpuMillis || b.memoryMiB - a.memoryMiB)) {
                const candidates = nodes.filter(
                    (n) => n.pods >= 1 && n.cpuMillis >= pod.cpuMillis && n.memoryMiB >= pod.memoryMiB,
                );
                if (candidates.length === 0) {
                    left++;
                    continue;
                }
                const node = choose(candidates);
                Object.assign(node, {
                    pods: node.pods - 1,
                    cpuMillis: node.cpuMillis - pod.cpuMillis,
                    memoryMiB: node.memoryMiB - pod.memoryMiB,
                });
            }
            return left;
        };
        // kube-scheduler's default scoring prefers the least allocated node.
        const leastAllocated = (candidates: Node[]) => candidates.reduce((a, b) => (b.cpuMillis > a.cpuMillis ? b : a));
        assert.equal(unplaced(leastAllocated), 0);
        // Filling one node before the next uses its CPU on big pods and leaves its pod slots idle.
        assert.equal(
            unplaced((candidates) => candidates[0]),
            9,
        );
    });

    it("is what the README states", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("### Review stacks on dev: sizing"));
        for (const row of [
            "| one review stack's quota (`lib/review-quota.ts`) | 250m | 512Mi | 4 |",
            "| 20 review stacks | 5000m | 10240Mi | 80 |",
            "| dev's own pods, at their max replicas | 1420m | 3260Mi | 18 |",
            "| dev at its maximum: 4 nodes x the least any listed type offers pods | 4 x 1750m = 7000m | 4 x 6922Mi = 27688Mi | 4 x 25 = 100 |",
            "| **headroom with 20** | **580m** | **14188Mi** | **2** |",
        ])
            assert.ok(section.includes(row), row);
    });
});
