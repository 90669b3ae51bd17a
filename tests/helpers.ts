// Shared by the test files: one evaluation per stack file per process (the suite stays fast),
// and small finders over the mock engine's records.
import * as assert from "node:assert/strict";
import { RecordedResource, runStack, RunOptions, StackRun } from "../testing/engine";

let queue: Promise<unknown> = Promise.resolve();
const cache = new Map<string, Promise<StackRun>>();

/** Runs are serialised: the Pulumi runtime is process-global. */
export function evaluate(stack: string, options: RunOptions = {}): Promise<StackRun> {
    const run = queue.then(() => runStack(stack, options));
    queue = run.catch(() => undefined);
    return run;
}

/** The real stack file, evaluated once and shared by every test that only reads it. */
export function stackRun(stack: "dev" | "prod"): Promise<StackRun> {
    if (!cache.has(stack)) cache.set(stack, evaluate(stack));
    return cache.get(stack)!;
}

export function ofType(run: StackRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type).sort((a, b) => a.name.localeCompare(b.name));
}

export function one(run: StackRun, type: string, name: string): RecordedResource {
    const matches = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(matches.length, 1, `expected exactly one ${type} named ${name}, found ${matches.length}`);
    return matches[0];
}

/** True if `resource` waits for `dependency`, directly or through a chain of engine dependencies. */
export function waitsFor(run: StackRun, resource: RecordedResource, dependency: RecordedResource): boolean {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const stack = [...resource.dependencies];
    while (stack.length > 0) {
        const urn = stack.pop()!;
        if (urn === dependency.urn) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        stack.push(...(byUrn.get(urn)?.dependencies ?? []));
    }
    return false;
}

export const STACKS = ["dev", "prod"] as const;
