// The config module: `import { loadConfig } from "./config"`. One parser per area; load.ts alone
// reads the stack's configuration from the Pulumi runtime.
export { parseImageReference, type BackendConfig } from "./backend";
export { type ChartVersions } from "./charts";
export {
    CLUSTER_LOG_TYPES,
    INSTANCE_FAMILIES,
    LOG_RETENTION_DAYS,
    SUPPORTED_KUBERNETES_VERSIONS,
    type AddonVersions,
    type ClusterLogType,
    type NodeGroupConfig,
} from "./cluster";
export { fromCliValues, loadConfig, toCliValues, type StackSecrets } from "./load";
export { type MonitoringConfig } from "./monitoring";
export { parseStackConfig, type StackConfig } from "./parse";
export { ConfigError, cpuMillis, memoryMiB, PROJECT, type RawConfig } from "./reader";
export { classifyStack, CONFIG_KEYS, EPHEMERAL_PREFIX, OPTIONAL_KEYS, type Profile } from "./stack";
export { type PodResources } from "../lib/pod-resources";
