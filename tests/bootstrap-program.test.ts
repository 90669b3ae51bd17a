// The bootstrap and the main program agree: the secrets providers the stacks name are the keys the
// bootstrap makes, and the ephemeral role may create exactly what an eph-* stack creates in IAM
// (its roles, with the boundary, and its policies, under the ephemeral path) and pass those roles.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { BOUNDARY_CONDITION_KEY } from "../lib/bootstrap-naming";
import { ACCOUNT, ROOT } from "../testing/engine";
import { decide } from "../testing/iam-policy";
import { ephemeralSecretsProvider } from "../tools/stack";
import { bootstrapRun, policiesOf } from "./bootstrap-helpers";
import { ephemeralRun, ofType } from "./helpers";

const secretsProviderOf = (stack: string) =>
    (yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { secretsprovider: string })
        .secretsprovider;

describe("bootstrap and the main program", () => {
    it("make and name the same secrets providers: dev's, prod's and the eph-* stacks'", async () => {
        assert.deepEqual((await bootstrapRun()).outputs.secretsProviders, {
            dev: secretsProviderOf("dev"),
            prod: secretsProviderOf("prod"),
            ephemeral: ephemeralSecretsProvider(),
        });
    });

    it("let the ephemeral role create each role of an eph-* stack only with the boundary, and pass it", async () => {
        const bootstrap = await bootstrapRun();
        const policies = Object.values(policiesOf(bootstrap, "ephemeral"));
        const boundary = bootstrap.outputs.permissionsBoundaryArn as string;
        const roles = ofType(await ephemeralRun(), "aws:iam/role:Role");
        assert.equal(roles.length, 5);
        for (const role of roles) {
            const arn = `arn:aws:iam::${ACCOUNT}:role${role.inputs.path}${role.name}`;
            const create = (context: Record<string, string>) =>
                decide(policies, { action: "iam:CreateRole", resource: arn, context });
            assert.equal(create({ [BOUNDARY_CONDITION_KEY]: boundary }), "Allow", arn);
            assert.notEqual(create({}), "Allow", `${arn} without the boundary`);
            assert.notEqual(create({ [BOUNDARY_CONDITION_KEY]: `${boundary}-other` }), "Allow", arn);
            // EKS is handed the service role, the node role and the EBS CSI add-on's; pods assume the rest.
            const passed = ["cluster-service", "cluster-node", "cluster-ebs-csi-role"].includes(role.name);
            const pass = (service: string) =>
                decide(policies, {
                    action: "iam:PassRole",
                    resource: arn,
                    context: { "iam:PassedToService": service },
                });
            if (passed) assert.equal(pass("eks.amazonaws.com"), "Allow", arn);
            assert.notEqual(pass("ec2.amazonaws.com"), "Allow", `${arn} to EC2`);
            const rootArn = `arn:aws:iam::${ACCOUNT}:role/${role.name}`;
            assert.notEqual(
                decide(policies, {
                    action: "iam:CreateRole",
                    resource: rootArn,
                    context: { [BOUNDARY_CONDITION_KEY]: boundary },
                }),
                "Allow",
                `${rootArn}: outside the ephemeral path`,
            );
        }
    });

    it("let the ephemeral role create each policy of an eph-* stack, under the ephemeral path only", async () => {
        const policies = Object.values(policiesOf(await bootstrapRun(), "ephemeral"));
        const created = ofType(await ephemeralRun(), "aws:iam/policy:Policy");
        assert.equal(created.length, 2);
        for (const policy of created) {
            const arn = `arn:aws:iam::${ACCOUNT}:policy${policy.inputs.path}${policy.name}`;
            assert.equal(decide(policies, { action: "iam:CreatePolicy", resource: arn }), "Allow", arn);
            const rootArn = `arn:aws:iam::${ACCOUNT}:policy/${policy.name}`;
            assert.notEqual(decide(policies, { action: "iam:CreatePolicy", resource: rootArn }), "Allow", rootArn);
        }
    });
});
