// `npm test`: the independent steps run two at a time (one per core; more only fight over the
// cores), longest first, each one's output printed whole when it ends, with its wall time.
// Fails if any step fails.
//   check      the one type-check and the type-aware lint, on one program (tools/check.ts)
//   format     prettier --check (with its content cache)
//   workflows  actionlint on .github/workflows (skipped when they are what its last clean run saw)
//   unit       mocha (tests/ and app/test/)
import { spawn, spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

/**
 * How much a function runs before V8 considers optimizing it: 300k bytecode units, not 66k. V8's
 * optimizing compiler runs on the helper thread, and for the check and mocha, which run a lot of
 * code once or a few times, it was most of that thread's work (the check: 5.7-5.9 CPU-s beside
 * 9.0-9.4 on its main thread). With the higher budget, fewer functions are optimized that then
 * barely run: the check 14.7-15.2 -> 12.8-13.3 CPU-s (0.4 s slower alone), mocha's process
 * 7.5-7.7 -> 7.0-7.1; npm test 17.3-17.7 -> 15.7-16.2 s, 3 CPU-s less, in alternating runs.
 * Not for Prettier, nor for `npm run check` alone: there the helper thread has a core to itself
 * (the check alone is 0.4 s faster with the default).
 */
export const TIER_UP_BUDGET = "--interrupt-budget=300000";

/**
 * [TIER_UP_BUDGET] when `node` accepts it, else []: V8 11 (Node 20) has the flag; later V8s tier
 * up by invocation counts instead, and node refuses a flag its V8 lacks ("bad option").
 */
export function tierUpBudget(node: string = process.execPath): string[] {
    return spawnSync(node, [TIER_UP_BUDGET, "-e", ""], { stdio: "ignore" }).status === 0 ? [TIER_UP_BUDGET] : [];
}
const TIER_UP = tierUpBudget();

export interface Step {
    readonly name: string;
    readonly command: string;
    readonly args: readonly string[];
    /** Set on top of this process's environment. */
    readonly env?: Readonly<Record<string, string>>;
}

export const STEPS: readonly Step[] = [
    {
        name: "check",
        command: process.execPath,
        // A larger young generation: parsing the SDKs' declarations allocates a lot, briefly. One V8
        // helper thread, not four: on two cores the GC's helpers only fight the other step (alone:
        // 10.7-11.3 s and 16.9-17.7 CPU-s with four, 9.4-9.7 s and 15.5-15.8 CPU-s with one). An old
        // generation sized for the ~1 GB the program grows to from the start: three full mark-compacts
        // as it grows become none (beside the unit step, check 16.5-17.1 -> 16.3-16.5 s, 0.5-1.3 CPU-s
        // less; peak RSS unchanged at 1.24 GB).
        args: [
            "--max-semi-space-size=64",
            "--initial-old-space-size=1024",
            "--v8-pool-size=1",
            ...TIER_UP,
            "-r",
            "./tools/transpile.cjs",
            "tools/check.ts",
        ],
    },
    // One V8 helper thread for mocha and every process it starts, for the same reason (alone: 15.1-15.3
    // -> 14.8 s; beside the check, 19.9-20.7 -> 19.5-19.6 s in alternating runs). A larger young
    // generation for mocha's own process, which allocates the stack evaluations' records: its main
    // thread 6.0-6.1 -> 5.6 CPU-s, its helper 1.3 -> 1.1.
    {
        name: "unit",
        command: process.execPath,
        args: ["--max-semi-space-size=64", ...TIER_UP, path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js")],
        env: { NODE_OPTIONS: [process.env.NODE_OPTIONS, "--v8-pool-size=1"].filter(Boolean).join(" ") },
    },
    // --cache: a file whose content Prettier already found formatted is not formatted again. One V8
    // helper thread here too: with the default two, a cold check (no cache) took 3.1 s and 4.7 CPU-s
    // alone; with one, 2.2-2.3 s and 4.0-4.1 CPU-s. It runs last, alone on a core: its wall time is
    // the tail of npm test.
    {
        name: "format",
        command: process.execPath,
        args: [
            "--v8-pool-size=1",
            path.join(ROOT, "node_modules", "prettier", "bin", "prettier.cjs"),
            "--check",
            "--cache",
            ".",
        ],
    },
    { name: "workflows", command: process.execPath, args: ["-r", "./tools/transpile.cjs", "tools/lint-workflows.ts"] },
];

export interface Outcome {
    readonly step: string;
    readonly code: number;
    readonly seconds: number;
    readonly output: string;
}

export function runStep(step: Step, cwd: string = ROOT): Promise<Outcome> {
    const started = Date.now();
    return new Promise((resolve) => {
        let output = "";
        // Colours when a person watches; plain text for CI, which greps the output.
        const color = process.stdout.isTTY ? { FORCE_COLOR: "1" } : {};
        const child = spawn(step.command, [...step.args], { cwd, env: { ...process.env, ...color, ...step.env } });
        child.stdout.on("data", (chunk) => (output += chunk));
        child.stderr.on("data", (chunk) => (output += chunk));
        const done = (code: number) =>
            resolve({ step: step.name, code, seconds: (Date.now() - started) / 1000, output });
        child.on("error", (error) => {
            output += `${error.message}\n`;
            done(127);
        });
        child.on("close", (code, signal) => done(code ?? (signal ? 128 : 1)));
    });
}

/** Runs the steps `concurrency` at a time, in order; each outcome is printed as it ends. */
export async function runAll(
    steps: readonly Step[],
    print: (text: string) => void,
    concurrency = 2,
    cwd?: string,
): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const queue = [...steps];
    const worker = async (): Promise<void> => {
        for (let step = queue.shift(); step !== undefined; step = queue.shift()) {
            const outcome = await runStep(step, cwd);
            const mark = outcome.code === 0 ? "ok" : `FAILED (exit ${outcome.code})`;
            print(`\n=== ${step.name}: ${mark} in ${outcome.seconds.toFixed(1)} s\n${outcome.output}`);
            outcomes.push(outcome);
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, steps.length) }, worker));
    return outcomes;
}

async function main(): Promise<number> {
    const started = Date.now();
    const outcomes = await runAll(STEPS, (text) => process.stdout.write(text));
    const failed = outcomes.filter((o) => o.code !== 0).map((o) => o.step);
    const times = outcomes.map((o) => `${o.step} ${o.seconds.toFixed(1)} s`).join(", ");
    console.log(
        `\nnpm test: ${failed.length === 0 ? "passed" : `FAILED: ${failed.join(", ")}`} in ${((Date.now() - started) / 1000).toFixed(1)} s (${times})`,
    );
    return failed.length === 0 ? 0 : 1;
}

/**
 * Ends the process with `code` once everything written to stdout and stderr is out. Not
 * process.exit(): on a pipe (CI's `npm test | tee`) stdout is written asynchronously, and exit
 * would cut the report off at the pipe's 64 KiB, summary line and all.
 */
export function exitWhenWritten(code: number): void {
    process.exitCode = code;
}

if (require.main === module) {
    main().then(exitWhenWritten, (error: Error) => {
        console.error(`npm test: ${error.stack ?? error.message}`);
        exitWhenWritten(2);
    });
}
