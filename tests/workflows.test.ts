// The delivery workflows' safety properties, checked structurally (actionlint checks syntax).
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
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
    needs?: string | string[];
    "timeout-minutes"?: number;
    outputs?: Record<string, string>;
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
const roleOf = (job: Job): string[] =>
    job.steps
        .filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))
        .map((s) => String(s.with?.["role-to-assume"]));
const stepRunning = (job: Job, text: string): Step => {
    const found = job.steps.filter((s) => s.run?.includes(text));
    assert.equal(found.length, 1, `one step runs ${text}`);
    return found[0];
};

interface ScriptRun {
    readonly code: number | null;
    readonly stdout: string;
    /** Every `npm` command line the script ran, in order. */
    readonly npm: string[];
    /** What it wrote to $GITHUB_OUTPUT. */
    readonly outputs: Record<string, string>;
}

/**
 * Runs a step's script as `shell: bash` does (bash -e -o pipefail), with a fake `npm` on PATH that
 * records its arguments and answers `npm run -s stack -- list` with `lists` in turn (the last one
 * repeated; `null`: the list fails).
 */
function runScript(script: string, env: Record<string, string>, lists: readonly (string | null)[]): ScriptRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-step-"));
    try {
        lists.forEach((list, i) => fs.writeFileSync(path.join(dir, `list-${i + 1}`), list ?? "FAIL"));
        fs.writeFileSync(
            path.join(dir, "npm"),
            [
                "#!/bin/bash",
                'echo "$*" >> "$FAKE/calls"',
                'if [ "$*" = "run -s stack -- list" ]; then',
                '  n=$(grep -cx "run -s stack -- list" "$FAKE/calls")',
                `  [ -f "$FAKE/list-$n" ] || n=${lists.length}`,
                '  if [ "$(cat "$FAKE/list-$n")" = FAIL ]; then echo "list failed" >&2; exit 1; fi',
                '  cat "$FAKE/list-$n"',
                "fi",
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(dir, "calls"), "");
        fs.writeFileSync(path.join(dir, "outputs"), "");
        fs.writeFileSync(path.join(dir, "step.sh"), script);
        const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", path.join(dir, "step.sh")], {
            env: {
                PATH: `${dir}:${process.env.PATH}`,
                FAKE: dir,
                GITHUB_OUTPUT: path.join(dir, "outputs"),
                ...env,
            },
            encoding: "utf8",
            timeout: 20000,
        });
        const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
        return {
            code: result.status,
            stdout: result.stdout,
            npm: read("calls").split("\n").filter(Boolean),
            outputs: Object.fromEntries(
                read("outputs")
                    .split("\n")
                    .filter(Boolean)
                    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
            ),
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A line of `npm run stack -- list`: the stack's name first, tab-separated fields after it. */
const listed = (...lines: string[][]): string => lines.map((fields) => `${fields.join("\t")}\n`).join("");

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
            "review-tenant.yml",
        ]);
    });

    it("pin every action to a full commit SHA", () => {
        for (const [file, workflow] of Object.entries(workflows)) {
            for (const step of steps(workflow).filter((s) => s.uses)) {
                assert.match(step.uses!, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${file}: ${step.uses}`);
            }
        }
    });

    it("declare least permissions at the top, and use pull_request_target only where no PR code is checked out", () => {
        assert.deepEqual(
            Object.keys(workflows).filter((file) => "pull_request_target" in workflows[file].on),
            ["review-tenant.yml"],
        );
        for (const [file, workflow] of Object.entries(workflows)) {
            assert.ok(workflow.permissions, `${file} has no top-level permissions`);
            assert.ok(!Object.values(workflow.permissions).includes("write-all"), file);
            for (const permissions of [
                workflow.permissions,
                ...Object.values(workflow.jobs).map((j) => j.permissions),
            ]) {
                assert.ok(!Object.values(permissions ?? {}).includes("write-all"), file);
                const writes = Object.entries(permissions ?? {})
                    .filter(([, v]) => v === "write")
                    .map(([k]) => k);
                for (const scope of writes)
                    assert.ok(["id-token", "pull-requests"].includes(scope), `${file} writes ${scope}`);
            }
        }
    });

    it("reach AWS only by OIDC role assumption, never with stored keys", () => {
        for (const [file, workflow] of Object.entries(workflows)) {
            const text = fs.readFileSync(path.join(DIR, file), "utf8");
            assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/, file);
            for (const [name, job] of Object.entries(workflow.jobs)) {
                const aws = job.steps.filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                if (aws.length === 0) continue;
                assert.equal((job.permissions ?? workflow.permissions)?.["id-token"], "write", `${file}/${name}`);
                for (const step of aws)
                    assert.match(String(step.with?.["role-to-assume"]), /vars\.AWS_\w+_ROLE_ARN/, `${file}/${name}`);
            }
        }
    });

    it("keep each stack's state in its backend: dev's for dev and every review stack, prod's for prod only", () => {
        const DEV = "${{ vars.PULUMI_BACKEND_URL_DEV }}";
        // The same condition as the job's runner and role: prod only by dispatch (deploy), or its matrix entry.
        const perStack: Record<string, string> = {
            "deploy.yml/deploy":
                "${{ (github.event_name == 'workflow_dispatch' && inputs.stack == 'prod') && vars.PULUMI_BACKEND_URL_PROD || vars.PULUMI_BACKEND_URL_DEV }}",
            "drift.yml/drift":
                "${{ matrix.stack == 'prod' && vars.PULUMI_BACKEND_URL_PROD || vars.PULUMI_BACKEND_URL_DEV }}",
        };
        const touching: string[] = [];
        for (const [file, workflow] of Object.entries(workflows)) {
            const text = fs.readFileSync(path.join(DIR, file), "utf8");
            assert.doesNotMatch(text, /PULUMI_BACKEND_URL_EPHEMERAL|vars\.PULUMI_BACKEND_URL\b/, file);
            for (const [name, job] of Object.entries(workflow.jobs)) {
                for (const step of job.steps)
                    assert.ok(
                        !("PULUMI_BACKEND_URL" in (step.env ?? {})),
                        `${file}/${name}: set per job, not per step`,
                    );
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
        // review-tenant.yml (pull_request_target) runs main's code only: its own test below.
        const untrusted = Object.entries(workflows).filter(([, w]) =>
            ["pull_request", "workflow_run"].some((event) => event in w.on),
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
                    [
                        "${{ vars.AWS_PREVIEW_ROLE_ARN_DEV }}",
                        "${{ vars.AWS_EPHEMERAL_ROLE_ARN }}",
                        "${{ vars.AWS_REVIEW_APP_ROLE_ARN }}",
                    ].includes(String(step.with?.["role-to-assume"])),
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
        assert.match(tool, /runScript\(args\.base, "policy:offline", \[records\]\)/);
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

    it("reap from main on a schedule: clusters and apps each with their role, then tenants in their environment", () => {
        const reap = workflows["reap.yml"];
        assert.deepEqual(Object.keys(reap.on).sort(), ["schedule", "workflow_dispatch"]);
        assert.equal(reap.env?.DRY_RUN, "${{ inputs.dry-run && '--dry-run' || '' }}");
        const { clusters, apps, tenants } = reap.jobs;
        assert.deepEqual(Object.keys(reap.jobs), ["clusters", "apps", "tenants"]);
        const expected: [Job, string, string][] = [
            [clusters, "${{ vars.AWS_EPHEMERAL_ROLE_ARN }}", "npm run -s stack -- reap --placement cluster $DRY_RUN"],
            [
                apps,
                "${{ vars.AWS_REVIEW_APP_ROLE_ARN }}",
                "npm run -s stack -- reap --placement shared --layer app $DRY_RUN",
            ],
            [tenants, "${{ vars.AWS_REVIEW_TENANT_ROLE_ARN }}", "npm run -s stack -- reap --layer tenant $DRY_RUN"],
        ];
        for (const [job, role, reaps] of expected) {
            assert.deepEqual(roleOf(job), [role]);
            assert.equal(stepRunning(job, "npm run -s stack --").run, reaps);
            assert.match(String(job.if), /github\.ref == 'refs\/heads\/main'/, reaps);
        }
        assert.deepEqual(
            [clusters.environment, apps.environment, tenants.environment],
            [undefined, undefined, "review-tenant"],
        );
        // After the apps, whatever their outcome: the tool keeps a namespace an app still runs in.
        assert.equal(tenants.needs, "apps");
        assert.equal(tenants.if, "${{ !cancelled() && github.ref == 'refs/heads/main' }}");
        assert.deepEqual([clusters.needs, apps.needs], [undefined, undefined]);
    });

    describe("review-stack.yml: one review stack per PR, placed by its label", () => {
        const review = workflows["review-stack.yml"];
        const APP_ROLE = "${{ vars.AWS_REVIEW_APP_ROLE_ARN }}";
        const EPHEMERAL_ROLE = "${{ vars.AWS_EPHEMERAL_ROLE_ARN }}";
        /** A step's script with its continuation lines joined: the command as the shell reads it. */
        const command = (job: Job, text: string) => stepRunning(job, text).run!.replace(/ *\\\n */g, " ");
        const checkouts = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("actions/checkout@"));

        it("has a job to read what exists, one per placement to destroy and to create, and one to comment", () => {
            assert.deepEqual(Object.keys(review.jobs), [
                "state",
                "both-labels",
                "down-app",
                "down-cluster",
                "app",
                "cluster",
                "comment",
            ]);
            assert.deepEqual(review.on, {
                pull_request: { types: ["labeled", "unlabeled", "synchronize", "reopened", "closed"] },
            });
            assert.deepEqual(review.permissions, { contents: "read" });
            assert.equal(review.env?.PR, "${{ github.event.pull_request.number }}");
            assert.deepEqual(review.concurrency, {
                group: "pulumi-eph-pr-${{ github.event.pull_request.number }}",
                "cancel-in-progress": false,
            });
        });

        it("review-stack: the app layer only, with the review-app role, the base branch's pack and no boundary", () => {
            const { app } = review.jobs;
            assert.deepEqual(roleOf(app), [APP_ROLE]);
            assert.equal(
                command(app, "npm run -s stack -- create"),
                'npm run -s stack -- create "pr-$PR" --layer app --ttl 72h --owner "$OWNER" --policy-pack .base/policy --summary "$RUNNER_TEMP/summary.json"\n' +
                    "# Its known fields only, on one line: the comment job reads them as data.\n" +
                    "summary=$(jq -c '{stack, placement, namespace, portForward, url, expiresAt, hourlyUsd}' \"$RUNNER_TEMP/summary.json\")\n" +
                    'echo "summary=$summary" >> "$GITHUB_OUTPUT"\n',
            );
            assert.ok(checksOutBase(app, ".base"), "the base branch's pack is checked out to .base");
            assert.deepEqual(app.outputs, { summary: "${{ steps.create.outputs.summary }}" });
        });

        it("review-cluster: the cluster placement, with the ephemeral role, the boundary and the base branch's pack", () => {
            const { cluster } = review.jobs;
            assert.deepEqual(roleOf(cluster), [EPHEMERAL_ROLE]);
            const create = stepRunning(cluster, "npm run -s stack -- create");
            assert.match(
                command(cluster, "npm run -s stack -- create"),
                /^npm run -s stack -- create "pr-\$PR" --placement cluster --ttl 72h --owner "\$OWNER" --permissions-boundary "\$BOUNDARY" --policy-pack \.base\/policy --summary "\$RUNNER_TEMP\/summary\.json"\n/,
            );
            assert.equal(create.env?.BOUNDARY, "${{ vars.PERMISSIONS_BOUNDARY_ARN }}");
            assert.ok(checksOutBase(cluster, ".base"));
            const names = cluster.steps.map((s) => s.name);
            assert.ok(
                names.indexOf("Wait for a shared placement's namespace to be gone") <
                    names.indexOf("Create or update the cluster stack"),
                "the namespace of a swapped-out shared placement goes first",
            );
        });

        it("tears down from the base branch's checkout: the app layer with its role, the cluster with the ephemeral role", () => {
            const { "down-app": downApp, "down-cluster": downCluster, state } = review.jobs;
            assert.deepEqual(roleOf(downApp), [APP_ROLE]);
            assert.equal(
                stepRunning(downApp, "npm run -s stack --").run,
                'npm run -s stack -- destroy "eph-pr-$PR" --layer app',
            );
            assert.deepEqual(roleOf(downCluster), [EPHEMERAL_ROLE]);
            assert.equal(
                stepRunning(downCluster, "npm run -s stack --").run,
                'npm run -s stack -- destroy "eph-pr-$PR"',
            );
            assert.deepEqual(roleOf(state), [APP_ROLE], "the least of the two roles reads the list");
            for (const [name, job] of Object.entries({ state, downApp, downCluster })) {
                assert.ok(checksOutBase(job, undefined), `${name}: the base branch's tool`);
                assert.equal(checkouts(job).length, 1, `${name}: no PR code`);
            }
        });

        it("destroys only a placement the labels no longer ask for, and creates only after it is gone", () => {
            const { jobs } = review;
            assert.equal(jobs["down-app"].needs, "state");
            assert.equal(
                jobs["down-app"].if,
                "needs.state.outputs.placement == 'shared' && (needs.state.outputs.want == 'none' || needs.state.outputs.want == 'cluster')",
            );
            assert.equal(jobs["down-cluster"].needs, "state");
            assert.equal(
                jobs["down-cluster"].if,
                "needs.state.outputs.placement == 'cluster' && (needs.state.outputs.want == 'none' || needs.state.outputs.want == 'shared')",
            );
            for (const [job, want, down] of [
                ["app", "shared", "down-cluster"],
                ["cluster", "cluster", "down-app"],
            ]) {
                assert.deepEqual(jobs[job].needs, ["state", down], job);
                assert.equal(
                    jobs[job].if,
                    `!cancelled() && needs.state.result == 'success' && needs.state.outputs.want == '${want}' && ` +
                        `(needs.${down}.result == 'success' || needs.${down}.result == 'skipped')`,
                    job,
                );
            }
            // Forks get none of it: every credentialed job hangs off `state`, which is same-repository only.
            assert.match(
                String(jobs.state.if),
                /^github\.event\.pull_request\.head\.repo\.full_name == github\.repository &&/,
            );
            assert.match(
                String(jobs["both-labels"].if),
                /^github\.event\.pull_request\.head\.repo\.full_name == github\.repository &&/,
            );
            assert.deepEqual(roleOf(jobs["both-labels"]), []);
            assert.deepEqual(jobs["both-labels"].permissions, {});
            for (const label of ["review-stack", "review-cluster"])
                assert.ok(String(jobs.state.if).includes(`github.event.label.name == '${label}'`), label);
        });

        it("gives a job that runs the PR's code no write token", () => {
            for (const [name, job] of Object.entries(review.jobs)) {
                const prCode = checkouts(job).some((s) => s.with?.ref === undefined);
                if (prCode) assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" }, name);
            }
            assert.deepEqual(
                Object.entries(review.jobs)
                    .filter(
                        ([, job]) =>
                            Object.values(job.permissions ?? {}).includes("write") &&
                            job.permissions?.["pull-requests"],
                    )
                    .map(([name]) => name),
                ["comment"],
            );
        });

        describe("the state step, run with a fake npm", () => {
            const step = stepRunning(review.jobs.state, "npm run -s stack -- list");
            const state = (
                list: string | null,
                { action = "synchronize", shared = false, cluster = false, prState = "open" } = {},
            ) =>
                runScript(
                    step.run!,
                    {
                        PR: "7",
                        ACTION: action,
                        PR_STATE: prState,
                        SHARED_LABEL: String(shared),
                        CLUSTER_LABEL: String(cluster),
                    },
                    [list],
                );
            const shared = listed(
                ["eph-pr-7", "shared", "owner=alice"],
                ["tenant-pr-7", "shared"],
                ["eph-pr-71", "cluster"],
            );
            const cluster = listed(["eph-pr-7", "placement=cluster", "owner=alice"]);

            it("reads the placement of eph-pr-<n> (a bare field or placement=), none when it is not listed", () => {
                assert.deepEqual(state(shared, { shared: true }).outputs, { placement: "shared", want: "shared" });
                assert.deepEqual(state(cluster, { cluster: true }).outputs, { placement: "cluster", want: "cluster" });
                assert.deepEqual(state(listed(["eph-pr-71", "shared"]), { shared: true }).outputs, {
                    placement: "none",
                    want: "shared",
                });
                assert.deepEqual(state("No ephemeral stacks.\n", { cluster: true }).outputs, {
                    placement: "none",
                    want: "cluster",
                });
            });

            it("asks for none when the PR is closed or has neither label, and for both when it has both", () => {
                assert.equal(state(shared, { action: "closed", shared: true }).outputs.want, "none");
                assert.equal(
                    state(shared, { action: "labeled", shared: true, prState: "closed" }).outputs.want,
                    "none",
                );
                assert.equal(state(shared, { action: "unlabeled" }).outputs.want, "none");
                assert.equal(state(shared, { action: "labeled", shared: true, cluster: true }).outputs.want, "both");
                assert.equal(state(shared, { action: "unlabeled", cluster: true }).outputs.want, "cluster");
            });

            it("changes nothing when eph-pr-<n> has no placement it knows, or the list fails", () => {
                const unknown = state(listed(["eph-pr-7", "owner=alice"]), { shared: true });
                assert.equal(unknown.code, 1);
                assert.deepEqual(unknown.outputs, {});
                assert.match(
                    unknown.stdout,
                    /^::error title=eph-pr-7::The stack list shows eph-pr-7 without a placement/m,
                );
                const failed = state(null, { shared: true });
                assert.notEqual(failed.code, 0);
                assert.deepEqual(failed.outputs, {});
            });
        });

        describe("the cluster job's wait for a shared placement's namespace, run with a fake npm", () => {
            const step = stepRunning(review.jobs.cluster, "tenant-pr-$PR");
            assert.deepEqual([step.env?.POLL_SECONDS, step.env?.WAIT_SECONDS], [30, 1200]);
            const wait = (lists: (string | null)[], seconds = "60") =>
                runScript(step.run!, { PR: "7", POLL_SECONDS: "0", WAIT_SECONDS: seconds }, lists);
            const LIST = "run -s stack -- list";
            const tenantStack = ["tenant-pr-7", "shared"];

            it("waits while tenant-pr-<n> exists, and not at all when it does not", () => {
                const swapped = wait([listed(tenantStack), listed(tenantStack), listed(["tenant-pr-71", "shared"])]);
                assert.equal(swapped.code, 0);
                assert.deepEqual(swapped.npm, [LIST, LIST, LIST]);
                assert.deepEqual(wait([listed(["eph-pr-7", "cluster"])]).npm, [LIST]);
            });

            it("fails after the wait saying what to do, and when the list fails", () => {
                const kept = wait([listed(tenantStack)], "0");
                assert.equal(kept.code, 1);
                assert.match(
                    kept.stdout,
                    /^::error title=tenant-pr-7::The tenant layer tenant-pr-7 .* re-run review-tenant\.yml's destroy job/m,
                );
                assert.notEqual(wait([null]).code, 0);
            });
        });

        describe("the comment, its script run with a fake GitHub", () => {
            const job = review.jobs.comment;
            const step = job.steps[0];
            const MARKER = "<!-- scalable-backend:review-stack -->";
            interface Posted {
                readonly created: string[];
                readonly updated: { id: number; body: string }[];
            }
            async function post(placement: string, summary: unknown, existing: { id: number; body: string }[] = []) {
                const posted: Posted = { created: [], updated: [] };
                const github = {
                    paginate: async () => existing.map((c) => ({ ...c, user: { type: "Bot" } })),
                    rest: {
                        issues: {
                            listComments: {},
                            createComment: async ({ body }: { body: string }) => void posted.created.push(body),
                            updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) =>
                                void posted.updated.push({ id: comment_id, body }),
                        },
                    },
                };
                const context = {
                    repo: { owner: "acme", repo: "shop" },
                    payload: { pull_request: { number: 7, head: { sha: "0123456789abcdef" } } },
                };
                const core = { warning: () => undefined };
                const env = {
                    PLACEMENT: placement,
                    SUMMARY: typeof summary === "string" ? summary : JSON.stringify(summary),
                };
                const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
                await new AsyncFunction("github", "context", "core", "process", String(step.with?.script))(
                    github,
                    context,
                    core,
                    { env },
                );
                return posted;
            }

            it("runs no code of the PR: no checkout, no shell, only a write token for comments", () => {
                assert.deepEqual(job.permissions, { "pull-requests": "write" });
                assert.deepEqual(
                    job.steps.map((s) => s.uses?.split("@")[0]),
                    ["actions/github-script"],
                );
                assert.deepEqual(job.needs, ["app", "cluster", "down-app", "down-cluster"]);
                assert.deepEqual(step.env, {
                    SUMMARY: "${{ needs.app.outputs.summary || needs.cluster.outputs.summary }}",
                    PLACEMENT:
                        "${{ needs.cluster.result == 'success' && 'cluster' || needs.app.result == 'success' && 'shared' || '' }}",
                });
            });

            it("gives the port-forward command, the namespace, the expiry and the hourly cost of a shared stack", async () => {
                const posted = await post("shared", {
                    stack: "eph-pr-7",
                    placement: "shared",
                    namespace: "eph-pr-7",
                    portForward: "kubectl -n eph-pr-7 port-forward svc/backend 8080:80",
                    expiresAt: "2030-01-04T12:00:00.000Z",
                    hourlyUsd: 0.01234,
                });
                assert.deepEqual(posted.updated, []);
                assert.deepEqual(posted.created, [
                    [
                        MARKER,
                        "### Review stack `eph-pr-7` (shared: a namespace on dev's cluster)",
                        "",
                        "| | |",
                        "|---|---|",
                        "| Port-forward | `kubectl -n eph-pr-7 port-forward svc/backend 8080:80` |",
                        "| Namespace | `eph-pr-7` |",
                        "| Expires | `2030-01-04T12:00:00.000Z` |",
                        "| Cost | about $0.0123/h (the stack tool's estimate) |",
                        "",
                        "Updated for 0123456, held to the base branch's policy pack. Remove the `review-stack` label or close the PR to destroy it; it expires 72 h after its last update. The values above come from this PR's own stack tool.",
                    ].join("\n"),
                ]);
            });

            it("gives a cluster stack's URL, edits the comment in place, and shows the PR's values only as inert code", async () => {
                const posted = await post(
                    "cluster",
                    {
                        stack: "eph-pr-7",
                        placement: "cluster",
                        url: "http://a.example/`@team`|x\nmore",
                        expiresAt: "soon",
                    },
                    [{ id: 41, body: `${MARKER}\nold` }],
                );
                assert.deepEqual(posted.created, []);
                assert.equal(posted.updated.length, 1);
                const body = posted.updated[0].body;
                assert.equal(posted.updated[0].id, 41);
                assert.match(body, /^### Review stack `eph-pr-7` \(a cluster of its own\)$/m);
                assert.ok(body.includes("| URL | `http://a.example/ @\u200bteam \\|x more` |"), body);
                assert.match(body, /^\| Namespace \| \(its own cluster\) \|$/m);
                assert.match(body, /^\| Cost \| unknown \|$/m);
                assert.match(body, /Remove the `review-cluster` label/);
            });

            it("says what is missing from a summary, or that it is not JSON", async () => {
                for (const summary of [
                    { stack: "eph-pr-7", placement: "shared", expiresAt: 5, hourlyUsd: "1" },
                    "not json",
                ]) {
                    const [body] = (await post("shared", summary)).created;
                    assert.match(body, /^\| Reach it \| \(no URL or port-forward command in the summary\) \|$/m);
                    assert.match(body, /^\| Namespace \| unknown \|$/m);
                    assert.match(body, /^\| Expires \| unknown \|$/m);
                    assert.match(body, /^\| Cost \| unknown \|$/m);
                }
            });

            it("marks a destroyed stack's comment, and never opens one just to say so", async () => {
                assert.deepEqual(await post("", ""), { created: [], updated: [] });
                const { updated } = await post("", "", [{ id: 41, body: `${MARKER}\nold` }]);
                assert.equal(updated.length, 1);
                assert.match(updated[0].body, /^### Review stack `eph-pr-7`: destroyed$/m);
            });
        });
    });

    it("never pass a permissions boundary with the review-app role, and place review-cluster only with the ephemeral role", () => {
        for (const [file, workflow] of Object.entries(workflows))
            for (const [name, job] of Object.entries(workflow.jobs)) {
                const roles = roleOf(job);
                const text = JSON.stringify(job.steps);
                if (roles.includes("${{ vars.AWS_REVIEW_APP_ROLE_ARN }}")) {
                    assert.ok(!/--permissions-boundary|PERMISSIONS_BOUNDARY_ARN/.test(text), `${file}/${name}`);
                    assert.ok(!text.includes("--placement cluster"), `${file}/${name}`);
                }
                if (/--placement cluster|--permissions-boundary/.test(text))
                    assert.deepEqual(roles, ["${{ vars.AWS_EPHEMERAL_ROLE_ARN }}"], `${file}/${name}`);
            }
    });

    describe("review-tenant.yml: the tenant layer, main's code only", () => {
        const tenant = workflows["review-tenant.yml"];
        const text = fs.readFileSync(path.join(DIR, "review-tenant.yml"), "utf8");

        it("runs on pull_request_target without ever checking out or reading the PR's head", () => {
            assert.deepEqual(tenant.on, {
                pull_request_target: { types: ["opened", "labeled", "unlabeled", "synchronize", "reopened", "closed"] },
            });
            assert.deepEqual(tenant.permissions, { contents: "read", "id-token": "write" });
            assert.doesNotMatch(text, /pull_request\.head|head_ref|\bhead\.(sha|ref|repo)/, "no head.* anywhere");
            for (const [name, job] of Object.entries(tenant.jobs)) {
                assert.equal(job.permissions, undefined, `${name}: the workflow's permissions only`);
                const checkouts = job.steps.filter((s) => s.uses?.startsWith("actions/checkout@"));
                // pull_request_target's default: the default branch's latest commit.
                assert.deepEqual(
                    checkouts.map((s) => s.with),
                    [{ "persist-credentials": false }],
                    `${name}: one checkout, of main, no ref or repository`,
                );
                assert.deepEqual(
                    job.steps.filter((s) => s.uses).map((s) => s.uses!.split("@")[0]),
                    [
                        "actions/checkout",
                        "actions/setup-node",
                        "pulumi/actions",
                        "aws-actions/configure-aws-credentials",
                    ],
                    `${name}: no action that could fetch or run the PR's code`,
                );
                assert.match(String(job.if), /^github\.ref == 'refs\/heads\/main' &&/, name);
            }
            assert.deepEqual(tenant.concurrency, {
                group: "pulumi-tenant-pr-${{ github.event.pull_request.number }}",
                "cancel-in-progress": false,
            });
            assert.equal(tenant.env?.PR, "${{ github.event.pull_request.number }}");
        });

        it("assumes the review-tenant role only in the review-tenant environment, with no prod, PR token or PR runner", () => {
            assert.doesNotMatch(text, /_PROD\b|PROD_RUNNER|PULUMI_PR_ACCESS_TOKEN/);
            for (const [name, job] of Object.entries(tenant.jobs)) {
                assert.equal(job.environment, "review-tenant", name);
                assert.equal(job["runs-on"], "ubuntu-latest", name);
                assert.deepEqual(roleOf(job), ["${{ vars.AWS_REVIEW_TENANT_ROLE_ARN }}"], name);
            }
            // Its only secret, the environment's own Pulumi Cloud token.
            assert.deepEqual(
                [...new Set([...text.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]))],
                ["PULUMI_ACCESS_TOKEN"],
            );
        });

        it("creates tenant-pr-<n> on the label, a push or a reopen, and destroys it on close or unlabel", () => {
            const { create, destroy } = tenant.jobs;
            assert.deepEqual(Object.keys(tenant.jobs), ["create", "destroy"]);
            assert.equal(
                create.if,
                "github.ref == 'refs/heads/main' && github.event.pull_request.state == 'open' && " +
                    "contains(github.event.pull_request.labels.*.name, 'review-stack') && " +
                    "!contains(github.event.pull_request.labels.*.name, 'review-cluster') && " +
                    "(github.event.action == 'opened' || github.event.action == 'reopened' || github.event.action == 'synchronize' || " +
                    "(github.event.action == 'labeled' && github.event.label.name == 'review-stack') || " +
                    "(github.event.action == 'unlabeled' && github.event.label.name == 'review-cluster'))",
                "with both labels nothing changes; removing review-cluster leaves review-stack's",
            );
            const up = stepRunning(create, "npm run -s stack -- create");
            assert.equal(up.run, 'npm run -s stack -- create "pr-$PR" --layer tenant --ttl 72h --owner "$OWNER"');
            assert.equal(up.env?.OWNER, "${{ github.event.pull_request.user.login }}");
            const names = create.steps.map((s) => s.name);
            assert.ok(
                names.indexOf("Wait for a cluster placement of eph-pr-<n> to be gone") < names.indexOf(up.name),
                "no namespace while the PR's cluster stack is being destroyed",
            );
            assert.equal(
                destroy.if,
                "github.ref == 'refs/heads/main' && " +
                    "((github.event.action == 'closed' && contains(github.event.pull_request.labels.*.name, 'review-stack')) || " +
                    "(github.event.action == 'unlabeled' && github.event.label.name == 'review-stack'))",
            );
            assert.match(
                stepRunning(destroy, "npm run -s stack -- destroy").run!,
                /^ *npm run -s stack -- destroy "eph-pr-\$PR" --layer tenant$/m,
            );
            assert.ok(create["timeout-minutes"]! >= 30 + 10, "the job outlives its wait");
            assert.ok(destroy["timeout-minutes"]! >= 20 + 15, "the job outlives its wait");
        });

        const LIST = "run -s stack -- list";
        const tenantStack = ["tenant-pr-7", "placement=shared", "layer=tenant", "owner=alice"];

        describe("the create job's wait for a cluster stack eph-pr-<n> to go, run with a fake npm", () => {
            const step = stepRunning(tenant.jobs.create, "npm run -s stack -- list");
            assert.deepEqual([step.env?.POLL_SECONDS, step.env?.WAIT_SECONDS], [30, 1800], "every 30 s for 30 min");
            const wait = (lists: (string | null)[], seconds = "60") =>
                runScript(step.run!, { PR: "7", POLL_SECONDS: "0", WAIT_SECONDS: seconds }, lists);
            const cluster = ["eph-pr-7", "placement=cluster", "owner=alice"];

            it("goes on at once when eph-pr-<n> is absent or shared, and waits while it is a cluster", () => {
                assert.deepEqual(wait([listed(["eph-pr-71", "cluster"])]).npm, [LIST]);
                assert.deepEqual(wait([listed(["eph-pr-7", "placement=shared", "layer=app"], tenantStack)]).npm, [
                    LIST,
                ]);
                const swap = wait([listed(cluster), listed(cluster), listed(["eph-pr-71", "cluster"])]);
                assert.equal(swap.code, 0);
                assert.deepEqual(swap.npm, [LIST, LIST, LIST]);
                assert.match(swap.stdout, /eph-pr-7 is a cluster stack still: waiting 0s\./);
            });

            it("fails after the wait saying what to do, and when the list fails", () => {
                const kept = wait([listed(cluster)], "0");
                assert.equal(kept.code, 1);
                assert.match(
                    kept.stdout,
                    /^::error title=tenant-pr-7 not made::The cluster stack eph-pr-7 still exists/m,
                );
                assert.notEqual(wait([null]).code, 0);
            });
        });

        describe("the destroy step, run with a fake npm", () => {
            const step = stepRunning(tenant.jobs.destroy, "npm run -s stack -- destroy");
            assert.deepEqual(
                [step.env?.POLL_SECONDS, step.env?.WAIT_SECONDS],
                [30, 1200],
                "polls every 30 s for 20 min",
            );
            const run = (lists: (string | null)[], wait = "60") =>
                runScript(step.run!, { PR: "7", POLL_SECONDS: "0", WAIT_SECONDS: wait }, lists);
            const DESTROY = "run -s stack -- destroy eph-pr-7 --layer tenant";
            const app = ["eph-pr-7", "placement=shared", "layer=app", "owner=alice", "expires=2030-01-01T00:00:00Z"];
            const other = ["eph-pr-71", "placement=shared", "layer=app"];

            it("waits while the stack eph-pr-<n> exists, then destroys the tenant", () => {
                const result = run([
                    listed(app, tenantStack, other),
                    listed(app, tenantStack),
                    listed(tenantStack, other),
                ]);
                assert.equal(result.code, 0, result.stdout);
                assert.deepEqual(result.npm, [LIST, LIST, LIST, DESTROY]);
                assert.match(result.stdout, /eph-pr-7 still exists: waiting 0s\./);
            });

            it("waits for an eph-pr-<n> of any placement: the tool keeps a tenant while one exists", () => {
                const cluster = ["eph-pr-7", "placement=cluster", "owner=alice"];
                assert.deepEqual(run([listed(cluster, tenantStack), listed(tenantStack)]).npm, [LIST, LIST, DESTROY]);
            });

            it("destroys nothing, at once, when there is no tenant-pr-<n> (or only another PR's)", () => {
                const result = run([listed(app, other, ["tenant-pr-71", "placement=shared"])], "0");
                assert.equal(result.code, 0);
                assert.deepEqual(result.npm, [LIST]);
                assert.match(result.stdout, /No stack tenant-pr-7: nothing to destroy\./);
            });

            it("gives up after the wait, saying why and what to do, and never destroys under a live app", () => {
                const result = run([listed(app, tenantStack)], "0");
                assert.equal(result.code, 1);
                assert.deepEqual(result.npm, [LIST]);
                assert.match(
                    result.stdout,
                    /^::error title=tenant-pr-7 kept::The stack eph-pr-7 still exists after 0 minutes, so its namespace stays\./m,
                );
                assert.match(result.stdout, /`npm run stack -- destroy eph-pr-7 --layer app`\), re-run this job/);
            });

            it("fails when the list fails, instead of reading it as gone", () => {
                const result = run([null]);
                assert.notEqual(result.code, 0);
                assert.deepEqual(result.npm, [LIST]);
            });
        });
    });

    it("assume the review-tenant role only in jobs of the review-tenant environment, which no other job claims", () => {
        const TENANT_ROLE = "vars.AWS_REVIEW_TENANT_ROLE_ARN";
        const withRole: string[] = [];
        const inEnvironment: string[] = [];
        for (const [file, workflow] of Object.entries(workflows)) {
            assert.ok(!JSON.stringify({ ...workflow, jobs: {} }).includes(TENANT_ROLE), `${file}: outside a job`);
            for (const [name, job] of Object.entries(workflow.jobs)) {
                if (JSON.stringify(job).includes(TENANT_ROLE)) withRole.push(`${file}/${name}`);
                if (job.environment === "review-tenant") inEnvironment.push(`${file}/${name}`);
            }
        }
        assert.deepEqual(withRole, ["reap.yml/tenants", "review-tenant.yml/create", "review-tenant.yml/destroy"]);
        assert.deepEqual(inEnvironment, withRole);
    });
});
