// parseStackConfig: raw values in (strings, as the CLI hands top-level scalars over, or already
// typed values from tests), a validated, typed, frozen config out, or a ConfigError that names the
// stack, the key, what was wrong and what is expected. Pure, and run before any resource exists.
import { parseBackend, type BackendConfig } from "./backend";
import { parseCharts, type ChartVersions } from "./charts";
import {
    parseCluster,
    parseKubernetesVersion,
    type AddonVersions,
    type ClusterLogType,
    type NodeGroupConfig,
} from "./cluster";
import { parseLifetime } from "./ephemeral";
import { checkSecrets, parseMonitoring, type MonitoringConfig } from "./monitoring";
import { parseNetwork } from "./network";
import { PROJECT, RawConfig, Reader } from "./reader";
import {
    classifyStack,
    clusterNameOf,
    parseOwner,
    parseRegion,
    Profile,
    PROFILES,
    rejectUnknownKeys,
    stackTags,
} from "./stack";

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

/**
 * Validates raw stack config. Pure: no Pulumi calls, so tests exercise every error path.
 * `raw` holds the project's keys without the "scalable-backend:" prefix; `region` comes from `aws:region`.
 */
export function parseStackConfig(stack: string, raw: RawConfig, region: string | undefined): StackConfig {
    const profile = classifyStack(stack);
    const reader = new Reader(stack);
    rejectUnknownKeys(reader, raw);
    const checkedRegion = parseRegion(stack, region);
    const owner = parseOwner(reader, raw.owner);
    const kubernetesVersion = parseKubernetesVersion(reader, raw.kubernetesVersion);
    const network = parseNetwork(reader, raw, profile);
    const cluster = parseCluster(reader, raw, profile, kubernetesVersion);
    const charts = parseCharts(reader, raw.charts, kubernetesVersion);
    const backend = parseBackend(reader, raw.backend, profile);
    const monitoring = parseMonitoring(reader, raw.monitoring, profile);
    const secretsSet = Object.freeze(checkSecrets(reader, raw));
    const lifetime = parseLifetime(reader, raw.ephemeral, profile);
    return Object.freeze({
        project: PROJECT,
        stack,
        profile,
        owner,
        region: checkedRegion,
        clusterName: clusterNameOf(stack),
        kubernetesVersion: cluster.kubernetesVersion,
        ...network,
        endpointPublicAccess: cluster.endpointPublicAccess,
        publicAccessCidrs: cluster.publicAccessCidrs,
        privateEndpointAccessCidrs: cluster.privateEndpointAccessCidrs,
        adminPrincipalArns: cluster.adminPrincipalArns,
        clusterLogTypes: cluster.clusterLogTypes,
        logRetentionDays: cluster.logRetentionDays,
        nodeGroups: cluster.nodeGroups,
        addonVersions: cluster.addonVersions,
        charts,
        backend,
        monitoring,
        secretsSet,
        ...PROFILES[profile],
        tags: stackTags(stack, profile, owner, lifetime),
    });
}
