// The stack a command-line tool is asked for, checked before anything is evaluated: a name this
// program knows, then its stack file, then that file's shape. Each problem is one line naming what
// is wrong, where the engine would otherwise report "missing configuration values" for all of them.
// The name is checked before it reaches a file path, so "/../../x" never reads outside the project.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { OfflineFlags } from "./offline-stack";

export class StackFileError extends Error {}

/** dev, prod, eph-<slug> or tenant-<slug>: the rule config/stack.ts `classifyStack` applies to the running program. */
const STACK_NAME = /^(dev|prod|(eph|tenant)-[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?)$/;

export function checkStackName(name: string): string {
    if (!STACK_NAME.test(name))
        throw new StackFileError(
            `${JSON.stringify(name)} is not a stack this program knows: dev, prod, eph-<slug> or tenant-<slug> (lowercase letters, digits and dashes, at most 32 after the prefix).`,
        );
    return name;
}

const kindOf = (value: unknown): string =>
    Array.isArray(value)
        ? "a list"
        : value === null
          ? "empty"
          : typeof value === "object"
            ? "a mapping"
            : `a ${typeof value}`;

/** `<root>/Pulumi.<stack>.yaml`, once the name is known, the file exists and its `config:` is a mapping. */
export function checkStackFile(root: string, stack: string): string {
    checkStackName(stack);
    const name = `Pulumi.${stack}.yaml`;
    const file = path.join(root, name);
    if (!fs.existsSync(file))
        throw new StackFileError(
            stack.startsWith("eph-")
                ? `${name} does not exist: \`npm run stack -- create ${stack}\` writes it.`
                : `${name} does not exist in ${root}.`,
        );
    let doc: unknown;
    try {
        doc = yaml.load(fs.readFileSync(file, "utf8"));
    } catch (error) {
        const { reason, mark } = error as yaml.YAMLException;
        throw new StackFileError(`${name} line ${mark.line + 1}: ${reason}.`);
    }
    if (doc === undefined || doc === null) return file;
    if (kindOf(doc) !== "a mapping") throw new StackFileError(`${name} is ${kindOf(doc)}, not a mapping of settings.`);
    const config = (doc as { config?: unknown }).config;
    if (config !== undefined && kindOf(config) !== "a mapping")
        throw new StackFileError(`${name}: config: is ${kindOf(config)}, not a mapping of keys to values.`);
    return file;
}

/** The options that describe a review stack planned without its stack file. */
export const OFFLINE_OPTIONS = "[--placement shared|cluster] [--public --source-ranges CIDR[,CIDR...]] [--image REF]";

export const PLAN_USAGE = `usage: npm run plan -- <stack> ${OFFLINE_OPTIONS}   (dev, prod, eph-<slug> or tenant-<slug>; --help for more)`;

export const PLAN_HELP = `npm run plan -- <stack> ${OFFLINE_OPTIONS}
  Evaluates the program for <stack> (dev, prod, eph-<slug> or tenant-<slug>) under the mock engine:
  no Pulumi CLI, no AWS credentials. Prints the resource tree, the modeled cold create, the estimated
  cost and the outputs; writes out/<stack>/ (plan.json, k8s/*.yaml, helm/*.yaml) and
  out/<stack>.records.json.
  An eph-* or tenant-* stack without a Pulumi.<stack>.yaml is planned with the config
  \`npm run stack -- create\` writes, dated 2026-01-01 so plans are reproducible; a stack placed on
  dev reads dev's own outputs, evaluated first. For an eph-* stack only:
    --placement shared|cluster        shared (default): the app layer on dev's cluster; cluster: its own
    --public --source-ranges CIDRS    shared: an NLB admitting only these CIDRs (default ClusterIP)
    --image REF                       shared: a prebuilt image pinned by digest (default: build app/)
`;

/** What a stack without a stack file is planned as (tools/offline-stack.ts OfflineFlags). */
export interface PlanFlags {
    readonly placement?: "shared" | "cluster";
    readonly public?: true;
    readonly sourceRanges?: readonly string[];
    readonly image?: string;
}

/**
 * Takes the offline option at argv[i] into `flags`; returns how many arguments it used, 0 when
 * argv[i] is none of them.
 */
export function takePlanFlag(argv: readonly string[], i: number, flags: PlanFlags, usage: string): number {
    const arg = argv[i];
    const value = (): string => {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith("--")) throw new StackFileError(`${arg} needs a value. ${usage}`);
        return next;
    };
    const set = <K extends keyof PlanFlags>(key: K, v: PlanFlags[K]): void => {
        if (flags[key] !== undefined) throw new StackFileError(`${arg} is given twice. ${usage}`);
        (flags as Record<string, unknown>)[key] = v;
    };
    switch (arg) {
        case "--placement": {
            const placement = value();
            if (placement !== "shared" && placement !== "cluster")
                throw new StackFileError(`--placement ${JSON.stringify(placement)}: shared or cluster. ${usage}`);
            set("placement", placement);
            return 2;
        }
        case "--public":
            set("public", true);
            return 1;
        case "--source-ranges":
            set(
                "sourceRanges",
                value()
                    .split(",")
                    .map((cidr) => cidr.trim())
                    .filter(Boolean),
            );
            return 2;
        case "--image":
            set("image", value());
            return 2;
        default:
            return 0;
    }
}

export type PlanArgs = { help: true } | { help: false; stack: string; flags: PlanFlags };

/** `plan`'s arguments: exactly one stack name and the offline options, or a request for help. */
export function parsePlanArgs(argv: readonly string[]): PlanArgs {
    if (argv.some((arg) => arg === "--help" || arg === "-h")) return { help: true };
    const positional: string[] = [];
    const flags: PlanFlags = {};
    for (let i = 0; i < argv.length; i++) {
        const used = takePlanFlag(argv, i, flags, PLAN_USAGE);
        if (used > 0) i += used - 1;
        else if (argv[i].startsWith("-")) throw new StackFileError(`Unknown option ${argv[i]}. ${PLAN_USAGE}`);
        else positional.push(argv[i]);
    }
    if (positional.length === 0) throw new StackFileError(PLAN_USAGE);
    if (positional.length > 1)
        throw new StackFileError(
            `plan takes one stack name, not ${positional.length}: ${positional.join(" ")}. ${PLAN_USAGE}`,
        );
    return { help: false, stack: positional[0], flags };
}

/**
 * The stack a plan or estimate evaluates, checked before anything is: its name; then its stack file
 * (dev and prod must have one; an eph-* or tenant-* stack may not, and is then planned with the
 * config `stack create` writes); then the offline options, which describe only such a stack.
 * Returns the options as the evaluation takes them (none for a stack file's config).
 */
export function checkStackSource(root: string, stack: string, flags: PlanFlags = {}): OfflineFlags {
    checkStackName(stack);
    const given = Object.keys(flags).map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    const review = stack.startsWith("eph-") || stack.startsWith("tenant-");
    if (!review || fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`))) {
        checkStackFile(root, stack);
        if (given.length > 0)
            throw new StackFileError(
                review
                    ? `${given.join(", ")}: Pulumi.${stack}.yaml exists and its config is what is planned; edit it, or plan another name.`
                    : `${given.join(", ")}: only an eph-* stack without a stack file takes them; ${stack} is planned from Pulumi.${stack}.yaml.`,
            );
        return {};
    }
    if (stack.startsWith("tenant-") && given.length > 0)
        throw new StackFileError(
            `${given.join(", ")}: a tenant-<slug> stack takes no options (its namespace's limits are the program's); give them to eph-${stack.slice("tenant-".length)}.`,
        );
    if (flags.placement === "cluster" && (flags.public || flags.sourceRanges || flags.image))
        throw new StackFileError(
            "--public, --source-ranges and --image describe the shared placement's app layer, not --placement cluster.",
        );
    if (flags.public && !flags.sourceRanges?.length)
        throw new StackFileError(
            "--public needs --source-ranges CIDR[,CIDR...]: an NLB open to the whole internet would publish unreviewed pull-request code.",
        );
    if (flags.sourceRanges && !flags.public)
        throw new StackFileError(
            "--source-ranges needs --public: a ClusterIP Service has no load balancer to restrict.",
        );
    return {
        ...(flags.placement ? { placement: flags.placement } : {}),
        ...(flags.sourceRanges ? { sourceRanges: flags.sourceRanges } : {}),
        ...(flags.image ? { image: flags.image } : {}),
    };
}
