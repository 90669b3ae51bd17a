// Volumes the EBS CSI driver creates carry the cluster and stack under exported keys: the
// provider's default tags never reach them, and a teardown check lists leftovers by these.
import * as assert from "node:assert/strict";
import { EBS_VOLUME_TAG_CLUSTER, EBS_VOLUME_TAG_STACK, ebsCsiConfiguration } from "../components/cluster";
import { ephemeralRun, EPHEMERAL_STACK, one, stackRun, STACKS } from "./helpers";

const extraVolumeTags = (run: Awaited<ReturnType<typeof stackRun>>): unknown =>
    JSON.parse(one(run, "aws:eks/addon:Addon", "cluster-aws-ebs-csi-driver").inputs.configurationValues);

describe("ebs volume tags", () => {
    it("are the add-on's controller.extraVolumeTags, keyed by the exported constants", () => {
        assert.equal(EBS_VOLUME_TAG_CLUSTER, "scalable-backend/cluster");
        assert.equal(EBS_VOLUME_TAG_STACK, "scalable-backend/stack");
        assert.deepEqual(ebsCsiConfiguration("c1", "s1"), {
            controller: { extraVolumeTags: { "scalable-backend/cluster": "c1", "scalable-backend/stack": "s1" } },
        });
    });

    for (const stack of STACKS) {
        it(`name ${stack}'s cluster and stack, and only the EBS CSI add-on is configured`, async () => {
            const run = await stackRun(stack);
            assert.deepEqual(extraVolumeTags(run), {
                controller: {
                    extraVolumeTags: {
                        "scalable-backend/cluster": `scalable-backend-${stack}`,
                        "scalable-backend/stack": stack,
                    },
                },
            });
            for (const other of ["cluster-coredns", "cluster-metrics-server"]) {
                assert.equal(one(run, "aws:eks/addon:Addon", other).inputs.configurationValues, undefined, other);
            }
        });
    }

    it("name an ephemeral stack's own cluster and stack", async () => {
        assert.deepEqual(extraVolumeTags(await ephemeralRun()), {
            controller: {
                extraVolumeTags: {
                    "scalable-backend/cluster": `scalable-backend-${EPHEMERAL_STACK}`,
                    "scalable-backend/stack": EPHEMERAL_STACK,
                },
            },
        });
    });
});
