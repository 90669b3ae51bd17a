// The bootstrap: composition only. Config in; the account's GitHub OIDC provider, the state
// bucket, the permissions boundary, one role per GitHub job kind and the secrets-provider keys;
// out, exactly what the GitHub repository and the main program's stacks need (README.md).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type BoundaryScope, PermissionsBoundary } from "./components/boundary";
import {
    GithubOidc,
    githubVariables,
    JOB_KINDS,
    type JobKind,
    JOBS,
    pullRequestPrincipalArns,
} from "./components/github";
import { KEY_ALIASES, KEY_KINDS, secretsProviderUrl, StateKeys } from "./components/keys";
import { boundaryArnOf, EPHEMERAL_IAM_PATH } from "../lib/bootstrap-naming";
import { GithubRoles } from "./components/roles";
import { backendUrls, StateBucket } from "./components/state";
import { loadConfig } from "./config";
import { PROJECT as MAIN_PROJECT } from "../config/reader";

export = async () => {
    const config = loadConfig();

    // The one tagging seam, as in the main program; no `stack` or `environment` tag (config/parse.ts).
    const awsProvider = new aws.Provider("aws", {
        region: config.region as aws.Region,
        defaultTags: { tags: { ...config.tags } },
    });
    const onAws = { providers: { aws: awsProvider } };
    const { accountId } = await aws.getCallerIdentity({}, { provider: awsProvider });
    const scope: BoundaryScope = { accountId, region: config.region, bucketName: config.stateBucketName };

    const oidc = new GithubOidc("github", { existingProviderArn: config.existingOidcProviderArn }, onAws);
    const state = new StateBucket(
        "state",
        {
            bucketName: config.stateBucketName,
            project: MAIN_PROJECT,
            pullRequestPrincipals: pullRequestPrincipalArns(accountId),
        },
        onAws,
    );
    const boundary = new PermissionsBoundary("boundary", scope, onAws);
    const roles = new GithubRoles(
        "github",
        {
            repository: config.githubRepository,
            providerArn: oidc.arn,
            scope: { ...scope, boundaryArn: boundaryArnOf(accountId) },
            boundaryArn: boundary.arn,
        },
        onAws,
    );
    const keys = new StateKeys("secrets", { accountId, region: config.region, roleArns: roles.arns }, onAws);

    const urls = backendUrls(config.stateBucketName);
    const roleArns = pulumi.all(roles.arns) as pulumi.Output<Record<JobKind, string>>;
    return {
        /** Repository variables (Settings > Secrets and variables > Actions > Variables), by name. */
        githubVariables: pulumi.all([roleArns, state.name, boundary.arn]).apply(([arns, , boundaryArn]) =>
            githubVariables({
                region: config.region,
                devBackendUrl: urls.dev,
                prodBackendUrl: urls.prod,
                roleArns: arns,
                permissionsBoundaryArn: boundaryArn,
            }),
        ),
        PERMISSIONS_BOUNDARY_ARN: boundary.arn,
        ...Object.fromEntries(JOB_KINDS.map((kind) => [JOBS[kind].variable, roles.arns[kind]])),
        AWS_REGION: config.region,
        PULUMI_BACKEND_URL_DEV: state.name.apply(() => urls.dev),
        PULUMI_BACKEND_URL_PROD: state.name.apply(() => urls.prod),
        /** Each stack kind's `--secrets-provider`, once its key and alias exist. */
        secretsProviders: pulumi
            .all(keys.keyArns)
            .apply(() => Object.fromEntries(KEY_KINDS.map((kind) => [kind, secretsProviderUrl(kind, config.region)]))),
        keyAliases: { ...KEY_ALIASES },
        /** The main program's `scalable-backend:permissionsBoundaryArn` on eph-* stacks, with their IAM path. */
        permissionsBoundaryArn: boundary.arn,
        ephemeralIamPath: EPHEMERAL_IAM_PATH,
        /** The main program's `viewerPrincipalArns` per stack: PR previews read dev, never its Secrets. */
        viewerPrincipalArns: roles.arns.devPreview.apply((preview) => ({ dev: [preview], prod: [] })),
        /** Its `auditorPrincipalArns`: drift detection's refresh reads every object, Secrets included. */
        auditorPrincipalArns: roles.arns.drift.apply((drift) => ({ dev: [drift], prod: [drift] })),
        oidcProviderArn: oidc.arn,
        stateBucketName: state.name,
    };
};
