// The permissions boundary: every IAM role an eph-* stack creates carries the one its config names
// (its deploy role may create no other), the EKS service role included, which the stack then makes
// itself; dev and prod, which name none, create their roles as before and leave that role to pulumi-eks.
import * as assert from "node:assert/strict";
import { CLUSTER_ROLE_POLICY_ARNS } from "../components/cluster";
import { serviceTrustPolicy } from "../components/iam";
import { EPHEMERAL_IAM_PATH } from "../lib/bootstrap-naming";
import { EPHEMERAL_BOUNDARY } from "./config-helpers";
import { EPHEMERAL_STACK, ephemeralRun, ofType, one, stackRun, STACKS } from "./helpers";

const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const POLICY = "aws:iam/policy:Policy";
/** The roles the program creates in every stack; pulumi-eks, given these, creates none but the service role. */
const ROLES = ["cluster-ebs-csi-role", "cluster-node", "platform-autoscaler-role", "platform-lbc-role"];

describe("permissions boundary: an eph-* stack", () => {
    it("sets the configured boundary on every IAM role it creates, its own EKS service role included", async () => {
        const roles = ofType(await ephemeralRun(), ROLE);
        assert.deepEqual(
            roles.map((r) => [r.name, r.inputs.permissionsBoundary]),
            [...ROLES, "cluster-service"].sort().map((name) => [name, EPHEMERAL_BOUNDARY]),
        );
    });

    it("puts every IAM role and policy under the path the ephemeral role's IAM rights are scoped to", async () => {
        const run = await ephemeralRun();
        assert.equal(EPHEMERAL_IAM_PATH, "/scalable-backend-eph/");
        assert.deepEqual(
            [...ofType(run, ROLE), ...ofType(run, POLICY)].map((r) => [r.name, r.inputs.path]),
            [
                ...[...ROLES, "cluster-service"].sort().map((name) => [name, EPHEMERAL_IAM_PATH]),
                ["platform-autoscaler-policy", EPHEMERAL_IAM_PATH],
                ["platform-lbc-policy", EPHEMERAL_IAM_PATH],
            ],
        );
    });

    it("gives the cluster a service role EKS assumes, with the policy pulumi-eks attaches to its own", async () => {
        const run = await ephemeralRun();
        const role = one(run, ROLE, "cluster-service");
        const component = one(run, "scalable-backend:cluster:Cluster", "cluster");
        assert.equal(role.parent, component.urn);
        assert.deepEqual(role.inputs, {
            description: `EKS control plane of scalable-backend-${EPHEMERAL_STACK}`,
            assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com")),
            permissionsBoundary: EPHEMERAL_BOUNDARY,
            path: EPHEMERAL_IAM_PATH,
        });
        assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
            { Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
        const attachments = ofType(run, ATTACHMENT).filter((a) => a.name.startsWith("cluster-service-"));
        assert.deepEqual(
            attachments.map((a) => [a.name, a.inputs, a.parent, a.aliases]),
            [
                [
                    "cluster-service-AmazonEKSClusterPolicy",
                    { role: "cluster-service", policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" },
                    component.urn,
                    [],
                ],
            ],
        );
        assert.deepEqual(CLUSTER_ROLE_POLICY_ARNS, ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);

        const cluster = one(run, "eks:index:Cluster", "cluster-eks");
        assert.equal(cluster.inputs.serviceRole, role.urn);
        // Only once its policy is attached: EKS refuses a role it cannot yet use.
        assert.deepEqual(cluster.propertyDependencies.serviceRole, [role.urn, attachments[0].urn].sort());
    });
});

for (const stack of STACKS) {
    describe(`permissions boundary: ${stack}`, () => {
        it("names none, so no role carries one, and keeps its roles and policies at the root path", async () => {
            const run = await stackRun(stack);
            const roles = ofType(run, ROLE);
            assert.deepEqual(
                roles.map((r) => [r.name, "permissionsBoundary" in r.inputs, "path" in r.inputs]),
                ROLES.map((name) => [name, false, false]),
            );
            assert.deepEqual(
                ofType(run, POLICY).map((p) => [p.name, "path" in p.inputs]),
                [
                    ["platform-autoscaler-policy", false],
                    ["platform-lbc-policy", false],
                ],
            );
        });

        it("makes no service role of its own: the cluster keeps pulumi-eks' (a new role ARN would replace it)", async () => {
            const run = await stackRun(stack);
            assert.equal("serviceRole" in one(run, "eks:index:Cluster", "cluster-eks").inputs, false);
            assert.deepEqual(
                ofType(run, ATTACHMENT)
                    .map((a) => a.name)
                    .filter((name) => name.startsWith("cluster-service")),
                [],
            );
        });
    });
}
