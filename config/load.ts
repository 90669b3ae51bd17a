// The one module that reads `pulumi.Config`, and the pure pair that converts between what the CLI
// hands a program (scalars as strings, lists and mappings as JSON) and structured values.
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { type LayerConfig, parseConfig, type StackConfig } from "./parse";
import { ConfigError, PROJECT, type RawConfig } from "./reader";
import { CONFIG_KEYS } from "./stack";

const PREFIX = `${PROJECT}:`;

/**
 * The CLI's form of structured config (a stack file's `config:`): scalars as strings, lists and
 * mappings as JSON text. Encrypted (`secure:`) values only the CLI can read are left out.
 */
export function toCliValues(config: Readonly<Record<string, unknown>>): Record<string, string> {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        if (value !== null && typeof value === "object" && "secure" in value) continue;
        values[key] = value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
    }
    return values;
}

/**
 * The program's raw config from the CLI's values: its own keys without the prefix, lists and
 * mappings parsed. Malformed JSON is a ConfigError naming the key and the stack file.
 */
export function fromCliValues(stack: string, values: Readonly<Record<string, string>>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(values)) {
        if (!fullKey.startsWith(PREFIX)) continue;
        const key = fullKey.slice(PREFIX.length);
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
    return raw;
}

// The SDK marks isConfigSecret internal, but it is how a program learns which values the CLI
// decrypted (PULUMI_CONFIG_SECRET_KEYS); a plain-text secret is refused on that basis.
const { isConfigSecret } = runtimeConfig as unknown as { isConfigSecret(key: string): boolean };

/** The project's keys (no prefix) among `values` that the CLI handed over as secrets. */
function secretKeysOf(values: Readonly<Record<string, string>>): string[] {
    return Object.keys(values)
        .filter((key) => key.startsWith(PREFIX) && isConfigSecret(key))
        .map((key) => key.slice(PREFIX.length));
}

/**
 * Reads the stack's raw config the way the CLI hands it over and validates it. The only function
 * in the program that touches `pulumi.Config`. The optional secrets, refused unless set with
 * --secret, go to Monitoring as secret Outputs (getSecret keeps them secret end to end).
 */
export function loadConfig(): LayerConfig {
    const stack = pulumi.getStack();
    const values = pulumi.runtime.allConfig();
    const raw: RawConfig = fromCliValues(stack, values);
    const parsed = parseConfig(
        stack,
        raw,
        new pulumi.Config("aws").get("region"),
        secretKeysOf(values),
        () => ({ organization: pulumi.getOrganization(), project: pulumi.getProject() }),
        // Where the program runs, for the tenant layer's refusal of a pull request's checkout.
        {
            GITHUB_ACTIONS: process.env.GITHUB_ACTIONS,
            GITHUB_EVENT_NAME: process.env.GITHUB_EVENT_NAME,
            GITHUB_REF: process.env.GITHUB_REF,
        },
    );
    if (parsed.layer !== "cluster") return parsed;
    const config = parsed.cluster;
    const project = new pulumi.Config(PROJECT);
    const cluster: StackConfig = Object.freeze({
        ...config,
        monitoring: Object.freeze({
            ...config.monitoring,
            ...(config.secretsSet.grafanaAdminPassword
                ? { grafanaAdminPassword: project.getSecret("grafanaAdminPassword") }
                : {}),
            ...(config.secretsSet.alertmanagerSlackWebhookUrl
                ? { slackWebhookUrl: project.getSecret("alertmanagerSlackWebhookUrl") }
                : {}),
        }),
    });
    return Object.freeze({ layer: "cluster", cluster });
}
