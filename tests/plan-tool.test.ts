// The offline plan's command line: the stack is checked (name, stack file, its shape) before
// anything is evaluated, each problem in one line on stderr with exit 2; --help prints a page.
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../testing/engine";
import {
    checkStackFile,
    checkStackName,
    checkStackSource,
    parsePlanArgs,
    PLAN_HELP,
    PLAN_USAGE,
    type PlanFlags,
    StackFileError,
} from "../tools/stack-file";

const UNKNOWN = (name: string): string =>
    `${JSON.stringify(name)} is not a stack this program knows: dev, prod, eph-<slug> or tenant-<slug> (lowercase letters, digits and dashes, at most 32 after the prefix).`;

function project(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-tool-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

describe("plan tool: the stack is checked first", () => {
    it("knows dev, prod, eph-<slug> and tenant-<slug>, and nothing else", () => {
        for (const name of [
            "dev",
            "prod",
            "eph-a",
            "eph-pr-42",
            `eph-${"a".repeat(32)}`,
            "tenant-pr-42",
            `tenant-${"a".repeat(32)}`,
        ])
            assert.equal(checkStackName(name), name);
        for (const name of [
            "staging",
            "tenant-",
            `tenant-${"a".repeat(33)}`,
            "tenants-a",
            "/../../evil",
            "../dev",
            "Dev",
            "eph-",
            "eph-UP",
            "eph-a-",
            `eph-${"a".repeat(33)}`,
            "",
        ])
            assert.throws(() => checkStackName(name), new StackFileError(UNKNOWN(name)), name);
    });

    it("refuses an unknown name before its file path is formed: nothing outside the project is read", () => {
        const outside = project({ "Pulumi..yaml": "config: {}\n" });
        try {
            // A file that would be read through the traversal exists, and is still never reached.
            const name = `/../../${path.basename(outside)}/`;
            assert.throws(() => checkStackFile(path.join(outside, "a", "b"), name), new StackFileError(UNKNOWN(name)));
        } finally {
            fs.rmSync(outside, { recursive: true, force: true });
        }
    });

    it("names a missing stack file, a malformed one with its line and YAML's reason, and a config that is no mapping", () => {
        const dir = project({
            "Pulumi.dev.yaml": "config:\n  scalable-backend:owner: a\n scalable-backend:vpcCidr: b\n",
            "Pulumi.prod.yaml": "config:\n  - a\n",
            "Pulumi.eph-list.yaml": "- config\n",
            "Pulumi.eph-scalar.yaml": "config: text\n",
            "Pulumi.eph-ok.yaml": "config:\n  scalable-backend:owner: a\n",
            "Pulumi.eph-empty.yaml": "",
        });
        try {
            const cases: [string, string][] = [
                ["dev", "Pulumi.dev.yaml line 3: bad indentation of a mapping entry."],
                ["prod", "Pulumi.prod.yaml: config: is a list, not a mapping of keys to values."],
                ["eph-list", "Pulumi.eph-list.yaml is a list, not a mapping of settings."],
                ["eph-scalar", "Pulumi.eph-scalar.yaml: config: is a string, not a mapping of keys to values."],
                ["eph-gone", "Pulumi.eph-gone.yaml does not exist: `npm run stack -- create eph-gone` writes it."],
            ];
            for (const [stack, message] of cases)
                assert.throws(() => checkStackFile(dir, stack), new StackFileError(message), stack);
            assert.equal(checkStackFile(dir, "eph-ok"), path.join(dir, "Pulumi.eph-ok.yaml"));
            assert.equal(checkStackFile(dir, "eph-empty"), path.join(dir, "Pulumi.eph-empty.yaml"));
            const empty = project({});
            assert.throws(
                () => checkStackFile(empty, "prod"),
                new StackFileError(`Pulumi.prod.yaml does not exist in ${empty}.`),
            );
            fs.rmSync(empty, { recursive: true, force: true });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("takes exactly one stack name; refuses options and extra arguments; --help anywhere asks for help", () => {
        assert.deepEqual(parsePlanArgs(["dev"]), { help: false, stack: "dev", flags: {} });
        assert.deepEqual(parsePlanArgs(["--help"]), { help: true });
        assert.deepEqual(parsePlanArgs(["dev", "-h"]), { help: true });
        assert.throws(() => parsePlanArgs([]), new StackFileError(PLAN_USAGE));
        assert.throws(
            () => parsePlanArgs(["dev", "prod"]),
            new StackFileError(`plan takes one stack name, not 2: dev prod. ${PLAN_USAGE}`),
        );
        assert.throws(
            () => parsePlanArgs(["dev", "--json"]),
            new StackFileError(`Unknown option --json. ${PLAN_USAGE}`),
        );
    });
});

describe("plan tool: a review stack without its stack file", () => {
    const usage = (text: string) => new StackFileError(`${text} ${PLAN_USAGE}`);

    it("reads the placement, --public with its source ranges and --image, in any order", () => {
        assert.deepEqual(
            parsePlanArgs([
                "--image",
                "r@sha256:1",
                "eph-a",
                "--public",
                "--source-ranges",
                "203.0.113.0/24, 198.51.100.7/32",
            ]),
            {
                help: false,
                stack: "eph-a",
                flags: { image: "r@sha256:1", public: true, sourceRanges: ["203.0.113.0/24", "198.51.100.7/32"] },
            },
        );
        assert.deepEqual(parsePlanArgs(["eph-a", "--placement", "cluster"]), {
            help: false,
            stack: "eph-a",
            flags: { placement: "cluster" },
        });
        assert.throws(
            () => parsePlanArgs(["eph-a", "--placement", "edge"]),
            usage('--placement "edge": shared or cluster.'),
        );
        assert.throws(() => parsePlanArgs(["eph-a", "--image"]), usage("--image needs a value."));
        assert.throws(() => parsePlanArgs(["eph-a", "--image", "--public"]), usage("--image needs a value."));
        assert.throws(() => parsePlanArgs(["eph-a", "--public", "--public"]), usage("--public is given twice."));
    });

    it("plans an eph-* or tenant-* stack without a file; refuses options a stack file or a tenant would ignore", () => {
        const dir = project({ "Pulumi.dev.yaml": "config: {}\n", "Pulumi.eph-filed.yaml": "config: {}\n" });
        try {
            const ranges = ["203.0.113.0/24"];
            assert.deepEqual(checkStackSource(dir, "eph-new"), {});
            assert.deepEqual(checkStackSource(dir, "tenant-new"), {});
            assert.deepEqual(checkStackSource(dir, "eph-new", { public: true, sourceRanges: ranges, image: "r" }), {
                sourceRanges: ranges,
                image: "r",
            });
            assert.deepEqual(checkStackSource(dir, "eph-new", { placement: "cluster" }), { placement: "cluster" });
            assert.deepEqual(checkStackSource(dir, "eph-filed"), {});
            const cases: [string, PlanFlags, string][] = [
                [
                    "eph-filed",
                    { image: "r" },
                    "--image: Pulumi.eph-filed.yaml exists and its config is what is planned; edit it, or plan another name.",
                ],
                [
                    "dev",
                    { placement: "shared" },
                    "--placement: only an eph-* stack without a stack file takes them; dev is planned from Pulumi.dev.yaml.",
                ],
                [
                    "tenant-new",
                    { public: true, sourceRanges: ranges },
                    "--public, --source-ranges: a tenant-<slug> stack takes no options (its namespace's limits are the program's); give them to eph-new.",
                ],
                [
                    "eph-new",
                    { placement: "cluster", image: "r" },
                    "--public, --source-ranges and --image describe the shared placement's app layer, not --placement cluster.",
                ],
                [
                    "eph-new",
                    { public: true },
                    "--public needs --source-ranges CIDR[,CIDR...]: an NLB open to the whole internet would publish unreviewed pull-request code.",
                ],
                [
                    "eph-new",
                    { sourceRanges: ranges },
                    "--source-ranges needs --public: a ClusterIP Service has no load balancer to restrict.",
                ],
                ["prod", {}, `Pulumi.prod.yaml does not exist in ${dir}.`],
            ];
            for (const [stack, flags, message] of cases)
                assert.throws(() => checkStackSource(dir, stack, flags), new StackFileError(message), stack);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("plan tool: the command line", () => {
    const plan = (...args: string[]) =>
        spawnSync(process.execPath, ["-r", "./tools/transpile.cjs", "tools/plan.ts", ...args], {
            cwd: ROOT,
            encoding: "utf8",
        });

    it("exits 2 with one line on stderr for every refusal, having written nothing", () => {
        // Each refusal's text is tested in-process above; these prove the wiring (stderr, exit 2,
        // nothing written), one process each, so two suffice.
        const cases: [string[], string][] = [
            [["/../../evil"], UNKNOWN("/../../evil")],
            [["dev", "extra"], `plan takes one stack name, not 2: dev extra. ${PLAN_USAGE}`],
        ];
        for (const [args, message] of cases) {
            const result = plan(...args);
            assert.equal(result.status, 2, args.join(" "));
            assert.equal(result.stderr, `plan: ${message}\n`, args.join(" "));
            assert.equal(result.stdout, "");
        }
        assert.equal(fs.existsSync(path.join(ROOT, "out", "staging")), false);
    });

    it("prints its help page and exits 0", () => {
        const result = plan("--help");
        assert.equal(result.status, 0);
        assert.equal(result.stdout, PLAN_HELP);
        assert.equal(result.stderr, "");
    });
});
