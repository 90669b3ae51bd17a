// The bootstrap stack as a whole: its outputs (what the GitHub repository and the main program's
// stacks take), its one explicit provider and tags, and its component tree.
import * as assert from "node:assert/strict";
import { ACCOUNT } from "../testing/engine";
import { bootstrapRun } from "./bootstrap-helpers";
import { ofType } from "./helpers";

const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/scalable-backend-github-${name}`;
const BUCKET = "scalable-backend-state-example";

describe("bootstrap: the stack", () => {
    it("outputs the GitHub variables, the secrets providers, the boundary and the viewers for the main program", async () => {
        const variables = {
            AWS_DEPLOY_ROLE_ARN_DEV: role("dev-deploy"),
            AWS_DEPLOY_ROLE_ARN_PROD: role("prod-deploy"),
            AWS_DRIFT_ROLE_ARN: role("drift"),
            AWS_EPHEMERAL_ROLE_ARN: role("ephemeral"),
            AWS_PREVIEW_ROLE_ARN_DEV: role("dev-preview"),
            AWS_REGION: "eu-west-1",
            AWS_REVIEW_APP_ROLE_ARN: role("review-app"),
            AWS_REVIEW_TENANT_ROLE_ARN: role("review-tenant"),
            PERMISSIONS_BOUNDARY_ARN: `arn:aws:iam::${ACCOUNT}:policy/scalable-backend-boundary`,
            PULUMI_BACKEND_URL_DEV: `s3://${BUCKET}/dev`,
            PULUMI_BACKEND_URL_PROD: `s3://${BUCKET}`,
        };
        const run = await bootstrapRun();
        assert.deepEqual(run.outputs, {
            ...variables,
            githubVariables: variables,
            ephemeralIamPath: "/scalable-backend-eph/",
            keyAliases: {
                dev: "alias/scalable-backend-dev",
                prod: "alias/scalable-backend-prod",
                ephemeral: "alias/scalable-backend-eph",
            },
            oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
            permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/scalable-backend-boundary`,
            secretsProviders: {
                dev: "awskms://alias/scalable-backend-dev?region=eu-west-1",
                prod: "awskms://alias/scalable-backend-prod?region=eu-west-1",
                ephemeral: "awskms://alias/scalable-backend-eph?region=eu-west-1",
            },
            stateBucketName: BUCKET,
            viewerPrincipalArns: { dev: [role("dev-preview")], prod: [] },
            auditorPrincipalArns: { dev: [role("drift")], prod: [role("drift")] },
        });
        assert.deepEqual(run.secretOutputs, []);
        assert.deepEqual(Object.keys(run.outputs.githubVariables as object), Object.keys(variables).sort());
    });

    it("creates every AWS resource through one explicit provider, tagged without a stack or environment tag", async () => {
        const run = await bootstrapRun();
        const [provider, ...others] = ofType(run, "pulumi:providers:aws");
        assert.deepEqual(others, []);
        assert.equal(provider.name, "aws");
        assert.equal(provider.inputs.region, "eu-west-1");
        assert.deepEqual(JSON.parse(provider.inputs.defaultTags), {
            tags: { project: "scalable-backend-bootstrap", "managed-by": "pulumi" },
        });
        for (const resource of run.resources.filter((r) => r.custom && r.type.startsWith("aws:")))
            assert.ok(resource.provider?.startsWith(provider.urn), resource.name);
        assert.deepEqual(JSON.parse(run.config["pulumi:disable-default-providers"]), ["aws"]);
    });

    it("composes five components, each resource inside one, and protects what holds state or secrets", async () => {
        const run = await bootstrapRun();
        const components = run.resources.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack");
        const stack = run.resources.find((r) => r.type === "pulumi:pulumi:Stack");
        const top = components.filter((c) => c.parent === stack?.urn);
        assert.deepEqual(top.map((c) => `${c.type} ${c.name}`).sort(), [
            "scalable-backend-bootstrap:boundary:PermissionsBoundary boundary",
            "scalable-backend-bootstrap:github:GithubOidc github",
            "scalable-backend-bootstrap:keys:StateKeys secrets",
            "scalable-backend-bootstrap:roles:GithubRoles github",
            "scalable-backend-bootstrap:state:StateBucket state",
        ]);
        const roles = components.filter((c) => c.type === "scalable-backend-bootstrap:roles:GithubRole");
        assert.deepEqual(roles.map((r) => r.name).sort(), [
            "github-devDeploy",
            "github-devPreview",
            "github-drift",
            "github-ephemeral",
            "github-prodDeploy",
            "github-reviewApp",
            "github-reviewTenant",
        ]);
        const componentUrns = new Set(components.map((c) => c.urn));
        for (const resource of run.resources.filter((r) => r.custom && r.type !== "pulumi:providers:aws"))
            assert.ok(resource.parent && componentUrns.has(resource.parent), resource.name);
        assert.deepEqual(
            run.resources
                .filter((r) => r.protect)
                .map((r) => `${r.type} ${r.name}`)
                .sort(),
            [
                "aws:iam/policy:Policy boundary-policy",
                "aws:kms/key:Key secrets-dev",
                "aws:kms/key:Key secrets-ephemeral",
                "aws:kms/key:Key secrets-prod",
                "aws:s3/bucket:Bucket state-bucket",
                "aws:s3/bucketObjectv2:BucketObjectv2 state-meta-dev",
                "aws:s3/bucketObjectv2:BucketObjectv2 state-meta-prod",
            ],
        );
    });

    it("creates exactly these: 87 resources, the stack, its provider, 12 components and 73 AWS resources", async () => {
        const run = await bootstrapRun();
        const byType: Record<string, number> = {};
        for (const r of run.resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
        assert.deepEqual(byType, {
            "pulumi:pulumi:Stack": 1,
            "pulumi:providers:aws": 1,
            "scalable-backend-bootstrap:boundary:PermissionsBoundary": 1,
            "scalable-backend-bootstrap:github:GithubOidc": 1,
            "scalable-backend-bootstrap:keys:StateKeys": 1,
            "scalable-backend-bootstrap:roles:GithubRole": 7,
            "scalable-backend-bootstrap:roles:GithubRoles": 1,
            "scalable-backend-bootstrap:state:StateBucket": 1,
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
            "aws:iam/policy:Policy": 26,
            "aws:iam/role:Role": 7,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 25,
            "aws:kms/alias:Alias": 3,
            "aws:kms/key:Key": 3,
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketObjectv2:BucketObjectv2": 2,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
            "aws:s3/bucketPolicy:BucketPolicy": 1,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
            "aws:s3/bucketVersioning:BucketVersioning": 1,
        });
        assert.equal(run.resources.length, 87);
        assert.equal(run.resources.filter((r) => r.custom && r.type.startsWith("aws:")).length, 73);
    });

    it("creates the keys after the roles their policies name, and hands out role ARNs once their policies are attached", async () => {
        const run = await bootstrapRun();
        const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
        for (const key of ofType(run, "aws:kms/key:Key")) {
            const deps = key.dependencies.map((u) => byUrn.get(u)?.type);
            assert.ok(deps.includes("aws:iam/role:Role"), key.name);
            assert.ok(deps.includes("aws:iam/rolePolicyAttachment:RolePolicyAttachment"), key.name);
        }
    });
});
