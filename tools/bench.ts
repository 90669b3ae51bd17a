// Benchmarks of what a user waits for, as ratios from one run (never timed tests: they flake on
// shared machines). Each figure is a fresh process, interleaved with its reference, median of N.
//   npm run bench [-- --runs 5]
//   plan      `npm run plan -- prod` against loading the four SDKs it imports (the floor)
//   startup   the Pulumi CLI's start-up, replayed in-process (tools/pulumi-host.cjs): with
//             tsconfig.pulumi.json against the CLI's default (ts-node type-checking every file)
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const FLOOR =
    "require('@pulumi/pulumi'); require('@pulumi/aws'); require('@pulumi/kubernetes'); require('@pulumi/eks')";

function seconds(args: string[]): number {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
    if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
}

export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs `subject` and `reference` alternately, `runs` times each; their medians and the ratio. */
export function compare(
    runs: number,
    subject: () => number,
    reference: () => number,
): { subject: number; reference: number; ratio: number } {
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
        a.push(subject());
        b.push(reference());
    }
    const s = median(a);
    const r = median(b);
    return { subject: s, reference: r, ratio: s / r };
}

function main(): void {
    const at = process.argv.indexOf("--runs");
    const runs = at > 0 ? Number(process.argv[at + 1]) : 3;
    const plan = compare(
        runs,
        () => seconds(["-r", "./tools/transpile.cjs", "tools/plan.ts", "prod"]),
        () => seconds(["-e", FLOOR]),
    );
    console.log(
        `plan -- prod: ${plan.subject.toFixed(2)} s; SDK floor ${plan.reference.toFixed(2)} s; ratio ${plan.ratio.toFixed(2)}x (goal <= 2x)`,
    );
    const startup = compare(
        runs,
        () => seconds(["tools/pulumi-host.cjs", "tsconfig.pulumi.json", "dev"]),
        () => seconds(["tools/pulumi-host.cjs", "-", "dev"]),
    );
    console.log(
        `CLI start-up to an evaluated dev stack, in-process: tsconfig.pulumi.json ${startup.subject.toFixed(2)} s; ` +
            `the CLI's default (type-checking) ${startup.reference.toFixed(2)} s; ratio ${startup.ratio.toFixed(2)}x`,
    );
}

if (require.main === module) main();
