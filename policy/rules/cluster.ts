// Cluster rules: the EKS control plane (Secrets encryption and its key, logs, endpoints,
// authentication) and the nodes (public IPs, subnets, instance metadata, volumes).
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import type { Check, Props } from "./shared";
import { asList, dependenciesOf, OPEN_CIDRS, readOrUnknown, resourcePolicy, TYPES, UNKNOWN } from "./shared";

const clusterTypes = [TYPES.eksCluster, TYPES.awsEksCluster] as const;

/**
 * A cluster check that skips an `eks:index:Cluster` registered without inputs (the Node.js SDK
 * drops a local component's inputs when PULUMI_NODEJS_SKIP_COMPONENT_INPUTS is set, and the eks
 * provider registers the component locally): its `aws:eks/cluster:Cluster` is checked instead.
 */
function clusterCheck(check: (type: string, props: Props) => string[]): Check {
    return (props, args) => {
        if (args.type === TYPES.eksCluster && Object.keys(props).length === 0) {
            args.notApplicable(
                "the eks:index:Cluster component was registered without inputs; its aws:eks/cluster:Cluster is checked instead",
            );
        }
        return check(args.type, props);
    };
}

/** The KMS key ARN a cluster encrypts Secrets with, from either shape (undefined: none). */
export function secretsKeyArn(type: string, props: Props): unknown {
    if (type === TYPES.eksCluster) return props.encryptionConfigKeyArn;
    // aws.eks.Cluster: `encryptionConfig` is one block; older providers took a list of them.
    const secrets = asList(props.encryptionConfig).find((config) => asList(config?.resources).includes("secrets"));
    return secrets?.provider?.keyArn;
}

export interface EndpointAccess {
    readonly privateAccess: boolean;
    readonly publicAccess: boolean;
    /** Empty: EKS opens the public endpoint to 0.0.0.0/0. */
    readonly publicAccessCidrs: string[];
}

/** Endpoint settings with EKS's defaults (private off, public on, public to everyone). */
export function endpointAccess(type: string, props: Props): EndpointAccess {
    const source = type === TYPES.eksCluster ? props : (props.vpcConfig ?? {});
    return {
        privateAccess: source.endpointPrivateAccess === true,
        publicAccess: source.endpointPublicAccess !== false,
        publicAccessCidrs: asList(source.publicAccessCidrs),
    };
}

export function authenticationMode(type: string, props: Props): string | undefined {
    return type === TYPES.eksCluster ? props.authenticationMode : props.accessConfig?.authenticationMode;
}

/** The audit trail every stack keeps, the ephemeral profile included (tools/ephemeral.ts). */
export const AUDIT_LOG_TYPES = ["api", "audit"] as const;
export const ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

const missingLogTypes = (props: Props, required: readonly string[]): string[] => {
    const enabled = new Set(asList(props.enabledClusterLogTypes));
    return required.filter((logType) => !enabled.has(logType));
};

export const eksSecretsEncryption = resourcePolicy(
    "eks-secrets-encryption",
    "EKS encrypts Kubernetes Secrets with a customer-managed KMS key (envelope encryption).",
    clusterTypes,
    clusterCheck((type, props) => {
        const keyArn = secretsKeyArn(type, props);
        if (typeof keyArn === "string" && keyArn.length > 0) return [];
        const setting =
            type === TYPES.eksCluster
                ? "encryptionConfigKeyArn"
                : 'encryptionConfig { resources: ["secrets"], provider: { keyArn } }';
        return [
            `Kubernetes Secrets are not envelope-encrypted: set ${setting} to the ARN of an aws.kms.Key with enableKeyRotation: true.`,
        ];
    }),
);

/** Only symmetric encryption keys can rotate automatically; other key specs are not checked. */
export function rotatableKey(props: Props): boolean {
    const spec = props.keySpec ?? props.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
    const usage = props.keyUsage ?? "ENCRYPT_DECRYPT";
    return spec === "SYMMETRIC_DEFAULT" && usage === "ENCRYPT_DECRYPT";
}

export const kmsKeyRotation = resourcePolicy(
    "kms-key-rotation",
    "Symmetric KMS keys rotate their key material yearly.",
    [TYPES.kmsKey],
    (props) =>
        !rotatableKey(props) || props.enableKeyRotation === true
            ? []
            : [
                  "The KMS key does not rotate: set enableKeyRotation: true (AWS then rotates its key material yearly, old data stays readable).",
              ],
);

export const eksSecretsKeyManaged: StackValidationPolicy = {
    name: "eks-secrets-key-managed",
    description: "The key that encrypts a cluster's Secrets is a KMS key of this stack, so kms-key-rotation covers it.",
    validateStack: (args, reportViolation) => {
        // The real child when the engine shows it (real runs); the component otherwise (mocks).
        const awsClusters = args.resources.filter((r) => r.type === TYPES.awsEksCluster);
        const clusters =
            awsClusters.length > 0 ? awsClusters : args.resources.filter((r) => r.type === TYPES.eksCluster);
        const keys = args.resources.filter((r) => r.type === TYPES.kmsKey);
        for (const cluster of clusters) {
            const property = cluster.type === TYPES.eksCluster ? "encryptionConfigKeyArn" : "encryptionConfig";
            if (dependenciesOf(cluster, property).some((d) => d.type === TYPES.kmsKey)) continue;
            const keyArn = readOrUnknown(() => secretsKeyArn(cluster.type, cluster.props));
            // No key at all is eks-secrets-encryption's finding; an unknown one cannot be judged yet.
            if (keyArn === UNKNOWN || keyArn === undefined) continue;
            const keyArns = keys.map((key) => readOrUnknown(() => key.props.arn));
            if (keyArns.includes(UNKNOWN) || keyArns.includes(keyArn)) continue;
            reportViolation(
                `The cluster's Secrets key ${String(keyArn)} is not a KMS key of this stack, so nothing checks that it rotates: create it here as aws.kms.Key with enableKeyRotation: true and pass its arn.`,
                cluster.urn,
            );
        }
    },
};

export const eksControlPlaneLogs = resourcePolicy(
    "eks-control-plane-logs",
    "EKS sends the api and audit control-plane logs (the audit trail) to CloudWatch.",
    clusterTypes,
    clusterCheck((_type, props) => {
        const missing = missingLogTypes(props, AUDIT_LOG_TYPES);
        return missing.length === 0
            ? []
            : [
                  `Control-plane logs ${missing.join(", ")} are off, so calls to the Kubernetes API leave no trace: add them to enabledClusterLogTypes (clusterLogTypes in the stack config).`,
              ];
    }),
);

export const eksControlPlaneLogsComplete = resourcePolicy(
    "eks-control-plane-logs-complete",
    "EKS sends all five control-plane log types to CloudWatch (prod: needed to debug scheduling and controllers).",
    clusterTypes,
    clusterCheck((_type, props) => {
        const missing = missingLogTypes(props, ALL_LOG_TYPES);
        return missing.length === 0
            ? []
            : [
                  `Control-plane logs ${missing.join(", ")} are off: enable all five log types (clusterLogTypes in the stack config).`,
              ];
    }),
);

export const eksPrivateEndpoint = resourcePolicy(
    "eks-private-endpoint",
    "The Kubernetes API has a private endpoint, so nodes and in-VPC clients never leave the VPC to reach it.",
    clusterTypes,
    clusterCheck((type, props) => {
        if (endpointAccess(type, props).privateAccess) return [];
        const setting =
            type === TYPES.eksCluster ? "endpointPrivateAccess: true" : "vpcConfig.endpointPrivateAccess: true";
        return [
            `The private API endpoint is off (EKS's default), so nodes reach the API over the internet: set ${setting}.`,
        ];
    }),
);

export const eksPublicEndpointRestricted = resourcePolicy(
    "eks-public-endpoint-restricted",
    "The public Kubernetes API endpoint is off, or open only to listed CIDRs (never 0.0.0.0/0).",
    clusterTypes,
    clusterCheck((type, props) => {
        const access = endpointAccess(type, props);
        if (!access.publicAccess) return [];
        const open = access.publicAccessCidrs.filter((cidr) => OPEN_CIDRS.has(cidr));
        if (access.publicAccessCidrs.length > 0 && open.length === 0) return [];
        const reach =
            open.length > 0 ? `is open to ${open.join(", ")}` : "is open to the whole internet (no publicAccessCidrs)";
        return [
            `The public API endpoint ${reach}: set endpointPublicAccess: false and deploy from inside the VPC, or list your egress CIDRs in publicAccessCidrs.`,
        ];
    }),
);

export const eksAuthenticationMode = resourcePolicy(
    "eks-authentication-mode",
    "EKS authenticates through access entries only (authentication mode API), not the deprecated aws-auth ConfigMap.",
    clusterTypes,
    clusterCheck((type, props) => {
        const mode = authenticationMode(type, props);
        if (mode === "API") return [];
        const setting =
            type === TYPES.eksCluster ? 'authenticationMode: "API"' : 'accessConfig.authenticationMode: "API"';
        return [
            `The authentication mode is ${mode ?? "unset (EKS then reads the aws-auth ConfigMap)"}: set ${setting} and grant access with access entries.`,
        ];
    }),
);

/** Why a launch template gives instances public IPs, if it does. */
const publicInterfaces = (props: Props): string[] =>
    asList(props.networkInterfaces)
        .map((nic, i) => ({ nic, i }))
        .filter(({ nic }) => String(nic?.associatePublicIpAddress) === "true")
        .map(
            ({ i }) =>
                `networkInterfaces[${i}].associatePublicIpAddress is true: remove it (or set "false"); nodes reach the internet through NAT.`,
        );

export const eksNodesNoPublicIp = resourcePolicy(
    "eks-nodes-no-public-ip",
    "Nodes get no public IP: node settings say so, launch templates attach none, and no subnet assigns them on launch.",
    [TYPES.eksCluster, TYPES.eksNodeGroup, TYPES.eksNodeGroupV2, TYPES.launchTemplate, TYPES.subnet],
    (props, args) => {
        switch (args.type) {
            case TYPES.launchTemplate:
                return publicInterfaces(props);
            case TYPES.subnet:
                return props.mapPublicIpOnLaunch === true
                    ? [
                          "The subnet gives every instance a public IP on launch: set mapPublicIpOnLaunch: false (load balancers and NAT gateways get their own addresses).",
                      ]
                    : [];
            default:
                if (args.type === TYPES.eksCluster && Object.keys(props).length === 0) return [];
                // @pulumi/eks assigns public IPs unless told not to.
                return props.nodeAssociatePublicIpAddress === false
                    ? []
                    : ["Nodes may get public IPs: set nodeAssociatePublicIpAddress: false."];
        }
    },
);

/** Why a subnet counts as public ("" when it does not), from the stack's own network resources. */
export function publicSubnetReason(subnet: PolicyResource, resources: readonly PolicyResource[]): string {
    if (readOrUnknown(() => subnet.props.mapPublicIpOnLaunch) === true) return "it assigns public IPs on launch";
    const tags = readOrUnknown(() => subnet.props.tags) as Props | typeof UNKNOWN | undefined;
    if (tags !== UNKNOWN && tags?.["kubernetes.io/role/elb"] === "1")
        return "it is tagged kubernetes.io/role/elb for internet-facing load balancers";
    const tables = resources
        .filter((r) => r.type === TYPES.routeTableAssociation && dependenciesOf(r, "subnetId").includes(subnet))
        .flatMap((association) => dependenciesOf(association, "routeTableId"));
    const toInternet = (table: PolicyResource): boolean =>
        dependenciesOf(table, "routes").some((d) => d.type === TYPES.internetGateway) ||
        resources.some(
            (r) =>
                r.type === TYPES.route &&
                dependenciesOf(r, "routeTableId").includes(table) &&
                dependenciesOf(r, "gatewayId").some((d) => d.type === TYPES.internetGateway),
        );
    const table = tables.find(toInternet);
    return table ? `its route table ${table.name} routes to an internet gateway` : "";
}

const NODE_GROUP_SUBNETS: Readonly<Record<string, string>> = {
    [TYPES.managedNodeGroup]: "subnetIds",
    [TYPES.awsNodeGroup]: "subnetIds",
    [TYPES.eksNodeGroup]: "nodeSubnetIds",
    [TYPES.eksNodeGroupV2]: "nodeSubnetIds",
};

export const eksNodeSubnetsPrivate: StackValidationPolicy = {
    name: "eks-node-subnets-private",
    description:
        "Node groups run only in private subnets (no internet gateway route, no public IPs, not the load balancers' subnets).",
    validateStack: (args, reportViolation) => {
        for (const group of args.resources.filter((r) => NODE_GROUP_SUBNETS[r.type] !== undefined)) {
            // Subnets passed as literal IDs leave no dependency to follow: those are not judged.
            for (const subnet of dependenciesOf(group, NODE_GROUP_SUBNETS[group.type]).filter(
                (d) => d.type === TYPES.subnet,
            )) {
                const reason = publicSubnetReason(subnet, args.resources);
                if (reason) {
                    reportViolation(
                        `Node group ${group.name} runs in subnet ${subnet.name}, which is public (${reason}): give it the private subnets, which egress through NAT.`,
                        group.urn,
                    );
                }
            }
        }
    },
};

export const nodeImdsv2 = resourcePolicy(
    "node-imdsv2",
    "Every launch template requires IMDSv2 with hop limit 1 (pods cannot borrow the node's IAM role), and node groups use one.",
    [TYPES.launchTemplate, TYPES.managedNodeGroup, TYPES.awsNodeGroup],
    (props, args) => {
        if (args.type !== TYPES.launchTemplate) {
            return props.launchTemplate
                ? []
                : [
                      "The node group uses EKS's default launch template (IMDS reachable from pods, hop limit 2): give it a launch template with metadataOptions httpTokens required and httpPutResponseHopLimit 1.",
                  ];
        }
        const metadata = props.metadataOptions ?? {};
        if (metadata.httpEndpoint === "disabled") return []; // no metadata service at all
        const problems: string[] = [];
        if (metadata.httpTokens !== "required")
            problems.push(`httpTokens is ${metadata.httpTokens ?? "unset (IMDSv1 allowed)"}`);
        if (metadata.httpPutResponseHopLimit !== 1)
            problems.push(`httpPutResponseHopLimit is ${metadata.httpPutResponseHopLimit ?? "unset"}`);
        return problems.length === 0
            ? []
            : [
                  `Instance metadata is not locked down (${problems.join(", ")}): set metadataOptions { httpTokens: "required", httpPutResponseHopLimit: 1 }.`,
              ];
    },
);

const EBS_PROVISIONERS = new Set(["ebs.csi.aws.com", "kubernetes.io/aws-ebs"]);

export const ebsEncryption = resourcePolicy(
    "ebs-encryption",
    "Node volumes (launch template block devices) and EBS StorageClasses are encrypted.",
    [TYPES.launchTemplate, TYPES.storageClass],
    (props, args) => {
        if (args.type === TYPES.storageClass) {
            if (!EBS_PROVISIONERS.has(props.provisioner)) return [];
            return String(props.parameters?.encrypted) === "true"
                ? []
                : [
                      `The EBS StorageClass ${props.metadata?.name ?? args.name} creates unencrypted volumes: set parameters.encrypted: "true".`,
                  ];
        }
        const devices = asList(props.blockDeviceMappings).filter((mapping) => mapping?.ebs !== undefined);
        if (devices.length === 0) {
            return [
                'The launch template declares no EBS volume, so the root volume is encrypted only if the account encrypts by default: declare the root device (/dev/xvda) with ebs.encrypted: "true".',
            ];
        }
        return devices
            .filter((mapping) => String(mapping.ebs.encrypted) !== "true")
            .map(
                (mapping) =>
                    `Volume ${mapping.deviceName ?? "(no device name)"} is not encrypted: set ebs.encrypted: "true".`,
            );
    },
);
