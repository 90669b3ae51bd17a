// Cluster rules of the policy pack, each called the way the policy SDK calls it: a passing and a
// failing resource, for both shapes a cluster takes (the eks:index:Cluster component's inputs and
// the aws:eks/cluster:Cluster child a real run adds).
import * as assert from "node:assert/strict";
import { nodeLaunchTemplateArgs } from "../components/cluster";
import {
    ebsEncryption,
    eksAuthenticationMode,
    eksControlPlaneLogs,
    eksControlPlaneLogsComplete,
    eksNodeSubnetsPrivate,
    eksNodesNoPublicIp,
    eksPrivateEndpoint,
    eksPublicEndpointRestricted,
    eksSecretsEncryption,
    eksSecretsKeyManaged,
    kmsKeyRotation,
    nodeImdsv2,
    readOrUnknown,
    UNKNOWN,
} from "../policy/rules";
import { checkResource, checkStack, StackResourceInput } from "../testing/policy";

// The SDK's own proxy (internal, untyped): it throws on unknown values as during a preview.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkProxy: { unknownCheckingProxy<T>(value: T): T; unknownStringValue: string } = require("@pulumi/policy/proxy");

const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd";
const COMPONENT = "eks:index:Cluster";
const AWS_CLUSTER = "aws:eks/cluster:Cluster";

/** A compliant eks:index:Cluster, as components/cluster.ts registers it for prod. */
const component = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: "scalable-backend-prod",
    encryptionConfigKeyArn: KEY_ARN,
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    endpointPrivateAccess: true,
    endpointPublicAccess: false,
    authenticationMode: "API",
    nodeAssociatePublicIpAddress: false,
    ...overrides,
});

/** The same cluster as the aws.eks.Cluster the component creates. */
const awsCluster = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: "scalable-backend-prod",
    encryptionConfig: { resources: ["secrets"], provider: { keyArn: KEY_ARN } },
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false, subnetIds: ["subnet-1"] },
    accessConfig: { authenticationMode: "API" },
    ...overrides,
});

describe("policy: cluster rules", () => {
    describe("eks-secrets-encryption", () => {
        it("passes a cluster whose Secrets are encrypted with a KMS key, in both shapes", async () => {
            assert.deepEqual(await checkResource(eksSecretsEncryption, { type: COMPONENT, props: component() }), []);
            assert.deepEqual(await checkResource(eksSecretsEncryption, { type: AWS_CLUSTER, props: awsCluster() }), []);
        });

        it("fails a component without encryptionConfigKeyArn", async () => {
            assert.deepEqual(
                await checkResource(eksSecretsEncryption, {
                    type: COMPONENT,
                    props: component({ encryptionConfigKeyArn: undefined }),
                }),
                [
                    "Kubernetes Secrets are not envelope-encrypted: set encryptionConfigKeyArn to the ARN of an aws.kms.Key with enableKeyRotation: true.",
                ],
            );
        });

        it("fails an aws.eks.Cluster whose encryption does not cover secrets", async () => {
            const props = awsCluster({ encryptionConfig: { resources: [], provider: { keyArn: KEY_ARN } } });
            assert.deepEqual(await checkResource(eksSecretsEncryption, { type: AWS_CLUSTER, props }), [
                'Kubernetes Secrets are not envelope-encrypted: set encryptionConfig { resources: ["secrets"], provider: { keyArn } } to the ARN of an aws.kms.Key with enableKeyRotation: true.',
            ]);
        });

        it("reads the older list form of encryptionConfig", async () => {
            const props = awsCluster({ encryptionConfig: [{ resources: ["secrets"], provider: { keyArn: KEY_ARN } }] });
            assert.deepEqual(await checkResource(eksSecretsEncryption, { type: AWS_CLUSTER, props }), []);
        });

        it("leaves a component registered without inputs to its aws:eks/cluster:Cluster (not applicable)", async () => {
            assert.deepEqual(await checkResource(eksSecretsEncryption, { type: COMPONENT, props: {} }), []);
        });
    });

    describe("kms-key-rotation", () => {
        it("passes a rotating key", async () => {
            assert.deepEqual(
                await checkResource(kmsKeyRotation, { type: "aws:kms/key:Key", props: { enableKeyRotation: true } }),
                [],
            );
        });

        it("fails a symmetric key without rotation", async () => {
            assert.deepEqual(
                await checkResource(kmsKeyRotation, { type: "aws:kms/key:Key", props: { description: "secrets" } }),
                [
                    "The KMS key does not rotate: set enableKeyRotation: true (AWS then rotates its key material yearly, old data stays readable).",
                ],
            );
        });

        it("does not ask asymmetric or HMAC keys to rotate (AWS cannot)", async () => {
            assert.deepEqual(
                await checkResource(kmsKeyRotation, {
                    type: "aws:kms/key:Key",
                    props: { keySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" },
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(kmsKeyRotation, {
                    type: "aws:kms/key:Key",
                    props: { customerMasterKeySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC" },
                }),
                [],
            );
        });
    });

    describe("eks-secrets-key-managed", () => {
        const key: StackResourceInput = {
            type: "aws:kms/key:Key",
            name: "cluster-secrets",
            urn: "urn:key",
            props: { enableKeyRotation: true, arn: KEY_ARN },
        };

        it("passes a component whose key ARN comes from a KMS key of the stack", async () => {
            const cluster: StackResourceInput = {
                type: COMPONENT,
                urn: "urn:cluster",
                props: {},
                propertyDependencies: { encryptionConfigKeyArn: ["urn:key"] },
            };
            assert.deepEqual(await checkStack(eksSecretsKeyManaged, [key, cluster]), []);
        });

        it("passes an aws.eks.Cluster whose key ARN is a key of the stack (matched by ARN)", async () => {
            assert.deepEqual(
                await checkStack(eksSecretsKeyManaged, [key, { type: AWS_CLUSTER, props: awsCluster() }]),
                [],
            );
        });

        it("fails a cluster encrypted with a key from outside the stack, blaming the cluster", async () => {
            const foreign = "arn:aws:kms:eu-west-1:111122223333:key/elsewhere";
            const cluster: StackResourceInput = {
                type: AWS_CLUSTER,
                urn: "urn:aws-cluster",
                props: awsCluster({ encryptionConfig: { resources: ["secrets"], provider: { keyArn: foreign } } }),
            };
            assert.deepEqual(await checkStack(eksSecretsKeyManaged, [key, cluster]), [
                {
                    message: `The cluster's Secrets key ${foreign} is not a KMS key of this stack, so nothing checks that it rotates: create it here as aws.kms.Key with enableKeyRotation: true and pass its arn.`,
                    urn: "urn:aws-cluster",
                },
            ]);
        });

        it("checks the aws.eks.Cluster, not the component, when a real run shows both", async () => {
            const component: StackResourceInput = {
                type: COMPONENT,
                props: { encryptionConfigKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/elsewhere" },
            };
            assert.deepEqual(
                await checkStack(eksSecretsKeyManaged, [key, component, { type: AWS_CLUSTER, props: awsCluster() }]),
                [],
            );
        });

        it("leaves a cluster without a key to eks-secrets-encryption", async () => {
            assert.deepEqual(
                await checkStack(eksSecretsKeyManaged, [
                    key,
                    { type: AWS_CLUSTER, props: awsCluster({ encryptionConfig: undefined }) },
                ]),
                [],
            );
        });

        it("does not judge while the key ARNs are unknown (preview)", async () => {
            const unknownKey = { ...key, props: sdkProxy.unknownCheckingProxy({ arn: sdkProxy.unknownStringValue }) };
            const unknownCluster = {
                type: AWS_CLUSTER,
                props: sdkProxy.unknownCheckingProxy({
                    encryptionConfig: { resources: ["secrets"], provider: { keyArn: sdkProxy.unknownStringValue } },
                }),
            };
            assert.deepEqual(await checkStack(eksSecretsKeyManaged, [key, unknownCluster]), []);
            assert.deepEqual(
                await checkStack(eksSecretsKeyManaged, [unknownKey, { type: AWS_CLUSTER, props: awsCluster() }]),
                [],
            );
        });
    });

    describe("readOrUnknown", () => {
        it("returns the value, UNKNOWN for the SDK's unknown values, and rethrows anything else", () => {
            const props = sdkProxy.unknownCheckingProxy({ known: 1, unknown: sdkProxy.unknownStringValue });
            assert.equal(
                readOrUnknown(() => props.known),
                1,
            );
            assert.equal(
                readOrUnknown(() => props.unknown),
                UNKNOWN,
            );
            assert.throws(
                () =>
                    readOrUnknown(() => {
                        throw new TypeError("boom");
                    }),
                /^TypeError: boom$/,
            );
        });
    });

    describe("eks-control-plane-logs", () => {
        it("passes api and audit (the ephemeral profile's logs)", async () => {
            assert.deepEqual(
                await checkResource(eksControlPlaneLogs, {
                    type: COMPONENT,
                    props: component({ enabledClusterLogTypes: ["api", "audit"] }),
                }),
                [],
            );
        });

        it("fails a cluster without audit logs, and one without any", async () => {
            assert.deepEqual(
                await checkResource(eksControlPlaneLogs, {
                    type: AWS_CLUSTER,
                    props: awsCluster({ enabledClusterLogTypes: ["api", "authenticator"] }),
                }),
                [
                    "Control-plane logs audit are off, so calls to the Kubernetes API leave no trace: add them to enabledClusterLogTypes (clusterLogTypes in the stack config).",
                ],
            );
            assert.deepEqual(
                await checkResource(eksControlPlaneLogs, {
                    type: COMPONENT,
                    props: component({ enabledClusterLogTypes: undefined }),
                }),
                [
                    "Control-plane logs api, audit are off, so calls to the Kubernetes API leave no trace: add them to enabledClusterLogTypes (clusterLogTypes in the stack config).",
                ],
            );
        });
    });

    describe("eks-control-plane-logs-complete", () => {
        it("passes all five log types", async () => {
            assert.deepEqual(
                await checkResource(eksControlPlaneLogsComplete, { type: COMPONENT, props: component() }),
                [],
            );
        });

        it("fails dev's three", async () => {
            assert.deepEqual(
                await checkResource(eksControlPlaneLogsComplete, {
                    type: COMPONENT,
                    props: component({ enabledClusterLogTypes: ["api", "audit", "authenticator"] }),
                }),
                [
                    "Control-plane logs controllerManager, scheduler are off: enable all five log types (clusterLogTypes in the stack config).",
                ],
            );
        });
    });

    describe("eks-private-endpoint", () => {
        it("passes a private endpoint, in both shapes", async () => {
            assert.deepEqual(await checkResource(eksPrivateEndpoint, { type: COMPONENT, props: component() }), []);
            assert.deepEqual(await checkResource(eksPrivateEndpoint, { type: AWS_CLUSTER, props: awsCluster() }), []);
        });

        it("fails EKS's default (private endpoint off), in both shapes", async () => {
            assert.deepEqual(
                await checkResource(eksPrivateEndpoint, {
                    type: COMPONENT,
                    props: component({ endpointPrivateAccess: undefined }),
                }),
                [
                    "The private API endpoint is off (EKS's default), so nodes reach the API over the internet: set endpointPrivateAccess: true.",
                ],
            );
            assert.deepEqual(
                await checkResource(eksPrivateEndpoint, {
                    type: AWS_CLUSTER,
                    props: awsCluster({ vpcConfig: { subnetIds: ["subnet-1"] } }),
                }),
                [
                    "The private API endpoint is off (EKS's default), so nodes reach the API over the internet: set vpcConfig.endpointPrivateAccess: true.",
                ],
            );
        });
    });

    describe("eks-public-endpoint-restricted", () => {
        it("passes no public endpoint, or one restricted to CIDRs", async () => {
            assert.deepEqual(
                await checkResource(eksPublicEndpointRestricted, { type: COMPONENT, props: component() }),
                [],
            );
            const restricted = component({ endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24"] });
            assert.deepEqual(
                await checkResource(eksPublicEndpointRestricted, { type: COMPONENT, props: restricted }),
                [],
            );
        });

        it("fails a public endpoint without CIDRs (EKS opens it to everyone)", async () => {
            assert.deepEqual(
                await checkResource(eksPublicEndpointRestricted, {
                    type: COMPONENT,
                    props: component({ endpointPublicAccess: true }),
                }),
                [
                    "The public API endpoint is open to the whole internet (no publicAccessCidrs): set endpointPublicAccess: false and deploy from inside the VPC, or list your egress CIDRs in publicAccessCidrs.",
                ],
            );
        });

        it("fails 0.0.0.0/0 among the CIDRs, and the aws.eks.Cluster default (public on)", async () => {
            const open = awsCluster({
                vpcConfig: {
                    endpointPrivateAccess: true,
                    endpointPublicAccess: true,
                    publicAccessCidrs: ["198.51.100.0/24", "0.0.0.0/0"],
                },
            });
            assert.deepEqual(await checkResource(eksPublicEndpointRestricted, { type: AWS_CLUSTER, props: open }), [
                "The public API endpoint is open to 0.0.0.0/0: set endpointPublicAccess: false and deploy from inside the VPC, or list your egress CIDRs in publicAccessCidrs.",
            ]);
            assert.deepEqual(
                await checkResource(eksPublicEndpointRestricted, {
                    type: AWS_CLUSTER,
                    props: awsCluster({ vpcConfig: undefined }),
                }),
                [
                    "The public API endpoint is open to the whole internet (no publicAccessCidrs): set endpointPublicAccess: false and deploy from inside the VPC, or list your egress CIDRs in publicAccessCidrs.",
                ],
            );
        });
    });

    describe("eks-authentication-mode", () => {
        it("passes API, in both shapes", async () => {
            assert.deepEqual(await checkResource(eksAuthenticationMode, { type: COMPONENT, props: component() }), []);
            assert.deepEqual(
                await checkResource(eksAuthenticationMode, { type: AWS_CLUSTER, props: awsCluster() }),
                [],
            );
        });

        it("fails the ConfigMap modes and an unset mode", async () => {
            assert.deepEqual(
                await checkResource(eksAuthenticationMode, {
                    type: COMPONENT,
                    props: component({ authenticationMode: "API_AND_CONFIG_MAP" }),
                }),
                [
                    'The authentication mode is API_AND_CONFIG_MAP: set authenticationMode: "API" and grant access with access entries.',
                ],
            );
            assert.deepEqual(
                await checkResource(eksAuthenticationMode, {
                    type: AWS_CLUSTER,
                    props: awsCluster({ accessConfig: undefined }),
                }),
                [
                    'The authentication mode is unset (EKS then reads the aws-auth ConfigMap): set accessConfig.authenticationMode: "API" and grant access with access entries.',
                ],
            );
        });
    });

    describe("eks-nodes-no-public-ip", () => {
        it("passes the cluster, launch template and subnets the program builds", async () => {
            assert.deepEqual(await checkResource(eksNodesNoPublicIp, { type: COMPONENT, props: component() }), []);
            assert.deepEqual(
                await checkResource(eksNodesNoPublicIp, {
                    type: "aws:ec2/launchTemplate:LaunchTemplate",
                    props: nodeLaunchTemplateArgs("general", 50, {}),
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(eksNodesNoPublicIp, {
                    type: "aws:ec2/subnet:Subnet",
                    props: { mapPublicIpOnLaunch: false },
                }),
                [],
            );
        });

        it("fails a cluster that leaves @pulumi/eks's default (public IPs)", async () => {
            assert.deepEqual(
                await checkResource(eksNodesNoPublicIp, {
                    type: COMPONENT,
                    props: component({ nodeAssociatePublicIpAddress: undefined }),
                }),
                ["Nodes may get public IPs: set nodeAssociatePublicIpAddress: false."],
            );
        });

        it("fails a launch template with a public network interface and a subnet that maps public IPs", async () => {
            const template = {
                networkInterfaces: [{ deviceIndex: 0 }, { deviceIndex: 1, associatePublicIpAddress: "true" }],
            };
            assert.deepEqual(
                await checkResource(eksNodesNoPublicIp, {
                    type: "aws:ec2/launchTemplate:LaunchTemplate",
                    props: template,
                }),
                [
                    'networkInterfaces[1].associatePublicIpAddress is true: remove it (or set "false"); nodes reach the internet through NAT.',
                ],
            );
            assert.deepEqual(
                await checkResource(eksNodesNoPublicIp, {
                    type: "aws:ec2/subnet:Subnet",
                    props: { mapPublicIpOnLaunch: true },
                }),
                [
                    "The subnet gives every instance a public IP on launch: set mapPublicIpOnLaunch: false (load balancers and NAT gateways get their own addresses).",
                ],
            );
        });
    });

    describe("eks-node-subnets-private", () => {
        /** A VPC slice as components/network.ts builds it: a public subnet (IGW route) and a private one (NAT route). */
        const network = (publicTags: Record<string, string> = {}): StackResourceInput[] => [
            { type: "aws:ec2/internetGateway:InternetGateway", urn: "urn:igw", props: {} },
            { type: "aws:ec2/natGateway:NatGateway", urn: "urn:nat", props: {} },
            {
                type: "aws:ec2/subnet:Subnet",
                name: "public-a",
                urn: "urn:public-a",
                props: { mapPublicIpOnLaunch: false, tags: publicTags },
            },
            {
                type: "aws:ec2/subnet:Subnet",
                name: "private-a",
                urn: "urn:private-a",
                props: { mapPublicIpOnLaunch: false, tags: { "kubernetes.io/role/internal-elb": "1" } },
            },
            { type: "aws:ec2/routeTable:RouteTable", name: "public-rt", urn: "urn:public-rt", props: {} },
            { type: "aws:ec2/routeTable:RouteTable", name: "private-rt", urn: "urn:private-rt", props: {} },
            {
                type: "aws:ec2/routeTableAssociation:RouteTableAssociation",
                props: {},
                propertyDependencies: { subnetId: ["urn:public-a"], routeTableId: ["urn:public-rt"] },
            },
            {
                type: "aws:ec2/routeTableAssociation:RouteTableAssociation",
                props: {},
                propertyDependencies: { subnetId: ["urn:private-a"], routeTableId: ["urn:private-rt"] },
            },
            {
                type: "aws:ec2/route:Route",
                props: {},
                propertyDependencies: { routeTableId: ["urn:public-rt"], gatewayId: ["urn:igw"] },
            },
            {
                type: "aws:ec2/route:Route",
                props: {},
                propertyDependencies: { routeTableId: ["urn:private-rt"], natGatewayId: ["urn:nat"] },
            },
        ];
        const group = (subnet: string): StackResourceInput => ({
            type: "eks:index:ManagedNodeGroup",
            name: "general",
            urn: "urn:group",
            props: {},
            propertyDependencies: { subnetIds: [subnet] },
        });

        it("passes a node group in private subnets", async () => {
            assert.deepEqual(await checkStack(eksNodeSubnetsPrivate, [...network(), group("urn:private-a")]), []);
        });

        it("fails a node group in a subnet routed to the internet gateway", async () => {
            assert.deepEqual(await checkStack(eksNodeSubnetsPrivate, [...network(), group("urn:public-a")]), [
                {
                    message:
                        "Node group general runs in subnet public-a, which is public (its route table public-rt routes to an internet gateway): give it the private subnets, which egress through NAT.",
                    urn: "urn:group",
                },
            ]);
        });

        it("fails a node group in the load balancers' subnet, or one that maps public IPs", async () => {
            const elb = [
                ...network({ "kubernetes.io/role/elb": "1" }),
                { ...group("urn:public-a"), type: "aws:eks/nodeGroup:NodeGroup" },
            ];
            assert.deepEqual(await checkStack(eksNodeSubnetsPrivate, elb), [
                {
                    message:
                        "Node group general runs in subnet public-a, which is public (it is tagged kubernetes.io/role/elb for internet-facing load balancers): give it the private subnets, which egress through NAT.",
                    urn: "urn:group",
                },
            ]);
            const mapping: StackResourceInput[] = [
                { type: "aws:ec2/subnet:Subnet", name: "s", urn: "urn:s", props: { mapPublicIpOnLaunch: true } },
                group("urn:s"),
            ];
            assert.deepEqual(await checkStack(eksNodeSubnetsPrivate, mapping), [
                {
                    message:
                        "Node group general runs in subnet s, which is public (it assigns public IPs on launch): give it the private subnets, which egress through NAT.",
                    urn: "urn:group",
                },
            ]);
        });

        it("also finds an internet gateway route declared inline on the route table", async () => {
            const inline: StackResourceInput[] = [
                { type: "aws:ec2/internetGateway:InternetGateway", urn: "urn:igw", props: {} },
                { type: "aws:ec2/subnet:Subnet", name: "s", urn: "urn:s", props: {} },
                {
                    type: "aws:ec2/routeTable:RouteTable",
                    name: "rt",
                    urn: "urn:rt",
                    props: {},
                    propertyDependencies: { routes: ["urn:igw"] },
                },
                {
                    type: "aws:ec2/routeTableAssociation:RouteTableAssociation",
                    props: {},
                    propertyDependencies: { subnetId: ["urn:s"], routeTableId: ["urn:rt"] },
                },
                {
                    ...group("urn:s"),
                    type: "eks:index:NodeGroupV2",
                    propertyDependencies: { nodeSubnetIds: ["urn:s"] },
                },
            ];
            assert.deepEqual(await checkStack(eksNodeSubnetsPrivate, inline), [
                {
                    message:
                        "Node group general runs in subnet s, which is public (its route table rt routes to an internet gateway): give it the private subnets, which egress through NAT.",
                    urn: "urn:group",
                },
            ]);
        });
    });

    describe("node-imdsv2", () => {
        it("passes the program's launch template and a node group that uses it", async () => {
            assert.deepEqual(
                await checkResource(nodeImdsv2, {
                    type: "aws:ec2/launchTemplate:LaunchTemplate",
                    props: nodeLaunchTemplateArgs("general", 50, {}),
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(nodeImdsv2, {
                    type: "eks:index:ManagedNodeGroup",
                    props: { launchTemplate: { id: "lt-1", version: "1" } },
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(nodeImdsv2, {
                    type: "aws:ec2/launchTemplate:LaunchTemplate",
                    props: { metadataOptions: { httpEndpoint: "disabled" } },
                }),
                [],
            );
        });

        it("fails IMDSv1 and a hop limit that lets pods through", async () => {
            const template = {
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "optional", httpPutResponseHopLimit: 2 },
            };
            assert.deepEqual(
                await checkResource(nodeImdsv2, { type: "aws:ec2/launchTemplate:LaunchTemplate", props: template }),
                [
                    'Instance metadata is not locked down (httpTokens is optional, httpPutResponseHopLimit is 2): set metadataOptions { httpTokens: "required", httpPutResponseHopLimit: 1 }.',
                ],
            );
            assert.deepEqual(
                await checkResource(nodeImdsv2, { type: "aws:ec2/launchTemplate:LaunchTemplate", props: {} }),
                [
                    'Instance metadata is not locked down (httpTokens is unset (IMDSv1 allowed), httpPutResponseHopLimit is unset): set metadataOptions { httpTokens: "required", httpPutResponseHopLimit: 1 }.',
                ],
            );
        });

        it("fails a node group on EKS's default launch template", async () => {
            assert.deepEqual(
                await checkResource(nodeImdsv2, { type: "aws:eks/nodeGroup:NodeGroup", props: { diskSize: 20 } }),
                [
                    "The node group uses EKS's default launch template (IMDS reachable from pods, hop limit 2): give it a launch template with metadataOptions httpTokens required and httpPutResponseHopLimit 1.",
                ],
            );
        });
    });

    describe("ebs-encryption", () => {
        it("passes the program's launch template and an encrypted gp3 StorageClass", async () => {
            assert.deepEqual(
                await checkResource(ebsEncryption, {
                    type: "aws:ec2/launchTemplate:LaunchTemplate",
                    props: nodeLaunchTemplateArgs("general", 50, {}),
                }),
                [],
            );
            const storageClass = {
                metadata: { name: "gp3" },
                provisioner: "ebs.csi.aws.com",
                parameters: { type: "gp3", encrypted: "true" },
            };
            assert.deepEqual(
                await checkResource(ebsEncryption, {
                    type: "kubernetes:storage.k8s.io/v1:StorageClass",
                    props: storageClass,
                }),
                [],
            );
            const efs = { metadata: { name: "efs" }, provisioner: "efs.csi.aws.com" };
            assert.deepEqual(
                await checkResource(ebsEncryption, { type: "kubernetes:storage.k8s.io/v1:StorageClass", props: efs }),
                [],
            );
        });

        it("fails an unencrypted volume, a template without volumes and an unencrypted EBS StorageClass", async () => {
            const template = {
                blockDeviceMappings: [
                    { deviceName: "/dev/xvda", ebs: { volumeSize: 50, encrypted: "false" } },
                    { deviceName: "/dev/sdb", noDevice: "" },
                ],
            };
            assert.deepEqual(
                await checkResource(ebsEncryption, { type: "aws:ec2/launchTemplate:LaunchTemplate", props: template }),
                ['Volume /dev/xvda is not encrypted: set ebs.encrypted: "true".'],
            );
            assert.deepEqual(
                await checkResource(ebsEncryption, { type: "aws:ec2/launchTemplate:LaunchTemplate", props: {} }),
                [
                    'The launch template declares no EBS volume, so the root volume is encrypted only if the account encrypts by default: declare the root device (/dev/xvda) with ebs.encrypted: "true".',
                ],
            );
            const storageClass = {
                metadata: { name: "gp2" },
                provisioner: "kubernetes.io/aws-ebs",
                parameters: { type: "gp2" },
            };
            assert.deepEqual(
                await checkResource(ebsEncryption, {
                    type: "kubernetes:storage.k8s.io/v1:StorageClass",
                    props: storageClass,
                }),
                ['The EBS StorageClass gp2 creates unencrypted volumes: set parameters.encrypted: "true".'],
            );
        });
    });
});
