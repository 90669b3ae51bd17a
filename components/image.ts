// The backend's container image: an ECR repository, and either the image built from app/ and
// pushed at `pulumi up`, or a prebuilt image named in config. Always referenced immutably.
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { contextDigest } from "../lib/docker-context";

/** The image's build context (the app alone, with its own lockfile) and its Dockerfile, relative to the project. */
export const BUILD_CONTEXT = "app";
export const DOCKERFILE = "app/Dockerfile";

/**
 * A content-derived tag: ECR tags are immutable here, so each distinct build needs its own tag,
 * and an unchanged context must map to the same one (no rebuild, reproducible plans). It hashes
 * what docker-build hashes to decide a rebuild (every sent file with its mode, the Dockerfile),
 * so docker-build never rebuilds under a tag it pushed before.
 */
export function sourceTag(root: string): string {
    return `src-${contextDigest(path.join(root, BUILD_CONTEXT), path.join(root, DOCKERFILE)).slice(0, 16)}`;
}

/** Untagged layers go after a week; the newest tagged images stay for rollbacks. */
export function lifecyclePolicy(keepTagged: number): object {
    return {
        rules: [
            {
                rulePriority: 1,
                description: "Expire untagged images after 7 days",
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `Keep the last ${keepTagged} tagged images`,
                selection: {
                    tagStatus: "tagged",
                    tagPatternList: ["*"],
                    countType: "imageCountMoreThan",
                    countNumber: keepTagged,
                },
                action: { type: "expire" },
            },
        ],
    };
}

/** What config decides about the image (config/backend.ts produces it). */
export interface BackendImageSettings {
    /** `<cluster name>/backend`. */
    readonly repositoryName: string;
    /** A prebuilt image pinned by digest or version tag; when set nothing is built. @default undefined: build app/ */
    readonly prebuilt?: string;
    /** Let `pulumi destroy` remove a repository that still holds images (not in prod). */
    readonly forceDelete: boolean;
}

export interface BackendImageArgs extends BackendImageSettings {
    /** The project directory: the build context and Dockerfile are relative to it. */
    readonly root: string;
}

export class BackendImage extends pulumi.ComponentResource {
    readonly repository: aws.ecr.Repository;
    /** An immutable reference: repository@sha256:digest for built images. */
    readonly reference: pulumi.Output<string>;

    constructor(name: string, args: BackendImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend:image:BackendImage", name, {}, opts);
        this.repository = new aws.ecr.Repository(
            `${name}-repo`,
            {
                name: args.repositoryName,
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS" }],
                forceDelete: args.forceDelete,
            },
            // Its name is fixed: a replacement created first would collide with it. Without forceDelete
            // (prod) the delete fails while images remain, so a replacement never loses them silently.
            { parent: this, deleteBeforeReplace: true },
        );
        new aws.ecr.LifecyclePolicy(
            `${name}-lifecycle`,
            { repository: this.repository.name, policy: JSON.stringify(lifecyclePolicy(30)) },
            { parent: this },
        );

        if (args.prebuilt !== undefined) {
            this.reference = pulumi.output(args.prebuilt);
        } else {
            const auth = aws.ecr.getAuthorizationTokenOutput(
                { registryId: this.repository.registryId },
                { parent: this },
            );
            const image = new dockerBuild.Image(
                `${name}-build`,
                {
                    // Relative to the project directory (Pulumi's working directory): an absolute path
                    // would differ between a laptop and CI and force a rebuild under the same tag.
                    context: { location: BUILD_CONTEXT },
                    dockerfile: { location: DOCKERFILE },
                    // The nodes are x86_64 (AL2023_x86_64_STANDARD).
                    platforms: ["linux/amd64"],
                    push: true,
                    // Previews must not need a Docker engine; the build runs at `pulumi up`.
                    buildOnPreview: false,
                    tags: [pulumi.interpolate`${this.repository.repositoryUrl}:${sourceTag(args.root)}`],
                    registries: [
                        {
                            address: this.repository.repositoryUrl,
                            username: auth.userName,
                            password: pulumi.secret(auth.password),
                        },
                    ],
                },
                { parent: this },
            );
            this.reference = pulumi.interpolate`${this.repository.repositoryUrl}@${image.digest}`;
        }
        this.registerOutputs({ repositoryUrl: this.repository.repositoryUrl, reference: this.reference });
    }
}
