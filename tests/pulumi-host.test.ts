// Pulumi.yaml's runtime options: what the Pulumi CLI's Node.js host does with them, replayed with
// the pinned SDK's own helpers (tools/pulumi-host.cjs), so `pulumi preview` and `up` start
// transpile-only, with swc, as CommonJS, and evaluate the same program the tests do.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { startInBackground } from "../testing/background";
import { ROOT } from "../testing/engine";
import { stackRun } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tsutils = require("@pulumi/pulumi/tsutils") as {
    loadTypeScriptCompilerOptions(file: string): Record<string, unknown>;
};

describe("pulumi host: Pulumi.yaml's TypeScript options", () => {
    const hosted = startInBackground(
        process.execPath,
        [path.join(ROOT, "tools", "pulumi-host.cjs"), "tsconfig.pulumi.json", "dev"],
        { cwd: ROOT },
    );
    const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
        runtime: { name: string; options: { typescript?: boolean; tsconfig?: string } };
    };

    it("names tsconfig.pulumi.json, whose own compilerOptions turn type-checking off and restate the module settings", () => {
        assert.equal(project.runtime.name, "nodejs");
        assert.equal(project.runtime.options.typescript, true);
        assert.equal(project.runtime.options.tsconfig, "tsconfig.pulumi.json");
        // The host reads the file's own compilerOptions only; without these it applies ES2020/nodenext.
        assert.deepEqual(tsutils.loadTypeScriptCompilerOptions(path.join(ROOT, "tsconfig.pulumi.json")), {
            noCheck: true,
            target: "ES2022",
            module: "commonjs",
            moduleResolution: "node",
        });
    });

    it("loads index.ts transpile-only with swc, as CommonJS, to the same resources as the tests' run", async function () {
        this.timeout(60_000);
        const { status, stdout, stderr } = await hosted;
        assert.equal(status, 0, stderr);
        const measured = JSON.parse(stdout) as Record<string, unknown>;
        const run = await stackRun("dev");
        assert.deepEqual(
            { ...measured, milliseconds: undefined },
            {
                tsconfig: "tsconfig.pulumi.json",
                transpileOnly: true,
                swc: true,
                module: 1, // ts.ModuleKind.CommonJS
                resources: run.resources.length,
                urns: run.resources.map((r) => r.urn).sort(),
                milliseconds: undefined,
            },
        );
    });
});
