// The one bootstrap module that reads `pulumi.Config`: the stack's values as the CLI hands them
// over, validated by the pure parser before any resource exists.
import * as pulumi from "@pulumi/pulumi";
import { type BootstrapConfig, parseBootstrapConfig, PROJECT } from "./parse";

const PREFIX = `${PROJECT}:`;

/** This project's keys (without the prefix) among the CLI's values. */
export function rawConfig(values: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(values)
            .filter(([fullKey]) => fullKey.startsWith(PREFIX))
            .map(([fullKey, value]) => [fullKey.slice(PREFIX.length), value]),
    );
}

export function loadConfig(): BootstrapConfig {
    return parseBootstrapConfig(
        pulumi.getStack(),
        rawConfig(pulumi.runtime.allConfig()),
        new pulumi.Config("aws").get("region"),
    );
}
