// Checks app/Dockerfile statically (there is no Docker engine in CI): pinned base images, stages,
// a numeric non-root user, the port, the entry point, production-only dependencies and a build
// context that .dockerignore admits. Each rule returns its violations, so a test can show that a
// mutated Dockerfile fails it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { CONTAINER_PORT, RUN_AS_USER } from "../../components/backend";
import { admitted, IgnoreRule, parseDockerignore } from "../../lib/docker-context";
import { settingsFromEnv } from "../src/main";

const ROOT = path.resolve(__dirname, "../..");
const APP_DIR = path.join(ROOT, "app");
const DOCKERFILE = fs.readFileSync(path.join(APP_DIR, "Dockerfile"), "utf8");
const DOCKERIGNORE = fs.readFileSync(path.join(APP_DIR, ".dockerignore"), "utf8");

// ---- Dockerfile parsing ---------------------------------------------------------------------

interface Instruction {
    /** Upper-cased: FROM, RUN, COPY, ... */
    readonly keyword: string;
    /** Everything after the keyword, continuation lines joined, trimmed. */
    readonly args: string;
    /** 1-based line where the instruction starts. */
    readonly line: number;
}

/** Splits a Dockerfile into instructions: `\` continues a line; comment and blank lines are dropped, also inside a continuation. */
function parseDockerfile(text: string): Instruction[] {
    // Parser directives: `# key=value` lines at the very top. Only the default escape character is supported.
    for (const line of text.split(/\r?\n/)) {
        const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
        if (!directive) break;
        if (directive[1].toLowerCase() === "escape" && directive[2] !== "\\")
            throw new Error(`unsupported escape directive: ${directive[2]}`);
    }
    const instructions: Instruction[] = [];
    let pending: { text: string; line: number } | undefined;
    const finish = (): void => {
        if (!pending) return;
        const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(pending.text);
        if (match && match[1]) {
            const args = match[2].trim();
            if (/^(RUN|COPY|ADD)$/i.test(match[1]) && /<<-?["']?[A-Za-z_]/.test(args))
                throw new Error(`line ${pending.line}: heredocs are not supported by this parser`);
            instructions.push({ keyword: match[1].toUpperCase(), args, line: pending.line });
        }
        pending = undefined;
    };
    text.split(/\r?\n/).forEach((raw, index) => {
        const trimmed = raw.trim();
        if (trimmed === "" || trimmed.startsWith("#")) return;
        const continued = /\\[ \t]*$/.test(raw);
        const content = continued ? raw.replace(/\\[ \t]*$/, "") : raw;
        if (pending) pending.text += content;
        else pending = { text: content, line: index + 1 };
        if (!continued) finish();
    });
    finish();
    return instructions;
}

/** Whitespace-separated words, with surrounding quotes removed. */
const words = (args: string): string[] =>
    (args.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^(["'])(.*)\1$/, "$2"));

/** The JSON (exec) form of RUN/CMD/ENTRYPOINT/COPY, or undefined for the shell form. */
function execForm(args: string): string[] | undefined {
    if (!args.startsWith("[")) return undefined;
    try {
        const parsed: unknown = JSON.parse(args);
        return Array.isArray(parsed) && parsed.every((p) => typeof p === "string") ? parsed : undefined;
    } catch {
        return undefined;
    }
}

/** `KEY=value ...` pairs (ENV, ARG), or the legacy `ENV KEY value` form. */
function assignments(args: string, legacy: boolean): [string, string | undefined][] {
    const tokens = words(args);
    if (legacy && tokens.length >= 2 && !tokens[0].includes("="))
        return [
            [
                tokens[0],
                args
                    .trim()
                    .slice(tokens[0].length)
                    .trim()
                    .replace(/^(["'])(.*)\1$/, "$2"),
            ],
        ];
    return tokens.map((token) => {
        const at = token.indexOf("=");
        return at < 0 ? [token, undefined] : [token.slice(0, at), token.slice(at + 1).replace(/^(["'])(.*)\1$/, "$2")];
    });
}

/** Flags (`--from=x`) and operands of COPY/ADD; JSON form included. */
function copyParts(args: string): { flags: Map<string, string>; sources: string[]; destination: string } {
    const flags = new Map<string, string>();
    let rest = args.trim();
    for (let flag = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest); flag; flag = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest)) {
        flags.set(flag[1], flag[2] ?? "");
        rest = rest.slice(flag[0].length);
    }
    const operands = execForm(rest) ?? words(rest);
    if (operands.length < 2) throw new Error(`COPY needs a source and a destination: ${args}`);
    return { flags, sources: operands.slice(0, -1), destination: operands[operands.length - 1] };
}

interface Stage {
    readonly index: number;
    readonly name?: string;
    /** The FROM operand as written. */
    readonly base: string;
    readonly from: Instruction;
    readonly body: Instruction[];
}

interface Dockerfile {
    readonly instructions: Instruction[];
    /** ARGs before the first FROM: the only ones a FROM can use. */
    readonly globalArgs: Map<string, string | undefined>;
    readonly stages: Stage[];
}

function dockerfileOf(text: string): Dockerfile {
    const instructions = parseDockerfile(text);
    const globalArgs = new Map<string, string | undefined>();
    const stages: Stage[] = [];
    for (const instruction of instructions) {
        if (instruction.keyword === "FROM") {
            const tokens = words(instruction.args).filter((t) => !t.startsWith("--"));
            const name = tokens[1]?.toUpperCase() === "AS" ? tokens[2] : undefined;
            stages.push({ index: stages.length, name, base: tokens[0], from: instruction, body: [] });
        } else if (stages.length === 0) {
            if (instruction.keyword !== "ARG")
                throw new Error(`line ${instruction.line}: only ARG may come before the first FROM`);
            for (const [key, value] of assignments(instruction.args, false)) globalArgs.set(key, value);
        } else {
            stages[stages.length - 1].body.push(instruction);
        }
    }
    return { instructions, globalArgs, stages };
}

const finalStage = (dockerfile: Dockerfile): Stage => dockerfile.stages[dockerfile.stages.length - 1];
const last = (stage: Stage, keyword: string): Instruction | undefined =>
    stage.body.filter((i) => i.keyword === keyword).at(-1);
const stageNamed = (dockerfile: Dockerfile, ref: string): Stage | undefined =>
    dockerfile.stages.find((s) => s.name === ref || String(s.index) === ref);

/** The working directory in effect at a stage's instruction (WORKDIR is cumulative; relative ones resolve against it). */
function workdirAt(stage: Stage, instruction: Instruction): string {
    let dir = "/";
    for (const i of stage.body) {
        if (i === instruction) break;
        if (i.keyword === "WORKDIR") dir = path.posix.resolve(dir, i.args);
    }
    return dir;
}

/** Simple commands of a RUN, as words: shell operators split them; the exec form is one command. */
function runCommands(instruction: Instruction): string[][] {
    const exec = execForm(instruction.args);
    if (exec) return [exec];
    return instruction.args
        .split(/&&|\|\||[;|\n]/)
        .map(words)
        .filter((w) => w.length > 0);
}

/** The npm subcommand and its arguments, for each npm invocation in a RUN. */
function npmInvocations(instruction: Instruction): { subcommand: string; args: string[] }[] {
    return runCommands(instruction).flatMap((command) => {
        const at = command.findIndex((w) => w === "npm" || w.endsWith("/npm"));
        if (at < 0) return [];
        const rest = command.slice(at + 1);
        const sub = rest.findIndex((w) => !w.startsWith("-"));
        return sub < 0 ? [] : [{ subcommand: rest[sub], args: [...rest.slice(0, sub), ...rest.slice(sub + 1)] }];
    });
}

// npm's own aliases (npm help install / npm help ci).
const NPM_INSTALL = new Set([
    "install",
    "i",
    "in",
    "ins",
    "inst",
    "insta",
    "instal",
    "isnt",
    "isnta",
    "isntal",
    "isntall",
    "add",
]);
const NPM_CI = new Set(["ci", "clean-install", "ic", "install-clean", "isntall-clean"]);
const isNpmCi = (sub: string): boolean => NPM_CI.has(sub);

function filesUnder(root: string, relative: string): string[] {
    const full = path.join(root, relative);
    if (!fs.statSync(full).isDirectory()) return [relative];
    return fs.readdirSync(full).flatMap((entry) => filesUnder(root, path.posix.join(relative, entry)));
}

// ---- rules: each returns its violations ----------------------------------------------------

/** name[:port]/path:<exact version tag>@sha256:<64 hex>. */
function pinnedReference(reference: string): string | undefined {
    const match =
        /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:([\w][\w.-]{0,127})@sha256:([0-9a-f]+)$/.exec(
            reference,
        );
    if (!match) return `"${reference}" is not name:tag@sha256:digest`;
    if (!/^v?\d+\.\d+\.\d+(?:[-_.][A-Za-z0-9.-]+)?$/.test(match[1]))
        return `"${reference}": tag "${match[1]}" is not an exact major.minor.patch version`;
    if (match[2].length !== 64) return `"${reference}": the digest is not 64 hex characters`;
    return undefined;
}

function checkPinnedBases(dockerfile: Dockerfile): string[] {
    const problems: string[] = [];
    const earlier = new Set<string>();
    for (const stage of dockerfile.stages) {
        const base = stage.base;
        if (earlier.has(base)) {
            // A previous stage: pinned through that stage's own FROM.
        } else if (/\$/.test(base)) {
            const variable = /^\$(?:\{(\w+)\}|(\w+))$/.exec(base);
            const name = variable?.[1] ?? variable?.[2];
            if (name !== "NODE_IMAGE")
                problems.push(`line ${stage.from.line}: FROM ${base}: only the NODE_IMAGE ARG may name a base image`);
            else if (!dockerfile.globalArgs.has(name) || dockerfile.globalArgs.get(name) === undefined)
                problems.push(
                    `line ${stage.from.line}: FROM ${base}: ARG NODE_IMAGE has no default before the first FROM`,
                );
        } else {
            const problem = pinnedReference(base);
            if (problem) problems.push(`line ${stage.from.line}: FROM ${problem}`);
        }
        if (stage.name) earlier.add(stage.name);
    }
    const nodeImage = dockerfile.globalArgs.get("NODE_IMAGE");
    if (nodeImage !== undefined) {
        const problem = pinnedReference(nodeImage);
        if (problem) problems.push(`ARG NODE_IMAGE: ${problem}`);
    }
    return problems;
}

function checkStagesAndUser(dockerfile: Dockerfile): string[] {
    const problems: string[] = [];
    if (dockerfile.stages.length < 2)
        problems.push(`${dockerfile.stages.length} stage(s); expected a multi-stage build`);
    const user = last(finalStage(dockerfile), "USER");
    if (!user) return [...problems, "the final stage sets no USER (it would run as root)"];
    const ids = /^(\d+):(\d+)$/.exec(user.args);
    if (!ids) return [...problems, `line ${user.line}: USER ${user.args} is not numeric uid:gid`];
    const [uid, gid] = [Number(ids[1]), Number(ids[2])];
    if (uid === 0 || gid === 0) problems.push(`line ${user.line}: USER ${user.args} is root`);
    if (uid !== RUN_AS_USER || gid !== RUN_AS_USER)
        problems.push(
            `line ${user.line}: USER ${user.args} differs from RUN_AS_USER ${RUN_AS_USER}:${RUN_AS_USER} in components/backend.ts`,
        );
    return problems;
}

/** ENV values in effect at the end of a stage. */
function envOf(stage: Stage): Map<string, string | undefined> {
    return new Map(stage.body.filter((i) => i.keyword === "ENV").flatMap((i) => assignments(i.args, true)));
}

function checkPortAndEnv(dockerfile: Dockerfile): string[] {
    const problems: string[] = [];
    const stage = finalStage(dockerfile);
    const exposed = stage.body.filter((i) => i.keyword === "EXPOSE").flatMap((i) => words(i.args));
    const ports = exposed.map((p) => /^(\d+)(?:\/tcp)?$/i.exec(p)).map((m, i) => (m ? Number(m[1]) : exposed[i]));
    if (!ports.includes(CONTAINER_PORT))
        problems.push(`the final stage EXPOSEs [${ports.join(", ")}], not CONTAINER_PORT ${CONTAINER_PORT}`);
    const env = envOf(stage);
    if (env.has("PORT") && env.get("PORT") !== String(CONTAINER_PORT))
        problems.push(`ENV PORT=${env.get("PORT")} differs from CONTAINER_PORT ${CONTAINER_PORT}`);
    if (env.get("NODE_ENV") !== "production")
        problems.push(`the final stage's NODE_ENV is ${env.get("NODE_ENV") ?? "unset"}, not production`);
    return problems;
}

/** app/src/main.ts compiled with app/tsconfig.build.json, relative to app/. */
function compiledMain(): { script: string; rootDir: string; outDir: string } {
    const configPath = path.join(APP_DIR, "tsconfig.build.json");
    const read = ts.readConfigFile(configPath, (f) => ts.sys.readFile(f));
    if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, APP_DIR, undefined, configPath);
    const { rootDir, outDir } = parsed.options;
    if (!rootDir || !outDir) throw new Error("app/tsconfig.build.json sets no rootDir/outDir");
    const main = path.join(APP_DIR, "src", "main.ts");
    assert.ok(parsed.fileNames.map((f) => path.resolve(f)).includes(main), "tsconfig.build.json compiles src/main.ts");
    const emitted = path.join(outDir, path.relative(rootDir, main)).replace(/\.ts$/, ".js");
    const posix = (p: string): string => path.relative(APP_DIR, p).split(path.sep).join("/");
    return { script: posix(emitted), rootDir: posix(rootDir), outDir: posix(outDir) };
}

function checkEntrypoint(dockerfile: Dockerfile, script: string, outDir: string): string[] {
    const problems: string[] = [];
    const stage = finalStage(dockerfile);
    const entrypoint = last(stage, "ENTRYPOINT");
    const cmd = last(stage, "CMD");
    const argv: string[] = [];
    for (const instruction of [entrypoint, cmd]) {
        if (!instruction) continue;
        const exec = execForm(instruction.args);
        if (!exec)
            problems.push(
                `line ${instruction.line}: ${instruction.keyword} is not in exec (JSON) form: ${instruction.args}`,
            );
        else argv.push(...exec);
    }
    if (problems.length > 0) return problems;
    if (JSON.stringify(argv) !== JSON.stringify(["node", script]))
        return [`the final stage runs ${JSON.stringify(argv)}, not ${JSON.stringify(["node", script])}`];

    // Follow the script into the image: the final stage copies it from a stage that compiled app/.
    const where = entrypoint ?? cmd!;
    const inImage = path.posix.resolve(workdirAt(stage, where), script);
    const copy = stage.body
        .filter((i) => i.keyword === "COPY" && stage.body.indexOf(i) < stage.body.indexOf(where))
        .map((i) => ({ i, parts: copyParts(i.args) }))
        .filter(({ i, parts }) => {
            const destination = path.posix.resolve(workdirAt(stage, i), parts.destination);
            return inImage === destination || inImage.startsWith(`${destination}/`);
        })
        .at(-1);
    if (!copy || !copy.parts.flags.has("from"))
        return [`nothing copies ${inImage} from a build stage into the final stage`];
    const from = stageNamed(dockerfile, copy.parts.flags.get("from")!);
    if (!from) return [`line ${copy.i.line}: COPY --from=${copy.parts.flags.get("from")} names no stage`];
    const source = path.posix.join(
        copy.parts.sources[0],
        path.posix.relative(path.posix.resolve(workdirAt(stage, copy.i), copy.parts.destination), inImage),
    );
    const build = from.body.find((i) => i.keyword === "RUN" && /\bnpm run build\b/.test(i.args));
    if (!build) return [`stage ${from.name ?? from.index} does not run npm run build`];
    const expected = path.posix.join(workdirAt(from, build), script);
    if (source !== expected)
        problems.push(
            `line ${copy.i.line}: the image's ${inImage} comes from ${source} in stage ${from.name ?? from.index}, but tsc writes ${expected} (outDir ${outDir})`,
        );
    return problems;
}

function checkNpm(dockerfile: Dockerfile): string[] {
    const problems: string[] = [];
    for (const stage of dockerfile.stages) {
        for (const run of stage.body.filter((i) => i.keyword === "RUN")) {
            for (const { subcommand, args } of npmInvocations(run)) {
                if (NPM_INSTALL.has(subcommand))
                    problems.push(
                        `line ${run.line}: npm ${subcommand}; only npm ci installs from the lockfile exactly`,
                    );
                if (isNpmCi(subcommand) && !args.includes("--ignore-scripts"))
                    problems.push(`line ${run.line}: npm ${subcommand} without --ignore-scripts`);
            }
        }
    }
    // Where the final image's node_modules comes from: a COPY --from, or an install in the final stage itself.
    const final = finalStage(dockerfile);
    const providers = final.body
        .filter((i) => i.keyword === "COPY")
        .map((i) => ({ i, parts: copyParts(i.args) }))
        .filter(({ parts }) => parts.sources.some((s) => /(^|\/)node_modules(\/|$)/.test(s)))
        .map(({ i, parts }) => ({
            line: i.line,
            stage: parts.flags.has("from") ? stageNamed(dockerfile, parts.flags.get("from")!) : undefined,
        }));
    if (final.body.some((i) => i.keyword === "RUN" && npmInvocations(i).some((n) => isNpmCi(n.subcommand))))
        providers.push({ line: final.from.line, stage: final });
    if (providers.length === 0)
        problems.push("the final stage gets no node_modules (the app needs its production dependencies)");
    for (const { line, stage } of providers) {
        if (!stage) {
            problems.push(`line ${line}: node_modules is copied from the build context or an unknown stage`);
            continue;
        }
        const installs = stage.body
            .filter((i) => i.keyword === "RUN")
            .flatMap((i) => npmInvocations(i).filter((n) => isNpmCi(n.subcommand)));
        if (installs.length === 0)
            problems.push(`line ${line}: stage ${stage.name ?? stage.index} provides node_modules but runs no npm ci`);
        for (const install of installs) {
            if (!install.args.includes("--omit=dev"))
                problems.push(
                    `line ${line}: stage ${stage.name ?? stage.index} provides node_modules from npm ci without --omit=dev`,
                );
        }
    }
    return problems;
}

/** Every path a COPY/ADD takes from the build context exists and is admitted by .dockerignore (every file under it, for directories). */
function checkContext(dockerfile: Dockerfile, ignore: readonly IgnoreRule[], root: string): string[] {
    const problems: string[] = [];
    for (const stage of dockerfile.stages) {
        for (const copy of stage.body.filter((i) => i.keyword === "COPY" || i.keyword === "ADD")) {
            const parts = copyParts(copy.args);
            if (parts.flags.has("from")) continue;
            for (const raw of parts.sources) {
                const source = path.posix.normalize(raw).replace(/^\/+/, "").replace(/\/+$/, "");
                if (/[*?[\]]|^[a-z]+:\/\//i.test(raw)) {
                    problems.push(
                        `line ${copy.line}: ${copy.keyword} ${raw}: use explicit context paths (no wildcards or URLs)`,
                    );
                } else if (source === "." || source.startsWith("../")) {
                    problems.push(`line ${copy.line}: ${copy.keyword} ${raw}: copies the whole context or outside it`);
                } else if (!fs.existsSync(path.join(root, source))) {
                    problems.push(`line ${copy.line}: ${copy.keyword} ${raw}: no such path in the context`);
                } else {
                    const refused = filesUnder(root, source).filter((file) => !admitted(ignore, file));
                    if (refused.length > 0)
                        problems.push(
                            `line ${copy.line}: ${copy.keyword} ${raw}: .dockerignore excludes ${refused.slice(0, 3).join(", ")}`,
                        );
                }
            }
        }
    }
    return problems;
}

// ---- tests ----------------------------------------------------------------------------------

const real = dockerfileOf(DOCKERFILE);
const IGNORE = parseDockerignore(DOCKERIGNORE);

/** The real Dockerfile with one edit; fails if the text to replace is gone (update the test with the Dockerfile). */
function mutated(from: string | RegExp, to: string): Dockerfile {
    const changed = DOCKERFILE.replace(from, to);
    assert.notEqual(changed, DOCKERFILE, `the mutation's anchor ${from} is no longer in app/Dockerfile`);
    return dockerfileOf(changed);
}

describe("app: Dockerfile parser", () => {
    it("joins `\\` continuations, drops comment and blank lines (also inside a continuation), keeps line numbers", () => {
        const text = [
            "# syntax=docker/dockerfile:1",
            "ARG BASE=x",
            "",
            "from ${BASE} AS one",
            "RUN echo a \\",
            "    # a comment inside the continuation",
            "",
            "    && echo b \\  ",
            "    && echo c",
            "  # indented comment",
            'ENTRYPOINT ["node", "dist/main.js"]\r',
        ].join("\n");
        assert.deepEqual(parseDockerfile(text), [
            { keyword: "ARG", args: "BASE=x", line: 2 },
            { keyword: "FROM", args: "${BASE} AS one", line: 4 },
            { keyword: "RUN", args: "echo a     && echo b     && echo c", line: 5 },
            { keyword: "ENTRYPOINT", args: '["node", "dist/main.js"]', line: 11 },
        ]);
        const parsed = dockerfileOf(text);
        assert.deepEqual([...parsed.globalArgs], [["BASE", "x"]]);
        assert.deepEqual(
            parsed.stages.map((s) => [s.index, s.name, s.base, s.body.length]),
            [[0, "one", "${BASE}", 2]],
        );
        assert.deepEqual(runCommands(parsed.stages[0].body[0]), [
            ["echo", "a"],
            ["echo", "b"],
            ["echo", "c"],
        ]);
        assert.deepEqual(execForm(parsed.stages[0].body[1].args), ["node", "dist/main.js"]);
        assert.equal(execForm("node dist/main.js"), undefined);
    });

    it("reads the real Dockerfile into its three stages, flags and operands", () => {
        assert.deepEqual(
            real.stages.map((s) => [s.name, s.base]),
            [
                ["build", "${NODE_IMAGE}"],
                ["deps", "${NODE_IMAGE}"],
                [undefined, "${NODE_IMAGE}"],
            ],
        );
        assert.deepEqual(copyParts("--from=deps /src/node_modules ./node_modules"), {
            flags: new Map([["from", "deps"]]),
            sources: ["/src/node_modules"],
            destination: "./node_modules",
        });
        assert.deepEqual(copyParts('--chown=1:1 ["a b", "c", "d/"]').sources, ["a b", "c"]);
        assert.deepEqual(assignments("NODE_ENV=production PORT=8080", true), [
            ["NODE_ENV", "production"],
            ["PORT", "8080"],
        ]);
        assert.deepEqual(assignments("NODE_ENV production", true), [["NODE_ENV", "production"]]);
        assert.deepEqual(
            npmInvocations({ keyword: "RUN", args: "cd x && npm --loglevel=warn ci --omit=dev; npm i -g y", line: 1 }),
            [
                { subcommand: "ci", args: ["--loglevel=warn", "--omit=dev"] },
                { subcommand: "i", args: ["-g", "y"] },
            ],
        );
    });

    it("refuses what it cannot parse faithfully instead of guessing", () => {
        assert.throws(() => parseDockerfile("# escape=`\nFROM x\n"), /unsupported escape directive/);
        assert.throws(() => parseDockerfile("FROM x\nRUN <<EOF\necho\nEOF\n"), /heredocs are not supported/);
        assert.throws(() => dockerfileOf("RUN x\nFROM y\n"), /only ARG may come before the first FROM/);
        assert.throws(() => parseDockerignore("*\n!app/[a-z]rc\n"), /not supported by this matcher/);
    });
});

describe("app: Dockerfile base images", () => {
    it("pins every base: FROM uses the NODE_IMAGE ARG, whose default is an exact version tag plus a sha256 digest", () => {
        assert.deepEqual(checkPinnedBases(real), []);
        assert.match(real.globalArgs.get("NODE_IMAGE") ?? "", /^node:\d+\.\d+\.\d+-[a-z-]+@sha256:[0-9a-f]{64}$/);
    });

    it("fails a floating tag, a missing digest, a short digest, or a FROM that bypasses the ARG", () => {
        const digest = /@sha256:[0-9a-f]{64}/;
        assert.match(
            checkPinnedBases(mutated(/node:[\d.]+-bookworm-slim@/, "node:24-slim@")).join(),
            /tag "24-slim" is not an exact/,
        );
        assert.match(
            checkPinnedBases(mutated(/node:[\d.]+-bookworm-slim@/, "node:latest@")).join(),
            /tag "latest" is not an exact/,
        );
        assert.match(checkPinnedBases(mutated(digest, "")).join(), /is not name:tag@sha256:digest/);
        assert.match(checkPinnedBases(mutated(digest, "@sha256:0e0ff40c")).join(), /digest is not 64 hex/);
        assert.match(
            checkPinnedBases(mutated("FROM ${NODE_IMAGE} AS deps", "FROM node:24.21.0-bookworm-slim AS deps")).join(),
            /line \d+: FROM "node:24\.21\.0-bookworm-slim" is not name:tag@sha256/,
        );
        assert.match(
            checkPinnedBases(mutated("FROM ${NODE_IMAGE} AS deps", "FROM ${OTHER} AS deps")).join(),
            /only the NODE_IMAGE ARG/,
        );
        assert.match(
            checkPinnedBases(mutated(/ARG NODE_IMAGE=\S+/, "ARG NODE_IMAGE")).join(),
            /ARG NODE_IMAGE has no default/,
        );
        // A pinned literal base and a base that names an earlier stage are fine.
        const literal = real.globalArgs.get("NODE_IMAGE")!;
        assert.deepEqual(checkPinnedBases(mutated("FROM ${NODE_IMAGE} AS deps", `FROM ${literal} AS deps`)), []);
        assert.deepEqual(checkPinnedBases(mutated("FROM ${NODE_IMAGE} AS deps", "FROM build AS deps")), []);
    });
});

describe("app: Dockerfile final stage", () => {
    it("is multi-stage and runs as the numeric non-root RUN_AS_USER of components/backend.ts", () => {
        assert.ok(real.stages.length >= 2);
        assert.deepEqual(checkStagesAndUser(real), []);
        assert.equal(last(finalStage(real), "USER")?.args, `${RUN_AS_USER}:${RUN_AS_USER}`);
    });

    it("fails a single stage, root, a user name, a missing USER, or a uid other than RUN_AS_USER", () => {
        assert.match(
            checkStagesAndUser(
                dockerfileOf("FROM node:24.21.0@sha256:" + "a".repeat(64) + "\nUSER 10001:10001\n"),
            ).join(),
            /1 stage\(s\); expected a multi-stage/,
        );
        assert.match(checkStagesAndUser(mutated(/^USER .*$/m, "USER 0:0")).join(), /USER 0:0 is root/);
        assert.match(checkStagesAndUser(mutated(/^USER .*$/m, "USER node")).join(), /USER node is not numeric uid:gid/);
        assert.match(
            checkStagesAndUser(mutated(/^USER .*$/m, "USER 10001")).join(),
            /USER 10001 is not numeric uid:gid/,
        );
        assert.match(checkStagesAndUser(mutated(/^USER .*$/m, "")).join(), /sets no USER/);
        assert.match(
            checkStagesAndUser(mutated(/^USER .*$/m, "USER 1000:1000")).join(),
            /differs from RUN_AS_USER 10001:10001/,
        );
    });

    it("EXPOSEs CONTAINER_PORT, which is the app's default port, and sets NODE_ENV=production", () => {
        assert.equal(settingsFromEnv({}, "host").port, CONTAINER_PORT);
        assert.deepEqual(checkPortAndEnv(real), []);
        assert.equal(envOf(finalStage(real)).get("NODE_ENV"), "production");
        assert.match(
            checkPortAndEnv(mutated(/^EXPOSE .*$/m, "EXPOSE 3000")).join(),
            /EXPOSEs \[3000\], not CONTAINER_PORT 8080/,
        );
        assert.match(checkPortAndEnv(mutated("PORT=8080", "PORT=3000")).join(), /ENV PORT=3000 differs/);
        assert.match(
            checkPortAndEnv(mutated("NODE_ENV=production", "NODE_ENV=development")).join(),
            /NODE_ENV is development, not production/,
        );
        assert.match(checkPortAndEnv(mutated("NODE_ENV=production ", "")).join(), /NODE_ENV is unset/);
    });

    it('runs ["node", "dist/main.js"] in exec form: app/src/main.ts as tsconfig.build.json compiles it, and app/package.json\'s main', () => {
        const { script, rootDir, outDir } = compiledMain();
        assert.deepEqual({ script, rootDir, outDir }, { script: "dist/main.js", rootDir: "src", outDir: "dist" });
        const manifest = JSON.parse(fs.readFileSync(path.join(APP_DIR, "package.json"), "utf8")) as { main?: string };
        assert.equal(manifest.main, script);
        assert.deepEqual(checkEntrypoint(real, script, outDir), []);
    });

    it("fails the shell form, another script, or a dist copied from where tsc did not write", () => {
        const { script, outDir } = compiledMain();
        const entry = /^ENTRYPOINT .*$/m;
        assert.match(
            checkEntrypoint(mutated(entry, "ENTRYPOINT node dist/main.js"), script, outDir).join(),
            /not in exec \(JSON\) form/,
        );
        assert.match(
            checkEntrypoint(mutated(entry, 'ENTRYPOINT ["npm", "start"]'), script, outDir).join(),
            /runs \["npm","start"\], not \["node","dist\/main.js"\]/,
        );
        assert.match(
            checkEntrypoint(mutated(entry, 'ENTRYPOINT ["node"]\nCMD ["dist/server.js"]'), script, outDir).join(),
            /runs \["node","dist\/server.js"\]/,
        );
        assert.deepEqual(
            checkEntrypoint(mutated(entry, 'ENTRYPOINT ["node"]\nCMD ["dist/main.js"]'), script, outDir),
            [],
        );
        assert.match(
            checkEntrypoint(mutated("/src/dist ./dist", "/src/app/dist ./dist"), script, outDir).join(),
            /comes from \/src\/app\/dist\/main.js in stage build, but tsc writes \/src\/dist\/main.js/,
        );
        assert.match(
            checkEntrypoint(mutated("/src/dist ./dist", "/src/dist ./out"), script, outDir).join(),
            /nothing copies \/app\/dist\/main.js/,
        );
        assert.match(
            checkEntrypoint(mutated(/^ENTRYPOINT/m, "WORKDIR /srv\nENTRYPOINT"), script, outDir).join(),
            /nothing copies \/srv\/dist\/main.js/,
        );
    });
});

describe("app: Dockerfile dependencies", () => {
    it("installs with npm ci --ignore-scripts only, and the final node_modules from an npm ci --omit=dev stage", () => {
        assert.deepEqual(checkNpm(real), []);
    });

    it("fails npm install, npm ci running scripts, dev dependencies in the final image, or no node_modules at all", () => {
        assert.match(
            checkNpm(
                mutated("RUN npm ci --ignore-scripts --no-audit", "RUN npm install --ignore-scripts --no-audit"),
            ).join(),
            /npm install; only npm ci/,
        );
        assert.match(
            checkNpm(mutated("--omit=dev --ignore-scripts", "--omit=dev")).join(),
            /npm ci without --ignore-scripts/,
        );
        assert.match(
            checkNpm(mutated("--omit=dev ", "")).join(),
            /stage deps provides node_modules from npm ci without --omit=dev/,
        );
        assert.match(
            checkNpm(mutated("--from=deps /src/node_modules", "--from=build /src/node_modules")).join(),
            /stage build provides node_modules from npm ci without --omit=dev/,
        );
        assert.match(checkNpm(mutated(/^COPY --from=deps .*$/m, "")).join(), /gets no node_modules/);
        assert.match(
            checkNpm(mutated(/^COPY --from=deps .*$/m, "COPY node_modules ./node_modules")).join(),
            /copied from the build context/,
        );
        assert.match(
            checkNpm(mutated(/^COPY --from=deps .*$/m, "RUN npm ci --ignore-scripts")).join(),
            /stage 2 provides node_modules from npm ci without --omit=dev/,
        );
    });
});

describe("app: Docker build context", () => {
    it("matches .dockerignore like Docker: last match wins, a pattern covers a directory's contents", () => {
        const sent = (file: string): boolean => admitted(IGNORE, file);
        for (const file of ["package.json", "package-lock.json", "tsconfig.build.json", "src/main.ts"])
            assert.ok(sent(file), file);
        for (const file of [
            "Dockerfile",
            ".dockerignore",
            "dist/main.js",
            "test/server.test.ts",
            "bench/bench.ts",
            "node_modules/x/index.js",
            "srcx/a.ts",
        ])
            assert.ok(!sent(file), file);
        const rules = parseDockerignore("# c\nnode_modules\n*.md\n!README.md\napp/**/*.map\n/tmp?/\n");
        const files = [
            "node_modules/a/b.js",
            "x.md",
            "README.md",
            "docs/x.md",
            "app/c.map",
            "app/a/b/c.map",
            "app/c.mapx",
            "tmp1/a",
            "tmp12/a",
            "src/a.ts",
        ];
        assert.deepEqual(
            files.map((f) => admitted(rules, f)),
            [false, false, true, true, false, false, true, false, true, true],
        );
    });

    it("sends every path the Dockerfile copies from the context, and each exists", () => {
        assert.deepEqual(checkContext(real, IGNORE, APP_DIR), []);
        // BuildKit (and docker-build) would prefer app/Dockerfile.dockerignore over the context's .dockerignore.
        assert.ok(!fs.existsSync(path.join(APP_DIR, "Dockerfile.dockerignore")));
        assert.ok(!fs.existsSync(path.join(ROOT, ".dockerignore")), "the context is app/, not the repository root");
        const copied = real.stages.flatMap((s) =>
            s.body
                .filter((i) => i.keyword === "COPY")
                .map((i) => copyParts(i.args))
                .filter((p) => !p.flags.has("from"))
                .flatMap((p) => p.sources),
        );
        assert.deepEqual([...new Set(copied)].sort(), [
            "package-lock.json",
            "package.json",
            "src",
            "tsconfig.build.json",
        ]);
    });

    it("fails a source .dockerignore excludes, a missing one, a wildcard, or the whole context", () => {
        assert.match(
            checkContext(mutated("COPY src src", "COPY test test"), IGNORE, APP_DIR).join(),
            /COPY test: \.dockerignore excludes test\//,
        );
        assert.match(
            checkContext(mutated("COPY src src", "COPY Dockerfile src"), IGNORE, APP_DIR).join(),
            /COPY Dockerfile: .dockerignore excludes Dockerfile/,
        );
        assert.match(
            checkContext(mutated("COPY src src", "COPY lib lib"), IGNORE, APP_DIR).join(),
            /COPY lib: no such path/,
        );
        assert.match(
            checkContext(mutated("COPY src src", "COPY src/*.ts src/"), IGNORE, APP_DIR).join(),
            /no wildcards/,
        );
        assert.match(
            checkContext(mutated("COPY src src", "COPY . ."), IGNORE, APP_DIR).join(),
            /copies the whole context/,
        );
        assert.match(
            checkContext(mutated("COPY src src", "COPY ../components src"), IGNORE, APP_DIR).join(),
            /outside it/,
        );
        // And with a .dockerignore that no longer admits src.
        assert.match(
            checkContext(real, parseDockerignore(DOCKERIGNORE.replace("!src/", "")), APP_DIR).join(),
            /COPY src: \.dockerignore excludes src\//,
        );
    });
});
