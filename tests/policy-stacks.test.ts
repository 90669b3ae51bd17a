// The policy pack against what the mock engine records for the real dev and prod stacks, and for an
// eph-* stack as tools/stack.ts configures one: no mandatory violation, and every advisory one
// listed here on purpose. Mutations of those records
// prove each rule reads the shapes the program really registers (a rule that never matches would
// pass silently otherwise).
import * as assert from "node:assert/strict";
import { environmentOf, withEnforcement } from "../policy/enforcement";
import { ALL_POLICIES } from "../policy/rules";
import type { RecordedResource, StackRun } from "../testing/engine";
import { evaluate, Violation } from "../testing/policy";
import { EPHEMERAL_STACK as EPHEMERAL, ephemeralRun, hostedRun, STACKS, stackRun } from "./helpers";

type StackName = (typeof STACKS)[number] | typeof EPHEMERAL;

const runOf = (stack: StackName): Promise<StackRun> => (stack === EPHEMERAL ? ephemeralRun() : stackRun(stack));

interface Expected {
    readonly policy: string;
    /** The resource's name (its URN's last part). */
    readonly resource: string;
    /** Why it is accepted there: the trade-off the stack makes on purpose. */
    readonly reason: string;
}

/** Advisory findings each stack is expected to have, and why. */
const EXPECTED_ADVISORIES: Readonly<Record<StackName, readonly Expected[]>> = {
    dev: [
        {
            policy: "eks-control-plane-logs-complete",
            resource: "cluster-eks",
            reason: "dev ships api, audit and authenticator logs only (clusterLogTypes): controller and scheduler logs cost more than they help there",
        },
        {
            policy: "eks-public-endpoint-restricted",
            resource: "cluster-eks",
            reason: "dev's API endpoint is public and open (endpointPublicAccess: true, publicAccessCidrs: []) so developers deploy from laptops; prod's admits its deploy runners only",
        },
        {
            policy: "load-balancer-restricted",
            resource: "backend-service",
            reason: "dev's NLB admits everyone (backend.loadBalancerSourceRanges: []) for testing; prod admits only its configured ranges",
        },
        {
            policy: "backend-tls",
            resource: "backend-service",
            reason: "dev serves plain HTTP on port 80 (backend.tls.plainHttp: true): no domain or certificate to keep; prod listens with TLS",
        },
    ],
    prod: [],
    [EPHEMERAL]: [
        {
            policy: "eks-control-plane-logs-complete",
            resource: "cluster-eks",
            reason: "the ephemeral profile keeps the audit trail only (api, audit): a review stack lives for hours",
        },
        {
            policy: "eks-public-endpoint-restricted",
            resource: "cluster-eks",
            reason: "review stacks take dev's public endpoint so CI runners and laptops can deploy them",
        },
        {
            policy: "load-balancer-restricted",
            resource: "backend-service",
            reason: "review stacks take dev's open NLB, so reviewers can reach the backend",
        },
        {
            policy: "backend-tls",
            resource: "backend-service",
            reason: "review stacks take dev's plain HTTP: a review stack has no domain of its own",
        },
    ],
};

/**
 * Mandatory findings each committed file has on purpose: the documentation values (RFC 5737,
 * example.com) prod holds until a team puts its own there, which stop every prod preview and up.
 */
const EXPECTED_MANDATORY: Readonly<Record<StackName, readonly Expected[]>> = {
    dev: [],
    prod: [
        {
            policy: "no-placeholder-values",
            resource: "cluster-eks",
            reason: "publicAccessCidrs holds 198.51.100.0/24 until it holds the deploy runners' egress CIDRs",
        },
        {
            policy: "no-placeholder-values",
            resource: "backend-service",
            reason: "backend.loadBalancerSourceRanges holds 203.0.113.0/24 until it holds the clients' CIDRs",
        },
        {
            policy: "no-placeholder-values",
            resource: "backend-service",
            reason: "backend.tls.certificateDomain is api.example.com until it names the team's domain",
        },
    ],
    [EPHEMERAL]: [],
};

/** Prod's placeholders as a team replaces them, so the mutation cases below see only what they break. */
function fillPlaceholders(records: RecordedResource[]): void {
    const cluster = find(records, "eks:index:Cluster", "cluster-eks");
    cluster.inputs.publicAccessCidrs = ["18.200.0.0/24"];
    const service = find(records, "kubernetes:core/v1:Service", "backend-service");
    service.inputs.spec.loadBalancerSourceRanges = ["52.16.0.0/24"];
    service.inputs.metadata.annotations["scalable-backend/tls-certificate-domain"] = "api.shop.acme.eu";
}

const resourceName = (urn: string | undefined): string => urn?.split("::").pop() ?? "<stack>";
const summary = (violations: readonly Violation[]) =>
    violations.map((v) => ({
        policy: v.policy,
        level: v.enforcementLevel,
        resource: resourceName(v.urn),
        message: v.message,
    }));
const policiesFor = (stack: string) => withEnforcement([...ALL_POLICIES], environmentOf(stack));

async function violationsOf(stack: StackName, mutate?: (records: RecordedResource[]) => void): Promise<Violation[]> {
    const run = await runOf(stack);
    const records = structuredClone(run.resources);
    mutate?.(records);
    return evaluate(policiesFor(stack), records);
}

const find = (records: RecordedResource[], type: string, name: string): RecordedResource => {
    const found = records.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} ${name} in the records`);
    return found;
};

describe("policy: the dev and prod stacks", () => {
    for (const stack of [...STACKS, EPHEMERAL] as const) {
        it(`finds in ${stack} exactly the mandatory violations listed on purpose, and none once they are filled in`, async () => {
            const mandatory = (await violationsOf(stack)).filter((v) => v.enforcementLevel === "mandatory");
            assert.deepEqual(
                mandatory.map((v) => ({ policy: v.policy, resource: resourceName(v.urn) })),
                EXPECTED_MANDATORY[stack].map(({ policy, resource }) => ({ policy, resource })),
            );
            if (stack === "prod")
                assert.deepEqual(
                    summary(
                        (await violationsOf(stack, fillPlaceholders)).filter((v) => v.enforcementLevel === "mandatory"),
                    ),
                    [],
                );
        });

        it(`finds in ${stack} exactly the advisory violations listed on purpose`, async () => {
            const advisories = (await violationsOf(stack)).filter((v) => v.enforcementLevel === "advisory");
            assert.deepEqual(
                advisories.map((v) => ({ policy: v.policy, resource: resourceName(v.urn) })),
                EXPECTED_ADVISORIES[stack].map(({ policy, resource }) => ({ policy, resource })),
            );
        });
    }

    it("would block prod on each of dev's and ephemeral stacks' trade-offs: the same rules are mandatory there", async () => {
        const prodLevels = new Map(policiesFor("prod").map((p) => [p.name, p.enforcementLevel]));
        const tradeOffs = [...EXPECTED_ADVISORIES.dev, ...EXPECTED_ADVISORIES[EPHEMERAL]];
        assert.deepEqual(
            tradeOffs.map((e) => prodLevels.get(e.policy)),
            tradeOffs.map(() => "mandatory"),
        );
    });

    it("applies a pack config on top: a rule raised, all raised, a rule disabled", async () => {
        const run = await stackRun("dev");
        const levels = async (config: Record<string, unknown>) =>
            (await evaluate(policiesFor("dev"), run.resources, config as never)).map(
                (v) => `${v.policy}=${v.enforcementLevel}`,
            );
        assert.deepEqual(await levels({ "load-balancer-restricted": "mandatory" }), [
            "eks-control-plane-logs-complete=advisory",
            "eks-public-endpoint-restricted=advisory",
            "load-balancer-restricted=mandatory",
            "backend-tls=advisory",
        ]);
        assert.deepEqual(await levels({ all: "mandatory" }), [
            "eks-control-plane-logs-complete=mandatory",
            "eks-public-endpoint-restricted=mandatory",
            "load-balancer-restricted=mandatory",
            "backend-tls=mandatory",
        ]);
        assert.deepEqual(await levels({ "eks-public-endpoint-restricted": { enforcementLevel: "disabled" } }), [
            "eks-control-plane-logs-complete=advisory",
            "load-balancer-restricted=advisory",
            "backend-tls=advisory",
        ]);
    });

    describe("each rule family fires on the shapes the program really registers", () => {
        const IRSA = "platform-lbc-role";
        const cases: {
            what: string;
            stack: (typeof STACKS)[number];
            mutate: (records: RecordedResource[]) => void;
            expected: [string, string][];
        }[] = [
            {
                what: "the eks:index:Cluster without its key, logs and private endpoint, public to all, in ConfigMap auth mode",
                stack: "prod",
                mutate: (records) => {
                    const cluster = find(records, "eks:index:Cluster", "cluster-eks");
                    delete cluster.inputs.encryptionConfigKeyArn;
                    cluster.inputs.authenticationMode = "CONFIG_MAP";
                    cluster.inputs.enabledClusterLogTypes = ["api"];
                    cluster.inputs.endpointPrivateAccess = false;
                    cluster.inputs.endpointPublicAccess = true;
                    delete cluster.inputs.publicAccessCidrs;
                },
                expected: [
                    ["eks-secrets-encryption", "cluster-eks"],
                    ["eks-control-plane-logs", "cluster-eks"],
                    ["eks-control-plane-logs-complete", "cluster-eks"],
                    ["eks-private-endpoint", "cluster-eks"],
                    ["eks-public-endpoint-restricted", "cluster-eks"],
                    ["eks-authentication-mode", "cluster-eks"],
                ],
            },
            {
                what: "a KMS key without rotation, and a cluster key that is not the stack's",
                stack: "prod",
                mutate: (records) => {
                    find(records, "aws:kms/key:Key", "cluster-secrets").inputs.enableKeyRotation = false;
                    const cluster = find(records, "eks:index:Cluster", "cluster-eks");
                    // Stack policies read the state, which the mock engine records as outputs.
                    cluster.inputs.encryptionConfigKeyArn = cluster.outputs.encryptionConfigKeyArn =
                        "arn:aws:kms:eu-west-1:111122223333:key/elsewhere";
                    (cluster.propertyDependencies as Record<string, string[]>).encryptionConfigKeyArn = [];
                },
                expected: [
                    ["kms-key-rotation", "cluster-secrets"],
                    ["eks-secrets-key-managed", "cluster-eks"],
                ],
            },
            {
                what: "the launch template with IMDSv1 and an unencrypted root volume, a subnet mapping public IPs, nodes in the public subnets",
                stack: "prod",
                mutate: (records) => {
                    const template = find(records, "aws:ec2/launchTemplate:LaunchTemplate", "cluster-general");
                    template.inputs.metadataOptions.httpTokens = "optional";
                    template.inputs.blockDeviceMappings[0].ebs.encrypted = "false";
                    find(records, "aws:ec2/subnet:Subnet", "network-private-a").inputs.mapPublicIpOnLaunch = true;
                    const group = find(records, "eks:index:ManagedNodeGroup", "cluster-general");
                    const publicA = find(records, "aws:ec2/subnet:Subnet", "network-public-a");
                    (group.propertyDependencies as Record<string, string[]>).subnetIds = [publicA.urn];
                },
                expected: [
                    ["eks-nodes-no-public-ip", "network-private-a"],
                    ["eks-node-subnets-private", "cluster-general"],
                    ["node-imdsv2", "cluster-general"],
                    ["ebs-encryption", "cluster-general"],
                ],
            },
            {
                what: "a wildcard action and a new untagged wildcard write in the controller's policy, and an IRSA trust for any service account",
                stack: "prod",
                mutate: (records) => {
                    const policy = find(records, "aws:iam/policy:Policy", "platform-lbc-policy");
                    const document = JSON.parse(policy.inputs.policy);
                    document.Statement.push(
                        { Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::x" },
                        { Effect: "Allow", Action: "ec2:DeleteVpc", Resource: "*" },
                    );
                    policy.inputs.policy = JSON.stringify(document);
                    const role = find(records, "aws:iam/role:Role", IRSA);
                    const trust = JSON.parse(role.inputs.assumeRolePolicy);
                    delete trust.Statement[0].Condition;
                    role.inputs.assumeRolePolicy = JSON.stringify(trust);
                },
                expected: [
                    ["iam-no-wildcard-action", "platform-lbc-policy"],
                    ["iam-no-wildcard-resource-writes", "platform-lbc-policy"],
                    ["irsa-trust-scoped", IRSA],
                    ["irsa-trust-scoped", IRSA],
                ],
            },
            {
                what: "the backend Deployment stripped of its hardening, with replicas and :latest",
                stack: "prod",
                mutate: (records) => {
                    const deployment = find(records, "kubernetes:apps/v1:Deployment", "backend-deployment");
                    const container = deployment.inputs.spec.template.spec.containers[0];
                    delete deployment.inputs.spec.template.spec.securityContext;
                    delete container.securityContext;
                    delete container.resources;
                    delete container.readinessProbe;
                    container.image = "nginx:latest";
                    deployment.inputs.spec.replicas = 3;
                    deployment.outputs.spec.replicas = 3;
                },
                expected: [
                    ...Array.from({ length: 4 }, (): [string, string] => [
                        "pod-security-restricted",
                        "backend-deployment",
                    ]),
                    ["read-only-root-filesystem", "backend-deployment"],
                    ["container-resources", "backend-deployment"],
                    ["container-probes", "backend-deployment"],
                    ["image-pinned", "backend-deployment"],
                    ["no-replicas-under-hpa", "backend-deployment"],
                ],
            },
            {
                what: "the backend namespace unlabelled, its PodMonitor in default, the Service open and classless",
                stack: "prod",
                mutate: (records) => {
                    find(records, "kubernetes:core/v1:Namespace", "backend-ns").inputs.metadata.labels = {};
                    find(
                        records,
                        "kubernetes:monitoring.coreos.com/v1:PodMonitor",
                        "backend-podmonitor",
                    ).inputs.metadata.namespace = "default";
                    const service = find(records, "kubernetes:core/v1:Service", "backend-service").inputs;
                    delete service.spec.loadBalancerSourceRanges;
                    delete service.spec.loadBalancerClass;
                    delete service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"];
                },
                expected: [
                    ["namespace-pod-security-labels", "backend-ns"],
                    ["no-default-namespace", "backend-podmonitor"],
                    ["load-balancer-restricted", "backend-service"],
                    ["load-balancer-class", "backend-service"],
                    ["backend-tls", "backend-service"],
                ],
            },
            {
                what: "documentation values: a private-endpoint rule for 192.0.2.0/24, and an example account's certificate",
                stack: "prod",
                mutate: (records) => {
                    find(
                        records,
                        "aws:ec2/securityGroupRule:SecurityGroupRule",
                        "cluster-private-endpoint",
                    ).inputs.cidrBlocks.push("192.0.2.0/24");
                    find(records, "kubernetes:core/v1:Service", "backend-service").inputs.metadata.annotations[
                        "service.beta.kubernetes.io/aws-load-balancer-ssl-cert"
                    ] = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
                },
                expected: [
                    ["no-placeholder-values", "cluster-private-endpoint"],
                    ["no-placeholder-values", "backend-service"],
                ],
            },
            {
                what: "kube-prometheus-stack with a public Grafana, an unpinned version and the default password",
                stack: "prod",
                mutate: (records) => {
                    const release = find(records, "kubernetes:helm.sh/v3:Release", "monitoring-stack");
                    release.inputs.values.grafana.service = { type: "LoadBalancer" };
                    delete release.inputs.values.grafana.admin;
                    release.inputs.version = "88.x";
                },
                expected: [
                    ["monitoring-ui-not-public", "monitoring-stack"],
                    ["helm-chart-pinned", "monitoring-stack"],
                    ["grafana-admin-password", "monitoring-stack"],
                ],
            },
        ];

        for (const { what, stack, mutate, expected } of cases) {
            it(`${what} (${stack})`, async () => {
                const violations = await violationsOf(stack, (records) => {
                    if (stack === "prod") fillPlaceholders(records);
                    mutate(records);
                });
                assert.deepEqual(
                    violations.map((v) => [v.policy, resourceName(v.urn)]),
                    expected,
                );
                assert.deepEqual([...new Set(violations.map((v) => v.enforcementLevel))], ["mandatory"]);
            });
        }

        it("covers every rule of the pack", () => {
            const covered = new Set(cases.flatMap((c) => c.expected.map(([policy]) => policy)));
            assert.deepEqual(
                ALL_POLICIES.map((p) => p.name).filter((name) => !covered.has(name)),
                [],
            );
        });
    });
});

describe("policy: the shared placement's two layers", () => {
    const PUBLIC = { sourceRanges: ["203.0.113.0/24"] };
    for (const [stack, options, expected] of [
        // A tenant is judged as prod (an unknown name fails closed) and has nothing to find.
        ["tenant-demo", {}, []],
        ["eph-demo", {}, []],
        [
            "eph-demo",
            PUBLIC,
            [
                { policy: "backend-tls", level: "advisory", resource: "backend-service" },
                // The tests' documentation range; a reviewer's real CIDR clears it.
                { policy: "no-placeholder-values", level: "advisory", resource: "backend-service" },
            ],
        ],
    ] as const) {
        it(`finds in ${stack} ${JSON.stringify(options)} exactly ${expected.length} finding(s), none mandatory`, async () => {
            const run = await hostedRun(stack, options);
            const found = await evaluate(policiesFor(stack), structuredClone(run.resources));
            assert.deepEqual(
                found.map((v) => ({ policy: v.policy, level: v.enforcementLevel, resource: resourceName(v.urn) })),
                expected,
            );
        });
    }
});
