// The stack itself: which profile its name stands for, which keys it may set, its region and owner,
// what is per profile (protection, KMS window, controller replicas), the permissions boundary of its
// IAM roles, and the tags of every AWS resource.
import { Region } from "@pulumi/aws/types/enums";
import { TENANT_STACK_PREFIX } from "../lib/bootstrap-naming";
import { ConfigError, PROJECT, RawConfig, Reader, suggest } from "./reader";

/** `tenant` is the trusted layer of a shared review stack: `tenant-<slug>` provisions `eph-<slug>`'s namespace. */
export type Profile = "dev" | "prod" | "ephemeral" | "tenant";

export const EPHEMERAL_PREFIX = "eph-";
export const TENANT_PREFIX = TENANT_STACK_PREFIX;
/** The one stack that hosts shared review stacks (lib/host-contract.ts). */
export const HOST_STACK = "dev";

/** What follows the prefix: the same slug for a review stack and its tenant. */
const SLUG = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

export function classifyStack(stack: string): Profile {
    if (stack === "dev" || stack === "prod") return stack;
    if (stack.startsWith(EPHEMERAL_PREFIX) && SLUG.test(stack.slice(EPHEMERAL_PREFIX.length))) return "ephemeral";
    if (stack.startsWith(TENANT_PREFIX) && SLUG.test(stack.slice(TENANT_PREFIX.length))) return "tenant";
    throw new Error(
        `Stack "${stack}" is not one this program knows. Use "dev", "prod", an ephemeral stack named ` +
            `"${EPHEMERAL_PREFIX}<slug>" (lowercase letters, digits and dashes, at most 36 characters), ` +
            `e.g. "pulumi stack init ${EPHEMERAL_PREFIX}my-branch", or its tenant "${TENANT_PREFIX}<slug>".`,
    );
}

/** The slug a review stack and its tenant share: "eph-pr-42" and "tenant-pr-42" -> "pr-42". */
export function slugOf(stack: string): string {
    for (const prefix of [EPHEMERAL_PREFIX, TENANT_PREFIX])
        if (stack.startsWith(prefix)) return stack.slice(prefix.length);
    throw new Error(`slugOf: "${stack}" is neither ${EPHEMERAL_PREFIX}<slug> nor ${TENANT_PREFIX}<slug>`);
}

export type Kind = "string" | "integer" | "boolean" | "array" | "object" | "secret";

/** Every key the program reads, with its kind. Object-valued keys arrive as JSON from the CLI. */
export const CONFIG_KEYS: Readonly<Record<string, Kind>> = {
    owner: "string",
    kubernetesVersion: "string",
    availabilityZoneCount: "integer",
    vpcCidr: "string",
    natGateways: "string",
    endpointPublicAccess: "boolean",
    publicAccessCidrs: "array",
    privateEndpointAccessCidrs: "array",
    adminPrincipalArns: "array",
    viewerPrincipalArns: "array",
    auditorPrincipalArns: "array",
    clusterLogTypes: "array",
    logRetentionDays: "integer",
    nodeGroups: "object",
    addonVersions: "object",
    charts: "object",
    backend: "object",
    monitoring: "object",
    grafanaAdminPassword: "secret",
    alertmanagerSlackWebhookUrl: "secret",
    ephemeral: "object",
    apiAccess: "object",
    permissionsBoundaryArn: "string",
    placement: "string",
    hostStack: "string",
    exposure: "string",
};

/** Keys whose values must reach the program encrypted (`pulumi config set --secret`). */
export const SECRET_KEYS: readonly string[] = Object.keys(CONFIG_KEYS).filter((key) => CONFIG_KEYS[key] === "secret");

/**
 * Keys a cluster-placement stack file may leave out: the optional secrets, what the ephemeral-stack
 * tool sets, how a private-only API endpoint is reached (only then), the IAM roles' permissions
 * boundary (required on eph-* stacks only), and the cluster's read-only principals.
 */
export const OPTIONAL_KEYS: readonly string[] = [
    "grafanaAdminPassword",
    "alertmanagerSlackWebhookUrl",
    "ephemeral",
    "apiAccess",
    "permissionsBoundaryArn",
    "viewerPrincipalArns",
    "auditorPrincipalArns",
    "placement",
    // The app layer's (config/placement.ts refuses them on a cluster).
    "hostStack",
    "exposure",
];

/** Refuses a key the program does not read, with the closest known one. */
export function rejectUnknownKeys(reader: Reader, raw: RawConfig): void {
    const known = Object.keys(CONFIG_KEYS);
    for (const key of Object.keys(raw)) {
        if (!known.includes(key))
            reader.fail(key, `is not a known key${suggest(key, known)}`, `one of ${known.join(", ")}`);
    }
}

/** The regions the pinned @pulumi/aws knows: a well-formed name that is no region fails here, not at `up`. */
const KNOWN_REGIONS: readonly string[] = Object.values(Region);

/** The partition a region belongs to; only `aws` is supported (the IAM policies name `arn:aws:` ARNs). */
function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    if (region.startsWith("eusc-")) return "aws-eusc";
    if (/-iso[a-z]?-/.test(region)) return "an isolated (ISO)";
    return "aws";
}

export function parseRegion(stack: string, region: string | undefined): string {
    const expected = `an AWS region such as "eu-west-1" (pulumi config set aws:region eu-west-1)`;
    if (!region || !/^[a-z]{2,4}(-[a-z]+)+-\d$/.test(region)) {
        throw new ConfigError(stack, "aws:region", `is ${JSON.stringify(region ?? null)}`, expected);
    }
    if (!KNOWN_REGIONS.includes(region)) {
        throw new ConfigError(
            stack,
            "aws:region",
            `is "${region}", which is not an AWS region${suggest(region, KNOWN_REGIONS)}`,
            expected,
        );
    }
    const partition = partitionOf(region);
    if (partition !== "aws") {
        throw new ConfigError(
            stack,
            "aws:region",
            `is "${region}", in ${partition.startsWith("aws-") ? `the ${partition}` : partition} partition, which this program does not support (its IAM policies name arn:aws: ARNs)`,
            `a region of the standard aws partition, such as "eu-west-1"`,
        );
    }
    return region;
}

/** An owner is a tag value: the program refuses any other, and so does `npm run stack -- create --owner`. */
export const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._:/=+@-]{0,127}$/;

export function parseOwner(reader: Reader, raw: unknown): string {
    const owner = reader.string("owner", raw);
    if (!OWNER_PATTERN.test(owner))
        reader.fail(
            "owner",
            `is "${owner}", not a valid tag value`,
            "a team or person, 1-128 characters of letters, digits, spaces and ._:/=+@-",
        );
    return owner;
}

/** A customer managed policy: an account's own, by path and name. */
const POLICY_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/;

/**
 * The permissions boundary every IAM role of the stack carries. Required on eph-* stacks: their
 * deploy role, which runs pull-request code, may create only roles that carry it, so that code can
 * never make itself an admin role. Optional elsewhere, and unset in dev and prod.
 */
export function parsePermissionsBoundary(reader: Reader, raw: unknown, profile: Profile): string | undefined {
    const key = "permissionsBoundaryArn";
    // Blank too: `--permissions-boundary "$UNSET"` must get this message, not a generic one.
    const blank = typeof raw === "string" && raw.trim() === "";
    if (profile === "ephemeral" && (raw === undefined || blank)) {
        reader.fail(
            key,
            `is ${blank ? "empty" : "missing"} on an ephemeral stack: the ephemeral deploy role may only create IAM ` +
                "roles that carry the permissions boundary, so pulumi up would fail with AccessDenied on the first role",
            `the boundary policy's ARN, which the bootstrap program outputs as permissionsBoundaryArn: ` +
                `npm run stack -- create ${reader.stack} --permissions-boundary <arn>, or ` +
                `pulumi config set ${key} <arn> --stack ${reader.stack}`,
        );
    }
    if (raw === undefined) return undefined;
    const arn = reader.string(key, raw);
    if (!POLICY_ARN_PATTERN.test(arn)) {
        reader.fail(
            key,
            `is "${arn}", not the ARN of a customer managed IAM policy`,
            `"arn:aws:iam::<12-digit account>:policy/<path/name>", such as ` +
                `"arn:aws:iam::123456789012:policy/scalable-backend-boundary" (the bootstrap program's permissionsBoundaryArn output)`,
        );
    }
    return arn;
}

/** What really is per profile, not configurable. */
export interface ProfileSettings {
    /** `protect` (and EKS deletion protection) on the resources whose loss loses data or the cluster. */
    readonly protect: boolean;
    readonly kmsDeletionWindowDays: number;
    /**
     * Two in dev and prod so a node drain or a spot interruption never stops Service reconciliation
     * and the webhooks; one in an ephemeral stack (a review cluster of hours, often on one node).
     */
    readonly loadBalancerControllerReplicas: number;
}

export const PROFILES: Readonly<Record<Profile, ProfileSettings>> = {
    dev: { protect: false, kmsDeletionWindowDays: 7, loadBalancerControllerReplicas: 2 },
    prod: { protect: true, kmsDeletionWindowDays: 30, loadBalancerControllerReplicas: 2 },
    ephemeral: { protect: false, kmsDeletionWindowDays: 7, loadBalancerControllerReplicas: 1 },
    // A tenant creates no AWS resource and no controller: only Kubernetes objects on its host.
    tenant: { protect: false, kmsDeletionWindowDays: 7, loadBalancerControllerReplicas: 1 },
};

/** The EKS cluster's name: deterministic, so the control-plane log group can exist before the cluster. */
export function clusterNameOf(stack: string): string {
    return `${PROJECT}-${stack}`;
}

/** The stack itself: what every area's settings derive from. */
export interface StackSettings extends ProfileSettings {
    readonly project: string;
    readonly name: string;
    readonly profile: Profile;
    readonly owner: string;
    readonly region: string;
    /** Deterministic, so the control-plane log group can exist before the cluster. */
    readonly clusterName: string;
    /** Tags every AWS resource gets through the provider's default tags. */
    readonly tags: Readonly<Record<string, string>>;
}

export function stackSettings(
    name: string,
    profile: Profile,
    owner: string,
    region: string,
    lifetime: Readonly<Record<string, string>>,
): StackSettings {
    return Object.freeze({
        project: PROJECT,
        name,
        profile,
        owner,
        region,
        clusterName: clusterNameOf(name),
        ...PROFILES[profile],
        tags: Object.freeze({
            project: PROJECT,
            stack: name,
            environment: profile,
            owner,
            "managed-by": "pulumi",
            ...lifetime,
        }),
    });
}
