// The GitHub side: the account's OIDC provider (created or referenced), each role's trust policy
// exactly, and what a pull request's token can and cannot reach.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    GITHUB_OIDC_HOST,
    githubSubject,
    githubTrustPolicy,
    JOB_KINDS,
    JOBS,
    type JobKind,
    pullRequestJobKinds,
} from "../bootstrap/components/github";
import { KEY_USERS } from "../bootstrap/components/keys";
import { ACCOUNT, ROOT } from "../testing/engine";
import { decide } from "../testing/iam-policy";
import { bootstrapRun, evaluateBootstrap, policiesOf, REPOSITORY, roleOf, trustOf } from "./bootstrap-helpers";
import { ofType } from "./helpers";

const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB_OIDC_HOST}`;
const PULL_REQUEST = `repo:${REPOSITORY}:pull_request`;
const MAIN = `repo:${REPOSITORY}:ref:refs/heads/main`;
const STATE = "arn:aws:s3:::scalable-backend-state-example";

/** The trust policy a role must have: the provider, STS as audience, exactly these subjects. */
const trust = (subjects: string[], providerArn = PROVIDER_ARN) => ({
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "GitHubActions",
            Effect: "Allow",
            Principal: { Federated: providerArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": subjects,
                },
            },
        },
    ],
});

const EXPECTED_SUBJECTS: Record<JobKind, string[]> = {
    devPreview: [PULL_REQUEST],
    devDeploy: [`repo:${REPOSITORY}:environment:dev`],
    prodDeploy: [`repo:${REPOSITORY}:environment:prod`],
    drift: [`repo:${REPOSITORY}:environment:drift`],
    ephemeral: [PULL_REQUEST, MAIN],
    reviewApp: [PULL_REQUEST, MAIN],
    reviewTenant: [`repo:${REPOSITORY}:environment:review-tenant`],
};

describe("bootstrap: GitHub OIDC and trust", () => {
    it("creates the account's provider for GitHub's token issuer, audience STS, no thumbprints", async () => {
        const [provider] = ofType(await bootstrapRun(), "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        assert.equal(provider.name, "github-oidc");
        assert.deepEqual(provider.inputs.url, "https://token.actions.githubusercontent.com");
        assert.deepEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
        assert.equal(provider.inputs.thumbprintLists, undefined);
    });

    it("trusts, per role, exactly its jobs' subjects with StringEquals", async () => {
        const run = await bootstrapRun();
        for (const kind of JOB_KINDS) assert.deepEqual(trustOf(run, kind), trust(EXPECTED_SUBJECTS[kind]), kind);
    });

    it("never trusts a wildcard, StringLike, another action or principal, or a token not minted for STS", async () => {
        const run = await bootstrapRun();
        for (const role of ofType(run, "aws:iam/role:Role")) {
            const policy = JSON.parse(role.inputs.assumeRolePolicy);
            for (const statement of policy.Statement) {
                assert.equal(statement.Effect, "Allow", role.name);
                assert.deepEqual(statement.Principal, { Federated: PROVIDER_ARN }, role.name);
                assert.equal(statement.Action, "sts:AssumeRoleWithWebIdentity", role.name);
                assert.deepEqual(Object.keys(statement.Condition), ["StringEquals"], role.name);
                const conditions = statement.Condition.StringEquals;
                assert.equal(conditions[`${GITHUB_OIDC_HOST}:aud`], "sts.amazonaws.com", role.name);
                for (const sub of conditions[`${GITHUB_OIDC_HOST}:sub`]) {
                    assert.doesNotMatch(sub, /[*?]/, role.name);
                    assert.ok(sub.startsWith(`repo:${REPOSITORY}:`), `${role.name}: ${sub}`);
                }
            }
        }
    });

    it("gives no pull request's token a prod role, the prod key, prod's state or prod's resources", async () => {
        const run = await bootstrapRun();
        const prodObjects = [
            `${STATE}/.pulumi/meta.yaml`,
            `${STATE}/.pulumi/stacks/scalable-backend/prod.json`,
            `${STATE}/.pulumi/history/scalable-backend/prod/prod-1.history.json`,
            `${STATE}/.pulumi/locks/organization/scalable-backend/prod/x.json`,
        ];
        const fromPullRequests = JOB_KINDS.filter((kind) =>
            JSON.stringify(trustOf(run, kind)).includes(`:pull_request"`),
        );
        assert.deepEqual(fromPullRequests, ["devPreview", "ephemeral", "reviewApp"]);
        assert.deepEqual(pullRequestJobKinds(), fromPullRequests);
        for (const kind of fromPullRequests) {
            assert.ok(!kind.startsWith("prod"), kind);
            assert.ok(!(kind in KEY_USERS.prod), `${kind} uses the prod key`);
            const policies = Object.values(policiesOf(run, kind));
            for (const resource of prodObjects)
                for (const action of ["s3:GetObject", "s3:PutObject"])
                    assert.notEqual(decide(policies, { action, resource }), "Allow", `${kind} ${action} ${resource}`);
            const prodCluster = `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/scalable-backend-prod`;
            for (const action of ["eks:DeleteCluster", "eks:UpdateClusterConfig", "eks:CreateAccessEntry"])
                assert.notEqual(decide(policies, { action, resource: prodCluster }), "Allow", `${kind} ${action}`);
            const prodRole = roleOf(run, "prodDeploy").outputs.arn;
            for (const action of ["iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PassRole"])
                assert.notEqual(decide(policies, { action, resource: prodRole }), "Allow", `${kind} ${action}`);
            const prodKey = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0000`;
            for (const action of ["kms:Decrypt", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"])
                assert.notEqual(
                    decide(policies, { action, resource: prodKey, context: { "aws:ResourceTag/environment": "prod" } }),
                    "Allow",
                    `${kind} ${action}`,
                );
        }
        // The prod key's users: no pull request among their subjects.
        for (const kind of Object.keys(KEY_USERS.prod) as JobKind[])
            assert.ok(!EXPECTED_SUBJECTS[kind].includes(PULL_REQUEST), kind);
    });

    it("gives no pull request's token a write of dev's or a tenant-* stack's state, nor of any backend's metadata", async () => {
        const run = await bootstrapRun();
        const objects = [
            `${STATE}/dev/.pulumi/meta.yaml`,
            `${STATE}/dev/.pulumi/stacks/scalable-backend/dev.json`,
            `${STATE}/dev/.pulumi/locks/organization/scalable-backend/dev/x.json`,
            `${STATE}/dev/.pulumi/stacks/scalable-backend/tenant-pr-7.json`,
            `${STATE}/dev/.pulumi/locks/organization/scalable-backend/tenant-pr-7/x.json`,
            `${STATE}/.pulumi/stacks/scalable-backend/dev.json`,
        ];
        for (const kind of pullRequestJobKinds()) {
            const policies = Object.values(policiesOf(run, kind));
            for (const resource of objects)
                for (const action of ["s3:PutObject", "s3:DeleteObject"])
                    assert.notEqual(decide(policies, { action, resource }), "Allow", `${kind} ${action} ${resource}`);
        }
    });

    it("references an existing provider instead of creating one, and every role trusts it", async () => {
        const existing = "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com";
        const run = await evaluateBootstrap({
            config: { "scalable-backend-bootstrap:existingOidcProviderArn": existing },
        });
        assert.deepEqual(ofType(run, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"), []);
        for (const kind of JOB_KINDS) assert.deepEqual(trustOf(run, kind), trust(EXPECTED_SUBJECTS[kind], existing));
        assert.equal(run.outputs.oidcProviderArn, existing);
    });

    it("forms the subjects GitHub puts in its tokens, and refuses a trust without one or with a wildcard", () => {
        assert.equal(githubSubject("o/r", { kind: "pull_request" }), "repo:o/r:pull_request");
        assert.equal(githubSubject("o/r", { kind: "environment", name: "prod" }), "repo:o/r:environment:prod");
        assert.equal(githubSubject("o/r", { kind: "ref", ref: "refs/heads/main" }), "repo:o/r:ref:refs/heads/main");
        assert.throws(() => githubTrustPolicy(PROVIDER_ARN, []), /at least one subject/);
        assert.throws(() => githubTrustPolicy(PROVIDER_ARN, ["repo:o/*:pull_request"]), /has a wildcard/);
    });

    describe("matches the workflows' tokens", () => {
        type Workflow = { on: Record<string, unknown>; jobs: Record<string, { environment?: string }> };
        const workflow = (file: string) =>
            yaml.load(fs.readFileSync(path.join(ROOT, ".github", "workflows", file), "utf8")) as Workflow;
        const environments = (w: Workflow) => Object.values(w.jobs).map((j) => j.environment);

        it("previews and review stacks run on pull_request without an environment: the pull_request subject", () => {
            for (const file of ["preview.yml", "review-stack.yml"]) {
                assert.ok("pull_request" in workflow(file).on, file);
                assert.deepEqual([...new Set(environments(workflow(file)))], [undefined], file);
            }
        });

        it("deploys run in the dev or prod environment: the environment subjects", () => {
            const deploy = workflow("deploy.yml");
            assert.deepEqual(environments(deploy), ["${{ github.event_name == 'push' && 'dev' || inputs.stack }}"]);
            assert.deepEqual(Object.keys(deploy.on).sort(), ["push", "workflow_dispatch"]);
        });

        it("drift runs in the drift environment; reaping on a schedule (the default branch, main) without one, tenants in review-tenant", () => {
            assert.ok("schedule" in workflow("drift.yml").on);
            assert.deepEqual(environments(workflow("drift.yml")), ["drift"]);
            assert.ok("schedule" in workflow("reap.yml").on);
            // The cluster and app jobs' roles trust ref:refs/heads/main; the tenant role environment:review-tenant.
            const reap = workflow("reap.yml");
            assert.deepEqual(
                Object.fromEntries(Object.entries(reap.jobs).map(([name, job]) => [name, job.environment])),
                { clusters: undefined, apps: undefined, tenants: "review-tenant" },
            );
        });

        // review-tenant.yml (the tenant layer's job, in the review-tenant environment) comes with the
        // workflows' side of issue 14; until it lands this fails, naming it.
        it("names the job kinds' workflows", () => {
            const files = fs.readdirSync(path.join(ROOT, ".github", "workflows"));
            const missing = JOB_KINDS.flatMap((kind) =>
                JOBS[kind].workflows.filter((file) => !files.includes(file)).map((file) => `${kind}: ${file}`),
            );
            assert.deepEqual(missing, []);
        });

        // The workflows' side of issue 14 (its workflow engineer's) moves them to PULUMI_BACKEND_URL_DEV
        // and _PROD and the review roles' variables; until it lands this fails, naming each variable
        // read but not output (the retired PULUMI_BACKEND_URL, PULUMI_BACKEND_URL_EPHEMERAL) and each
        // output but not read. The expectation is the bootstrap's outputs: adapt the workflows, not this.
        it("reads exactly the role, backend and boundary variables the bootstrap outputs", async () => {
            const read = new Set<string>();
            for (const file of fs.readdirSync(path.join(ROOT, ".github", "workflows")))
                for (const match of fs
                    .readFileSync(path.join(ROOT, ".github", "workflows", file), "utf8")
                    .matchAll(/vars\.((?:AWS|PULUMI|PERMISSIONS)_\w+)/g))
                    read.add(match[1]);
            const provided = Object.keys((await bootstrapRun()).outputs.githubVariables as object);
            assert.deepEqual(
                {
                    readButNotOutput: [...read].filter((name) => !provided.includes(name)).sort(),
                    outputButNotRead: provided.filter((name) => !read.has(name)),
                },
                { readButNotOutput: [], outputButNotRead: [] },
            );
        });
    });
});
