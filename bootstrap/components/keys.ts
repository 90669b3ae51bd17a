// The KMS keys behind the stacks' secrets providers (`awskms://alias/scalable-backend-<kind>`):
// one for dev, one for prod, one for every eph-* stack. The Pulumi CLI keeps a stack's data key
// encrypted under it (kms:Encrypt once, at `stack init` or `change-secrets-provider`) and decrypts
// it on every run (kms:Decrypt; pulumi/pulumi pkg/secrets/cloud). Each key policy names exactly
// the roles that may use the key; the account is its administrator (KMS refuses a policy that
// would lock the caller out) for administration only, never for use, and not for the principals
// a pull request controls.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument, PolicyStatement } from "../../components/iam";
import { type JobKind, pullRequestPrincipalArns } from "./github";

export type KeyKind = "dev" | "prod" | "ephemeral";
export const KEY_KINDS: readonly KeyKind[] = ["dev", "prod", "ephemeral"];

export const KEY_ALIASES: Readonly<Record<KeyKind, string>> = {
    dev: "alias/scalable-backend-dev",
    prod: "alias/scalable-backend-prod",
    ephemeral: "alias/scalable-backend-eph",
};

type Use = "kms:Decrypt" | "kms:Encrypt";
const DECRYPT: readonly Use[] = ["kms:Decrypt"];
/** Deploy roles also initialise stacks (`stack init --secrets-provider`), which encrypts the data key. */
const ENCRYPT_AND_DECRYPT: readonly Use[] = ["kms:Decrypt", "kms:Encrypt"];

/** Who may use each key, and for what. */
export const KEY_USERS: Readonly<Record<KeyKind, Readonly<Partial<Record<JobKind, readonly Use[]>>>>> = {
    // The review roles decrypt dev's state for their StackReference (dev's hostContract is secret).
    dev: {
        devDeploy: ENCRYPT_AND_DECRYPT,
        devPreview: DECRYPT,
        drift: DECRYPT,
        reviewApp: DECRYPT,
        reviewTenant: DECRYPT,
    },
    prod: { prodDeploy: ENCRYPT_AND_DECRYPT, drift: DECRYPT },
    // Every eph-* stack, of both placements, and every tenant-* stack.
    ephemeral: { ephemeral: ENCRYPT_AND_DECRYPT, reviewApp: ENCRYPT_AND_DECRYPT, reviewTenant: ENCRYPT_AND_DECRYPT },
};

/** Administration without use: no Encrypt, Decrypt, ReEncrypt, GenerateDataKey or CreateGrant. */
export const KEY_ADMINISTRATION: readonly string[] = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
];

export interface KeyUser {
    readonly kind: JobKind;
    readonly roleArn: string;
}

export function secretsProviderUrl(kind: KeyKind, region: string): string {
    return `awskms://${KEY_ALIASES[kind]}?region=${region}`;
}

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The key policy: administration by the account's IAM principals (so an admin with IAM rights can
 * manage the key, and the creator passes KMS's lockout check) except every principal a pull
 * request's code acts as (the roles trusting pull_request, everything under the ephemeral IAM
 * path); use by exactly the roles KEY_USERS names, each with its own statement.
 */
export function keyPolicy(accountId: string, kind: KeyKind, users: readonly KeyUser[]): PolicyDocument {
    const wanted = Object.keys(KEY_USERS[kind]).sort();
    const given = users.map((u) => u.kind).sort();
    if (JSON.stringify(wanted) !== JSON.stringify(given))
        throw new Error(`keyPolicy(${kind}): users ${given.join(", ")} are not ${wanted.join(", ")}`);
    const usage: PolicyStatement[] = [...users]
        .sort((a, b) => a.kind.localeCompare(b.kind))
        .map((user) => ({
            Sid: `Use${capitalised(user.kind)}`,
            Effect: "Allow",
            Principal: { AWS: user.roleArn },
            Action: [...KEY_USERS[kind][user.kind]!],
            Resource: "*",
        }));
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministers",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${accountId}:root` },
                Action: [...KEY_ADMINISTRATION],
                Resource: "*",
                Condition: { ArnNotLike: { "aws:PrincipalArn": pullRequestPrincipalArns(accountId) } },
            },
            ...usage,
        ],
    };
}

export interface StateKeysArgs {
    readonly accountId: string;
    readonly region: string;
    readonly roleArns: Readonly<Record<JobKind, pulumi.Input<string>>>;
}

/** The three secrets-provider keys with rotation on, each behind its alias. */
export class StateKeys extends pulumi.ComponentResource {
    readonly keyArns: Readonly<Record<KeyKind, pulumi.Output<string>>>;

    constructor(name: string, args: StateKeysArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend-bootstrap:keys:StateKeys", name, {}, opts);
        const arns: Partial<Record<KeyKind, pulumi.Output<string>>> = {};
        for (const kind of KEY_KINDS) {
            const userKinds = Object.keys(KEY_USERS[kind]) as JobKind[];
            const key = new aws.kms.Key(
                `${name}-${kind}`,
                {
                    description: `Pulumi secrets of the ${kind === "ephemeral" ? "eph-*" : kind} stacks of scalable-backend (${KEY_ALIASES[kind]})`,
                    enableKeyRotation: true,
                    // Losing it loses every secret of its stacks: the longest window KMS allows.
                    deletionWindowInDays: 30,
                    policy: pulumi.all(userKinds.map((k) => args.roleArns[k])).apply((roleArns) =>
                        JSON.stringify(
                            keyPolicy(
                                args.accountId,
                                kind,
                                userKinds.map((k, i) => ({ kind: k, roleArn: roleArns[i] })),
                            ),
                        ),
                    ),
                },
                { parent: this, protect: true },
            );
            new aws.kms.Alias(`${name}-${kind}`, { name: KEY_ALIASES[kind], targetKeyId: key.keyId }, { parent: this });
            arns[kind] = key.arn;
        }
        this.keyArns = arns as Record<KeyKind, pulumi.Output<string>>;
        this.registerOutputs({ keyArns: this.keyArns });
    }
}
