// Pure parts of the ephemeral-stack tool: names, TTLs, expiry, and the config an ephemeral stack
// gets (dev's, with cost-saving overrides). No Pulumi CLI, no clock: callers pass `now`.
import * as crypto from "crypto";
import { classifyStack, EPHEMERAL_PREFIX, TENANT_PREFIX as TENANT_STACK_PREFIX } from "../config/stack";

export const PREFIX = EPHEMERAL_PREFIX;
/** classifyStack accepts at most 32 characters after the prefix. */
export const MAX_SLUG = 32;
export const DEFAULT_TTL = "8h";
const MIN_TTL_MS = 15 * 60_000;
const MAX_TTL_MS = 7 * 24 * 3_600_000;

export const TAG_OWNER = "owner";
export const TAG_CREATED = "created-at";
export const TAG_EXPIRES = "expires-at";
export const TAG_EPHEMERAL = "scalable-backend:ephemeral";
/** The expected hourly cost `create` estimated, in USD ("0.2527"), or "unknown" when it could not. */
export const TAG_HOURLY = "scalable-backend:hourly-usd";
/** "shared" or "cluster"; a stack without it predates the shared placement and is a cluster. */
export const TAG_PLACEMENT = "scalable-backend:placement";
/** On tenant-* stacks: the app stack whose namespace it provisions. */
export const TAG_TENANT_OF = "scalable-backend:tenant-of";

export const TENANT_PREFIX = TENANT_STACK_PREFIX;

/** The tenant stack of a shared review stack: `eph-pr-42` -> `tenant-pr-42`. */
export function tenantStackOf(name: string): string {
    return `${TENANT_PREFIX}${assertEphemeral(name).slice(PREFIX.length)}`;
}

/** The app stack a tenant stack provisions for: `tenant-pr-42` -> `eph-pr-42`. */
export function appStackOf(tenant: string): string {
    if (!tenant.startsWith(TENANT_PREFIX)) throw new RefusedError(`"${tenant}" is not a tenant stack (tenant-<slug>).`);
    return assertEphemeral(`${PREFIX}${tenant.slice(TENANT_PREFIX.length)}`);
}

export type Placement = "shared" | "cluster";
export type Layer = "app" | "tenant";

export class RefusedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RefusedError";
    }
}

/**
 * `eph-<slug>` from a branch ("feature/Login_v2" -> "eph-feature-login-v2") or a PR ("pr-42").
 * Too long a slug is cut and suffixed with a short hash, so two long branches never collide.
 */
export function ephemeralStackName(source: string): string {
    const base = source.startsWith(PREFIX) ? source.slice(PREFIX.length) : source;
    let slug = base
        .toLowerCase()
        .replace(/^refs\/heads\//, "")
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
    if (slug === "")
        throw new RefusedError(`Cannot derive a stack name from "${source}": it has no letters or digits.`);
    if (slug.length > MAX_SLUG) {
        const hash = crypto.createHash("sha256").update(base).digest("hex").slice(0, 6);
        slug = `${slug.slice(0, MAX_SLUG - 7).replace(/-+$/, "")}-${hash}`;
    }
    return `${PREFIX}${slug}`;
}

/**
 * The only names this tool may touch: refuses dev, prod and anything without the prefix before
 * any CLI call, so a typo can never destroy a real environment.
 */
export function assertEphemeral(name: string): string {
    if (!name.startsWith(PREFIX)) {
        throw new RefusedError(
            `Refusing to touch stack "${name}": this tool only manages ephemeral stacks named "${PREFIX}<slug>". Use pulumi directly (and carefully) for dev and prod.`,
        );
    }
    try {
        if (classifyStack(name) === "ephemeral") return name;
    } catch {
        // fall through to the refusal below
    }
    throw new RefusedError(
        `Refusing stack name "${name}": use lowercase letters, digits and dashes after "${PREFIX}", at most ${MAX_SLUG} characters (try: ${ephemeralStackName(name)}).`,
    );
}

/** "8h", "30m", "2d", "1h30m" -> milliseconds; bounded to 15 minutes .. 7 days. */
export function parseTtl(ttl: string): number {
    const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(ttl.trim());
    if (!match || ttl.trim() === "")
        throw new RefusedError(`--ttl "${ttl}" is not a duration: use e.g. 30m, 8h, 2d or 1h30m.`);
    const [, days, hours, minutes] = match.map((part) => Number(part ?? 0));
    const ms = ((days * 24 + hours) * 60 + minutes) * 60_000;
    if (ms < MIN_TTL_MS || ms > MAX_TTL_MS)
        throw new RefusedError(`--ttl "${ttl}" is out of range: between 15m and 7d.`);
    return ms;
}

export function expiry(createdAt: Date, ttlMs: number): Date {
    return new Date(createdAt.getTime() + ttlMs);
}

/** The expiry a re-create sets: the new TTL's, unless the stack's current tag is later (never shortened). */
export function laterExpiry(proposed: Date, current: string | undefined): Date {
    const time = current === undefined ? NaN : Date.parse(current);
    return Number.isFinite(time) && time > proposed.getTime() ? new Date(time) : proposed;
}

/**
 * The stack `create <name|branch>` manages: the name itself when prefixed, else the derived one.
 * dev and prod are refused rather than turned into eph-dev and eph-prod, as the README promises.
 */
export function ephemeralTarget(source: string): string {
    if (source === "dev" || source === "prod") assertEphemeral(source);
    return assertEphemeral(source.startsWith(PREFIX) ? source : ephemeralStackName(source));
}

export function isExpired(expiresAt: string | undefined, now: Date): boolean {
    if (expiresAt === undefined) return false;
    const time = Date.parse(expiresAt);
    return Number.isFinite(time) && time <= now.getTime();
}

export interface EphemeralMeta {
    readonly owner: string;
    readonly createdAt: Date;
    readonly expiresAt: Date;
}

const KEY = (key: string) => `scalable-backend:${key}`;

/**
 * The ephemeral profile, defined here only: dev's stack-file config (structured, as in
 * Pulumi.dev.yaml) with the cost-saving overrides:
 * small spot nodes, 2 AZs, one NAT, no volumes, short retention. dev's encrypted values are left
 * out: they are sealed with dev's key (the program generates or skips what they would hold).
 */
export function ephemeralConfig(
    devConfig: Readonly<Record<string, unknown>>,
    meta: EphemeralMeta,
): Record<string, unknown> {
    const object = (key: string): Record<string, any> => (devConfig[KEY(key)] ?? {}) as Record<string, any>;
    const backend = object("backend");
    const monitoring = object("monitoring");
    const overrides: Record<string, unknown> = {
        owner: meta.owner,
        availabilityZoneCount: 2,
        natGateways: "single",
        logRetentionDays: 1,
        clusterLogTypes: ["api", "audit"],
        nodeGroups: {
            general: {
                instanceTypes: ["t3.medium", "t3a.medium"],
                capacityType: "SPOT",
                minSize: 1,
                desiredSize: 2,
                maxSize: 3,
                diskSizeGiB: 20,
            },
        },
        backend: { ...backend, minReplicas: 1, maxReplicas: 3 },
        monitoring: {
            ...monitoring,
            prometheus: {
                ...monitoring.prometheus,
                replicas: 1,
                retention: "1d",
                retentionSize: "2GB",
                storageGiB: 0,
                cpuRequest: "100m",
                memoryRequest: "512Mi",
                memoryLimit: "1Gi",
            },
            alertmanager: { ...monitoring.alertmanager, replicas: 1, storageGiB: 0 },
        },
        ephemeral: lifetimeOf(meta),
        placement: "cluster",
    };
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(devConfig)) {
        if (!(value && typeof value === "object" && "secure" in value)) config[key] = value;
    }
    for (const [key, value] of Object.entries(overrides)) config[KEY(key)] = value;
    return config;
}

function lifetimeOf(meta: EphemeralMeta): { createdAt: string; expiresAt: string } {
    return { createdAt: meta.createdAt.toISOString(), expiresAt: meta.expiresAt.toISOString() };
}

/** The keys every layer on the host shares with dev: its region and the disabled default providers. */
function hostedBase(devConfig: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const base: Record<string, unknown> = {};
    for (const key of ["aws:region", "pulumi:disable-default-providers"])
        if (key in devConfig) base[key] = devConfig[key];
    return base;
}

export interface ReviewAppOptions {
    /** Publish it on an NLB admitting only these CIDRs; undefined: ClusterIP, reached by port-forward. */
    readonly sourceRanges?: readonly string[];
    /** A prebuilt image pinned by digest: nothing is built. */
    readonly image?: string;
    /** The host's fully qualified stack name. @default the program's: <organization>/<project>/dev */
    readonly hostStack?: string;
}

/**
 * A shared review stack's app layer: dev's backend, sized for the review namespace's quota (two
 * replicas of 50m/64Mi fit it with a surge pod; lib/review-quota.ts), plain HTTP, private unless
 * published. No cluster key: the app layer reads none.
 */
export function reviewAppConfig(
    devConfig: Readonly<Record<string, unknown>>,
    meta: EphemeralMeta,
    options: ReviewAppOptions = {},
): Record<string, unknown> {
    const backend = (devConfig[KEY("backend")] ?? {}) as Record<string, unknown>;
    const { image: _devImage, ...devBackend } = backend;
    const config: Record<string, unknown> = {
        ...hostedBase(devConfig),
        [KEY("owner")]: meta.owner,
        [KEY("placement")]: "shared",
        [KEY("backend")]: {
            ...devBackend,
            ...(options.image === undefined ? {} : { image: options.image }),
            minReplicas: 1,
            maxReplicas: 2,
            cpuRequest: "50m",
            memoryRequest: "64Mi",
            memoryLimit: "128Mi",
            loadBalancerSourceRanges: [...(options.sourceRanges ?? [])],
            tls: { plainHttp: true },
        },
        [KEY("ephemeral")]: lifetimeOf(meta),
    };
    if (options.sourceRanges !== undefined) config[KEY("exposure")] = "public";
    if (options.hostStack !== undefined) config[KEY("hostStack")] = options.hostStack;
    return config;
}

/** A review stack's tenant layer: who owns it and until when; its limits are the program's, not config. */
export function tenantConfig(
    devConfig: Readonly<Record<string, unknown>>,
    meta: EphemeralMeta,
    hostStack?: string,
): Record<string, unknown> {
    return {
        ...hostedBase(devConfig),
        [KEY("owner")]: meta.owner,
        [KEY("ephemeral")]: lifetimeOf(meta),
        ...(hostStack === undefined ? {} : { [KEY("hostStack")]: hostStack }),
    };
}

export function stackTags(meta: EphemeralMeta): Record<string, string> {
    return {
        [TAG_OWNER]: meta.owner,
        [TAG_CREATED]: meta.createdAt.toISOString(),
        [TAG_EXPIRES]: meta.expiresAt.toISOString(),
        [TAG_EPHEMERAL]: "true",
    };
}

/** The hourly cost a stack's tag holds, or undefined for "unknown", a missing tag or anything else. */
export function hourlyFromTag(value: string | undefined): number | undefined {
    if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return undefined;
    return Number(value);
}

/**
 * What a stack has cost from its created-at tag until `now` at its estimated hourly cost: an
 * estimate, as the hourly figure is. Undefined without both, or with a creation date in the future.
 */
export function costSinceCreated(
    hourly: number | undefined,
    createdAt: string | undefined,
    now: Date,
): number | undefined {
    const created = createdAt === undefined ? NaN : Date.parse(createdAt);
    if (hourly === undefined || !Number.isFinite(created) || created > now.getTime()) return undefined;
    return (hourly * (now.getTime() - created)) / 3_600_000;
}
