// Ephemeral stacks with the Pulumi Automation API:
//   npm run stack -- create <name> [--ttl 8h] [--owner X] [--secrets-provider URL] [--policy-pack DIR]
//                                  [--permissions-boundary ARN]   (prints its hourly cost and the TTL's)
//   npm run stack -- destroy <name>
//   npm run stack -- list                                          (with each stack's cost so far)
//   npm run stack -- reap [--dry-run]
//   npm run stack -- [<command>] --help
// It never touches dev, prod, or any name without the "eph-" prefix. Progress goes to stdout,
// errors to stderr in one line, with exit 2 for a refusal and 1 for a failure.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { SemVer } from "semver";
import { OWNER_PATTERN } from "../config/stack";
import { Estimate, estimate } from "../cost/estimate";
import { usd, usdPerHour } from "../cost/render";
import { loadPriceTable } from "../cost/table";
import type { StackRun } from "../testing/engine";
import {
    assertEphemeral,
    costSinceCreated,
    DEFAULT_TTL,
    EphemeralMeta,
    ephemeralConfig,
    ephemeralTarget,
    expiry,
    hourlyFromTag,
    isExpired,
    laterExpiry,
    parseTtl,
    PREFIX,
    RefusedError,
    stackTags,
    TAG_CREATED,
    TAG_EXPIRES,
    TAG_HOURLY,
    TAG_OWNER,
} from "./ephemeral";

/** The project directory (tests use a scratch copy through Context.workDir). */
const ROOT = path.resolve(__dirname, "..");

type Automation = typeof import("@pulumi/pulumi/automation");
let automationModule: Automation | undefined;
/** The Automation API (and the SDK under it), loaded once a command needs the CLI: --help and refusals answer at once. */
const automation = (): Automation =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose, see above
    (automationModule ??= require("@pulumi/pulumi/automation") as Automation);

export interface Io {
    /** Progress and results (stdout). */
    out(text: string): void;
    /** The error a command ends with (stderr). */
    err(text: string): void;
    now(): Date;
}

export interface Context {
    readonly pulumiCommand: PulumiCommand;
    readonly io: Io;
    /** Environment the CLI runs with (credentials, backend URL, passphrase). */
    readonly env?: Record<string, string>;
    /** Who owns a stack when --owner is not given. */
    readonly defaultOwner: string;
    /** The project directory (tests use a scratch copy). */
    readonly workDir?: string;
    /**
     * The offline evaluation the cost estimate is made from: the program under the mock engine with
     * the stack's config, as the CLI hands it over. @default runStack (testing/engine.ts)
     */
    readonly evaluate?: (stack: string, config: Record<string, string>) => Promise<StackRun>;
}

/** Stack tags on self-managed backends (S3, local file) need this CLI. */
export const MINIMUM_CLI_VERSION = "3.211.0";

const INSTALL_HINT =
    "The Pulumi CLI was not found. Install it (curl -fsSL https://get.pulumi.com | sh, or npm install -g pulumi) and make sure `pulumi` is on PATH, then log in (pulumi login --local, an s3:// backend, or Pulumi Cloud).";

async function workspace(context: Context): Promise<LocalWorkspace> {
    return automation().LocalWorkspace.create({
        workDir: context.workDir ?? ROOT,
        pulumiCommand: context.pulumiCommand,
        envVars: context.env,
    });
}

async function select(context: Context, name: string): Promise<Stack> {
    return automation().LocalWorkspace.selectStack(
        { stackName: name, workDir: context.workDir ?? ROOT },
        { pulumiCommand: context.pulumiCommand, envVars: context.env },
    );
}

/** Pulumi.dev.yaml's config, structured. */
export function devStackFileConfig(): Record<string, unknown> {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
        config?: Record<string, unknown>;
    };
    return doc.config ?? {};
}

export interface CreateOptions {
    readonly ttl: string;
    readonly owner?: string;
    /** `stack init --secrets-provider` for a new stack. @default ephemeralSecretsProvider() */
    readonly secretsProvider?: string;
    /** The policy pack the stack is held to; CI passes the base branch's. @default <workDir>/policy */
    readonly policyPack?: string;
    /**
     * The boundary every IAM role of the stack carries (bootstrap's `permissionsBoundaryArn`): the
     * ephemeral role may create roles only with it. @default the value an earlier create stored
     */
    readonly permissionsBoundary?: string;
}

export const BOUNDARY_KEY = "scalable-backend:permissionsBoundaryArn";

/** The boundary an earlier create wrote into this machine's stack file, if any. */
export function storedBoundary(workDir: string, name: string): string | undefined {
    const file = path.join(workDir, `Pulumi.${name}.yaml`);
    if (!fs.existsSync(file)) return undefined;
    const value = (yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | undefined)
        ?.config?.[BOUNDARY_KEY];
    return typeof value === "string" ? value : undefined;
}

/** The KMS key every eph-* stack shares (bootstrap/), in dev's region: only the ephemeral role may use it. */
export function ephemeralSecretsProvider(): string {
    return `awskms://alias/scalable-backend-eph?region=${String(devStackFileConfig()["aws:region"])}`;
}

/**
 * The estimate of the config a stack is about to get, from the records of an offline evaluation in
 * this process (the mock engine, a second or so), before `up` spends anything. A failure is
 * reported and the create goes on: the estimate must never block a review stack.
 */
export async function estimateConfig(
    context: Context,
    name: string,
    config: Record<string, unknown>,
): Promise<Estimate | undefined> {
    try {
        const [{ runStack }, { toCliValues }] = await Promise.all([
            import("../testing/engine"),
            import("../config/load"),
        ]);
        const evaluate = context.evaluate ?? ((stack, values) => runStack(stack, { config: values }));
        return estimate(await evaluate(name, toCliValues(config)), loadPriceTable());
    } catch (error) {
        context.io.out(`Cost estimate unavailable: ${(error as Error).message.split("\n")[0]}\n`);
        return undefined;
    }
}

/** "Estimated cost: $0.2527/h expected ...; over the 8h TTL: $2.02 expected ..." */
export function describeCreateCost(result: Estimate, ttl: string, ttlMs: number): string {
    if (!result.hourly) return `Estimated cost: unknown region ${result.region} (the price table has no prices for it)`;
    const { hourly } = result;
    const hours = ttlMs / 3_600_000;
    return (
        `Estimated cost: ${usdPerHour(hourly.expected)}/h expected (${usdPerHour(hourly.min)} at min, ${usdPerHour(hourly.max)} at max nodes); ` +
        `over the ${ttl} TTL: ${usd(hourly.expected * hours)} expected (${usd(hourly.min * hours)} to ${usd(hourly.max * hours)}); ` +
        `${result.region} list prices of ${result.priceTableDate}, from an offline evaluation of this config`
    );
}

/** Select or create, configure from dev with the ephemeral overrides, estimate, tag, then `up`. Idempotent. */
export async function create(context: Context, source: string, options: CreateOptions): Promise<string> {
    const name = ephemeralTarget(source);
    const ttlMs = parseTtl(options.ttl);
    const boundary = options.permissionsBoundary ?? storedBoundary(context.workDir ?? ROOT, name);
    // Refused before any CLI call: the program refuses an eph-* stack without one anyway.
    if (boundary === undefined)
        throw new RefusedError(
            `${name} needs a permissions boundary: pass --permissions-boundary <arn> (the bootstrap's ` +
                `permissionsBoundaryArn output; PERMISSIONS_BOUNDARY_ARN in CI). The ephemeral role may create ` +
                `IAM roles only with it, so every role of the stack carries it.`,
        );
    const stack = await automation().LocalWorkspace.createOrSelectStack(
        { stackName: name, workDir: context.workDir ?? ROOT },
        {
            pulumiCommand: context.pulumiCommand,
            envVars: context.env,
            secretsProvider: options.secretsProvider ?? ephemeralSecretsProvider(),
        },
    );
    const tags = await stack.workspace.listTags(name).catch(() => ({}) as Record<string, string>);
    const now = context.io.now();
    // A second create keeps the stack's birth date and owner, and extends its life, never shortens it.
    const meta: EphemeralMeta = {
        owner: options.owner ?? tags[TAG_OWNER] ?? context.defaultOwner,
        createdAt: tags[TAG_CREATED] ? new Date(tags[TAG_CREATED]) : now,
        expiresAt: laterExpiry(expiry(now, ttlMs), tags[TAG_EXPIRES]),
    };
    context.io.out(`Stack ${name}: owner ${meta.owner}, expires ${meta.expiresAt.toISOString()}\n`);
    // Written as the stack file itself, so lists and objects keep their YAML types (config set-all
    // would store them as strings), and the secrets salt `stack init` wrote is kept.
    // A backend without a passphrase salt leaves no stack file behind `stack init`.
    const settings: { config?: Record<string, unknown> } = await stack.workspace.stackSettings(name).catch(() => ({}));
    const config = ephemeralConfig(devStackFileConfig(), meta);
    config[BOUNDARY_KEY] = boundary;
    await stack.workspace.saveStackSettings(name, { ...settings, config: config as Record<string, never> });
    const cost = await estimateConfig(context, name, config);
    if (cost) context.io.out(`${describeCreateCost(cost, options.ttl, ttlMs)}\n`);
    for (const [key, value] of Object.entries(stackTags(meta))) await stack.setTag(key, value);
    // Always set, so a re-create that cannot estimate never leaves the last estimate standing.
    await stack.setTag(TAG_HOURLY, cost?.hourly ? cost.hourly.expected.toFixed(4) : "unknown");
    // Ephemeral stacks are held to the same policy pack as dev and prod.
    const result = await stack.up({
        onOutput: (text) => context.io.out(text),
        policyPacks: [path.resolve(options.policyPack ?? path.join(context.workDir ?? ROOT, "policy"))],
    });
    const url = result.outputs.backendUrl?.value as string | undefined;
    context.io.out(`\nBackend URL: ${url ?? "(no backendUrl output)"}\n`);
    return url ?? "";
}

/** Destroys the resources, and removes the stack only once that succeeded. */
export async function destroy(context: Context, name: string): Promise<void> {
    assertEphemeral(name);
    const stack = await select(context, name);
    await stack.destroy({ onOutput: (text) => context.io.out(text) });
    await stack.workspace.removeStack(name);
    context.io.out(`\nStack ${name} destroyed and removed.\n`);
}

export interface EphemeralStackInfo {
    readonly name: string;
    readonly owner?: string;
    readonly expiresAt?: string;
    readonly expired: boolean;
    /** The expected USD an hour `create` estimated (its tag). */
    readonly hourlyUsd?: number;
    /** That rate from the stack's created-at tag until now. */
    readonly costSinceCreatedUsd?: number;
}

export async function list(context: Context): Promise<EphemeralStackInfo[]> {
    const ws = await workspace(context);
    const stacks = (await ws.listStacks()).filter((s) => s.name.startsWith(PREFIX));
    const now = context.io.now();
    const infos: EphemeralStackInfo[] = [];
    for (const summary of stacks) {
        const tags = await ws.listTags(summary.name);
        const hourlyUsd = hourlyFromTag(tags[TAG_HOURLY]);
        infos.push({
            name: summary.name,
            owner: tags[TAG_OWNER],
            expiresAt: tags[TAG_EXPIRES],
            expired: isExpired(tags[TAG_EXPIRES], now),
            hourlyUsd,
            costSinceCreatedUsd: costSinceCreated(hourlyUsd, tags[TAG_CREATED], now),
        });
    }
    for (const info of infos) {
        const hourly = info.hourlyUsd === undefined ? "?" : `${usdPerHour(info.hourlyUsd)}/h`;
        const since = info.costSinceCreatedUsd === undefined ? "?" : usd(info.costSinceCreatedUsd);
        context.io.out(
            `${info.name}\towner=${info.owner ?? "?"}\texpires=${info.expiresAt ?? "never (no tag)"}\thourly=${hourly}\tsince-created=${since}${info.expired ? "\tEXPIRED" : ""}\n`,
        );
    }
    if (infos.length === 0) context.io.out("No ephemeral stacks.\n");
    return infos;
}

/** Destroys every ephemeral stack past its expiry; a stack without an expiry tag is left alone, loudly. */
export async function reap(context: Context, dryRun: boolean): Promise<string[]> {
    const infos = await list(context);
    const reaped: string[] = [];
    const failures: string[] = [];
    for (const info of infos) {
        if (!info.expiresAt) {
            context.io.out(`Skipping ${info.name}: no ${TAG_EXPIRES} tag (created outside this tool?).\n`);
            continue;
        }
        if (!info.expired) continue;
        // Re-read just before destroying: a `create` since the listing may have extended it.
        const current = await (await workspace(context)).listTags(info.name);
        if (!isExpired(current[TAG_EXPIRES], context.io.now())) {
            context.io.out(`Keeping ${info.name}: extended to ${current[TAG_EXPIRES]} since the listing.\n`);
            continue;
        }
        if (dryRun) {
            context.io.out(`Would destroy ${info.name} (expired ${info.expiresAt}).\n`);
            reaped.push(info.name);
            continue;
        }
        try {
            await destroy(context, info.name);
            reaped.push(info.name);
        } catch (error) {
            // One stuck stack must not keep the others alive.
            failures.push(`${info.name}: ${describeError(error)}`);
        }
    }
    if (failures.length > 0) throw new Error(`Could not reap ${failures.length} stack(s): ${failures.join("; ")}`);
    return reaped;
}

export interface Parsed {
    readonly command: "create" | "destroy" | "list" | "reap";
    readonly name?: string;
    readonly ttl: string;
    readonly owner?: string;
    readonly dryRun: boolean;
    readonly secretsProvider?: string;
    readonly policyPack?: string;
    readonly permissionsBoundary?: string;
}

const USAGE =
    "usage: npm run stack -- create <name|branch> [--ttl 8h] [--owner X] [--secrets-provider URL] [--policy-pack DIR] [--permissions-boundary ARN] | destroy <name> | list | reap [--dry-run] | [<command>] --help";

const VALUE_OPTIONS = ["--ttl", "--owner", "--secrets-provider", "--policy-pack", "--permissions-boundary"];
const COMMANDS = ["create", "destroy", "list", "reap"] as const;

/** `--help` pages: the tool's, and each command's. */
export const HELP: Readonly<Record<"tool" | Parsed["command"], string>> = {
    tool: `Ephemeral stacks (eph-<slug>) through the Pulumi Automation API; never dev, prod or unprefixed names.

  npm run stack -- create <name|branch> [options]   create or update a stack, then pulumi up
  npm run stack -- destroy <name>                   destroy a stack, then remove it
  npm run stack -- list                             eph-* stacks: owner, expiry, hourly cost, cost so far
  npm run stack -- reap [--dry-run]                 destroy every stack past its expiry

npm run stack -- <command> --help for a command's options.
`,
    create: `npm run stack -- create <name|branch> [options]
  Creates or updates eph-<slug> (derived from a branch or PR name) with dev's config and the
  ephemeral overrides, prints its estimated cost, tags it, and runs pulumi up. A second create
  keeps the owner and birth date and never shortens the expiry. dev and prod are refused.

  --ttl 8h                     lifetime from now, 15m to 7d (default 8h)
  --owner X                    owner tag (default $GITHUB_ACTOR or $USER)
  --secrets-provider URL       secrets provider of a new stack (default the ephemeral KMS key)
  --policy-pack DIR            policy pack of the up (default ./policy)
  --permissions-boundary ARN   boundary of every IAM role (required once; remembered after)
`,
    destroy: `npm run stack -- destroy <name>
  Destroys an eph-* stack's resources, then removes the stack (only once the destroy succeeded).
`,
    list: `npm run stack -- list
  Lists eph-* stacks with owner, expiry, hourly cost and cost since created.
`,
    reap: `npm run stack -- reap [--dry-run]
  Destroys every eph-* stack past its expiry; keeps going when one fails.

  --dry-run   say what would be destroyed, destroy nothing
`,
};

/** The help page `argv` asks for, if it asks for one: `--help`/`-h` anywhere, for the command given first. */
export function helpRequest(argv: readonly string[]): string | undefined {
    if (!argv.some((arg) => arg === "--help" || arg === "-h")) return undefined;
    const command = COMMANDS.find((c) => c === argv[0]);
    return HELP[command ?? "tool"];
}

export function parseArgs(argv: readonly string[]): Parsed {
    const [command, ...rest] = argv;
    const positional: string[] = [];
    let dryRun = false;
    const values: Record<string, string> = {};
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (VALUE_OPTIONS.includes(arg)) {
            const value = rest[++i];
            if (value === undefined || value.startsWith("--")) throw new RefusedError(`${arg} needs a value. ${USAGE}`);
            values[arg] = value;
        } else if (arg === "--dry-run") dryRun = true;
        else if (arg.startsWith("-")) throw new RefusedError(`Unknown option ${arg}. ${USAGE}`);
        else positional.push(arg);
    }
    if (!COMMANDS.some((c) => c === command))
        throw new RefusedError(command === undefined ? USAGE : `Unknown command "${command}". ${USAGE}`);
    const parsedCommand = command as Parsed["command"];
    const needsName = command === "create" || command === "destroy";
    if (needsName && positional.length !== 1)
        throw new RefusedError(`${command} takes exactly one stack name. ${USAGE}`);
    if (!needsName && positional.length > 0) throw new RefusedError(`${command} takes no stack name. ${USAGE}`);
    if (dryRun && command !== "reap") throw new RefusedError(`--dry-run is for reap only. ${USAGE}`);
    const createOnly = Object.keys(values)[0];
    if (command !== "create" && createOnly) throw new RefusedError(`${createOnly} is for create only. ${USAGE}`);
    const ttl = values["--ttl"] ?? DEFAULT_TTL;
    const owner = values["--owner"];
    if (command === "create") {
        parseTtl(ttl);
        // The program's own rule, checked here so a bad owner never reaches `stack init`.
        if (owner !== undefined && !OWNER_PATTERN.test(owner))
            throw new RefusedError(
                `--owner ${JSON.stringify(owner)} is not a valid owner: 1-128 characters of letters, digits, spaces and ._:/=+@-, starting with a letter or digit.`,
            );
        ephemeralTarget(positional[0]);
    }
    return {
        command: parsedCommand,
        name: positional[0],
        ttl,
        owner,
        dryRun,
        secretsProvider: values["--secrets-provider"],
        policyPack: values["--policy-pack"],
        permissionsBoundary: values["--permissions-boundary"],
    };
}

/**
 * The Pulumi CLI's arguments on the errors of its failing calls, so the tool can name the call.
 * The error itself is passed on unchanged: the Automation API tells "no stack" from others by type.
 */
export function namingFailures(command: PulumiCommand): PulumiCommand {
    // `run` is internal to the Automation API (not in its typings): every CLI call goes through it.
    type Runner = { run(args: string[], ...rest: unknown[]): Promise<unknown> };
    const inner = command as unknown as Runner;
    const named = Object.create(command) as PulumiCommand & Runner;
    named.run = (args, ...rest) =>
        inner.run(args, ...rest).catch((error: unknown) => {
            if (error instanceof automation().CommandError) Object.assign(error, { args: [...args] });
            throw error;
        });
    return named;
}

/** What the Automation API keeps of a failed call (private in its typings). */
interface FailedCall {
    readonly args?: string[];
    readonly commandResult: { readonly stderr: string; readonly code: number; readonly err?: { stderr?: unknown } };
}

/**
 * One line for an error: a CLI call as "pulumi stack select eph-a failed: <its stderr's first
 * line>", not the Automation API's dump of code, stdout and stderr; anything else, its first line.
 */
export function describeError(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof automation().CommandError)) return message.split("\n")[0];
    const { args: given, commandResult } = error as unknown as FailedCall;
    const args = (given ?? []).filter((a) => a !== "--non-interactive");
    const firstFlag = args.findIndex((a) => a.startsWith("-"));
    // The command words, then the stack: --stack's value, or an eph-* name after the flags (`stack rm --yes eph-a`).
    const words = firstFlag < 0 ? args : args.slice(0, firstFlag);
    const stackFlag = args.indexOf("--stack");
    const stack = stackFlag >= 0 ? args[stackFlag + 1] : args.find((a, i) => i > firstFlag && a.startsWith(PREFIX));
    const call = ["pulumi", ...words, ...(stack && !words.includes(stack) ? [stack] : [])].join(" ");
    // A non-zero exit reaches the Automation API as execa's error, whose message leads with the command line.
    const stderr = String(commandResult.err?.stderr ?? commandResult.stderr)
        .split("\n")
        .map((line) => line.trim())
        .find((line) => line !== "");
    const reason = stderr?.replace(/^error: /, "") ?? `exit code ${commandResult.code}`;
    return `${call} failed: ${reason}`;
}

export async function run(
    argv: readonly string[],
    context: Omit<Context, "pulumiCommand">,
    getCommand: () => Promise<PulumiCommand>,
): Promise<number> {
    const help = helpRequest(argv);
    if (help !== undefined) {
        context.io.out(help);
        return 0;
    }
    try {
        const parsed = parseArgs(argv);
        // Refuse a forbidden name before even looking for the CLI.
        if (parsed.command === "destroy") assertEphemeral(parsed.name!);
        let pulumiCommand: PulumiCommand;
        try {
            pulumiCommand = await getCommand();
        } catch (error) {
            const message = (error as Error).message;
            if (/version/i.test(message) && !/ENOENT|not found/i.test(message)) {
                throw new RefusedError(
                    `The Pulumi CLI is too old: this tool needs ${MINIMUM_CLI_VERSION} or newer (stack tags on self-managed backends). Upgrade it (pulumi self-update, or the installer). ${message.split("\n")[0]}`,
                );
            }
            throw new RefusedError(INSTALL_HINT);
        }
        const full: Context = { ...context, pulumiCommand: namingFailures(pulumiCommand) };
        switch (parsed.command) {
            case "create":
                await create(full, parsed.name!, {
                    ttl: parsed.ttl,
                    owner: parsed.owner,
                    secretsProvider: parsed.secretsProvider,
                    policyPack: parsed.policyPack,
                    permissionsBoundary: parsed.permissionsBoundary,
                });
                break;
            case "destroy":
                await destroy(full, parsed.name!);
                break;
            case "list":
                await list(full);
                break;
            case "reap": {
                const reaped = await reap(full, parsed.dryRun);
                context.io.out(`${parsed.dryRun ? "Would reap" : "Reaped"} ${reaped.length} stack(s).\n`);
                break;
            }
        }
        return 0;
    } catch (error) {
        context.io.err(`error: ${describeError(error)}\n`);
        return error instanceof RefusedError ? 2 : 1;
    }
}

if (require.main === module) {
    const io: Io = {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
        now: () => new Date(),
    };
    const env = Object.fromEntries(
        Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const defaultOwner = process.env.GITHUB_ACTOR ?? process.env.USER ?? "unknown";
    run(process.argv.slice(2), { io, env, defaultOwner }, () =>
        automation().PulumiCommand.get({ version: new SemVer(MINIMUM_CLI_VERSION) }),
    )
        .then((code) => process.exit(code))
        .catch((error: Error) => {
            process.stderr.write(`error: ${error.message}\n`);
            process.exit(1);
        });
}
