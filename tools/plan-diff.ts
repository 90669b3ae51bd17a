// The plan diff of a pull request: `npm run plan:diff -- --base <checkout> --pr <checkout> [--out DIR]`
// runs, in each checkout, the offline plan and the cost estimate of dev and prod, then the BASE's
// offline policy runner on both sides' records (a PR is judged by rules it cannot edit), and
// prints the Markdown comment (tools/diff/comment.ts). With --out it also writes there what CI
// uploads: comment.md, new-mandatory.txt (the job fails when it is not empty), each plan's
// printout <side>-<stack>.txt (a failed plan's output ends with "(no plan: ...)"),
// policy-<side>-<stack>.txt and <stack>.diff. No credentials, no Pulumi CLI: all under mocks.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Plan } from "./diff/changes";
import { composeComment, CostEstimate, DEFAULT_LIMIT, Side, StackInput } from "./diff/comment";

export const STACKS = ["dev", "prod"] as const;

export const USAGE = "usage: npm run plan:diff -- --base <checkout> --pr <checkout> [--out DIR] [--limit CHARS]";

export class UsageError extends Error {}

export interface DiffArgs {
    readonly base: string;
    readonly pr: string;
    readonly out?: string;
    readonly limit: number;
}

export function parseDiffArgs(argv: readonly string[]): DiffArgs | "help" {
    if (argv.includes("--help") || argv.includes("-h")) return "help";
    const values: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!["--base", "--pr", "--out", "--limit"].includes(arg))
            throw new UsageError(`${arg.startsWith("-") ? "Unknown option" : "Unexpected argument"} ${arg}. ${USAGE}`);
        const value = argv[++i];
        if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value. ${USAGE}`);
        values[arg] = value;
    }
    for (const required of ["--base", "--pr"])
        if (values[required] === undefined) throw new UsageError(`${required} is required. ${USAGE}`);
    for (const side of ["--base", "--pr"])
        if (!fs.existsSync(path.join(values[side], "package.json")))
            throw new UsageError(`${side} ${values[side]} is not a checkout of this project (no package.json).`);
    const limit = values["--limit"] === undefined ? DEFAULT_LIMIT : Number(values["--limit"]);
    if (!Number.isInteger(limit) || limit < 1000)
        throw new UsageError(`--limit ${values["--limit"]}: a whole number of at least 1000.`);
    return { base: values["--base"], pr: values["--pr"], ...(values["--out"] ? { out: values["--out"] } : {}), limit };
}

interface Ran {
    readonly code: number;
    readonly stdout: string;
    readonly output: string;
}

/**
 * A checkout's package.json script with arguments, as `npm run -s <script> -- <args>` runs it
 * (`sh -c`, the checkout's node_modules/.bin first on PATH), without starting npm for each: a
 * diff runs ten scripts, and npm's own start is 0.35 s of each. Resolves with the exit code,
 * stdout, and stdout and stderr interleaved.
 */
function runScript(cwd: string, script: string, args: readonly string[]): Promise<Ran> {
    const command = readJson<{ scripts?: Record<string, string> }>(path.join(cwd, "package.json"))?.scripts?.[script];
    if (typeof command !== "string")
        return Promise.resolve({ code: 1, stdout: "", output: `Missing script: "${script}"\n` });
    return new Promise((resolve) => {
        const env = {
            ...process.env,
            PATH: [path.join(cwd, "node_modules", ".bin"), process.env.PATH].join(path.delimiter),
        };
        // "$@": each argument reaches the script as one word, whatever it holds.
        const child = spawn("sh", ["-c", `${command} "$@"`, script, ...args], { cwd, env });
        let stdout = "";
        let output = "";
        child.stdout.on("data", (d: Buffer) => ((stdout += d), (output += d)));
        child.stderr.on("data", (d: Buffer) => (output += d));
        child.on("error", (error) => resolve({ code: 127, stdout, output: `${output}${error.message}\n` }));
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, output }));
    });
}

function parseJson<T>(text: string): T | undefined {
    try {
        return JSON.parse(text) as T;
    } catch {
        return undefined;
    }
}

const readJson = <T>(file: string): T | undefined =>
    fs.existsSync(file) ? parseJson<T>(fs.readFileSync(file, "utf8")) : undefined;

function files(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
        .sort();
}

/** A unified diff per changed, added or removed file, each headed with its real name on each side. */
export async function rawDiff(baseDir: string, prDir: string, labelBase: string, labelPr: string): Promise<string> {
    const names = [...new Set([...files(baseDir), ...files(prDir)])].sort();
    const parts: string[] = [];
    for (const name of names) {
        const [a, b] = [path.join(baseDir, name), path.join(prDir, name)];
        const [hasA, hasB] = [fs.existsSync(a), fs.existsSync(b)];
        if (hasA && hasB && fs.readFileSync(a).equals(fs.readFileSync(b))) continue;
        const result = await new Promise<string>((resolve) => {
            const child = spawn("diff", [
                "-u",
                "--label",
                hasA ? `${labelBase}/${name}` : "/dev/null",
                "--label",
                hasB ? `${labelPr}/${name}` : "/dev/null",
                hasA ? a : "/dev/null",
                hasB ? b : "/dev/null",
            ]);
            let text = "";
            child.stdout.on("data", (d: Buffer) => (text += d));
            child.on("close", () => resolve(text));
        });
        parts.push(result);
    }
    return parts.join("");
}

/** Everything the comment needs from both checkouts, the plans first (in parallel), then costs and policy. */
export async function collect(args: DiffArgs, out: string): Promise<StackInput[]> {
    const sides = { base: args.base, pr: args.pr } as const;
    const plans = await Promise.all(
        STACKS.flatMap((stack) =>
            (["base", "pr"] as const).map(async (side) => {
                const ran = await runScript(sides[side], "plan", [stack]);
                const note =
                    ran.code === 0
                        ? ""
                        : `(no plan: \`npm run plan -- ${stack}\` failed or does not exist on ${side})\n`;
                fs.writeFileSync(path.join(out, `${side}-${stack}.txt`), `${ran.output}${note}`);
                return { stack, side, ok: ran.code === 0, output: `${ran.output}${note}` };
            }),
        ),
    );
    const hasRunner = fs.existsSync(path.join(args.base, "tools", "policy-offline.ts"));
    const inputs: StackInput[] = [];
    for (const stack of STACKS) {
        const side = async (name: "base" | "pr"): Promise<Side> => {
            const planned = plans.find((p) => p.stack === stack && p.side === name)!;
            const dir = sides[name];
            const records = path.resolve(dir, "out", `${stack}.records.json`);
            const [cost, policy] = await Promise.all([
                planned.ok ? runScript(dir, "cost", [stack, "--json"]) : undefined,
                !hasRunner
                    ? { code: 2, stdout: "", output: "(not run: the base branch has no offline policy runner)\n" }
                    : planned.ok && fs.existsSync(records)
                      ? runScript(args.base, "policy:offline", [records])
                      : { code: 2, stdout: "", output: `(not run: the ${name} plan of ${stack} wrote no records)\n` },
            ]);
            fs.writeFileSync(path.join(out, `policy-${name}-${stack}.txt`), policy.output);
            return {
                output: planned.output,
                plan: planned.ok ? readJson<Plan>(path.join(dir, "out", stack, "plan.json")) : undefined,
                cost: cost?.code === 0 ? parseJson<CostEstimate>(cost.stdout) : undefined,
                // Exit 1 is mandatory findings, reported; anything else, the runner's own words.
                policy: policy.output,
            };
        };
        const [base, pr] = await Promise.all([side("base"), side("pr")]);
        const diff = await rawDiff(
            path.join(args.base, "out", stack),
            path.join(args.pr, "out", stack),
            `base/out/${stack}`,
            `pr/out/${stack}`,
        );
        fs.writeFileSync(path.join(out, `${stack}.diff`), diff);
        inputs.push({ stack, base, pr, rawDiff: diff });
    }
    return inputs;
}

export async function main(argv: readonly string[]): Promise<number> {
    let args: DiffArgs;
    try {
        const parsed = parseDiffArgs(argv);
        if (parsed === "help") {
            process.stdout.write(
                `${USAGE}\n  Plans dev and prod in both checkouts, judges both with the base's policy pack, estimates\n  their cost, and prints the pull request's plan-diff comment (Markdown). --out DIR also\n  keeps comment.md, new-mandatory.txt and every printout there.\n`,
            );
            return 0;
        }
        args = parsed;
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        process.stderr.write(`plan:diff: ${error.message}\n`);
        return 2;
    }
    const out = args.out ?? fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
    fs.mkdirSync(out, { recursive: true });
    const comment = composeComment(await collect(args, out), args.limit);
    fs.writeFileSync(path.join(out, "comment.md"), comment.markdown);
    fs.writeFileSync(path.join(out, "new-mandatory.txt"), comment.newMandatory.map((m) => `${m}\n`).join(""));
    if (!args.out) fs.rmSync(out, { recursive: true, force: true });
    process.stdout.write(comment.markdown);
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: Error) => {
            process.stderr.write(`plan:diff failed: ${error.message}\n`);
            process.exit(1);
        },
    );
}
