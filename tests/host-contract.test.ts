// The dev stack's host contract: the one versioned output the stacks placed on its cluster read,
// exported by dev only, a secret (it holds the kubeconfig), and refused by a reader when its
// version or shape is not what this program knows.
import * as assert from "node:assert/strict";
import { PROMETHEUS_POD_LABELS } from "../components/monitoring";
import { HOST_CONTRACT_VERSION, HostContractError, readHostContract } from "../lib/host-contract";
import { ephemeralRun, one, stackRun } from "./helpers";

describe("host contract", () => {
    it("is exported by dev, as a secret, with the cluster, its load balancer subnets and its Prometheus", async () => {
        const run = await stackRun("dev");
        assert.ok(run.secretOutputs.includes("hostContract"));
        const cluster = one(run, "eks:index:Cluster", "cluster-eks");
        assert.deepEqual(run.outputs.hostContract, {
            version: 1,
            clusterName: "scalable-backend-dev",
            region: "eu-west-1",
            kubeconfig: run.outputs.kubeconfig,
            loadBalancerSubnetCidrs: ["10.10.192.0/22", "10.10.196.0/22"],
            monitoring: {
                namespace: "monitoring",
                prometheusPodLabels: { ...PROMETHEUS_POD_LABELS },
                podMonitorLabels: {},
            },
        });
        assert.equal(cluster.inputs.name, "scalable-backend-dev");
        assert.equal(HOST_CONTRACT_VERSION, 1);
    });

    it("is exported by no other stack: prod and the eph-* stacks host nothing", async () => {
        assert.equal("hostContract" in (await stackRun("prod")).outputs, false);
        assert.equal("hostContract" in (await ephemeralRun()).outputs, false);
    });

    it("reads back what dev exports", async () => {
        const exported = (await stackRun("dev")).outputs.hostContract;
        assert.deepEqual(readHostContract("eph-pr-1", "dev", exported), exported);
    });

    it("refuses a host without one, of another version, or of another shape, saying what to do", async () => {
        const good = (await stackRun("dev")).outputs.hostContract as Record<string, any>;
        const prefix = 'Stack "eph-pr-1": the host stack "dev" ';
        const cases: [unknown, string][] = [
            [
                undefined,
                'exports no hostContract. Deploy the host from a checkout that has it (pulumi up on "dev"), or name the right host.',
            ],
            [
                { ...good, version: 2 },
                "exports hostContract version 2, which this program does not know (it reads version 1). Update this checkout to the host's program version.",
            ],
            [
                { ...good, version: "1" },
                'exports hostContract version "1", which this program does not know (it reads version 1). Redeploy "dev" from this checkout first.',
            ],
            [
                { ...good, kubeconfig: "" },
                'exports a hostContract whose kubeconfig is not a non-empty string. Redeploy "dev".',
            ],
            [
                { ...good, loadBalancerSubnetCidrs: [] },
                'exports a hostContract without loadBalancerSubnetCidrs. Redeploy "dev".',
            ],
            [
                {
                    ...good,
                    monitoring: { namespace: "monitoring", prometheusPodLabels: { a: 1 }, podMonitorLabels: {} },
                },
                'exports a hostContract whose monitoring is not { namespace, prometheusPodLabels, podMonitorLabels }. Redeploy "dev".',
            ],
        ];
        for (const [value, message] of cases)
            assert.throws(
                () => readHostContract("eph-pr-1", "dev", value),
                (error: Error) => error instanceof HostContractError && error.message === prefix + message,
                message,
            );
    });
});
