// The secrets-provider keys: rotation, aliases, and each key policy exactly: the account
// administers (not for the principals a pull request controls), exactly the named roles use.
import * as assert from "node:assert/strict";
import type { PolicyDocument } from "../components/iam";
import { JOBS, type JobKind } from "../bootstrap/components/github";
import {
    KEY_ADMINISTRATION,
    KEY_ALIASES,
    KEY_KINDS,
    type KeyKind,
    KEY_USERS,
    keyPolicy,
    secretsProviderUrl,
} from "../bootstrap/components/keys";
import { ACCOUNT } from "../testing/engine";
import { decide } from "../testing/iam-policy";
import { bootstrapRun } from "./bootstrap-helpers";
import { one } from "./helpers";

const role = (kind: JobKind): string => `arn:aws:iam::${ACCOUNT}:role/${JOBS[kind].roleName}`;
const ADMINISTRATION = {
    Sid: "AccountAdministers",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    Action: [...KEY_ADMINISTRATION],
    Resource: "*",
    Condition: {
        ArnNotLike: {
            "aws:PrincipalArn": [
                `arn:aws:iam::${ACCOUNT}:role/scalable-backend-github-dev-preview`,
                `arn:aws:iam::${ACCOUNT}:role/scalable-backend-github-ephemeral`,
                `arn:aws:iam::${ACCOUNT}:role/scalable-backend-github-review-app`,
                `arn:aws:iam::${ACCOUNT}:role/scalable-backend-eph/*`,
            ],
        },
    },
};
const use = (sid: string, kind: JobKind, actions: string[]) => ({
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: role(kind) },
    Action: actions,
    Resource: "*",
});

const EXPECTED: Record<string, unknown> = {
    dev: {
        Version: "2012-10-17",
        Statement: [
            ADMINISTRATION,
            use("UseDevDeploy", "devDeploy", ["kms:Decrypt", "kms:Encrypt"]),
            use("UseDevPreview", "devPreview", ["kms:Decrypt"]),
            use("UseDrift", "drift", ["kms:Decrypt"]),
            use("UseReviewApp", "reviewApp", ["kms:Decrypt"]),
            use("UseReviewTenant", "reviewTenant", ["kms:Decrypt"]),
        ],
    },
    prod: {
        Version: "2012-10-17",
        Statement: [
            ADMINISTRATION,
            use("UseDrift", "drift", ["kms:Decrypt"]),
            use("UseProdDeploy", "prodDeploy", ["kms:Decrypt", "kms:Encrypt"]),
        ],
    },
    ephemeral: {
        Version: "2012-10-17",
        Statement: [
            ADMINISTRATION,
            use("UseEphemeral", "ephemeral", ["kms:Decrypt", "kms:Encrypt"]),
            use("UseReviewApp", "reviewApp", ["kms:Decrypt", "kms:Encrypt"]),
            use("UseReviewTenant", "reviewTenant", ["kms:Decrypt", "kms:Encrypt"]),
        ],
    },
};

describe("bootstrap: secrets-provider keys", () => {
    it("creates one rotating, protected key per stack kind behind its alias", async () => {
        const run = await bootstrapRun();
        for (const kind of KEY_KINDS) {
            const key = one(run, "aws:kms/key:Key", `secrets-${kind}`);
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.equal(key.inputs.deletionWindowInDays, 30);
            assert.equal(key.protect, true);
            const alias = one(run, "aws:kms/alias:Alias", `secrets-${kind}`);
            assert.deepEqual(alias.inputs, { name: KEY_ALIASES[kind], targetKeyId: key.outputs.keyId });
        }
        assert.deepEqual(KEY_ALIASES, {
            dev: "alias/scalable-backend-dev",
            prod: "alias/scalable-backend-prod",
            ephemeral: "alias/scalable-backend-eph",
        });
    });

    it("writes each key policy exactly: administration by the account, use by exactly its roles", async () => {
        const run = await bootstrapRun();
        for (const kind of KEY_KINDS)
            assert.deepEqual(
                JSON.parse(one(run, "aws:kms/key:Key", `secrets-${kind}`).inputs.policy),
                EXPECTED[kind],
                kind,
            );
    });

    it("administers without using: no encryption, decryption or grants for the account's principals", () => {
        for (const action of KEY_ADMINISTRATION) assert.match(action, /^kms:/);
        for (const use of [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:CreateGrant",
            "kms:*",
        ])
            assert.ok(!KEY_ADMINISTRATION.includes(use), use);
        // The creator (an administrator) may still change the policy: KMS's lockout check passes.
        assert.ok(KEY_ADMINISTRATION.includes("kms:PutKeyPolicy"));
    });

    it("keeps the principals a pull request controls out of the keys' administration", () => {
        const policy = keyPolicy(ACCOUNT, "prod", [
            { kind: "drift", roleArn: role("drift") },
            { kind: "prodDeploy", roleArn: role("prodDeploy") },
        ]);
        const administration: PolicyDocument = { Version: "2012-10-17", Statement: [policy.Statement[0]] };
        const put = (principal: string) =>
            decide([administration], {
                action: "kms:PutKeyPolicy",
                resource: "*",
                context: { "aws:PrincipalArn": principal },
            });
        assert.equal(put(`arn:aws:iam::${ACCOUNT}:role/platform-admins`), "Allow");
        assert.equal(put(role("ephemeral")), "ImplicitDeny");
        assert.equal(put(role("devPreview")), "ImplicitDeny");
        assert.equal(put(role("reviewApp")), "ImplicitDeny");
        assert.equal(put(`arn:aws:iam::${ACCOUNT}:role/scalable-backend-eph/cluster-node-abc`), "ImplicitDeny");
    });

    it("lets only the deploy roles (stack init) and the review stacks' roles encrypt, these with the eph key only; previews and drift decrypt", () => {
        for (const kind of KEY_KINDS)
            for (const [job, actions] of Object.entries(KEY_USERS[kind]))
                assert.deepEqual(
                    actions,
                    job.endsWith("Deploy") ||
                        (kind === "ephemeral" && ["ephemeral", "reviewApp", "reviewTenant"].includes(job))
                        ? ["kms:Decrypt", "kms:Encrypt"]
                        : ["kms:Decrypt"],
                    `${kind} ${job}`,
                );
    });

    it("lets the review app role decrypt with the dev key (its StackReference to dev) but not encrypt; nothing with prod's", async () => {
        const run = await bootstrapRun();
        const can = (kind: KeyKind, action: string) => {
            const policy = JSON.parse(one(run, "aws:kms/key:Key", `secrets-${kind}`).inputs.policy) as PolicyDocument;
            // The statements naming the role, and the account's (IAM-delegated, filtered by principal).
            const statements = policy.Statement.filter(
                (s) => s.Principal?.AWS === role("reviewApp") || s.Sid === "AccountAdministers",
            );
            return decide([{ Version: "2012-10-17", Statement: statements }], {
                action,
                resource: "*",
                context: { "aws:PrincipalArn": role("reviewApp") },
            });
        };
        assert.equal(can("dev", "kms:Decrypt"), "Allow");
        for (const action of [
            "kms:Encrypt",
            "kms:GenerateDataKey",
            "kms:ReEncryptFrom",
            "kms:CreateGrant",
            "kms:PutKeyPolicy",
        ])
            assert.equal(can("dev", action), "ImplicitDeny", action);
        for (const action of ["kms:Decrypt", "kms:Encrypt"]) assert.equal(can("ephemeral", action), "Allow", action);
        for (const action of ["kms:Decrypt", "kms:Encrypt", "kms:DescribeKey"])
            assert.equal(can("prod", action), "ImplicitDeny", action);
    });

    it("refuses a key policy for other users than its kind's", () => {
        assert.throws(
            () => keyPolicy(ACCOUNT, "prod", [{ kind: "devPreview", roleArn: role("devPreview") }]),
            /keyPolicy\(prod\): users devPreview are not drift, prodDeploy/,
        );
    });

    it("names each secrets provider by its alias and region", () => {
        assert.equal(secretsProviderUrl("dev", "eu-west-1"), "awskms://alias/scalable-backend-dev?region=eu-west-1");
        assert.equal(
            secretsProviderUrl("ephemeral", "us-east-2"),
            "awskms://alias/scalable-backend-eph?region=us-east-2",
        );
    });
});
