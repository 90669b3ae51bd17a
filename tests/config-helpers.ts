// What the config tests share: the real stack files as the program sees them, one way to edit them
// (by dotted path), the exact shape every ConfigError must have, and one `it` per table row.
//
// Raw config is built the way `loadConfig` builds it from what the CLI hands over (fromCliValues),
// starting from the real Pulumi.<stack>.yaml through testing/engine.ts, so a case that changes one
// value proves that exactly that value is what the validation is about.
import { boundaryArnOf } from "../lib/bootstrap-naming";
import assert from "node:assert/strict";
import * as util from "node:util";
import {
    CONFIG_KEYS,
    ConfigError,
    fromCliValues,
    OPTIONAL_KEYS,
    parseStackConfig,
    PROJECT,
    SECRET_KEYS,
    StackConfig,
} from "../config";
import { stackConfig } from "../testing/engine";

export type FileStack = "dev" | "prod";
/** Raw config as tests edit it: plain JSON-ish data. */
export type MutableRaw = Record<string, any>;

export const PREFIX = `${PROJECT}:`;
export const KNOWN_KEYS = Object.keys(CONFIG_KEYS);
/** Keys a stack file must set: every key but the optional ones (secrets, the ephemeral tool's). */
export const FILE_KEYS = KNOWN_KEYS.filter((k) => !OPTIONAL_KEYS.includes(k));
/** `aws:region` of the stack files (both use the same one). */
export const REGION = "eu-west-1";

/** What `loadConfig` does with the CLI's values. */
export function rawFromCli(values: Record<string, string>): MutableRaw {
    return fromCliValues("test", values);
}

const fixtures = new Map<FileStack, { raw: MutableRaw; region: string | undefined }>();

/** The real stack file as the program sees it, read once. */
export function fixture(stack: FileStack): { raw: MutableRaw; region: string | undefined } {
    let f = fixtures.get(stack);
    if (!f) {
        const values = stackConfig(stack);
        f = { raw: rawFromCli(values), region: values["aws:region"] };
        fixtures.set(stack, f);
    }
    return f;
}

/** A fresh deep copy of the raw config of a real stack file; edit it freely. */
export const rawFor = (stack: FileStack): MutableRaw => structuredClone(fixture(stack).raw);
export const devRaw = (): MutableRaw => rawFor("dev");
export const prodRaw = (): MutableRaw => rawFor("prod");

/** The permissions boundary an eph-* stack must name (the bootstrap program's permissionsBoundaryArn output). */
export const EPHEMERAL_BOUNDARY = boundaryArnOf("123456789012");
/** dev's values with the permissions boundary, as an eph-* stack has them. */
export const ephRaw = (): MutableRaw => ({
    ...devRaw(),
    placement: "cluster",
    permissionsBoundaryArn: EPHEMERAL_BOUNDARY,
});

/**
 * Parses with the stack files' region, the secret keys handed over as secrets (as `--secret` sets
 * them); call parseStackConfig directly to test either.
 */
export const parse = (stack: string, raw: MutableRaw): StackConfig => parseStackConfig(stack, raw, REGION, SECRET_KEYS);

/** An edit of raw config. Paths are dotted from the top: "backend.minReplicas", "nodeGroups.general". */
export type Edit = (raw: MutableRaw) => void;

function locate(raw: MutableRaw, path: string): [MutableRaw, string] {
    const keys = path.split(".");
    let target = raw;
    for (const key of keys.slice(0, -1)) target = target[key];
    return [target, keys[keys.length - 1]];
}

export const set =
    (path: string, value: unknown): Edit =>
    (raw) => {
        const [target, key] = locate(raw, path);
        target[key] = value;
    };
export const drop =
    (...paths: string[]): Edit =>
    (raw) => {
        for (const path of paths) {
            const [target, key] = locate(raw, path);
            delete target[key];
        }
    };
/** Renames the last key of `path` to `to`, keeping its value. */
export const rename =
    (path: string, to: string): Edit =>
    (raw) => {
        const [target, key] = locate(raw, path);
        target[to] = target[key];
        delete target[key];
    };
export const both =
    (...edits: Edit[]): Edit =>
    (raw) => {
        for (const edit of edits) edit(raw);
    };
export const unchanged: Edit = () => undefined;

/** Parses the real file of `stack` after `edit`. */
export function parseEdited(stack: FileStack, edit: Edit): StackConfig {
    const raw = rawFor(stack);
    edit(raw);
    return parse(stack, raw);
}

export interface ExpectedConfigError {
    readonly stack?: string;
    /** The key as ConfigError.key holds it: unprefixed ("nodeGroups.general.minSize") or "aws:region". */
    readonly key: string;
    /** Fragments of the problem part (between the key and "Expected"). */
    readonly says?: readonly string[];
    /** Fragments of the part after "Expected". */
    readonly expects: readonly string[];
    /** Strings that must not appear anywhere in the error (secrets). */
    readonly never?: readonly string[];
}

/**
 * Asserts that `fn` throws a ConfigError for `key`, whose message has the documented shape
 * `Stack "<stack>": config key "<full key>" <problem>. Expected <expected>.` with the given fragments.
 */
export function expectConfigError(fn: () => unknown, expected: ExpectedConfigError): ConfigError {
    const stack = expected.stack ?? "dev";
    let thrown: unknown;
    try {
        fn();
    } catch (error) {
        thrown = error;
    }
    assert.ok(thrown !== undefined, `expected a ConfigError for "${expected.key}", but nothing was thrown`);
    assert.ok(thrown instanceof ConfigError, `expected a ConfigError for "${expected.key}", got: ${String(thrown)}`);
    const error = thrown;
    assert.equal(error.name, "ConfigError");
    assert.equal(error.key, expected.key);

    const fullKey = expected.key.includes(":") ? expected.key : `${PREFIX}${expected.key}`;
    const head = `Stack "${stack}": config key "${fullKey}" `;
    const message = error.message;
    assert.ok(message.startsWith(head), `message should start with ${JSON.stringify(head)}:\n  ${message}`);
    const at = message.indexOf(". Expected ");
    assert.ok(at > head.length, `message should have a problem and an "Expected" part:\n  ${message}`);
    assert.ok(message.endsWith("."), `message should end with a full stop:\n  ${message}`);
    const problem = message.slice(head.length, at);
    const expectation = message.slice(at + ". Expected ".length, -1);
    for (const fragment of expected.says ?? []) {
        assert.ok(problem.includes(fragment), `problem part should contain ${JSON.stringify(fragment)}:\n  ${message}`);
    }
    for (const fragment of expected.expects) {
        assert.ok(
            expectation.includes(fragment),
            `"Expected" part should contain ${JSON.stringify(fragment)}:\n  ${message}`,
        );
    }
    for (const secret of expected.never ?? []) {
        for (const text of [message, String(error), util.inspect(error), JSON.stringify(error)]) {
            assert.ok(!text.includes(secret), `the error must not echo ${JSON.stringify(secret)}:\n  ${text}`);
        }
    }
    return error;
}

export interface Rejection {
    readonly title: string;
    /** The real stack file the edit starts from; dev unless said. */
    readonly stack?: FileStack;
    readonly edit: Edit;
    readonly key: string;
    readonly says: readonly string[];
    readonly expects: readonly string[];
    readonly never?: readonly string[];
}

/** One `it` per case: the real stack file with one change is refused with exactly this error. */
export function rejects(cases: readonly Rejection[]): void {
    for (const c of cases) {
        const stack = c.stack ?? "dev";
        it(`rejects ${c.title} (${stack})`, () => {
            expectConfigError(() => parseEdited(stack, c.edit), {
                stack,
                key: c.key,
                says: c.says,
                expects: c.expects,
                never: c.never,
            });
        });
    }
}

export interface Acceptance {
    readonly title: string;
    readonly stack?: FileStack;
    readonly edit: Edit;
    /** What to read of the parsed config. */
    readonly read: (config: StackConfig) => unknown;
    readonly expected: unknown;
}

/** One `it` per case: the real stack file with one change parses, and `read` gives `expected`. */
export function accepts(cases: readonly Acceptance[]): void {
    for (const c of cases) {
        const stack = c.stack ?? "dev";
        it(`accepts ${c.title} (${stack})`, () => {
            assert.deepEqual(c.read(parseEdited(stack, c.edit)), c.expected);
        });
    }
}

/** Every object and array reachable from `value` is frozen. */
export function assertDeepFrozen(value: unknown, where: string): void {
    if (value === null || typeof value !== "object") return;
    assert.ok(Object.isFrozen(value), `${where} is not frozen`);
    for (const [key, child] of Object.entries(value)) assertDeepFrozen(child, `${where}.${key}`);
}
