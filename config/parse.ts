// parseStackConfig: raw values in (strings, as the CLI hands top-level scalars over, or already
// typed values from tests), each component's settings out, validated and frozen, or a ConfigError
// that names the stack, the key, what was wrong and what is expected. Pure, and run before any
// resource exists.
import type { BackendSettings } from "../components/backend";
import type { ClusterSettings } from "../components/cluster";
import type { BackendImageSettings } from "../components/image";
import type { MonitoringSettings } from "../components/monitoring";
import type { NetworkSettings } from "../components/network";
import type { PlatformSettings } from "../components/platform";
import { parseBackend } from "./backend";
import { checkPodsFit } from "./capacity";
import { parseCharts } from "./charts";
import { parseCluster, parseKubernetesVersion } from "./cluster";
import { EPHEMERAL_IAM_PATH } from "../lib/bootstrap-naming";
import { parseLifetime } from "./ephemeral";
import { checkSecrets, parseMonitoring } from "./monitoring";
import { parseNetwork } from "./network";
import { checkLayerKeys, layerOf } from "./placement";
import { RawConfig, Reader } from "./reader";
import {
    checkTrustedCheckout,
    type CiEnvironment,
    parseHostStack,
    parseReviewApp,
    parseTenant,
    type ReviewAppConfig,
    type TenantConfig,
} from "./review";
import {
    classifyStack,
    parseOwner,
    parsePermissionsBoundary,
    parseRegion,
    rejectUnknownKeys,
    stackSettings,
    StackSettings,
} from "./stack";

/** The stack's config by area: `index.ts` hands each component its own settings. */
export interface StackConfig {
    readonly stack: StackSettings;
    readonly network: NetworkSettings;
    readonly cluster: ClusterSettings;
    readonly platform: PlatformSettings;
    readonly image: BackendImageSettings;
    readonly backend: BackendSettings;
    readonly monitoring: MonitoringSettings;
    /** Which optional secrets are set (loadConfig fills their values in, as secrets). */
    readonly secretsSet: Readonly<{ grafanaAdminPassword: boolean; alertmanagerSlackWebhookUrl: boolean }>;
}

/** A stack's config by its layer (config/placement.ts): its own cluster, or one of a shared review's two layers. */
export type LayerConfig = { readonly layer: "cluster"; readonly cluster: StackConfig } | ReviewAppConfig | TenantConfig;

/** Where the host stack is looked up: the StackReference's default organization and project. */
export interface HostLookup {
    /** `pulumi.getOrganization()`: the literal "organization" on self-managed backends. */
    readonly organization: string;
    readonly project: string;
}

/**
 * Validates raw config of any stack: its layer first (by name and `placement`), then that layer's
 * keys and values. Pure, and run before any resource.
 */
export function parseConfig(
    stackName: string,
    raw: RawConfig,
    region: string | undefined,
    secretKeys: readonly string[],
    /** Asked only by the layers that have a host. */
    lookup: () => HostLookup,
    /** The CI variables a tenant layer checks (process.env). @default {} (not in CI) */
    ci: CiEnvironment = {},
): LayerConfig {
    const profile = classifyStack(stackName);
    const reader = new Reader(stackName);
    rejectUnknownKeys(reader, raw);
    const layer = layerOf(reader, profile, raw.placement);
    if (layer === "cluster")
        return Object.freeze({ layer, cluster: parseStackConfig(stackName, raw, region, secretKeys) });
    checkLayerKeys(reader, layer, raw);
    const checkedRegion = parseRegion(stackName, region);
    const owner = parseOwner(reader, raw.owner);
    const lifetime = parseLifetime(reader, raw.ephemeral, profile);
    const stack = stackSettings(stackName, profile, owner, checkedRegion, lifetime);
    const { organization, project } = lookup();
    const host = parseHostStack(reader, raw.hostStack, organization, project);
    if (layer === "app") return parseReviewApp(reader, raw, stack, host);
    checkTrustedCheckout(stackName, ci);
    return parseTenant(stack, host);
}

/**
 * Validates raw config of a cluster-placement stack. Pure: no Pulumi calls, so tests exercise every error path.
 * `raw` holds the project's keys without the "scalable-backend:" prefix; `region` comes from `aws:region`;
 * `secretKeys` are the project's keys (no prefix) the CLI handed over as secrets.
 */
export function parseStackConfig(
    stackName: string,
    raw: RawConfig,
    region: string | undefined,
    secretKeys: readonly string[] = [],
): StackConfig {
    const profile = classifyStack(stackName);
    const reader = new Reader(stackName);
    rejectUnknownKeys(reader, raw);
    const layer = layerOf(reader, profile, raw.placement);
    if (layer !== "cluster")
        throw new Error(`parseStackConfig: "${stackName}" is a ${layer} layer, not a cluster (use parseConfig)`);
    checkLayerKeys(reader, layer, raw);
    const checkedRegion = parseRegion(stackName, region);
    const owner = parseOwner(reader, raw.owner);
    const lifetime = parseLifetime(reader, raw.ephemeral, profile);
    const stack = stackSettings(stackName, profile, owner, checkedRegion, lifetime);
    const permissionsBoundaryArn = parsePermissionsBoundary(reader, raw.permissionsBoundaryArn, profile);
    // Only when set, so the settings of a stack without one read as before. eph-* stacks' roles and
    // policies also sit under the IAM path the ephemeral role's IAM rights are scoped to (bootstrap/).
    const iamPath = profile === "ephemeral" ? EPHEMERAL_IAM_PATH : undefined;
    const boundary = {
        ...(permissionsBoundaryArn === undefined ? {} : { permissionsBoundaryArn }),
        ...(iamPath === undefined ? {} : { iamPath }),
    };

    const kubernetesVersion = parseKubernetesVersion(reader, raw.kubernetesVersion);
    const network = parseNetwork(reader, raw, stack);
    const cluster = parseCluster(reader, raw, stack, network.cidrBlock, kubernetesVersion, boundary);
    const charts = parseCharts(reader, raw.charts, kubernetesVersion);
    const { backend, image } = parseBackend(reader, raw.backend, stack);
    const monitoring = parseMonitoring(reader, raw.monitoring, profile);
    checkPodsFit(reader, cluster.nodeGroups, [
        { key: "backend", ...backend },
        { key: "monitoring.prometheus", ...monitoring.prometheus },
        { key: "monitoring.alertmanager", ...monitoring.alertmanager },
        { key: "monitoring.grafana", ...monitoring.grafana },
    ]);
    const secretsSet = Object.freeze(checkSecrets(reader, raw, secretKeys));
    return Object.freeze({
        stack,
        network,
        cluster,
        platform: Object.freeze({
            region: stack.region,
            charts: charts.platform,
            loadBalancerControllerReplicas: stack.loadBalancerControllerReplicas,
            ...boundary,
        }),
        image,
        backend,
        monitoring: Object.freeze({ ...monitoring, charts: charts.monitoring }),
        secretsSet,
    });
}
