// backend.tls: what gives the backend's clients TLS. One of an ACM certificate found by domain
// (looked up before any resource, config/facts.ts), a certificate ARN (shape and region checked
// here, account there), a statement of what terminates TLS in front of the stack, or plain HTTP,
// which prod refuses.
import type { TlsSettings } from "../components/backend";
import type { Reader } from "./reader";
import type { StackSettings } from "./stack";

export const TLS_KEYS = ["certificateDomain", "certificateArn", "terminatedBy", "plainHttp"] as const;
const DOMAIN_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
export const CERTIFICATE_ARN_PATTERN =
    /^arn:aws:acm:(?<region>[a-z0-9-]+):(?<account>\d{12}):certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ONE_OF = `exactly one of certificateDomain (an ISSUED ACM certificate's domain), certificateArn, terminatedBy (what terminates TLS in front of the stack) or plainHttp: true (not in prod)`;

export function parseTls(reader: Reader, raw: unknown, stack: StackSettings): TlsSettings {
    const value = reader.object("backend.tls", raw);
    reader.rejectUnknownKeys("backend.tls", value, TLS_KEYS);
    const set = TLS_KEYS.filter((key) => value[key] !== undefined);
    if (set.length !== 1)
        reader.fail("backend.tls", set.length === 0 ? "is empty" : `sets ${set.join(" and ")}`, ONE_OF);
    const [kind] = set;
    const key = `backend.tls.${kind}`;
    if (kind === "plainHttp") {
        if (!reader.boolean(key, value.plainHttp))
            reader.fail(key, "is false", `${ONE_OF}; plainHttp is only ever true`);
        if (stack.profile === "prod")
            reader.fail(
                key,
                "is true in prod, which would serve the backend's clients plain HTTP from the internet",
                "certificateDomain or certificateArn (TLS on the NLB), or terminatedBy naming what terminates TLS in front of it",
            );
        return Object.freeze({ plainHttp: true });
    }
    const text = reader.string(key, value[kind]);
    if (kind === "terminatedBy") {
        if (text.trim().length < 10)
            reader.fail(
                key,
                `is "${text}", which says too little`,
                `a statement a reviewer can check, e.g. "CloudFront distribution E2EXAMPLE, origin protocol HTTP"`,
            );
        return Object.freeze({ terminatedBy: text });
    }
    if (kind === "certificateDomain") {
        if (!DOMAIN_PATTERN.test(text))
            reader.fail(
                key,
                `is "${text}", not a domain name`,
                `a lowercase domain such as "api.example.com" or "*.example.com"`,
            );
        return Object.freeze({ certificateDomain: text });
    }
    const arn = CERTIFICATE_ARN_PATTERN.exec(text);
    if (!arn)
        reader.fail(
            key,
            `is "${text}", not an ACM certificate ARN`,
            `"arn:aws:acm:<region>:<account>:certificate/<uuid>"`,
        );
    if (arn.groups!.region !== stack.region)
        reader.fail(
            key,
            `is a certificate in ${arn.groups!.region}, but the stack runs in ${stack.region}: an NLB takes certificates from its own region only`,
            `a certificate in ${stack.region} (import or request it there)`,
        );
    return Object.freeze({ certificateArn: text });
}
