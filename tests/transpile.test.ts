// tools/transpile.cjs: what mocha, the tools and the bench load TypeScript with (swc, file by file).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as yaml from "js-yaml";
import * as fixture from "./fixtures/transpile/throws";

const FILE = path.join(__dirname, "fixtures", "transpile", "throws.ts");

describe("transpile: swc, one file at a time", () => {
    it("points stack traces at the TypeScript line and column", () => {
        const error = (() => {
            try {
                fixture.fail("on purpose");
            } catch (caught) {
                return caught as Error;
            }
            throw new Error("fail() returned");
        })();
        const frames = String(error.stack).split("\n");
        assert.equal(frames[0], "Error: failed: on purpose");
        assert.equal(frames[1], `    at Object.fail (${FILE}:17:11)`);
        assert.equal(frames[2], `    at ${__filename}:14:25`);
    });

    it("leaves the frames of modules it did not compile as V8 prints them", () => {
        let stack = "";
        try {
            yaml.load("a: [");
        } catch (error) {
            stack = String((error as Error).stack);
        }
        assert.match(stack, /node_modules\/js-yaml\/lib\/loader\.js:\d+:\d+\)/);
    });

    it("compiles CommonJS with interop: exports, a default JSON import, class fields, erased type imports", () => {
        assert.deepEqual(Object.keys(fixture).sort(), [
            "Counter",
            "apple",
            "fail",
            "policyVersion",
            "resources",
            "zebra",
        ]);
        assert.equal(fixture.policyVersion, "2012-10-17");
        assert.equal(new fixture.Counter().count, 1);
        assert.deepEqual(fixture.resources, { cpuRequest: "1", memoryRequest: "1Mi", memoryLimit: "1Mi" });
    });

    it("maps `export =` to module.exports, as index.ts uses it", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { compile } = require("../tools/transpile.cjs") as { compile(source: string, file: string): string };
        const code = compile("const main = async (): Promise<number> => 1;\nexport = main;\n", "/virtual/main.ts");
        assert.match(code, /module\.exports = main;/);
        assert.doesNotMatch(code, /Promise<number>/);
    });
    describe("the stack traces the Pulumi SDK takes per promise", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { PROMISE_TRACE_UNFORMATTED } = require("../tools/transpile.cjs") as {
            PROMISE_TRACE_UNFORMATTED: string;
        };
        const TRACE_OF_A_PROMISE = `const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable");
const promise = Promise.resolve();
debuggablePromise(promise, "ctx");
process.stdout.write(promise._debugStackTrace);`;
        const traceInChild = (env: NodeJS.ProcessEnv) =>
            spawnSync(process.execPath, ["-r", "./tools/transpile.cjs", "-e", TRACE_OF_A_PROMISE], {
                cwd: path.join(__dirname, ".."),
                encoding: "utf8",
                env,
            });

        it("are not formatted: only PULUMI_DEBUG_PROMISE_LEAKS reads them", () => {
            const { PULUMI_DEBUG_PROMISE_LEAKS: _, ...env } = process.env;
            const result = traceInChild(env);
            assert.equal(result.status, 0, result.stderr);
            assert.equal(result.stdout, PROMISE_TRACE_UNFORMATTED);
        });

        it("are formatted, with their frames, when PULUMI_DEBUG_PROMISE_LEAKS is set", () => {
            const result = traceInChild({ ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "1" });
            assert.equal(result.status, 0, result.stderr);
            assert.match(
                result.stdout,
                /^Error\n {4}at debuggablePromise \(.*@pulumi\/pulumi\/runtime\/debuggable\.js:\d+:\d+\)\n/,
            );
        });

        it("leave every other trace whole, even one taken in a function of the same name elsewhere", () => {
            function debuggablePromise(): Error {
                return new Error("mine");
            }
            const frames = String(debuggablePromise().stack).split("\n");
            assert.equal(frames[0], "Error: mine");
            assert.match(frames[1], /^ {4}at debuggablePromise \(.*tests\/transpile\.test\.ts:\d+:\d+\)$/);
        });
    });
});
