// The S3 bucket that holds every stack's Pulumi state (the diy backend): versioned, encrypted,
// private, TLS only, owned by the bucket owner. And where in it each stack's objects live, so each
// role is granted exactly its stacks' prefixes.
//
// Two backends share the bucket (a StackReference resolves only inside one backend, and
// `pulumi stack ls` reads every stack file of its backend):
//   s3://<bucket>/dev   the dev backend: dev, every eph-* (both placements), every tenant-*
//   s3://<bucket>       the prod backend: prod (and the bootstrap's own state, once moved in)
// The diy backend opens a URL with a path as a bucket prefixed by `<path>/` (pkg/backend/diy
// backend.go), so every key below sits under `dev/` in the dev backend and at the root in prod's.
//
// The diy backend's layout (pulumi/pulumi pkg/backend/diy: store.go, lock.go, state.go, meta.go,
// stack_tags.go), in project mode (`.pulumi/meta.yaml` version 1, what a new backend gets):
//   .pulumi/meta.yaml                                   read by every login; written by a login that
//                                                       finds it absent (here: created by this stack)
//   .pulumi/stacks/<project>/<stack>.json[.gz|.zst]     the checkpoint; `.bak` beside it on each save
//   .pulumi/stacks/<project>/<stack>.pulumi-tags        stack tags
//   .pulumi/history/<project>/<stack>/...               one entry per update (not for previews)
//   .pulumi/backups/<project>/<stack>/...               a copy after each update
//   .pulumi/journal/<project>/<stack>/...               incremental journal during an update
//   .pulumi/locks/organization/<project>/<stack>/<id>.json   taken by up, refresh, destroy, import,
//                                                       stack init/rm/rename; never by preview
//                                                       (`organization/<project>/<stack>` is the
//                                                       reference's fully qualified name)
// e.g. dev's lock: `dev/.pulumi/locks/organization/scalable-backend/dev/<id>.json`; prod's:
// `.pulumi/locks/organization/scalable-backend/prod/<id>.json`. A stack's file is found by listing
// the prefix `.pulumi/stacks/<project>/<stack>.json`; `pulumi stack ls` lists
// `.pulumi/stacks/<project>/` and reads every checkpoint there.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "../../components/iam";
import { DEV_STATE_PREFIX } from "../../lib/bootstrap-naming";

/** The two backends in the bucket: dev's (with every review stack) and prod's. */
export type Backend = "dev" | "prod";
export const BACKENDS: readonly Backend[] = ["dev", "prod"];

/** Each backend's `pulumi login` URL: PULUMI_BACKEND_URL_DEV and PULUMI_BACKEND_URL_PROD. */
export function backendUrls(bucketName: string): Readonly<Record<Backend, string>> {
    return { dev: `s3://${bucketName}/${DEV_STATE_PREFIX}`, prod: `s3://${bucketName}` };
}

/** Where a stack of the main program lives: prod alone at the root, every other stack in dev's. */
export function backendOf(stack: string): Backend {
    return stack === "prod" ? "prod" : "dev";
}

/** The key prefix of a backend's objects: `dev/`, or none for prod's. */
export function backendKeyPrefix(backend: Backend): string {
    return backend === "dev" ? `${DEV_STATE_PREFIX}/` : "";
}

/** A backend's metadata file (its layout version). */
export function metaKey(backend: Backend): string {
    return `${backendKeyPrefix(backend)}.pulumi/meta.yaml`;
}

/** What `pulumi login` writes into a new backend's metadata file (meta.go): project mode. */
export const META_CONTENT = "version: 1\n";

const objectArn = (bucketName: string, key: string): string => `arn:aws:s3:::${bucketName}/${key}`;

/** Object ARN patterns of one stack's state, by kind. */
export interface StackStatePatterns {
    readonly stack: readonly string[];
    readonly history: readonly string[];
    readonly backups: readonly string[];
    readonly journal: readonly string[];
    readonly locks: readonly string[];
}

/**
 * One stack's objects (or a pattern's, `eph-*`, `tenant-*`), in the backend its name puts it in:
 * `<stack>.*` is the .json, its .bak and compressed variants, and .pulumi-tags; never another stack's.
 */
export function stackStatePatterns(bucketName: string, project: string, stack: string): StackStatePatterns {
    const prefix = backendKeyPrefix(backendOf(stack));
    const object = (key: string): string => objectArn(bucketName, `${prefix}${key}`);
    return {
        stack: [object(`.pulumi/stacks/${project}/${stack}.*`)],
        history: [object(`.pulumi/history/${project}/${stack}/*`)],
        backups: [object(`.pulumi/backups/${project}/${stack}/*`)],
        journal: [object(`.pulumi/journal/${project}/${stack}/*`)],
        locks: [object(`.pulumi/locks/organization/${project}/${stack}/*`)],
    };
}

/** Every pattern of one stack's state, in one list. */
export function allStatePatterns(patterns: StackStatePatterns): string[] {
    return [...patterns.stack, ...patterns.history, ...patterns.backups, ...patterns.journal, ...patterns.locks];
}

/** Every stack file of a project in a backend: what `pulumi stack ls` reads. */
export function stackFilesPattern(bucketName: string, backend: Backend, project: string): string {
    return objectArn(bucketName, `${backendKeyPrefix(backend)}.pulumi/stacks/${project}/*`);
}

/** A backend's metadata file, as an object ARN. */
export function metaArn(bucketName: string, backend: Backend): string {
    return objectArn(bucketName, metaKey(backend));
}

/**
 * The state objects a pull request's principals must never write: the prod backend (prod's state,
 * the bootstrap's own), the dev backend's metadata, dev's objects and every tenant-* stack's. Named
 * one by one (S3 ARNs take no negation here), with the project's every kind of object, so a
 * principal whose allows are wider than meant (a boundary's pattern, a policy attached by mistake)
 * still cannot touch them.
 */
export function protectedStateObjects(bucketName: string, project: string): string[] {
    return [
        objectArn(bucketName, `${backendKeyPrefix("prod")}.pulumi/*`),
        metaArn(bucketName, "dev"),
        ...allStatePatterns(stackStatePatterns(bucketName, project, "dev")),
        ...allStatePatterns(stackStatePatterns(bucketName, project, "tenant-*")),
    ];
}

/**
 * Refuses every request not made over TLS, whoever makes it; and to the principals whose actions a
 * pull request's code decides (`pullRequestPrincipals`: ARN patterns), any write of a protected
 * state object and any read of the prod backend. Explicit Denies in the bucket's own policy apply
 * whatever the principal's identity policies or boundary allow.
 */
export function stateBucketPolicy(
    bucketName: string,
    project: string,
    pullRequestPrincipals: readonly string[],
): PolicyDocument {
    const bucketArn = `arn:aws:s3:::${bucketName}`;
    const fromPullRequests = { ArnLike: { "aws:PrincipalArn": [...pullRequestPrincipals] } };
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "PullRequestsWriteNoOtherStacksState",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: ["s3:DeleteObject*", "s3:PutObject*"],
                Resource: protectedStateObjects(bucketName, project),
                Condition: fromPullRequests,
            },
            {
                Sid: "PullRequestsReadNothingOfProds",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "s3:GetObject*",
                Resource: objectArn(bucketName, `${backendKeyPrefix("prod")}.pulumi/*`),
                Condition: fromPullRequests,
            },
        ],
    };
}

export interface StateBucketArgs {
    readonly bucketName: string;
    /** The main program's project: its stacks' objects are the ones protected. */
    readonly project: string;
    /** ARN patterns of every principal a pull request's code acts as (github.ts pullRequestPrincipalArns). */
    readonly pullRequestPrincipals: readonly string[];
}

export class StateBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: StateBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend-bootstrap:state:StateBucket", name, {}, opts);
        // Protected: it holds every stack's state, this program's own included once it moves in.
        this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucketName }, { parent: this, protect: true });
        const bucket = this.bucket.id;
        // Every earlier state stays recoverable (an overwritten checkpoint, a deleted stack).
        new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket, versioningConfiguration: { status: "Enabled" } },
            { parent: this },
        );
        // SSE-S3: the secrets inside the state are encrypted already, per stack, by the KMS keys;
        // a KMS key here would put every role on one more key policy for no secret it does not hold.
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            { parent: this },
        );
        new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            {
                bucket,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            { parent: this },
        );
        // No ACLs: the bucket owner owns every object, whoever wrote it.
        new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
            { parent: this },
        );
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket,
                policy: this.bucket.bucket.apply((bucketName) =>
                    JSON.stringify(stateBucketPolicy(bucketName, args.project, args.pullRequestPrincipals)),
                ),
            },
            { parent: this },
        );
        // Each backend's metadata file, so no role's first `pulumi login` has to write it: a login
        // that finds it absent writes it, and the roles only read it (a pull request's roles may write
        // nothing outside their own stacks). Protected: every stack of its backend needs it.
        for (const backend of BACKENDS)
            new aws.s3.BucketObjectv2(
                `${name}-meta-${backend}`,
                { bucket, key: metaKey(backend), content: META_CONTENT },
                { parent: this, protect: true },
            );
        this.name = this.bucket.bucket;
        this.arn = this.bucket.arn;
        this.registerOutputs({ name: this.name, arn: this.arn });
    }
}
