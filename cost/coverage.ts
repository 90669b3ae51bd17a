// Every resource type the program can record, and whether the estimate prices it (and where) or it
// is free, with the reason. A type not listed here comes back as unknown, and the coverage tests
// fail on it: a new billable resource cannot slip into the stacks unpriced.
//
// pulumi-eks's own children are not recorded (the mock engine answers for eks:index:Cluster and
// eks:index:ManagedNodeGroup whole): the control plane is priced on the first, the nodes on the
// second; the IAM roles, OIDC provider, access entries and the vpc-cni and kube-proxy add-ons it
// creates carry no charge.
import type { RecordedResource } from "../testing/engine";
import type { Scope, Unpriced } from "./model";

export type Coverage = { readonly priced: string } | { readonly free: string };

const NO_CLOUD_RESOURCE = "nothing in the cloud: engine, provider or local state";
const VPC_FREE = "no charge for VPCs, subnets, route tables, internet gateways or security groups (VPC pricing)";
const IAM_FREE = "IAM has no charge";
const API_OBJECT = "a Kubernetes API object: its pods, if any, run on the priced nodes";

export const COVERAGE: Readonly<Record<string, Coverage>> = {
    "pulumi:pulumi:Stack": { free: NO_CLOUD_RESOURCE },
    "pulumi:providers:aws": { free: NO_CLOUD_RESOURCE },
    "pulumi:providers:kubernetes": { free: NO_CLOUD_RESOURCE },
    "random:index/randomPassword:RandomPassword": { free: NO_CLOUD_RESOURCE },
    "aws:ec2/vpc:Vpc": { free: VPC_FREE },
    "aws:ec2/subnet:Subnet": { free: VPC_FREE },
    "aws:ec2/internetGateway:InternetGateway": { free: VPC_FREE },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": { free: VPC_FREE },
    "aws:ec2/securityGroupRule:SecurityGroupRule": { free: VPC_FREE },
    "aws:ec2/routeTable:RouteTable": { free: VPC_FREE },
    "aws:ec2/route:Route": { free: VPC_FREE },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": { free: VPC_FREE },
    "aws:ec2/eip:Eip": { priced: "a public IPv4 address (cost/network.ts)" },
    "aws:ec2/natGateway:NatGateway": { priced: "hours and assumed data (cost/network.ts)" },
    "aws:ec2/launchTemplate:LaunchTemplate": {
        priced: "its nodes' root volumes and detailed monitoring (cost/nodes.ts); the template itself is free",
    },
    "aws:iam/role:Role": { free: IAM_FREE },
    "aws:iam/policy:Policy": { free: IAM_FREE },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { free: IAM_FREE },
    "aws:kms/key:Key": { priced: "a key-month (cost/control-plane.ts)" },
    "aws:kms/alias:Alias": { free: "KMS aliases have no charge" },
    "aws:cloudwatch/logGroup:LogGroup": { priced: "assumed ingestion and its storage (cost/control-plane.ts)" },
    "aws:eks/addon:Addon": { free: "EKS add-ons have no charge; their pods run on the priced nodes" },
    "aws:ecr/repository:Repository": { priced: "image storage (cost/images.ts)" },
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": { free: "no charge; it caps the repository's images" },
    "docker-build:index:Image": {
        free: "built where `pulumi up` runs and pushed into the ECR repository, whose storage is priced",
    },
    "eks:index:Cluster": { priced: "the control plane (cost/control-plane.ts)" },
    "eks:index:ManagedNodeGroup": { priced: "its nodes at min, desired and max size (cost/nodes.ts)" },
    "kubernetes:core/v1:Namespace": { free: API_OBJECT },
    "kubernetes:core/v1:ServiceAccount": { free: API_OBJECT },
    "kubernetes:core/v1:Secret": { free: API_OBJECT },
    "kubernetes:core/v1:ConfigMap": { free: API_OBJECT },
    "kubernetes:core/v1:ResourceQuota": { free: "a cap on the namespace, not a spend: the pods it admits are priced" },
    "kubernetes:core/v1:LimitRange": { free: "defaults and bounds for the namespace's containers: an API object" },
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": { free: "RBAC: an API object" },
    "kubernetes:core/v1:Service": {
        priced: "a LoadBalancer Service's NLB (cost/network.ts); any other Service is an API object",
    },
    "kubernetes:core/v1:PersistentVolumeClaim": { priced: "its gp3 volume (cost/volumes.ts)" },
    "kubernetes:apps/v1:Deployment": {
        priced: "on a host's cluster, its pods' share of the host's nodes (cost/hosted.ts); elsewhere its pods run on the priced nodes",
    },
    "kubernetes:apps/v1:StatefulSet": { priced: "its claim templates' volumes (cost/volumes.ts)" },
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": { free: API_OBJECT },
    "kubernetes:policy/v1:PodDisruptionBudget": { free: API_OBJECT },
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": { free: API_OBJECT },
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": { free: API_OBJECT },
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": { free: API_OBJECT },
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy": { free: API_OBJECT },
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": { free: API_OBJECT },
    "kubernetes:storage.k8s.io/v1:StorageClass": { free: "an API object; the volumes it makes are priced per claim" },
    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition": { free: API_OBJECT },
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": { free: API_OBJECT },
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": { free: API_OBJECT },
    "kubernetes:monitoring.coreos.com/v1:PodMonitor": { free: API_OBJECT },
    "kubernetes:helm.sh/v3:Release": {
        priced: "the volumes and load balancers its values configure, its chart's defaults reviewed (cost/volumes.ts)",
    },
};

/** This program's own components group resources and are nothing themselves; remote ones (":index:") are listed. */
export const isLocalComponent = (r: RecordedResource): boolean => !r.custom && !r.type.includes(":index:");

export function coverageOf(r: RecordedResource): Coverage | undefined {
    // A StackReference reads another stack's outputs from the backend; a .get reads what exists.
    if (r.read) return { free: "a read of state that exists: nothing is created or billed by it" };
    if (isLocalComponent(r)) return { free: "a component of this program: its children are priced" };
    return COVERAGE[r.type];
}

/** One entry per type the table does not know, naming the first resource of it. */
export function uncoveredTypes(scope: Scope): Unpriced[] {
    const seen = new Map<string, RecordedResource>();
    for (const r of scope.resources) if (!coverageOf(r) && !seen.has(r.type)) seen.set(r.type, r);
    return [...seen.values()].map((r) => ({
        resource: r.name,
        type: r.type,
        description: `resource type ${r.type}`,
        reason: "the estimate has no price rule for this type: price it or list it as free in cost/coverage.ts",
        kind: "unknown",
    }));
}
