// GitHub Actions' side of AWS: the account's OIDC provider for token.actions.githubusercontent.com
// (created here, or an existing one only referenced: IAM allows one per URL per account), the job
// kinds whose tokens may assume a role, and each role's trust policy: exact `sub` claims under
// StringEquals, never a wildcard.
//
// The `sub` claim GitHub puts in a job's token (default claim template):
//   repo:<owner>/<repo>:environment:<name>   a job with an `environment:` (whatever the trigger)
//   repo:<owner>/<repo>:pull_request         a pull_request-triggered job without an environment
//   repo:<owner>/<repo>:ref:refs/heads/<b>   any other trigger (push, schedule, dispatch) on branch b
// Only the environment's protection rules (required reviewers, deployment branches) stand between
// a workflow file and an environment's token: the deploy roles' trust depends on them.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "../../components/iam";
import {
    EPHEMERAL_IAM_PATH,
    REVIEW_APP_ROLE_NAME,
    REVIEW_PROVISIONER_ROLE_NAME,
    REVIEW_TENANT_ENVIRONMENT,
    roleArnOf,
} from "../../lib/bootstrap-naming";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience aws-actions/configure-aws-credentials asks for. */
export const STS_AUDIENCE = "sts.amazonaws.com";

export type JobKind = "devPreview" | "devDeploy" | "prodDeploy" | "drift" | "ephemeral" | "reviewApp" | "reviewTenant";
export const JOB_KINDS: readonly JobKind[] = [
    "devPreview",
    "devDeploy",
    "prodDeploy",
    "drift",
    "ephemeral",
    "reviewApp",
    "reviewTenant",
];

export type Subject =
    | { readonly kind: "pull_request" }
    | { readonly kind: "environment"; readonly name: string }
    | { readonly kind: "ref"; readonly ref: string };

export function githubSubject(repository: string, subject: Subject): string {
    switch (subject.kind) {
        case "pull_request":
            return `repo:${repository}:pull_request`;
        case "environment":
            return `repo:${repository}:environment:${subject.name}`;
        case "ref":
            return `repo:${repository}:ref:${subject.ref}`;
    }
}

export interface Job {
    /** The role's fixed name (its ARN goes into a GitHub variable). */
    readonly roleName: string;
    readonly description: string;
    /** The workflows that assume it, and how their tokens' `sub` reads. */
    readonly workflows: readonly string[];
    readonly subjects: readonly Subject[];
    /** The GitHub repository variable that holds the role's ARN. */
    readonly variable: string;
    /** Deploy jobs ask for two hours (role-duration-seconds: 7200); the role must allow it. */
    readonly maxSessionSeconds: number;
}

const MAIN: Subject = { kind: "ref", ref: "refs/heads/main" };

export const JOBS: Readonly<Record<JobKind, Job>> = {
    devPreview: {
        roleName: "scalable-backend-github-dev-preview",
        description: "GitHub Actions preview.yml: read-only preview of dev from pull requests (any PR author)",
        workflows: ["preview.yml"],
        subjects: [{ kind: "pull_request" }],
        variable: "AWS_PREVIEW_ROLE_ARN_DEV",
        maxSessionSeconds: 3600,
    },
    devDeploy: {
        roleName: "scalable-backend-github-dev-deploy",
        description: "GitHub Actions deploy.yml: pulumi up of dev from main, through the dev environment",
        workflows: ["deploy.yml"],
        subjects: [{ kind: "environment", name: "dev" }],
        variable: "AWS_DEPLOY_ROLE_ARN_DEV",
        maxSessionSeconds: 7200,
    },
    prodDeploy: {
        roleName: "scalable-backend-github-prod-deploy",
        description: "GitHub Actions deploy.yml: preview and pulumi up of prod, through the prod environment",
        workflows: ["deploy.yml"],
        subjects: [{ kind: "environment", name: "prod" }],
        variable: "AWS_DEPLOY_ROLE_ARN_PROD",
        maxSessionSeconds: 7200,
    },
    drift: {
        roleName: "scalable-backend-github-drift",
        description:
            "GitHub Actions drift.yml: read-only refresh and preview of dev and prod, in the drift environment",
        workflows: ["drift.yml"],
        // An environment, not the branch: every workflow on main shares ref:refs/heads/main, while
        // only jobs of the drift environment (deployment branch main) get this claim and its secrets.
        subjects: [{ kind: "environment", name: "drift" }],
        variable: "AWS_DRIFT_ROLE_ARN",
        maxSessionSeconds: 3600,
    },
    ephemeral: {
        roleName: "scalable-backend-github-ephemeral",
        description:
            "GitHub Actions review-stack.yml (pull requests) and reap.yml (main): eph-* stacks only, inside the boundary",
        workflows: ["review-stack.yml", "reap.yml"],
        subjects: [{ kind: "pull_request" }, MAIN],
        variable: "AWS_EPHEMERAL_ROLE_ARN",
        maxSessionSeconds: 7200,
    },
    reviewApp: {
        // The dev stack's access entry names it before it exists (lib/bootstrap-naming.ts).
        roleName: REVIEW_APP_ROLE_NAME,
        description:
            "GitHub Actions review-stack.yml (pull requests) and reap.yml (main): the app layer of shared eph-* review stacks on dev's cluster; no IAM",
        workflows: ["review-stack.yml", "reap.yml"],
        subjects: [{ kind: "pull_request" }, MAIN],
        variable: "AWS_REVIEW_APP_ROLE_ARN",
        // An app layer builds, pushes and deploys in minutes; the jobs keep the default hour.
        maxSessionSeconds: 3600,
    },
    reviewTenant: {
        roleName: REVIEW_PROVISIONER_ROLE_NAME,
        description:
            "GitHub Actions review-tenant.yml and reap.yml, in the review-tenant environment (main only): the tenant layer (tenant-*) of shared review stacks on dev's cluster; no IAM",
        workflows: ["review-tenant.yml", "reap.yml"],
        // Only the environment: its deployment branch (main) keeps a pull request's workflow file
        // from claiming it, which a ref or pull_request subject would not (the tenant layer writes
        // the limits the pull request's own code must live under).
        subjects: [{ kind: "environment", name: REVIEW_TENANT_ENVIRONMENT }],
        variable: "AWS_REVIEW_TENANT_ROLE_ARN",
        maxSessionSeconds: 3600,
    },
};

/** The job kinds whose role any pull request's workflow can assume (the pull_request subject). */
export function pullRequestJobKinds(): JobKind[] {
    return JOB_KINDS.filter((kind) => JOBS[kind].subjects.some((subject) => subject.kind === "pull_request"));
}

/**
 * ARN patterns of every principal whose actions a pull request's code decides: the roles trusting
 * the pull_request subject, and every role an eph-* stack creates (its path: EPHEMERAL_IAM_PATH).
 */
export function pullRequestPrincipalArns(accountId: string): string[] {
    return [
        ...pullRequestJobKinds().map((kind) => roleArnOf(accountId, JOBS[kind].roleName)),
        `arn:aws:iam::${accountId}:role${EPHEMERAL_IAM_PATH}*`,
    ];
}

/** The `sub` claims a job kind's role trusts. */
export function jobSubjects(repository: string, kind: JobKind): string[] {
    return JOBS[kind].subjects.map((subject) => githubSubject(repository, subject));
}

/**
 * Only tokens GitHub minted for STS (`aud`) for exactly these `sub` claims: StringEquals on both,
 * so no wildcard can widen it and a missing claim never matches.
 */
export function githubTrustPolicy(providerArn: string, subjects: readonly string[]): PolicyDocument {
    if (subjects.length === 0) throw new Error("githubTrustPolicy: a role must trust at least one subject");
    const wild = subjects.find((s) => /[*?]/.test(s));
    if (wild !== undefined) throw new Error(`githubTrustPolicy: "${wild}" has a wildcard`);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "GitHubActions",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
                        [`${GITHUB_OIDC_HOST}:sub`]: [...subjects],
                    },
                },
            },
        ],
    };
}

export interface GithubOidcArgs {
    /** The account's provider for token.actions.githubusercontent.com, when it exists already. */
    readonly existingProviderArn?: string;
}

/** The account's GitHub OIDC provider: created, or (given its ARN) only referenced. */
export class GithubOidc extends pulumi.ComponentResource {
    readonly arn: pulumi.Output<string>;
    /** False when the provider is referenced: this stack neither owns nor deletes it. */
    readonly created: boolean;

    constructor(name: string, args: GithubOidcArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend-bootstrap:github:GithubOidc", name, {}, opts);
        if (args.existingProviderArn !== undefined) {
            this.arn = pulumi.output(args.existingProviderArn);
            this.created = false;
        } else {
            // No thumbprints: IAM verifies GitHub's certificate itself for this provider.
            const provider = new aws.iam.OpenIdConnectProvider(
                `${name}-oidc`,
                { url: GITHUB_OIDC_URL, clientIdLists: [STS_AUDIENCE] },
                { parent: this },
            );
            this.arn = provider.arn;
            this.created = true;
        }
        this.registerOutputs({ arn: this.arn });
    }
}

/** What the GitHub repository needs: its variables by name. */
export interface GithubVariablesArgs {
    readonly region: string;
    /** `s3://<bucket>/dev`: dev, eph-* and tenant-* stacks. */
    readonly devBackendUrl: string;
    /** `s3://<bucket>`: prod. */
    readonly prodBackendUrl: string;
    readonly roleArns: Readonly<Record<JobKind, string>>;
    /** review-stack.yml passes it to `npm run stack -- create --permissions-boundary`. */
    readonly permissionsBoundaryArn: string;
}

export function githubVariables(args: GithubVariablesArgs): Record<string, string> {
    const variables: Record<string, string> = {
        AWS_REGION: args.region,
        PULUMI_BACKEND_URL_DEV: args.devBackendUrl,
        PULUMI_BACKEND_URL_PROD: args.prodBackendUrl,
        PERMISSIONS_BOUNDARY_ARN: args.permissionsBoundaryArn,
    };
    for (const kind of JOB_KINDS) variables[JOBS[kind].variable] = args.roleArns[kind];
    return Object.fromEntries(Object.entries(variables).sort(([a], [b]) => a.localeCompare(b)));
}
