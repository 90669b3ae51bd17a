// policy/rules/placeholders.ts: documentation values from the committed stack files never reach a
// resource unnoticed (mandatory in prod, see tests/policy-stacks.test.ts for the committed file).
import * as assert from "node:assert/strict";
import { isDocumentationDomain, isDocumentationRange, noPlaceholderValues } from "../policy/rules";
import { checkResource } from "../testing/policy";

const check = (type: string, props: Record<string, any>, name = "r") =>
    checkResource(noPlaceholderValues, { type, props, name });

describe("policy: placeholders", () => {
    it("knows the documentation ranges and domains, and nothing else", () => {
        assert.deepEqual(
            [
                "192.0.2.0/24",
                "198.51.100.0/24",
                "203.0.113.128/25",
                "203.0.113.7/32",
                "203.0.112.0/23",
                "18.200.0.0/24",
                "10.0.0.0/8",
            ].map(isDocumentationRange),
            [true, true, true, true, false, false, false],
        );
        assert.deepEqual(
            [
                "api.example.com",
                "*.example.org",
                "example.net",
                "shop.test",
                "a.example",
                "api.shop.eu",
                "example.com.au",
                "myexample.com",
            ].map(isDocumentationDomain),
            [true, true, true, true, true, false, false, false],
        );
    });

    it("finds them in the API endpoint's CIDRs (both cluster shapes), a security group rule and a Service", async () => {
        assert.deepEqual(await check("eks:index:Cluster", { publicAccessCidrs: ["198.51.100.0/24"] }), [
            "The API endpoint's publicAccessCidrs holds 198.51.100.0/24, documentation range (RFC 5737) that no client has: replace it with real CIDRs in publicAccessCidrs (your deploy runners' egress CIDRs) of the stack file.",
        ]);
        assert.equal(
            (
                await check("aws:eks/cluster:Cluster", {
                    vpcConfig: { publicAccessCidrs: ["192.0.2.0/24", "203.0.113.0/24"] },
                })
            ).length,
            1,
        );
        assert.deepEqual(
            await check(
                "aws:ec2/securityGroupRule:SecurityGroupRule",
                { cidrBlocks: ["10.20.0.0/16", "192.0.2.0/24"] },
                "cluster-private-endpoint",
            ),
            [
                "The security group rule cluster-private-endpoint holds 192.0.2.0/24, documentation range (RFC 5737) that no client has: replace it with real CIDRs in privateEndpointAccessCidrs of the stack file.",
            ],
        );
        assert.deepEqual(
            await check("kubernetes:core/v1:Service", {
                metadata: {
                    name: "backend",
                    annotations: {
                        "scalable-backend/tls-certificate-domain": "api.example.com",
                        "service.beta.kubernetes.io/aws-load-balancer-ssl-cert":
                            "arn:aws:acm:eu-west-1:123456789012:certificate/x",
                        "service.beta.kubernetes.io/load-balancer-source-ranges": "203.0.113.0/24",
                    },
                },
                spec: { type: "LoadBalancer", loadBalancerSourceRanges: ["198.51.100.0/24"] },
            }),
            [
                "The Service backend holds 198.51.100.0/24, 203.0.113.0/24, documentation ranges (RFC 5737) that no client has: replace them with real CIDRs in backend.loadBalancerSourceRanges (your clients' or CDN's CIDRs) of the stack file.",
                "The Service backend serves api.example.com, a documentation domain: set backend.tls.certificateDomain to your own domain (with an ISSUED ACM certificate).",
                "The Service backend uses a certificate of account 123456789012, an example account: set backend.tls.certificateArn to your own certificate.",
            ],
        );
    });

    it("passes real values", async () => {
        assert.deepEqual(await check("eks:index:Cluster", { publicAccessCidrs: ["18.200.0.0/24"] }), []);
        assert.deepEqual(
            await check("kubernetes:core/v1:Service", {
                metadata: { name: "b", annotations: { "scalable-backend/tls-certificate-domain": "api.shop.eu" } },
                spec: { loadBalancerSourceRanges: ["52.16.0.0/24"] },
            }),
            [],
        );
    });
});
