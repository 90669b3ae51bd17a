// The state bucket's settings, and which role may touch which stack's objects in it (the diy
// backend's layout: bootstrap/components/state.ts).
import * as assert from "node:assert/strict";
import { JOB_KINDS, type JobKind } from "../bootstrap/components/github";
import { backendUrls, stackStatePatterns, stateBucketPolicy } from "../bootstrap/components/state";
import { decide, type Decision } from "../testing/iam-policy";
import { bootstrapRun, policiesOf } from "./bootstrap-helpers";
import { one } from "./helpers";

const BUCKET = "scalable-backend-state-example";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const object = (key: string): string => `${BUCKET_ARN}/${key}`;
const project = "scalable-backend";

/** Objects of one main stack, one of each kind the diy backend writes. */
const stackObjects = (stack: string): string[] => [
    object(`.pulumi/stacks/${project}/${stack}.json`),
    object(`.pulumi/stacks/${project}/${stack}.json.bak`),
    object(`.pulumi/stacks/${project}/${stack}.json.gz`),
    object(`.pulumi/stacks/${project}/${stack}.pulumi-tags`),
    object(`.pulumi/history/${project}/${stack}/${stack}-1700000000000000000.history.json`),
    object(`.pulumi/backups/${project}/${stack}/${stack}.1700000000000000000.json`),
    object(`.pulumi/journal/${project}/${stack}/0001.json`),
    object(`.pulumi/locks/organization/${project}/${stack}/2f0c1a7e-lock.json`),
];
const EPHEMERAL_OBJECTS = [
    object("ephemeral/.pulumi/meta.yaml"),
    object(`ephemeral/.pulumi/stacks/${project}/eph-pr-7.json`),
    object(`ephemeral/.pulumi/locks/organization/${project}/eph-pr-7/x.json`),
];

describe("bootstrap: state bucket", () => {
    it("is versioned, SSE-S3 encrypted, private, owner-enforced, TLS-only and protected", async () => {
        const run = await bootstrapRun();
        const bucket = one(run, "aws:s3/bucket:Bucket", "state-bucket");
        assert.equal(bucket.inputs.bucket, BUCKET);
        assert.equal(bucket.protect, true);
        assert.equal(bucket.inputs.forceDestroy, undefined);
        const id = bucket.outputs.bucket;
        assert.deepEqual(one(run, "aws:s3/bucketVersioning:BucketVersioning", "state-versioning").inputs, {
            bucket: id,
            versioningConfiguration: { status: "Enabled" },
        });
        assert.deepEqual(
            one(
                run,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "state-encryption",
            ).inputs,
            { bucket: id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        );
        assert.deepEqual(
            one(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "state-public-access").inputs,
            {
                bucket: id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
        );
        assert.deepEqual(one(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "state-ownership").inputs, {
            bucket: id,
            rule: { objectOwnership: "BucketOwnerEnforced" },
        });
        const policy = one(run, "aws:s3/bucketPolicy:BucketPolicy", "state-policy");
        assert.deepEqual(JSON.parse(policy.inputs.policy), stateBucketPolicy(BUCKET_ARN));
        for (const r of run.resources.filter((r) => r.type.startsWith("aws:s3/")))
            assert.equal(r.parent?.split("::").pop(), "state", r.name);
    });

    it("refuses every request without TLS, on the bucket and its objects", () => {
        assert.deepEqual(stateBucketPolicy(BUCKET_ARN), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: { AWS: "*" },
                    Action: "s3:*",
                    Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        });
        const policy = [stateBucketPolicy(BUCKET_ARN)];
        const get = (secure: string) =>
            decide(policy, {
                action: "s3:GetObject",
                resource: object("x"),
                context: { "aws:SecureTransport": secure },
            });
        assert.equal(get("false"), "ExplicitDeny");
        assert.equal(get("true"), "ImplicitDeny");
    });

    it("lays out a stack's objects as the diy backend does, and serves dev and prod apart from the ephemeral stacks", () => {
        assert.deepEqual(stackStatePatterns(BUCKET, project, "dev"), {
            stack: [object(`.pulumi/stacks/${project}/dev.*`)],
            history: [object(`.pulumi/history/${project}/dev/*`)],
            backups: [object(`.pulumi/backups/${project}/dev/*`)],
            journal: [object(`.pulumi/journal/${project}/dev/*`)],
            locks: [object(`.pulumi/locks/organization/${project}/dev/*`)],
        });
        assert.deepEqual(backendUrls(BUCKET), { main: `s3://${BUCKET}`, ephemeral: `s3://${BUCKET}/ephemeral` });
    });

    describe("each role's objects", () => {
        const decisions = async (kind: JobKind, action: string, resources: string[]): Promise<Decision[]> => {
            const policies = Object.values(policiesOf(await bootstrapRun(), kind));
            return resources.map((resource) => decide(policies, { action, resource }));
        };
        const all = (decision: Decision, n: number): Decision[] => Array<Decision>(n).fill(decision);
        const read = (stack: string) => [stackObjects(stack)[0], stackObjects(stack)[1], stackObjects(stack)[3]];

        it("lets every role list the bucket (S3 answers 404 for a missing object only then) and read its region", async () => {
            for (const kind of JOB_KINDS) {
                assert.deepEqual(await decisions(kind, "s3:ListBucket", [BUCKET_ARN]), ["Allow"], kind);
                assert.deepEqual(await decisions(kind, "s3:GetBucketLocation", [BUCKET_ARN]), ["Allow"], kind);
            }
        });

        it("lets the dev preview read dev's state and metadata, write nothing (a preview takes no lock)", async () => {
            assert.deepEqual(
                await decisions("devPreview", "s3:GetObject", [object(".pulumi/meta.yaml"), ...read("dev")]),
                all("Allow", 4),
            );
            for (const action of ["s3:PutObject", "s3:DeleteObject"])
                assert.deepEqual(
                    await decisions("devPreview", action, stackObjects("dev")),
                    all("ImplicitDeny", 8),
                    action,
                );
            assert.deepEqual(await decisions("devPreview", "s3:GetObject", read("prod")), all("ImplicitDeny", 3));
            assert.deepEqual(await decisions("devPreview", "s3:GetObject", EPHEMERAL_OBJECTS), all("ImplicitDeny", 3));
        });

        it("lets the drift check read dev's and prod's state, write nothing", async () => {
            assert.deepEqual(
                await decisions("drift", "s3:GetObject", [...read("dev"), ...read("prod")]),
                all("Allow", 6),
            );
            for (const action of ["s3:PutObject", "s3:DeleteObject"])
                assert.deepEqual(
                    await decisions("drift", action, [...stackObjects("dev"), ...stackObjects("prod")]),
                    all("ImplicitDeny", 16),
                    action,
                );
        });

        it("lets each deploy role read and write its own stack's objects only", async () => {
            for (const [kind, own, other] of [
                ["devDeploy", "dev", "prod"],
                ["prodDeploy", "prod", "dev"],
            ] as const) {
                for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
                    assert.deepEqual(
                        await decisions(kind, action, stackObjects(own)),
                        all("Allow", 8),
                        `${kind} ${action}`,
                    );
                    assert.deepEqual(
                        await decisions(kind, action, stackObjects(other)),
                        all("ImplicitDeny", 8),
                        `${kind} ${action}`,
                    );
                    assert.deepEqual(await decisions(kind, action, EPHEMERAL_OBJECTS), all("ImplicitDeny", 3), kind);
                    // A stack whose name starts like this one's is another stack.
                    assert.deepEqual(
                        await decisions(kind, action, [object(`.pulumi/stacks/${project}/${own}2.json`)]),
                        ["ImplicitDeny"],
                    );
                }
                assert.deepEqual(await decisions(kind, "s3:GetObject", [object(".pulumi/meta.yaml")]), ["Allow"]);
                assert.deepEqual(await decisions(kind, "s3:PutObject", [object(".pulumi/meta.yaml")]), [
                    "ImplicitDeny",
                ]);
            }
        });

        it("lets the ephemeral role use the ephemeral backend's prefix and nothing of dev's or prod's", async () => {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
                assert.deepEqual(await decisions("ephemeral", action, EPHEMERAL_OBJECTS), all("Allow", 3), action);
                assert.deepEqual(
                    await decisions("ephemeral", action, [
                        ...stackObjects("dev"),
                        ...stackObjects("prod"),
                        object(".pulumi/meta.yaml"),
                    ]),
                    all("ImplicitDeny", 17),
                    action,
                );
            }
        });

        it("gives no role the bucket's configuration or old object versions", async () => {
            for (const kind of JOB_KINDS)
                for (const action of [
                    "s3:PutBucketPolicy",
                    "s3:DeleteBucketPolicy",
                    "s3:PutBucketVersioning",
                    "s3:DeleteBucket",
                    "s3:PutBucketPublicAccessBlock",
                    "s3:PutEncryptionConfiguration",
                ])
                    assert.notEqual((await decisions(kind, action, [BUCKET_ARN]))[0], "Allow", `${kind} ${action}`);
            for (const kind of JOB_KINDS)
                assert.notEqual(
                    (await decisions(kind, "s3:DeleteObjectVersion", [stackObjects("dev")[0]]))[0],
                    "Allow",
                    kind,
                );
        });
    });
});
