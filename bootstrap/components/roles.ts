// One IAM role per GitHub job kind: trusted by the account's GitHub OIDC provider for exactly the
// job's `sub` claims (github.ts), permitted by its managed policies (permissions.ts), the
// ephemeral role inside the permissions boundary (boundary.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { githubTrustPolicy, JOB_KINDS, JOBS, type JobKind, jobSubjects } from "./github";
import { rolePolicies, type Scope } from "./permissions";

export interface GithubRoleArgs {
    readonly kind: JobKind;
    readonly repository: string;
    readonly providerArn: pulumi.Input<string>;
    readonly scope: Scope;
    /** The permissions boundary, for the role any pull request can assume besides the preview. */
    readonly permissionsBoundary?: pulumi.Input<string>;
}

export class GithubRole extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    /** Available once every policy is attached, so a workflow never starts on a half-permitted role. */
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: GithubRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend-bootstrap:roles:GithubRole", name, {}, opts);
        const job = JOBS[args.kind];
        const subjects = jobSubjects(args.repository, args.kind);
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: job.roleName,
                description: job.description,
                assumeRolePolicy: pulumi
                    .output(args.providerArn)
                    .apply((arn) => JSON.stringify(githubTrustPolicy(arn, subjects))),
                maxSessionDuration: job.maxSessionSeconds,
                permissionsBoundary: args.permissionsBoundary,
            },
            { parent: this },
        );
        const attachments = Object.entries(rolePolicies(args.kind, args.scope)).map(([policyName, document]) => {
            const policy = new aws.iam.Policy(
                `${name}-${policyName}`,
                { description: `${job.roleName}: ${policyName}`, policy: JSON.stringify(document) },
                { parent: this },
            );
            return new aws.iam.RolePolicyAttachment(
                `${name}-${policyName}`,
                { role: this.role.name, policyArn: policy.arn },
                { parent: this },
            );
        });
        this.arn = pulumi.all([this.role.arn, ...attachments.map((a) => a.id)]).apply(([arn]) => arn);
        this.registerOutputs({ arn: this.arn });
    }
}

export interface GithubRolesArgs {
    readonly repository: string;
    readonly providerArn: pulumi.Input<string>;
    readonly scope: Scope;
    readonly boundaryArn: pulumi.Input<string>;
}

/** One role per job kind, named `<name>-<kind>`. */
export class GithubRoles extends pulumi.ComponentResource {
    readonly arns: Readonly<Record<JobKind, pulumi.Output<string>>>;

    constructor(name: string, args: GithubRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend-bootstrap:roles:GithubRoles", name, {}, opts);
        const arns: Partial<Record<JobKind, pulumi.Output<string>>> = {};
        for (const kind of JOB_KINDS) {
            const role = new GithubRole(
                `${name}-${kind}`,
                {
                    kind,
                    repository: args.repository,
                    providerArn: args.providerArn,
                    scope: args.scope,
                    // The one role a pull request can assume that creates IAM roles. Not the review
                    // roles: they have no IAM rights to escape with, and the boundary's Denies on dev's
                    // tags would refuse the host cluster they describe; an exception for it would
                    // widen every eph-* stack's roles too.
                    permissionsBoundary: kind === "ephemeral" ? args.boundaryArn : undefined,
                },
                { parent: this },
            );
            arns[kind] = role.arn;
        }
        this.arns = arns as Record<JobKind, pulumi.Output<string>>;
        this.registerOutputs({ arns: this.arns });
    }
}
