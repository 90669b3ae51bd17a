// tools/test.ts: the runner that puts npm test's steps side by side.
import * as assert from "node:assert/strict";
import { runAll, STEPS } from "../tools/test";

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
});
