// The hardening baseline as CrossGuard policies: plain policy objects, without enforcement levels
// (enforcement.ts sets them per environment), and the pure helpers they use. Only index.ts builds
// the PolicyPack, so tests call these validations directly.
//
// How the rules read the stack:
// - Rules match resources by type token, not by SDK class: the pack then loads neither @pulumi/aws
//   nor @pulumi/kubernetes, which would add seconds to every preview.
// - A resource policy sees the inputs the program registered. For the remote `eks:index:Cluster`
//   component those inputs are all that mocks and previews show of the cluster; on a real run its
//   child `aws:eks/cluster:Cluster` is validated too, so cluster rules read both shapes.
// - A stack policy sees each resource's state: outputs, which include a custom resource's inputs
//   but only the registered outputs of a component. Stack policies therefore read properties of
//   custom resources only and follow references through `propertyDependencies`, which exist even
//   while values are unknown. The Kubernetes provider keeps the program's inputs under `__inputs`
//   in its state; rules that must tell declared from defaulted fields read those.
// - During a preview a value may be unknown: reading it throws, and the SDK reports the rule as not
//   runnable (advisory) for that resource. Each rule reads only the fields it needs.
import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";

type Props = Record<string, any>;

/** Resource type tokens the rules know. */
export const TYPES = {
    eksCluster: "eks:index:Cluster",
    awsEksCluster: "aws:eks/cluster:Cluster",
    managedNodeGroup: "eks:index:ManagedNodeGroup",
    awsNodeGroup: "aws:eks/nodeGroup:NodeGroup",
    eksNodeGroup: "eks:index:NodeGroup",
    eksNodeGroupV2: "eks:index:NodeGroupV2",
    kmsKey: "aws:kms/key:Key",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    subnet: "aws:ec2/subnet:Subnet",
    routeTable: "aws:ec2/routeTable:RouteTable",
    routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    route: "aws:ec2/route:Route",
    internetGateway: "aws:ec2/internetGateway:InternetGateway",
    iamPolicy: "aws:iam/policy:Policy",
    iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    iamUserPolicy: "aws:iam/userPolicy:UserPolicy",
    iamGroupPolicy: "aws:iam/groupPolicy:GroupPolicy",
    iamRole: "aws:iam/role:Role",
    namespace: "kubernetes:core/v1:Namespace",
    service: "kubernetes:core/v1:Service",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    helmRelease: "kubernetes:helm.sh/v3:Release",
    helmChartV3: "kubernetes:helm.sh/v3:Chart",
    helmChartV4: "kubernetes:helm.sh/v4:Chart",
} as const;

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** IAM and Kubernetes both accept "one or many": always a list. */
export function asList(value: unknown): any[] {
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? [...value] : [value];
}

/** A rule's check of one resource: the violation messages (none when it complies). */
export type Check = (props: Props, args: ResourceValidationArgs) => string[];

/** A resource policy from a check, applied to the given type tokens only. */
export function resourcePolicy(
    name: string,
    description: string,
    types: readonly string[],
    check: Check,
): ResourceValidationPolicy {
    const wanted = new Set(types);
    return {
        name,
        description,
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            if (!wanted.has(args.type)) return;
            for (const message of check(args.props, args)) reportViolation(message);
        },
    };
}

/** Marks what a stack policy could not read because the value is unknown until the update. */
export const UNKNOWN = Symbol("unknown during preview");

/**
 * Reads a value that may be unknown during a preview. Stack policies use it so that one unknown
 * value skips one judgement instead of the whole policy (the SDK aborts a stack policy on the
 * first unknown it meets).
 */
export function readOrUnknown<T>(read: () => T): T | typeof UNKNOWN {
    try {
        return read();
    } catch (error) {
        if ((error as object | null)?.constructor?.name === "UnknownValueError") return UNKNOWN;
        throw error;
    }
}

const dependenciesOf = (resource: PolicyResource, property: string): PolicyResource[] =>
    resource.propertyDependencies[property] ?? [];

/** The program's declared Kubernetes inputs (state adds defaults, e.g. spec.replicas). */
export function declaredK8s(resource: PolicyResource): Props {
    return (resource.props.__inputs as Props | undefined) ?? resource.props;
}

// ---------------------------------------------------------------------------------------------
// Cluster

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

const OPEN_CIDRS = new Set(["0.0.0.0/0", "::/0"]);
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

// ---------------------------------------------------------------------------------------------
// IAM

export interface Statement {
    Sid?: string;
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Principal?: Record<string, string | string[]> | string;
    Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document from a resource input: JSON text or an object. */
export function parsePolicyDocument(document: unknown): { statements: Statement[] } | { error: string } {
    let parsed: unknown = document;
    if (typeof document === "string") {
        try {
            parsed = JSON.parse(document);
        } catch (error) {
            return { error: `is not valid JSON (${(error as Error).message})` };
        }
    }
    if (parsed === null || typeof parsed !== "object" || !("Statement" in parsed)) return { error: "has no Statement" };
    return { statements: asList((parsed as { Statement: unknown }).Statement) as Statement[] };
}

const statementLabel = (statement: Statement, index: number): string =>
    `statement ${index + 1}${statement.Sid ? ` (${statement.Sid})` : ""}`;
const allows = (statement: Statement): boolean => statement.Effect === "Allow";

/** Identity policies (what a principal may do), by where each resource type keeps them. */
export function identityPolicies(type: string, props: Props): { label: string; document: unknown }[] {
    switch (type) {
        case TYPES.iamPolicy:
        case TYPES.iamRolePolicy:
        case TYPES.iamUserPolicy:
        case TYPES.iamGroupPolicy:
            return [{ label: "the policy", document: props.policy }];
        case TYPES.iamRole:
            return asList(props.inlinePolicies).map((inline, i) => ({
                label: `inline policy ${inline?.name ?? i + 1}`,
                document: inline?.policy,
            }));
        default:
            return [];
    }
}

const identityTypes = [TYPES.iamPolicy, TYPES.iamRolePolicy, TYPES.iamUserPolicy, TYPES.iamGroupPolicy, TYPES.iamRole];

/** Checks every statement of a resource's policy documents; unparseable documents are violations. */
function documentCheck(
    documents: (type: string, props: Props) => { label: string; document: unknown }[],
    check: (statement: Statement, label: string) => string[],
): Check {
    return (props, args) =>
        documents(args.type, props).flatMap(({ label, document }) => {
            if (document === undefined) return [];
            const parsed = parsePolicyDocument(document);
            if ("error" in parsed)
                return [`${label} ${parsed.error}: fix the document so IAM (and this check) can read it.`];
            return parsed.statements.flatMap((statement, i) =>
                check(statement, `${label}, ${statementLabel(statement, i)}`),
            );
        });
}

export const iamNoWildcardAction = resourcePolicy(
    "iam-no-wildcard-action",
    'No IAM policy allows Action "*" (or every action but some, with NotAction).',
    identityTypes,
    documentCheck(
        (type, props) => [
            ...identityPolicies(type, props),
            ...(type === TYPES.iamRole && props.assumeRolePolicy !== undefined
                ? [{ label: "the trust policy", document: props.assumeRolePolicy }]
                : []),
        ],
        (statement, label) => {
            if (!allows(statement)) return [];
            if (asList(statement.Action).some((action) => action === "*" || action === "*:*"))
                return [`${label} allows Action "*": list the actions the principal needs.`];
            if (statement.NotAction !== undefined)
                return [
                    `${label} allows every action except its NotAction list: list the allowed actions with Action instead.`,
                ];
            return [];
        },
    ),
);

/** Read-only by the IAM naming convention; anything else (wildcards included) counts as a write. */
export function isReadOnlyAction(action: string): boolean {
    const verb = action.split(":")[1] ?? "";
    return /^(Describe|Get|List|BatchGet|Search|View|Lookup)/i.test(verb);
}

const TAG_CONDITION_KEY = /^[a-z0-9-]+:(RequestTag|ResourceTag)\//i;

/**
 * True when a condition confines a statement to tagged resources: a tag key under StringEquals,
 * StringEqualsIgnoreCase or StringLike, or required to exist (Null: "false"). `...IfExists` does not
 * count: it lets untagged resources through.
 */
export function isTagScoped(condition: Statement["Condition"]): boolean {
    for (const [operator, clauses] of Object.entries(condition ?? {})) {
        const op = operator.replace(/^(ForAllValues|ForAnyValue):/i, "");
        for (const [key, value] of Object.entries(clauses ?? {})) {
            if (!TAG_CONDITION_KEY.test(key)) continue;
            if (/^(StringEquals|StringEqualsIgnoreCase|StringLike)$/i.test(op)) return true;
            if (/^Null$/i.test(op) && asList(value).every((v) => String(v) === "false")) return true;
        }
    }
    return false;
}

export interface AllowedWildcardWrite {
    /** The statement's exact action set. One more action and the statement is checked again. */
    readonly actions: readonly string[];
    /** When set, the statement must carry exactly this condition (it is what makes it acceptable). */
    readonly condition?: Statement["Condition"];
    readonly reason: string;
}

const LBC =
    "AWS Load Balancer Controller v3.5.0 upstream policy (components/policies/aws-load-balancer-controller.json), kept verbatim so upgrades are a file copy; only the controller's service account can assume its role (IRSA)";

/**
 * Upstream statements that write to `Resource: "*"` without a tag condition, accepted on purpose.
 * Matched by exact action set, so any new wildcard write (here or in another policy) still fails.
 */
export const ALLOWED_WILDCARD_WRITES: readonly AllowedWildcardWrite[] = [
    {
        actions: ["iam:CreateServiceLinkedRole"],
        condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
        reason: `${LBC}; the condition limits it to ELB's service-linked role.`,
    },
    {
        actions: [
            "acm:DescribeCertificate",
            "acm:ListCertificates",
            "cognito-idp:DescribeUserPoolClient",
            "iam:GetServerCertificate",
            "iam:ListServerCertificates",
            "shield:CreateProtection",
            "shield:DeleteProtection",
            "shield:DescribeProtection",
            "shield:GetSubscriptionState",
            "waf-regional:AssociateWebACL",
            "waf-regional:DisassociateWebACL",
            "waf-regional:GetWebACL",
            "waf-regional:GetWebACLForResource",
            "wafv2:AssociateWebACL",
            "wafv2:DisassociateWebACL",
            "wafv2:GetWebACL",
            "wafv2:GetWebACLForResource",
        ],
        reason: `${LBC}; attaches the WAF web ACLs and Shield protection that Ingress annotations name, APIs upstream grants without tag conditions.`,
    },
    {
        actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
        reason: `${LBC}; opens node security groups (not created by the controller, so untagged) to load balancer traffic.`,
    },
    {
        actions: ["ec2:CreateSecurityGroup"],
        reason: `${LBC}; the separate CreateTags statement requires the elbv2.k8s.aws/cluster tag on every group it creates.`,
    },
    {
        actions: [
            "elasticloadbalancing:CreateListener",
            "elasticloadbalancing:CreateRule",
            "elasticloadbalancing:DeleteListener",
            "elasticloadbalancing:DeleteRule",
        ],
        reason: `${LBC}; listener and rule changes on the load balancers it manages.`,
    },
    {
        actions: [
            "elasticloadbalancing:AddListenerCertificates",
            "elasticloadbalancing:ModifyListener",
            "elasticloadbalancing:ModifyRule",
            "elasticloadbalancing:RemoveListenerCertificates",
            "elasticloadbalancing:SetRulePriorities",
            "elasticloadbalancing:SetWebAcl",
        ],
        reason: `${LBC}; listener certificates, rules and web ACLs of the load balancers it manages.`,
    },
];

/** JSON with sorted keys: comparing documents must not depend on key order. */
const canonical = (value: unknown): string =>
    JSON.stringify(value, (_key, v) =>
        v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(
                  Object.keys(v)
                      .sort()
                      .map((k) => [k, v[k]]),
              )
            : v,
    );

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
    canonical([...new Set(a)].sort()) === canonical([...new Set(b)].sort());

export function isAllowListed(statement: Statement): AllowedWildcardWrite | undefined {
    return ALLOWED_WILDCARD_WRITES.find(
        (entry) =>
            sameSet(asList(statement.Action), entry.actions) &&
            (entry.condition === undefined || canonical(statement.Condition) === canonical(entry.condition)),
    );
}

/** The write actions a statement allows on every resource without a tag condition (none: fine). */
export function untaggedWildcardWrites(statement: Statement): string[] {
    if (!allows(statement)) return [];
    const everywhere = asList(statement.Resource).includes("*") || statement.NotResource !== undefined;
    if (!everywhere || isTagScoped(statement.Condition)) return [];
    return asList(statement.Action).filter((action) => !isReadOnlyAction(action));
}

export const iamNoWildcardResourceWrites = resourcePolicy(
    "iam-no-wildcard-resource-writes",
    'No IAM policy allows write actions on Resource "*" unless a tag condition (aws:RequestTag / aws:ResourceTag) scopes them; listed upstream statements excepted.',
    identityTypes,
    documentCheck(identityPolicies, (statement, label) => {
        const writes = untaggedWildcardWrites(statement);
        if (writes.length === 0 || isAllowListed(statement)) return [];
        return [
            `${label} allows ${writes.join(", ")} on Resource "*" with no tag condition: name the resources (ARNs), or add a Condition on aws:ResourceTag/... or aws:RequestTag/... that confines it to this stack's resources.`,
        ];
    }),
);

const EKS_OIDC_PROVIDER = /:oidc-provider\/(oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/id\/[^/]+)$/;
const SERVICE_ACCOUNT_SUBJECT = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** What is wrong with one IRSA trust statement (trust via an EKS cluster's OIDC provider). */
export function irsaStatementProblems(statement: Statement, label: string): string[] {
    const federated = typeof statement.Principal === "object" ? asList(statement.Principal.Federated) : [];
    const hosts = federated
        .map((arn) => EKS_OIDC_PROVIDER.exec(String(arn))?.[1])
        .filter((host): host is string => host !== undefined);
    if (!allows(statement) || hosts.length === 0) return [];
    const conditions = statement.Condition ?? {};
    return hosts.flatMap((host) => {
        const problems: string[] = [];
        const sub = conditions.StringEquals?.[`${host}:sub`];
        const aud = conditions.StringEquals?.[`${host}:aud`];
        const loose = Object.entries(conditions).some(
            ([op, clauses]) => op !== "StringEquals" && `${host}:sub` in (clauses ?? {}),
        );
        if (sub === undefined) {
            problems.push(
                loose
                    ? `${label} matches ${host}:sub with a pattern operator: use StringEquals with exactly one "system:serviceaccount:<namespace>:<name>".`
                    : `${label} lets every service account of the cluster assume the role: add Condition.StringEquals "${host}:sub": "system:serviceaccount:<namespace>:<name>".`,
            );
        } else if (asList(sub).length !== 1 || !SERVICE_ACCOUNT_SUBJECT.test(String(asList(sub)[0]))) {
            problems.push(
                `${label} scopes ${host}:sub to ${canonical(sub)}: name exactly one service account, "system:serviceaccount:<namespace>:<name>", without wildcards.`,
            );
        }
        if (canonical(asList(aud)) !== canonical(["sts.amazonaws.com"])) {
            problems.push(
                `${label} does not pin the token audience: add Condition.StringEquals "${host}:aud": "sts.amazonaws.com".`,
            );
        }
        return problems;
    });
}

export const irsaTrustScoped = resourcePolicy(
    "irsa-trust-scoped",
    "IRSA trust policies admit exactly one service account (StringEquals :sub) and only tokens for STS (:aud sts.amazonaws.com).",
    [TYPES.iamRole],
    documentCheck(
        (_type, props) =>
            props.assumeRolePolicy === undefined
                ? []
                : [{ label: "the trust policy", document: props.assumeRolePolicy }],
        irsaStatementProblems,
    ),
);

// ---------------------------------------------------------------------------------------------
// Workloads

const POD_SPEC: Readonly<Record<string, (props: Props) => Props | undefined>> = {
    "kubernetes:apps/v1:Deployment": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:ReplicaSet": (p) => p.spec?.template?.spec,
    "kubernetes:batch/v1:Job": (p) => p.spec?.template?.spec,
    "kubernetes:batch/v1:CronJob": (p) => p.spec?.jobTemplate?.spec?.template?.spec,
    "kubernetes:core/v1:Pod": (p) => p.spec,
};
export const WORKLOAD_TYPES = Object.keys(POD_SPEC);
/** Workloads that serve until replaced (Jobs finish: probes would only get in the way). */
const LONG_RUNNING_TYPES = WORKLOAD_TYPES.filter((type) => !type.startsWith("kubernetes:batch/"));

export function podSpecOf(type: string, props: Props): Props | undefined {
    return POD_SPEC[type]?.(props);
}

interface ContainerRef {
    readonly container: Props;
    readonly label: string;
}

type ContainerList = "containers" | "initContainers" | "ephemeralContainers";
const CONTAINER_LABELS: Readonly<Record<ContainerList, string>> = {
    containers: "container",
    initContainers: "init container",
    ephemeralContainers: "ephemeral container",
};

export function containersOf(podSpec: Props, lists: readonly ContainerList[]): ContainerRef[] {
    return lists.flatMap((list) =>
        asList(podSpec[list]).map((container) => ({
            container,
            label: `${CONTAINER_LABELS[list]} "${container?.name ?? "?"}"`,
        })),
    );
}

/** A check over a workload's pod spec. */
function workloadCheck(check: (podSpec: Props, type: string) => string[]): Check {
    return (props, args) => {
        const podSpec = podSpecOf(args.type, props);
        return podSpec === undefined ? [] : check(podSpec, args.type);
    };
}

const SECCOMP_OK = new Set(["RuntimeDefault", "Localhost"]);

/** Pod Security Standards `restricted` (which includes `baseline`), for one pod spec. */
export function podSecurityProblems(podSpec: Props): string[] {
    const pod = podSpec.securityContext ?? {};
    const problems: string[] = [];
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (podSpec[field] === true)
            problems.push(`The pod sets ${field}: true: remove it (host namespaces break isolation).`);
    }
    for (const volume of asList(podSpec.volumes).filter((v) => v?.hostPath !== undefined)) {
        problems.push(
            `Volume "${volume.name}" mounts a hostPath: use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim.`,
        );
    }
    for (const { container, label } of containersOf(podSpec, ["containers", "initContainers", "ephemeralContainers"])) {
        const context = container.securityContext ?? {};
        if ((context.runAsNonRoot ?? pod.runAsNonRoot) !== true)
            problems.push(
                `${label} may run as root: set runAsNonRoot: true (pod or container securityContext) and a non-zero runAsUser.`,
            );
        if ((context.runAsUser ?? pod.runAsUser) === 0)
            problems.push(`${label} runs as user 0: run as a non-zero UID.`);
        if (context.privileged === true) problems.push(`${label} is privileged: remove securityContext.privileged.`);
        if (context.allowPrivilegeEscalation !== false)
            problems.push(`${label} may escalate privileges: set securityContext.allowPrivilegeEscalation: false.`);
        if (!asList(context.capabilities?.drop).includes("ALL"))
            problems.push(`${label} keeps Linux capabilities: set securityContext.capabilities.drop: ["ALL"].`);
        const added = asList(context.capabilities?.add).filter((capability) => capability !== "NET_BIND_SERVICE");
        if (added.length > 0)
            problems.push(`${label} adds capabilities ${added.join(", ")}: only NET_BIND_SERVICE is allowed.`);
        for (const port of asList(container.ports).filter((p) => p?.hostPort))
            problems.push(`${label} binds host port ${port.hostPort}: expose it through a Service instead.`);
        const seccomp = context.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (!SECCOMP_OK.has(seccomp))
            problems.push(
                `${label} has seccomp profile ${seccomp ?? "unset"}: set seccompProfile.type: RuntimeDefault (pod or container securityContext).`,
            );
    }
    return problems;
}

export const podSecurityRestricted = resourcePolicy(
    "pod-security-restricted",
    "Workloads meet Pod Security `restricted`: non-root, no privilege escalation, capabilities dropped, seccomp RuntimeDefault, no host access.",
    WORKLOAD_TYPES,
    workloadCheck(podSecurityProblems),
);

export const readOnlyRootFilesystem = resourcePolicy(
    "read-only-root-filesystem",
    "Containers run with a read-only root filesystem.",
    WORKLOAD_TYPES,
    workloadCheck((podSpec) =>
        containersOf(podSpec, ["containers", "initContainers"])
            .filter(({ container }) => container.securityContext?.readOnlyRootFilesystem !== true)
            .map(
                ({ label }) =>
                    `${label} can write to its root filesystem: set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where it must write (e.g. /tmp).`,
            ),
    ),
);

export const containerResources = resourcePolicy(
    "container-resources",
    "Containers request CPU and memory and limit memory.",
    WORKLOAD_TYPES,
    workloadCheck((podSpec) =>
        containersOf(podSpec, ["containers", "initContainers"]).flatMap(({ container, label }) => {
            const resources = container.resources ?? {};
            const missing = [
                resources.requests?.cpu === undefined ? "requests.cpu" : "",
                resources.requests?.memory === undefined ? "requests.memory" : "",
                resources.limits?.memory === undefined ? "limits.memory" : "",
            ].filter(Boolean);
            return missing.length === 0
                ? []
                : [
                      `${label} sets no resources.${missing.join(", resources.")}: request CPU and memory (the scheduler and the HPA need them) and limit memory (a leak would otherwise starve the node).`,
                  ];
        }),
    ),
);

export const containerProbes = resourcePolicy(
    "container-probes",
    "Long-running containers have readiness and liveness probes.",
    LONG_RUNNING_TYPES,
    workloadCheck((podSpec) =>
        containersOf(podSpec, ["containers"]).flatMap(({ container, label }) => {
            const missing = ["readinessProbe", "livenessProbe"].filter((probe) => container[probe] === undefined);
            return missing.length === 0
                ? []
                : [
                      `${label} has no ${missing.join(" or ")}: add them, so traffic reaches only ready pods and hung ones restart.`,
                  ];
        }),
    ),
);

export type ImagePinning = "digest" | "tag" | "latest" | "untagged";

/** How an image reference is pinned. A registry port ("host:5000/app") is not a tag. */
export function imagePinning(image: string): ImagePinning {
    if (/@[a-z0-9]+:[a-f0-9]{32,}$/.test(image)) return "digest";
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return "untagged";
    return lastSegment.slice(colon + 1) === "latest" ? "latest" : "tag";
}

export const imagePinned = resourcePolicy(
    "image-pinned",
    "Container images are pinned by digest or an explicit version tag, never :latest.",
    WORKLOAD_TYPES,
    workloadCheck((podSpec) =>
        containersOf(podSpec, ["containers", "initContainers", "ephemeralContainers"]).flatMap(
            ({ container, label }) => {
                const image = String(container.image ?? "");
                const pinning = imagePinning(image);
                if (pinning === "digest" || pinning === "tag") return [];
                const why = pinning === "latest" ? "uses :latest" : "has no tag, so it means :latest";
                return [
                    `${label} image "${image}" ${why}, which changes under you: pin it by digest (image@sha256:...) or an explicit version tag.`,
                ];
            },
        ),
    ),
);

const HPA_TYPES = new Set([
    "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler",
]);
const SCALE_TARGET_TYPES: Readonly<Record<string, string>> = {
    Deployment: "kubernetes:apps/v1:Deployment",
    StatefulSet: "kubernetes:apps/v1:StatefulSet",
    ReplicaSet: "kubernetes:apps/v1:ReplicaSet",
};

export const noReplicasUnderHpa: StackValidationPolicy = {
    name: "no-replicas-under-hpa",
    description: "A workload an HPA scales declares no spec.replicas (every update would reset the HPA's count).",
    validateStack: (args, reportViolation) => {
        for (const hpa of args.resources.filter((r) => HPA_TYPES.has(r.type))) {
            const declared = declaredK8s(hpa);
            const ref = declared.spec?.scaleTargetRef ?? {};
            const targetType = SCALE_TARGET_TYPES[ref.kind];
            if (targetType === undefined) continue;
            const namespace = declared.metadata?.namespace;
            const targets = args.resources.filter((r) => {
                if (r.type !== targetType) return false;
                // By name, or through the name Output the HPA took from the workload (auto-named ones).
                const meta = declaredK8s(r).metadata ?? {};
                const name = meta.name ?? r.props.metadata?.name;
                return (name === ref.name && meta.namespace === namespace) || dependenciesOf(hpa, "spec").includes(r);
            });
            for (const target of targets.filter((t) => declaredK8s(t).spec?.replicas !== undefined)) {
                reportViolation(
                    `${ref.kind} ${target.name} sets spec.replicas (${declaredK8s(target).spec.replicas}) while HPA ${hpa.name} scales it: every update resets the count the HPA chose; leave replicas unset.`,
                    target.urn,
                );
            }
        }
    },
};

export const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
const PSS = "pod-security.kubernetes.io";

export const namespacePodSecurityLabels = resourcePolicy(
    "namespace-pod-security-labels",
    "Namespaces carry a Pod Security enforce label; below restricted, warn and audit stay restricted.",
    [TYPES.namespace],
    (props) => {
        const labels: Props = props.metadata?.labels ?? {};
        const enforce = labels[`${PSS}/enforce`];
        if (!(POD_SECURITY_LEVELS as readonly string[]).includes(enforce)) {
            return [
                `The namespace has ${enforce === undefined ? "no" : `an invalid (${enforce})`} ${PSS}/enforce label: label it restricted (or the lowest level its pods need, with warn and audit restricted).`,
            ];
        }
        if (enforce === "restricted") return [];
        return ["warn", "audit"]
            .filter((mode) => labels[`${PSS}/${mode}`] !== "restricted")
            .map(
                (mode) =>
                    `The namespace enforces only ${enforce}: set ${PSS}/${mode}: restricted so what falls short of restricted stays visible.`,
            );
    },
);

/** Kinds that live outside namespaces (a CustomResource is taken as namespaced). */
const CLUSTER_SCOPED_KINDS = new Set([
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
]);
const HELM_TYPES = new Set<string>([TYPES.helmRelease, TYPES.helmChartV3, TYPES.helmChartV4]);

/** The namespace a resource lands in, or undefined when it has none (cluster-scoped, not Kubernetes). */
export function targetNamespace(type: string, props: Props, providerNamespace: unknown): string | undefined {
    if (!type.startsWith("kubernetes:")) return undefined;
    const explicit = HELM_TYPES.has(type) ? props.namespace : props.metadata?.namespace;
    if (!HELM_TYPES.has(type)) {
        const kind = type.split(":")[2];
        if (
            CLUSTER_SCOPED_KINDS.has(kind) ||
            kind.endsWith("Patch") ||
            kind.endsWith("List") ||
            type.startsWith("kubernetes:yaml") ||
            type.startsWith("kubernetes:kustomize")
        )
            return undefined;
    }
    // An empty namespace means "not set", as for the API server.
    if (typeof explicit === "string" && explicit !== "") return explicit;
    return typeof providerNamespace === "string" && providerNamespace !== "" ? providerNamespace : "default";
}

export const noDefaultNamespace: ResourceValidationPolicy = {
    name: "no-default-namespace",
    description:
        "Nothing is deployed to the `default` namespace (it has no Pod Security labels and belongs to everyone).",
    validateResource: (args, reportViolation) => {
        const namespace = targetNamespace(args.type, args.props, args.provider?.props?.namespace);
        if (namespace === "default") {
            reportViolation(
                "This lands in the default namespace: set metadata.namespace (namespace for Helm) to the namespace the component owns.",
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------
// Services

const SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme";
const LEGACY_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal";

/** Internal only when annotated so: the in-tree controller's default is internet-facing. */
export function isInternalLoadBalancer(annotations: Props | undefined): boolean {
    return (
        annotations?.[SCHEME] === "internal" || ["true", "0.0.0.0/0"].includes(String(annotations?.[LEGACY_INTERNAL]))
    );
}

const MONITORING_UI = /grafana|prometheus|alertmanager/i;

/** Helm values that hold each monitoring chart's UI Services, by chart name. */
export const MONITORING_UI_SERVICES: Readonly<Record<string, readonly string[][]>> = {
    "kube-prometheus-stack": [
        ["grafana", "service"],
        ["prometheus", "service"],
        ["alertmanager", "service"],
    ],
    grafana: [["service"]],
    prometheus: [
        ["server", "service"],
        ["alertmanager", "service"],
    ],
    alertmanager: [["service"]],
};

/** The chart's own name from "name", "repo/name", an OCI reference or a .tgz URL. */
export function chartName(chart: unknown): string {
    const last =
        String(chart ?? "")
            .split("/")
            .pop() ?? "";
    return last.replace(/\.tgz$/, "").replace(/-v?\d+\.\d+\.\d+.*$/, "");
}

const pathGet = (value: unknown, path: readonly string[]): any =>
    path.reduce<any>((node, key) => (node && typeof node === "object" ? node[key] : undefined), value);

const PUBLIC_UI_FIX =
    "keep it ClusterIP and use kubectl port-forward (pulumi stack output grafanaPortForward), or make the load balancer internal (service.beta.kubernetes.io/aws-load-balancer-scheme: internal).";

export const monitoringUiNotPublic = resourcePolicy(
    "monitoring-ui-not-public",
    "Grafana, Prometheus and Alertmanager are never behind a public load balancer.",
    [TYPES.service, ...HELM_TYPES],
    (props, args) => {
        if (args.type === TYPES.service) {
            const labels: Props = props.metadata?.labels ?? {};
            const names = [props.metadata?.name, args.name, labels["app.kubernetes.io/name"], labels.app].filter(
                (n) => typeof n === "string",
            );
            const ui = names.find((n) => MONITORING_UI.test(n));
            if (
                ui === undefined ||
                props.spec?.type !== "LoadBalancer" ||
                isInternalLoadBalancer(props.metadata?.annotations)
            )
                return [];
            return [`Service ${props.metadata?.name ?? args.name} (${ui}) is a public LoadBalancer: ${PUBLIC_UI_FIX}`];
        }
        const paths = MONITORING_UI_SERVICES[chartName(props.chart)] ?? [];
        return paths
            .filter((path) => {
                const service = pathGet(props.values, path);
                return service?.type === "LoadBalancer" && !isInternalLoadBalancer(service.annotations);
            })
            .map(
                (path) =>
                    `values.${path.join(".")}.type is LoadBalancer, a public load balancer for a monitoring UI: ${PUBLIC_UI_FIX}`,
            );
    },
);

const SSL_CERT = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert";
const SSL_PORTS = "service.beta.kubernetes.io/aws-load-balancer-ssl-ports";
const SOURCE_RANGES = "service.beta.kubernetes.io/load-balancer-source-ranges";

/** True when TLS terminates on every port of the load balancer. */
export function terminatesTls(annotations: Props, ports: Props[]): boolean {
    if (!annotations[SSL_CERT]) return false;
    const sslPorts = annotations[SSL_PORTS];
    if (sslPorts === undefined || sslPorts === "*") return true;
    const listed = new Set(
        String(sslPorts)
            .split(",")
            .map((p) => p.trim()),
    );
    return ports.every((port) => listed.has(String(port.port)) || (port.name !== undefined && listed.has(port.name)));
}

export const loadBalancerRestricted = resourcePolicy(
    "load-balancer-restricted",
    "Internet-facing LoadBalancer Services admit only configured source ranges, or terminate TLS.",
    [TYPES.service],
    (props) => {
        const annotations: Props = props.metadata?.annotations ?? {};
        if (props.spec?.type !== "LoadBalancer" || isInternalLoadBalancer(annotations)) return [];
        const ranges = [
            ...asList(props.spec?.loadBalancerSourceRanges),
            ...String(annotations[SOURCE_RANGES] ?? "")
                .split(",")
                .map((r) => r.trim())
                .filter(Boolean),
        ];
        const open = ranges.filter((range) => OPEN_CIDRS.has(range));
        if ((ranges.length > 0 && open.length === 0) || terminatesTls(annotations, asList(props.spec?.ports)))
            return [];
        const reach =
            open.length > 0 ? `admits ${open.join(", ")}` : "admits the whole internet (no loadBalancerSourceRanges)";
        return [
            `The internet-facing load balancer ${reach}: list the clients' CIDRs in spec.loadBalancerSourceRanges (backend.loadBalancerSourceRanges in the stack config), terminate TLS on it (${SSL_CERT}), or make it internal.`,
        ];
    },
);

// ---------------------------------------------------------------------------------------------
// Helm

const EXACT_SEMVER =
    /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

export function isExactVersion(version: unknown): boolean {
    return typeof version === "string" && EXACT_SEMVER.test(version);
}

/** Where a chart comes from, judged: "" when fine, else what is wrong. */
export function chartSourceProblem(chart: string, repo: string | undefined, plainHttp: boolean): string {
    if (plainHttp) return "it is pulled over plain HTTP (plainHttp: true)";
    if (repo !== undefined) return /^(https|oci):\/\//.test(repo) ? "" : `its repository ${repo} is not https`;
    if (/^(https|oci):\/\//.test(chart)) return "";
    if (/^http:\/\//.test(chart)) return `it is fetched over plain HTTP (${chart})`;
    return `it names no repository, so it comes from whatever "helm repo" this machine has configured`;
}

const isLocalChart = (chart: string): boolean => /^(\.{1,2}\/|\/)/.test(chart);

export const helmChartPinned = resourcePolicy(
    "helm-chart-pinned",
    "Helm charts come from https (or OCI) repositories at an exact version.",
    [...HELM_TYPES],
    (props, args) => {
        const chart = String(props.chart ?? "");
        // A chart vendored in this repository is pinned by the commit.
        if (isLocalChart(chart)) return [];
        const problems: string[] = [];
        if (!isExactVersion(props.version)) {
            problems.push(
                `Chart ${chart} is not pinned (version ${props.version === undefined ? "unset" : `"${props.version}"`}): set version to an exact chart version such as "1.2.3".`,
            );
        }
        const repoField = args.type === TYPES.helmChartV3 ? "fetchOpts" : "repositoryOpts";
        const problem = chartSourceProblem(chart, props[repoField]?.repo, props.plainHttp === true);
        if (problem)
            problems.push(
                `Chart ${chart} is not from an https repository (${problem}): set ${repoField}.repo to the chart's https URL.`,
            );
        return problems;
    },
);

/** Passwords the charts ship with. */
const DEFAULT_GRAFANA_PASSWORDS = new Set(["prom-operator", "admin"]);

export const grafanaAdminPassword = resourcePolicy(
    "grafana-admin-password",
    "Grafana never runs with the chart's default admin password, and its password is never a plain Helm value.",
    [...HELM_TYPES],
    (props) => {
        const chart = chartName(props.chart);
        if (chart !== "kube-prometheus-stack" && chart !== "grafana") return [];
        const prefix = chart === "grafana" ? "values" : "values.grafana";
        const grafana: Props = (chart === "grafana" ? props.values : props.values?.grafana) ?? {};
        if (grafana.enabled === false) return [];
        if (grafana.adminPassword !== undefined) {
            const known = DEFAULT_GRAFANA_PASSWORDS.has(String(grafana.adminPassword))
                ? ", and it is the chart's well-known default"
                : "";
            return [
                `${prefix}.adminPassword puts Grafana's admin password in plain Helm values, readable in the release${known}: keep it in a Kubernetes Secret and set ${prefix}.admin.existingSecret instead.`,
            ];
        }
        // The grafana chart generates a random password; kube-prometheus-stack sets "prom-operator".
        if (chart === "kube-prometheus-stack" && !grafana.admin?.existingSecret) {
            return [
                `Grafana keeps the chart's default admin password (prom-operator): create a Secret with the password and set ${prefix}.admin.existingSecret (with userKey and passwordKey).`,
            ];
        }
        return [];
    },
);

// ---------------------------------------------------------------------------------------------

/** Every rule of the pack, in the order the README lists them. */
export const ALL_POLICIES: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [
    eksSecretsEncryption,
    kmsKeyRotation,
    eksSecretsKeyManaged,
    eksControlPlaneLogs,
    eksControlPlaneLogsComplete,
    eksPrivateEndpoint,
    eksPublicEndpointRestricted,
    eksAuthenticationMode,
    eksNodesNoPublicIp,
    eksNodeSubnetsPrivate,
    nodeImdsv2,
    ebsEncryption,
    iamNoWildcardAction,
    iamNoWildcardResourceWrites,
    irsaTrustScoped,
    podSecurityRestricted,
    readOnlyRootFilesystem,
    containerResources,
    containerProbes,
    imagePinned,
    noReplicasUnderHpa,
    namespacePodSecurityLabels,
    noDefaultNamespace,
    monitoringUiNotPublic,
    loadBalancerRestricted,
    helmChartPinned,
    grafanaAdminPassword,
];
