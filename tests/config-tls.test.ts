// config/tls.ts and the certificate checks of config/facts.ts: exactly one way to give clients TLS,
// each checked before any resource; prod never plain HTTP.
import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { checkCertificate, checkCertificateAccount, lookUpAwsFacts, PROJECT, StackConfig } from "../config";
import { accepts, expectConfigError, parse, rawFor, Rejection, rejects, set } from "./config-helpers";

const ARN = "arn:aws:acm:eu-west-1:210987654321:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
const tlsCase = (
    title: string,
    tls: unknown,
    key: string,
    says: string,
    expects: string,
    stack: "dev" | "prod" = "prod",
): Rejection => ({
    title,
    stack,
    edit: set("backend.tls", tls),
    key,
    says: [says],
    expects: [expects],
});

describe("config: backend.tls", () => {
    rejects([
        tlsCase(
            "plain HTTP in prod",
            { plainHttp: true },
            "backend.tls.plainHttp",
            "is true in prod, which would serve the backend's clients plain HTTP",
            "certificateDomain or certificateArn (TLS on the NLB), or terminatedBy",
        ),
        tlsCase("no way at all", {}, "backend.tls", "is empty", "exactly one of certificateDomain", "dev"),
        tlsCase(
            "two ways at once",
            { certificateDomain: "api.shop.eu", terminatedBy: "CloudFront E2EXAMPLE" },
            "backend.tls",
            "sets certificateDomain and terminatedBy",
            "exactly one of",
        ),
        tlsCase(
            "plainHttp: false",
            { plainHttp: false },
            "backend.tls.plainHttp",
            "is false",
            "plainHttp is only ever true",
            "dev",
        ),
        tlsCase(
            "an unknown way",
            { acm: "x" },
            "backend.tls.acm",
            "is not a known key",
            "only certificateDomain, certificateArn, terminatedBy, plainHttp",
        ),
        tlsCase(
            "a domain with a scheme",
            { certificateDomain: "https://api.shop.eu" },
            "backend.tls.certificateDomain",
            'is "https://api.shop.eu", not a domain name',
            'a lowercase domain such as "api.example.com"',
        ),
        tlsCase(
            "a statement that says nothing",
            { terminatedBy: "cdn" },
            "backend.tls.terminatedBy",
            'is "cdn", which says too little',
            "a statement a reviewer can check",
        ),
        tlsCase(
            "an ARN that is not ACM's",
            { certificateArn: "arn:aws:iam::210987654321:server-certificate/x" },
            "backend.tls.certificateArn",
            "not an ACM certificate ARN",
            '"arn:aws:acm:<region>:<account>:certificate/<uuid>"',
        ),
        tlsCase(
            "a certificate in another region",
            { certificateArn: ARN.replace("eu-west-1", "us-east-1") },
            "backend.tls.certificateArn",
            "is a certificate in us-east-1, but the stack runs in eu-west-1: an NLB takes certificates from its own region only",
            "a certificate in eu-west-1",
        ),
        {
            title: "backend without tls",
            edit: (raw) => {
                delete raw.backend.tls;
            },
            key: "backend.tls",
            says: ["is missing"],
            expects: ["a YAML mapping"],
        },
    ]);
    accepts([
        {
            title: "a certificate by domain",
            stack: "prod",
            edit: set("backend.tls", { certificateDomain: "*.shop.eu" }),
            read: (c) => c.backend.tls,
            expected: { certificateDomain: "*.shop.eu" },
        },
        {
            title: "a certificate by ARN",
            stack: "prod",
            edit: set("backend.tls", { certificateArn: ARN }),
            read: (c) => c.backend.tls,
            expected: { certificateArn: ARN },
        },
        {
            title: "TLS terminated in front",
            stack: "prod",
            edit: set("backend.tls", { terminatedBy: "CloudFront distribution E2EXAMPLE" }),
            read: (c) => c.backend.tls,
            expected: { terminatedBy: "CloudFront distribution E2EXAMPLE" },
        },
        {
            title: "plain HTTP outside prod",
            edit: set("backend.tls", { plainHttp: "true" }),
            read: (c) => c.backend.tls,
            expected: { plainHttp: true },
        },
    ]);
});

describe("config: certificate facts (config/facts.ts)", () => {
    it("refuses a domain ACM has no certificate for, and one whose certificate is not ISSUED", () => {
        expectConfigError(() => checkCertificate("prod", "eu-west-1", "api.shop.eu", undefined), {
            stack: "prod",
            key: "backend.tls.certificateDomain",
            says: ['is "api.shop.eu", but ACM in eu-west-1 holds no certificate for it'],
            expects: [
                "an ISSUED certificate for api.shop.eu in eu-west-1 (aws acm request-certificate --region eu-west-1",
            ],
        });
        expectConfigError(
            () => checkCertificate("prod", "eu-west-1", "api.shop.eu", { arn: ARN, status: "PENDING_VALIDATION" }),
            {
                stack: "prod",
                key: "backend.tls.certificateDomain",
                says: [`whose most recent certificate in eu-west-1 is PENDING_VALIDATION, not ISSUED (${ARN})`],
                expects: ["the certificate validated (its DNS record in place) or renewed"],
            },
        );
        assert.equal(checkCertificate("prod", "eu-west-1", "api.shop.eu", { arn: ARN, status: "ISSUED" }), ARN);
    });

    it("refuses another account's certificate", () => {
        expectConfigError(() => checkCertificateAccount("prod", ARN, "111111111111"), {
            stack: "prod",
            key: "backend.tls.certificateArn",
            says: ["is a certificate of account 210987654321, but the stack deploys into account 111111111111"],
            expects: ["an NLB cannot use another account's"],
        });
        assert.equal(checkCertificateAccount("prod", ARN, "210987654321"), ARN);
    });

    describe("looked up through the stack's provider", () => {
        const calls: { token: string; inputs: any; provider?: string }[] = [];
        let answer: (token: string, inputs: any) => Record<string, any>;
        before(async () => {
            await pulumi.runtime.setMocks(
                {
                    newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
                    call: (args) => {
                        calls.push({ token: args.token, inputs: args.inputs, provider: args.provider });
                        return answer(args.token, args.inputs);
                    },
                },
                PROJECT,
                "prod",
                false,
            );
        });
        beforeEach(() => (calls.length = 0));
        const zones = { names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] };
        const CALLER = "aws:index/getCallerIdentity:getCallerIdentity";
        const ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones";
        const caller = { accountId: "210987654321", arn: "arn:aws:iam::210987654321:role/deploy", userId: "u" };
        const config = (tls: unknown): StackConfig => {
            const raw = rawFor("prod");
            raw.backend.tls = tls;
            return parse("prod", raw);
        };

        it("asks ACM for every status of the domain's most recent certificate, and hands the ARN on", async () => {
            answer = (token) =>
                token.startsWith("aws:acm/")
                    ? { arn: ARN, status: "ISSUED", domain: "api.shop.eu" }
                    : token === CALLER
                      ? caller
                      : zones;
            const provider = new aws.Provider("aws", { region: "eu-west-1" });
            const facts = await lookUpAwsFacts(config({ certificateDomain: "api.shop.eu" }), provider);
            assert.deepEqual(facts, { accountId: "210987654321", availabilityZones: zones.names, certificateArn: ARN });
            const acm = calls.find((c) => c.token === "aws:acm/getCertificate:getCertificate")!;
            assert.deepEqual(acm.inputs, {
                domain: "api.shop.eu",
                mostRecent: true,
                statuses: [
                    "PENDING_VALIDATION",
                    "ISSUED",
                    "INACTIVE",
                    "EXPIRED",
                    "VALIDATION_TIMED_OUT",
                    "REVOKED",
                    "FAILED",
                ],
            });
            assert.match(acm.provider ?? "", /pulumi:providers:aws::aws::/);
        });

        it("turns the provider's not-found error into the refusal, and lets other errors through", async () => {
            const provider = new aws.Provider("aws", { region: "eu-west-1" });
            answer = (token) => {
                if (token.startsWith("aws:acm/"))
                    // As the engine reports a provider's error: in `details`.
                    throw Object.assign(new Error("2 UNKNOWN"), {
                        details:
                            "invocation of aws:acm/getCertificate:getCertificate returned an error: reading ACM Certificates: no matching ACM Certificate found",
                    });
                return zones;
            };
            await assert.rejects(
                lookUpAwsFacts(config({ certificateDomain: "api.shop.eu" }), provider),
                /holds no certificate for it/,
            );
            answer = (token) => {
                if (token.startsWith("aws:acm/"))
                    throw Object.assign(new Error("2 UNKNOWN"), {
                        details: "AccessDeniedException: not authorized to perform acm:ListCertificates",
                    });
                return zones;
            };
            await assert.rejects(
                lookUpAwsFacts(config({ certificateDomain: "api.shop.eu" }), provider),
                /AccessDeniedException/,
            );
        });

        it("checks a configured ARN against the caller's account, and asks ACM nothing for other choices", async () => {
            const provider = new aws.Provider("aws", { region: "eu-west-1" });
            answer = (token) => (token === CALLER ? { accountId: "111111111111", arn: "a", userId: "u" } : zones);
            await assert.rejects(
                lookUpAwsFacts(config({ certificateArn: ARN }), provider),
                /is a certificate of account 210987654321/,
            );
            assert.deepEqual(
                calls.map((c) => c.token),
                [ZONES, CALLER],
                "the caller is asked once, for the facts and the check",
            );
            calls.length = 0;
            answer = (token) => (token === CALLER ? caller : zones);
            const facts = await lookUpAwsFacts(config({ terminatedBy: "CloudFront distribution E2EXAMPLE" }), provider);
            assert.deepEqual(facts, { accountId: "210987654321", availabilityZones: zones.names });
            assert.deepEqual(
                calls.map((c) => c.token),
                [ZONES, CALLER],
            );
            assert.match(calls[1].provider ?? "", /pulumi:providers:aws::aws::/, "through the stack's provider");
        });
    });
});
