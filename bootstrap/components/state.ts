// The S3 bucket that holds every stack's Pulumi state (the diy backend): versioned, encrypted,
// private, TLS only, owned by the bucket owner. And where in it each stack's objects live, so each
// role is granted exactly its stacks' prefixes.
//
// The diy backend's layout (pulumi/pulumi pkg/backend/diy: store.go, lock.go, state.go, meta.go,
// stack_tags.go), in project mode (`.pulumi/meta.yaml` version 1, what a new bucket gets):
//   .pulumi/meta.yaml                                   read by every login, written once if absent
//   .pulumi/stacks/<project>/<stack>.json[.gz|.zst]     the checkpoint; `.bak` beside it on each save
//   .pulumi/stacks/<project>/<stack>.pulumi-tags        stack tags
//   .pulumi/history/<project>/<stack>/...               one entry per update (not for previews)
//   .pulumi/backups/<project>/<stack>/...               a copy after each update
//   .pulumi/journal/<project>/<stack>/...               incremental journal during an update
//   .pulumi/locks/organization/<project>/<stack>/<id>.json   taken by up, refresh, destroy, import,
//                                                       stack init/rm/rename; never by preview
// A stack's file is found by listing the prefix `.pulumi/stacks/<project>/<stack>.json`.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "../../components/iam";
import { EPHEMERAL_STATE_PREFIX } from "../../lib/bootstrap-naming";

export const META_KEY = ".pulumi/meta.yaml";

/** Object ARN patterns of one stack's state, by kind. */
export interface StackStatePatterns {
    readonly stack: readonly string[];
    readonly history: readonly string[];
    readonly backups: readonly string[];
    readonly journal: readonly string[];
    readonly locks: readonly string[];
}

export function stackStatePatterns(bucketName: string, project: string, stack: string): StackStatePatterns {
    const object = (key: string): string => `arn:aws:s3:::${bucketName}/${key}`;
    return {
        // `<stack>.*`: the .json, its .bak and compressed variants, and .pulumi-tags; never another stack's.
        stack: [object(`.pulumi/stacks/${project}/${stack}.*`)],
        history: [object(`.pulumi/history/${project}/${stack}/*`)],
        backups: [object(`.pulumi/backups/${project}/${stack}/*`)],
        journal: [object(`.pulumi/journal/${project}/${stack}/*`)],
        locks: [object(`.pulumi/locks/organization/${project}/${stack}/*`)],
    };
}

/** PULUMI_BACKEND_URL for dev and prod, and for the ephemeral stacks. */
export function backendUrls(bucketName: string): { readonly main: string; readonly ephemeral: string } {
    return { main: `s3://${bucketName}`, ephemeral: `s3://${bucketName}/${EPHEMERAL_STATE_PREFIX}` };
}

/** Refuses every request not made over TLS, whoever makes it. */
export function stateBucketPolicy(bucketArn: string): PolicyDocument {
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
        ],
    };
}

export interface StateBucketArgs {
    readonly bucketName: string;
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
            { bucket, policy: this.bucket.arn.apply((arn) => JSON.stringify(stateBucketPolicy(arn))) },
            { parent: this },
        );
        this.name = this.bucket.bucket;
        this.arn = this.bucket.arn;
        this.registerOutputs({ name: this.name, arn: this.arn });
    }
}
