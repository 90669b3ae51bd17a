// The access log's destination: lines batched in front of sonic-boom, nothing held back on flush.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import pino from "pino";
import { BATCH_CHARS, BatchedLines, BufferedDestination, stdoutDestination } from "../src/log-destination";

/** A sink that records what it is handed and which flushes it gets. */
function recordingSink(): BufferedDestination & { calls: string[] } {
    const calls: string[] = [];
    return {
        calls,
        write: (data: string) => {
            calls.push(`write ${data}`);
            return true;
        },
        flush: () => void calls.push("flush"),
        flushSync: () => void calls.push("flushSync"),
    };
}

describe("app: the access log's destination", () => {
    it("hands lines to sonic-boom one batch at a time, once the batch reaches its size", () => {
        const sink = recordingSink();
        const batched = new BatchedLines(sink, 10);
        batched.write("abcd\n");
        batched.write("efgh\n");
        assert.deepEqual(sink.calls, ["write abcd\nefgh\n"]);
        batched.write("ij\n");
        assert.deepEqual(sink.calls, ["write abcd\nefgh\n"]);
        batched.write("klmnopqrstu\n");
        assert.deepEqual(sink.calls, ["write abcd\nefgh\n", "write ij\nklmnopqrstu\n"]);
    });

    it("hands over what it holds before every flush, asynchronous or synchronous", () => {
        const sink = recordingSink();
        const batched = new BatchedLines(sink, 100);
        batched.write("a\n");
        batched.flush();
        batched.write("b\n");
        batched.flushSync();
        // Nothing held: no empty write, but the sink is still flushed (it may hold lines itself).
        batched.flushSync();
        assert.deepEqual(sink.calls, ["write a\n", "flush", "write b\n", "flushSync", "flushSync"]);
    });

    it("batches at 4096 characters, sonic-boom's own threshold for a write", () => {
        assert.equal(BATCH_CHARS, 4096);
        assert.ok(stdoutDestination() instanceof BatchedLines);
    });

    it("writes each full batch at once and the rest on flushSync, in order, through sonic-boom as stdout uses it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "log-destination-"));
        const read = (file: string) => fs.readFileSync(file, "utf8").split("\n").slice(0, -1);
        try {
            const file = path.join(dir, "stdout");
            const fd = fs.openSync(file, "w");
            const sonic = pino.destination({ dest: fd, sync: true });
            const batched = new BatchedLines(sonic);
            const logger = pino({ base: undefined, timestamp: false }, batched);
            // Several batches and a remainder smaller than one.
            for (let i = 0; i < 1000; i++) logger.info({ i }, "request");
            const written = read(file);
            // Held back: less than one batch, at 35 characters or more a line.
            const held = 1000 - written.length;
            assert.ok(held > 0 && held < BATCH_CHARS / 35, `${held} lines held before the flush`);
            batched.flushSync();
            const lines = read(file);
            assert.deepEqual(
                lines.map((line) => (JSON.parse(line) as { i: number }).i),
                Array.from({ length: 1000 }, (_, i) => i),
            );
            assert.equal(lines[7], '{"level":30,"i":7,"msg":"request"}');
            sonic.end();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
