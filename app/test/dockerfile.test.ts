// Checks app/Dockerfile statically (there is no Docker engine in CI): pinned base images, stages,
// a numeric non-root user, the port, the entry point, production-only dependencies and a build
// context that .dockerignore admits. The parser (testing/dockerfile.ts) and the rules
// (testing/dockerfile-rules.ts) live in testing/; each rule returns its violations, so a test can
// show that a mutated Dockerfile fails it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CONTAINER_PORT, RUN_AS_USER } from "../../components/backend";
import { admitted, parseDockerignore } from "../../lib/docker-context";
import {
    assignments,
    copyParts,
    Dockerfile,
    dockerfileOf,
    execForm,
    finalStage,
    last,
    npmInvocations,
    parseDockerfile,
    runCommands,
} from "../../testing/dockerfile";
import {
    checkContext,
    checkEntrypoint,
    checkNpm,
    checkPinnedBases,
    checkPortAndEnv,
    checkStagesAndUser,
    compiledMain,
    envOf,
} from "../../testing/dockerfile-rules";
import { settingsFromEnv } from "../src/main";

const ROOT = path.resolve(__dirname, "../..");
const APP_DIR = path.join(ROOT, "app");
const DOCKERFILE = fs.readFileSync(path.join(APP_DIR, "Dockerfile"), "utf8");
const DOCKERIGNORE = fs.readFileSync(path.join(APP_DIR, ".dockerignore"), "utf8");

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
