// The ephemeral-stack tool: pure parts directly, and the Automation API flow end to end against a
// fake `pulumi` (testing/fake-pulumi.ts) that records its arguments and answers as the CLI does,
// found as an executable and then answering in this process.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { fromCliValues, parseStackConfig, toCliValues } from "../config";
import { ROOT, StackRun } from "../testing/engine";
import { FAKE_PULUMI_ROOT, inProcess } from "../testing/fake-pulumi";
import {
    assertEphemeral,
    costSinceCreated,
    ephemeralConfig,
    ephemeralStackName,
    expiry,
    hourlyFromTag,
    isExpired,
    parseTtl,
    RefusedError,
    stackTags,
} from "../tools/ephemeral";
import { SemVer } from "semver";
import {
    BOUNDARY_KEY,
    Context,
    describeCreateCost,
    devStackFileConfig,
    HELP,
    MINIMUM_CLI_VERSION,
    parseArgs,
    run,
} from "../tools/stack";
import type { Estimate } from "../cost/estimate";
import { devReference, evaluate } from "./helpers";
import { EPHEMERAL_BOUNDARY } from "./config-helpers";

const NOW = new Date("2026-11-25T08:00:00.000Z");
const HOUR = 3_600_000;

describe("stack tool: names, TTLs, expiry", () => {
    it("derives safe, bounded eph-<slug> names from branches and PRs", () => {
        assert.equal(ephemeralStackName("feature/Login_v2"), "eph-feature-login-v2");
        assert.equal(ephemeralStackName("refs/heads/Fix--THE--bug"), "eph-fix-the-bug");
        assert.equal(ephemeralStackName("pr-42"), "eph-pr-42");
        assert.equal(ephemeralStackName("eph-already"), "eph-already");
        const long = ephemeralStackName("feature/a-very-long-branch-name-that-goes-on-and-on-forever");
        assert.match(long, /^eph-feature-a-very-long-branc-[a-f0-9]{6}$/);
        assert.ok(long.length <= 36);
        assert.notEqual(long, ephemeralStackName("feature/a-very-long-branch-name-that-goes-on-and-on-forevermore"));
        assert.throws(() => ephemeralStackName("///"), RefusedError);
        for (const source of ["main", "x", "feature/ÄÖÜ-umlaut", "A".repeat(100)])
            assert.equal(assertEphemeral(ephemeralStackName(source)), ephemeralStackName(source));
    });

    it("refuses dev, prod and any name without the prefix", () => {
        for (const name of ["dev", "prod", "staging", "ephemeral", "eph-UPPER", "eph-", `eph-${"a".repeat(40)}`]) {
            assert.throws(() => assertEphemeral(name), RefusedError, name);
        }
        assert.throws(
            () => assertEphemeral("prod"),
            /Refusing to touch stack "prod": this tool only manages ephemeral stacks/,
        );
    });

    it("parses TTLs within 15 minutes and 7 days", () => {
        assert.equal(parseTtl("8h"), 8 * HOUR);
        assert.equal(parseTtl("30m"), HOUR / 2);
        assert.equal(parseTtl("1h30m"), 1.5 * HOUR);
        assert.equal(parseTtl("2d"), 48 * HOUR);
        for (const bad of ["", "8", "8 hours", "-1h", "10m", "8d", "1w"])
            assert.throws(() => parseTtl(bad), RefusedError, bad);
    });

    it("computes expiry and tells expired from live", () => {
        const expires = expiry(NOW, 8 * HOUR);
        assert.equal(expires.toISOString(), "2026-11-25T16:00:00.000Z");
        assert.equal(isExpired(expires.toISOString(), new Date("2026-11-25T15:59:59Z")), false);
        assert.equal(isExpired(expires.toISOString(), new Date("2026-11-25T16:00:00Z")), true);
        assert.equal(isExpired(undefined, NOW), false);
        assert.equal(isExpired("not a date", NOW), false);
    });
});

describe("stack tool: configuration of an ephemeral stack", () => {
    const meta = { owner: "alice", createdAt: NOW, expiresAt: new Date("2026-11-25T16:00:00.000Z") };

    it("inherits dev with cost-saving overrides that the config module accepts", () => {
        const config = ephemeralConfig(devStackFileConfig(), meta);
        // create sets the permissions boundary on top, which an eph-* stack must name.
        const values: Record<string, string> = {
            ...toCliValues(config),
            "scalable-backend:permissionsBoundaryArn": EPHEMERAL_BOUNDARY,
        };
        const parsed = parseStackConfig("eph-pr-42", fromCliValues("eph-pr-42", values), values["aws:region"]);
        assert.equal(parsed.network.availabilityZoneCount, 2);
        assert.equal(parsed.network.natGateways, "single");
        assert.equal(parsed.cluster.logRetentionDays, 1);
        assert.deepEqual(parsed.cluster.nodeGroups.general, {
            instanceTypes: ["t3.medium", "t3a.medium"],
            capacityType: "SPOT",
            minSize: 1,
            desiredSize: 2,
            maxSize: 3,
            diskSizeGiB: 20,
        });
        assert.equal(parsed.monitoring.prometheus.storageGiB, 0);
        assert.equal(parsed.monitoring.alertmanager.storageGiB, 0);
        assert.equal(parsed.monitoring.prometheus.retention, "1d");
        assert.equal(parsed.backend.maxReplicas, 3);
        assert.equal(parsed.stack.protect, false);
        assert.deepEqual(parsed.stack.tags, {
            project: "scalable-backend",
            stack: "eph-pr-42",
            environment: "ephemeral",
            owner: "alice",
            "managed-by": "pulumi",
            "created-at": "2026-11-25T08:00:00.000Z",
            "expires-at": "2026-11-25T16:00:00.000Z",
        });
        // dev's own settings carry over untouched.
        assert.deepEqual(config["pulumi:disable-default-providers"], ["kubernetes"]);
        assert.equal(config["scalable-backend:kubernetesVersion"], "1.35");
    });

    it("drops dev's encrypted values, which only dev's key can open", () => {
        const config = ephemeralConfig(
            { ...devStackFileConfig(), "scalable-backend:grafanaAdminPassword": { secure: "v1:abc" } },
            meta,
        );
        assert.equal("scalable-backend:grafanaAdminPassword" in config, false);
    });

    it("reads the hourly cost tag and works out the cost since creation", () => {
        assert.equal(hourlyFromTag("0.2527"), 0.2527);
        for (const value of [undefined, "unknown", "", "-1", "1e3", "$0.25"])
            assert.equal(hourlyFromTag(value), undefined);
        // 0.25 an hour for 8 hours.
        assert.equal(costSinceCreated(0.25, "2026-11-25T00:00:00.000Z", NOW), 2);
        assert.equal(costSinceCreated(undefined, "2026-11-25T00:00:00.000Z", NOW), undefined);
        assert.equal(costSinceCreated(0.25, undefined, NOW), undefined);
        assert.equal(costSinceCreated(0.25, "not a date", NOW), undefined);
        assert.equal(costSinceCreated(0.25, "2026-11-26T00:00:00.000Z", NOW), undefined, "created in the future");
    });

    it("prints the cost over the TTL at the hourly figures, and says so for an unknown region", () => {
        const priced = {
            region: "eu-west-1",
            priceTableDate: "2026-12-01",
            hourly: { min: 0.229, expected: 0.2527, max: 0.2764 },
        } as Estimate;
        // 90 minutes: 0.2527 x 1.5 = 0.379; 0.229 x 1.5 = 0.3435; 0.2764 x 1.5 = 0.4146.
        assert.equal(
            describeCreateCost(priced, "1h30m", 1.5 * HOUR),
            "Estimated cost: $0.2527/h expected ($0.2290 at min, $0.2764 at max nodes); over the 1h30m TTL: $0.38 expected ($0.34 to $0.41); eu-west-1 list prices of 2026-12-01, from an offline evaluation of this config",
        );
        assert.equal(
            describeCreateCost({ region: "ap-south-1", hourly: null } as Estimate, "8h", 8 * HOUR),
            "Estimated cost: unknown region ap-south-1 (the price table has no prices for it)",
        );
    });

    it("records owner, creation and expiry as stack tags", () => {
        assert.deepEqual(stackTags(meta), {
            owner: "alice",
            "created-at": "2026-11-25T08:00:00.000Z",
            "expires-at": "2026-11-25T16:00:00.000Z",
            "scalable-backend:ephemeral": "true",
        });
    });

    it("parses the command line strictly", () => {
        const none = {
            all: false,
            secretsProvider: undefined,
            policyPack: undefined,
            permissionsBoundary: undefined,
            placement: undefined,
            layer: undefined,
            sourceRanges: undefined,
            image: undefined,
            host: undefined,
            summaryFile: undefined,
        };
        assert.deepEqual(parseArgs(["create", "pr-42", "--ttl", "2h", "--owner", "bob"]), {
            command: "create",
            name: "pr-42",
            ttl: "2h",
            owner: "bob",
            dryRun: false,
            ...none,
        });
        assert.deepEqual(parseArgs(["reap", "--dry-run"]), {
            command: "reap",
            name: undefined,
            ttl: "8h",
            owner: undefined,
            dryRun: true,
            ...none,
        });
        const boundary = "arn:aws:iam::123456789012:policy/scalable-backend-boundary";
        assert.deepEqual(
            parseArgs([
                "create",
                "pr-42",
                "--secrets-provider",
                "awskms://alias/other?region=us-east-1",
                "--policy-pack",
                ".base/policy",
                "--permissions-boundary",
                boundary,
            ]),
            {
                command: "create",
                name: "pr-42",
                ttl: "8h",
                owner: undefined,
                dryRun: false,
                ...none,
                secretsProvider: "awskms://alias/other?region=us-east-1",
                policyPack: ".base/policy",
                permissionsBoundary: boundary,
            },
        );
        assert.throws(() => parseArgs(["destroy", "eph-a", "--policy-pack", "p"]), /--policy-pack is for create only/);
        for (const argv of [
            [],
            ["create"],
            ["create", "a", "b"],
            ["list", "x"],
            ["destroy", "--dry-run", "eph-a"],
            ["create", "a", "--ttl"],
            ["create", "a", "--ttl", "1w"],
            ["up", "dev"],
            ["list", "--force"],
            ["create", "a", "--secrets-provider"],
            ["reap", "--permissions-boundary", "arn:aws:iam::123456789012:policy/b"],
        ]) {
            assert.throws(() => parseArgs(argv), RefusedError, argv.join(" "));
        }
    });
});

interface Harness {
    readonly workDir: string;
    readonly state: string;
    calls(): string[][];
    /** Stacks with their tags (and outputs, {} unless given), in this order. */
    setStacks(stacks: Record<string, { tags: Record<string, string> }>, outputs?: Record<string, object>): void;
    /** stdout as `output`, stderr as `errors`; `sleep` is how the tool waits (a tenant's namespace). */
    run(
        argv: string[],
        fail?: string,
        sleep?: Context["sleep"],
    ): Promise<{ code: number; output: string; errors: string }>;
    cleanup(): void;
}

/** A stack's tags as the fake keeps them, after a run. */
function tagsOf(h: Harness, name: string): Record<string, string> {
    const dir = path.join(h.state, "stacks", name, "tags");
    return Object.fromEntries(fs.readdirSync(dir).map((key) => [key, fs.readFileSync(path.join(dir, key), "utf8")]));
}

/**
 * The estimate's offline evaluation, queued with the other tests' (the Pulumi runtime is
 * process-global). One evaluation serves every create here: what it prices (the sizes) is dev's
 * ephemeral profile in all of them; only owners, names and dates differ.
 */
let evaluated: Promise<StackRun> | undefined;
const offline: NonNullable<Context["evaluate"]> = (stack, config) => (evaluated ??= evaluate(stack, { config }));

/**
 * The fake CLI, found once for the file (a get runs `pulumi version` as a process), its calls then
 * answered in this process: the same answers, without ~340 processes.
 */
let fakeCommand: Promise<PulumiCommand> | undefined;
const theFake = (): Promise<PulumiCommand> =>
    (fakeCommand ??= PulumiCommand.get({ root: FAKE_PULUMI_ROOT, skipVersionCheck: true }).then((found) =>
        inProcess(found),
    ));

function harness(
    getCommand: () => Promise<PulumiCommand> = theFake,
    evaluateStack: Context["evaluate"] = offline,
): Harness {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-tool-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(workDir, "Pulumi.yaml"));
    const state = path.join(workDir, "fake-state");
    return {
        workDir,
        state,
        calls: () => {
            const file = path.join(state, "calls");
            if (!fs.existsSync(file)) return [];
            return fs
                .readFileSync(file, "utf8")
                .split("\n")
                .filter((line) => line !== "")
                .map((line) => line.split("\x1f"));
        },
        setStacks: (stacks, outputs = {}) => {
            for (const [name, stack] of Object.entries(stacks)) {
                fs.mkdirSync(path.join(state, "stacks", name, "tags"), { recursive: true });
                for (const [key, value] of Object.entries(stack.tags))
                    fs.writeFileSync(path.join(state, "stacks", name, "tags", key), value);
                fs.writeFileSync(path.join(state, "stacks", name, "outputs"), JSON.stringify(outputs[name] ?? {}));
            }
            fs.writeFileSync(
                path.join(state, "order"),
                Object.keys(stacks)
                    .map((name) => `${name}\n`)
                    .join(""),
            );
        },
        run: async (argv, fail, sleep) => {
            let output = "";
            let errors = "";
            const env: Record<string, string> = { FAKE_PULUMI_STATE: state, PULUMI_CONFIG_PASSPHRASE: "test" };
            if (fail) env.FAKE_PULUMI_FAIL = fail;
            const code = await run(
                argv,
                {
                    io: { out: (text) => (output += text), err: (text) => (errors += text), now: () => NOW },
                    env,
                    defaultOwner: "ci-bot",
                    workDir,
                    evaluate: evaluateStack,
                    sleep,
                },
                getCommand,
            );
            return { code, output, errors };
        },
        cleanup: () => fs.rmSync(workDir, { recursive: true, force: true }),
    };
}

/** Calls without the Automation API's own housekeeping, for readable sequence assertions. */
const commands = (calls: string[][]) => calls.map((c) => c.filter((a) => a !== "--non-interactive").join(" "));

describe("stack tool: Automation API flow against a fake pulumi", () => {
    let h: Harness;
    beforeEach(() => (h = harness()));
    afterEach(() => h.cleanup());

    it("creates: selects (missing), inits, writes dev-derived config, tags, runs up, prints the URL", async () => {
        const { code, output } = await h.run([
            "create",
            "feature/Login",
            "--placement",
            "cluster",
            "--ttl",
            "2h",
            "--owner",
            "alice",
            "--permissions-boundary",
            EPHEMERAL_BOUNDARY,
        ]);
        assert.equal(code, 0, output);
        const seq = commands(h.calls());
        // The listing first: a placement never changes in place, so create looks for the stack and its tenant.
        assert.deepEqual(seq.slice(0, 2), ["stack ls --json", "stack ls --json"]);
        assert.deepEqual(seq.slice(2, 5), [
            "stack select --stack eph-feature-login",
            // Every eph-* stack shares one KMS key that only the ephemeral role may use (bootstrap/).
            "stack init eph-feature-login --secrets-provider awskms://alias/scalable-backend-eph?region=eu-west-1",
            "stack tag ls --json --stack eph-feature-login",
        ]);
        assert.deepEqual(
            seq.filter((c) => c.startsWith("stack tag set")),
            [
                // First: an interrupted create still says what it is.
                "stack tag set scalable-backend:placement cluster --stack eph-feature-login",
                "stack tag set owner alice --stack eph-feature-login",
                "stack tag set created-at 2026-11-25T08:00:00.000Z --stack eph-feature-login",
                "stack tag set expires-at 2026-11-25T10:00:00.000Z --stack eph-feature-login",
                "stack tag set scalable-backend:ephemeral true --stack eph-feature-login",
                // The expected hourly cost of the config it wrote, estimated offline before up.
                "stack tag set scalable-backend:hourly-usd 0.2527 --stack eph-feature-login",
            ],
        );
        const up = seq.findIndex((c) => c.startsWith("up --yes --skip-preview"));
        assert.ok(
            up > seq.findIndex((c) => c.startsWith("stack tag set scalable-backend:ephemeral")),
            "up after tagging",
        );
        assert.match(seq[up], /--stack eph-feature-login/);
        assert.ok(
            seq[up].includes(`--policy-pack ${path.join(h.workDir, "policy")}`),
            "review stacks run with the policy pack",
        );
        assert.match(output, /Updating \(eph-feature-login\)/, "progress is streamed");
        // 0.2527 x 2 h = 0.51; 0.2290 x 2 = 0.46; 0.2764 x 2 = 0.55.
        assert.ok(
            output.includes(
                "Estimated cost: $0.2527/h expected ($0.2290 at min, $0.2764 at max nodes); over the 2h TTL: $0.51 expected ($0.46 to $0.55); eu-west-1 list prices of 2026-12-01, from an offline evaluation of this config\n",
            ),
            output,
        );
        assert.ok(output.indexOf("Estimated cost:") < output.indexOf("Updating ("), "the estimate comes before up");
        assert.match(output, /Backend URL: http:\/\/eph-feature-login\.elb\.example\.com/);
        const file = yaml.load(fs.readFileSync(path.join(h.workDir, "Pulumi.eph-feature-login.yaml"), "utf8")) as {
            secretsprovider: string;
            encryptedkey: string;
            config: Record<string, unknown>;
        };
        assert.equal(file.secretsprovider, "awskms://alias/scalable-backend-eph?region=eu-west-1");
        assert.equal(file.encryptedkey, "ZmFrZS1rbXMtd3JhcHBlZC1rZXk=", "the data key stack init wrapped is kept");
        assert.equal(file.config[BOUNDARY_KEY], EPHEMERAL_BOUNDARY);
        assert.deepEqual(file.config["scalable-backend:ephemeral"], {
            createdAt: "2026-11-25T08:00:00.000Z",
            expiresAt: "2026-11-25T10:00:00.000Z",
        });
        assert.equal(
            (file.config["scalable-backend:nodeGroups"] as { general: { capacityType: string } }).general.capacityType,
            "SPOT",
            "structures stay YAML, not strings",
        );
        assert.equal(file.config["scalable-backend:owner"], "alice");
    });

    it("estimates the config it writes, and goes on without an estimate, tagged unknown, when that fails", async () => {
        const seen: [string, Record<string, string>][] = [];
        const spy = harness(undefined, (stack, config) => {
            seen.push([stack, config]);
            return offline(stack, config);
        });
        try {
            const { code } = await spy.run([
                "create",
                "pr-5",
                "--placement",
                "cluster",
                "--owner",
                "carol",
                "--permissions-boundary",
                EPHEMERAL_BOUNDARY,
            ]);
            assert.equal(code, 0);
            const file = yaml.load(fs.readFileSync(path.join(spy.workDir, "Pulumi.eph-pr-5.yaml"), "utf8")) as {
                config: Record<string, unknown>;
            };
            assert.deepEqual(seen, [["eph-pr-5", toCliValues(file.config)]]);
        } finally {
            spy.cleanup();
        }
        const failing = harness(undefined, () => Promise.reject(new Error("the program failed\nat line 3")));
        try {
            const { code, output } = await failing.run([
                "create",
                "pr-6",
                "--placement",
                "cluster",
                "--permissions-boundary",
                EPHEMERAL_BOUNDARY,
            ]);
            assert.equal(code, 0, output);
            assert.match(output, /^Cost estimate unavailable: the program failed$/m);
            assert.doesNotMatch(output, /Estimated cost/);
            assert.ok(
                commands(failing.calls()).includes(
                    "stack tag set scalable-backend:hourly-usd unknown --stack eph-pr-6",
                ),
                "a stale estimate never survives a re-create",
            );
            assert.ok(
                commands(failing.calls()).some((c) => c.startsWith("up --yes")),
                "the create goes on",
            );
        } finally {
            failing.cleanup();
        }
    });

    it("is idempotent: a second create selects the stack, keeps its birth and owner, extends its life", async () => {
        h.setStacks({
            "eph-pr-7": {
                tags: {
                    owner: "alice",
                    "created-at": "2026-11-24T08:00:00.000Z",
                    "expires-at": "2026-11-24T16:00:00.000Z",
                },
            },
        });
        const { code, output } = await h.run([
            "create",
            "eph-pr-7",
            "--placement",
            "cluster",
            "--permissions-boundary",
            EPHEMERAL_BOUNDARY,
        ]);
        assert.equal(code, 0, output);
        const seq = commands(h.calls());
        assert.equal(seq.filter((c) => c.startsWith("stack init")).length, 0);
        // Only what changed or was missing is set: each tag set is a CLI call. Owner and birth stay.
        assert.deepEqual(
            seq
                .filter((c) => c.startsWith("stack tag set "))
                .map((c) => c.replace(/hourly-usd \d+\.\d{4} /, "hourly-usd <estimate> ")),
            [
                "stack tag set scalable-backend:placement cluster --stack eph-pr-7",
                "stack tag set expires-at 2026-11-25T16:00:00.000Z --stack eph-pr-7",
                "stack tag set scalable-backend:ephemeral true --stack eph-pr-7",
                "stack tag set scalable-backend:hourly-usd <estimate> --stack eph-pr-7",
            ],
        );
        const tags = tagsOf(h, "eph-pr-7");
        assert.deepEqual(
            [tags.owner, tags["created-at"], tags["expires-at"]],
            ["alice", "2026-11-24T08:00:00.000Z", "2026-11-25T16:00:00.000Z"],
        );
    });

    it("never shortens a stack's expiry: a shorter TTL on a second create keeps the later one", async () => {
        h.setStacks({
            "eph-pr-8": {
                tags: {
                    owner: "alice",
                    "created-at": "2026-11-24T08:00:00.000Z",
                    "expires-at": "2026-11-27T08:00:00.000Z",
                },
            },
        });
        const { code, output } = await h.run([
            "create",
            "eph-pr-8",
            "--placement",
            "cluster",
            "--ttl",
            "1h",
            "--permissions-boundary",
            EPHEMERAL_BOUNDARY,
        ]);
        assert.equal(code, 0, output);
        assert.match(output, /^Stack eph-pr-8: placement cluster, owner alice, expires 2026-11-27T08:00:00\.000Z$/m);
        assert.equal(tagsOf(h, "eph-pr-8")["expires-at"], "2026-11-27T08:00:00.000Z");
        assert.ok(!commands(h.calls()).some((c) => c.startsWith("stack tag set expires-at")));
    });

    it("refuses dev and prod, a bad owner and an option a command does not take, before any CLI call", async () => {
        for (const [argv, message] of [
            [["create", "dev"], 'error: Refusing to touch stack "dev"'],
            [["create", "prod", "--permissions-boundary", EPHEMERAL_BOUNDARY], 'error: Refusing to touch stack "prod"'],
            [["create", "pr-1", "--owner", "-alice"], `error: --owner "-alice" is not a valid owner`],
            [
                ["create", "pr-1", "--owner", "alice;rm"],
                'error: --owner "alice;rm" is not a valid owner: 1-128 characters',
            ],
            [["create", "pr-1", "--owner", "x".repeat(129)], "is not a valid owner"],
            [["list", "--ttl", "1h"], "error: --ttl is for create only."],
            [["destroy", "eph-a", "--owner", "bob"], "error: --owner is for create only."],
            [["create", "pr-1", "--dry-run"], "error: --dry-run is for reap only."],
            [["create", "pr-1", "--owner"], "error: --owner needs a value."],
            [["reap", "--force"], "error: Unknown option --force."],
            [["reap", "-f"], "error: Unknown option -f."],
            [["up"], 'error: Unknown command "up".'],
        ] as const) {
            const { code, output, errors } = await h.run([...argv]);
            assert.equal(code, 2, argv.join(" "));
            assert.equal(output, "", argv.join(" "));
            assert.ok(errors.includes(message), `${argv.join(" ")}: ${errors}`);
            assert.equal(errors.split("\n").length, 2, "one line");
        }
        assert.deepEqual(h.calls(), []);
    });

    it("prints a help page for the tool and for each command, exit 0, without the CLI", async () => {
        for (const argv of [["--help"], ["-h"], ["create", "--help"], ["reap", "-h"], ["destroy", "eph-a", "--help"]]) {
            const { code, output, errors } = await h.run(argv);
            assert.equal(code, 0, argv.join(" "));
            assert.equal(errors, "");
            assert.equal(output, HELP[argv[0] === "--help" || argv[0] === "-h" ? "tool" : (argv[0] as "create")]);
        }
        assert.match(
            HELP.tool,
            /^ {2}npm run stack -- reap \[--dry-run\] {17}destroy every review stack past its expiry$/m,
        );
        assert.match(HELP.create, /--permissions-boundary ARN {3}cluster only: boundary of every IAM role/);
        assert.deepEqual(h.calls(), []);
    });

    it("creates with the given boundary, pack and secrets provider; a second create keeps the boundary", async () => {
        const boundary = "arn:aws:iam::123456789012:policy/scalable-backend-boundary";
        const pack = path.join(h.workDir, "base", "policy");
        const first = await h.run([
            "create",
            "pr-9",
            "--placement",
            "cluster",
            "--permissions-boundary",
            boundary,
            "--policy-pack",
            pack,
            "--secrets-provider",
            "awskms://alias/team-eph?region=eu-west-1",
        ]);
        assert.equal(first.code, 0, first.output);
        const seq = commands(h.calls());
        assert.ok(seq.includes("stack init eph-pr-9 --secrets-provider awskms://alias/team-eph?region=eu-west-1"));
        const up = seq.find((c) => c.startsWith("up --yes --skip-preview"))!;
        assert.ok(up.includes(`--policy-pack ${pack}`), up);
        const read = () =>
            (
                yaml.load(fs.readFileSync(path.join(h.workDir, "Pulumi.eph-pr-9.yaml"), "utf8")) as {
                    config: Record<string, unknown>;
                }
            ).config[BOUNDARY_KEY];
        assert.equal(read(), boundary);
        const second = await h.run(["create", "eph-pr-9"]);
        assert.equal(second.code, 0, second.output);
        assert.equal(read(), boundary, "a re-create without --permissions-boundary keeps the stored one");
    });

    it("refuses a create without a permissions boundary, given or stored, before any CLI call", async () => {
        const { code, errors: output } = await h.run(["create", "pr-11", "--placement", "cluster"]);
        assert.notEqual(code, 0);
        assert.match(output, /eph-pr-11 needs a permissions boundary: pass --permissions-boundary <arn>/);
        assert.deepEqual(h.calls(), []);
    });

    it("destroys, and removes the stack only after the destroy succeeded", async () => {
        h.setStacks({ "eph-pr-7": { tags: {} } });
        const { code } = await h.run(["destroy", "eph-pr-7"]);
        assert.equal(code, 0);
        const seq = commands(h.calls());
        const destroy = seq.findIndex(
            (c) => c.startsWith("destroy --yes --skip-preview") && c.includes("--stack eph-pr-7"),
        );
        const remove = seq.indexOf("stack rm --yes eph-pr-7");
        assert.ok(destroy >= 0 && remove > destroy, seq.join("\n"));
    });

    it("keeps the stack when the destroy fails, and exits non-zero with the CLI's message", async () => {
        h.setStacks({ "eph-pr-7": { tags: {} } });
        const { code, output, errors } = await h.run(["destroy", "eph-pr-7"], "destroy");
        assert.equal(code, 1);
        assert.equal(errors, "error: pulumi destroy eph-pr-7 failed: destroy failed: resource still in use\n");
        assert.match(output, /Destroying \(eph-pr-7\)/, "the CLI's progress stays on stdout");
        assert.equal(commands(h.calls()).filter((c) => c.startsWith("stack rm")).length, 0);
    });

    it("fails a create whose up fails, with the CLI's error", async () => {
        const { code, output, errors } = await h.run(
            ["create", "pr-9", "--placement", "cluster", "--permissions-boundary", EPHEMERAL_BOUNDARY],
            "up",
        );
        assert.equal(code, 1);
        assert.equal(errors, "error: pulumi up eph-pr-9 failed: update failed: 1 resource failed to create\n");
        assert.doesNotMatch(output, /Backend URL/);
    });

    it("names a failing CLI call in one line, not the Automation API's dump", async () => {
        h.setStacks({ "eph-a": { tags: {} } });
        const { code, errors } = await h.run(["destroy", "eph-a"], "destroy");
        assert.equal(code, 1);
        assert.equal(errors, "error: pulumi destroy eph-a failed: destroy failed: resource still in use\n");
    });

    it("refuses to destroy what does not exist, saying so", async () => {
        const { code, errors } = await h.run(["destroy", "eph-a"]);
        assert.equal(code, 2);
        assert.equal(errors, "error: Neither eph-a nor tenant-a exists: nothing to destroy.\n");
    });

    it("refuses dev, prod and unprefixed names without a single CLI call", async () => {
        for (const name of ["dev", "prod", "my-stack"]) {
            const { code, errors: output } = await h.run(["destroy", name]);
            assert.equal(code, 2, name);
            assert.match(output, new RegExp(`Refusing to touch stack "${name}"`));
        }
        assert.deepEqual(h.calls(), []);
    });

    it("lists only ephemeral stacks with owner, expiry, hourly cost and cost since created", async () => {
        h.setStacks({
            dev: { tags: {} },
            prod: { tags: {} },
            "eph-a": {
                tags: {
                    owner: "alice",
                    "created-at": "2026-11-24T23:00:00.000Z",
                    "expires-at": "2026-11-25T07:00:00.000Z",
                    "scalable-backend:hourly-usd": "0.2527",
                },
            },
            "eph-b": { tags: { owner: "bob", "expires-at": "2026-11-26T07:00:00.000Z" } },
            "eph-c": { tags: { "created-at": "2026-11-25T07:30:00.000Z", "scalable-backend:hourly-usd": "unknown" } },
        });
        const { code, output } = await h.run(["list"]);
        assert.equal(code, 0);
        // eph-a: 9 hours since 23:00 at 0.2527 = 2.2743.
        assert.equal(
            output,
            [
                "eph-a\tplacement=cluster\towner=alice\texpires=2026-11-25T07:00:00.000Z\thourly=$0.2527/h\tsince-created=$2.27\tEXPIRED",
                "eph-b\tplacement=cluster\towner=bob\texpires=2026-11-26T07:00:00.000Z\thourly=?\tsince-created=?",
                "eph-c\tplacement=cluster\towner=?\texpires=never (no tag)\thourly=?\tsince-created=?",
                "",
            ].join("\n"),
        );
        assert.ok(
            !commands(h.calls()).some((c) => c.includes("--stack dev") || c.includes("--stack prod")),
            "dev and prod are never even asked for tags",
        );
    });

    it("reaps only expired ephemeral stacks; --dry-run destroys nothing", async () => {
        const stacks = {
            prod: { tags: { "expires-at": "2000-01-01T00:00:00.000Z" } },
            "eph-old": { tags: { "expires-at": "2026-11-25T07:59:59.000Z" } },
            "eph-new": { tags: { "expires-at": "2026-11-25T08:00:01.000Z" } },
            "eph-untagged": { tags: {} },
        };
        h.setStacks(stacks);
        const dry = await h.run(["reap", "--dry-run"]);
        assert.equal(dry.code, 0);
        assert.match(dry.output, /Would destroy eph-old/);
        assert.match(dry.output, /Skipping eph-untagged: no expires-at tag/);
        assert.ok(!commands(h.calls()).some((c) => c.startsWith("destroy") || c.startsWith("stack rm")));

        h.setStacks(stacks);
        const real = await h.run(["reap"]);
        assert.equal(real.code, 0, real.output);
        const seq = commands(h.calls());
        assert.deepEqual(
            seq.filter((c) => c.startsWith("destroy")).map((c) => c.match(/--stack (\S+)/)?.[1]),
            ["eph-old"],
        );
        assert.deepEqual(
            seq.filter((c) => c.startsWith("stack rm")),
            ["stack rm --yes eph-old"],
        );
        assert.match(real.output, /Reaped 1 stack\(s\)/);
    });

    it("goes on reaping when one stack fails, then exits non-zero naming it", async () => {
        h.setStacks({
            "eph-a": { tags: { "expires-at": "2026-11-01T00:00:00.000Z" } },
            "eph-b": { tags: { "expires-at": "2026-11-01T00:00:00.000Z" } },
        });
        const { code, errors } = await h.run(["reap"], "destroy:eph-a");
        assert.equal(code, 1);
        assert.equal(
            errors,
            "error: Could not reap 1 stack(s): eph-a: pulumi destroy eph-a failed: destroy failed: resource still in use\n",
        );
        assert.ok(commands(h.calls()).includes("stack rm --yes eph-b"));
    });
});

describe("stack tool: on a fresh CI runner", () => {
    it("updates an existing stack whose file is not on this machine, writing it anew", async () => {
        const h = harness();
        try {
            h.setStacks({
                "eph-pr-3": {
                    tags: {
                        owner: "alice",
                        "created-at": "2026-11-24T08:00:00.000Z",
                        "expires-at": "2026-11-24T16:00:00.000Z",
                    },
                },
            });
            assert.equal(fs.existsSync(path.join(h.workDir, "Pulumi.eph-pr-3.yaml")), false);
            const { code, output } = await h.run([
                "create",
                "eph-pr-3",
                "--placement",
                "cluster",
                "--permissions-boundary",
                EPHEMERAL_BOUNDARY,
            ]);
            assert.equal(code, 0, output);
            const file = yaml.load(fs.readFileSync(path.join(h.workDir, "Pulumi.eph-pr-3.yaml"), "utf8")) as {
                config: Record<string, unknown>;
            };
            assert.deepEqual(file.config["scalable-backend:ephemeral"], {
                createdAt: "2026-11-24T08:00:00.000Z",
                expiresAt: "2026-11-25T16:00:00.000Z",
            });
        } finally {
            h.cleanup();
        }
    });

    it("keeps a stack that a create extended between the reap's listing and its destroy", async () => {
        const h = harness();
        try {
            h.setStacks({ "eph-a": { tags: { "expires-at": "2026-11-01T00:00:00.000Z" } } });
            // The fake extends eph-a as soon as the reaper first lists its tags.
            const { code, output } = await h.run(["reap"], "extend-after-ls:eph-a");
            assert.equal(code, 0, output);
            assert.match(output, /Keeping eph-a: extended to 2026-12-01T00:00:00.000Z since the listing/);
            assert.ok(!commands(h.calls()).some((c) => c.startsWith("destroy")));
        } finally {
            h.cleanup();
        }
    });
});

describe("stack tool: without the Pulumi CLI", () => {
    it("refuses a CLI too old for stack tags on self-managed backends", async () => {
        const saved = process.env.FAKE_PULUMI_VERSION;
        process.env.FAKE_PULUMI_VERSION = "v3.150.0";
        const h = harness(() =>
            PulumiCommand.get({ root: FAKE_PULUMI_ROOT, version: new SemVer(MINIMUM_CLI_VERSION) }),
        );
        try {
            const { code, errors: output } = await h.run(["list"]);
            assert.equal(code, 2);
            assert.match(output, /The Pulumi CLI is too old: this tool needs 3\.211\.0 or newer/);
            assert.deepEqual(h.calls(), []);
        } finally {
            if (saved === undefined) delete process.env.FAKE_PULUMI_VERSION;
            else process.env.FAKE_PULUMI_VERSION = saved;
            h.cleanup();
        }
    });

    it("says how to install it and exits non-zero", async () => {
        const h = harness(() =>
            PulumiCommand.get({ root: path.join(os.tmpdir(), "no-pulumi-here"), skipVersionCheck: true }),
        );
        try {
            const { code, errors: output } = await h.run(["list"]);
            assert.equal(code, 2);
            assert.match(
                output,
                /The Pulumi CLI was not found\. Install it \(curl -fsSL https:\/\/get\.pulumi\.com \| sh, or npm install -g pulumi\)/,
            );
        } finally {
            h.cleanup();
        }
    });
});

describe("stack tool: the shared placement (tenant, then app) against a fake pulumi", () => {
    // One offline evaluation of the app layer, its host fed dev's outputs, serves every create here.
    let app: Promise<StackRun> | undefined;
    const hosted: NonNullable<Context["evaluate"]> = (stack, config) =>
        (app ??= devReference().then((stackReferences) => evaluate(stack, { config, stackReferences })));
    let h: Harness;
    beforeEach(() => (h = harness(undefined, hosted)));
    afterEach(() => h.cleanup());

    const shared = { "scalable-backend:placement": "shared", "expires-at": "2026-11-25T07:00:00.000Z", owner: "alice" };

    it("creates the tenant (namespace) first, then the app into it, and writes the reviewer's summary", async () => {
        const summaryFile = path.join(h.workDir, "summary.json");
        const { code, output } = await h.run(["create", "pr-12", "--owner", "alice", "--summary", summaryFile]);
        assert.equal(code, 0, output);
        const seq = commands(h.calls()).filter((c) => !c.startsWith("stack ls") && !c.startsWith("stack tag ls"));
        const at = (prefix: string) => seq.findIndex((c) => c.startsWith(prefix));
        assert.deepEqual(seq.slice(0, 2), [
            "stack select --stack tenant-pr-12",
            "stack init tenant-pr-12 --secrets-provider awskms://alias/scalable-backend-eph?region=eu-west-1",
        ]);
        assert.deepEqual(
            seq.filter((c) => c.startsWith("stack tag set") && c.endsWith("tenant-pr-12")),
            [
                "stack tag set scalable-backend:placement shared --stack tenant-pr-12",
                "stack tag set owner alice --stack tenant-pr-12",
                "stack tag set created-at 2026-11-25T08:00:00.000Z --stack tenant-pr-12",
                "stack tag set expires-at 2026-11-25T16:00:00.000Z --stack tenant-pr-12",
                "stack tag set scalable-backend:ephemeral true --stack tenant-pr-12",
                "stack tag set scalable-backend:tenant-of eph-pr-12 --stack tenant-pr-12",
                // A quota caps; it does not spend.
                "stack tag set scalable-backend:hourly-usd unknown --stack tenant-pr-12",
            ],
        );
        const tenantUp = seq.findIndex((c) => c.startsWith("up ") && c.includes("--stack tenant-pr-12"));
        const appInit = at("stack init eph-pr-12");
        const appUp = seq.findIndex((c) => c.startsWith("up ") && c.includes("--stack eph-pr-12"));
        assert.ok(tenantUp > 0 && appInit > tenantUp && appUp > appInit, seq.join("\n"));
        assert.ok(seq[appUp].includes(`--policy-pack ${path.join(h.workDir, "policy")}`));
        const hourly = seq.find(
            (c) => c.startsWith("stack tag set scalable-backend:hourly-usd") && c.endsWith("eph-pr-12"),
        );
        assert.match(hourly ?? "", /^stack tag set scalable-backend:hourly-usd 0\.00\d\d --stack eph-pr-12$/);

        const file = (name: string) =>
            (
                yaml.load(fs.readFileSync(path.join(h.workDir, `Pulumi.${name}.yaml`), "utf8")) as {
                    config: Record<string, any>;
                }
            ).config;
        assert.deepEqual(Object.keys(file("tenant-pr-12")).sort(), [
            "aws:region",
            "pulumi:disable-default-providers",
            "scalable-backend:ephemeral",
            "scalable-backend:owner",
        ]);
        const appConfig = file("eph-pr-12");
        assert.equal(appConfig["scalable-backend:placement"], "shared");
        assert.equal(appConfig[BOUNDARY_KEY], undefined, "the app layer creates no IAM role");
        assert.equal(appConfig["scalable-backend:vpcCidr"], undefined, "no cluster key");
        assert.match(output, /^Reach it with: kubectl -n eph-pr-12 port-forward svc\/backend 8080:80$/m);
        const summary = JSON.parse(fs.readFileSync(summaryFile, "utf8"));
        assert.deepEqual(
            { ...summary, hourlyUsd: typeof summary.hourlyUsd },
            {
                stack: "eph-pr-12",
                placement: "shared",
                namespace: "eph-pr-12",
                portForward: "kubectl -n eph-pr-12 port-forward svc/backend 8080:80",
                expiresAt: "2026-11-25T16:00:00.000Z",
                hourlyUsd: "number",
            },
        );
    });

    it("--layer app waits for its tenant's namespace (another job makes it), then deploys", async () => {
        let polls = 0;
        const waiting = harness(undefined, hosted);
        try {
            const run = waiting.run(["create", "pr-13", "--layer", "app"], undefined, async () => {
                // The tenant job finishes while the app job waits.
                if (++polls === 2)
                    waiting.setStacks(
                        { "tenant-pr-13": { tags: { "scalable-backend:placement": "shared" } } },
                        {
                            "tenant-pr-13": { namespace: "eph-pr-13" },
                        },
                    );
            });
            const { code, output } = await run;
            assert.equal(code, 0, output);
            assert.equal(polls, 2);
            assert.match(output, /Waiting for tenant-pr-13's namespace\.\.\./);
            const seq = commands(waiting.calls());
            assert.ok(
                !seq.some((c) => c.startsWith("up ") && c.includes("tenant-pr-13")),
                "the app job never runs the tenant",
            );
            assert.ok(seq.some((c) => c.startsWith("up ") && c.includes("--stack eph-pr-13")));
        } finally {
            waiting.cleanup();
        }
    });

    it("--layer app gives up after 10 minutes without a tenant, before creating anything", async () => {
        let slept = 0;
        const { code, errors } = await h.run(
            ["create", "pr-14", "--layer", "app"],
            undefined,
            async () => void slept++,
        );
        assert.equal(code, 2);
        assert.match(errors, /tenant-pr-14 has no namespace after 10 minutes: the tenant layer runs first/);
        assert.equal(slept, 40);
        assert.ok(!commands(h.calls()).some((c) => c.startsWith("stack init")));
    });

    it("destroys the app layer first, then the tenant (namespace last), removing each after its destroy", async () => {
        h.setStacks({ "tenant-pr-15": { tags: shared }, "eph-pr-15": { tags: shared } });
        const { code, output } = await h.run(["destroy", "eph-pr-15"]);
        assert.equal(code, 0, output);
        assert.deepEqual(
            commands(h.calls())
                .filter((c) => c.startsWith("destroy ") || c.startsWith("stack rm"))
                .map((c) => c.replace(/ --.*--stack/, " --stack")),
            [
                "destroy --stack eph-pr-15",
                "stack rm --yes eph-pr-15",
                "destroy --stack tenant-pr-15",
                "stack rm --yes tenant-pr-15",
            ],
        );
    });

    it("never changes a stack's placement in place: a cluster create of a shared stack is refused, nothing touched", async () => {
        h.setStacks({ "tenant-pr-20": { tags: shared }, "eph-pr-20": { tags: shared } });
        const { code, errors } = await h.run([
            "create",
            "pr-20",
            "--placement",
            "cluster",
            "--permissions-boundary",
            EPHEMERAL_BOUNDARY,
        ]);
        assert.equal(code, 2);
        assert.match(
            errors,
            /eph-pr-20 is a shared review stack: destroy it first \(npm run stack -- destroy eph-pr-20\), then create it with --placement cluster/,
        );
        assert.ok(
            !commands(h.calls()).some(
                (c) => c.startsWith("stack init") || c.startsWith("stack tag set") || c.startsWith("up "),
            ),
        );
        // A tenant alone (its app destroyed) still makes the stack shared.
        const tenantOnly = harness(undefined, hosted);
        try {
            tenantOnly.setStacks({ "tenant-pr-21": { tags: shared } });
            const again = await tenantOnly.run([
                "create",
                "pr-21",
                "--placement",
                "cluster",
                "--permissions-boundary",
                EPHEMERAL_BOUNDARY,
            ]);
            assert.equal(again.code, 2);
            assert.match(again.errors, /eph-pr-21 is a shared review stack/);
        } finally {
            tenantOnly.cleanup();
        }
    });

    it("keeps the tenant when the app layer's destroy fails: the namespace outlives what runs in it", async () => {
        h.setStacks({ "tenant-pr-22": { tags: shared }, "eph-pr-22": { tags: shared } });
        const { code, errors } = await h.run(["destroy", "eph-pr-22"], "destroy:eph-pr-22");
        assert.equal(code, 1);
        assert.match(errors, /pulumi destroy eph-pr-22 failed/);
        const seq = commands(h.calls());
        assert.ok(
            !seq.some((c) => c.includes("tenant-pr-22") && (c.startsWith("destroy ") || c.startsWith("stack rm"))),
        );
        assert.ok(!seq.some((c) => c.startsWith("stack rm")), "nothing removed");
    });

    it("refuses to destroy a tenant whose app stack still exists, and destroys nothing", async () => {
        h.setStacks({ "tenant-pr-16": { tags: shared }, "eph-pr-16": { tags: shared } });
        const { code, errors } = await h.run(["destroy", "eph-pr-16", "--layer", "tenant"]);
        assert.equal(code, 2);
        assert.match(errors, /eph-pr-16 still exists: destroy the app layer first/);
        assert.ok(!commands(h.calls()).some((c) => c.startsWith("destroy ")));
    });

    it("lists placement and layer; reaps a shared stack app first, and tenants alone only once their app is gone", async () => {
        h.setStacks({
            "eph-old": { tags: { owner: "x", "expires-at": "2026-11-25T07:00:00.000Z" } },
            "tenant-pr-17": { tags: shared },
            "eph-pr-17": { tags: shared },
            "tenant-pr-18": { tags: shared },
            "eph-pr-18": { tags: shared },
        });
        const listed = await h.run(["list"]);
        assert.deepEqual(
            listed.output.split("\n").map((l) => l.split("\t").slice(0, 3).join(" ")),
            [
                "eph-old placement=cluster owner=x",
                "tenant-pr-17 placement=shared layer=tenant",
                "eph-pr-17 placement=shared layer=app",
                "tenant-pr-18 placement=shared layer=tenant",
                "eph-pr-18 placement=shared layer=app",
                "",
            ],
        );
        const tenantsFirst = await h.run(["reap", "--layer", "tenant"]);
        assert.equal(tenantsFirst.code, 0, tenantsFirst.errors);
        assert.match(tenantsFirst.output, /Keeping tenant-pr-17: its app stack eph-pr-17 still exists/);
        assert.ok(!commands(h.calls()).some((c) => c.startsWith("destroy ")));
        const { code, output } = await h.run(["reap", "--placement", "shared"]);
        assert.equal(code, 0, output);
        assert.deepEqual(
            commands(h.calls())
                .filter((c) => c.startsWith("destroy "))
                .map((c) => c.split("--stack ")[1]),
            ["eph-pr-17", "tenant-pr-17", "eph-pr-18", "tenant-pr-18"],
        );
        assert.match(output, /Reaped 2 stack\(s\)/);
    });

    it("reap --all removes every review stack, expired or not (dev's destroy path removes its guests first)", async () => {
        h.setStacks({
            "tenant-pr-19": { tags: { ...shared, "expires-at": "2027-01-01T00:00:00.000Z" } },
            "eph-pr-19": { tags: { ...shared, "expires-at": "2027-01-01T00:00:00.000Z" } },
        });
        const { code, output } = await h.run(["reap", "--all"]);
        assert.equal(code, 0, output);
        assert.deepEqual(
            commands(h.calls())
                .filter((c) => c.startsWith("destroy "))
                .map((c) => c.split("--stack ")[1]),
            ["eph-pr-19", "tenant-pr-19"],
        );
    });

    for (const [argv, says] of [
        [
            ["create", "pr-1", "--permissions-boundary", EPHEMERAL_BOUNDARY],
            "--permissions-boundary is for --placement cluster",
        ],
        [["create", "pr-1", "--public"], "--public and --source-ranges go together"],
        [["create", "pr-1", "--public", "--source-ranges", "0.0.0.0/0"], "not a CIDR this tool publishes to"],
        [["create", "pr-1", "--placement", "cluster", "--layer", "app"], "--layer is for the shared placement"],
        [["create", "pr-1", "--placement", "namespace"], '--placement "namespace" is not one of shared, cluster'],
        [["reap", "--public"], "--public is for create only"],
    ] as const) {
        it(`refuses ${argv.slice(2).join(" ")}, before creating anything`, async () => {
            const { code, errors } = await h.run([...argv]);
            assert.equal(code, 2, errors);
            assert.ok(errors.includes(says), errors);
            assert.ok(!commands(h.calls()).some((c) => c.startsWith("stack init") || c.startsWith("up ")));
        });
    }
});
