// The bootstrap's config module: `import { loadConfig } from "./config"`; parse.ts validates, and
// load.ts alone reads the stack's configuration from the Pulumi runtime.
export { loadConfig, rawConfig } from "./load";
export {
    type BootstrapConfig,
    CONFIG_KEYS,
    key,
    parseBootstrapConfig,
    parseBucketName,
    parseExistingProviderArn,
    parseGithubRepository,
    PROJECT,
    REPOSITORY_PLACEHOLDER,
} from "./parse";
