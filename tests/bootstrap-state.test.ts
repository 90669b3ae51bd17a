// The state bucket's settings, and which role may touch which stack's objects in it (the diy
// backend's layout: bootstrap/components/state.ts).
import * as assert from "node:assert/strict";
import { JOB_KINDS, type JobKind, pullRequestPrincipalArns } from "../bootstrap/components/github";
import type { PolicyDocument } from "../components/iam";
import { ACCOUNT } from "../testing/engine";
import * as yaml from "js-yaml";
import {
    BACKENDS,
    backendOf,
    backendUrls,
    META_CONTENT,
    stackStatePatterns,
    stateBucketPolicy,
} from "../bootstrap/components/state";
import { decide, type Decision } from "../testing/iam-policy";
import { bootstrapRun, policiesOf } from "./bootstrap-helpers";
import { one } from "./helpers";

const BUCKET = "scalable-backend-state-example";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const object = (key: string): string => `${BUCKET_ARN}/${key}`;
const project = "scalable-backend";
/** The key prefix of a stack's backend: prod at the root, every other stack in the dev backend. */
const prefixOf = (stack: string): string => (stack === "prod" ? "" : "dev/");

/** Objects of one main stack, one of each kind the diy backend writes, in its backend. */
const stackObjects = (stack: string): string[] =>
    [
        `.pulumi/stacks/${project}/${stack}.json`,
        `.pulumi/stacks/${project}/${stack}.json.bak`,
        `.pulumi/stacks/${project}/${stack}.json.gz`,
        `.pulumi/stacks/${project}/${stack}.pulumi-tags`,
        `.pulumi/history/${project}/${stack}/${stack}-1700000000000000000.history.json`,
        `.pulumi/backups/${project}/${stack}/${stack}.1700000000000000000.json`,
        `.pulumi/journal/${project}/${stack}/0001.json`,
        `.pulumi/locks/organization/${project}/${stack}/2f0c1a7e-lock.json`,
    ].map((key) => object(`${prefixOf(stack)}${key}`));
const DEV_META = object("dev/.pulumi/meta.yaml");
const role = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
/** The roles any pull request's workflow can assume. */
const PULL_REQUEST_ROLES = [
    role("scalable-backend-github-dev-preview"),
    role("scalable-backend-github-ephemeral"),
    role("scalable-backend-github-review-app"),
];
const PULL_REQUEST_PRINCIPALS = [...PULL_REQUEST_ROLES, role("scalable-backend-eph/*")];
const PROD_META = object(".pulumi/meta.yaml");
/** Where dev and prod lived before the dev backend: the root. */
const OLD_DEV_OBJECTS = stackObjects("dev").map((arn) => arn.replace("/dev/.pulumi/", "/.pulumi/"));
/** The ephemeral backend before the dev backend took its stacks in. */
const OLD_EPHEMERAL_OBJECTS = [
    object("ephemeral/.pulumi/meta.yaml"),
    object(`ephemeral/.pulumi/stacks/${project}/eph-pr-7.json`),
    object(`ephemeral/.pulumi/locks/organization/${project}/eph-pr-7/x.json`),
];

const all = (decision: Decision, n: number): Decision[] => Array<Decision>(n).fill(decision);

/** A principal's requests with identity policies as wide as can be: only the bucket policy's Denies stand. */
async function asPullRequest(principal: string, action: string, resources: string[]): Promise<Decision[]> {
    const allowAll: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
    };
    const policy = JSON.parse(
        one(await bootstrapRun(), "aws:s3/bucketPolicy:BucketPolicy", "state-policy").inputs.policy,
    ) as PolicyDocument;
    return resources.map((resource) =>
        decide([allowAll, policy], {
            action,
            resource,
            context: { "aws:PrincipalArn": principal, "aws:SecureTransport": "true" },
        }),
    );
}

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
        assert.deepEqual(JSON.parse(policy.inputs.policy), stateBucketPolicy(BUCKET, project, PULL_REQUEST_PRINCIPALS));
        for (const r of run.resources.filter((r) => r.type.startsWith("aws:s3/")))
            assert.equal(r.parent?.split("::").pop(), "state", r.name);
    });

    it("refuses every request without TLS, on the bucket and its objects", () => {
        assert.deepEqual(stateBucketPolicy(BUCKET, project, PULL_REQUEST_PRINCIPALS).Statement[0], {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "s3:*",
            Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        });
        const policy = [stateBucketPolicy(BUCKET, project, PULL_REQUEST_PRINCIPALS)];
        const get = (secure: string) =>
            decide(policy, {
                action: "s3:GetObject",
                resource: object("x"),
                context: { "aws:SecureTransport": secure },
            });
        assert.equal(get("false"), "ExplicitDeny");
        assert.equal(get("true"), "ImplicitDeny");
    });

    describe("to the principals a pull request controls, whatever their own policies allow", () => {
        const EPH_STACK_ROLE = role("scalable-backend-eph/cluster-node-0a1b2c3");

        it("names the roles trusting pull requests and every role an eph-* stack creates", () => {
            assert.deepEqual(PULL_REQUEST_PRINCIPALS, pullRequestPrincipalArns(ACCOUNT));
        });

        it("denies every write of the prod backend, the dev backend's metadata, dev's and tenant-* stacks' objects", async () => {
            for (const principal of [...PULL_REQUEST_ROLES, EPH_STACK_ROLE])
                for (const action of [
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                    "s3:PutObjectTagging",
                ])
                    assert.deepEqual(
                        await asPullRequest(principal, action, [
                            ...stackObjects("dev"),
                            ...stackObjects("tenant-pr-7"),
                            ...stackObjects("prod"),
                            ...OLD_DEV_OBJECTS,
                            DEV_META,
                            PROD_META,
                            object(".pulumi/stacks/scalable-backend-bootstrap/bootstrap.json"),
                        ]),
                        all("ExplicitDeny", 35),
                        `${principal} ${action}`,
                    );
        });

        it("denies every read of the prod backend; leaves eph-* stacks' objects and dev's reads to their own policies", async () => {
            for (const principal of [...PULL_REQUEST_ROLES, EPH_STACK_ROLE]) {
                assert.deepEqual(
                    await asPullRequest(principal, "s3:GetObject", [
                        ...stackObjects("prod"),
                        PROD_META,
                        object(".pulumi/stacks/scalable-backend-bootstrap/bootstrap.json"),
                    ]),
                    all("ExplicitDeny", 10),
                    principal,
                );
                for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                    assert.deepEqual(await asPullRequest(principal, action, stackObjects("eph-pr-7")), all("Allow", 8));
                assert.deepEqual(
                    await asPullRequest(principal, "s3:GetObject", [
                        DEV_META,
                        ...stackObjects("dev"),
                        ...stackObjects("tenant-pr-7"),
                    ]),
                    all("Allow", 17),
                );
            }
        });

        it("denies nothing to the roles of trusted jobs", async () => {
            for (const trusted of ["dev-deploy", "prod-deploy", "drift"])
                for (const action of ["s3:GetObject", "s3:PutObject"])
                    assert.deepEqual(
                        await asPullRequest(role(`scalable-backend-github-${trusted}`), action, [
                            ...stackObjects("dev"),
                            ...stackObjects("prod"),
                        ]),
                        all("Allow", 16),
                    );
        });
    });

    it("lays out a stack's objects as the diy backend does, in the backend its name puts it in", () => {
        const patterns = (prefix: string, stack: string) => ({
            stack: [object(`${prefix}.pulumi/stacks/${project}/${stack}.*`)],
            history: [object(`${prefix}.pulumi/history/${project}/${stack}/*`)],
            backups: [object(`${prefix}.pulumi/backups/${project}/${stack}/*`)],
            journal: [object(`${prefix}.pulumi/journal/${project}/${stack}/*`)],
            locks: [object(`${prefix}.pulumi/locks/organization/${project}/${stack}/*`)],
        });
        assert.deepEqual(stackStatePatterns(BUCKET, project, "dev"), patterns("dev/", "dev"));
        assert.deepEqual(stackStatePatterns(BUCKET, project, "eph-*"), patterns("dev/", "eph-*"));
        assert.deepEqual(stackStatePatterns(BUCKET, project, "tenant-*"), patterns("dev/", "tenant-*"));
        assert.deepEqual(stackStatePatterns(BUCKET, project, "prod"), patterns("", "prod"));
        assert.deepEqual(
            ["dev", "eph-pr-7", "tenant-pr-7", "prod"].map((stack) => backendOf(stack)),
            ["dev", "dev", "dev", "prod"],
        );
        assert.deepEqual(backendUrls(BUCKET), { dev: `s3://${BUCKET}/dev`, prod: `s3://${BUCKET}` });
        assert.deepEqual(BACKENDS, ["dev", "prod"]);
    });

    it("writes each backend's metadata file (project mode), protected, so no role's first login has to", async () => {
        const run = await bootstrapRun();
        const bucket = one(run, "aws:s3/bucket:Bucket", "state-bucket");
        for (const [backend, key] of [
            ["dev", "dev/.pulumi/meta.yaml"],
            ["prod", ".pulumi/meta.yaml"],
        ]) {
            const meta = one(run, "aws:s3/bucketObjectv2:BucketObjectv2", `state-meta-${backend}`);
            assert.deepEqual(meta.inputs, { bucket: bucket.outputs.bucket, key, content: "version: 1\n" });
            assert.equal(meta.protect, true, backend);
        }
        // What diy's meta.go marshals for version 1, and reads back as project mode.
        assert.deepEqual(yaml.load(META_CONTENT), { version: 1 });
    });

    describe("each role's objects", () => {
        const decisions = async (kind: JobKind, action: string, resources: string[]): Promise<Decision[]> => {
            const policies = Object.values(policiesOf(await bootstrapRun(), kind));
            return resources.map((resource) => decide(policies, { action, resource }));
        };
        const read = (stack: string) => [stackObjects(stack)[0], stackObjects(stack)[1], stackObjects(stack)[3]];

        it("lets every role list the bucket (S3 answers 404 for a missing object only then) and read its region", async () => {
            for (const kind of JOB_KINDS) {
                assert.deepEqual(await decisions(kind, "s3:ListBucket", [BUCKET_ARN]), ["Allow"], kind);
                assert.deepEqual(await decisions(kind, "s3:GetBucketLocation", [BUCKET_ARN]), ["Allow"], kind);
            }
        });

        it("lets the dev preview read dev's state and the dev backend's metadata, write nothing (a preview takes no lock)", async () => {
            assert.deepEqual(
                await decisions("devPreview", "s3:GetObject", [DEV_META, ...read("dev")]),
                all("Allow", 4),
            );
            for (const action of ["s3:PutObject", "s3:DeleteObject"])
                assert.deepEqual(
                    await decisions("devPreview", action, stackObjects("dev")),
                    all("ImplicitDeny", 8),
                    action,
                );
            assert.deepEqual(
                await decisions("devPreview", "s3:GetObject", [PROD_META, ...read("prod"), ...OLD_DEV_OBJECTS]),
                all("ImplicitDeny", 12),
            );
            assert.deepEqual(
                await decisions("devPreview", "s3:GetObject", [...read("eph-pr-7"), ...OLD_EPHEMERAL_OBJECTS]),
                all("ImplicitDeny", 6),
            );
        });

        it("lets the drift check read dev's and prod's state and both backends' metadata, write nothing", async () => {
            assert.deepEqual(
                await decisions("drift", "s3:GetObject", [DEV_META, PROD_META, ...read("dev"), ...read("prod")]),
                all("Allow", 8),
            );
            for (const action of ["s3:PutObject", "s3:DeleteObject"])
                assert.deepEqual(
                    await decisions("drift", action, [...stackObjects("dev"), ...stackObjects("prod")]),
                    all("ImplicitDeny", 16),
                    action,
                );
        });

        it("lets each deploy role read and write its own stack's objects, in its backend, only", async () => {
            for (const [kind, own, other, meta] of [
                ["devDeploy", "dev", "prod", DEV_META],
                ["prodDeploy", "prod", "dev", PROD_META],
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
                    for (const stack of ["eph-pr-7", "tenant-pr-7"])
                        assert.deepEqual(await decisions(kind, action, stackObjects(stack)), all("ImplicitDeny", 8));
                    assert.deepEqual(
                        await decisions(kind, action, OLD_EPHEMERAL_OBJECTS),
                        all("ImplicitDeny", 3),
                        kind,
                    );
                    // A stack whose name starts like this one's is another stack.
                    assert.deepEqual(
                        await decisions(kind, action, [
                            object(`${prefixOf(own)}.pulumi/stacks/${project}/${own}2.json`),
                        ]),
                        ["ImplicitDeny"],
                    );
                }
                assert.deepEqual(await decisions(kind, "s3:GetObject", [meta]), ["Allow"]);
                assert.deepEqual(await decisions(kind, "s3:PutObject", [DEV_META, PROD_META]), all("ImplicitDeny", 2));
            }
            // dev's objects where dev lived before the dev backend: no longer dev's deploy role's.
            assert.deepEqual(await decisions("devDeploy", "s3:PutObject", OLD_DEV_OBJECTS), all("ImplicitDeny", 8));
        });

        it("lets the ephemeral role read the dev backend's stack files (stack ls) and write eph-* stacks' objects only", async () => {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                assert.deepEqual(
                    await decisions("ephemeral", action, stackObjects("eph-pr-7")),
                    all("Allow", 8),
                    action,
                );
            assert.deepEqual(
                await decisions("ephemeral", "s3:GetObject", [DEV_META, ...read("dev"), ...read("tenant-pr-7")]),
                all("Allow", 7),
            );
            for (const action of ["s3:PutObject", "s3:DeleteObject"])
                assert.deepEqual(
                    await decisions("ephemeral", action, [
                        ...stackObjects("dev"),
                        ...stackObjects("tenant-pr-7"),
                        ...stackObjects("prod"),
                        DEV_META,
                        PROD_META,
                    ]),
                    all("ImplicitDeny", 26),
                    action,
                );
            assert.deepEqual(
                await decisions("ephemeral", "s3:GetObject", [
                    ...stackObjects("prod"),
                    PROD_META,
                    ...OLD_EPHEMERAL_OBJECTS,
                ]),
                all("ImplicitDeny", 12),
            );
            // dev's history, backups, journal and locks are not stack files.
            assert.deepEqual(
                await decisions("ephemeral", "s3:GetObject", stackObjects("dev").slice(4)),
                all("ImplicitDeny", 4),
            );
        });

        it("lets the review app role write eph-* stacks' objects, read the dev backend's stack files, and write nothing of dev's or a tenant's", async () => {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                assert.deepEqual(await decisions("reviewApp", action, stackObjects("eph-x")), all("Allow", 8), action);
            // Its StackReference to dev, and `pulumi stack ls` (the stack tool's list and reap).
            assert.deepEqual(
                await decisions("reviewApp", "s3:GetObject", [DEV_META, ...read("dev"), ...read("tenant-x")]),
                all("Allow", 7),
            );
            for (const action of ["s3:PutObject", "s3:DeleteObject"]) {
                assert.deepEqual(
                    await decisions("reviewApp", action, [
                        object(`dev/.pulumi/stacks/${project}/dev.json`),
                        object(`dev/.pulumi/stacks/${project}/tenant-x.json`),
                        ...stackObjects("dev"),
                        ...stackObjects("tenant-x"),
                        ...stackObjects("prod"),
                        DEV_META,
                        PROD_META,
                    ]),
                    all("ImplicitDeny", 28),
                    action,
                );
                // Whatever its policies allowed, the bucket's policy refuses it too.
                assert.deepEqual(
                    await asPullRequest(role("scalable-backend-github-review-app"), action, [
                        object(`dev/.pulumi/stacks/${project}/dev.json`),
                        object(`dev/.pulumi/stacks/${project}/tenant-x.json`),
                    ]),
                    all("ExplicitDeny", 2),
                );
            }
            assert.deepEqual(
                await decisions("reviewApp", "s3:GetObject", [
                    ...stackObjects("prod"),
                    PROD_META,
                    ...OLD_EPHEMERAL_OBJECTS,
                ]),
                all("ImplicitDeny", 12),
            );
        });

        it("lets the review tenant role write tenant-* stacks' objects only, and read the dev backend's stack files", async () => {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])
                assert.deepEqual(
                    await decisions("reviewTenant", action, stackObjects("tenant-x")),
                    all("Allow", 8),
                    action,
                );
            assert.deepEqual(
                await decisions("reviewTenant", "s3:GetObject", [DEV_META, ...read("dev"), ...read("eph-x")]),
                all("Allow", 7),
            );
            for (const action of ["s3:PutObject", "s3:DeleteObject"])
                assert.deepEqual(
                    await decisions("reviewTenant", action, [
                        ...stackObjects("dev"),
                        ...stackObjects("eph-x"),
                        ...stackObjects("prod"),
                        object(`dev/.pulumi/stacks/${project}/tenantx.json`),
                        DEV_META,
                        PROD_META,
                    ]),
                    all("ImplicitDeny", 27),
                    action,
                );
            assert.deepEqual(
                await decisions("reviewTenant", "s3:GetObject", [...stackObjects("prod"), PROD_META]),
                all("ImplicitDeny", 9),
            );
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
