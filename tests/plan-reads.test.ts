// Reads: a StackReference (and any Resource.get) reaches the engine as ReadResource, not
// RegisterResource. The mock engine records it marked `read`, the plan prints and writes it as one,
// the deploy-time model and the estimate know it creates nothing; dev and prod read nothing, so
// their plans are unchanged.
import * as assert from "node:assert/strict";
import { coverageOf } from "../cost/coverage";
import { qualifiedStackName } from "../testing/engine";
import { durationOf } from "../tools/deploy-time";
import { planEntry, policyRecords, renderTree } from "../tools/plan";
import { hostedRun, one, stackRun, STACKS } from "./helpers";

const PREBUILT = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/backend@sha256:${"b".repeat(64)}`;
const STACK_REFERENCE = "pulumi:pulumi:StackReference";
const HOST = qualifiedStackName("dev");

describe("plan: reads", () => {
    for (const stack of ["eph-demo", "tenant-demo"]) {
        it(`records ${stack}'s StackReference to its host as a read: the host's name in, dev's outputs out`, async () => {
            const [run, dev] = await Promise.all([hostedRun(stack, { image: PREBUILT }), stackRun("dev")]);
            const reads = run.resources.filter((r) => r.read);
            assert.deepEqual(
                reads.map((r) => `${r.type}::${r.name}`),
                [`${STACK_REFERENCE}::host`],
            );
            const host = reads[0];
            assert.equal(host.read, true);
            assert.equal(host.custom, true);
            assert.deepEqual(host.inputs, { name: HOST });
            assert.deepEqual(host.outputs, {
                name: HOST,
                outputs: dev.outputs,
                secretOutputNames: dev.secretOutputs,
            });
            assert.equal(host.parent, one(run, "pulumi:pulumi:Stack", `scalable-backend-${stack}`).urn);
        });
    }

    it("records no read in dev or prod, and no read key on any registration", async () => {
        for (const run of await Promise.all(STACKS.map(stackRun)))
            assert.deepEqual(
                run.resources.filter((r) => "read" in r).map((r) => r.name),
                [],
                run.stack,
            );
    });

    it("prints the read with its name and marks it in plan.json; every other entry has no read key", async () => {
        const run = await hostedRun("eph-demo", { image: PREBUILT });
        const tree = renderTree(run).split("\n");
        assert.deepEqual(
            tree.filter((line) => line.includes("StackReference")),
            // Under the stack, as a child of it.
            [`  ${STACK_REFERENCE}  host  [read]  name=${HOST}`],
        );
        const host = one(run, STACK_REFERENCE, "host");
        assert.equal(planEntry(host).read, true);
        const provider = one(run, "pulumi:providers:kubernetes", "host");
        assert.equal("read" in planEntry(provider), false);
    });

    it("seals the referenced stack's secret outputs in the records the pack judges, and keeps the rest", async () => {
        const [run, dev] = await Promise.all([hostedRun("eph-demo", { image: PREBUILT }), stackRun("dev")]);
        const record = policyRecords(run).resources.find((r) => r.type === STACK_REFERENCE)!;
        assert.deepEqual(dev.secretOutputs, ["hostContract", "kubeconfig"]);
        assert.deepEqual(record.outputs.outputs, {
            ...dev.outputs,
            hostContract: "[secret]",
            kubeconfig: "[secret]",
        });
        assert.equal(record.read, true);
        // The run itself keeps what the program read.
        assert.deepEqual(one(run, STACK_REFERENCE, "host").outputs.outputs.hostContract, dev.outputs.hostContract);
    });

    it("takes a read as a state read in the deploy-time model and as free in the estimate", async () => {
        const host = one(await hostedRun("eph-demo", { image: PREBUILT }), STACK_REFERENCE, "host");
        assert.deepEqual(durationOf(host), {
            minutes: 0.05,
            source: "a state read: the referenced stack's latest checkpoint from the backend, decrypted",
        });
        assert.deepEqual(durationOf({ ...host, type: "aws:ec2/vpc:Vpc" }), {
            minutes: 0.05,
            source: "one read of an existing resource (a Get call), nothing created",
        });
        assert.deepEqual(coverageOf(host), {
            free: "a read of state that exists: nothing is created or billed by it",
        });
    });
});
