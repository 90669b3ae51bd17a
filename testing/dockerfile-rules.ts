// The rules app/Dockerfile must meet, checked statically (there is no Docker engine in CI): pinned
// base images, stages, a numeric non-root user, the port, the entry point, production-only
// dependencies and a build context that .dockerignore admits. Each returns its violations, so a test
// can show that a mutated Dockerfile fails it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { CONTAINER_PORT, RUN_AS_USER } from "../components/backend";
import { admitted, IgnoreRule } from "../lib/docker-context";
import {
    assignments,
    copyParts,
    Dockerfile,
    execForm,
    finalStage,
    last,
    npmInvocations,
    Stage,
    stageNamed,
    words,
    workdirAt,
} from "./dockerfile";

/** The service's directory: compiledMain reads its tsconfig.build.json. */
const APP_DIR = path.resolve(__dirname, "../app");

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

export function filesUnder(root: string, relative: string): string[] {
    const full = path.join(root, relative);
    if (!fs.statSync(full).isDirectory()) return [relative];
    return fs.readdirSync(full).flatMap((entry) => filesUnder(root, path.posix.join(relative, entry)));
}

/** name[:port]/path:<exact version tag>@sha256:<64 hex>. */
export function pinnedReference(reference: string): string | undefined {
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

export function checkPinnedBases(dockerfile: Dockerfile): string[] {
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

export function checkStagesAndUser(dockerfile: Dockerfile): string[] {
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
export function envOf(stage: Stage): Map<string, string | undefined> {
    return new Map(stage.body.filter((i) => i.keyword === "ENV").flatMap((i) => assignments(i.args, true)));
}

export function checkPortAndEnv(dockerfile: Dockerfile): string[] {
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
export function compiledMain(): { script: string; rootDir: string; outDir: string } {
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

export function checkEntrypoint(dockerfile: Dockerfile, script: string, outDir: string): string[] {
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

export function checkNpm(dockerfile: Dockerfile): string[] {
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
export function checkContext(dockerfile: Dockerfile, ignore: readonly IgnoreRule[], root: string): string[] {
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
