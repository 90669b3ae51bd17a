// The one module that reads `pulumi.Config`. Everything else receives a frozen `StackConfig`.
//
// `parseStackConfig` is pure: raw values in (strings, as the CLI hands top-level scalars over,
// or already-typed values from tests), a validated, typed, frozen config out, or a `ConfigError`
// that names the stack, the key, what was wrong and what is expected. It runs before any
// resource is created, so a bad config never reaches AWS.
import * as pulumi from "@pulumi/pulumi";
import { isPrivateRange, parseCidr } from "./lib/cidr";

export const PROJECT = "scalable-backend";

export type Profile = "dev" | "prod" | "ephemeral";

/** Kubernetes minors EKS offers in standard support that this program is tested against. */
export const SUPPORTED_KUBERNETES_VERSIONS: readonly string[] = ["1.34", "1.35", "1.36"];

export const CLUSTER_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type ClusterLogType = (typeof CLUSTER_LOG_TYPES)[number];

/** The values CloudWatch Logs accepts for `retentionInDays`. */
export const LOG_RETENTION_DAYS: readonly number[] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * x86_64 general purpose, compute and memory families (the node AMI type is AL2023 x86_64).
 * Graviton, GPU, and previous-generation families need a different AMI type or are not worth it.
 */
export const INSTANCE_FAMILIES: readonly string[] = [
    "t3",
    "t3a",
    "m5",
    "m5a",
    "m6i",
    "m6a",
    "m7i",
    "m7a",
    "c5",
    "c5a",
    "c6i",
    "c6a",
    "c7i",
    "c7a",
    "r5",
    "r6i",
    "r6a",
    "r7i",
];

const INSTANCE_TYPE_PATTERN = /^([a-z][a-z0-9]*)\.([a-z0-9]+)$/;
const ADDON_VERSION_PATTERN = /^v(\d+)\.(\d+)\.(\d+)-eksbuild\.(\d+)$/;
const CHART_VERSION_PATTERN = /^\d+\.\d+\.\d+$/;
const IMAGE_TAG_PATTERN = /^v(\d+)\.(\d+)\.(\d+)$/;
const IAM_PRINCIPAL_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;
const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._:/=+@-]{0,127}$/;
const EPHEMERAL_PREFIX = "eph-";
/** The widest CIDR allowed on the prod public API endpoint. */
const MIN_PROD_PUBLIC_PREFIX = 8;

export interface NodeGroupConfig {
    readonly instanceTypes: readonly string[];
    readonly capacityType: "ON_DEMAND" | "SPOT";
    readonly minSize: number;
    readonly desiredSize: number;
    readonly maxSize: number;
    readonly diskSizeGiB: number;
}

export interface AddonVersions {
    readonly vpcCni: string;
    readonly kubeProxy: string;
    readonly coredns: string;
    readonly ebsCsiDriver: string;
    readonly metricsServer: string;
}

export interface ChartVersions {
    readonly awsLoadBalancerController: { readonly version: string };
    readonly clusterAutoscaler: { readonly version: string; readonly imageTag: string };
    readonly kubePrometheusStack: { readonly version: string };
    readonly prometheusOperatorCrds: { readonly version: string };
}

export interface PodResources {
    readonly cpuRequest: string;
    readonly memoryRequest: string;
    readonly memoryLimit: string;
}

export interface MonitoringConfig {
    /** Helm install/upgrade timeout: Prometheus volumes and images take a while on new nodes. */
    readonly installTimeoutSeconds: number;
    readonly prometheus: {
        readonly replicas: number;
        /** Prometheus duration, e.g. "15d". */
        readonly retention: string;
        /** Prometheus size, e.g. "40GB": kept below the volume so the TSDB never fills it. */
        readonly retentionSize: string;
        /** 0: no persistent volume (ephemeral stacks). */
        readonly storageGiB: number;
        readonly cpuRequest: string;
        readonly memoryRequest: string;
        readonly memoryLimit: string;
    };
    readonly alertmanager: { readonly replicas: number; readonly storageGiB: number } & PodResources;
    /** One replica: more needs an external database. */
    readonly grafana: PodResources;
    readonly alerts: {
        /** Alert when more than this share of requests fail with 5xx. */
        readonly errorRatioPercent: number;
        /** The p99 latency objective. */
        readonly p99LatencyMs: number;
        /** Container restarts in 15 minutes that count as a crash loop. */
        readonly restartsPer15m: number;
    };
}

/** Optional secrets: read with getSecret, never in plain values. Undefined when unset. */
export interface StackSecrets {
    readonly grafanaAdminPassword?: pulumi.Output<string>;
    readonly alertmanagerSlackWebhookUrl?: pulumi.Output<string>;
}

export interface BackendConfig {
    /** A prebuilt image (CI built it elsewhere): no build happens. Undefined: build app/ and push to ECR. */
    readonly image?: string;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    /** HPA target: average CPU utilisation as a percentage of the request. */
    readonly cpuTargetPercent: number;
    readonly cpuRequest: string;
    readonly memoryRequest: string;
    readonly memoryLimit: string;
    /** Who may reach the load balancer; empty means anyone (refused in prod). */
    readonly loadBalancerSourceRanges: readonly string[];
}

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    readonly profile: Profile;
    readonly owner: string;
    readonly region: string;
    /** Deterministic, so the control-plane log group can exist before the cluster. */
    readonly clusterName: string;
    readonly kubernetesVersion: string;
    readonly availabilityZoneCount: number;
    readonly vpcCidr: string;
    readonly natGateways: "single" | "perAz";
    readonly endpointPublicAccess: boolean;
    readonly publicAccessCidrs: readonly string[];
    /** Networks besides the VPC (VPN, peered CI runners) that may reach the private API endpoint. */
    readonly privateEndpointAccessCidrs: readonly string[];
    readonly adminPrincipalArns: readonly string[];
    readonly clusterLogTypes: readonly ClusterLogType[];
    readonly logRetentionDays: number;
    readonly nodeGroups: Readonly<Record<string, NodeGroupConfig>>;
    readonly addonVersions: AddonVersions;
    readonly charts: ChartVersions;
    readonly backend: BackendConfig;
    readonly monitoring: MonitoringConfig;
    /** Which optional secrets are set (their values stay in `secrets`). */
    readonly secretsSet: Readonly<{ grafanaAdminPassword: boolean; alertmanagerSlackWebhookUrl: boolean }>;
    /** `protect` on the resources whose loss loses data or the cluster. */
    readonly protect: boolean;
    readonly kmsDeletionWindowDays: number;
    /** Two in prod so a node drain never stops Service reconciliation. */
    readonly loadBalancerControllerReplicas: number;
    /** Tags every AWS resource gets through the provider's default tags. */
    readonly tags: Readonly<Record<string, string>>;
}

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

type Kind = "string" | "integer" | "boolean" | "array" | "object" | "secret";

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
};

/** Keys a stack file may leave out: the optional secrets, and what the ephemeral-stack tool sets. */
export const OPTIONAL_KEYS: readonly string[] = ["grafanaAdminPassword", "alertmanagerSlackWebhookUrl", "ephemeral"];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

const NODE_GROUP_KEYS = ["instanceTypes", "capacityType", "minSize", "desiredSize", "maxSize", "diskSizeGiB"];
const ADDON_KEYS = ["vpcCni", "kubeProxy", "coredns", "ebsCsiDriver", "metricsServer"];
const CHART_KEYS = ["awsLoadBalancerController", "clusterAutoscaler", "kubePrometheusStack", "prometheusOperatorCrds"];
const MONITORING_KEYS = ["installTimeoutSeconds", "prometheus", "alertmanager", "grafana", "alerts"];
const RESOURCE_KEYS = ["cpuRequest", "memoryRequest", "memoryLimit"];
const PROMETHEUS_KEYS = [
    "replicas",
    "retention",
    "retentionSize",
    "storageGiB",
    "cpuRequest",
    "memoryRequest",
    "memoryLimit",
];
const DURATION_PATTERN = /^[1-9]\d*(ms|s|m|h|d|w|y)$/;
const SIZE_PATTERN = /^([1-9]\d*)(MB|GB|TB)$/;
const BACKEND_KEYS = [
    "image",
    "minReplicas",
    "maxReplicas",
    "cpuTargetPercent",
    "cpuRequest",
    "memoryRequest",
    "memoryLimit",
    "loadBalancerSourceRanges",
];
const CPU_PATTERN = /^(?:([1-9]\d*)m|(\d+(?:\.\d{1,3})?))$/;
const MEMORY_PATTERN = /^([1-9]\d*)(Mi|Gi)$/;
/** registry/path[:tag][@sha256:digest], lowercase path as registries require. */
const IMAGE_PATTERN =
    /^(?<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Per-profile values for keys a stack file leaves out. dev and prod files set everything. */
const PROFILE_DEFAULTS: Readonly<Record<Profile, RawConfig>> = {
    dev: {
        availabilityZoneCount: 2,
        natGateways: "single",
        endpointPublicAccess: true,
        publicAccessCidrs: [],
        clusterLogTypes: ["api", "audit", "authenticator"],
        logRetentionDays: 7,
    },
    ephemeral: {
        availabilityZoneCount: 2,
        natGateways: "single",
        endpointPublicAccess: true,
        publicAccessCidrs: [],
        clusterLogTypes: ["api", "audit"],
        logRetentionDays: 1,
    },
    prod: {
        availabilityZoneCount: 3,
        natGateways: "perAz",
        endpointPublicAccess: false,
        publicAccessCidrs: [],
        clusterLogTypes: [...CLUSTER_LOG_TYPES],
        logRetentionDays: 90,
    },
};

const SHARED_DEFAULTS: RawConfig = {
    vpcCidr: "10.0.0.0/16",
    privateEndpointAccessCidrs: [],
    adminPrincipalArns: [],
};

export function classifyStack(stack: string): Profile {
    if (stack === "dev" || stack === "prod") return stack;
    if (/^eph-[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(stack)) return "ephemeral";
    throw new Error(
        `Stack "${stack}" is not one this program knows. Use "dev", "prod", or an ephemeral stack named ` +
            `"${EPHEMERAL_PREFIX}<slug>" (lowercase letters, digits and dashes, at most 36 characters), ` +
            `e.g. "pulumi stack init ${EPHEMERAL_PREFIX}my-branch".`,
    );
}

/** Closest known key, so "kubernetesVersoin" gets a useful hint. */
function suggest(key: string, known: readonly string[]): string {
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

/** A small reader bound to one stack, so every error names it. */
class Reader {
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
        const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n)) {
            this.fail(key, `is ${JSON.stringify(value)}, not a whole number`, `an integer from ${min} to ${max}`);
        }
        if (n < min || n > max) this.fail(key, `is ${n}, out of range`, `an integer from ${min} to ${max}`);
        return n;
    }

    boolean(key: string, value: unknown): boolean {
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        return this.fail(
            key,
            `is ${JSON.stringify(value)}, not a boolean`,
            `true or false (not "yes", "no", "1" or "0")`,
        );
    }

    object(key: string, value: unknown): Record<string, unknown> {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            this.fail(key, "is not an object", "a YAML mapping (see Pulumi.dev.yaml)");
        }
        return value as Record<string, unknown>;
    }

    stringArray(key: string, value: unknown): string[] {
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
            this.fail(key, "is not a list of strings", 'a YAML list of strings, e.g. ["a", "b"]');
        }
        return value as string[];
    }

    oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): T {
        if (typeof value !== "string" || !allowed.includes(value as T)) {
            this.fail(key, `is ${JSON.stringify(value)}`, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
        }
        return value as T;
    }
}

function cidr(reader: Reader, key: string, value: string): string {
    if (!parseCidr(value)) {
        reader.fail(
            key,
            `is "${value}", not a valid network CIDR`,
            `an IPv4 network such as "203.0.113.0/24" (host bits zero)`,
        );
    }
    return value;
}

function minorOf(version: string): string {
    const match = /^v?(\d+)\.(\d+)/.exec(version);
    return match ? `${match[1]}.${match[2]}` : "";
}

function parseNodeGroup(reader: Reader, key: string, raw: unknown, profile: Profile): NodeGroupConfig {
    const value = reader.object(key, raw);
    reader.rejectUnknownKeys(key, value, NODE_GROUP_KEYS);
    const instanceTypes = reader.stringArray(`${key}.instanceTypes`, value.instanceTypes);
    if (instanceTypes.length === 0)
        reader.fail(`${key}.instanceTypes`, "is empty", 'at least one instance type, e.g. ["t3.large"]');
    const sizes = new Set<string>();
    const classes = new Set<string>();
    for (const type of instanceTypes) {
        const match = INSTANCE_TYPE_PATTERN.exec(type);
        if (!match)
            reader.fail(
                `${key}.instanceTypes`,
                `has "${type}", not a family.size instance type`,
                `names like "m6i.large"`,
            );
        if (!INSTANCE_FAMILIES.includes(match[1])) {
            reader.fail(
                `${key}.instanceTypes`,
                `has "${type}" from family "${match[1]}", which is not allowed`,
                `a family from ${INSTANCE_FAMILIES.join(", ")}`,
            );
        }
        sizes.add(match[2]);
        // Burstable t-families match general purpose m-families in vCPU and memory per size.
        classes.add(match[1][0] === "t" ? "m" : match[1][0]);
    }
    if (sizes.size > 1) {
        // Mixed sizes break the autoscaler's assumption that every node of a group is alike.
        reader.fail(
            `${key}.instanceTypes`,
            `mixes sizes (${[...sizes].join(", ")})`,
            'instance types of one size, e.g. ["m6i.large", "m5.large"]',
        );
    }
    if (classes.size > 1) {
        reader.fail(
            `${key}.instanceTypes`,
            `mixes instance classes (${instanceTypes.join(", ")}): one size of c, m and r families differs in memory`,
            'types of one class and size, e.g. ["m6i.large", "m5.large", "t3.large"]',
        );
    }
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
    return Object.freeze({
        instanceTypes: Object.freeze([...instanceTypes]),
        capacityType,
        minSize,
        desiredSize,
        maxSize,
        diskSizeGiB,
    });
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

function parseCharts(reader: Reader, raw: unknown, kubernetesVersion: string): ChartVersions {
    const value = reader.object("charts", raw);
    reader.rejectUnknownKeys("charts", value, CHART_KEYS);
    const chartVersion = (key: string, v: unknown): string => {
        const version = reader.string(key, v);
        if (!CHART_VERSION_PATTERN.test(version))
            reader.fail(
                key,
                `is "${version}", not a pinned chart version`,
                `an exact semver such as "1.13.4" (no ranges, no "latest")`,
            );
        return version;
    };
    const lbc = reader.object("charts.awsLoadBalancerController", value.awsLoadBalancerController);
    reader.rejectUnknownKeys("charts.awsLoadBalancerController", lbc, ["version"]);
    const ca = reader.object("charts.clusterAutoscaler", value.clusterAutoscaler);
    reader.rejectUnknownKeys("charts.clusterAutoscaler", ca, ["version", "imageTag"]);
    const imageTag = reader.string("charts.clusterAutoscaler.imageTag", ca.imageTag);
    if (!IMAGE_TAG_PATTERN.test(imageTag)) {
        reader.fail(
            "charts.clusterAutoscaler.imageTag",
            `is "${imageTag}", not an exact image tag`,
            `a tag such as "v${kubernetesVersion}.0"`,
        );
    }
    if (minorOf(imageTag) !== kubernetesVersion) {
        // The autoscaler's scheduler simulation is only supported against its own Kubernetes minor.
        reader.fail(
            "charts.clusterAutoscaler.imageTag",
            `is "${imageTag}" (Kubernetes ${minorOf(imageTag)}) but the cluster runs ${kubernetesVersion}`,
            `a cluster-autoscaler release "v${kubernetesVersion}.x"`,
        );
    }
    const simpleChart = (name: string) => {
        const chart = reader.object(`charts.${name}`, value[name]);
        reader.rejectUnknownKeys(`charts.${name}`, chart, ["version"]);
        return Object.freeze({ version: chartVersion(`charts.${name}.version`, chart.version) });
    };
    return Object.freeze({
        awsLoadBalancerController: Object.freeze({
            version: chartVersion("charts.awsLoadBalancerController.version", lbc.version),
        }),
        clusterAutoscaler: Object.freeze({
            version: chartVersion("charts.clusterAutoscaler.version", ca.version),
            imageTag,
        }),
        kubePrometheusStack: simpleChart("kubePrometheusStack"),
        prometheusOperatorCrds: simpleChart("prometheusOperatorCrds"),
    });
}

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

/** Splits an image reference; undefined when it is not one. */
export function parseImageReference(reference: string): { name: string; tag?: string; digest?: string } | undefined {
    const groups = IMAGE_PATTERN.exec(reference)?.groups;
    return groups ? { name: groups.name, tag: groups.tag, digest: groups.digest } : undefined;
}

function parseBackend(reader: Reader, raw: unknown, profile: Profile): BackendConfig {
    const value = reader.object("backend", raw);
    reader.rejectUnknownKeys("backend", value, BACKEND_KEYS);

    let image: string | undefined;
    if (value.image !== undefined && value.image !== "") {
        image = reader.string("backend.image", value.image);
        const parsed = parseImageReference(image);
        if (!parsed)
            reader.fail(
                "backend.image",
                `is "${image}", not an image reference`,
                `"registry/repository:tag" or "registry/repository@sha256:<digest>"`,
            );
        if (!parsed.tag && !parsed.digest)
            reader.fail(
                "backend.image",
                `is "${image}", with neither tag nor digest`,
                "an image pinned by digest (best) or by an explicit version tag",
            );
        if (parsed.tag === "latest")
            reader.fail(
                "backend.image",
                `is "${image}": ":latest" moves under you`,
                "an image pinned by digest (best) or by an explicit version tag",
            );
    }

    const minReplicas = reader.integer("backend.minReplicas", value.minReplicas, 1, 100);
    const maxReplicas = reader.integer("backend.maxReplicas", value.maxReplicas, 1, 200);
    if (minReplicas > maxReplicas)
        reader.fail(
            "backend",
            `has minReplicas ${minReplicas} above maxReplicas ${maxReplicas}`,
            "minReplicas <= maxReplicas",
        );
    if (profile === "prod" && minReplicas < 2)
        reader.fail(
            "backend.minReplicas",
            `is ${minReplicas}; one replica means downtime on every node drain`,
            "at least 2 in prod",
        );
    const cpuTargetPercent = reader.integer("backend.cpuTargetPercent", value.cpuTargetPercent, 1, 100);

    const cpuRequest = reader.string("backend.cpuRequest", value.cpuRequest);
    const millis = cpuMillis(cpuRequest);
    if (millis === undefined || millis === 0)
        reader.fail(
            "backend.cpuRequest",
            `is "${cpuRequest}", not a CPU quantity`,
            `millicores such as "250m" or cores such as "0.5"`,
        );
    if (millis > 8000)
        reader.fail("backend.cpuRequest", `is "${cpuRequest}", more than a node offers`, "at most 8 cores");
    const memoryRequest = reader.string("backend.memoryRequest", value.memoryRequest);
    const memoryLimit = reader.string("backend.memoryLimit", value.memoryLimit);
    for (const [key, quantity] of [
        ["backend.memoryRequest", memoryRequest],
        ["backend.memoryLimit", memoryLimit],
    ] as const) {
        if (memoryMiB(quantity) === undefined)
            reader.fail(
                key,
                `is "${quantity}", not a memory quantity`,
                `mebibytes or gibibytes such as "256Mi" or "1Gi" (not "256M" or "256mi")`,
            );
    }
    if (memoryMiB(memoryLimit)! < memoryMiB(memoryRequest)!) {
        reader.fail(
            "backend.memoryLimit",
            `is "${memoryLimit}", below memoryRequest "${memoryRequest}"`,
            "a limit at least as large as the request",
        );
    }

    const loadBalancerSourceRanges = reader
        .stringArray("backend.loadBalancerSourceRanges", value.loadBalancerSourceRanges ?? [])
        .map((c) => cidr(reader, "backend.loadBalancerSourceRanges", c));
    if (profile === "prod") {
        if (loadBalancerSourceRanges.length === 0)
            reader.fail(
                "backend.loadBalancerSourceRanges",
                "is empty in prod, which opens the load balancer to the whole internet",
                "the CIDRs of your clients or CDN",
            );
        const broad = loadBalancerSourceRanges.find((c) => parseCidr(c)!.prefix < MIN_PROD_PUBLIC_PREFIX);
        if (broad)
            reader.fail(
                "backend.loadBalancerSourceRanges",
                `contains "${broad}" in prod`,
                `CIDRs of /${MIN_PROD_PUBLIC_PREFIX} or narrower`,
            );
    }
    return Object.freeze({
        ...(image !== undefined ? { image } : {}),
        minReplicas,
        maxReplicas,
        cpuTargetPercent,
        cpuRequest,
        memoryRequest,
        memoryLimit,
        loadBalancerSourceRanges: Object.freeze(loadBalancerSourceRanges),
    });
}

function quantity(reader: Reader, key: string, value: unknown, kind: "cpu" | "memory"): string {
    const text = reader.string(key, value);
    if (kind === "cpu" ? !cpuMillis(text) : memoryMiB(text) === undefined) {
        reader.fail(
            key,
            `is "${text}", not a ${kind === "cpu" ? "CPU" : "memory"} quantity`,
            kind === "cpu"
                ? `millicores such as "250m" or cores such as "0.5"`
                : `mebibytes or gibibytes such as "256Mi" or "1Gi"`,
        );
    }
    return text;
}

function parseMonitoring(reader: Reader, raw: unknown, profile: Profile): MonitoringConfig {
    const value = reader.object("monitoring", raw);
    reader.rejectUnknownKeys("monitoring", value, MONITORING_KEYS);
    const installTimeoutSeconds = reader.integer(
        "monitoring.installTimeoutSeconds",
        value.installTimeoutSeconds,
        300,
        3600,
    );

    const p = reader.object("monitoring.prometheus", value.prometheus);
    reader.rejectUnknownKeys("monitoring.prometheus", p, PROMETHEUS_KEYS);
    const replicas = reader.integer("monitoring.prometheus.replicas", p.replicas, 1, 5);
    if (profile === "prod" && replicas < 2)
        reader.fail(
            "monitoring.prometheus.replicas",
            `is ${replicas}; one Prometheus means no alerts while it restarts`,
            "at least 2 in prod",
        );
    const retention = reader.string("monitoring.prometheus.retention", p.retention);
    if (!DURATION_PATTERN.test(retention))
        reader.fail(
            "monitoring.prometheus.retention",
            `is "${retention}", not a Prometheus duration`,
            `a duration such as "15d" or "12h"`,
        );
    const retentionSize = reader.string("monitoring.prometheus.retentionSize", p.retentionSize);
    const size = SIZE_PATTERN.exec(retentionSize);
    if (!size)
        reader.fail(
            "monitoring.prometheus.retentionSize",
            `is "${retentionSize}", not a Prometheus size`,
            `a size such as "8GB" (MB, GB or TB)`,
        );
    const storageGiB = reader.integer("monitoring.prometheus.storageGiB", p.storageGiB, 0, 2000);
    if (profile === "prod" && storageGiB === 0)
        reader.fail(
            "monitoring.prometheus.storageGiB",
            "is 0 in prod, so metrics vanish with every Prometheus restart",
            "a volume size in GiB",
        );
    const sizeGB = Number(size[1]) * ({ MB: 0.001, GB: 1, TB: 1000 } as Record<string, number>)[size[2]];
    // GB (10^9) against GiB (2^30): keep 15% head room for the WAL and compaction.
    if (storageGiB > 0 && sizeGB > storageGiB * 1.073741824 * 0.85) {
        reader.fail(
            "monitoring.prometheus.retentionSize",
            `is "${retentionSize}", too close to the ${storageGiB}Gi volume`,
            `at most 85% of the volume (about ${Math.floor(storageGiB * 1.073741824 * 0.85)}GB)`,
        );
    }
    const cpuRequest = quantity(reader, "monitoring.prometheus.cpuRequest", p.cpuRequest, "cpu");
    const memoryRequest = quantity(reader, "monitoring.prometheus.memoryRequest", p.memoryRequest, "memory");
    const memoryLimit = quantity(reader, "monitoring.prometheus.memoryLimit", p.memoryLimit, "memory");
    if (memoryMiB(memoryLimit)! < memoryMiB(memoryRequest)!)
        reader.fail(
            "monitoring.prometheus.memoryLimit",
            `is "${memoryLimit}", below memoryRequest "${memoryRequest}"`,
            "a limit at least as large as the request",
        );

    const a = reader.object("monitoring.alertmanager", value.alertmanager);
    reader.rejectUnknownKeys("monitoring.alertmanager", a, ["replicas", "storageGiB", ...RESOURCE_KEYS]);
    const alertmanager = Object.freeze({
        replicas: reader.integer("monitoring.alertmanager.replicas", a.replicas, 1, 5),
        storageGiB: reader.integer("monitoring.alertmanager.storageGiB", a.storageGiB, 0, 100),
        ...podResources(reader, "monitoring.alertmanager", a),
    });
    const g = reader.object("monitoring.grafana", value.grafana);
    reader.rejectUnknownKeys("monitoring.grafana", g, RESOURCE_KEYS);
    const grafana = Object.freeze(podResources(reader, "monitoring.grafana", g));

    const alertsRaw = reader.object("monitoring.alerts", value.alerts);
    reader.rejectUnknownKeys("monitoring.alerts", alertsRaw, ["errorRatioPercent", "p99LatencyMs", "restartsPer15m"]);
    const alerts = Object.freeze({
        errorRatioPercent: reader.integer("monitoring.alerts.errorRatioPercent", alertsRaw.errorRatioPercent, 1, 100),
        p99LatencyMs: reader.integer("monitoring.alerts.p99LatencyMs", alertsRaw.p99LatencyMs, 1, 60000),
        restartsPer15m: reader.integer("monitoring.alerts.restartsPer15m", alertsRaw.restartsPer15m, 1, 100),
    });

    return Object.freeze({
        installTimeoutSeconds,
        prometheus: Object.freeze({
            replicas,
            retention,
            retentionSize,
            storageGiB,
            cpuRequest,
            memoryRequest,
            memoryLimit,
        }),
        alertmanager,
        grafana,
        alerts,
    });
}

function podResources(reader: Reader, key: string, value: Record<string, unknown>): PodResources {
    const cpuRequest = quantity(reader, `${key}.cpuRequest`, value.cpuRequest, "cpu");
    const memoryRequest = quantity(reader, `${key}.memoryRequest`, value.memoryRequest, "memory");
    const memoryLimit = quantity(reader, `${key}.memoryLimit`, value.memoryLimit, "memory");
    if (memoryMiB(memoryLimit)! < memoryMiB(memoryRequest)!)
        reader.fail(
            `${key}.memoryLimit`,
            `is "${memoryLimit}", below memoryRequest "${memoryRequest}"`,
            "a limit at least as large as the request",
        );
    return { cpuRequest, memoryRequest, memoryLimit };
}

/** Creation and expiry of an ephemeral stack, recorded as tags; set by tools/stack.ts. */
function parseLifetime(reader: Reader, raw: unknown, profile: Profile): Record<string, string> {
    if (raw === undefined) return {};
    if (profile !== "ephemeral")
        reader.fail("ephemeral", "is set on a long-lived stack", "no ephemeral key outside eph-* stacks");
    const value = reader.object("ephemeral", raw);
    reader.rejectUnknownKeys("ephemeral", value, ["createdAt", "expiresAt"]);
    const createdAt = reader.string("ephemeral.createdAt", value.createdAt);
    const expiresAt = reader.string("ephemeral.expiresAt", value.expiresAt);
    for (const [key, time] of [
        ["ephemeral.createdAt", createdAt],
        ["ephemeral.expiresAt", expiresAt],
    ] as const) {
        if (!ISO_TIME.test(time) || Number.isNaN(Date.parse(time)))
            reader.fail(key, `is "${time}", not a UTC timestamp`, `ISO 8601 in UTC such as "2026-11-25T08:00:00.000Z"`);
    }
    if (Date.parse(expiresAt) <= Date.parse(createdAt))
        reader.fail(
            "ephemeral.expiresAt",
            `is "${expiresAt}", not after createdAt "${createdAt}"`,
            "an expiry after creation",
        );
    return { "created-at": createdAt, "expires-at": expiresAt };
}

/** Secrets are checked for shape only, and their values never appear in a message. */
function checkSecrets(
    reader: Reader,
    raw: RawConfig,
): { grafanaAdminPassword: boolean; alertmanagerSlackWebhookUrl: boolean } {
    const password = raw.grafanaAdminPassword;
    if (password !== undefined && (typeof password !== "string" || password.length < 16)) {
        reader.fail(
            "grafanaAdminPassword",
            "is set but shorter than 16 characters (value not shown)",
            "a long random password (pulumi config set --secret grafanaAdminPassword ...), or unset to generate one",
        );
    }
    const webhook = raw.alertmanagerSlackWebhookUrl;
    if (
        webhook !== undefined &&
        (typeof webhook !== "string" || !/^https:\/\/hooks\.slack\.com\/services\/\S+$/.test(webhook))
    ) {
        reader.fail(
            "alertmanagerSlackWebhookUrl",
            "is set but is not a Slack incoming-webhook URL (value not shown)",
            "https://hooks.slack.com/services/..., set with --secret",
        );
    }
    return { grafanaAdminPassword: password !== undefined, alertmanagerSlackWebhookUrl: webhook !== undefined };
}

/**
 * Validates raw stack config. Pure: no Pulumi calls, so tests exercise every error path.
 * `raw` holds the project's keys without the "scalable-backend:" prefix; `region` comes from `aws:region`.
 */
export function parseStackConfig(stack: string, raw: RawConfig, region: string | undefined): StackConfig {
    const profile = classifyStack(stack);
    const reader = new Reader(stack);
    const known = Object.keys(CONFIG_KEYS);
    for (const key of Object.keys(raw)) {
        if (!known.includes(key))
            reader.fail(key, `is not a known key${suggest(key, known)}`, `one of ${known.join(", ")}`);
    }
    const merged: RawConfig = { ...SHARED_DEFAULTS, ...PROFILE_DEFAULTS[profile], ...raw };

    if (!region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
        throw new ConfigError(
            stack,
            "aws:region",
            `is ${JSON.stringify(region ?? null)}`,
            `an AWS region such as "eu-west-1" (pulumi config set aws:region eu-west-1)`,
        );
    }

    const owner = reader.string("owner", merged.owner);
    if (!OWNER_PATTERN.test(owner))
        reader.fail(
            "owner",
            `is "${owner}", not a valid tag value`,
            "a team or person, 1-128 characters of letters, digits, spaces and ._:/=+@-",
        );

    const kubernetesVersion = reader.string("kubernetesVersion", merged.kubernetesVersion);
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

    const availabilityZoneCount = reader.integer("availabilityZoneCount", merged.availabilityZoneCount, 2, 6);
    if (profile === "prod" && availabilityZoneCount < 3) {
        reader.fail(
            "availabilityZoneCount",
            `is ${availabilityZoneCount}; prod must survive the loss of one AZ with quorum`,
            "at least 3 in prod",
        );
    }

    const vpcCidr = cidr(reader, "vpcCidr", reader.string("vpcCidr", merged.vpcCidr));
    const vpcPrefix = parseCidr(vpcCidr)!.prefix;
    if (vpcPrefix < 16 || vpcPrefix > 20) {
        reader.fail(
            "vpcCidr",
            `is "${vpcCidr}", a /${vpcPrefix}`,
            "a /16 to /20 network (AWS allows no larger VPC; pods take VPC addresses, so no smaller)",
        );
    }
    if (!isPrivateRange(parseCidr(vpcCidr)!)) {
        reader.fail(
            "vpcCidr",
            `is "${vpcCidr}", outside the private ranges`,
            "a network inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        );
    }

    const natGateways = reader.oneOf("natGateways", merged.natGateways, ["single", "perAz"] as const);
    if (profile === "prod" && natGateways !== "perAz") {
        reader.fail(
            "natGateways",
            `is "${natGateways}"; one NAT gateway makes one AZ's loss take egress from all nodes`,
            `"perAz" in prod`,
        );
    }

    const endpointPublicAccess = reader.boolean("endpointPublicAccess", merged.endpointPublicAccess);
    const publicAccessCidrs = reader
        .stringArray("publicAccessCidrs", merged.publicAccessCidrs)
        .map((c) => cidr(reader, "publicAccessCidrs", c));
    if (!endpointPublicAccess && publicAccessCidrs.length > 0) {
        reader.fail(
            "publicAccessCidrs",
            "is set but endpointPublicAccess is false",
            "an empty list, or endpointPublicAccess: true",
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

    const privateEndpointAccessCidrs = reader
        .stringArray("privateEndpointAccessCidrs", merged.privateEndpointAccessCidrs)
        .map((c) => cidr(reader, "privateEndpointAccessCidrs", c));
    if (privateEndpointAccessCidrs.some((c) => !isPrivateRange(parseCidr(c)!))) {
        reader.fail(
            "privateEndpointAccessCidrs",
            "contains a network outside the private ranges",
            "private networks (VPN, peered VPCs) inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        );
    }

    const adminPrincipalArns = reader.stringArray("adminPrincipalArns", merged.adminPrincipalArns);
    for (const arn of adminPrincipalArns) {
        if (!IAM_PRINCIPAL_PATTERN.test(arn))
            reader.fail(
                "adminPrincipalArns",
                `has "${arn}", not an IAM role or user ARN`,
                `ARNs like "arn:aws:iam::123456789012:role/platform-admins"`,
            );
    }
    if (new Set(adminPrincipalArns).size !== adminPrincipalArns.length)
        reader.fail("adminPrincipalArns", "lists a principal twice", "each ARN once");

    const clusterLogTypes = reader.stringArray("clusterLogTypes", merged.clusterLogTypes);
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

    const logRetentionDays = reader.integer("logRetentionDays", merged.logRetentionDays, 1, 3653);
    if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
        reader.fail(
            "logRetentionDays",
            `is ${logRetentionDays}, which CloudWatch does not accept`,
            `one of ${LOG_RETENTION_DAYS.join(", ")}`,
        );
    }

    const rawNodeGroups = reader.object("nodeGroups", merged.nodeGroups);
    const groupNames = Object.keys(rawNodeGroups);
    if (groupNames.length === 0)
        reader.fail(
            "nodeGroups",
            "is empty",
            "at least one node group, e.g. { general: { instanceTypes: [...], minSize: 2, maxSize: 6 } }",
        );
    const nodeGroups: Record<string, NodeGroupConfig> = {};
    for (const name of groupNames) {
        if (!/^[a-z][a-z0-9-]{0,19}$/.test(name))
            reader.fail(
                `nodeGroups.${name}`,
                "has an invalid name",
                "lowercase letters, digits and dashes, at most 20 characters",
            );
        nodeGroups[name] = parseNodeGroup(reader, `nodeGroups.${name}`, rawNodeGroups[name], profile);
    }

    const addonVersions = parseAddonVersions(reader, merged.addonVersions, kubernetesVersion);
    const charts = parseCharts(reader, merged.charts, kubernetesVersion);
    const backend = parseBackend(reader, merged.backend, profile);
    const monitoring = parseMonitoring(reader, merged.monitoring, profile);
    const secretsSet = Object.freeze(checkSecrets(reader, raw));

    const environment = profile === "ephemeral" ? "ephemeral" : profile;
    const lifetime = parseLifetime(reader, merged.ephemeral, profile);
    return Object.freeze({
        project: PROJECT,
        stack,
        profile,
        owner,
        region,
        clusterName: `${PROJECT}-${stack}`,
        kubernetesVersion,
        availabilityZoneCount,
        vpcCidr,
        natGateways,
        endpointPublicAccess,
        publicAccessCidrs: Object.freeze(publicAccessCidrs),
        privateEndpointAccessCidrs: Object.freeze(privateEndpointAccessCidrs),
        adminPrincipalArns: Object.freeze([...adminPrincipalArns]),
        clusterLogTypes: Object.freeze([...clusterLogTypes] as ClusterLogType[]),
        logRetentionDays,
        nodeGroups: Object.freeze(nodeGroups),
        addonVersions,
        charts,
        backend,
        monitoring,
        secretsSet,
        protect: profile === "prod",
        kmsDeletionWindowDays: profile === "prod" ? 30 : 7,
        loadBalancerControllerReplicas: profile === "prod" ? 2 : 1,
        tags: Object.freeze({ project: PROJECT, stack, environment, owner, "managed-by": "pulumi", ...lifetime }),
    });
}

/**
 * Reads the stack's raw config the way the CLI hands it over (scalars as strings, objects and
 * lists as JSON) and validates it. The only function in the program that touches `pulumi.Config`.
 */
export function loadConfig(): StackConfig & { readonly secrets: StackSecrets } {
    const stack = pulumi.getStack();
    const prefix = `${PROJECT}:`;
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        const kind = CONFIG_KEYS[key];
        if (kind === "array" || kind === "object") {
            try {
                raw[key] = JSON.parse(value);
            } catch {
                throw new ConfigError(
                    stack,
                    key,
                    "is not valid structured config",
                    `a YAML ${kind === "array" ? "list" : "mapping"} in Pulumi.${stack}.yaml`,
                );
            }
        } else {
            raw[key] = value;
        }
    }
    const config = parseStackConfig(stack, raw, new pulumi.Config("aws").get("region"));
    const project = new pulumi.Config(PROJECT);
    // getSecret keeps them secret end to end, even if set without --secret.
    const secrets: StackSecrets = Object.freeze({
        grafanaAdminPassword: config.secretsSet.grafanaAdminPassword
            ? project.getSecret("grafanaAdminPassword")
            : undefined,
        alertmanagerSlackWebhookUrl: config.secretsSet.alertmanagerSlackWebhookUrl
            ? project.getSecret("alertmanagerSlackWebhookUrl")
            : undefined,
    });
    return Object.freeze({ ...config, secrets });
}
