// testing/background.ts: the command lines a test file starts as it loads.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startInBackground } from "../testing/background";
import { ROOT } from "../testing/engine";

describe("tests' background command lines", () => {
    it("settles with the exit status and everything printed on each stream", async () => {
        const finished = await startInBackground(
            process.execPath,
            ["-e", 'process.stdout.write("out\\n"); process.stderr.write("err\\n"); process.exitCode = 3'],
            { cwd: ROOT },
        );
        assert.deepEqual(finished, { status: 3, signal: null, stdout: "out\n", stderr: "err\n" });
    });

    it("runs from its start, not from when it is awaited", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "background-"));
        try {
            const marker = path.join(dir, "ran");
            const writer = startInBackground(
                process.execPath,
                ["-e", `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`],
                {
                    cwd: ROOT,
                },
            );
            // Not awaited yet: a command started only when awaited would never write it.
            while (!fs.existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 10));
            assert.equal((await writer).status, 0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("rejects a command that cannot start, without an unhandled rejection before it is awaited", async () => {
        const unhandled: unknown[] = [];
        const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
        process.on("unhandledRejection", onUnhandled);
        try {
            const missing = startInBackground("/nonexistent/tool", [], { cwd: ROOT });
            await new Promise((resolve) => setTimeout(resolve, 50));
            assert.deepEqual(unhandled, []);
            await assert.rejects(missing, /ENOENT/);
        } finally {
            process.off("unhandledRejection", onUnhandled);
        }
    });
});
