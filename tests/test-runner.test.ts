// tools/test.ts: the runner that puts npm test's steps side by side.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../testing/engine";
import { runAll, STEPS, TIER_UP_BUDGET, tierUpBudget } from "../tools/test";

/** package.json's scripts. */
const scripts = (): Record<string, string> =>
    (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
        .scripts;

describe("npm test's runner", () => {
    const node = (name: string, script: string) => ({ name, command: process.execPath, args: ["-e", script] });

    it("runs every step, reports each one's output, exit code and time, and runs two at a time", async () => {
        const printed: string[] = [];
        const outcomes = await runAll(
            [
                node("first", "console.log('one'); process.exit(0)"),
                node("second", "console.error('two'); process.exit(3)"),
                node("third", "console.log('three')"),
            ],
            (text) => printed.push(text),
        );
        const byName = Object.fromEntries(outcomes.map((o) => [o.step, o]));
        assert.deepEqual(Object.keys(byName).sort(), ["first", "second", "third"]);
        assert.deepEqual([byName.first.code, byName.second.code, byName.third.code], [0, 3, 0]);
        assert.equal(byName.second.output, "two\n");
        assert.ok(printed.some((text) => text.startsWith("\n=== second: FAILED (exit 3) in ")));
        assert.ok(printed.some((text) => text.startsWith("\n=== third: ok in ") && text.endsWith("three\n")));
        for (const outcome of outcomes) assert.ok(outcome.seconds >= 0);
    });

    it("exits with the code only once a report larger than a pipe's buffer is all written to the pipe", async () => {
        const report = "x".repeat(1 << 20);
        const script = `const { exitWhenWritten } = require("./tools/test.ts"); process.stdout.write("x".repeat(${1 << 20})); exitWhenWritten(3);`;
        const child = spawn(process.execPath, ["-r", "./tools/transpile.cjs", "-e", script], { cwd: ROOT });
        let received = "";
        // A slow reader, as tee is under load: the pipe fills and the writer must wait for it.
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 200);
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (received += chunk));
        const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
        assert.equal(code, 3);
        assert.equal(received.length, report.length);
    });

    it("reports a command that cannot start as a failure, not a crash", async () => {
        const [outcome] = await runAll([{ name: "missing", command: "/nonexistent/tool", args: [] }], () => undefined);
        assert.equal(outcome.code, 127);
        assert.match(outcome.output, /ENOENT/);
    });

    it("has exactly one type-check among npm test's steps, and the suite, formatting and workflow lint", () => {
        assert.deepEqual(
            STEPS.map((s) => s.name),
            ["check", "unit", "format", "workflows"],
        );
        const commands = STEPS.map((s) => [s.command, ...s.args].join(" "));
        assert.equal(commands.filter((c) => /tools\/check\.ts|\btsc\b/.test(c)).length, 1);
    });

    it("runs mocha, and every process it starts, with one V8 helper thread, on top of the caller's NODE_OPTIONS", () => {
        const unit = STEPS.find((s) => s.name === "unit")!;
        // Its own process under node, with the higher tier-up budget (not allowed in NODE_OPTIONS).
        assert.equal(unit.command, process.execPath);
        const mocha = path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
        assert.deepEqual(unit.args, ["--max-semi-space-size=64", ...tierUpBudget(), mocha]);
        assert.ok(fs.existsSync(mocha), `${mocha} is where npm installs mocha's CLI`);
        const options = unit.env?.NODE_OPTIONS.split(" ") ?? [];
        assert.equal(options.at(-1), "--v8-pool-size=1");
        assert.deepEqual(options.slice(0, -1), process.env.NODE_OPTIONS ? process.env.NODE_OPTIONS.split(" ") : []);
    });

    it("runs Prettier's own script under node with one V8 helper thread, checking with its cache", () => {
        const format = STEPS.find((s) => s.name === "format")!;
        assert.equal(format.command, process.execPath);
        assert.deepEqual(format.args, [
            "--v8-pool-size=1",
            path.join(ROOT, "node_modules", "prettier", "bin", "prettier.cjs"),
            "--check",
            "--cache",
            ".",
        ]);
        assert.ok(fs.existsSync(format.args[1]), `${format.args[1]} is where npm installs Prettier's CLI`);
    });

    it("passes the tier-up budget only to a node that accepts it", () => {
        // Node 20's V8 11 has the flag (what a later V8 does is up to it); a node that refuses it gets none.
        if (process.versions.v8.startsWith("11.")) assert.deepEqual(tierUpBudget(), [TIER_UP_BUDGET]);
        assert.deepEqual(tierUpBudget("/bin/true"), [TIER_UP_BUDGET]);
        assert.deepEqual(tierUpBudget("/bin/false"), []);
        assert.deepEqual(tierUpBudget("/nonexistent/node"), []);
    });

    it("keeps Prettier's cache in npm run format and format:check: a run without --cache deletes it", () => {
        // Else the npm test after a `npm run format` checks every file again (0.7 s -> 4.3 s here);
        // the format step reads the same cache, at its default place (its arguments are tested above).
        assert.equal(scripts().format, "prettier --write --cache .");
        assert.equal(scripts()["format:check"], "prettier --check --cache .");
    });

    it("sets a step's environment on top of its own", async () => {
        const [outcome] = await runAll(
            [
                {
                    ...node("env", "console.log(process.env.STEP_ONLY, process.env.PATH === undefined)"),
                    env: { STEP_ONLY: "set" },
                },
            ],
            () => undefined,
        );
        assert.equal(outcome.output, "set false\n");
    });

    it("runs the check as npm run check does, with one V8 helper thread and its old generation sized up front", () => {
        const check = STEPS.find((s) => s.name === "check")!;
        // The tier-up budget only beside the unit step: alone, the default is faster.
        assert.deepEqual(
            check.args.filter((arg) => arg !== TIER_UP_BUDGET),
            scripts().check.split(" ").slice(1),
        );
        assert.deepEqual(
            check.args.filter((arg) => arg === TIER_UP_BUDGET),
            tierUpBudget(),
        );
        assert.ok(check.args.includes("--v8-pool-size=1"));
        assert.ok(check.args.includes("--initial-old-space-size=1024"));
    });
});
