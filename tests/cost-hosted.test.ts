// A stack on dev's cluster (a shared review stack's layers) priced as its pods' share of dev's
// nodes: requests against a node's pod allocatable, the larger of CPU and memory, times the
// replicas its HPA allows and the node's SPOT price; its ECR repository when it builds, an NLB when
// public; a tenant costs nothing itself. Against dev's own estimate, from the real evaluations.
import * as assert from "node:assert/strict";
import { podAllocatable } from "../config/capacity";
import { INSTANCE_TYPES } from "../config/instance-types";
import { estimate } from "../cost/estimate";
import { devHostNodes, hostedPods, hostNodesOf, isHosted, podRequests, replicasOf } from "../cost/hosted";
import { DEFAULT_ASSUMPTIONS } from "../cost/assumptions";
import { scopeOf } from "../cost/model";
import { describeEstimate } from "../cost/render";
import { devStackFileConfig } from "../tools/stack";
import { rows, TABLE, resource, unknowns } from "./cost-helpers";
import { hostedRun, stackRun, STACKS } from "./helpers";

const PREBUILT = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/backend@sha256:${"b".repeat(64)}`;
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
/** 50m of a t3.large's 1750m, the larger share: memory is 64Mi of 6922Mi. */
const SHARE = 50 / 1750;
/** t3.large on-demand in eu-west-1, 60% off as SPOT. */
const SPOT_HOUR = 0.0912 * 0.4;
const DEPLOYMENT_ROW = [
    "backend-deployment",
    "pods' share of dev's t3.large nodes: 50m/64Mi each of 1750m/6922Mi allocatable",
    0.03648,
    0.76,
    0.76,
    1.52,
];
const APP_BASIS = "a stack on dev's cluster: its pods priced as their share of dev's t3.large SPOT nodes";

const deployment = (name: string, containers: any[], extra: Record<string, any> = {}) =>
    resource(DEPLOYMENT, name, {
        metadata: { name, namespace: "eph-t" },
        spec: { ...extra, template: { spec: { containers } } },
    });

describe("cost: a stack on the host's cluster", () => {
    it("prices on dev's smallest node type for pods, from Pulumi.dev.yaml: t3.large, SPOT", () => {
        assert.deepEqual(devHostNodes(), {
            stack: "dev",
            group: "general",
            listed: ["t3.large", "t3a.large", "m5.large"],
            instanceType: "t3.large",
            allocatable: { cpuMillis: 1750, memoryMiB: 6922 },
            spot: true,
        });
        assert.deepEqual(devHostNodes(), hostNodesOf("dev", devStackFileConfig()));
        // Equal room: the first listed. m5.large has fewer pods per node, so more memory for them.
        assert.deepEqual(podAllocatable(INSTANCE_TYPES["t3a.large"]), podAllocatable(INSTANCE_TYPES["t3.large"]));
        assert.deepEqual(podAllocatable(INSTANCE_TYPES["m5.large"]), { cpuMillis: 1750, memoryMiB: 6988 });
        const groups = (instanceTypes: string[], capacityType = "ON_DEMAND") => ({
            "scalable-backend:nodeGroups": { a: { instanceTypes, capacityType } },
        });
        assert.equal(hostNodesOf("h", groups(["m5.large", "t3a.large"])).instanceType, "t3a.large");
        assert.equal(hostNodesOf("h", groups(["m5.large", "t3.medium"])).instanceType, "t3.medium");
        assert.equal(hostNodesOf("h", groups(["m5.large"])).spot, false);
    });

    it("is a stack with Kubernetes objects and no node group of its own", async () => {
        for (const run of await Promise.all(STACKS.map(stackRun))) assert.equal(isHosted(run.resources), false);
        assert.equal(isHosted((await hostedRun("eph-demo", { image: PREBUILT })).resources), true);
        assert.equal(isHosted((await hostedRun("tenant-demo")).resources), true);
        assert.equal(isHosted([resource("aws:ecr/repository:Repository", "r")]), false);
    });

    it("prices the real ClusterIP app with a prebuilt image as 1 to 2 pods' share of a SPOT t3.large, nothing else", async () => {
        const e = estimate(await hostedRun("eph-demo", { image: PREBUILT }), TABLE);
        assert.deepEqual(rows(e), [DEPLOYMENT_ROW]);
        const [item] = e.items;
        assert.deepEqual(item.quantity, { min: 0.0286, expected: 0.0286, max: 0.0571 });
        assert.equal(item.unit, "instance-hour");
        assert.equal(
            item.assumption,
            "2.86% of a node per pod, the larger of CPU 2.86% and memory 0.92%; replicas 1/1/2 from HPA backend-hpa (expected: its minimum, where an idle review sits); t3.large: the smallest for pods of dev's nodeGroups.general (t3.large, t3a.large, m5.large); SPOT at an assumed 60% below on-demand",
        );
        assert.equal(e.monthly!.expected, Math.round(SHARE * SPOT_HOUR * 730 * 100) / 100);
        assert.deepEqual(e.hourly, { min: 0.001, expected: 0.001, max: 0.0021 });
        assert.deepEqual(e.onDemandMonthly, { min: 1.9, expected: 1.9, max: 3.8 });
        assert.equal(e.basis, APP_BASIS);
        assert.deepEqual(unknowns(e), []);
        assert.equal(
            describeEstimate(e),
            `Estimated cost: $0.76/month ($0.0010/h) expected, $0.76 at min and $1.52 at max; eu-west-1 list prices of 2026-12-01; ${APP_BASIS} (npm run cost -- eph-demo for the items)`,
        );
    });

    it("adds the ECR repository when it builds its image", async () => {
        const e = estimate(await hostedRun("eph-demo"), TABLE);
        assert.deepEqual(rows(e), [
            DEPLOYMENT_ROW,
            ["backend-image-repo", "ECR storage of scalable-backend-eph-demo/backend", 0.1, 0.01, 0.08, 0.24],
        ]);
        assert.deepEqual(e.hourly, { min: 0.0011, expected: 0.0012, max: 0.0024 });
    });

    it("costs at most 1/20 of dev an hour with the default ClusterIP Service: about 1/255 building its image, 1/282 prebuilt", async () => {
        const dev = estimate(await stackRun("dev"), TABLE);
        const built = estimate(await hostedRun("eph-demo"), TABLE);
        const prebuilt = estimate(await hostedRun("eph-demo", { image: PREBUILT }), TABLE);
        assert.equal(dev.hourly!.expected, 0.2938);
        for (const app of [built, prebuilt]) assert.ok(app.hourly!.expected * 20 <= dev.hourly!.expected, app.stack);
        // From the monthly figures: the hourly ones are rounded to 4 places.
        assert.equal((dev.monthly!.expected / built.monthly!.expected).toFixed(1), "255.3");
        assert.equal((dev.monthly!.expected / prebuilt.monthly!.expected).toFixed(1), "282.2");
    });

    it("adds an NLB when public, its addresses in the zones of the host's contract: then about 1/7 of dev", async () => {
        const [dev, run] = [
            await stackRun("dev"),
            await hostedRun("eph-demo", { image: PREBUILT, sourceRanges: ["203.0.113.0/24"] }),
        ];
        const e = estimate(run, TABLE);
        assert.deepEqual(rows(e), [
            DEPLOYMENT_ROW,
            ["backend-service", "NLB (internet-facing, TCP listener)", 0.0252, 18.4, 18.4, 18.4],
            ["backend-service", "NLB capacity units", 0.006, 4.38, 4.38, 4.38],
            ["backend-service", "NLB public IPv4 addresses", 0.005, 7.3, 7.3, 7.3],
        ]);
        assert.equal(
            e.items[3].assumption,
            "one per zone: the 2 load balancer subnet(s) of the host's contract (its StackReference)",
        );
        assert.equal(
            (dev.outputs.hostContract as { loadBalancerSubnetCidrs: string[] }).loadBalancerSubnetCidrs.length,
            2,
        );
        assert.equal(e.hourly!.expected, 0.0422);
        assert.deepEqual(unknowns(e), []);
    });

    it("says a tenant costs nothing itself: its quota is a cap, not a spend", async () => {
        const e = estimate(await hostedRun("tenant-demo"), TABLE);
        assert.deepEqual(e.items, []);
        assert.deepEqual(e.hourly, { min: 0, expected: 0, max: 0 });
        assert.deepEqual(unknowns(e), []);
        assert.equal(
            e.basis,
            "a stack on dev's cluster that runs nothing: it costs nothing itself; its ResourceQuota is a cap, not a spend: the pods it admits are priced in eph-demo's estimate",
        );
    });

    it("counts a pod's containers, an init container if larger, the LimitRange default where unset", () => {
        const pod = deployment("d", [
            { resources: { requests: { cpu: "100m", memory: "1Gi" } } },
            { resources: { requests: { cpu: "0.5", memory: "64Mi" } } },
        ]);
        assert.deepEqual(podRequests(pod), { requests: { cpuMillis: 600, memoryMiB: 1088 }, defaulted: false });
        const init = deployment("d", [{ resources: { requests: { cpu: "100m", memory: "64Mi" } } }]);
        init.inputs.spec.template.spec.initContainers = [{ resources: { requests: { cpu: "1", memory: "32Mi" } } }];
        assert.deepEqual(podRequests(init), { requests: { cpuMillis: 1000, memoryMiB: 64 }, defaulted: false });
        assert.deepEqual(podRequests(deployment("d", [{}])), {
            requests: { cpuMillis: 50, memoryMiB: 64 },
            defaulted: true,
        });
    });

    it("takes replicas from the HPA that targets the Deployment, else its own count; unpriced without a host", () => {
        const d = deployment("d", [{ resources: { requests: { cpu: "875m", memory: "64Mi" } } }], { replicas: 3 });
        const hpa = resource(HPA, "h", {
            metadata: { namespace: "eph-t" },
            spec: { scaleTargetRef: { kind: "Deployment", name: "d" }, minReplicas: 2, maxReplicas: 5 },
        });
        const scope = (...resources: (typeof d)[]) => scopeOf(resources, TABLE, DEFAULT_ASSUMPTIONS, TABLE.date);
        assert.deepEqual(replicasOf(scope(d, hpa), d).replicas, { min: 2, expected: 2, max: 5 });
        assert.deepEqual(replicasOf(scope(d), d), {
            replicas: { min: 3, expected: 3, max: 3 },
            by: "3 replica(s), no HPA",
        });
        const found = hostedPods(scope(d), devHostNodes());
        // 875m of 1750m: half a node per pod, three pods.
        assert.deepEqual(found.lines[0].quantity, { min: 1.5, expected: 1.5, max: 1.5 });
        assert.deepEqual(hostedPods(scope(d), undefined), {
            lines: [],
            unpriced: [
                {
                    resource: "d",
                    type: DEPLOYMENT,
                    description: "its pods on the host's nodes",
                    reason: "no host's nodes were given to price their share of",
                    kind: "unknown",
                },
            ],
        });
    });
});
