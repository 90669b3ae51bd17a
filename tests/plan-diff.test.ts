// The plan diff: changes between two plans, the flags for a second look, the comment, and the
// command that collects it all from two checkouts (here fake ones whose scripts print fixtures,
// and the real stacks evaluated in-process).
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../testing/engine";
import { changeLines, compare, Plan, PlanEntry, renderValue, summaryLine } from "../tools/diff/changes";
import { composeComment, costSection, CostEstimate, StackInput } from "../tools/diff/comment";
import { reviewFlags } from "../tools/diff/review";
import { planEntry } from "../tools/plan";
import { parseDiffArgs, UsageError } from "../tools/plan-diff";
import { evaluate, stackRun } from "./helpers";

const entry = (type: string, name: string, inputs: Record<string, unknown>, protect = false): PlanEntry => ({
    urn: `urn:pulumi:dev::scalable-backend::${type}::${name}`,
    type,
    name,
    protect,
    dependsOn: [],
    inputs,
});
const plan = (...resources: PlanEntry[]): Plan => ({ stack: "dev", resources });
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

describe("plan diff: changes", () => {
    it("counts creates, updates, deletes and unchanged, with each changed path old -> new", () => {
        const keep = entry("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.0.0.0/16" });
        const changes = compare(
            plan(keep, entry(HPA, "hpa", { spec: { maxReplicas: 4 } }), entry("aws:iam/role:Role", "old", {})),
            plan(
                keep,
                entry(HPA, "hpa", { spec: { maxReplicas: 6, minReplicas: 2 } }),
                entry("aws:kms/alias:Alias", "new", {}),
            ),
        );
        assert.equal(summaryLine(changes), "+ 1 to create, ~ 1 to update, - 1 to delete, 1 unchanged");
        assert.deepEqual(changeLines(changes), [
            "+ aws:kms/alias:Alias new",
            `~ ${HPA} hpa`,
            "    spec.maxReplicas: 4 -> 6",
            "    spec.minReplicas: (none) -> 2",
            "- aws:iam/role:Role old",
        ]);
    });

    it("names paths a reader can look up, shows secrets as [secret], shortens long values, caps the paths", () => {
        const before = entry("kubernetes:core/v1:Secret", "s", {
            metadata: { labels: { "app.kubernetes.io/name": "a" } },
            data: "[secret]",
            list: [{ x: 1 }],
            policy: "a".repeat(100),
        });
        const after = entry(
            "kubernetes:core/v1:Secret",
            "s",
            {
                metadata: { labels: { "app.kubernetes.io/name": "b" } },
                data: "[secret]",
                list: [{ x: 2 }],
                policy: "b".repeat(100),
            },
            true,
        );
        const lines = changeLines(compare(plan(before), plan(after)));
        assert.deepEqual(lines, [
            "~ kubernetes:core/v1:Secret s",
            "    (protect): false -> true",
            "    list[0].x: 1 -> 2",
            `    metadata.labels["app.kubernetes.io/name"]: "a" -> "b"`,
            `    policy: "${"a".repeat(56)}... -> "${"b".repeat(56)}...`,
        ]);
        assert.equal(renderValue("[secret]"), "[secret]");
        const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${String(i).padStart(2, "0")}`, i]));
        const more = Object.fromEntries(Object.entries(many).map(([k, v]) => [k, v + 1]));
        const capped = changeLines(compare(plan(entry(HPA, "h", many)), plan(entry(HPA, "h", more))));
        assert.equal(capped.length, 22);
        assert.equal(capped[21], "    ... and 5 more path(s)");
    });

    it("makes every resource a create without a base plan", () => {
        const changes = compare(undefined, plan(entry(HPA, "h", {})));
        assert.equal(summaryLine(changes), "+ 1 to create, ~ 0 to update, - 0 to delete, 0 unchanged");
    });
});

describe("plan diff: what deserves a second look", () => {
    const flags = (before: PlanEntry[], after: PlanEntry[]) =>
        reviewFlags(compare(plan(...before), plan(...after))).map((f) => `${f.resource}: ${f.reason}`);

    it("flags a protected resource touched or deleted", () => {
        const key = (window: number) => entry("aws:kms/key:Key", "key", { deletionWindowInDays: window }, true);
        assert.deepEqual(flags([key(30)], [key(7)]), ["aws:kms/key:Key key: protected resource changed"]);
        assert.deepEqual(flags([key(30)], []), [
            "aws:kms/key:Key key: protected resource deleted",
            "aws:kms/key:Key key: stateful resource deleted: its data or key is lost",
        ]);
    });

    it("flags inputs that force a replacement, from the table", () => {
        const cases: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
            ["eks:index:Cluster", { name: "a" }, { name: "b" }, 'replaces it: name "a" -> "b"'],
            [
                "aws:ec2/vpc:Vpc",
                { cidrBlock: "10.0.0.0/16" },
                { cidrBlock: "10.1.0.0/16" },
                'replaces it: cidrBlock "10.0.0.0/16" -> "10.1.0.0/16"',
            ],
            [
                "aws:ec2/subnet:Subnet",
                { availabilityZone: "eu-west-1a" },
                { availabilityZone: "eu-west-1b" },
                'replaces it: availabilityZone "eu-west-1a" -> "eu-west-1b"',
            ],
            [
                "aws:kms/key:Key",
                { customerMasterKeySpec: "SYMMETRIC_DEFAULT" },
                { customerMasterKeySpec: "RSA_2048" },
                'replaces it: customerMasterKeySpec "SYMMETRIC_DEFAULT" -> "RSA_2048"',
            ],
            [
                "eks:index:ManagedNodeGroup",
                { amiType: "AL2023_x86_64_STANDARD" },
                { amiType: "BOTTLEROCKET_x86_64" },
                'replaces it: amiType "AL2023_x86_64_STANDARD" -> "BOTTLEROCKET_x86_64"',
            ],
            [
                "kubernetes:core/v1:Service",
                { metadata: { namespace: "a" } },
                { metadata: { namespace: "b" } },
                'replaces it: metadata.namespace "a" -> "b"',
            ],
            [
                "kubernetes:apps/v1:Deployment",
                { spec: { selector: { matchLabels: { app: "a" } } } },
                { spec: { selector: { matchLabels: { app: "b" } } } },
                'replaces it: spec.selector.matchLabels.app "a" -> "b"',
            ],
        ];
        for (const [type, before, after, reason] of cases)
            assert.deepEqual(
                flags([entry(type, "r", before)], [entry(type, "r", after)]),
                [`${type} r: ${reason}`],
                type,
            );
        assert.deepEqual(
            flags(
                [entry("aws:ec2/vpc:Vpc", "r", { tags: { a: "1" } })],
                [entry("aws:ec2/vpc:Vpc", "r", { tags: { a: "2" } })],
            ),
            [],
        );
    });

    it("flags a cluster version jump or downgrade, not a one-minor upgrade", () => {
        const cluster = (version: string) => entry("eks:index:Cluster", "eks", { version });
        assert.deepEqual(flags([cluster("1.34")], [cluster("1.35")]), []);
        for (const [from, to] of [
            ["1.33", "1.35"],
            ["1.35", "1.34"],
        ])
            assert.deepEqual(flags([cluster(from)], [cluster(to)]), [
                `eks:index:Cluster eks: version "${from}" -> "${to}": EKS moves one minor version up at a time, never down`,
            ]);
    });

    it("flags deletions of stateful resources only", () => {
        for (const type of [
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:ecr/repository:Repository",
            "aws:ebs/volume:Volume",
        ])
            assert.deepEqual(flags([entry(type, "r", {})], []), [
                `${type} r: stateful resource deleted: its data or key is lost`,
            ]);
        assert.deepEqual(flags([entry("aws:iam/role:Role", "r", {})], []), []);
    });

    it("flags new exposure: a CIDR list that widens or empties, a public endpoint, an internet-facing scheme", () => {
        const service = (ranges?: string[], scheme = "internal") =>
            entry("kubernetes:core/v1:Service", "svc", {
                metadata: { annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": scheme } },
                spec: ranges ? { loadBalancerSourceRanges: ranges } : {},
            });
        assert.deepEqual(flags([service(["10.0.0.0/16"])], [service(["10.0.1.0/24"])]), [], "narrower");
        assert.deepEqual(flags([service(["10.0.0.0/16"])], [service(["10.0.0.0/8"])]), [
            "kubernetes:core/v1:Service svc: new exposure: spec.loadBalancerSourceRanges widens: 10.0.0.0/8",
        ]);
        assert.deepEqual(flags([service(["10.0.0.0/16"])], [service()]), [
            "kubernetes:core/v1:Service svc: new exposure: spec.loadBalancerSourceRanges emptied: open to 0.0.0.0/0",
        ]);
        assert.deepEqual(flags([service(["10.0.0.0/16"])], [service(["10.0.0.0/16"], "internet-facing")]), [
            "kubernetes:core/v1:Service svc: new exposure: load balancer turned internet-facing",
        ]);
        const cluster = (endpointPublicAccess: boolean, publicAccessCidrs?: string[]) =>
            entry("eks:index:Cluster", "eks", {
                endpointPublicAccess,
                ...(publicAccessCidrs ? { publicAccessCidrs } : {}),
            });
        assert.deepEqual(flags([cluster(false)], [cluster(true)]), [
            "eks:index:Cluster eks: new exposure: public API endpoint turned on (to 0.0.0.0/0)",
        ]);
        assert.deepEqual(flags([cluster(true, ["198.51.100.0/24"])], [cluster(true, ["0.0.0.0/0"])]), [
            "eks:index:Cluster eks: new exposure: publicAccessCidrs widens: 0.0.0.0/0",
        ]);
        const rule = (cidrBlocks: string[]) =>
            entry("aws:ec2/securityGroupRule:SecurityGroupRule", "sg", { cidrBlocks });
        assert.deepEqual(flags([], [rule(["0.0.0.0/0"])]), [
            "aws:ec2/securityGroupRule:SecurityGroupRule sg: new exposure: cidrBlocks widens: 0.0.0.0/0",
        ]);
        assert.deepEqual(flags([], [rule(["10.0.0.0/16"])]), [], "a new private rule");
        const peer = (cidr: string) =>
            entry("kubernetes:networking.k8s.io/v1:NetworkPolicy", "np", {
                spec: { ingress: [{ from: [{ ipBlock: { cidr } }] }] },
            });
        assert.deepEqual(flags([peer("10.0.192.0/22")], [peer("0.0.0.0/0")]), [
            "kubernetes:networking.k8s.io/v1:NetworkPolicy np: new exposure: spec.ingress[0].from[0].ipBlock.cidr widens: 0.0.0.0/0",
        ]);
    });
});

const item = (resource: string, unit: string, description: string, expected: number) => ({
    resource,
    unit,
    description,
    monthly: { expected },
});

describe("plan diff: the comment", () => {
    const side = (p: Plan | undefined, extra: Partial<StackInput["pr"]> = {}) => ({
        output: "84 resources\n",
        plan: p,
        ...extra,
    });

    it("says what changed in each stack, flags first, then policy, cost and the raw diff collapsed", () => {
        const base = plan(entry(HPA, "hpa", { spec: { maxReplicas: 4 } }), entry("aws:kms/key:Key", "key", {}, true));
        const pr = plan(entry(HPA, "hpa", { spec: { maxReplicas: 6 } }));
        const cost = (expected: number): CostEstimate => ({
            monthly: { expected },
            items: [item("hpa", "pod-hour", "pods", expected)],
        });
        const { markdown, newMandatory } = composeComment([
            {
                stack: "dev",
                base: side(base, { cost: cost(10), policy: "dev: 0 mandatory, 0 advisory finding(s)\n" }),
                pr: side(pr, {
                    cost: cost(12.5),
                    policy: "dev: 1 mandatory, 0 advisory finding(s)\n  mandatory rule-a hpa: too many\n",
                }),
                rawDiff: "--- base/out/dev/plan.json\n+++ pr/out/dev/plan.json\n-4\n+6\n",
            },
        ]);
        assert.deepEqual(newMandatory, ["dev rule-a hpa"]);
        assert.equal(
            markdown,
            `### Offline plan diff

Computed by this pull request's own code under mocks, with no credentials: values only AWS knows
are placeholders such as \`<id of network-vpc>\`. It is evidence to read, not a review signal: a PR
can change what it prints.

**Needs a second look:**
- \`dev\` aws:kms/key:Key key: protected resource deleted
- \`dev\` aws:kms/key:Key key: stateful resource deleted: its data or key is lost

#### \`dev\`: + 0 to create, ~ 1 to update, - 1 to delete, 0 unchanged

\`\`\`diff
~ ${HPA} hpa
    spec.maxReplicas: 4 -> 6
- aws:kms/key:Key key
\`\`\`

Policy, the base branch's pack on the PR's plan: dev: 1 mandatory, 0 advisory finding(s)

**New mandatory findings against the base's plan:**
- rule-a hpa

<details><summary>findings on the PR's plan of dev</summary>

\`\`\`
  mandatory rule-a hpa: too many
\`\`\`
</details>

Cost: $12.50/month expected, +$2.50 against the base ($10.00).
- hpa (pods): $10.00 -> $12.50

<details><summary>raw diff of out/dev/</summary>

\`\`\`diff
--- base/out/dev/plan.json
+++ pr/out/dev/plan.json
-4
+6
\`\`\`
</details>
`,
        );
    });

    it("keeps a failed PR plan's last lines, and says when nothing changed or flags nothing", () => {
        const p = plan(entry(HPA, "hpa", {}));
        const { markdown, newMandatory } = composeComment([
            {
                stack: "dev",
                base: side(p),
                pr: { output: "plan failed: maxReplicas is 0\n(no plan: ...)\n" },
                rawDiff: "",
            },
            { stack: "prod", base: side(p), pr: side(p), rawDiff: "" },
        ]);
        assert.deepEqual(newMandatory, []);
        assert.match(markdown, /- `dev`: the PR's plan failed; nothing below is compared/);
        assert.match(
            markdown,
            /#### `dev`: the PR's plan failed\n\n<details><summary>the last lines of `npm run plan -- dev`<\/summary>\n\n```\nplan failed: maxReplicas is 0\n\(no plan: \.\.\.\)\n```\n<\/details>/,
        );
        assert.match(
            markdown,
            /#### `prod`: \+ 0 to create, ~ 0 to update, - 0 to delete, 1 unchanged\n\nPolicy: not run\.\n\nCost: no estimate for the PR's plan\.\n$/,
        );
    });

    it("fits the limit: raw diffs are cut first, with a note, and a diff cannot close its fence", () => {
        const p = plan(entry(HPA, "hpa", {}));
        const raw = `${"+```\n".repeat(5000)}`;
        const { markdown } = composeComment([{ stack: "dev", base: side(p), pr: side(p), rawDiff: raw }], 5000);
        assert.ok(markdown.length <= 5000, String(markdown.length));
        assert.match(
            markdown,
            /````diff\n(\+```\n)+\.\.\. \(truncated; the whole diff is in the plan-diff artifact\)\n````\n<\/details>\n$/,
        );
        const huge = composeComment(
            [{ stack: "dev", base: side(undefined), pr: { output: "x\n".repeat(40) }, rawDiff: "" }],
            1000,
        );
        assert.ok(huge.markdown.length <= 1000);
    });

    it("prices the change: the delta against the base and the items that changed, appeared or went", () => {
        assert.deepEqual(
            costSection(
                {
                    monthly: { expected: 10 },
                    items: [item("logs", "GB-month", "kept 7 days", 1), item("gone", "h", "old", 2)],
                },
                {
                    monthly: { expected: 9.5 },
                    items: [item("logs", "GB-month", "kept 14 days", 2), item("new", "h", "n", 0.5)],
                },
            ),
            [
                "Cost: $9.50/month expected, -$0.50 against the base ($10.00).",
                "- logs (kept 14 days): $1.00 -> $2.00",
                "- new (n): new -> $0.50",
                "- gone (old): $2.00 -> gone",
            ],
        );
        assert.deepEqual(costSection(undefined, { monthly: { expected: 1 }, items: [] }), [
            "Cost: $1.00/month expected (no estimate for the base).",
        ]);
    });
});

describe("plan diff: on the real stacks", () => {
    it("shows dev's maxReplicas 4 -> 6 and logRetentionDays 7 -> 14 as two updates, nothing flagged", async () => {
        const base = await stackRun("dev");
        const config = { ...base.config };
        const backend = JSON.parse(config["scalable-backend:backend"]);
        const pr = await evaluate("dev", {
            config: {
                "scalable-backend:backend": JSON.stringify({ ...backend, maxReplicas: 6 }),
                "scalable-backend:logRetentionDays": "14",
            },
        });
        const asPlan = (run: typeof base): Plan => ({
            stack: "dev",
            resources: run.resources.map((r) => planEntry(r) as unknown as PlanEntry),
        });
        const changes = compare(asPlan(base), asPlan(pr));
        assert.equal(
            summaryLine(changes),
            `+ 0 to create, ~ 2 to update, - 0 to delete, ${base.resources.length - 2} unchanged`,
        );
        assert.deepEqual(changeLines(changes), [
            "~ aws:cloudwatch/logGroup:LogGroup cluster-control-plane-logs",
            "    retentionInDays: 7 -> 14",
            `~ ${HPA} backend-hpa`,
            "    spec.maxReplicas: 4 -> 6",
        ]);
        assert.deepEqual(reviewFlags(changes), []);
        assert.deepEqual(reviewFlags(compare(asPlan(base), asPlan(base))), []);
    });
});

describe("plan diff: the command", () => {
    const tool = (...args: string[]) =>
        spawnSync(process.execPath, ["-r", "./tools/transpile.cjs", "tools/plan-diff.ts", ...args], {
            cwd: ROOT,
            encoding: "utf8",
        });

    /**
     * A checkout whose plan, cost and policy scripts print what the test says: shell scripts over
     * files written here (a diff runs about ten scripts; a shell starts in a tenth of node's time).
     * `policy` maps "<side>-<stack>" to what the pack says of that side's records.
     */
    function checkout(dir: string, plans: Record<string, Plan | "fail">, policy: Record<string, string> = {}): void {
        const fake = path.join(dir, "fake");
        fs.mkdirSync(fake, { recursive: true });
        for (const [stack, planned] of Object.entries(plans)) {
            if (planned === "fail") {
                fs.writeFileSync(path.join(fake, `${stack}.fail`), "");
                continue;
            }
            fs.writeFileSync(path.join(fake, `${stack}.plan.json`), `${JSON.stringify(planned, null, 2)}\n`);
            const records = { stack, side: path.basename(dir) };
            fs.writeFileSync(path.join(fake, `${stack}.records.json`), JSON.stringify(records));
            fs.writeFileSync(path.join(fake, `${stack}.printed`), `${planned.resources.length} resources\n`);
        }
        for (const [key, said] of Object.entries(policy)) fs.writeFileSync(path.join(fake, `policy-${key}.txt`), said);
        const script = (name: string, body: string) => {
            fs.writeFileSync(path.join(dir, `${name}.sh`), body);
            return `sh ${name}.sh`;
        };
        const scripts = {
            plan: script(
                "plan",
                `set -e
if [ -e "fake/$1.fail" ]; then echo "plan failed: $1 refuses maxReplicas 0" >&2; exit 1; fi
mkdir -p "out/$1"
cp "fake/$1.plan.json" "out/$1/plan.json"
cp "fake/$1.records.json" "out/$1.records.json"
cat "fake/$1.printed"
`,
            ),
            cost: script("cost", `echo '{"monthly":{"expected":10},"items":[]}'\n`),
            "policy:offline": script(
                "policy",
                `records=$(cat "$1")
stack=\${records#*'"stack":"'}; stack=\${stack%%'"'*}
side=\${records#*'"side":"'}; side=\${side%%'"'*}
if [ -e "fake/policy-$side-$stack.txt" ]; then cat "fake/policy-$side-$stack.txt"
else echo "$stack: 0 mandatory, 0 advisory finding(s)"; fi
`,
            ),
        };
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "fake", scripts }));
        fs.mkdirSync(path.join(dir, "tools"), { recursive: true });
        fs.writeFileSync(path.join(dir, "tools", "policy-offline.ts"), "");
    }

    it("runs each side's own package.json scripts, with the checkout's node_modules/.bin on PATH, and says when one is missing", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
        try {
            const hpa = plan(entry(HPA, "backend-hpa", { spec: { maxReplicas: 4 } }));
            checkout(path.join(tmp, "base"), { dev: hpa, prod: hpa });
            checkout(path.join(tmp, "pr"), { dev: hpa, prod: hpa });
            // The PR's plan is a command found only in its own node_modules/.bin, as npm run finds one.
            const bin = path.join(tmp, "pr", "node_modules", ".bin");
            fs.mkdirSync(bin, { recursive: true });
            fs.writeFileSync(path.join(bin, "fake-plan"), '#!/bin/sh\nexec sh plan.sh "$@"\n', { mode: 0o755 });
            const prPackage = path.join(tmp, "pr", "package.json");
            const pkg = JSON.parse(fs.readFileSync(prPackage, "utf8"));
            fs.writeFileSync(prPackage, JSON.stringify({ ...pkg, scripts: { ...pkg.scripts, plan: "fake-plan" } }));
            // The base has no plan script at all.
            const basePackage = path.join(tmp, "base", "package.json");
            const base = JSON.parse(fs.readFileSync(basePackage, "utf8"));
            delete base.scripts.plan;
            fs.writeFileSync(basePackage, JSON.stringify(base));
            const out = path.join(tmp, "plan-diff");
            const result = tool("--base", path.join(tmp, "base"), "--pr", path.join(tmp, "pr"), "--out", out);
            assert.equal(result.status, 0, result.stderr);
            assert.equal(fs.readFileSync(path.join(out, "pr-dev.txt"), "utf8"), "1 resources\n");
            assert.equal(fs.existsSync(path.join(tmp, "pr", "out", "prod", "plan.json")), true);
            assert.match(
                fs.readFileSync(path.join(out, "base-dev.txt"), "utf8"),
                /^Missing script: "plan"\n\(no plan: /,
            );
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("runs both sides, the base's pack on both, and writes the comment, new mandatory findings and printouts", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
        try {
            const hpa = (max: number) => plan(entry(HPA, "backend-hpa", { spec: { maxReplicas: max } }));
            checkout(
                path.join(tmp, "base"),
                { dev: hpa(4), prod: hpa(4) },
                {
                    "base-prod": "prod: 1 mandatory, 0 advisory finding(s)\n  mandatory old-rule cluster-eks: x\n",
                },
            );
            checkout(path.join(tmp, "pr"), { dev: hpa(6), prod: "fail" });
            // The PR's own policy script must not be the judge: the base's decides what pr-dev holds.
            fs.writeFileSync(
                path.join(tmp, "base", "fake", "policy-pr-dev.txt"),
                "dev: 1 mandatory, 0 advisory finding(s)\n  mandatory new-rule backend-hpa: y\n",
            );
            const out = path.join(tmp, "plan-diff");
            const result = tool("--base", path.join(tmp, "base"), "--pr", path.join(tmp, "pr"), "--out", out);
            assert.equal(result.status, 0, result.stderr);
            assert.equal(result.stdout, fs.readFileSync(path.join(out, "comment.md"), "utf8"));
            assert.match(
                result.stdout,
                /#### `dev`: \+ 0 to create, ~ 1 to update, - 0 to delete, 0 unchanged\n\n```diff\n~ kubernetes:autoscaling\/v2:HorizontalPodAutoscaler backend-hpa\n {4}spec\.maxReplicas: 4 -> 6\n```/,
            );
            assert.match(result.stdout, /--- base\/out\/dev\/plan\.json\n\+\+\+ pr\/out\/dev\/plan\.json\n/);
            assert.match(result.stdout, /- `prod`: the PR's plan failed; nothing below is compared/);
            assert.match(
                result.stdout,
                /plan failed: prod refuses maxReplicas 0\n\(no plan: `npm run plan -- prod` failed or does not exist on pr\)/,
            );
            assert.equal(fs.readFileSync(path.join(out, "new-mandatory.txt"), "utf8"), "dev new-rule backend-hpa\n");
            assert.equal(
                fs.readFileSync(path.join(out, "policy-pr-prod.txt"), "utf8"),
                "(not run: the pr plan of prod wrote no records)\n",
            );
            assert.match(fs.readFileSync(path.join(out, "pr-prod.txt"), "utf8"), /failed or does not exist on pr\)\n$/);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("refuses bad arguments with the reason", () => {
        for (const [args, message] of [
            [[], "--base is required."],
            [["--base", ROOT], "--pr is required."],
            [
                ["--base", ROOT, "--pr", "/nonexistent"],
                "--pr /nonexistent is not a checkout of this project (no package.json).",
            ],
            [["--base", ROOT, "--pr", ROOT, "--limit", "10"], "--limit 10: a whole number of at least 1000."],
            [["--base", ROOT, "--pr", ROOT, "extra"], "Unexpected argument extra."],
            [["--stack", "dev"], "Unknown option --stack."],
        ] as const) {
            assert.throws(
                () => parseDiffArgs(args),
                (error: Error) => error instanceof UsageError && error.message.startsWith(message),
                args.join(" "),
            );
        }
    });

    it("on the command line: a bad argument is one line on stderr and exit 2; --help prints the usage", () => {
        const bad = tool("--stack", "dev");
        assert.equal(bad.status, 2);
        assert.ok(bad.stderr.startsWith("plan:diff: Unknown option --stack."), bad.stderr);
        assert.equal(bad.stderr.split("\n").length, 2);
        assert.equal(bad.stdout, "");
        const help = tool("--help");
        assert.equal(help.status, 0);
        assert.match(help.stdout, /^usage: npm run plan:diff -- --base <checkout> --pr <checkout>/);
    });
});
