// What rules of several areas share: the type tokens, the policy builder, the readers of values
// that stack policies may find unknown or defaulted, and a few constants more than one area checks.
import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export type Props = Record<string, any>;

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
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
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

export const dependenciesOf = (resource: PolicyResource, property: string): PolicyResource[] =>
    resource.propertyDependencies[property] ?? [];

/** The program's declared Kubernetes inputs (state adds defaults, e.g. spec.replicas). */
export function declaredK8s(resource: PolicyResource): Props {
    return (resource.props.__inputs as Props | undefined) ?? resource.props;
}

/** Sources that mean "everyone", for the API endpoint and for load balancers alike. */
export const OPEN_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

export const HELM_TYPES = new Set<string>([TYPES.helmRelease, TYPES.helmChartV3, TYPES.helmChartV4]);

/** The chart's own name from "name", "repo/name", an OCI reference or a .tgz URL. */
export function chartName(chart: unknown): string {
    const last =
        String(chart ?? "")
            .split("/")
            .pop() ?? "";
    return last.replace(/\.tgz$/, "").replace(/-v?\d+\.\d+\.\d+.*$/, "");
}
