// The delivery workflows' safety properties, checked structurally (actionlint checks syntax).
import * as assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../testing/engine";

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
}
interface Job {
    "runs-on": string;
    if?: string;
    permissions?: Record<string, string>;
    environment?: string;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
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
        assert.ok(steps(ci).some((s) => s.run?.includes('npm run -s plan -- "$stack"')));
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
        const pulumi = job.steps.filter(runsPulumi);
        assert.deepEqual(
            pulumi.map((s) => s.with?.command),
            ["up", "preview"],
        );
        assert.equal(pulumi[1].with?.["expect-no-changes"], true);
        assert.equal(pulumi[0].with?.policyPacks, "policy");
    });

    it("run previews with the policy pack, only for same-repository PRs", () => {
        const preview = workflows["preview.yml"].jobs.preview;
        assert.match(String(preview.if), /head\.repo\.full_name == github\.repository/);
        const step = preview.steps.find(runsPulumi)!;
        assert.deepEqual(
            [step.with?.command, step.with?.diff, step.with?.policyPacks, step.with?.["comment-on-pr"]],
            ["preview", true, "policy", true],
        );
    });

    it("detect drift daily with refresh + preview that expects no changes", () => {
        const drift = workflows["drift.yml"];
        assert.ok("schedule" in drift.on);
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
        assert.ok(review.jobs.up.steps.some((s) => s.run?.includes('npm run -s stack -- create "$STACK"')));
        assert.ok(review.jobs.down.steps.some((s) => s.run?.includes('npm run -s stack -- destroy "$STACK"')));
        assert.ok("schedule" in workflows["reap.yml"].on);
        assert.ok(workflows["reap.yml"].jobs.reap.steps.some((s) => s.run?.includes("npm run -s stack -- reap")));
    });
});

describe("workflows: the plan diff script", () => {
    const script = path.join(ROOT, "tools", "plan-diff.sh");

    function checkout(dir: string, files: Record<string, string>): void {
        for (const [file, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), text);
        }
    }

    it("reports changes with a diff, no changes plainly, and a missing base plan, under bash -e", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
        try {
            checkout(path.join(tmp, "base"), { "out/dev/plan.json": '{"a": 1}\n', "out/prod/plan.json": '{"b": 1}\n' });
            checkout(path.join(tmp, "pr"), { "out/dev/plan.json": '{"a": 2}\n', "out/prod/plan.json": '{"b": 1}\n' });
            checkout(path.join(tmp, "plan-diff"), {
                "pr-dev.txt": 'x\n77 resources for stack "dev"\n',
                "base-dev.txt": '76 resources for stack "dev"\n',
                "pr-prod.txt": '87 resources for stack "prod"\n',
            });
            execFileSync("bash", ["-e", script, "base", "pr", "plan-diff"], { cwd: tmp });
            const comment = fs.readFileSync(path.join(tmp, "plan-diff", "comment.md"), "utf8");
            assert.match(comment, /#### `dev`: changes \(76 resources → 77 resources\)/);
            assert.match(comment, /-\{"a": 1\}\n\+\{"a": 2\}/);
            assert.match(comment, /#### `prod`: no changes \(87 resources\)/);

            fs.rmSync(path.join(tmp, "base"), { recursive: true });
            fs.writeFileSync(
                path.join(tmp, "plan-diff", "base-dev.txt"),
                "(no plan: `npm run plan -- dev` failed or does not exist on base)\n",
            );
            execFileSync("bash", [script, "base", "pr", "plan-diff"], {
                cwd: tmp,
                env: { ...process.env, PLAN_DIFF_LIMIT: "10" },
            });
            const first = fs.readFileSync(path.join(tmp, "plan-diff", "comment.md"), "utf8");
            assert.match(first, /#### `dev`: changes \(no plan → 77 resources\)/);
            assert.match(first, /\.\.\. \(truncated; the whole diff is in the plan-diff artifact\)/);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("is what ci.yml runs", () => {
        assert.ok(
            steps(workflows["ci.yml"]).some((s) => s.run?.includes("bash pr/tools/plan-diff.sh base pr plan-diff")),
        );
    });
});
