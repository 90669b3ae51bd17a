// Review stacks with the Pulumi Automation API, in two placements: `shared` (the default: a tenant
// stack tenant-<slug> provisions namespace eph-<slug> on dev's cluster, then the app stack eph-<slug>
// deploys into it) and `cluster` (eph-<slug> builds a cluster of its own).
//   npm run stack -- create <name> [--placement shared|cluster] [--layer app|tenant] [--public --source-ranges CIDRS]
//                                  [--image REF] [--host ORG/PROJECT/dev] [--summary FILE] [--ttl 8h] [--owner X]
//                                  [--secrets-provider URL] [--policy-pack DIR] [--permissions-boundary ARN]
//   npm run stack -- destroy <name> [--layer app|tenant]          (shared: the app layer, then the tenant)
//   npm run stack -- list                                          (placement, layer, cost so far)
//   npm run stack -- reap [--dry-run] [--all] [--placement P] [--layer L]
//   npm run stack -- [<command>] --help
// It never touches dev, prod, or any name but eph-* and tenant-*. Progress goes to stdout, errors to
// stderr in one line, with exit 2 for a refusal and 1 for a failure.
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
    type Layer,
    laterExpiry,
    parseTtl,
    type Placement,
    PREFIX,
    RefusedError,
    reviewAppConfig,
    stackTags,
    TAG_CREATED,
    TAG_EXPIRES,
    TAG_HOURLY,
    TAG_OWNER,
    TAG_PLACEMENT,
    TAG_TENANT_OF,
    tenantConfig,
    TENANT_PREFIX,
    tenantStackOf,
    appStackOf,
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
    /** How the app layer waits for its tenant's namespace. @default setTimeout */
    readonly sleep?: (ms: number) => Promise<void>;
}

/** How long a shared app layer waits for its tenant (CI runs them in separate jobs), and how often it looks. */
export const TENANT_WAIT_MS = 10 * 60_000;
export const TENANT_POLL_MS = 15_000;

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
    /** @default the stack's placement tag, else "shared" */
    readonly placement?: Placement;
    /** One layer of a shared stack (CI runs them in separate jobs). @default both: the tenant, then the app */
    readonly layer?: Layer;
    /** Publish the app layer on an NLB for these CIDRs (--public --source-ranges). @default ClusterIP */
    readonly sourceRanges?: readonly string[];
    /** A prebuilt image pinned by digest for the app layer. */
    readonly image?: string;
    /** The host's fully qualified stack name. @default the program's: <organization>/<project>/dev */
    readonly host?: string;
    /** Writes what a reviewer needs as JSON: stack, placement, namespace, portForward, url, expiresAt, hourlyUsd. */
    readonly summaryFile?: string;
}

/** What `create --summary` writes (the review-stack workflow's PR comment reads it). */
export interface CreateSummary {
    readonly stack: string;
    readonly placement: Placement;
    readonly namespace?: string;
    readonly portForward?: string;
    readonly url?: string;
    readonly expiresAt: string;
    readonly hourlyUsd?: number;
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
        const [{ qualifiedStackName, referenceTo, runStack }, { toCliValues }] = await Promise.all([
            import("../testing/engine"),
            import("../config/load"),
        ]);
        // A stack on the host reads dev's outputs: the offline evaluation feeds it dev's own.
        const evaluate =
            context.evaluate ??
            (async (stack: string, values: Record<string, string>) =>
                runStack(stack, {
                    config: values,
                    ...(config["scalable-backend:placement"] === "shared"
                        ? { stackReferences: { [qualifiedStackName("dev")]: referenceTo(await runStack("dev")) } }
                        : {}),
                }));
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

/** The stack's lifetime and owner: a second create keeps its birth date and owner and extends its life, never shortens it. */
function metaOf(context: Context, tags: Record<string, string>, options: CreateOptions, ttlMs: number): EphemeralMeta {
    const now = context.io.now();
    return {
        owner: options.owner ?? tags[TAG_OWNER] ?? context.defaultOwner,
        createdAt: tags[TAG_CREATED] ? new Date(tags[TAG_CREATED]) : now,
        expiresAt: laterExpiry(expiry(now, ttlMs), tags[TAG_EXPIRES]),
    };
}

/** Sets each tag whose value is not already `current`'s: every tag set is a CLI call of its own. */
async function setTags(stack: Stack, current: Record<string, string>, wanted: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(wanted)) if (current[key] !== value) await stack.setTag(key, value);
}

/** Tags written before up: the lifetime, the placement, and the cost estimate (always, "unknown" when none). */
async function tagStack(
    stack: Stack,
    current: Record<string, string>,
    tags: Record<string, string>,
    cost: Estimate | undefined,
): Promise<void> {
    // Always given, so a re-create that cannot estimate never leaves the last estimate standing.
    const hourly = cost?.hourly ? cost.hourly.expected.toFixed(4) : "unknown";
    await setTags(stack, current, { ...tags, [TAG_HOURLY]: hourly });
}

/** Selects or inits `name`, and writes its config as the stack file itself, keeping what `stack init` wrote. */
async function prepare(
    context: Context,
    name: string,
    secretsProvider: string,
): Promise<{ stack: Stack; tags: Record<string, string>; save(config: Record<string, unknown>): Promise<void> }> {
    const stack = await automation().LocalWorkspace.createOrSelectStack(
        { stackName: name, workDir: context.workDir ?? ROOT },
        { pulumiCommand: context.pulumiCommand, envVars: context.env, secretsProvider },
    );
    const tags = await stack.workspace.listTags(name).catch(() => ({}) as Record<string, string>);
    // As the stack file itself, so lists and objects keep their YAML types (config set-all would
    // store them as strings), and the secrets salt or key `stack init` wrote is kept. A backend
    // without a passphrase salt leaves no stack file behind `stack init`.
    const settings: { config?: Record<string, unknown> } = await stack.workspace.stackSettings(name).catch(() => ({}));
    return {
        stack,
        tags,
        save: (config) =>
            stack.workspace.saveStackSettings(name, { ...settings, config: config as Record<string, never> }),
    };
}

/** `up` held to the policy pack (the base branch's in CI), streamed. */
async function upWithPolicy(context: Context, stack: Stack, options: CreateOptions) {
    return stack.up({
        onOutput: (text) => context.io.out(text),
        policyPacks: [path.resolve(options.policyPack ?? path.join(context.workDir ?? ROOT, "policy"))],
    });
}

/**
 * The placement a create applies: what the stack was created with (a placement never changes in
 * place: the old layers would be left behind, or deleted by the wrong role), else the option, else
 * shared. A stack's tenant counts as its creation too.
 */
async function placementOf(context: Context, name: string, given: Placement | undefined): Promise<Placement> {
    const [appTags, tenantTags] = [await existingTags(context, name), await existingTags(context, tenantStackOf(name))];
    const existing: Placement | undefined =
        appTags !== undefined
            ? ((appTags[TAG_PLACEMENT] as Placement | undefined) ?? "cluster")
            : tenantTags !== undefined
              ? "shared"
              : undefined;
    if (existing !== undefined && given !== undefined && existing !== given)
        throw new RefusedError(
            `${name} is a ${existing} review stack: destroy it first (npm run stack -- destroy ${name}), then create it with --placement ${given}.`,
        );
    return existing ?? given ?? "shared";
}

/** A stack's tags, or undefined when the backend has no such stack. */
async function existingTags(context: Context, name: string): Promise<Record<string, string> | undefined> {
    const ws = await workspace(context);
    const names = (await ws.listStacks()).map((s) => s.name);
    return names.includes(name) ? ws.listTags(name) : undefined;
}

/**
 * Creates or updates a review stack, idempotently. `cluster`: eph-<slug> with dev's config and the
 * review overrides. `shared`: the tenant layer tenant-<slug> (its namespace and limits), then the
 * app layer eph-<slug> into it; `--layer` runs one of them (CI: the tenant from main, the app from
 * the pull request), the app waiting for its tenant. Each is estimated offline, tagged, then `up`.
 */
export async function create(context: Context, source: string, options: CreateOptions): Promise<CreateSummary> {
    const name = ephemeralTarget(source);
    const ttlMs = parseTtl(options.ttl);
    // A cluster's boundary is local knowledge: refused before any CLI call.
    if (options.placement === "cluster") clusterBoundary(context, name, options);
    const placement = await placementOf(context, name, options.placement);
    if (placement === "shared" && options.permissionsBoundary !== undefined)
        throw new RefusedError(
            `--permissions-boundary is for --placement cluster: a shared review stack creates no IAM role.`,
        );
    if (
        placement === "cluster" &&
        (options.layer !== undefined || options.sourceRanges || options.image || options.host)
    )
        throw new RefusedError(
            `--layer, --public, --image and --host are for the shared placement: a cluster stack is one layer with dev's config.`,
        );
    const summary =
        placement === "cluster"
            ? await createCluster(context, name, options, ttlMs)
            : await createShared(context, name, options, ttlMs);
    if (options.summaryFile) fs.writeFileSync(options.summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
}

/** The boundary a cluster stack's roles carry: given, or stored by an earlier create; refused otherwise. */
function clusterBoundary(context: Context, name: string, options: CreateOptions): string {
    const boundary = options.permissionsBoundary ?? storedBoundary(context.workDir ?? ROOT, name);
    // The program refuses an eph-* cluster without one anyway; this says so before any CLI call.
    if (boundary === undefined)
        throw new RefusedError(
            `${name} needs a permissions boundary: pass --permissions-boundary <arn> (the bootstrap's ` +
                `permissionsBoundaryArn output; PERMISSIONS_BOUNDARY_ARN in CI). The ephemeral role may create ` +
                `IAM roles only with it, so every role of the stack carries it.`,
        );
    return boundary;
}

async function createCluster(
    context: Context,
    name: string,
    options: CreateOptions,
    ttlMs: number,
): Promise<CreateSummary> {
    const boundary = clusterBoundary(context, name, options);
    const { stack, tags, save } = await prepare(context, name, options.secretsProvider ?? ephemeralSecretsProvider());
    // First, so an interrupted create still says what it is.
    await setTags(stack, tags, { [TAG_PLACEMENT]: "cluster" });
    const meta = metaOf(context, tags, options, ttlMs);
    context.io.out(`Stack ${name}: placement cluster, owner ${meta.owner}, expires ${meta.expiresAt.toISOString()}\n`);
    const config = ephemeralConfig(devStackFileConfig(), meta);
    config[BOUNDARY_KEY] = boundary;
    await save(config);
    const cost = await estimateConfig(context, name, config);
    if (cost) context.io.out(`${describeCreateCost(cost, options.ttl, ttlMs)}\n`);
    await tagStack(stack, tags, stackTags(meta), cost);
    const result = await upWithPolicy(context, stack, options);
    const url = result.outputs.backendUrl?.value as string | undefined;
    context.io.out(`\nBackend URL: ${url ?? "(no backendUrl output)"}\n`);
    return {
        stack: name,
        placement: "cluster",
        ...(url ? { url } : {}),
        expiresAt: meta.expiresAt.toISOString(),
        ...(cost?.hourly ? { hourlyUsd: Number(cost.hourly.expected.toFixed(4)) } : {}),
    };
}

async function createShared(
    context: Context,
    name: string,
    options: CreateOptions,
    ttlMs: number,
): Promise<CreateSummary> {
    const tenantName = tenantStackOf(name);
    const secretsProvider = options.secretsProvider ?? ephemeralSecretsProvider();
    let tenantNamespace: string | undefined;
    if (options.layer !== "app") {
        const { stack, tags, save } = await prepare(context, tenantName, secretsProvider);
        await setTags(stack, tags, { [TAG_PLACEMENT]: "shared" });
        const meta = metaOf(context, tags, options, ttlMs);
        context.io.out(
            `Stack ${tenantName}: tenant of ${name}, owner ${meta.owner}, expires ${meta.expiresAt.toISOString()}\n`,
        );
        await save(tenantConfig(devStackFileConfig(), meta, options.host));
        // Its quota is a cap, not a spend: the tenant layer itself costs nothing.
        await tagStack(stack, tags, { ...stackTags(meta), [TAG_TENANT_OF]: name }, undefined);
        const result = await upWithPolicy(context, stack, options);
        tenantNamespace = result.outputs.namespace?.value as string | undefined;
        context.io.out(`\nNamespace ${tenantNamespace ?? "(no namespace output)"} is ready for ${name}.\n`);
    }
    if (options.layer === "tenant") {
        const expires = (await existingTags(context, tenantName))?.[TAG_EXPIRES] ?? "";
        return {
            stack: tenantName,
            placement: "shared",
            ...(tenantNamespace ? { namespace: tenantNamespace } : {}),
            expiresAt: expires,
        };
    }
    const namespace = tenantNamespace ?? (await waitForTenant(context, tenantName));
    const { stack, tags, save } = await prepare(context, name, secretsProvider);
    await setTags(stack, tags, { [TAG_PLACEMENT]: "shared" });
    const meta = metaOf(context, tags, options, ttlMs);
    context.io.out(
        `Stack ${name}: placement shared (namespace ${namespace}), owner ${meta.owner}, expires ${meta.expiresAt.toISOString()}\n`,
    );
    const config = reviewAppConfig(devStackFileConfig(), meta, {
        sourceRanges: options.sourceRanges,
        image: options.image,
        hostStack: options.host,
    });
    await save(config);
    const cost = await estimateConfig(context, name, config);
    if (cost) context.io.out(`${describeCreateCost(cost, options.ttl, ttlMs)}\n`);
    await tagStack(stack, tags, stackTags(meta), cost);
    const result = await upWithPolicy(context, stack, options);
    const url = result.outputs.backendUrl?.value as string | undefined;
    const portForward = result.outputs.portForward?.value as string | undefined;
    context.io.out(url ? `\nBackend URL: ${url}\n` : `\nReach it with: ${portForward ?? "(no portForward output)"}\n`);
    return {
        stack: name,
        placement: "shared",
        namespace,
        ...(portForward ? { portForward } : {}),
        ...(url ? { url } : {}),
        expiresAt: meta.expiresAt.toISOString(),
        ...(cost?.hourly ? { hourlyUsd: Number(cost.hourly.expected.toFixed(4)) } : {}),
    };
}

/** The tenant's namespace once its stack has one (a separate CI job creates it), or a refusal after TENANT_WAIT_MS. */
async function waitForTenant(context: Context, tenantName: string): Promise<string> {
    const sleep = context.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let waited = 0; ; waited += TENANT_POLL_MS) {
        if ((await existingTags(context, tenantName)) !== undefined) {
            const outputs = await (await select(context, tenantName)).outputs();
            const namespace = outputs.namespace?.value as string | undefined;
            if (namespace) return namespace;
        }
        if (waited >= TENANT_WAIT_MS)
            throw new RefusedError(
                `${tenantName} has no namespace after ${TENANT_WAIT_MS / 60_000} minutes: the tenant layer runs first ` +
                    `(review-tenant.yml in CI, or npm run stack -- create <name> --layer tenant from main's checkout).`,
            );
        context.io.out(`Waiting for ${tenantName}'s namespace...\n`);
        await sleep(TENANT_POLL_MS);
    }
}

/** Destroys one stack's resources, and removes the stack only once that succeeded. */
async function destroyStack(context: Context, name: string): Promise<void> {
    const stack = await select(context, name);
    await stack.destroy({ onOutput: (text) => context.io.out(text) });
    await stack.workspace.removeStack(name);
    context.io.out(`\nStack ${name} destroyed and removed.\n`);
}

/**
 * Destroys a review stack. Shared: the app layer first (its NLB goes while the host's controller and
 * the namespace are there), then the tenant (the namespace last); `--layer tenant` refuses while
 * the app stack exists. Cluster: the one stack.
 */
export async function destroy(context: Context, name: string, layer?: Layer): Promise<void> {
    assertEphemeral(name);
    const tenantName = tenantStackOf(name);
    const [appTags, tenantTags] = [await existingTags(context, name), await existingTags(context, tenantName)];
    // The app stack's own tag decides; only once it is gone does a remaining tenant say "shared".
    const shared = appTags !== undefined ? appTags[TAG_PLACEMENT] === "shared" : tenantTags !== undefined;
    if (appTags === undefined && tenantTags === undefined)
        throw new RefusedError(`Neither ${name} nor ${tenantName} exists: nothing to destroy.`);
    if (!shared) {
        if (layer !== undefined)
            throw new RefusedError(`${name} is not a shared review stack: --layer does not apply.`);
        await destroyStack(context, name);
        return;
    }
    if (layer !== "tenant" && appTags !== undefined) await destroyStack(context, name);
    if (layer === "app") return;
    if (layer === "tenant" && appTags !== undefined)
        throw new RefusedError(
            `${name} still exists: destroy the app layer first (npm run stack -- destroy ${name} --layer app), so its ` +
                `load balancer goes while the namespace and the host's controller are there.`,
        );
    if (tenantTags !== undefined) await destroyStack(context, tenantName);
}

export interface EphemeralStackInfo {
    readonly name: string;
    /** "cluster" for eph-* stacks without the tag (they predate the shared placement). */
    readonly placement: Placement;
    /** Which layer of a shared review stack; undefined for a cluster. */
    readonly layer?: Layer;
    readonly owner?: string;
    readonly expiresAt?: string;
    readonly expired: boolean;
    /** The expected USD an hour `create` estimated (its tag). */
    readonly hourlyUsd?: number;
    /** That rate from the stack's created-at tag until now. */
    readonly costSinceCreatedUsd?: number;
}

/** Every review stack of the backend (eph-* and tenant-*), with its placement, layer, owner, expiry and cost. */
export async function list(context: Context): Promise<EphemeralStackInfo[]> {
    const ws = await workspace(context);
    const stacks = (await ws.listStacks()).filter((s) => s.name.startsWith(PREFIX) || s.name.startsWith(TENANT_PREFIX));
    const now = context.io.now();
    const infos: EphemeralStackInfo[] = [];
    for (const summary of stacks) {
        const tags = await ws.listTags(summary.name);
        const hourlyUsd = hourlyFromTag(tags[TAG_HOURLY]);
        const tenant = summary.name.startsWith(TENANT_PREFIX);
        const placement: Placement = tenant ? "shared" : ((tags[TAG_PLACEMENT] as Placement | undefined) ?? "cluster");
        infos.push({
            name: summary.name,
            placement,
            ...(placement === "shared" ? { layer: tenant ? "tenant" : "app" } : {}),
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
            `${info.name}\tplacement=${info.placement}${info.layer ? `\tlayer=${info.layer}` : ""}\towner=${info.owner ?? "?"}\texpires=${info.expiresAt ?? "never (no tag)"}\thourly=${hourly}\tsince-created=${since}${info.expired ? "\tEXPIRED" : ""}\n`,
        );
    }
    if (infos.length === 0) context.io.out("No ephemeral stacks.\n");
    return infos;
}

export interface ReapOptions {
    readonly dryRun: boolean;
    /** Every review stack, expired or not: dev's destroy path removes its guests first (README). */
    readonly all?: boolean;
    readonly placement?: Placement;
    readonly layer?: Layer;
}

/**
 * Destroys every review stack past its expiry (or every one with `all`), keeping going when one
 * fails. A shared stack goes app layer first, then its tenant; a stack without an expiry tag is left
 * alone, loudly. `layer: tenant` reaps only tenants whose app stack is gone (CI reaps apps first).
 */
export async function reap(context: Context, options: ReapOptions): Promise<string[]> {
    const infos = await list(context);
    const names = new Set(infos.map((i) => i.name));
    const reaped: string[] = [];
    const failures: string[] = [];
    for (const info of infos) {
        if (options.placement !== undefined && info.placement !== options.placement) continue;
        if (options.layer !== undefined && info.layer !== options.layer) continue;
        // A shared stack is reaped through its app stack's name, unless the app is gone already.
        const tenant = info.layer === "tenant";
        const target = tenant ? appStackOf(info.name) : info.name;
        if (tenant && names.has(target)) {
            // Reaped with its app stack (listed too), or, reaping tenants alone, after it.
            if (options.layer === "tenant")
                context.io.out(
                    `Keeping ${info.name}: its app stack ${target} still exists (reap the app layer first).\n`,
                );
            continue;
        }
        if (!info.expiresAt && !options.all) {
            context.io.out(`Skipping ${info.name}: no ${TAG_EXPIRES} tag (created outside this tool?).\n`);
            continue;
        }
        if (!options.all) {
            if (!info.expired) continue;
            // Re-read just before destroying: a `create` since the listing may have extended it.
            const current = await (await workspace(context)).listTags(info.name);
            if (!isExpired(current[TAG_EXPIRES], context.io.now())) {
                context.io.out(`Keeping ${info.name}: extended to ${current[TAG_EXPIRES]} since the listing.\n`);
                continue;
            }
        }
        if (options.dryRun) {
            context.io.out(`Would destroy ${info.name}${options.all ? "" : ` (expired ${info.expiresAt})`}.\n`);
            reaped.push(info.name);
            continue;
        }
        try {
            await destroy(
                context,
                target,
                info.layer === undefined ? undefined : (options.layer ?? (tenant ? "tenant" : undefined)),
            );
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
    readonly all: boolean;
    readonly secretsProvider?: string;
    readonly policyPack?: string;
    readonly permissionsBoundary?: string;
    readonly placement?: Placement;
    readonly layer?: Layer;
    readonly sourceRanges?: readonly string[];
    readonly image?: string;
    readonly host?: string;
    readonly summaryFile?: string;
}

const USAGE =
    "usage: npm run stack -- create <name|branch> [--placement shared|cluster] [--layer app|tenant] [--public --source-ranges CIDRS] [--image REF] [--host STACK] [--summary FILE] [--ttl 8h] [--owner X] [--secrets-provider URL] [--policy-pack DIR] [--permissions-boundary ARN] | destroy <name> [--layer app|tenant] | list | reap [--dry-run] [--all] [--placement P] [--layer L] | [<command>] --help";

const VALUE_OPTIONS = [
    "--ttl",
    "--owner",
    "--secrets-provider",
    "--policy-pack",
    "--permissions-boundary",
    "--placement",
    "--layer",
    "--source-ranges",
    "--image",
    "--host",
    "--summary",
];
const FLAGS = ["--dry-run", "--all", "--public"];
const COMMANDS = ["create", "destroy", "list", "reap"] as const;
/** Which command takes which option (create takes every value option). */
const OPTIONS_OF: Readonly<Record<Parsed["command"], readonly string[]>> = {
    create: [...VALUE_OPTIONS, "--public"],
    destroy: ["--layer"],
    list: [],
    reap: ["--dry-run", "--all", "--placement", "--layer"],
};

/** `--help` pages: the tool's, and each command's. */
export const HELP: Readonly<Record<"tool" | Parsed["command"], string>> = {
    tool: `Review stacks (eph-<slug>, and tenant-<slug> for the shared placement) through the Pulumi Automation API;
never dev, prod or other names.

  npm run stack -- create <name|branch> [options]   create or update a review stack, then pulumi up
  npm run stack -- destroy <name>                   destroy a review stack (both layers when shared), then remove it
  npm run stack -- list                             review stacks: placement, layer, owner, expiry, hourly cost, cost so far
  npm run stack -- reap [--dry-run]                 destroy every review stack past its expiry

npm run stack -- <command> --help for a command's options.
`,
    create: `npm run stack -- create <name|branch> [options]
  Creates or updates eph-<slug> (derived from a branch or PR name), prints its estimated cost, tags
  it, and runs pulumi up. A second create keeps the owner and birth date and never shortens the
  expiry. dev and prod are refused.

  --placement shared|cluster   shared (default): the tenant tenant-<slug> provisions namespace eph-<slug>
                               on dev's cluster, then the app layer deploys into it; cluster: a whole
                               cluster with dev's config and the review overrides (for network, cluster
                               or platform changes)
  --layer app|tenant           shared only: one layer (CI runs the tenant from main, the app from the PR);
                               the app waits up to 10 minutes for its tenant's namespace
  --public --source-ranges C   shared only: an NLB admitting only these comma-separated CIDRs (default:
                               ClusterIP, and the kubectl port-forward command is printed)
  --image REF                  shared only: a prebuilt image pinned by digest (default: build app/)
  --host STACK                 shared only: the host, "dev" or "<organization>/<project>/dev"
  --summary FILE               write stack, placement, namespace, portForward, url, expiresAt, hourlyUsd as JSON
  --ttl 8h                     lifetime from now, 15m to 7d (default 8h)
  --owner X                    owner tag (default $GITHUB_ACTOR or $USER)
  --secrets-provider URL       secrets provider of a new stack (default the ephemeral KMS key)
  --policy-pack DIR            policy pack of the up (default ./policy)
  --permissions-boundary ARN   cluster only: boundary of every IAM role (required once; remembered after)
`,
    destroy: `npm run stack -- destroy <name> [--layer app|tenant]
  Destroys a review stack's resources, then removes the stack (only once the destroy succeeded).
  Shared: the app layer first (its load balancer goes while the host's controller runs), then the
  tenant (the namespace last). --layer tenant refuses while the app stack exists.
`,
    list: `npm run stack -- list
  Lists eph-* and tenant-* stacks with placement, layer, owner, expiry, hourly cost and cost since created.
`,
    reap: `npm run stack -- reap [--dry-run] [--all] [--placement shared|cluster] [--layer app|tenant]
  Destroys every review stack past its expiry, app layers before their tenants; keeps going when one fails.

  --dry-run     say what would be destroyed, destroy nothing
  --all         every review stack, expired or not (dev's destroy path: its guests first)
  --placement   only stacks of this placement
  --layer       only this layer of shared stacks (tenant: only those whose app stack is gone)
`,
};

/** The help page `argv` asks for, if it asks for one: `--help`/`-h` anywhere, for the command given first. */
export function helpRequest(argv: readonly string[]): string | undefined {
    if (!argv.some((arg) => arg === "--help" || arg === "-h")) return undefined;
    const command = COMMANDS.find((c) => c === argv[0]);
    return HELP[command ?? "tool"];
}

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;

export function parseArgs(argv: readonly string[]): Parsed {
    const [command, ...rest] = argv;
    const positional: string[] = [];
    const flags = new Set<string>();
    const values: Record<string, string> = {};
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (VALUE_OPTIONS.includes(arg)) {
            const value = rest[++i];
            if (value === undefined || value.startsWith("--")) throw new RefusedError(`${arg} needs a value. ${USAGE}`);
            values[arg] = value;
        } else if (FLAGS.includes(arg)) flags.add(arg);
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
    const misplaced = [...flags, ...Object.keys(values)].find((o) => !OPTIONS_OF[parsedCommand].includes(o));
    if (misplaced) {
        const owners = COMMANDS.filter((c) => OPTIONS_OF[c].includes(misplaced));
        throw new RefusedError(`${misplaced} is for ${owners.join(" and ")} only. ${USAGE}`);
    }
    const oneOf = <T extends string>(option: string, allowed: readonly T[]): T | undefined => {
        const value = values[option];
        if (value !== undefined && !allowed.includes(value as T))
            throw new RefusedError(`${option} ${JSON.stringify(value)} is not one of ${allowed.join(", ")}. ${USAGE}`);
        return value as T | undefined;
    };
    const placement = oneOf<Placement>("--placement", ["shared", "cluster"]);
    const layer = oneOf<Layer>("--layer", ["app", "tenant"]);
    if (placement === "cluster" && layer !== undefined)
        throw new RefusedError(`--layer is for the shared placement: a cluster stack has one layer. ${USAGE}`);
    const ttl = values["--ttl"] ?? DEFAULT_TTL;
    const owner = values["--owner"];
    let sourceRanges: string[] | undefined;
    if (flags.has("--public") !== (values["--source-ranges"] !== undefined))
        throw new RefusedError(
            `--public and --source-ranges go together: a review app is published only to the CIDRs given (e.g. --public --source-ranges 203.0.113.0/24). ${USAGE}`,
        );
    if (values["--source-ranges"] !== undefined) {
        sourceRanges = values["--source-ranges"].split(",").map((c) => c.trim());
        const bad = sourceRanges.find((c) => !CIDR.test(c) || c === "0.0.0.0/0");
        if (bad !== undefined)
            throw new RefusedError(
                `--source-ranges ${JSON.stringify(bad)} is not a CIDR this tool publishes to (0.0.0.0/0 would publish unreviewed code to everyone).`,
            );
    }
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
        dryRun: flags.has("--dry-run"),
        all: flags.has("--all"),
        secretsProvider: values["--secrets-provider"],
        policyPack: values["--policy-pack"],
        permissionsBoundary: values["--permissions-boundary"],
        placement,
        layer,
        sourceRanges,
        image: values["--image"],
        host: values["--host"],
        summaryFile: values["--summary"],
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
                    placement: parsed.placement,
                    layer: parsed.layer,
                    sourceRanges: parsed.sourceRanges,
                    image: parsed.image,
                    host: parsed.host,
                    summaryFile: parsed.summaryFile,
                });
                break;
            case "destroy":
                await destroy(full, parsed.name!, parsed.layer);
                break;
            case "list":
                await list(full);
                break;
            case "reap": {
                const reaped = await reap(full, {
                    dryRun: parsed.dryRun,
                    all: parsed.all,
                    placement: parsed.placement,
                    layer: parsed.layer,
                });
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
