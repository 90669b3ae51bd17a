import * as assert from "node:assert/strict";
import {
    adminAccessEntries,
    autoscalerDiscoveryTags,
    CLUSTER_ADMIN_POLICY_ARN,
    CLUSTER_VIEW_POLICY_ARN,
    controlPlaneLogGroupName,
    nodeLaunchTemplateArgs,
    viewerAccessEntries,
    auditorAccessEntries,
    CLUSTER_ADMIN_VIEW_POLICY_ARN,
    CLUSTER_EDIT_POLICY_ARN,
    clusterAccessEntries,
    reviewAccessEntries,
} from "../components/cluster";
import * as pulumi from "@pulumi/pulumi";
import { attachPolicies, irsaTrustPolicy, policyKey, POSITION_NAMED_ATTACHMENTS } from "../components/iam";
import { configuredRun, ephemeralRun, evaluate, ofType, one, stackRun, STACKS, waitsFor } from "./helpers";

describe("cluster: pure helpers", () => {
    it("names the control-plane log group where EKS writes", () => {
        assert.equal(controlPlaneLogGroupName("scalable-backend-dev"), "/aws/eks/scalable-backend-dev/cluster");
    });

    it("grants cluster admin through access entries keyed stably by principal", () => {
        assert.deepEqual(
            adminAccessEntries([
                "arn:aws:iam::123456789012:role/platform-admins",
                "arn:aws:iam::123456789012:user/ops/alice",
            ]),
            {
                "admin-123456789012-role-platform-admins": {
                    principalArn: "arn:aws:iam::123456789012:role/platform-admins",
                    accessPolicies: {
                        admin: { policyArn: CLUSTER_ADMIN_POLICY_ARN, accessScope: { type: "cluster" } },
                    },
                },
                "admin-123456789012-user-ops-alice": {
                    principalArn: "arn:aws:iam::123456789012:user/ops/alice",
                    accessPolicies: {
                        admin: { policyArn: CLUSTER_ADMIN_POLICY_ARN, accessScope: { type: "cluster" } },
                    },
                },
            },
        );
        assert.deepEqual(adminAccessEntries([]), {});
    });

    it("grants viewers AmazonEKSViewPolicy cluster-wide through access entries shaped as the admins' are", () => {
        assert.equal(CLUSTER_VIEW_POLICY_ARN, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy");
        assert.deepEqual(
            viewerAccessEntries([
                "arn:aws:iam::123456789012:role/preview",
                "arn:aws:iam::123456789012:user/ops/auditor",
            ]),
            {
                "viewer-123456789012-role-preview": {
                    principalArn: "arn:aws:iam::123456789012:role/preview",
                    accessPolicies: {
                        viewer: { policyArn: CLUSTER_VIEW_POLICY_ARN, accessScope: { type: "cluster" } },
                    },
                },
                "viewer-123456789012-user-ops-auditor": {
                    principalArn: "arn:aws:iam::123456789012:user/ops/auditor",
                    accessPolicies: {
                        viewer: { policyArn: CLUSTER_VIEW_POLICY_ARN, accessScope: { type: "cluster" } },
                    },
                },
            },
        );
        assert.deepEqual(viewerAccessEntries([]), {});
    });

    it("grants auditors AmazonEKSAdminViewPolicy (Secrets included, no writes) cluster-wide, shaped the same way", () => {
        assert.equal(CLUSTER_ADMIN_VIEW_POLICY_ARN, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy");
        assert.deepEqual(auditorAccessEntries(["arn:aws:iam::123456789012:role/scalable-backend-github-drift"]), {
            "auditor-123456789012-role-scalable-backend-github-drift": {
                principalArn: "arn:aws:iam::123456789012:role/scalable-backend-github-drift",
                accessPolicies: {
                    auditor: { policyArn: CLUSTER_ADMIN_VIEW_POLICY_ARN, accessScope: { type: "cluster" } },
                },
            },
        });
        assert.deepEqual(auditorAccessEntries([]), {});
    });

    it("gives the review app role AmazonEKSEditPolicy on eph-* and the deployers' group, the provisioner only its group", () => {
        assert.equal(CLUSTER_EDIT_POLICY_ARN, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy");
        assert.deepEqual(reviewAccessEntries("123456789012"), {
            "review-app": {
                principalArn: "arn:aws:iam::123456789012:role/scalable-backend-github-review-app",
                kubernetesGroups: ["scalable-backend:review-deployers"],
                accessPolicies: {
                    edit: {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                        accessScope: { type: "namespace", namespaces: ["eph-*"] },
                    },
                },
            },
            "review-provisioner": {
                principalArn: "arn:aws:iam::123456789012:role/scalable-backend-github-review-tenant",
                kubernetesGroups: ["scalable-backend:review-provisioners"],
            },
        });
    });

    it("merges the access entry lists, refusing a principal listed twice (EKS allows one entry per principal)", () => {
        const review = reviewAccessEntries("123456789012");
        const viewers = viewerAccessEntries(["arn:aws:iam::123456789012:role/preview"]);
        assert.deepEqual(clusterAccessEntries(viewers, review, {}), { ...viewers, ...review });
        assert.throws(
            () =>
                clusterAccessEntries(
                    viewerAccessEntries(["arn:aws:iam::123456789012:role/scalable-backend-github-review-app"]),
                    review,
                ),
            /arn:aws:iam::123456789012:role\/scalable-backend-github-review-app has two \(viewer-123456789012-role-scalable-backend-github-review-app and review-app\); EKS allows one per principal/,
        );
        assert.throws(() => clusterAccessEntries(review, review), /has two \(review-app and review-app\)/);
    });

    it("requires IMDSv2 with hop limit 1 and an encrypted gp3 root volume", () => {
        const template = nodeLaunchTemplateArgs("general", 40, { owner: "x" });
        assert.deepEqual(template.metadataOptions, {
            httpEndpoint: "enabled",
            httpTokens: "required",
            httpPutResponseHopLimit: 1,
            instanceMetadataTags: "disabled",
        });
        assert.deepEqual(template.blockDeviceMappings, [
            {
                deviceName: "/dev/xvda",
                ebs: { volumeSize: 40, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
        ]);
        assert.equal(template.imageId, undefined, "EKS chooses the AMI from amiType");
        assert.equal(template.networkInterfaces, undefined, "no public IP association can sneak in");
    });

    it("tags node groups for Cluster Autoscaler auto-discovery", () => {
        assert.deepEqual(autoscalerDiscoveryTags("c1"), {
            "k8s.io/cluster-autoscaler/enabled": "true",
            "k8s.io/cluster-autoscaler/c1": "owned",
        });
    });

    it("keys policy attachments by policy name, so inserting a policy renames none of the others", async () => {
        assert.equal(
            policyKey("arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"),
            "AmazonEBSCSIDriverPolicy",
        );
        assert.throws(() => policyKey("arn:aws:iam::aws:policy/"), /is not a policy ARN/);
        const node = POSITION_NAMED_ATTACHMENTS.node;
        const inserted = [node[0], "arn:aws:iam::123456789012:policy/extra", ...node.slice(1)];
        const program = () => {
            const parent = new pulumi.ComponentResource("scalable-backend:test:Parent", "p");
            attachPolicies("c", "node", "role", inserted, parent);
            return {};
        };
        const run = await evaluate("dev", { program });
        const attachments = ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
        const prefix =
            "urn:pulumi:dev::scalable-backend::scalable-backend:test:Parent$aws:iam/rolePolicyAttachment:RolePolicyAttachment::";
        assert.deepEqual(
            attachments.map((a) => [a.name, a.aliases]),
            [
                ["c-node-AmazonEC2ContainerRegistryPullOnly", [`${prefix}c-node-2`]],
                ["c-node-AmazonEKS_CNI_Policy", [`${prefix}c-node-1`]],
                ["c-node-AmazonEKSWorkerNodePolicy", [`${prefix}c-node-0`]],
                ["c-node-extra", []],
            ],
        );
        // Refused before any resource, so no parent is needed to prove it.
        const noParent = undefined as unknown as pulumi.Resource;
        assert.throws(
            () =>
                attachPolicies(
                    "c",
                    "node",
                    "role",
                    [node[0], "arn:aws:iam::123456789012:policy/x/AmazonEKSWorkerNodePolicy"],
                    noParent,
                ),
            /two policies named "AmazonEKSWorkerNodePolicy"/,
        );
    });

    it("builds IRSA trust keyed on the issuer without https://, pinned to one service account and STS", () => {
        const policy = irsaTrustPolicy("arn:aws:iam::1:oidc-provider/oidc.example/id/X", "https://oidc.example/id/X", {
            namespace: "ns",
            name: "sa",
        });
        assert.deepEqual(policy.Statement, [
            {
                Effect: "Allow",
                Principal: { Federated: "arn:aws:iam::1:oidc-provider/oidc.example/id/X" },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        "oidc.example/id/X:sub": "system:serviceaccount:ns:sa",
                        "oidc.example/id/X:aud": "sts.amazonaws.com",
                    },
                },
            },
        ]);
    });
});

const EXPECTED = {
    dev: {
        logTypes: ["api", "audit", "authenticator"],
        retention: 7,
        public: true,
        cidrs: undefined,
        protect: false,
        deletionWindow: 7,
        group: {
            instanceTypes: ["t3.large", "t3a.large", "m5.large"],
            capacityType: "SPOT",
            scaling: { minSize: 1, desiredSize: 2, maxSize: 4 },
            disk: 30,
        },
        privateSubnets: 2,
        // The host of the review stacks: their roles in the stack's own account (the mock's).
        accessEntries: {
            "review-app": {
                principalArn: "arn:aws:iam::<account-id>:role/scalable-backend-github-review-app",
                kubernetesGroups: ["scalable-backend:review-deployers"],
                accessPolicies: {
                    edit: {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                        accessScope: { type: "namespace", namespaces: ["eph-*"] },
                    },
                },
            },
            "review-provisioner": {
                principalArn: "arn:aws:iam::<account-id>:role/scalable-backend-github-review-tenant",
                kubernetesGroups: ["scalable-backend:review-provisioners"],
            },
        },
    },
    prod: {
        logTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        retention: 90,
        public: true,
        cidrs: ["198.51.100.0/24"],
        protect: true,
        deletionWindow: 30,
        group: {
            instanceTypes: ["m6i.large", "m6a.large", "m5.large"],
            capacityType: "ON_DEMAND",
            scaling: { minSize: 3, desiredSize: 3, maxSize: 10 },
            disk: 50,
        },
        privateSubnets: 3,
        accessEntries: {},
    },
} as const;

for (const stack of STACKS) {
    const expected = EXPECTED[stack];
    const clusterName = `scalable-backend-${stack}`;
    const clusterUrn = `urn:pulumi:${stack}::scalable-backend::scalable-backend:cluster:Cluster`;
    const letters = ["a", "b", "c"].slice(0, expected.privateSubnets);

    describe(`cluster: ${stack} stack`, () => {
        it("creates an EKS cluster with the hardened settings from config", async () => {
            const run = await stackRun(stack);
            const cluster = one(run, "eks:index:Cluster", "cluster-eks");
            const inputs = cluster.inputs;
            assert.equal(inputs.name, clusterName);
            assert.equal(inputs.version, "1.35");
            assert.deepEqual(inputs.upgradePolicy, { supportType: "STANDARD" });
            assert.equal(inputs.authenticationMode, "API");
            assert.deepEqual(inputs.accessEntries, expected.accessEntries);
            assert.equal(inputs.skipDefaultNodeGroup, true);
            // No pulumi-eks node or cluster security group: nothing here would use them. The nodes' launch
            // template names no security group, so EKS gives them its own cluster security group.
            assert.equal(inputs.skipDefaultSecurityGroups, true);
            const template = one(run, "aws:ec2/launchTemplate:LaunchTemplate", "cluster-general").inputs;
            assert.equal(template.vpcSecurityGroupIds, undefined);
            assert.equal(template.networkInterfaces, undefined);
            assert.equal(inputs.nodeAssociatePublicIpAddress, false);
            assert.equal(inputs.createOidcProvider, true);
            assert.equal(inputs.endpointPrivateAccess, true);
            assert.equal(inputs.endpointPublicAccess, expected.public);
            assert.deepEqual(inputs.publicAccessCidrs, expected.cidrs);
            assert.deepEqual(inputs.enabledClusterLogTypes, expected.logTypes);
            assert.equal(
                inputs.encryptionConfigKeyArn,
                "arn:aws:kms:eu-west-1:<account-id>:key/<key id of cluster-secrets>",
            );
            assert.equal(inputs.vpcId, "<id of network-vpc>");
            assert.deepEqual(
                inputs.privateSubnetIds,
                letters.map((l) => `<id of network-private-${l}>`),
            );
            assert.deepEqual(
                inputs.publicSubnetIds,
                letters.map((l) => `<id of network-public-${l}>`),
            );
            assert.equal(inputs.deletionProtection, expected.protect);
            assert.equal(cluster.protect, expected.protect);
        });

        it("pins the add-ons eks.Cluster owns and enforces NetworkPolicies in the VPC CNI", async () => {
            const run = await stackRun(stack);
            const inputs = one(run, "eks:index:Cluster", "cluster-eks").inputs;
            assert.equal(inputs.useDefaultVpcCni, false);
            assert.equal(inputs.vpcCniOptions.addonVersion, "v1.23.1-eksbuild.1");
            assert.equal(inputs.vpcCniOptions.enableNetworkPolicy, true);
            assert.deepEqual(inputs.kubeProxyAddonOptions, {
                enabled: true,
                version: "v1.35.3-eksbuild.13",
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
            });
            assert.equal(inputs.corednsAddonOptions.enabled, false);
            // Never a second add-on of a name eks.Cluster already manages.
            const addonNames = ofType(run, "aws:eks/addon:Addon")
                .map((a) => a.inputs.addonName)
                .sort();
            assert.deepEqual(addonNames, ["aws-ebs-csi-driver", "coredns", "metrics-server"]);
        });

        it("hands the remote eks components the stack's tagged AWS provider", async () => {
            const run = await stackRun(stack);
            const aws = one(run, "pulumi:providers:aws", "aws");
            // Provider config travels as JSON strings.
            assert.deepEqual(JSON.parse(aws.inputs.defaultTags), {
                tags: {
                    project: "scalable-backend",
                    stack,
                    environment: stack,
                    owner: "platform-team",
                    "managed-by": "pulumi",
                },
            });
            assert.equal(aws.inputs.region, "eu-west-1");
            for (const remote of [...ofType(run, "eks:index:Cluster"), ...ofType(run, "eks:index:ManagedNodeGroup")]) {
                assert.ok(
                    remote.providers.aws?.startsWith(`${aws.urn}::`),
                    `${remote.name} must get the aws provider explicitly`,
                );
            }
            for (const resource of run.resources.filter((r) => r.custom && r.type.startsWith("aws:"))) {
                assert.ok(
                    resource.provider?.startsWith(`${aws.urn}::`),
                    `${resource.type} ${resource.name} must use the tagged provider`,
                );
            }
        });

        it("encrypts secrets with a rotating customer key and writes logs to a group created first", async () => {
            const run = await stackRun(stack);
            const key = one(run, "aws:kms/key:Key", "cluster-secrets");
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.equal(key.inputs.deletionWindowInDays, expected.deletionWindow);
            assert.equal(key.protect, expected.protect);
            const logs = one(run, "aws:cloudwatch/logGroup:LogGroup", "cluster-control-plane-logs");
            assert.equal(logs.inputs.name, `/aws/eks/${clusterName}/cluster`);
            assert.equal(logs.inputs.retentionInDays, expected.retention);
            // A fixed name: replaced by deleting first. The cluster is never replaced that way.
            assert.equal(logs.deleteBeforeReplace, true);
            const cluster = one(run, "eks:index:Cluster", "cluster-eks");
            assert.equal(cluster.deleteBeforeReplace, false);
            assert.ok(cluster.dependencies.includes(logs.urn), "the cluster waits for its log group");
            assert.deepEqual(cluster.options.dependsOn, ["cluster-control-plane-logs"]);
        });

        it("runs a managed node group on the hardened launch template, in private subnets, sized from config", async () => {
            const run = await stackRun(stack);
            const group = one(run, "eks:index:ManagedNodeGroup", "cluster-general");
            const template = one(run, "aws:ec2/launchTemplate:LaunchTemplate", "cluster-general");
            assert.equal(group.inputs.version, "1.35");
            assert.equal(group.inputs.amiType, "AL2023_x86_64_STANDARD");
            assert.deepEqual(group.inputs.instanceTypes, expected.group.instanceTypes);
            assert.equal(group.inputs.capacityType, expected.group.capacityType);
            assert.deepEqual(group.inputs.scalingConfig, expected.group.scaling);
            assert.equal(group.inputs.ignoreScalingChanges, true);
            assert.equal(group.inputs.enableIMDSv2, undefined, "the component's IMDSv2 switch uses hop limit 2");
            assert.deepEqual(
                group.inputs.subnetIds,
                letters.map((l) => `<id of network-private-${l}>`),
            );
            assert.deepEqual(group.inputs.launchTemplate, { id: "<id of cluster-general>", version: "1" });
            assert.equal(group.inputs.nodeRoleArn, `arn:aws:iam::<account-id>:role/cluster-node`);
            assert.equal(group.inputs.cluster, one(run, "eks:index:Cluster", "cluster-eks").urn);
            assert.deepEqual(group.inputs.tags, {
                "k8s.io/cluster-autoscaler/enabled": "true",
                [`k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
            });
            assert.equal(template.inputs.metadataOptions.httpPutResponseHopLimit, 1);
            assert.equal(template.inputs.metadataOptions.httpTokens, "required");
            assert.equal(template.inputs.blockDeviceMappings[0].ebs.encrypted, "true");
            assert.equal(template.inputs.blockDeviceMappings[0].ebs.volumeSize, expected.group.disk);
        });

        it("starts nodes only after the private subnets' NAT routes and the node role's policies", async () => {
            const run = await stackRun(stack);
            const group = one(run, "eks:index:ManagedNodeGroup", "cluster-general");
            for (const letter of letters) {
                assert.ok(
                    group.dependencies.includes(
                        one(run, "aws:ec2/route:Route", `network-private-${letter}-default`).urn,
                    ),
                    `route ${letter}`,
                );
            }
            for (const attachment of ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) =>
                a.name.startsWith("cluster-node-"),
            )) {
                assert.ok(group.dependencies.includes(attachment.urn), attachment.name);
            }
            const attachments = ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) =>
                a.name.startsWith("cluster-node-"),
            );
            // Keyed by policy, each with the alias of the position-named attachment it was.
            assert.deepEqual(
                attachments.map((a) => [a.name, a.inputs.policyArn, a.aliases]),
                [
                    [
                        "cluster-node-AmazonEC2ContainerRegistryPullOnly",
                        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
                        [`${clusterUrn}$aws:iam/rolePolicyAttachment:RolePolicyAttachment::cluster-node-2`],
                    ],
                    [
                        "cluster-node-AmazonEKS_CNI_Policy",
                        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
                        [`${clusterUrn}$aws:iam/rolePolicyAttachment:RolePolicyAttachment::cluster-node-1`],
                    ],
                    [
                        "cluster-node-AmazonEKSWorkerNodePolicy",
                        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                        [`${clusterUrn}$aws:iam/rolePolicyAttachment:RolePolicyAttachment::cluster-node-0`],
                    ],
                ],
            );
            assert.deepEqual(
                JSON.parse(one(run, "aws:iam/role:Role", "cluster-node").inputs.assumeRolePolicy).Statement[0]
                    .Principal,
                { Service: "ec2.amazonaws.com" },
            );
        });

        it("installs coredns, the EBS CSI driver and metrics-server, pinned, after the nodes", async () => {
            const run = await stackRun(stack);
            const group = one(run, "eks:index:ManagedNodeGroup", "cluster-general");
            const versions: Record<string, string> = {
                coredns: "v1.14.2-eksbuild.4",
                "aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
                "metrics-server": "v0.9.0-eksbuild.11",
            };
            for (const [addonName, version] of Object.entries(versions)) {
                const addon = one(run, "aws:eks/addon:Addon", `cluster-${addonName}`);
                assert.equal(addon.inputs.addonName, addonName);
                assert.equal(addon.inputs.addonVersion, version);
                assert.equal(addon.inputs.clusterName, clusterName);
                assert.equal(addon.inputs.resolveConflictsOnCreate, "OVERWRITE");
                assert.ok(addon.dependencies.includes(group.urn), `${addonName} waits for the node group`);
            }
            assert.equal(
                one(run, "aws:eks/addon:Addon", "cluster-aws-ebs-csi-driver").inputs.serviceAccountRoleArn,
                "arn:aws:iam::<account-id>:role/cluster-ebs-csi-role",
            );
            assert.equal(one(run, "aws:eks/addon:Addon", "cluster-coredns").inputs.serviceAccountRoleArn, undefined);
        });

        it("gives the EBS CSI controller its own IRSA role, scoped to its service account", async () => {
            const run = await stackRun(stack);
            const role = one(run, "aws:iam/role:Role", "cluster-ebs-csi-role");
            const issuer = `oidc.eks.eu-west-1.amazonaws.com/id/<oidc-id of ${clusterName}>`;
            assert.deepEqual(
                JSON.parse(role.inputs.assumeRolePolicy),
                irsaTrustPolicy(`arn:aws:iam::<account-id>:oidc-provider/${issuer}`, issuer, {
                    namespace: "kube-system",
                    name: "ebs-csi-controller-sa",
                }),
            );
            const attachment = one(
                run,
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                "cluster-ebs-csi-managed-AmazonEBSCSIDriverPolicy",
            );
            assert.equal(attachment.inputs.policyArn, "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
            assert.deepEqual(attachment.aliases, [
                `urn:pulumi:${stack}::scalable-backend::scalable-backend:iam:IrsaRole$aws:iam/rolePolicyAttachment:RolePolicyAttachment::cluster-ebs-csi-managed-0`,
            ]);
            // The add-on gets the role ARN only once the policy is attached.
            const addon = one(run, "aws:eks/addon:Addon", "cluster-aws-ebs-csi-driver");
            assert.ok(addon.propertyDependencies.serviceAccountRoleArn.includes(attachment.urn));
        });

        it("makes an encrypted gp3 StorageClass the default, after the EBS CSI add-on, on the cluster's provider", async () => {
            const run = await stackRun(stack);
            const storageClass = one(run, "kubernetes:storage.k8s.io/v1:StorageClass", "cluster-gp3");
            const provider = one(run, "pulumi:providers:kubernetes", "cluster-k8s");
            assert.deepEqual(storageClass.inputs.metadata, {
                name: "gp3",
                annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
            });
            assert.equal(storageClass.inputs.provisioner, "ebs.csi.aws.com");
            assert.deepEqual(storageClass.inputs.parameters, {
                type: "gp3",
                encrypted: "true",
                "csi.storage.k8s.io/fstype": "ext4",
            });
            assert.equal(storageClass.inputs.volumeBindingMode, "WaitForFirstConsumer");
            assert.equal(storageClass.inputs.allowVolumeExpansion, true);
            assert.ok(storageClass.provider?.startsWith(`${provider.urn}::`));
            assert.ok(
                storageClass.dependencies.includes(one(run, "aws:eks/addon:Addon", "cluster-aws-ebs-csi-driver").urn),
            );
            assert.ok(
                waitsFor(run, storageClass, one(run, "eks:index:ManagedNodeGroup", "cluster-general")),
                "through the add-on, after the nodes",
            );
        });

        it("opens the private API endpoint to the VPC (deploy runners inside it) and nothing else by default", async () => {
            const run = await stackRun(stack);
            const rule = one(run, "aws:ec2/securityGroupRule:SecurityGroupRule", "cluster-private-endpoint");
            assert.equal(rule.inputs.type, "ingress");
            assert.equal(rule.inputs.protocol, "tcp");
            assert.deepEqual([rule.inputs.fromPort, rule.inputs.toPort], [443, 443]);
            assert.deepEqual(rule.inputs.cidrBlocks, [stack === "dev" ? "10.10.0.0/16" : "10.20.0.0/16"]);
            assert.equal(rule.inputs.securityGroupId, `<cluster security group of ${clusterName}>`);
        });

        it("builds the one Kubernetes provider from the cluster's kubeconfig, kept secret", async () => {
            const run = await stackRun(stack);
            const provider = one(run, "pulumi:providers:kubernetes", "cluster-k8s");
            assert.deepEqual(provider.secretInputs, ["kubeconfig"]);
            assert.equal(JSON.parse(provider.inputs.kubeconfig).users[0].user.exec.args.includes(clusterName), true);
            assert.ok(provider.dependencies.includes(one(run, "eks:index:Cluster", "cluster-eks").urn));
        });

        it("identifies the cluster to the Kubernetes provider by its name, known at every preview", async () => {
            const provider = one(await stackRun(stack), "pulumi:providers:kubernetes", "cluster-k8s");
            assert.equal(provider.inputs.clusterIdentifier, clusterName);
            // From config, not an output: an unknown identifier would plan the replacement it exists to prevent.
            assert.deepEqual(provider.propertyDependencies.clusterIdentifier, []);
        });
    });
}

describe("cluster: configured access", () => {
    it("grants the configured admins, viewers and auditors access entries and opens the private endpoint to the configured networks", async () => {
        const run = await configuredRun("prod");
        // No type: EKS's default, STANDARD, for both.
        assert.deepEqual(one(run, "eks:index:Cluster", "cluster-eks").inputs.accessEntries, {
            "admin-123456789012-role-platform-admins": {
                principalArn: "arn:aws:iam::123456789012:role/platform-admins",
                accessPolicies: { admin: { policyArn: CLUSTER_ADMIN_POLICY_ARN, accessScope: { type: "cluster" } } },
            },
            "viewer-123456789012-role-preview": {
                principalArn: "arn:aws:iam::123456789012:role/preview",
                accessPolicies: {
                    viewer: {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                        accessScope: { type: "cluster" },
                    },
                },
            },
            "viewer-123456789012-user-ops-auditor": {
                principalArn: "arn:aws:iam::123456789012:user/ops/auditor",
                accessPolicies: {
                    viewer: {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                        accessScope: { type: "cluster" },
                    },
                },
            },
            "auditor-123456789012-role-drift": {
                principalArn: "arn:aws:iam::123456789012:role/drift",
                accessPolicies: {
                    auditor: {
                        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy",
                        accessScope: { type: "cluster" },
                    },
                },
            },
        });
        assert.deepEqual(
            one(run, "aws:ec2/securityGroupRule:SecurityGroupRule", "cluster-private-endpoint").inputs.cidrBlocks,
            ["10.20.0.0/16", "172.16.8.0/22"],
        );
    });

    it("gives a cluster-placement eph-* stack no review access entries: only dev hosts review stacks", async () => {
        assert.deepEqual(one(await ephemeralRun(), "eks:index:Cluster", "cluster-eks").inputs.accessEntries, {});
    });

    it("turns the public endpoint off once the API is reached through a connected network", async () => {
        const run = await configuredRun("prod");
        const inputs = one(run, "eks:index:Cluster", "cluster-eks").inputs;
        assert.equal(inputs.endpointPublicAccess, false);
        assert.equal(inputs.publicAccessCidrs, undefined);
        assert.equal(inputs.endpointPrivateAccess, true);
    });
});
