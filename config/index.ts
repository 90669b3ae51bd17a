// The config module: `import { loadConfig } from "./config"`. One parser per area; load.ts alone
// reads the stack's configuration from the Pulumi runtime. The settings types belong to the
// components that take them.
export { parseImageReference } from "./backend";
export {
    CLUSTER_LOG_TYPES,
    INSTANCE_FAMILIES,
    LOG_RETENTION_DAYS,
    MIN_PROD_PUBLIC_PREFIX,
    SUPPORTED_KUBERNETES_VERSIONS,
} from "./cluster";
export {
    type AwsFacts,
    checkCertificate,
    checkCertificateAccount,
    lookUpAwsFacts,
    pickAvailabilityZones,
    ZONE_QUERY,
} from "./facts";
export { fromCliValues, loadConfig, toCliValues } from "./load";
export { MONITORING_NAMESPACE } from "./monitoring";
export { type HostLookup, type LayerConfig, parseConfig, parseStackConfig, type StackConfig } from "./parse";
export { DECLARED_KEYS, DEFAULT_PLACEMENT, type Layer, LAYER_KEYS, type Placement, PLACEMENTS } from "./placement";
export {
    checkTrustedCheckout,
    type CiEnvironment,
    parseHostStack,
    type ReviewAppConfig,
    type TenantConfig,
} from "./review";
export { ConfigError, cpuMillis, memoryMiB, PROJECT, type RawConfig } from "./reader";
export {
    classifyStack,
    CONFIG_KEYS,
    EPHEMERAL_PREFIX,
    HOST_STACK,
    OPTIONAL_KEYS,
    OWNER_PATTERN,
    PROFILES,
    SECRET_KEYS,
    slugOf,
    TENANT_PREFIX,
    type Profile,
    type StackSettings,
} from "./stack";
