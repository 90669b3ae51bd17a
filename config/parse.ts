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
import { RawConfig, Reader } from "./reader";
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

/**
 * Validates raw stack config. Pure: no Pulumi calls, so tests exercise every error path.
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
