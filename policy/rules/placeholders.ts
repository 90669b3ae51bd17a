// Placeholders: the committed stack files must evaluate offline, so they hold documentation values
// (RFC 5737 ranges, example.com, AWS's example account) where a team's own CIDRs, domain or
// certificate belong. The config accepts them; this rule refuses them wherever they reach a
// resource, mandatory in prod, so a prod preview or update fails until they are replaced.
import { asList, type Props, resourcePolicy, TYPES } from "./shared";

/** TEST-NET-1, -2 and -3 (RFC 5737): addresses no client ever has. */
const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"];
/** Reserved for documentation and testing (RFC 2606, RFC 6761). */
const DOCUMENTATION_DOMAIN = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/i;
/** Account IDs the AWS documentation uses. */
const DOCUMENTATION_ACCOUNTS = ["123456789012", "111122223333", "444455556666"];
const TLS_DOMAIN = "scalable-backend/tls-certificate-domain";
const SSL_CERT = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert";
const SOURCE_RANGES = "service.beta.kubernetes.io/load-balancer-source-ranges";

function toNumber(address: string): number | undefined {
    const octets = address.split(".").map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
    return octets.reduce((n, o) => n * 256 + o, 0);
}

/** True when `cidr` lies inside one of the documentation ranges. */
export function isDocumentationRange(cidr: string): boolean {
    const [address, prefix] = String(cidr).split("/");
    const start = toNumber(address);
    if (start === undefined || Number(prefix) < 24) return false;
    return DOCUMENTATION_RANGES.some((range) => {
        const base = toNumber(range.split("/")[0])!;
        return start >= base && start < base + 256;
    });
}

export function isDocumentationDomain(domain: string): boolean {
    return DOCUMENTATION_DOMAIN.test(String(domain).replace(/^\*\./, ""));
}

const rangesMessage = (where: string, ranges: string[], key: string) =>
    `${where} holds ${ranges.join(", ")}, documentation range${ranges.length > 1 ? "s" : ""} (RFC 5737) that no client has: replace ${ranges.length > 1 ? "them" : "it"} with real CIDRs in ${key} of the stack file.`;

export const noPlaceholderValues = resourcePolicy(
    "no-placeholder-values",
    "No documentation value (RFC 5737 range, example domain, example account) from a committed stack file reaches a resource.",
    [TYPES.eksCluster, TYPES.awsEksCluster, TYPES.service, TYPES.securityGroupRule],
    (props, args) => {
        const found = (values: unknown[]) => values.map(String).filter(isDocumentationRange);
        if (args.type === TYPES.eksCluster || args.type === TYPES.awsEksCluster) {
            const ranges = found(asList(props.publicAccessCidrs ?? props.vpcConfig?.publicAccessCidrs));
            return ranges.length > 0
                ? [
                      rangesMessage(
                          "The API endpoint's publicAccessCidrs",
                          ranges,
                          "publicAccessCidrs (your deploy runners' egress CIDRs)",
                      ),
                  ]
                : [];
        }
        if (args.type === TYPES.securityGroupRule) {
            const ranges = found(asList(props.cidrBlocks));
            return ranges.length > 0
                ? [rangesMessage(`The security group rule ${args.name}`, ranges, "privateEndpointAccessCidrs")]
                : [];
        }
        const annotations: Props = props.metadata?.annotations ?? {};
        const problems: string[] = [];
        const ranges = found([
            ...asList(props.spec?.loadBalancerSourceRanges),
            ...String(annotations[SOURCE_RANGES] ?? "")
                .split(",")
                .map((r) => r.trim())
                .filter(Boolean),
        ]);
        if (ranges.length > 0)
            problems.push(
                rangesMessage(
                    `The Service ${props.metadata?.name ?? args.name}`,
                    ranges,
                    "backend.loadBalancerSourceRanges (your clients' or CDN's CIDRs)",
                ),
            );
        const domain = annotations[TLS_DOMAIN];
        if (typeof domain === "string" && isDocumentationDomain(domain))
            problems.push(
                `The Service ${props.metadata?.name ?? args.name} serves ${domain}, a documentation domain: set backend.tls.certificateDomain to your own domain (with an ISSUED ACM certificate).`,
            );
        const account = String(annotations[SSL_CERT] ?? "").split(":")[4];
        if (account !== undefined && DOCUMENTATION_ACCOUNTS.includes(account))
            problems.push(
                `The Service ${props.metadata?.name ?? args.name} uses a certificate of account ${account}, an example account: set backend.tls.certificateArn to your own certificate.`,
            );
        return problems;
    },
);
