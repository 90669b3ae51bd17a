// What every area parser reads with: ConfigError (stack, key, problem, fix), a Reader bound to
// one stack, key suggestions, and the quantities (CPU, memory, pod resources, CIDRs) written once.
import { parseCidr } from "../lib/cidr";
import type { PodResources } from "../lib/pod-resources";

export const PROJECT = "scalable-backend";

/** Raw values as Pulumi hands them over: strings for scalars, parsed JSON for objects. */
export type RawConfig = Readonly<Record<string, unknown>>;

export class ConfigError extends Error {
    constructor(
        // Not `stack`: that would replace Error.stack, which Pulumi prints, and hide the message.
        readonly stackName: string,
        readonly key: string,
        problem: string,
        expected: string,
    ) {
        super(
            `Stack "${stackName}": config key "${key.includes(":") ? key : `${PROJECT}:${key}`}" ${problem}. Expected ${expected}.`,
        );
        this.name = "ConfigError";
    }
}

/** Closest known key, so "kubernetesVersoin" gets a useful hint. */
export function suggest(key: string, known: readonly string[]): string {
    let best = "";
    let bestDistance = Infinity;
    for (const candidate of known) {
        const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${best}"?)` : "";
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let previous = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
            previous = current;
        }
    }
    return row[b.length];
}

const CPU_PATTERN = /^(?:([1-9]\d*)m|(\d+(?:\.\d{1,3})?))$/;
const MEMORY_PATTERN = /^([1-9]\d*)(Mi|Gi)$/;
const CPU_FORMS = `millicores such as "250m" or cores such as "0.5"`;

/** CPU quantity in millicores, or undefined if malformed ("250m", "0.5", "2"). */
export function cpuMillis(quantity: string): number | undefined {
    const match = CPU_PATTERN.exec(quantity);
    if (!match) return undefined;
    return match[1] !== undefined ? Number(match[1]) : Math.round(Number(match[2]) * 1000);
}

/** Memory quantity in MiB, or undefined if malformed (only Mi and Gi: the units people mean). */
export function memoryMiB(quantity: string): number | undefined {
    const match = MEMORY_PATTERN.exec(quantity);
    if (!match) return undefined;
    return Number(match[1]) * (match[2] === "Gi" ? 1024 : 1);
}

export const RESOURCE_KEYS = ["cpuRequest", "memoryRequest", "memoryLimit"];

/** A small reader bound to one stack, so every error names it. */
export class Reader {
    constructor(readonly stack: string) {}

    fail(key: string, problem: string, expected: string): never {
        throw new ConfigError(this.stack, key, problem, expected);
    }

    rejectUnknownKeys(key: string, value: Record<string, unknown>, known: readonly string[]): void {
        for (const k of Object.keys(value)) {
            if (!known.includes(k)) {
                this.fail(`${key}.${k}`, `is not a known key${suggest(k, known)}`, `only ${known.join(", ")}`);
            }
        }
    }

    string(key: string, value: unknown): string {
        if (
            value === undefined ||
            value === null ||
            value === "" ||
            (typeof value === "string" && value.trim() === "")
        ) {
            this.fail(key, "is missing or empty", "a non-empty string");
        }
        if (typeof value !== "string")
            this.fail(key, `is ${JSON.stringify(value)}, not a string`, "a non-empty string (quote it in YAML)");
        return value;
    }

    integer(key: string, value: unknown, min: number, max: number): number {
        if (value === undefined) this.fail(key, "is missing", `an integer from ${min} to ${max}`);
        const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n)) {
            this.fail(key, `is ${JSON.stringify(value)}, not a whole number`, `an integer from ${min} to ${max}`);
        }
        if (n < min || n > max) this.fail(key, `is ${n}, out of range`, `an integer from ${min} to ${max}`);
        return n;
    }

    boolean(key: string, value: unknown): boolean {
        if (value === undefined) this.fail(key, "is missing", "true or false");
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        return this.fail(
            key,
            `is ${JSON.stringify(value)}, not a boolean`,
            `true or false (not "yes", "no", "1" or "0")`,
        );
    }

    object(key: string, value: unknown): Record<string, unknown> {
        if (value === undefined) this.fail(key, "is missing", "a YAML mapping (see Pulumi.dev.yaml)");
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            this.fail(key, "is not an object", "a YAML mapping (see Pulumi.dev.yaml)");
        }
        return value as Record<string, unknown>;
    }

    stringArray(key: string, value: unknown): string[] {
        if (value === undefined) this.fail(key, "is missing", 'a YAML list of strings, e.g. ["a", "b"] (or [])');
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
            this.fail(key, "is not a list of strings", 'a YAML list of strings, e.g. ["a", "b"]');
        }
        return value as string[];
    }

    oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): T {
        if (value === undefined) this.fail(key, "is missing", `one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
        if (typeof value !== "string" || !allowed.includes(value as T)) {
            this.fail(key, `is ${JSON.stringify(value)}`, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
        }
        return value as T;
    }

    /** An IPv4 network in CIDR notation with its host bits zero. */
    cidr(key: string, value: string): string {
        if (!parseCidr(value)) {
            this.fail(
                key,
                `is "${value}", not a valid network CIDR`,
                `an IPv4 network such as "203.0.113.0/24" (host bits zero)`,
            );
        }
        return value;
    }

    /** A list of CIDRs, each checked, none twice (EC2 refuses a rule that lists a CIDR twice). */
    cidrList(key: string, value: unknown): string[] {
        const cidrs = this.stringArray(key, value).map((c) => this.cidr(key, c));
        const twice = cidrs.find((c, i) => cidrs.indexOf(c) !== i);
        if (twice !== undefined) this.fail(key, `lists "${twice}" twice`, "each CIDR once");
        return cidrs;
    }

    /** A CPU quantity above zero (whether a node can offer it is config/capacity.ts's question). */
    cpu(key: string, value: unknown): string {
        const text = this.string(key, value);
        const millis = cpuMillis(text);
        if (millis === undefined || millis === 0) this.fail(key, `is "${text}", not a CPU quantity`, CPU_FORMS);
        return text;
    }

    memory(key: string, value: unknown): string {
        const text = this.string(key, value);
        if (memoryMiB(text) === undefined) {
            this.fail(
                key,
                `is "${text}", not a memory quantity`,
                `mebibytes or gibibytes such as "256Mi" or "1Gi" (not "256M" or "256mi")`,
            );
        }
        return text;
    }

    /** `cpuRequest`, `memoryRequest` and `memoryLimit` under `key`, the limit at least the request. */
    podResources(key: string, value: Record<string, unknown>): PodResources {
        const cpuRequest = this.cpu(`${key}.cpuRequest`, value.cpuRequest);
        const memoryRequest = this.memory(`${key}.memoryRequest`, value.memoryRequest);
        const memoryLimit = this.memory(`${key}.memoryLimit`, value.memoryLimit);
        if (memoryMiB(memoryLimit)! < memoryMiB(memoryRequest)!) {
            this.fail(
                `${key}.memoryLimit`,
                `is "${memoryLimit}", below memoryRequest "${memoryRequest}"`,
                "a limit at least as large as the request",
            );
        }
        return { cpuRequest, memoryRequest, memoryLimit };
    }
}
