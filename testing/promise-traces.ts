// The Pulumi SDK takes a stack trace for every promise it makes (runtime/debuggable.js,
// debuggablePromise) and reads it only to print leaked promises when PULUMI_DEBUG_PROMISE_LEAKS is
// set. The mock engine evaluates stacks by the dozen per test run: there, unless that variable is
// set, the trace is taken with no frames: capturing and formatting them took mocha from 23 s to 28 s.
// What a real `pulumi up` runs is untouched: only the engine (tests, plan, cost) calls this.

export interface DebuggableModule {
    debuggablePromise(promise: Promise<unknown>, context: unknown): Promise<unknown>;
}

const FRAMELESS = Symbol.for("scalable-backend.frameless-promise-traces");

/**
 * Wraps the module's debuggablePromise so that it runs with `Error.stackTraceLimit = 0`, restored
 * after each call, even one that throws. Returns false (and changes nothing) when the environment
 * asks for the traces; wrapping twice wraps once.
 */
export function framelessPromiseTraces(module: DebuggableModule, env: NodeJS.ProcessEnv = process.env): boolean {
    if (env.PULUMI_DEBUG_PROMISE_LEAKS) return false;
    const current = module.debuggablePromise as DebuggableModule["debuggablePromise"] & { [FRAMELESS]?: true };
    if (current[FRAMELESS]) return true;
    const frameless = (promise: Promise<unknown>, context: unknown): Promise<unknown> => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return current(promise, context);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    module.debuggablePromise = Object.assign(frameless, { [FRAMELESS]: true as const });
    return true;
}
