// The cluster: Kubernetes version, API endpoint access, admins and viewers, control-plane logs, node
// groups and pinned EKS add-ons.
import type { AddonVersions, ClusterLogType, ClusterSettings, NodeGroupSettings } from "../components/cluster";
import { isPrivateRange, isWithin, parseCidr } from "../lib/cidr";
import { INSTANCE_TYPES } from "./instance-types";
import { RawConfig, Reader, suggest } from "./reader";
import type { Profile, StackSettings } from "./stack";

/** Kubernetes minors EKS offers in standard support that this program is tested against. */
export const SUPPORTED_KUBERNETES_VERSIONS: readonly string[] = ["1.34", "1.35", "1.36"];

export const CLUSTER_LOG_TYPES: readonly ClusterLogType[] = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

/** The values CloudWatch Logs accepts for `retentionInDays`. */
export const LOG_RETENTION_DAYS: readonly number[] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * x86_64 general purpose, compute and memory families (the node AMI type is AL2023 x86_64).
 * Graviton, GPU, and previous-generation families need a different AMI type or are not worth it.
 */
export const INSTANCE_FAMILIES: readonly string[] = [
    ...["t3", "t3a", "m5", "m5a", "m6i", "m6a", "m7i", "m7a"],
    ...["c5", "c5a", "c6i", "c6a", "c7i", "c7a", "r5", "r6i", "r6a", "r7i"],
];

const INSTANCE_TYPE_PATTERN = /^([a-z][a-z0-9]*)\.([a-z0-9]+)$/;
const ADDON_VERSION_PATTERN = /^v(\d+)\.(\d+)\.(\d+)-eksbuild\.(\d+)$/;
const IAM_PRINCIPAL_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;
/** The widest CIDR allowed on the prod public API endpoint. */
export const MIN_PROD_PUBLIC_PREFIX = 8;
const NODE_GROUP_KEYS = ["instanceTypes", "capacityType", "minSize", "desiredSize", "maxSize", "diskSizeGiB"];
const ADDON_KEYS = ["vpcCni", "kubeProxy", "coredns", "ebsCsiDriver", "metricsServer"];

/** "1.35" from "v1.35.3-eksbuild.1" or "v1.35.2" ("" when there is none). */
export function minorOf(version: string): string {
    const match = /^v?(\d+)\.(\d+)/.exec(version);
    return match ? `${match[1]}.${match[2]}` : "";
}

export function parseKubernetesVersion(reader: Reader, raw: unknown): string {
    const kubernetesVersion = reader.string("kubernetesVersion", raw);
    if (!/^1\.\d{2}$/.test(kubernetesVersion)) {
        reader.fail(
            "kubernetesVersion",
            `is "${kubernetesVersion}", not of the form 1.NN`,
            `a quoted string such as "1.35" (unquoted, YAML reads 1.30 as the number 1.3)`,
        );
    }
    if (!SUPPORTED_KUBERNETES_VERSIONS.includes(kubernetesVersion)) {
        reader.fail(
            "kubernetesVersion",
            `is "${kubernetesVersion}", which this program does not support`,
            `one of ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}`,
        );
    }
    return kubernetesVersion;
}

/** How a deployer reaches a private-only API endpoint: this program builds the VPC, so nothing outside it routes in. */
export const API_ACCESS_WAYS = ["inVpcRunner", "connectedNetwork"] as const;
const PRIVATE_ONLY_BOOTSTRAP =
    `endpointPublicAccess: true with publicAccessCidrs holding the deploy runner's egress CIDRs for the first pulumi up; ` +
    `once a runner or VPN reaches this VPC, endpointPublicAccess: false with apiAccess: { via: "inVpcRunner" } ` +
    `(the deployer runs inside this VPC) or { via: "connectedNetwork" } (a VPN, peering or transit gateway ` +
    `routes privateEndpointAccessCidrs here), as the README's "Private API endpoint" describes`;

function parseApiAccess(
    reader: Reader,
    raw: unknown,
    endpointPublicAccess: boolean,
    privateEndpointAccessCidrs: readonly string[],
): void {
    if (raw === undefined) {
        if (!endpointPublicAccess) {
            reader.fail(
                "apiAccess",
                "is missing while endpointPublicAccess is false: this program builds the VPC, so on a first pulumi up " +
                    "no machine outside it can reach a private-only API, whatever privateEndpointAccessCidrs holds " +
                    "(it opens a security group; nothing routes those networks here), and the deploy would time out " +
                    "after the cluster and nodes are built",
                PRIVATE_ONLY_BOOTSTRAP,
            );
        }
        return;
    }
    if (endpointPublicAccess) {
        reader.fail(
            "apiAccess",
            "is set but endpointPublicAccess is true",
            "apiAccess only with a private-only endpoint",
        );
    }
    const value = reader.object("apiAccess", raw);
    reader.rejectUnknownKeys("apiAccess", value, ["via"]);
    const via = reader.oneOf("apiAccess.via", value.via, API_ACCESS_WAYS);
    if (via === "connectedNetwork" && privateEndpointAccessCidrs.length === 0) {
        reader.fail(
            "privateEndpointAccessCidrs",
            'is empty while apiAccess.via is "connectedNetwork", so the connected network is not admitted',
            "the CIDRs of the VPN clients or peered networks that reach this VPC",
        );
    }
}

function parseEndpoint(reader: Reader, raw: RawConfig, profile: Profile, vpcCidr: string) {
    const endpointPublicAccess = reader.boolean("endpointPublicAccess", raw.endpointPublicAccess);
    const publicAccessCidrs = reader.cidrList("publicAccessCidrs", raw.publicAccessCidrs);
    if (!endpointPublicAccess && publicAccessCidrs.length > 0) {
        reader.fail(
            "publicAccessCidrs",
            "is set but endpointPublicAccess is false",
            "an empty list, or endpointPublicAccess: true",
        );
    }
    const privateSource = publicAccessCidrs.find((c) => isPrivateRange(parseCidr(c)!));
    if (privateSource) {
        reader.fail(
            "publicAccessCidrs",
            `contains "${privateSource}", a private range: traffic to the public endpoint never comes from one, so it admits no one`,
            "the public egress CIDRs of your office, VPN or CI runner (private networks go in privateEndpointAccessCidrs)",
        );
    }
    if (profile === "prod" && endpointPublicAccess) {
        if (publicAccessCidrs.length === 0) {
            reader.fail(
                "publicAccessCidrs",
                "is empty while the prod API endpoint is public, which opens it to the whole internet",
                "your office/VPN/CI egress CIDRs, or endpointPublicAccess: false",
            );
        }
        if (publicAccessCidrs.some((c) => parseCidr(c)!.prefix === 0)) {
            reader.fail(
                "publicAccessCidrs",
                "contains 0.0.0.0/0 in prod",
                'specific CIDRs such as "203.0.113.0/24", or endpointPublicAccess: false',
            );
        }
        const broad = publicAccessCidrs.find((c) => parseCidr(c)!.prefix < MIN_PROD_PUBLIC_PREFIX);
        if (broad) {
            // Splitting 0.0.0.0/0 into halves must not get past the check above.
            reader.fail(
                "publicAccessCidrs",
                `contains "${broad}", which opens the prod endpoint to a large part of the internet`,
                `CIDRs of /${MIN_PROD_PUBLIC_PREFIX} or narrower, or endpointPublicAccess: false`,
            );
        }
    }

    const privateEndpointAccessCidrs = reader.cidrList("privateEndpointAccessCidrs", raw.privateEndpointAccessCidrs);
    if (privateEndpointAccessCidrs.some((c) => !isPrivateRange(parseCidr(c)!))) {
        reader.fail(
            "privateEndpointAccessCidrs",
            "contains a network outside the private ranges",
            "private networks (VPN, peered VPCs) inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        );
    }
    const vpc = parseCidr(vpcCidr)!;
    const inVpc = privateEndpointAccessCidrs.find((c) => isWithin(parseCidr(c)!, vpc));
    if (inVpc) {
        reader.fail(
            "privateEndpointAccessCidrs",
            `contains "${inVpc}", inside the VPC's own ${vpcCidr}, which the private endpoint always admits`,
            "only networks outside the VPC (VPN clients, peered VPCs)",
        );
    }
    parseApiAccess(reader, raw.apiAccess, endpointPublicAccess, privateEndpointAccessCidrs);
    return {
        endpointPublicAccess,
        publicAccessCidrs: Object.freeze(publicAccessCidrs),
        privateEndpointAccessCidrs: Object.freeze(privateEndpointAccessCidrs),
    };
}

/** IAM roles and users, each once, for access entries. */
function parsePrincipals(reader: Reader, key: string, raw: unknown, example: string): readonly string[] {
    const principalArns = reader.stringArray(key, raw);
    for (const arn of principalArns) {
        if (!IAM_PRINCIPAL_PATTERN.test(arn))
            reader.fail(key, `has "${arn}", not an IAM role or user ARN`, `ARNs like "${example}"`);
    }
    if (new Set(principalArns).size !== principalArns.length)
        reader.fail(key, "lists a principal twice", "each ARN once");
    return Object.freeze([...principalArns]);
}

const ACCESS_LISTS = [
    ["adminPrincipalArns", "cluster admin (which can view too)"],
    ["viewerPrincipalArns", "read-only access without Secrets"],
    ["auditorPrincipalArns", "read access to everything, Secrets included (a refresh)"],
] as const;

/**
 * Cluster admins and, optional, read-only viewers (the dev preview role) and auditors (the drift
 * role, whose refresh reads Secrets): never the same principal in two lists.
 */
function parseAccess(reader: Reader, raw: RawConfig) {
    const adminPrincipalArns = parsePrincipals(
        reader,
        "adminPrincipalArns",
        raw.adminPrincipalArns,
        "arn:aws:iam::123456789012:role/platform-admins",
    );
    const optional = (key: "viewerPrincipalArns" | "auditorPrincipalArns", example: string) =>
        raw[key] === undefined ? Object.freeze([] as string[]) : parsePrincipals(reader, key, raw[key], example);
    const viewerPrincipalArns = optional("viewerPrincipalArns", "arn:aws:iam::123456789012:role/dev-preview");
    const auditorPrincipalArns = optional("auditorPrincipalArns", "arn:aws:iam::123456789012:role/drift");
    const lists = { adminPrincipalArns, viewerPrincipalArns, auditorPrincipalArns };
    ACCESS_LISTS.forEach(([key], i) => {
        for (const [earlier] of ACCESS_LISTS.slice(0, i)) {
            const both = lists[key].find((arn) => lists[earlier].includes(arn));
            if (both === undefined) continue;
            reader.fail(
                key,
                `lists "${both}", which ${earlier} lists too: EKS takes one access entry per principal, ` +
                    "so the second would fail with ResourceInUseException",
                `each principal in one list: ${ACCESS_LISTS.map(([k, what]) => `${k} for ${what}`).join(", ")}`,
            );
        }
    });
    return lists;
}

function parseLogs(reader: Reader, raw: RawConfig, profile: Profile) {
    const clusterLogTypes = reader.stringArray("clusterLogTypes", raw.clusterLogTypes);
    for (const type of clusterLogTypes) {
        if (!(CLUSTER_LOG_TYPES as readonly string[]).includes(type)) {
            reader.fail(
                "clusterLogTypes",
                `has unknown log type "${type}"${suggest(type, CLUSTER_LOG_TYPES)}`,
                `a subset of ${CLUSTER_LOG_TYPES.join(", ")}`,
            );
        }
    }
    if (new Set(clusterLogTypes).size !== clusterLogTypes.length)
        reader.fail("clusterLogTypes", "lists a log type twice", "each log type once");
    const missing = CLUSTER_LOG_TYPES.filter((t) => !clusterLogTypes.includes(t));
    if (profile === "prod" && missing.length > 0) {
        reader.fail(
            "clusterLogTypes",
            `misses ${missing.join(", ")} in prod`,
            `all five: ${CLUSTER_LOG_TYPES.join(", ")}`,
        );
    }

    const logRetentionDays = reader.integer("logRetentionDays", raw.logRetentionDays, 1, 3653);
    if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
        reader.fail(
            "logRetentionDays",
            `is ${logRetentionDays}, which CloudWatch does not accept`,
            `one of ${LOG_RETENTION_DAYS.join(", ")}`,
        );
    }
    return { clusterLogTypes: Object.freeze([...clusterLogTypes] as ClusterLogType[]), logRetentionDays };
}

function parseInstanceTypes(reader: Reader, key: string, raw: unknown): readonly string[] {
    const instanceTypes = reader.stringArray(key, raw);
    if (instanceTypes.length === 0) reader.fail(key, "is empty", 'at least one instance type, e.g. ["t3.large"]');
    const sizes = new Set<string>();
    const classes = new Set<string>();
    const duplicate = instanceTypes.find((type, i) => instanceTypes.indexOf(type) !== i);
    if (duplicate !== undefined)
        reader.fail(
            key,
            `lists "${duplicate}" twice`,
            "each instance type once: a repeat adds no capacity, only an error from the EKS API",
        );
    for (const type of instanceTypes) {
        const match = INSTANCE_TYPE_PATTERN.exec(type);
        if (!match) reader.fail(key, `has "${type}", not a family.size instance type`, `names like "m6i.large"`);
        if (!INSTANCE_FAMILIES.includes(match[1])) {
            reader.fail(
                key,
                `has "${type}" from family "${match[1]}", which is not allowed`,
                `a family from ${INSTANCE_FAMILIES.join(", ")}`,
            );
        }
        if (!(type in INSTANCE_TYPES)) {
            const family = Object.keys(INSTANCE_TYPES).filter((name) => name.startsWith(`${match[1]}.`));
            reader.fail(
                key,
                `has "${type}", which is not an instance type${suggest(type, family)}`,
                `one of the ${match[1]} types in config/instance-types.ts: ${family.join(", ")}`,
            );
        }
        sizes.add(match[2]);
        // Burstable t-families match general purpose m-families in vCPU and memory per size.
        classes.add(match[1][0] === "t" ? "m" : match[1][0]);
    }
    if (sizes.size > 1) {
        // Mixed sizes break the autoscaler's assumption that every node of a group is alike.
        reader.fail(
            key,
            `mixes sizes (${[...sizes].join(", ")})`,
            'instance types of one size, e.g. ["m6i.large", "m5.large"]',
        );
    }
    if (classes.size > 1) {
        reader.fail(
            key,
            `mixes instance classes (${instanceTypes.join(", ")}): one size of c, m and r families differs in memory`,
            'types of one class and size, e.g. ["m6i.large", "m5.large", "t3.large"]',
        );
    }
    return Object.freeze([...instanceTypes]);
}

function parseNodeGroup(reader: Reader, key: string, raw: unknown, profile: Profile): NodeGroupSettings {
    const value = reader.object(key, raw);
    reader.rejectUnknownKeys(key, value, NODE_GROUP_KEYS);
    const instanceTypes = parseInstanceTypes(reader, `${key}.instanceTypes`, value.instanceTypes);
    const capacityType = reader.oneOf(`${key}.capacityType`, value.capacityType ?? "ON_DEMAND", [
        "ON_DEMAND",
        "SPOT",
    ] as const);
    if (profile === "prod" && capacityType === "SPOT") {
        reader.fail(
            `${key}.capacityType`,
            "is SPOT in prod, where one reclaim wave can take several replicas at once",
            '"ON_DEMAND" in prod (spot is for dev and ephemeral stacks)',
        );
    }
    const minSize = reader.integer(`${key}.minSize`, value.minSize, 0, 100);
    const desiredSize = reader.integer(`${key}.desiredSize`, value.desiredSize ?? minSize, 0, 100);
    const maxSize = reader.integer(`${key}.maxSize`, value.maxSize, 1, 100);
    if (!(minSize <= desiredSize && desiredSize <= maxSize)) {
        reader.fail(
            key,
            `has minSize ${minSize}, desiredSize ${desiredSize}, maxSize ${maxSize}`,
            "minSize <= desiredSize <= maxSize",
        );
    }
    if (profile === "prod" && minSize < 2) {
        reader.fail(
            `${key}.minSize`,
            `is ${minSize}; prod needs at least 2 nodes so one node's loss is survivable`,
            "minSize >= 2 in prod",
        );
    }
    const diskSizeGiB = reader.integer(`${key}.diskSizeGiB`, value.diskSizeGiB ?? 50, 20, 1000);
    return Object.freeze({ instanceTypes, capacityType, minSize, desiredSize, maxSize, diskSizeGiB });
}

function parseNodeGroups(reader: Reader, raw: unknown, profile: Profile): Readonly<Record<string, NodeGroupSettings>> {
    const rawNodeGroups = reader.object("nodeGroups", raw);
    const groupNames = Object.keys(rawNodeGroups);
    if (groupNames.length === 0)
        reader.fail(
            "nodeGroups",
            "is empty",
            "at least one node group, e.g. { general: { instanceTypes: [...], minSize: 2, maxSize: 6 } }",
        );
    const nodeGroups: Record<string, NodeGroupSettings> = {};
    for (const name of groupNames) {
        if (!/^[a-z][a-z0-9-]{0,19}$/.test(name))
            reader.fail(
                `nodeGroups.${name}`,
                "has an invalid name",
                "lowercase letters, digits and dashes, at most 20 characters",
            );
        nodeGroups[name] = parseNodeGroup(reader, `nodeGroups.${name}`, rawNodeGroups[name], profile);
    }
    return Object.freeze(nodeGroups);
}

function parseAddonVersions(reader: Reader, raw: unknown, kubernetesVersion: string): AddonVersions {
    const value = reader.object("addonVersions", raw);
    reader.rejectUnknownKeys("addonVersions", value, ADDON_KEYS);
    const versions: Record<string, string> = {};
    for (const name of ADDON_KEYS) {
        const key = `addonVersions.${name}`;
        const version = reader.string(key, value[name]);
        if (!ADDON_VERSION_PATTERN.test(version)) {
            reader.fail(
                key,
                `is "${version}", not a pinned EKS add-on version`,
                `an exact version such as "v1.19.2-eksbuild.1" (aws eks describe-addon-versions)`,
            );
        }
        versions[name] = version;
    }
    if (minorOf(versions.kubeProxy) !== kubernetesVersion) {
        reader.fail(
            "addonVersions.kubeProxy",
            `is "${versions.kubeProxy}", built for Kubernetes ${minorOf(versions.kubeProxy)}`,
            `a kube-proxy version for Kubernetes ${kubernetesVersion} ("v${kubernetesVersion}.x-eksbuild.N")`,
        );
    }
    return Object.freeze(versions as unknown as AddonVersions);
}

/**
 * The cluster's keys; the Kubernetes version is read first (the add-on and chart pins must match it),
 * the permissions boundary with the stack (config/stack.ts).
 */
export function parseCluster(
    reader: Reader,
    raw: RawConfig,
    stack: StackSettings,
    vpcCidr: string,
    kubernetesVersion: string,
    iam: { readonly permissionsBoundaryArn?: string; readonly iamPath?: string },
): ClusterSettings {
    return Object.freeze({
        clusterName: stack.clusterName,
        kubernetesVersion,
        ...parseEndpoint(reader, raw, stack.profile, vpcCidr),
        vpcCidr,
        ...parseAccess(reader, raw),
        ...parseLogs(reader, raw, stack.profile),
        kmsDeletionWindowDays: stack.kmsDeletionWindowDays,
        nodeGroups: parseNodeGroups(reader, raw.nodeGroups, stack.profile),
        addonVersions: parseAddonVersions(reader, raw.addonVersions, kubernetesVersion),
        tags: stack.tags,
        protect: stack.protect,
        ...iam,
    });
}
