// Facts only AWS knows, looked up through the stack's own provider after the config is parsed and
// before any other resource: the account and the zones. A count of zones the region lacks, or a
// certificate that is missing, not ISSUED or another account's, is refused here, not 15 minutes
// into `pulumi up`. The checks on what AWS answers are pure, so tests reach every refusal.
import * as aws from "@pulumi/aws";
import type { StackConfig } from "./parse";
import { ConfigError } from "./reader";

/** What the program composes with besides its config. */
export interface AwsFacts {
    /** The account the stack deploys into (the caller's): ARNs known before what they name exists. */
    readonly accountId: string;
    /** The zones the subnets and nodes spread over, in the region's order. */
    readonly availabilityZones: readonly string[];
    /** The NLB's certificate, when backend.tls names one (by domain or by ARN). */
    readonly certificateArn?: string;
}

/** Every status ACM reports, so a certificate that exists but is not ISSUED is named as such. */
const CERTIFICATE_STATUSES = [
    "PENDING_VALIDATION",
    "ISSUED",
    "INACTIVE",
    "EXPIRED",
    "VALIDATION_TIMED_OUT",
    "REVOKED",
    "FAILED",
];
const TLS_FIX = "or another backend.tls choice (certificateArn, terminatedBy)";

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

/** The certificate ACM found for a domain, if it is ISSUED; `found` is undefined when there is none. */
export function checkCertificate(
    stack: string,
    region: string,
    domain: string,
    found: { readonly arn: string; readonly status: string } | undefined,
): string {
    const key = "backend.tls.certificateDomain";
    if (found === undefined)
        throw new ConfigError(
            stack,
            key,
            `is "${domain}", but ACM in ${region} holds no certificate for it`,
            `an ISSUED certificate for ${domain} in ${region} (aws acm request-certificate --region ${region} --domain-name ${domain} --validation-method DNS, then validate it), ${TLS_FIX}`,
        );
    if (found.status !== "ISSUED")
        throw new ConfigError(
            stack,
            key,
            `is "${domain}", whose most recent certificate in ${region} is ${found.status}, not ISSUED (${found.arn})`,
            `the certificate validated (its DNS record in place) or renewed, ${TLS_FIX}`,
        );
    return found.arn;
}

/** A configured certificate ARN must be in the deploying account: an NLB cannot use another account's. */
export function checkCertificateAccount(stack: string, arn: string, account: string): string {
    const owner = arn.split(":")[4];
    if (owner !== account)
        throw new ConfigError(
            stack,
            "backend.tls.certificateArn",
            `is a certificate of account ${owner}, but the stack deploys into account ${account}`,
            `a certificate in account ${account} (an NLB cannot use another account's), ${TLS_FIX}`,
        );
    return arn;
}

async function lookUpCertificate(
    config: StackConfig,
    provider: aws.Provider,
    accountId: string,
): Promise<string | undefined> {
    const tls = config.backend.tls;
    if ("certificateArn" in tls) return checkCertificateAccount(config.stack.name, tls.certificateArn, accountId);
    if (!("certificateDomain" in tls)) return undefined;
    let found: { arn: string; status: string } | undefined;
    try {
        found = await aws.acm.getCertificate(
            { domain: tls.certificateDomain, statuses: CERTIFICATE_STATUSES, mostRecent: true },
            { provider },
        );
    } catch (error) {
        // The provider fails the lookup when nothing matches; anything else is not ours to reword.
        if (!/no ACM Certificate matching|not found|no matching/i.test(String(error))) throw error;
    }
    return checkCertificate(config.stack.name, config.stack.region, tls.certificateDomain, found);
}

/** Looks the facts up through `provider` (the stack's region and credentials) and checks them. */
export async function lookUpAwsFacts(config: StackConfig, provider: aws.Provider): Promise<AwsFacts> {
    const zones = await aws.getAvailabilityZones(ZONE_QUERY, { provider });
    const availabilityZones = pickAvailabilityZones(
        config.stack.name,
        config.stack.region,
        config.network.availabilityZoneCount,
        zones.names,
    );
    const { accountId } = await aws.getCallerIdentity({}, { provider });
    const certificateArn = await lookUpCertificate(config, provider, accountId);
    return Object.freeze({
        accountId,
        availabilityZones,
        ...(certificateArn !== undefined ? { certificateArn } : {}),
    });
}
