// The EKS cluster and everything that makes it usable: encryption key, control-plane logs,
// managed node groups on a hardened launch template, the EKS add-ons, a default gp3
// StorageClass, and the one Kubernetes provider every workload uses.
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    REVIEW_APP_ROLE_NAME,
    REVIEW_DEPLOYERS_GROUP,
    REVIEW_NAMESPACE_SCOPE,
    REVIEW_PROVISIONER_ROLE_NAME,
    REVIEW_PROVISIONERS_GROUP,
    roleArnOf,
} from "../lib/bootstrap-naming";
import { attachPolicies, IrsaRole, serviceTrustPolicy } from "./iam";

export const CLUSTER_ADMIN_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
export const CLUSTER_VIEW_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
/** Reads every resource, Secrets included, and writes nothing: what a refresh needs (drift detection). */
export const CLUSTER_ADMIN_VIEW_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy";
/** Kubernetes' `edit`, about: workloads, Services, ConfigMaps, Secrets; no Roles, RoleBindings, quotas or limits. */
export const CLUSTER_EDIT_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy";
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" } as const;
const AWS_POLICY = "arn:aws:iam::aws:policy";
export const NODE_ROLE_POLICY_ARNS: readonly string[] = [
    `${AWS_POLICY}/AmazonEKSWorkerNodePolicy`,
    `${AWS_POLICY}/AmazonEKS_CNI_Policy`,
    `${AWS_POLICY}/AmazonEC2ContainerRegistryPullOnly`,
];
/** The default StorageClass this cluster creates (encrypted gp3). */
export const STORAGE_CLASS_NAME = "gp3";
export const EBS_CSI_POLICY_ARN = `${AWS_POLICY}/service-role/AmazonEBSCSIDriverPolicy`;
/** What pulumi-eks attaches to the service role it makes itself (without EKS Auto Mode). */
export const CLUSTER_ROLE_POLICY_ARNS: readonly string[] = [`${AWS_POLICY}/AmazonEKSClusterPolicy`];
/** Tag keys on every volume the EBS CSI driver creates: a teardown check lists what a stack left behind by them. */
export const EBS_VOLUME_TAG_CLUSTER = "scalable-backend/cluster";
export const EBS_VOLUME_TAG_STACK = "scalable-backend/stack";

/**
 * The aws-ebs-csi-driver add-on's configuration: the provider's default tags never reach the
 * volumes the driver creates (it calls EC2 itself), so it tags them with the cluster and stack.
 */
export function ebsCsiConfiguration(clusterName: string, stack: string): Record<string, unknown> {
    return {
        controller: { extraVolumeTags: { [EBS_VOLUME_TAG_CLUSTER]: clusterName, [EBS_VOLUME_TAG_STACK]: stack } },
    };
}

/** EKS writes control-plane logs here; creating it first lets us own its retention. */
export function controlPlaneLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

/**
 * Access entries granting `policyArn` cluster-wide to each principal, keyed stably by ARN as
 * `<kind>-<account>-<role|user>-<path and name>`. Their type is left to its default, STANDARD.
 */
function accessEntries(
    kind: string,
    policyArn: string,
    principalArns: readonly string[],
): Record<string, eks.types.input.AccessEntryArgs> {
    const entries: Record<string, eks.types.input.AccessEntryArgs> = {};
    for (const principalArn of principalArns) {
        const key = `${kind}-${principalArn
            .split(":")
            .slice(4)
            .join("-")
            .replace(/[^A-Za-z0-9-]/g, "-")}`;
        entries[key] = { principalArn, accessPolicies: { [kind]: { policyArn, accessScope: { type: "cluster" } } } };
    }
    return entries;
}

/** Access entries granting cluster admin to each configured principal, keyed stably by ARN. */
export function adminAccessEntries(principalArns: readonly string[]): Record<string, eks.types.input.AccessEntryArgs> {
    return accessEntries("admin", CLUSTER_ADMIN_POLICY_ARN, principalArns);
}

/** Access entries granting read-only access (AmazonEKSViewPolicy: no Secrets, no writes) cluster-wide. */
export function viewerAccessEntries(principalArns: readonly string[]): Record<string, eks.types.input.AccessEntryArgs> {
    return accessEntries("viewer", CLUSTER_VIEW_POLICY_ARN, principalArns);
}

/** Access entries granting read access to everything, Secrets included (AmazonEKSAdminViewPolicy), cluster-wide. */
export function auditorAccessEntries(
    principalArns: readonly string[],
): Record<string, eks.types.input.AccessEntryArgs> {
    return accessEntries("auditor", CLUSTER_ADMIN_VIEW_POLICY_ARN, principalArns);
}

/**
 * The review stacks' two roles on their host's cluster, by ARN from the account and the roles' fixed
 * names. The app layer edits review namespaces only (a trailing-wildcard namespace scope) and is in
 * the deployers' group, which each tenant binds to the monitors role in its namespace; the
 * provisioner has no access policy, only its group, which the host's provisioner ClusterRole is
 * bound to. The bootstrap must have created both roles: EKS refuses an entry for a principal that
 * does not exist, and keeps the role's unique ID, so a role re-created later needs its entry re-created.
 */
export function reviewAccessEntries(accountId: string): Record<string, eks.types.input.AccessEntryArgs> {
    return {
        "review-app": {
            principalArn: roleArnOf(accountId, REVIEW_APP_ROLE_NAME),
            kubernetesGroups: [REVIEW_DEPLOYERS_GROUP],
            accessPolicies: {
                edit: {
                    policyArn: CLUSTER_EDIT_POLICY_ARN,
                    accessScope: { type: "namespace", namespaces: [REVIEW_NAMESPACE_SCOPE] },
                },
            },
        },
        "review-provisioner": {
            principalArn: roleArnOf(accountId, REVIEW_PROVISIONER_ROLE_NAME),
            kubernetesGroups: [REVIEW_PROVISIONERS_GROUP],
        },
    };
}

/**
 * The access entries of a cluster, refused when one principal has two: EKS allows one entry per
 * principal (config keeps the configured lists apart; this also covers the review roles).
 */
export function clusterAccessEntries(
    ...groups: Record<string, eks.types.input.AccessEntryArgs>[]
): Record<string, eks.types.input.AccessEntryArgs> {
    const entries: Record<string, eks.types.input.AccessEntryArgs> = {};
    const keyOf = new Map<string, string>();
    for (const [key, entry] of groups.flatMap((group) => Object.entries(group))) {
        const principal = entry.principalArn;
        const earlier = typeof principal === "string" ? keyOf.get(principal) : undefined;
        if (earlier !== undefined)
            throw new Error(
                `Cluster access entries: ${String(principal)} has two (${earlier} and ${key}); EKS allows one per principal: list it once`,
            );
        if (key in entries) throw new Error(`Cluster access entries: two entries keyed ${key}`);
        if (typeof principal === "string") keyOf.set(principal, key);
        entries[key] = entry;
    }
    return entries;
}

/**
 * Launch template data for nodes: IMDSv2 only, hop limit 1 so pods cannot borrow the node's
 * IAM role through IMDS, and an encrypted gp3 root volume. No AMI: EKS picks and patches it.
 */
export function nodeLaunchTemplateArgs(
    name: string,
    diskSizeGiB: number,
    tags: Record<string, string>,
): aws.ec2.LaunchTemplateArgs {
    return {
        description: `EKS managed node group ${name}: IMDSv2 hop limit 1, encrypted gp3 root volume`,
        updateDefaultVersion: true,
        metadataOptions: {
            httpEndpoint: "enabled",
            httpTokens: "required",
            httpPutResponseHopLimit: 1,
            instanceMetadataTags: "disabled",
        },
        blockDeviceMappings: [
            {
                deviceName: "/dev/xvda",
                ebs: { volumeSize: diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
        ],
        monitoring: { enabled: true },
        tagSpecifications: [
            { resourceType: "instance", tags },
            { resourceType: "volume", tags },
        ],
    };
}

/** Tags by which the Cluster Autoscaler discovers the groups it may scale. */
export function autoscalerDiscoveryTags(clusterName: string): Record<string, string> {
    return { "k8s.io/cluster-autoscaler/enabled": "true", [`k8s.io/cluster-autoscaler/${clusterName}`]: "owned" };
}

export type ClusterLogType = "api" | "audit" | "authenticator" | "controllerManager" | "scheduler";

/** One managed node group. */
export interface NodeGroupSettings {
    /** One size and class, e.g. ["m6i.large", "m6a.large"]: the autoscaler assumes alike nodes. */
    readonly instanceTypes: readonly string[];
    /** @default "ON_DEMAND" (SPOT is refused in prod) */
    readonly capacityType: "ON_DEMAND" | "SPOT";
    readonly minSize: number;
    /** The group's size at creation; the Cluster Autoscaler owns it afterwards. @default minSize */
    readonly desiredSize: number;
    readonly maxSize: number;
    /** The encrypted gp3 root volume. @default 50 */
    readonly diskSizeGiB: number;
}

/** Pinned EKS add-on versions ("v1.19.2-eksbuild.1"); kube-proxy's minor is the cluster's. */
export interface AddonVersions {
    readonly vpcCni: string;
    readonly kubeProxy: string;
    readonly coredns: string;
    readonly ebsCsiDriver: string;
    readonly metricsServer: string;
}

/** What config decides about the cluster (config/cluster.ts produces it). */
export interface ClusterSettings {
    /** `scalable-backend-<stack>`: deterministic, so the log group can exist before the cluster. */
    readonly clusterName: string;
    /** A supported minor, "1.35". */
    readonly kubernetesVersion: string;
    readonly endpointPublicAccess: boolean;
    /** Who may reach the public endpoint; empty: everyone (refused in prod). */
    readonly publicAccessCidrs: readonly string[];
    /** The VPC's CIDR: runners inside the VPC reach the private endpoint. */
    readonly vpcCidr: string;
    /** Private networks besides the VPC (VPN, peered runners) admitted to the private endpoint. */
    readonly privateEndpointAccessCidrs: readonly string[];
    /** Granted cluster admin through access entries (never the identity that creates the cluster). */
    readonly adminPrincipalArns: readonly string[];
    /** Granted read-only access cluster-wide through access entries; none of them an admin. */
    readonly viewerPrincipalArns: readonly string[];
    /**
     * Granted read access to everything, Secrets and Helm's release records included, cluster-wide:
     * a refresh reads them (the drift role). Never an admin or a viewer.
     */
    readonly auditorPrincipalArns: readonly string[];
    readonly clusterLogTypes: readonly ClusterLogType[];
    readonly logRetentionDays: number;
    /** 30 in prod, 7 elsewhere. */
    readonly kmsDeletionWindowDays: number;
    readonly nodeGroups: Readonly<Record<string, NodeGroupSettings>>;
    readonly addonVersions: AddonVersions;
    /**
     * Resource tags for the launch template's instances and volumes (the provider tags the rest); its
     * `stack` tag also marks the volumes the EBS CSI driver creates.
     */
    readonly tags: Readonly<Record<string, string>>;
    /** `protect` and EKS deletion protection (prod). */
    readonly protect: boolean;
    /**
     * The permissions boundary of every IAM role the cluster creates (required on eph-* stacks); with
     * it the cluster gets a service role of this component's, since pulumi-eks' own has none.
     */
    readonly permissionsBoundaryArn?: string;
    /** The IAM path of every role the cluster creates (eph-* stacks': the ephemeral role's IAM scope). */
    readonly iamPath?: string;
}

export interface ClusterArgs extends ClusterSettings {
    /**
     * Set on the host of review stacks (dev) only: the account whose review roles get access entries
     * (reviewAccessEntries).
     */
    readonly reviewAccountId?: string;
    readonly vpcId: pulumi.Input<string>;
    readonly publicSubnetIds: pulumi.Input<string>[];
    readonly privateSubnetIds: pulumi.Input<string>[];
    /** Node groups start only once the private subnets can reach the internet. */
    readonly privateEgressRoutes: pulumi.Resource[];
}

export class Cluster extends pulumi.ComponentResource {
    readonly eksCluster: eks.Cluster;
    readonly name: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcIssuer: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    readonly nodeGroups: eks.ManagedNodeGroup[];
    readonly ebsCsiAddon: aws.eks.Addon;
    /** Cluster DNS, which the Load Balancer Controller needs. */
    readonly coredns: aws.eks.Addon;
    /** Every EKS add-on created after the nodes (some create Services). */
    readonly addons: aws.eks.Addon[];
    readonly storageClass: k8s.storage.v1.StorageClass;
    readonly storageClassName = STORAGE_CLASS_NAME;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend:cluster:Cluster", name, {}, opts);
        const child = { parent: this };
        // Multi-language components receive only the providers passed to them explicitly: without
        // this, eks.Cluster's children would use the default AWS provider (no default tags, maybe
        // another region).
        const awsProvider = this.getProvider("aws::");
        const remoteProviders = awsProvider ? { aws: awsProvider } : undefined;

        const secretsKey = new aws.kms.Key(
            `${name}-secrets`,
            {
                description: `Envelope encryption of Kubernetes secrets in ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.kmsDeletionWindowDays,
            },
            { parent: this, protect: args.protect },
        );
        new aws.kms.Alias(
            `${name}-secrets`,
            { name: `alias/${args.clusterName}-secrets`, targetKeyId: secretsKey.keyId },
            child,
        );

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane-logs`,
            { name: controlPlaneLogGroupName(args.clusterName), retentionInDays: args.logRetentionDays },
            // Its name is fixed (EKS writes there): a replacement created first would collide with it.
            { parent: this, deleteBeforeReplace: true },
        );

        // pulumi-eks makes the cluster's service role itself, unbounded. With a boundary this one, bounded,
        // takes its place; only then, since a new role ARN replaces an existing cluster.
        let serviceRole: pulumi.Output<aws.iam.Role> | undefined;
        if (args.permissionsBoundaryArn !== undefined) {
            const role = new aws.iam.Role(
                `${name}-service`,
                {
                    description: `EKS control plane of ${args.clusterName}`,
                    assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com")),
                    permissionsBoundary: args.permissionsBoundaryArn,
                    path: args.iamPath,
                },
                child,
            );
            const attachments = attachPolicies(name, "service", role.name, CLUSTER_ROLE_POLICY_ARNS, this);
            // The cluster gets the role only once its policy is attached, as pulumi-eks does with its own.
            serviceRole = pulumi.all([role.arn, ...attachments.map((a) => a.id)]).apply(() => role);
        }

        this.eksCluster = new eks.Cluster(
            `${name}-eks`,
            {
                name: args.clusterName,
                version: args.kubernetesVersion,
                // Standard support only: extended support costs six times as much per hour.
                upgradePolicy: { supportType: "STANDARD" },
                vpcId: args.vpcId,
                publicSubnetIds: args.publicSubnetIds,
                privateSubnetIds: args.privateSubnetIds,
                nodeAssociatePublicIpAddress: false,
                skipDefaultNodeGroup: true,
                serviceRole,
                // Its node and cluster security groups serve only self-managed node groups: managed groups on
                // a launch template without security groups get the EKS-created cluster security group.
                skipDefaultSecurityGroups: true,
                authenticationMode: eks.AuthenticationMode.Api,
                accessEntries: clusterAccessEntries(
                    adminAccessEntries(args.adminPrincipalArns),
                    viewerAccessEntries(args.viewerPrincipalArns),
                    auditorAccessEntries(args.auditorPrincipalArns),
                    args.reviewAccountId !== undefined ? reviewAccessEntries(args.reviewAccountId) : {},
                ),
                createOidcProvider: true,
                endpointPrivateAccess: true,
                endpointPublicAccess: args.endpointPublicAccess,
                publicAccessCidrs:
                    args.endpointPublicAccess && args.publicAccessCidrs.length > 0
                        ? [...args.publicAccessCidrs]
                        : undefined,
                enabledClusterLogTypes: [...args.clusterLogTypes],
                encryptionConfigKeyArn: secretsKey.arn,
                useDefaultVpcCni: false,
                vpcCniOptions: { addonVersion: args.addonVersions.vpcCni, enableNetworkPolicy: true },
                kubeProxyAddonOptions: { enabled: true, version: args.addonVersions.kubeProxy },
                // Managed below, after the nodes exist: coredns pods on a nodeless cluster leave the add-on DEGRADED.
                corednsAddonOptions: { enabled: false },
                deletionProtection: args.protect,
            },
            { parent: this, providers: remoteProviders, protect: args.protect, dependsOn: [logGroup] },
        );
        this.name = this.eksCluster.eksCluster.name;
        this.kubeconfig = pulumi.secret(this.eksCluster.kubeconfigJson);
        this.oidcProviderArn = this.eksCluster.oidcProviderArn;
        this.oidcIssuer = this.eksCluster.oidcIssuer;

        // The EKS-managed cluster security group admits only its members: without this rule a
        // deploy runner inside the VPC (or on the VPN) times out on the private endpoint.
        new aws.ec2.SecurityGroupRule(
            `${name}-private-endpoint`,
            {
                type: "ingress",
                description: "Kubernetes API (private endpoint) from the VPC and configured private networks",
                securityGroupId: this.eksCluster.eksCluster.vpcConfig.clusterSecurityGroupId,
                protocol: "tcp",
                fromPort: 443,
                toPort: 443,
                cidrBlocks: [args.vpcCidr, ...args.privateEndpointAccessCidrs],
            },
            child,
        );

        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: this.kubeconfig,
                enableServerSideApply: true,
                // The provider, and so every Kubernetes resource, is replaced only when this changes: an
                // unknown kubeconfig at preview (the cluster updating) would otherwise plan replacing them all.
                // Plain, so it is known at every preview.
                clusterIdentifier: args.clusterName,
            },
            child,
        );

        const nodeRole = new aws.iam.Role(
            `${name}-node`,
            {
                description: `EC2 instances of ${args.clusterName}'s managed node groups`,
                assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")),
                permissionsBoundary: args.permissionsBoundaryArn,
                path: args.iamPath,
            },
            child,
        );
        const nodeRolePolicies = attachPolicies(name, "node", nodeRole.name, NODE_ROLE_POLICY_ARNS, this);

        this.nodeGroups = Object.entries(args.nodeGroups).map(([groupName, group]) => {
            // Without the ephemeral lifetime tags: extending a review stack must not roll every node.
            const { "created-at": _created, "expires-at": _expires, ...stableTags } = args.tags;
            const instanceTags = { ...stableTags, Name: `${args.clusterName}-${groupName}` };
            const launchTemplate = new aws.ec2.LaunchTemplate(
                `${name}-${groupName}`,
                nodeLaunchTemplateArgs(groupName, group.diskSizeGiB, instanceTags),
                child,
            );
            return new eks.ManagedNodeGroup(
                `${name}-${groupName}`,
                {
                    cluster: this.eksCluster,
                    nodeGroupNamePrefix: `${groupName}-`,
                    // A custom launch template stops the group following the cluster's version: pin it.
                    version: args.kubernetesVersion,
                    amiType: "AL2023_x86_64_STANDARD",
                    nodeRoleArn: nodeRole.arn,
                    subnetIds: args.privateSubnetIds,
                    instanceTypes: [...group.instanceTypes],
                    capacityType: group.capacityType,
                    scalingConfig: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize },
                    // The Cluster Autoscaler owns the desired size once the group exists.
                    ignoreScalingChanges: true,
                    launchTemplate: {
                        id: launchTemplate.id,
                        version: pulumi.interpolate`${launchTemplate.latestVersion}`,
                    },
                    labels: { "node-group": groupName, "capacity-type": group.capacityType.toLowerCase() },
                    // EKS puts the same discovery tags on the group's Auto Scaling group, which is what
                    // the autoscaler and its IAM condition read; these mark the node group itself.
                    tags: autoscalerDiscoveryTags(args.clusterName),
                },
                {
                    parent: this,
                    providers: remoteProviders,
                    dependsOn: [...args.privateEgressRoutes, ...nodeRolePolicies],
                },
            );
        });
        const afterNodes = { parent: this, dependsOn: this.nodeGroups };

        const addon = (addonName: string, version: string, extra: Partial<aws.eks.AddonArgs> = {}): aws.eks.Addon =>
            new aws.eks.Addon(
                `${name}-${addonName}`,
                {
                    clusterName: this.name,
                    addonName,
                    addonVersion: version,
                    // Take over what EKS bootstrapped (the self-managed coredns); this program is the source of truth.
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                    ...extra,
                },
                afterNodes,
            );
        this.coredns = addon("coredns", args.addonVersions.coredns);
        const ebsCsiRole = new IrsaRole(
            `${name}-ebs-csi`,
            {
                oidcProviderArn: this.oidcProviderArn,
                oidcIssuer: this.oidcIssuer,
                serviceAccount: EBS_CSI_SERVICE_ACCOUNT,
                description: `EBS CSI controller of ${args.clusterName}`,
                managedPolicyArns: [EBS_CSI_POLICY_ARN],
                permissionsBoundaryArn: args.permissionsBoundaryArn,
                iamPath: args.iamPath,
            },
            child,
        );
        const stack = args.tags.stack;
        if (!stack) throw new Error(`Cluster ${name}: its tags carry no "stack" tag to tag EBS volumes with`);
        this.ebsCsiAddon = addon("aws-ebs-csi-driver", args.addonVersions.ebsCsiDriver, {
            serviceAccountRoleArn: ebsCsiRole.arn,
            configurationValues: JSON.stringify(ebsCsiConfiguration(args.clusterName, stack)),
        });
        const metricsServer = addon("metrics-server", args.addonVersions.metricsServer);
        this.addons = [this.coredns, this.ebsCsiAddon, metricsServer];

        this.storageClass = new k8s.storage.v1.StorageClass(
            `${name}-gp3`,
            {
                metadata: {
                    name: STORAGE_CLASS_NAME,
                    annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
                },
                provisioner: "ebs.csi.aws.com",
                // The CSI-standard key: the driver's own `fsType` is deprecated.
                parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
                // Bind where the pod lands, so a volume is never created in a zone the pod cannot reach.
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
                reclaimPolicy: "Delete",
            },
            { parent: this, provider: this.provider, dependsOn: [this.ebsCsiAddon] },
        );

        this.registerOutputs({
            name: this.name,
            kubeconfig: this.kubeconfig,
            oidcProviderArn: this.oidcProviderArn,
            oidcIssuer: this.oidcIssuer,
        });
    }
}
