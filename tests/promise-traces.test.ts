// testing/promise-traces.ts: the mock engine runs the SDK without its per-promise stack traces.
import * as assert from "node:assert/strict";
import { DebuggableModule, framelessPromiseTraces } from "../testing/promise-traces";
import "../testing/engine";

/** A module whose debuggablePromise keeps the trace it takes, as the SDK's does on the promise. */
function recordingModule(): DebuggableModule & { traces: string[] } {
    const traces: string[] = [];
    return {
        traces,
        debuggablePromise(promise) {
            traces.push(String(new Error("trace").stack));
            return promise;
        },
    };
}

describe("promise traces: the SDK's per-promise stack traces under the mock engine", () => {
    it("are taken without frames once the engine is loaded, and other traces keep theirs", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const sdk = require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
        const promise = Promise.resolve(1);
        assert.equal(await sdk.debuggablePromise(promise, "ctx"), 1);
        assert.equal((promise as unknown as { _debugStackTrace: string })._debugStackTrace, "Error");
        assert.match(String(new Error("mine").stack), /^Error: mine\n {4}at /);
    });

    it("restores the stack trace limit after each call, also one that throws", () => {
        const module: DebuggableModule = {
            debuggablePromise: () => {
                throw new Error(`limit ${Error.stackTraceLimit}`);
            },
        };
        const before = Error.stackTraceLimit;
        assert.equal(framelessPromiseTraces(module, {}), true);
        assert.throws(() => module.debuggablePromise(Promise.resolve(), "ctx"), { message: "limit 0" });
        assert.equal(Error.stackTraceLimit, before);
    });

    it("wraps once, however often it is called", () => {
        const module = recordingModule();
        framelessPromiseTraces(module, {});
        const wrapped = module.debuggablePromise;
        framelessPromiseTraces(module, {});
        assert.equal(module.debuggablePromise, wrapped);
        void module.debuggablePromise(Promise.resolve(), "ctx");
        assert.deepEqual(module.traces, ["Error: trace"]);
    });

    it("keeps the frames when PULUMI_DEBUG_PROMISE_LEAKS asks for them", () => {
        const module = recordingModule();
        const original = module.debuggablePromise;
        assert.equal(framelessPromiseTraces(module, { PULUMI_DEBUG_PROMISE_LEAKS: "1" }), false);
        assert.equal(module.debuggablePromise, original);
        void module.debuggablePromise(Promise.resolve(), "ctx");
        assert.match(module.traces[0], /^Error: trace\n {4}at /);
    });
});
