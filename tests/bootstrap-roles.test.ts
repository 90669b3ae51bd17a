// Each GitHub role's permissions: previews and drift read only, each deploy role its own stack's
// resources, the ephemeral role eph-* stacks inside the boundary; and the names they are scoped by
// are the ones the main program really uses.
import * as assert from "node:assert/strict";
import { JOB_KINDS, JOBS, type JobKind } from "../bootstrap/components/github";
import { EPHEMERAL_IAM_PATH } from "../lib/bootstrap-naming";
import { clusterNamePattern, PROGRAM_IAM_PREFIXES, reviewRepositoryArn } from "../bootstrap/components/permissions";
import type { PolicyDocument } from "../components/iam";
import { ACCOUNT } from "../testing/engine";
import { decide, type Decision, globMatch } from "../testing/iam-policy";
import { bootstrapRun, policiesOf, roleOf } from "./bootstrap-helpers";
import { ephemeralRun, ofType, stackRun } from "./helpers";

const R = "eu-west-1";
const iam = (resource: string) => `arn:aws:iam::${ACCOUNT}:${resource}`;
const BOUNDARY_ARN = iam("policy/scalable-backend-boundary");

async function can(
    kind: JobKind,
    action: string,
    resource: string,
    context?: Record<string, string>,
): Promise<Decision> {
    return decide(Object.values(policiesOf(await bootstrapRun(), kind)), { action, resource, context });
}

describe("bootstrap: the roles' permissions", () => {
    it("gives each role its name, description and session length, and at most 10 policies of at most 6,144 characters", async () => {
        const run = await bootstrapRun();
        for (const kind of JOB_KINDS) {
            const role = roleOf(run, kind);
            assert.equal(role.inputs.description, JOBS[kind].description);
            assert.equal(role.inputs.maxSessionDuration, kind.endsWith("Deploy") || kind === "ephemeral" ? 7200 : 3600);
            const policies = run.resources.filter(
                (r) => r.type === "aws:iam/policy:Policy" && r.parent === role.parent,
            );
            assert.ok(policies.length > 0 && policies.length <= 10, kind);
            for (const policy of policies)
                assert.ok(policy.inputs.policy.length <= 6144, `${policy.name}: ${policy.inputs.policy.length}`);
            assert.deepEqual(Object.keys(policiesOf(run, kind)).sort(), policies.map((p) => p.name).sort(), kind);
        }
    });

    it("lets the dev preview and the drift check only describe, get and list", async () => {
        for (const kind of ["devPreview", "drift"] as const) {
            const documents: PolicyDocument[] = Object.values(policiesOf(await bootstrapRun(), kind));
            for (const statement of documents.flatMap((d) => d.Statement)) {
                assert.equal(statement.Effect, "Allow", kind);
                for (const action of [statement.Action].flat())
                    assert.match(action, /^[a-z0-9-]+:(Describe|Get|List)/, `${kind}: ${action}`);
            }
        }
    });

    it("scopes the dev preview's and drift check's IAM reads to the program's roles, policies and cluster providers", async () => {
        for (const kind of ["devPreview", "drift"] as const) {
            assert.equal(await can(kind, "iam:GetRole", iam("role/cluster-node-0a1b2c3")), "Allow");
            assert.equal(await can(kind, "iam:GetPolicyVersion", iam("policy/platform-lbc-policy-0a1b2c3")), "Allow");
            assert.equal(
                await can(
                    kind,
                    "iam:GetOpenIDConnectProvider",
                    iam(`oidc-provider/oidc.eks.${R}.amazonaws.com/id/ABC`),
                ),
                "Allow",
            );
            assert.equal(
                await can(kind, "iam:GetRole", iam("role/scalable-backend-github-prod-deploy")),
                "ImplicitDeny",
            );
        }
    });

    describe("the deploy roles", () => {
        for (const [kind, own, other] of [
            ["devDeploy", "dev", "prod"],
            ["prodDeploy", "prod", "dev"],
        ] as const) {
            const cluster = `scalable-backend-${own}`;
            const otherCluster = `scalable-backend-${other}`;
            it(`${kind}: the ${own} cluster, its add-ons, node groups and access entries; not ${other}'s or an eph-* one`, async () => {
                const eks = (name: string, rest = "") => `arn:aws:eks:${R}:${ACCOUNT}:${rest || `cluster/${name}`}`;
                assert.equal(await can(kind, "eks:CreateCluster", eks(cluster)), "Allow");
                assert.equal(
                    await can(kind, "eks:CreateNodegroup", eks(cluster, `nodegroup/${cluster}/general-x/uuid`)),
                    "Allow",
                );
                assert.equal(
                    await can(kind, "eks:UpdateAddon", eks(cluster, `addon/${cluster}/coredns/uuid`)),
                    "Allow",
                );
                assert.equal(
                    await can(kind, "eks:AssociateAccessPolicy", eks(cluster, `access-entry/${cluster}/role/x/y/uuid`)),
                    "Allow",
                );
                assert.equal(await can(kind, "eks:DeleteCluster", eks(otherCluster)), "ImplicitDeny");
                assert.equal(await can(kind, "eks:DeleteCluster", eks("scalable-backend-eph-pr-7")), "ImplicitDeny");
            });

            it(`${kind}: the ${own} log group, repository and secrets key alias; not ${other}'s`, async () => {
                const logs = (c: string) => `arn:aws:logs:${R}:${ACCOUNT}:log-group:/aws/eks/${c}/cluster`;
                assert.equal(await can(kind, "logs:CreateLogGroup", logs(cluster)), "Allow");
                assert.equal(await can(kind, "logs:DeleteLogGroup", logs(otherCluster)), "ImplicitDeny");
                const repo = (c: string) => `arn:aws:ecr:${R}:${ACCOUNT}:repository/${c}/backend`;
                assert.equal(await can(kind, "ecr:PutImage", repo(cluster)), "Allow");
                assert.equal(await can(kind, "ecr:PutImage", repo(otherCluster)), "ImplicitDeny");
                const alias = (c: string) => `arn:aws:kms:${R}:${ACCOUNT}:alias/${c}-secrets`;
                assert.equal(await can(kind, "kms:CreateAlias", alias(cluster)), "Allow");
                assert.equal(await can(kind, "kms:CreateAlias", alias(otherCluster)), "ImplicitDeny");
                assert.equal(
                    await can(kind, "kms:CreateAlias", `arn:aws:kms:${R}:${ACCOUNT}:alias/scalable-backend-${other}`),
                    "ImplicitDeny",
                );
            });

            it(`${kind}: creates and administers only keys tagged as ${own}'s`, async () => {
                const key = `arn:aws:kms:${R}:${ACCOUNT}:key/0000`;
                assert.equal(await can(kind, "kms:CreateKey", "*", { "aws:RequestTag/stack": own }), "Allow");
                assert.equal(await can(kind, "kms:CreateKey", "*", { "aws:RequestTag/stack": other }), "ImplicitDeny");
                assert.equal(await can(kind, "kms:CreateKey", "*"), "ImplicitDeny");
                assert.equal(await can(kind, "kms:PutKeyPolicy", key, { "aws:ResourceTag/stack": own }), "Allow");
                assert.equal(await can(kind, "kms:PutKeyPolicy", key), "ImplicitDeny");
                assert.equal(await can(kind, "kms:Decrypt", key, { "aws:ResourceTag/stack": own }), "ImplicitDeny");
                assert.equal(
                    await can(kind, "kms:CreateGrant", key, { "kms:ViaService": `ecr.${R}.amazonaws.com` }),
                    "Allow",
                );
            });

            it(`${kind}: the program's roles and policies by name, passed to EKS only; never the GitHub roles`, async () => {
                assert.equal(await can(kind, "iam:CreateRole", iam("role/cluster-node-0a1b2c3")), "Allow");
                assert.equal(
                    await can(kind, "iam:CreatePolicy", iam("policy/platform-autoscaler-policy-0a1b2c3")),
                    "Allow",
                );
                const pass = (service: string) =>
                    can(kind, "iam:PassRole", iam("role/cluster-node-0a1b2c3"), { "iam:PassedToService": service });
                assert.equal(await pass("eks.amazonaws.com"), "Allow");
                assert.equal(await pass("ec2.amazonaws.com"), "ImplicitDeny");
                for (const github of JOB_KINDS)
                    for (const action of ["iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PassRole"])
                        assert.equal(
                            await can(kind, action, iam(`role/${JOBS[github].roleName}`), {
                                "iam:PassedToService": "eks.amazonaws.com",
                            }),
                            "ImplicitDeny",
                            `${action} ${github}`,
                        );
                assert.equal(await can(kind, "iam:CreatePolicyVersion", BOUNDARY_ARN), "ImplicitDeny");
                assert.equal(
                    await can(
                        kind,
                        "iam:DeleteOpenIDConnectProvider",
                        iam("oidc-provider/token.actions.githubusercontent.com"),
                    ),
                    "ImplicitDeny",
                );
                assert.equal(
                    await can(kind, "iam:CreateServiceLinkedRole", "*", { "iam:AWSServiceName": "eks.amazonaws.com" }),
                    "Allow",
                );
                assert.equal(
                    await can(kind, "iam:CreateServiceLinkedRole", "*", { "iam:AWSServiceName": "rds.amazonaws.com" }),
                    "ImplicitDeny",
                );
            });

            it(`${kind}: builds the network, but changes nothing tagged as another environment's`, async () => {
                assert.equal(await can(kind, "ec2:CreateVpc", "*"), "Allow");
                assert.equal(
                    await can(kind, "ec2:DeleteNatGateway", "*", { "aws:ResourceTag/environment": own }),
                    "Allow",
                );
                for (const env of [other, "ephemeral"])
                    for (const action of [
                        "ec2:DeleteNatGateway",
                        "iam:DeleteRole",
                        "eks:DeleteCluster",
                        "kms:ScheduleKeyDeletion",
                    ])
                        assert.equal(
                            await can(kind, action, "*", {
                                "aws:ResourceTag/environment": env,
                                "aws:ResourceTag/stack": own,
                            }),
                            "ExplicitDeny",
                            `${action} ${env}`,
                        );
                assert.equal(await can(kind, "ec2:CreateVpcPeeringConnection", "*"), "ImplicitDeny");
                assert.equal(await can(kind, "iam:CreateUser", "*"), "ImplicitDeny");
            });
        }
    });

    describe("the ephemeral role", () => {
        const ephRole = iam(`role${EPHEMERAL_IAM_PATH}cluster-node-0a1b2c3`);
        const withBoundary = { "iam:PermissionsBoundary": BOUNDARY_ARN };

        it("creates roles under the ephemeral path only, only with the boundary, and never removes it", async () => {
            assert.equal(await can("ephemeral", "iam:CreateRole", ephRole, withBoundary), "Allow");
            assert.equal(await can("ephemeral", "iam:CreateRole", ephRole), "ExplicitDeny");
            assert.equal(
                await can("ephemeral", "iam:CreateRole", ephRole, { "iam:PermissionsBoundary": iam("policy/Other") }),
                "ExplicitDeny",
            );
            assert.equal(
                await can("ephemeral", "iam:CreateRole", iam("role/cluster-node-0a1b2c3"), withBoundary),
                "ImplicitDeny",
            );
            assert.equal(await can("ephemeral", "iam:PutRolePermissionsBoundary", ephRole, withBoundary), "Allow");
            assert.equal(await can("ephemeral", "iam:AttachRolePolicy", ephRole, withBoundary), "Allow");
            assert.equal(await can("ephemeral", "iam:AttachRolePolicy", ephRole), "ImplicitDeny");
            assert.equal(await can("ephemeral", "iam:DeleteRolePermissionsBoundary", ephRole), "ExplicitDeny");
            for (const action of [
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
            ])
                assert.equal(await can("ephemeral", action, BOUNDARY_ARN), "ExplicitDeny", action);
        });

        it("passes only the ephemeral path's roles, to EKS only", async () => {
            const pass = (role: string, service = "eks.amazonaws.com") =>
                can("ephemeral", "iam:PassRole", role, { "iam:PassedToService": service });
            assert.equal(await pass(ephRole), "Allow");
            assert.equal(await pass(ephRole, "ec2.amazonaws.com"), "ImplicitDeny");
            assert.equal(await pass(iam("role/cluster-node-0a1b2c3")), "ImplicitDeny");
            assert.equal(await pass(iam(`role/${JOBS.prodDeploy.roleName}`)), "ImplicitDeny");
        });

        it("deploys every eph-* cluster and nothing of dev's or prod's", async () => {
            const eks = (c: string) => `arn:aws:eks:${R}:${ACCOUNT}:cluster/${c}`;
            assert.equal(await can("ephemeral", "eks:CreateCluster", eks("scalable-backend-eph-pr-7")), "Allow");
            assert.equal(await can("ephemeral", "eks:DeleteCluster", eks("scalable-backend-prod")), "ImplicitDeny");
            assert.equal(
                await can("ephemeral", "kms:CreateKey", "*", { "aws:RequestTag/environment": "ephemeral" }),
                "Allow",
            );
            assert.equal(
                await can("ephemeral", "kms:CreateKey", "*", { "aws:RequestTag/environment": "prod" }),
                "ImplicitDeny",
            );
            assert.equal(
                await can(
                    "ephemeral",
                    "iam:CreateOpenIDConnectProvider",
                    iam(`oidc-provider/oidc.eks.${R}.amazonaws.com/id/X`),
                    {
                        "aws:RequestTag/environment": "ephemeral",
                    },
                ),
                "Allow",
            );
            assert.equal(
                await can(
                    "ephemeral",
                    "iam:DeleteOpenIDConnectProvider",
                    iam(`oidc-provider/oidc.eks.${R}.amazonaws.com/id/X`),
                    {
                        "aws:ResourceTag/environment": "prod",
                    },
                ),
                "ImplicitDeny",
            );
        });
    });

    describe("the review app role (a shared review stack's app layer: the pull request's code)", () => {
        const repo = (name: string) => `arn:aws:ecr:${R}:${ACCOUNT}:repository/${name}`;
        const eks = (cluster: string) => `arn:aws:eks:${R}:${ACCOUNT}:cluster/${cluster}`;

        it("has no IAM at all: no Allow names an iam: action or a wildcard that covers one, and a Deny refuses every one", async () => {
            const documents = Object.values(policiesOf(await bootstrapRun(), "reviewApp"));
            for (const statement of documents.flatMap((d) => d.Statement).filter((s) => s.Effect === "Allow"))
                for (const action of [statement.Action].flat())
                    assert.ok(!globMatch(action, "iam:GetRole", true) && !/^iam:/i.test(action), action);
            for (const action of [
                "iam:GetRole",
                "iam:ListRoles",
                "iam:PassRole",
                "iam:CreateRole",
                "iam:AttachRolePolicy",
            ])
                assert.equal(await can("reviewApp", action, iam("role/x")), "ExplicitDeny", action);
            assert.equal(roleOf(await bootstrapRun(), "reviewApp").inputs.permissionsBoundary, undefined);
        });

        it("creates, pushes to and deletes the repositories scalable-backend-eph-*/backend, and no other", async () => {
            for (const action of [
                "ecr:CreateRepository",
                "ecr:DeleteRepository",
                "ecr:DescribeRepositories",
                "ecr:PutLifecyclePolicy",
                "ecr:TagResource",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
                "ecr:BatchGetImage",
                "ecr:BatchDeleteImage",
            ]) {
                assert.equal(
                    await can("reviewApp", action, repo("scalable-backend-eph-pr-7/backend")),
                    "Allow",
                    action,
                );
                for (const other of [
                    "scalable-backend-dev/backend",
                    "scalable-backend-prod/backend",
                    "scalable-backend-eph-pr-7/other",
                    "other/backend",
                    "scalable-backend-ephemeral",
                ])
                    assert.equal(await can("reviewApp", action, repo(other)), "ImplicitDeny", `${action} ${other}`);
            }
            assert.equal(await can("reviewApp", "ecr:GetAuthorizationToken", "*"), "Allow");
            assert.equal(
                await can("reviewApp", "kms:CreateGrant", "*", { "kms:ViaService": `ecr.${R}.amazonaws.com` }),
                "Allow",
            );
            assert.equal(await can("reviewApp", "kms:CreateGrant", "*"), "ImplicitDeny");
        });

        it("describes the host cluster, dev's, and changes nothing of it; nothing of prod's or an eph-* cluster", async () => {
            assert.equal(await can("reviewApp", "eks:DescribeCluster", eks("scalable-backend-dev")), "Allow");
            for (const action of [
                "eks:UpdateClusterConfig",
                "eks:CreateAccessEntry",
                "eks:AssociateAccessPolicy",
                "eks:DeleteCluster",
                "eks:ListClusters",
            ])
                assert.equal(await can("reviewApp", action, eks("scalable-backend-dev")), "ImplicitDeny", action);
            for (const cluster of ["scalable-backend-prod", "scalable-backend-eph-pr-7"])
                assert.equal(await can("reviewApp", "eks:DescribeCluster", eks(cluster)), "ImplicitDeny", cluster);
        });

        it("touches nothing else of dev's: network, keys, log groups, load balancers", async () => {
            const devTag = { "aws:ResourceTag/environment": "dev", "aws:ResourceTag/stack": "dev" };
            for (const action of [
                "ec2:DescribeVpcs",
                "ec2:DeleteNatGateway",
                "ec2:AuthorizeSecurityGroupIngress",
                "elasticloadbalancing:DeleteLoadBalancer",
                "kms:ScheduleKeyDeletion",
                "kms:Decrypt",
                "logs:DeleteLogGroup",
                "autoscaling:UpdateAutoScalingGroup",
                "kms:CreateKey",
            ])
                assert.equal(await can("reviewApp", action, "*", devTag), "ImplicitDeny", action);
        });
    });

    describe("the review tenant role (a shared review stack's tenant layer: trusted code from main)", () => {
        it("has no IAM and no ECR: its policies allow its state and the host cluster's description, nothing else", async () => {
            const documents = Object.values(policiesOf(await bootstrapRun(), "reviewTenant"));
            const allowed = documents
                .flatMap((d) => d.Statement)
                .filter((s) => s.Effect === "Allow")
                .flatMap((s) => [s.Action].flat())
                .sort();
            assert.deepEqual(
                [...new Set(allowed)],
                [
                    "eks:DescribeCluster",
                    "s3:DeleteObject",
                    "s3:GetBucketLocation",
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:PutObject",
                ],
            );
            for (const action of ["iam:GetRole", "iam:PassRole", "iam:CreateRole"])
                assert.equal(await can("reviewTenant", action, iam("role/x")), "ExplicitDeny", action);
            const repo = `arn:aws:ecr:${R}:${ACCOUNT}:repository/scalable-backend-eph-pr-7/backend`;
            for (const action of ["ecr:CreateRepository", "ecr:PutImage", "ecr:DeleteRepository"])
                assert.equal(await can("reviewTenant", action, repo), "ImplicitDeny", action);
            assert.equal(await can("reviewTenant", "ecr:GetAuthorizationToken", "*"), "ImplicitDeny");
            assert.equal(roleOf(await bootstrapRun(), "reviewTenant").inputs.permissionsBoundary, undefined);
        });

        it("describes dev's cluster only", async () => {
            const eks = (cluster: string) => `arn:aws:eks:${R}:${ACCOUNT}:cluster/${cluster}`;
            assert.equal(await can("reviewTenant", "eks:DescribeCluster", eks("scalable-backend-dev")), "Allow");
            assert.equal(
                await can("reviewTenant", "eks:DescribeCluster", eks("scalable-backend-prod")),
                "ImplicitDeny",
            );
            assert.equal(
                await can("reviewTenant", "eks:CreateAccessEntry", eks("scalable-backend-dev")),
                "ImplicitDeny",
            );
        });
    });

    describe("scoped by the names the main program really uses", () => {
        it("names every IAM role and policy of dev and prod with one of the program's prefixes", async () => {
            for (const stack of ["dev", "prod"] as const) {
                const run = await stackRun(stack);
                const names = [...ofType(run, "aws:iam/role:Role"), ...ofType(run, "aws:iam/policy:Policy")].map(
                    (r) => r.name,
                );
                assert.ok(names.length >= 5, stack);
                for (const name of names)
                    assert.ok(
                        PROGRAM_IAM_PREFIXES.some((p) => name.startsWith(p)),
                        `${stack}: ${name}`,
                    );
            }
        });

        it("finds each stack's cluster, log group, repository and key alias under the scoped names", async () => {
            for (const stack of ["dev", "prod"] as const) {
                const run = await stackRun(stack);
                const cluster = clusterNamePattern(stack);
                assert.equal(ofType(run, "eks:index:Cluster")[0].inputs.name, cluster);
                assert.equal(
                    ofType(run, "aws:cloudwatch/logGroup:LogGroup")[0].inputs.name,
                    `/aws/eks/${cluster}/cluster`,
                );
                assert.ok(globMatch(`${cluster}/*`, ofType(run, "aws:ecr/repository:Repository")[0].inputs.name));
                assert.ok(globMatch(`alias/${cluster}-*`, ofType(run, "aws:kms/alias:Alias")[0].inputs.name));
            }
            assert.ok(globMatch(clusterNamePattern("ephemeral"), "scalable-backend-eph-pr-7"));
        });

        it("finds an eph-* stack's repository, `<its cluster>/backend`, under the review app role's pattern", async () => {
            const [repository] = ofType(await ephemeralRun(), "aws:ecr/repository:Repository");
            const arn = `arn:aws:ecr:${R}:${ACCOUNT}:repository/${repository.inputs.name}`;
            assert.match(repository.inputs.name, /^scalable-backend-eph-[a-z0-9-]+\/backend$/);
            assert.ok(
                globMatch(
                    reviewRepositoryArn({ accountId: ACCOUNT, region: R, bucketName: "b", boundaryArn: "x" }),
                    arn,
                ),
                arn,
            );
        });
    });
});
