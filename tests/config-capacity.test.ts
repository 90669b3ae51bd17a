// config/capacity.ts and config/instance-types.ts: instance types that exist, and pods that fit on
// the smallest node a group may launch (kube-reserved, eviction threshold and DaemonSets taken).
import assert from "node:assert/strict";
import { clusterAutoscalerValues, loadBalancerControllerValues } from "../components/platform";
import { ADDON_POD_REQUESTS, podAllocatable } from "../config/capacity";
import { INSTANCE_TYPES } from "../config/instance-types";
import { accepts, both, Rejection, rejects, set } from "./config-helpers";

describe("config: the pinned instance table", () => {
    it("gives the allowance EKS works out for well-known types", () => {
        const of = (name: string) => ({ ...INSTANCE_TYPES[name] });
        assert.deepEqual(of("t3.large"), { vcpus: 2, memoryMiB: 8192, maxPods: 35 });
        assert.deepEqual(of("m5.large"), { vcpus: 2, memoryMiB: 8192, maxPods: 29 });
        assert.deepEqual(of("c5.9xlarge"), { vcpus: 36, memoryMiB: 73728, maxPods: 234 });
        assert.deepEqual(of("r6i.32xlarge"), { vcpus: 128, memoryMiB: 1048576, maxPods: 737 });
        assert.equal(INSTANCE_TYPES["c5.8xlarge"], undefined, "c5 has a 9xlarge, no 8xlarge");
        assert.equal(Object.keys(INSTANCE_TYPES).length, 160);
    });

    it("leaves pods capacity less kube-reserved (11 MiB per pod + 255 MiB; CPU by cores), 100Mi eviction and the DaemonSets", () => {
        // t3.large: 8192 * 0.95 = 7782; - (11 * 35 + 255) - 100 - 120 = 6922. CPU: 2000 - 70 - 180.
        assert.deepEqual(podAllocatable(INSTANCE_TYPES["t3.large"]), { cpuMillis: 1750, memoryMiB: 6922 });
        // m6i.xlarge: 15564 - 893 - 220 = 14451; 4000 - 80 - 180.
        assert.deepEqual(podAllocatable(INSTANCE_TYPES["m6i.xlarge"]), { cpuMillis: 3740, memoryMiB: 14451 });
    });

    it("holds the add-on charts' requests to what the capacity check assumes", () => {
        const requests = (values: Record<string, any>) => values.resources.requests;
        const common = { clusterName: "c", region: "eu-west-1", roleArn: "r" };
        assert.deepEqual(requests(loadBalancerControllerValues({ ...common, vpcId: "v", replicas: 2 })), {
            cpu: `${ADDON_POD_REQUESTS["aws-load-balancer-controller"].cpuMillis}m`,
            memory: `${ADDON_POD_REQUESTS["aws-load-balancer-controller"].memoryMiB}Mi`,
        });
        assert.deepEqual(requests(clusterAutoscalerValues({ ...common, imageTag: "v1.35.2" })), {
            cpu: `${ADDON_POD_REQUESTS["cluster-autoscaler"].cpuMillis}m`,
            memory: `${ADDON_POD_REQUESTS["cluster-autoscaler"].memoryMiB}Mi`,
        });
    });
});

describe("config: instance types that exist", () => {
    const typeCase = (types: string[], says: string, expects: string): Rejection => ({
        title: `instanceTypes ${JSON.stringify(types)}`,
        stack: "prod",
        edit: set("nodeGroups.general.instanceTypes", types),
        key: "nodeGroups.general.instanceTypes",
        says: [says],
        expects: [expects],
    });
    rejects([
        typeCase(
            ["m5.huge"],
            'has "m5.huge", which is not an instance type',
            "one of the m5 types in config/instance-types.ts: m5.large, m5.xlarge",
        ),
        typeCase(
            ["m6i.large", "m6i.2xlarg"],
            'has "m6i.2xlarg", which is not an instance type (did you mean "m6i.2xlarge"?)',
            "m6i.32xlarge",
        ),
        typeCase(["c5.8xlarge"], 'has "c5.8xlarge", which is not an instance type', "c5.9xlarge"),
    ]);
});

describe("config: pods fit on the smallest node", () => {
    const devNode = "the smallest node type, t3.large (nodeGroups.general), leaves pods";
    const prodNode = "the smallest node type, m6i.large (nodeGroups.general), leaves pods";
    rejects([
        {
            title: 'a backend memoryRequest of "256Gi" typed for "256Mi"',
            edit: both(set("backend.memoryRequest", "256Gi"), set("backend.memoryLimit", "512Gi")),
            key: "backend.memoryRequest",
            says: [`is "256Gi", more memory than any node offers: ${devNode} 6922Mi after kube-reserved`],
            expects: ['at most "6922Mi" (did you mean "256Mi"?), or larger instanceTypes'],
        },
        {
            title: 'a prod backend cpuRequest of "2500m" typed for "250m"',
            stack: "prod",
            edit: set("backend.cpuRequest", "2500m"),
            key: "backend.cpuRequest",
            says: [`is "2500m", more CPU than any node offers: ${prodNode} 1750m`],
            expects: ['at most "1750m" (did you mean "250m"?), or larger instanceTypes'],
        },
        {
            title: "a backend cpuRequest of 9 cores, with no typo to suggest",
            edit: set("backend.cpuRequest", "9"),
            key: "backend.cpuRequest",
            says: ['is "9", more CPU than any node offers'],
            expects: ['at most "1750m", or larger instanceTypes'],
        },
        {
            title: "one more millicore than a t3.large leaves",
            edit: set("backend.cpuRequest", "1751m"),
            key: "backend.cpuRequest",
            says: ['is "1751m", more CPU than any node offers'],
            expects: ['at most "1750m", or larger instanceTypes'],
        },
        {
            title: "a Prometheus larger than a dev node",
            edit: both(
                set("monitoring.prometheus.memoryRequest", "8Gi"),
                set("monitoring.prometheus.memoryLimit", "8Gi"),
            ),
            key: "monitoring.prometheus.memoryRequest",
            says: ['is "8Gi", more memory than any node offers'],
            expects: ['at most "6922Mi", or larger instanceTypes'],
        },
        {
            title: "a Grafana CPU request no prod node offers",
            stack: "prod",
            edit: set("monitoring.grafana.cpuRequest", "2"),
            key: "monitoring.grafana.cpuRequest",
            says: ['is "2", more CPU than any node offers'],
            expects: ['at most "1750m"'],
        },
        {
            title: "an Alertmanager larger than the smaller of two groups",
            stack: "prod",
            edit: both(
                set("nodeGroups.small", { instanceTypes: ["c6i.large"], minSize: 2, maxSize: 3 }),
                set("monitoring.alertmanager.memoryRequest", "4Gi"),
                set("monitoring.alertmanager.memoryLimit", "4Gi"),
            ),
            key: "monitoring.alertmanager.memoryRequest",
            says: ["the smallest node type, c6i.large (nodeGroups.small), leaves pods 3097Mi"],
            expects: ['at most "3097Mi"'],
        },
        {
            title: "nodes too small for the add-ons",
            edit: both(
                set("nodeGroups.general.instanceTypes", ["t3.nano"]),
                set("backend.memoryRequest", "1Mi"),
                set("backend.memoryLimit", "1Mi"),
                set("monitoring.prometheus.memoryRequest", "1Mi"),
                set("monitoring.alertmanager.memoryRequest", "1Mi"),
                set("monitoring.grafana.memoryRequest", "1Mi"),
            ),
            key: "nodeGroups.general.instanceTypes",
            says: ['has "t3.nano", too small for coredns (100m, 70Mi)'],
            expects: ['larger instance types, e.g. "t3.medium" or "m6i.large"'],
        },
    ]);
    accepts([
        {
            title: "a backend request of exactly what a t3.large leaves",
            edit: both(
                set("backend.cpuRequest", "1750m"),
                set("backend.memoryRequest", "6922Mi"),
                set("backend.memoryLimit", "6922Mi"),
            ),
            read: (c) => [c.backend.cpuRequest, c.backend.memoryRequest],
            expected: ["1750m", "6922Mi"],
        },
    ]);
});
