// testing/background.ts: the command lines a test file starts as it loads.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startInBackground } from "../testing/background";
import { ROOT } from "../testing/engine";

describe("tests' background command lines", () => {
    it("settles with the exit status and everything printed on each stream", async () => {
        // A shell, not node: a tenth of the start-up, and the same streams and status.
        const finished = await startInBackground("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], { cwd: ROOT });
        assert.deepEqual(finished, { status: 3, signal: null, stdout: "out\n", stderr: "err\n" });
    });

    it("runs from its start, not from when it is awaited", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "background-"));
        try {
            const marker = path.join(dir, "ran");
            const writer = startInBackground("/bin/sh", ["-c", 'touch "$0"', marker], { cwd: ROOT });
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
            // The spawn error arrives on the next turn of the event loop; rejections are reported after it.
            for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
            assert.deepEqual(unhandled, []);
            await assert.rejects(missing, /ENOENT/);
        } finally {
            process.off("unhandledRejection", onUnhandled);
        }
    });
});
