// Facts only AWS knows, looked up through the stack's own provider after the config is parsed and
// before any other resource: a count of zones the region lacks is refused here, not 15 minutes
// into `pulumi up`. The checks on what AWS answers are pure, so tests reach every refusal.
import * as aws from "@pulumi/aws";
import type { StackConfig } from "./parse";
import { ConfigError } from "./reader";

/** What the program composes with besides its config. */
export interface AwsFacts {
    /** The zones the subnets and nodes spread over, in the region's order. */
    readonly availabilityZones: readonly string[];
}

/** Zones every account can use: Local and Wavelength Zones need an opt-in and lack EKS node types. */
export const ZONE_QUERY: aws.GetAvailabilityZonesArgs = Object.freeze({
    state: "available",
    filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
});

/** The first `count` of the region's usable zones, or a ConfigError naming what the region has. */
export function pickAvailabilityZones(
    stack: string,
    region: string,
    count: number,
    names: readonly string[],
): readonly string[] {
    if (names.length < count) {
        throw new ConfigError(
            stack,
            "availabilityZoneCount",
            `is ${count}, but ${region} has ${names.length} usable availability zones (${names.join(", ") || "none"})`,
            `at most ${names.length}, or a region with ${count} zones`,
        );
    }
    return Object.freeze(names.slice(0, count));
}

/** Looks the facts up through `provider` (the stack's region and credentials) and checks them. */
export async function lookUpAwsFacts(config: StackConfig, provider: aws.Provider): Promise<AwsFacts> {
    const zones = await aws.getAvailabilityZones(ZONE_QUERY, { provider });
    return Object.freeze({
        availabilityZones: pickAvailabilityZones(
            config.stack.name,
            config.stack.region,
            config.network.availabilityZoneCount,
            zones.names,
        ),
    });
}
