// tools/transpile.cjs: what mocha, the tools and the bench load TypeScript with (swc, file by file).
import * as assert from "node:assert/strict";
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
        assert.equal(frames[2], `    at ${__filename}:13:25`);
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
});
