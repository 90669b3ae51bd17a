// The delivery workflows' safety properties, checked structurally (actionlint checks syntax).
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../testing/engine";

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    "runs-on": string;
    env?: Record<string, string>;
    if?: string;
    permissions?: Record<string, string>;
    environment?: string;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    env?: Record<string, string>;
    permissions?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    jobs: Record<string, Job>;
}

const DIR = path.join(ROOT, ".github", "workflows");
const workflows: Record<string, Workflow> = Object.fromEntries(
    fs
        .readdirSync(DIR)
        .filter((f) => f.endsWith(".yml"))
        .map((f) => [f, yaml.load(fs.readFileSync(path.join(DIR, f), "utf8")) as Workflow]),
);
const steps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps);
const uses = (w: Workflow, action: string) => steps(w).filter((s) => s.uses?.startsWith(`${action}@`));
/** The job checks out the PR's base commit (to `dir`, or as the workspace itself). */
const checksOutBase = (job: Job, dir: string | undefined): boolean =>
    job.steps.some(
        (s) =>
            s.uses?.startsWith("actions/checkout@") &&
            s.with?.ref === "${{ github.event.pull_request.base.sha }}" &&
            s.with?.path === dir &&
            s.with?.["persist-credentials"] === false,
    );
const runsPulumi = (step: Step): boolean =>
    step.uses?.startsWith("pulumi/actions@") === true && typeof step.with?.command === "string";

describe("workflows", () => {
    it("exist for CI, plan comments, previews, deploys, drift, review stacks and reaping", () => {
        assert.deepEqual(Object.keys(workflows).sort(), [
            "ci.yml",
            "deploy.yml",
            "drift.yml",
            "plan-comment.yml",
            "preview.yml",
            "reap.yml",
            "review-stack.yml",
        ]);
    });

    it("pin every action to a full commit SHA", () => {
        for (const [file, workflow] of Object.entries(workflows)) {
            for (const step of steps(workflow).filter((s) => s.uses)) {
                assert.match(step.uses!, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${file}: ${step.uses}`);
            }
        }
    });

    it("declare least permissions at the top, and never use pull_request_target", () => {
        for (const [file, workflow] of Object.entries(workflows)) {
            assert.ok(workflow.permissions, `${file} has no top-level permissions`);
            assert.ok(!("pull_request_target" in workflow.on), file);
            assert.ok(!Object.values(workflow.permissions).includes("write-all"), file);
            const writes = Object.entries(workflow.permissions)
                .filter(([, v]) => v === "write")
                .map(([k]) => k);
            for (const scope of writes)
                assert.ok(["id-token", "pull-requests"].includes(scope), `${file} writes ${scope}`);
        }
    });

    it("reach AWS only by OIDC role assumption, never with stored keys", () => {
        for (const [file, workflow] of Object.entries(workflows)) {
            const text = fs.readFileSync(path.join(DIR, file), "utf8");
            assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/, file);
            const aws = uses(workflow, "aws-actions/configure-aws-credentials");
            if (aws.length > 0) {
                assert.equal(workflow.permissions?.["id-token"], "write", file);
                for (const step of aws)
                    assert.match(String(step.with?.["role-to-assume"]), /vars\.AWS_\w+_ROLE_ARN/, file);
            }
        }
    });

    it("keep each stack's state in its backend: dev's for dev and every review stack, prod's for prod only", () => {
        const DEV = "${{ vars.PULUMI_BACKEND_URL_DEV }}";
        // The same condition as the job's runner and role: prod only by dispatch (deploy), or its matrix entry.
        const perStack: Record<string, string> = {
            "deploy.yml/deploy":
                "${{ (github.event_name == 'workflow_dispatch' && inputs.stack == 'prod') && vars.PULUMI_BACKEND_URL_PROD || vars.PULUMI_BACKEND_URL_DEV }}",
            "drift.yml/drift": "${{ matrix.stack == 'prod' && vars.PULUMI_BACKEND_URL_PROD || vars.PULUMI_BACKEND_URL_DEV }}",
        };
        const touching: string[] = [];
        for (const [file, workflow] of Object.entries(workflows)) {
            const text = fs.readFileSync(path.join(DIR, file), "utf8");
            assert.doesNotMatch(text, /PULUMI_BACKEND_URL_EPHEMERAL|vars\.PULUMI_BACKEND_URL\b/, file);
            for (const [name, job] of Object.entries(workflow.jobs)) {
                for (const step of job.steps)
                    assert.ok(!("PULUMI_BACKEND_URL" in (step.env ?? {})), `${file}/${name}: set per job, not per step`);
                const touches = job.steps.some((s) => runsPulumi(s) || /npm run -s stack -- /.test(s.run ?? ""));
                if (!touches) continue;
                touching.push(`${file}/${name}`);
                const url = job.env?.PULUMI_BACKEND_URL ?? workflow.env?.PULUMI_BACKEND_URL;
                assert.equal(url, perStack[`${file}/${name}`] ?? DEV, `${file}/${name}`);
            }
        }
        assert.deepEqual(
            Object.keys(perStack).filter((job) => !touching.includes(job)),
            [],
            "the per-stack jobs still touch their stacks",
        );
        assert.equal(
            String(workflows["deploy.yml"].jobs.deploy["runs-on"]).split(" && vars.")[0],
            perStack["deploy.yml/deploy"].split(" && vars.")[0],
            "deploy picks the backend as it picks the prod runner",
        );
    });

    it("post the fork-safe plan diff from a workflow_run that never checks out code", () => {
        const comment = workflows["plan-comment.yml"];
        assert.deepEqual(Object.keys(comment.on), ["workflow_run"]);
        assert.equal(uses(comment, "actions/checkout").length, 0);
        assert.ok(
            steps(comment).every((s) => !s.run),
            "no shell steps that could run artifact contents",
        );
        assert.deepEqual(comment.permissions, { actions: "read", "pull-requests": "write" });
        const ci = workflows["ci.yml"];
        assert.deepEqual(ci.permissions, { contents: "read" }, "the PR run gets no write token and no secrets");
        assert.ok(!fs.readFileSync(path.join(DIR, "ci.yml"), "utf8").includes("secrets."), "no secrets in the PR run");
        assert.ok(steps(ci).some((s) => s.run?.includes("npm run -s plan:diff -- --base ../base --pr .")));
    });

    it("edit PR comments in place instead of adding new ones", () => {
        for (const file of ["plan-comment.yml", "review-stack.yml"]) {
            const scripts = steps(workflows[file])
                .filter((s) => s.uses?.startsWith("actions/github-script@"))
                .map((s) => String(s.with?.script));
            assert.ok(
                scripts.length > 0 &&
                    scripts.every((s) => s.includes("updateComment") && s.includes("<!-- scalable-backend:")),
                file,
            );
        }
        for (const step of uses(workflows["preview.yml"], "pulumi/actions"))
            assert.equal(step.with?.["edit-pr-comment"], true);
    });

    it("give every job that changes a stack one concurrency group per stack, never cancelled mid-update", () => {
        for (const [file, workflow] of Object.entries(workflows)) {
            for (const [name, job] of Object.entries(workflow.jobs)) {
                const changes = job.steps.some(
                    (s) =>
                        (runsPulumi(s) && ["up", "destroy", "refresh"].includes(String(s.with?.command))) ||
                        /npm run -s stack -- (create|destroy|reap)/.test(s.run ?? ""),
                );
                if (!changes) continue;
                const concurrency = job.concurrency ?? workflow.concurrency;
                assert.ok(concurrency, `${file}/${name} has no concurrency group`);
                assert.match(concurrency.group, /pulumi-|reap-/, `${file}/${name}`);
                assert.equal(concurrency["cancel-in-progress"], false, `${file}/${name}`);
            }
        }
    });

    it("deploy dev on main with a converged second preview, and prod only by dispatch through its environment", () => {
        const deploy = workflows["deploy.yml"];
        assert.deepEqual(Object.keys(deploy.on).sort(), ["push", "workflow_dispatch"]);
        const job = deploy.jobs.deploy;
        assert.match(String(job.environment), /inputs\.stack/);
        assert.match(job["runs-on"], /vars\.PROD_RUNNER_LABEL/);
        assert.equal(job.if, "github.ref == 'refs/heads/main'", "a dispatch from another branch reaches no role");
        const pulumi = job.steps.filter(runsPulumi);
        assert.deepEqual(
            pulumi.map((s) => s.with?.command),
            ["preview", "up", "preview"],
        );
        assert.equal(pulumi[2].with?.["expect-no-changes"], true);
        assert.deepEqual(
            pulumi.slice(0, 2).map((s) => s.with?.policyPacks),
            ["policy", "policy"],
        );
    });

    it("preview dev only on PRs, read-only: no refresh, judged by the base branch's pack", () => {
        const preview = workflows["preview.yml"];
        assert.deepEqual(Object.keys(preview.jobs), ["preview-dev"]);
        const job = preview.jobs["preview-dev"];
        assert.match(String(job.if), /head\.repo\.full_name == github\.repository/);
        assert.equal(job["runs-on"], "ubuntu-latest");
        const step = job.steps.find(runsPulumi)!;
        assert.deepEqual(
            [
                step.with?.command,
                step.with?.["stack-name"],
                step.with?.diff,
                step.with?.refresh,
                step.with?.policyPacks,
                step.with?.["comment-on-pr"],
            ],
            ["preview", "dev", true, false, ".base/policy", true],
        );
        assert.ok(checksOutBase(job, ".base"), "the base branch's pack is checked out to .base");
        assert.deepEqual(
            uses(preview, "aws-actions/configure-aws-credentials").map((s) => s.with?.["role-to-assume"]),
            ["${{ vars.AWS_PREVIEW_ROLE_ARN_DEV }}"],
        );
    });

    it("never give a pull request's code a prod role, a prod runner or a prod secret", () => {
        const untrusted = Object.entries(workflows).filter(([, w]) =>
            ["pull_request", "pull_request_target", "workflow_run"].some((event) => event in w.on),
        );
        assert.deepEqual(untrusted.map(([file]) => file).sort(), [
            "ci.yml",
            "plan-comment.yml",
            "preview.yml",
            "review-stack.yml",
        ]);
        for (const [file] of untrusted) {
            const text = fs.readFileSync(path.join(DIR, file), "utf8");
            assert.doesNotMatch(text, /_PROD\b|PROD_RUNNER|environment:/i, file);
            const secrets = [...text.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]);
            assert.deepEqual(
                [...new Set(secrets)].filter((name) => name !== "PULUMI_PR_ACCESS_TOKEN"),
                [],
                `${file}: only the PR-scoped Pulumi token`,
            );
            for (const job of Object.values(workflows[file].jobs))
                assert.equal(job["runs-on"], "ubuntu-latest", `${file}: GitHub-hosted runners only`);
            for (const step of uses(workflows[file], "aws-actions/configure-aws-credentials"))
                assert.ok(
                    ["${{ vars.AWS_PREVIEW_ROLE_ARN_DEV }}", "${{ vars.AWS_EPHEMERAL_ROLE_ARN }}"].includes(
                        String(step.with?.["role-to-assume"]),
                    ),
                    `${file}: ${step.with?.["role-to-assume"]}`,
                );
        }
    });

    it("scope every secret to the step that needs it; org-wide tokens only inside an environment", () => {
        for (const [file, workflow] of Object.entries(workflows)) {
            const text = fs.readFileSync(path.join(DIR, file), "utf8");
            assert.doesNotMatch(text, /PULUMI_CONFIG_PASSPHRASE/, `${file}: stacks have KMS secrets providers`);
            assert.ok(!JSON.stringify(workflow.env ?? {}).includes("secrets."), `${file}: workflow env`);
            for (const [name, job] of Object.entries(workflow.jobs)) {
                assert.ok(!JSON.stringify(job.env ?? {}).includes("secrets."), `${file}/${name}: job env`);
                const usesOrgToken = job.steps.some((s) =>
                    JSON.stringify(s.env ?? {}).includes("secrets.PULUMI_ACCESS_TOKEN"),
                );
                // Environment secrets reach only jobs of that environment (deployment branch main).
                if (usesOrgToken)
                    assert.ok(job.environment, `${file}/${name}: PULUMI_ACCESS_TOKEN outside an environment`);
            }
        }
    });

    it("run CI on Node 24 with npm 11.19.1, which honours allowScripts, before any npm ci", () => {
        for (const [file, workflow] of Object.entries(workflows)) {
            for (const [name, job] of Object.entries(workflow.jobs)) {
                const setup = job.steps.findIndex((s) => s.uses?.startsWith("actions/setup-node@"));
                if (setup < 0) continue;
                assert.equal(job.steps[setup].with?.["node-version"], 24, `${file}/${name}`);
                const pin = job.steps.findIndex((s) => s.run === "npm install -g npm@11.19.1");
                const install = job.steps.findIndex((s) => /\bnpm ci\b/.test(s.run ?? ""));
                assert.ok(pin > setup && pin < install, `${file}/${name}: npm pinned after setup-node, before npm ci`);
            }
        }
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.match(readme, /npm 11\.19\.1/);
    });

    it("run the base branch's policy pack offline on the PR's plans, and hold new mandatory findings", () => {
        const job = workflows["ci.yml"].jobs["plan-diff"];
        const diff = job.steps.find((s) => s.run?.includes("npm run -s plan:diff"))!;
        assert.match(diff.run!, /\(cd pr && npm run -s plan:diff -- --base \.\.\/base --pr \. --out \.\.\/plan-diff\)/);
        assert.equal(diff.env?.PR_NUMBER, "${{ github.event.pull_request.number }}");
        // What the command runs (tests/plan-diff.test.ts runs it): the base's runner judges both sides.
        const tool = fs.readFileSync(path.join(ROOT, "tools", "plan-diff.ts"), "utf8");
        assert.match(tool, /npmRun\(args\.base, "policy:offline", \[records\]\)/);
        assert.match(tool, /failed or does not exist on \$\{side\}\)/, "a failed plan keeps its output");
        const names = job.steps.map((s) => s.name ?? s.uses ?? "");
        assert.ok(
            names.findIndex((n) => n === "No new mandatory finding") >
                names.findIndex((n) => n.startsWith("actions/upload-artifact@")),
            "the artifact is uploaded before the check can fail",
        );
        assert.match(
            job.steps.find((s) => s.name === "No new mandatory finding")!.run!,
            /-s plan-diff\/new-mandatory\.txt/,
        );
    });

    it("post the plan comment only after a finished run, from regular files, with mentions neutralised", () => {
        const job = workflows["plan-comment.yml"].jobs.comment;
        assert.match(
            String(job.if),
            /workflow_run\.conclusion == 'success' \|\| github\.event\.workflow_run\.conclusion == 'failure'/,
        );
        const script = String(job.steps.find((s) => s.uses?.startsWith("actions/github-script@"))!.with?.script);
        assert.match(script, /lstatSync\(.*\)[\s\S]*isFile\(\)/);
        assert.ok(script.includes('.replace(/@/g, "@\\u200b")'), "every @ gets a zero-width space");
        assert.match(script, /Computed by the code of this pull request/);
        assert.match(script, /never as a review or an approval/);
    });

    it("detect drift daily with refresh + preview that expects no changes", () => {
        const drift = workflows["drift.yml"];
        assert.ok("schedule" in drift.on);
        assert.equal(drift.jobs.drift.environment, "drift", "the drift role trusts environment:drift");
        assert.equal(drift.jobs.drift.if, "github.ref == 'refs/heads/main'");
        const step = drift.jobs.drift.steps.find(runsPulumi)!;
        assert.deepEqual(
            [step.with?.command, step.with?.refresh, step.with?.["expect-no-changes"]],
            ["preview", true, true],
        );
    });

    it("create review stacks on the label, destroy them on close or unlabel, and reap on a schedule", () => {
        const review = workflows["review-stack.yml"];
        assert.match(
            String(review.jobs.up.if),
            /contains\(github\.event\.pull_request\.labels\.\*\.name, 'review-stack'\)/,
        );
        assert.match(String(review.jobs.down.if), /github\.event\.action == 'closed'/);
        assert.match(String(review.jobs.down.if), /github\.event\.label\.name == 'review-stack'/);
        const create = review.jobs.up.steps.find((s) => s.run?.includes('npm run -s stack -- create "$STACK"'))!;
        assert.match(create.run!, /--permissions-boundary "\$BOUNDARY" --policy-pack \.base\/policy/);
        assert.equal(create.env?.BOUNDARY, "${{ vars.PERMISSIONS_BOUNDARY_ARN }}");
        assert.ok(checksOutBase(review.jobs.up, ".base"));
        const down = review.jobs.down.steps.find((s) => s.run?.includes('npm run -s stack -- destroy "$STACK"'))!;
        assert.match(down.run!, /^ *stacks=\$\(npm run -s stack -- list\)$/m, "a failing list fails the job");
        assert.ok(checksOutBase(review.jobs.down, undefined), "the base branch's tool destroys");
        assert.ok(
            review.jobs.down.steps.filter((s) => s.uses?.startsWith("actions/checkout@")).length === 1,
            "no PR code in the teardown",
        );
        assert.ok("schedule" in workflows["reap.yml"].on);
        assert.ok(workflows["reap.yml"].jobs.reap.steps.some((s) => s.run?.includes("npm run -s stack -- reap")));
    });
});
