// The permissions boundary: it covers every grant of the policies the main program's roles carry
// (the AWS managed ones, vendored with their versions, the controller's, the autoscaler's) and of
// the ephemeral role's own, and it refuses what would let a role escape it.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { Region } from "@pulumi/aws/types/enums";
import { boundaryPolicy, protectedTags } from "../bootstrap/components/boundary";
import { BOUNDARY_NAME, boundaryArnOf, EPHEMERAL_IAM_PATH } from "../lib/bootstrap-naming";
import { EBS_CSI_POLICY_ARN, NODE_ROLE_POLICY_ARNS } from "../components/cluster";
import { clusterAutoscalerPolicy, type PolicyDocument } from "../components/iam";
import { loadBalancerControllerPolicy } from "../components/platform";
import { ACCOUNT } from "../testing/engine";
import { boundaryGaps, decide, type Decision } from "../testing/iam-policy";
import { BOOTSTRAP_DIR, bootstrapRun, policiesOf, roleOf } from "./bootstrap-helpers";
import { one, ofType, stackRun } from "./helpers";

const MANAGED_DIR = path.join(BOOTSTRAP_DIR, "policies", "aws-managed");
const SCOPE = { accountId: ACCOUNT, region: "eu-west-1", bucketName: "scalable-backend-state-example" };
const BOUNDARY = boundaryPolicy(SCOPE);
const BOUNDARY_ARN = boundaryArnOf(ACCOUNT);
const EPH_ROLE = `arn:aws:iam::${ACCOUNT}:role${EPHEMERAL_IAM_PATH}cluster-node-0a1b2c3`;

interface Vendored {
    policyArn: string;
    versionId: string;
    versionCreated: string;
    source: { repository: string; commit: string; path: string; snapshot: string };
    statements: PolicyDocument["Statement"];
}
const vendored = (): Record<string, Vendored> =>
    Object.fromEntries(
        fs
            .readdirSync(MANAGED_DIR)
            .filter((f) => f.endsWith(".json"))
            .map((f) => [path.basename(f, ".json"), JSON.parse(fs.readFileSync(path.join(MANAGED_DIR, f), "utf8"))]),
    );
const asDocument = (v: Vendored): PolicyDocument => ({ Version: "2012-10-17", Statement: v.statements });

/** The boundary's decision on one request. */
const under = (action: string, resource: string, context?: Record<string, string>): Decision =>
    decide([BOUNDARY], { action, resource, context });

describe("bootstrap: permissions boundary", () => {
    it("is one protected managed policy with a fixed name, carried by the ephemeral role and no other", async () => {
        const run = await bootstrapRun();
        const policy = one(run, "aws:iam/policy:Policy", "boundary-policy");
        assert.equal(policy.inputs.name, BOUNDARY_NAME);
        assert.equal(policy.outputs.arn, BOUNDARY_ARN);
        assert.equal(policy.protect, true);
        assert.deepEqual(JSON.parse(policy.inputs.policy), BOUNDARY);
        assert.equal(roleOf(run, "ephemeral").inputs.permissionsBoundary, BOUNDARY_ARN);
        const bounded = ofType(run, "aws:iam/role:Role").filter((r) => r.inputs.permissionsBoundary !== undefined);
        assert.deepEqual(
            bounded.map((r) => r.inputs.name),
            ["scalable-backend-github-ephemeral"],
        );
    });

    it("vendors the AWS managed policies the main program's roles carry, with their versions and source", async () => {
        const files = vendored();
        const attached = new Set<string>(
            ofType(await stackRun("dev"), "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .map((a) => a.inputs.policyArn as string)
                .filter((arn) => arn.startsWith("arn:aws:iam::aws:policy/")),
        );
        assert.deepEqual([...attached].sort(), [...NODE_ROLE_POLICY_ARNS, EBS_CSI_POLICY_ARN].sort());
        // The EKS component attaches AmazonEKSClusterPolicy to the cluster's service role itself.
        attached.add("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy");
        assert.deepEqual(
            Object.values(files)
                .map((f) => f.policyArn)
                .sort(),
            [...attached].sort(),
        );
        for (const [name, file] of Object.entries(files)) {
            assert.ok(file.policyArn.endsWith(`/${name}`), name);
            assert.match(file.versionId, /^v\d+$/, name);
            assert.match(file.versionCreated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, name);
            assert.equal(file.source.repository, "z0ph/MAMIP", name);
            assert.match(file.source.commit, /^[0-9a-f]{40}$/, name);
            assert.equal(file.source.path, `policies/${name}`, name);
            assert.ok(file.statements.length > 0, name);
        }
    });

    describe("covers every grant of", () => {
        for (const [name, file] of Object.entries(vendored()))
            it(`${name} (${file.versionId})`, () => assert.deepEqual(boundaryGaps(BOUNDARY, asDocument(file)), []));

        it("the AWS Load Balancer Controller's vendored policy", () =>
            assert.deepEqual(boundaryGaps(BOUNDARY, loadBalancerControllerPolicy()), []));

        it("the Cluster Autoscaler's policy", () =>
            assert.deepEqual(boundaryGaps(BOUNDARY, clusterAutoscalerPolicy("scalable-backend-eph-pr-7")), []));

        it("the ephemeral role's own policies (it carries the boundary)", async () => {
            for (const [name, policy] of Object.entries(policiesOf(await bootstrapRun(), "ephemeral")))
                assert.deepEqual(boundaryGaps(BOUNDARY, policy), [], name);
        });
    });

    describe("refuses", () => {
        it("a role without this boundary, or with another", () => {
            const create = (boundary?: string) =>
                under("iam:CreateRole", EPH_ROLE, boundary ? { "iam:PermissionsBoundary": boundary } : {});
            assert.equal(create(BOUNDARY_ARN), "Allow");
            assert.equal(create(), "ExplicitDeny");
            assert.equal(create(`arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess`), "ExplicitDeny");
            assert.equal(
                under("iam:PutRolePermissionsBoundary", EPH_ROLE, {
                    "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess",
                }),
                "ExplicitDeny",
            );
        });

        it("removing a boundary, and changing this policy", () => {
            assert.equal(under("iam:DeleteRolePermissionsBoundary", EPH_ROLE), "ExplicitDeny");
            for (const action of [
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
            ])
                assert.equal(under(action, BOUNDARY_ARN), "ExplicitDeny", action);
        });

        it("IAM outside the ephemeral path: the GitHub roles, dev's and prod's roles", () => {
            for (const resource of [
                `arn:aws:iam::${ACCOUNT}:role/scalable-backend-github-prod-deploy`,
                `arn:aws:iam::${ACCOUNT}:role/cluster-node-0a1b2c3`,
                `arn:aws:iam::${ACCOUNT}:policy/platform-lbc-policy-0a1b2c3`,
            ])
                for (const action of [
                    "iam:AttachRolePolicy",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:PassRole",
                    "iam:CreatePolicyVersion",
                ])
                    assert.equal(
                        under(action, resource, { "iam:PermissionsBoundary": BOUNDARY_ARN }),
                        "ImplicitDeny",
                        `${action} ${resource}`,
                    );
            for (const action of ["iam:CreateUser", "iam:CreateAccessKey", "iam:AttachUserPolicy", "sts:AssumeRole"])
                assert.equal(under(action, "*"), "ImplicitDeny", action);
        });

        it("dev's and prod's clusters, repositories and log groups, by name", () => {
            for (const stack of ["dev", "prod"]) {
                const cluster = `scalable-backend-${stack}`;
                assert.equal(
                    under("eks:DeleteCluster", `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/${cluster}`),
                    "ImplicitDeny",
                );
                assert.equal(
                    under("eks:CreateAccessEntry", `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/${cluster}`),
                    "ImplicitDeny",
                );
                assert.equal(
                    under("ecr:PutImage", `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/${cluster}/backend`),
                    "ImplicitDeny",
                );
                assert.equal(
                    under(
                        "logs:DeleteLogGroup",
                        `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/eks/${cluster}/cluster`,
                    ),
                    "ImplicitDeny",
                );
            }
            assert.equal(
                under("eks:DeleteCluster", `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/scalable-backend-eph-pr-7`),
                "Allow",
            );
        });

        it("any action on a resource tagged as dev's or prod's, or made for their clusters", () => {
            const tags = protectedTags();
            assert.deepEqual(Object.keys(tags).sort(), [
                "aws:ResourceTag/aws:eks:cluster-name",
                "aws:ResourceTag/eks:cluster-name",
                "aws:ResourceTag/elbv2.k8s.aws/cluster",
                "aws:ResourceTag/environment",
                "aws:ResourceTag/scalable-backend/stack",
            ]);
            for (const [key, values] of Object.entries(tags))
                for (const value of values)
                    for (const action of [
                        "ec2:DeleteNatGateway",
                        "ec2:AuthorizeSecurityGroupIngress",
                        "elasticloadbalancing:DeleteLoadBalancer",
                        "kms:Decrypt",
                    ])
                        assert.equal(under(action, "*", { [key]: value }), "ExplicitDeny", `${action} ${key}=${value}`);
            assert.equal(under("ec2:DeleteNatGateway", "*", { "aws:ResourceTag/environment": "ephemeral" }), "Allow");
        });

        it("administering keys that are not an ephemeral stack's, except through EC2's and ECR's grants", () => {
            const key = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0000`;
            for (const action of ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CreateGrant"]) {
                assert.equal(under(action, key, { "aws:ResourceTag/environment": "ephemeral" }), "Allow", action);
                assert.equal(under(action, key), "ExplicitDeny", action);
            }
            assert.equal(under("kms:CreateGrant", key, { "kms:ViaService": "ecr.eu-west-1.amazonaws.com" }), "Allow");
            assert.equal(under("kms:CreateGrant", key, { "kms:ViaService": "ec2.eu-west-1.amazonaws.com" }), "Allow");
            assert.equal(
                under("kms:CreateAlias", `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/scalable-backend-prod`),
                "ImplicitDeny",
            );
        });

        it("writing dev's or a tenant's state: its one eph-* pattern admits no such key the backend reads, and the bucket's policy refuses the rest", async () => {
            const object = (key: string) => `arn:aws:s3:::${SCOPE.bucketName}/${key}`;
            const stacks = `dev/.pulumi/stacks/scalable-backend`;
            const locks = `dev/.pulumi/locks/organization/scalable-backend`;
            assert.equal(under("s3:PutObject", object(`${stacks}/eph-pr-7.json`)), "Allow");
            assert.equal(under("s3:PutObject", object(`${locks}/eph-pr-7/x.json`)), "Allow");
            for (const key of [
                `${stacks}/dev.json`,
                `${stacks}/tenant-pr-7.json`,
                `${locks}/dev/x.json`,
                `${locks}/tenant-pr-7/x.json`,
                "dev/.pulumi/meta.yaml",
                ".pulumi/stacks/scalable-backend/prod.json",
            ])
                assert.equal(under("s3:PutObject", object(key)), "ImplicitDeny", key);
            // A key inside dev's lock directory that still ends in the pattern: a lock dev's next
            // `pulumi up` would wait on. The bucket's policy refuses it to every eph-* stack's role.
            const junk = object(`${locks}/dev/scalable-backend/eph-x`);
            assert.equal(under("s3:PutObject", junk), "Allow");
            const bucketPolicy = JSON.parse(
                one(await bootstrapRun(), "aws:s3/bucketPolicy:BucketPolicy", "state-policy").inputs.policy,
            ) as PolicyDocument;
            assert.equal(
                decide([BOUNDARY, bucketPolicy], {
                    action: "s3:PutObject",
                    resource: junk,
                    context: { "aws:PrincipalArn": EPH_ROLE, "aws:SecureTransport": "true" },
                }),
                "ExplicitDeny",
            );
        });

        it("only with the Denies it names: every conditional Deny is one of these", () => {
            assert.deepEqual(
                BOUNDARY.Statement.filter((s) => s.Effect === "Deny").map((s) => s.Sid),
                [
                    "NoRoleWithoutTheBoundary",
                    "NoBoundaryRemoval",
                    "NoChangeToTheBoundary",
                    "OnlyEphemeralKeys",
                    "NotDevOrProd1",
                    "NotDevOrProd2",
                    "NotDevOrProd3",
                    "NotDevOrProd4",
                    "NotDevOrProd5",
                ],
            );
        });
    });

    it("fits a managed policy's 6,144 characters with the longest region and bucket name", () => {
        const longestRegion = Object.values(Region)
            .filter((r) => !/^(cn-|us-gov-|eusc-)|-iso/.test(r))
            .sort((a, b) => b.length - a.length)[0];
        const worst = boundaryPolicy({ accountId: "123456789012", region: longestRegion, bucketName: "s".repeat(63) });
        assert.ok(JSON.stringify(worst).length <= 6144, `${JSON.stringify(worst).length} characters`);
    });
});
