// The permissions boundary: every IAM role an eph-* stack creates carries the one its config names
// (its deploy role may create no other), and dev and prod, which name none, create their roles as before.
import * as assert from "node:assert/strict";
import { EPHEMERAL_BOUNDARY } from "./config-helpers";
import { ephemeralRun, ofType, stackRun, STACKS } from "./helpers";

const ROLE = "aws:iam/role:Role";
/** Every role the program creates itself (pulumi-eks creates none but the cluster's service role). */
const ROLES = ["cluster-ebs-csi-role", "cluster-node", "platform-autoscaler-role", "platform-lbc-role"];

describe("permissions boundary: an eph-* stack", () => {
    it("sets the configured boundary on every IAM role it creates", async () => {
        const roles = ofType(await ephemeralRun(), ROLE);
        assert.deepEqual(
            roles.map((r) => [r.name, r.inputs.permissionsBoundary]),
            ROLES.map((name) => [name, EPHEMERAL_BOUNDARY]),
        );
    });
});

for (const stack of STACKS) {
    describe(`permissions boundary: ${stack}`, () => {
        it("names none, so no role carries one", async () => {
            const roles = ofType(await stackRun(stack), ROLE);
            assert.deepEqual(
                roles.map((r) => [r.name, "permissionsBoundary" in r.inputs]),
                ROLES.map((name) => [name, false]),
            );
        });
    });
}
