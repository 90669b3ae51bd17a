// A review stack's tenant layer: the namespace eph-<slug> on the host's cluster, and the limits
// the review's own (pull-request) code cannot write or lift: Pod Security restricted, a
// ResourceQuota, a LimitRange, the namespace's NetworkPolicies (default deny, then DNS, the host's
// Prometheus and the host's load-balancer subnets on the backend's ports), and the RoleBinding that
// lets the deployers' group create its monitors there. Trusted code only: the app role cannot write
// quotas, limits or bindings, and dev's admission refuses its NetworkPolicy writes in eph-*
// (components/review-host.ts). Pure builders; the component creates the objects.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { prometheusIngressRule } from "./backend";
import { namespaceLabels } from "./backend-pod";
import { dnsEgressRule, loadBalancerIngressRule } from "./load-balancer";

export interface ContainerLimits {
    /** Requests a container without any gets. */
    readonly defaultRequest: Readonly<{ cpu: string; memory: string }>;
    /** The memory limit a container without one gets. */
    readonly default: Readonly<{ memory: string }>;
    /** The most memory one container may ask for. */
    readonly max: Readonly<{ memory: string }>;
}

export interface TenantSettings {
    /** `eph-<slug>`, the app stack's name. */
    readonly namespace: string;
    /** The tenant stack (tenant-<slug>) and the review's owner, labelled on the namespace. */
    readonly stack: string;
    readonly owner: string;
    /** ResourceQuota `hard`. */
    readonly quota: Readonly<Record<string, string>>;
    readonly containerLimits: ContainerLimits;
    /** The app role's Kubernetes group, and the host's ClusterRole it is bound to here. */
    readonly deployersGroup: string;
    readonly monitorsClusterRole: string;
}

/** Namespace labels: the backend's (Pod Security restricted, NLB readiness gates), who owns it, which stacks. */
export function tenantNamespaceLabels(settings: TenantSettings): Record<string, string> {
    return {
        ...namespaceLabels(settings.namespace),
        "scalable-backend/tenant-stack": settings.stack,
        // A label value: what OWNER_PATTERN allows outside [A-Za-z0-9._-] becomes "_".
        "scalable-backend/owner": settings.owner
            .replace(/[^A-Za-z0-9._-]/g, "_")
            .slice(0, 63)
            .replace(/[^A-Za-z0-9]+$/, ""),
        "scalable-backend/review": "true",
    };
}

export function limitRangeSpec(limits: ContainerLimits): k8s.types.input.core.v1.LimitRangeSpec {
    return {
        limits: [
            {
                type: "Container",
                defaultRequest: { ...limits.defaultRequest },
                default: { ...limits.default },
                max: { ...limits.max },
            },
        ],
    };
}

/** What the tenant reads of its host (lib/host-contract.ts): where its NLBs and its Prometheus are. */
export interface TenantHostView {
    readonly loadBalancerSubnetCidrs: readonly string[];
    readonly monitoring: {
        readonly namespace: string;
        readonly prometheusPodLabels: Readonly<Record<string, string>>;
    };
}

export type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/**
 * The namespace's whole network policy, every pod alike: nothing in or out, but DNS, the host's
 * Prometheus on the metrics port and the host's load-balancer subnets on the traffic port (an NLB
 * exists only for a public app; the quota allows one). Written here, not by the app: the app's code
 * must not widen it.
 */
export function tenantNetworkPolicies(host: TenantHostView): Record<string, NetworkPolicySpec> {
    const all = {};
    return {
        "default-deny": { podSelector: all, policyTypes: ["Ingress", "Egress"] },
        "allow-dns": { podSelector: all, policyTypes: ["Egress"], egress: [dnsEgressRule()] },
        "allow-prometheus": {
            podSelector: all,
            policyTypes: ["Ingress"],
            ingress: [prometheusIngressRule(host.monitoring.namespace, { ...host.monitoring.prometheusPodLabels })],
        },
        "allow-load-balancer": {
            podSelector: all,
            policyTypes: ["Ingress"],
            ingress: [loadBalancerIngressRule(host.loadBalancerSubnetCidrs)],
        },
    };
}

export interface TenantArgs extends TenantSettings {
    readonly host: TenantHostView;
}

export function monitorsRoleBinding(
    settings: TenantSettings,
): Pick<k8s.types.input.rbac.v1.RoleBinding, "roleRef" | "subjects"> {
    return {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: settings.monitorsClusterRole },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: settings.deployersGroup }],
    };
}

export class Tenant extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    /** The namespace's name, once it and every limit in it exist: what the app layer may deploy into. */
    readonly namespaceName: pulumi.Output<string>;

    constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend:tenant:Tenant", name, {}, opts);
        const child = { parent: this };
        this.namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: args.namespace, labels: tenantNamespaceLabels(args) } },
            child,
        );
        const metadata = (objectName: string) => ({
            name: objectName,
            namespace: this.namespace.metadata.name,
            labels: { "app.kubernetes.io/managed-by": "pulumi", "scalable-backend/stack": args.stack },
        });
        const quota = new k8s.core.v1.ResourceQuota(
            `${name}-quota`,
            { metadata: metadata("review"), spec: { hard: { ...args.quota } } },
            child,
        );
        const limits = new k8s.core.v1.LimitRange(
            `${name}-limits`,
            { metadata: metadata("review"), spec: limitRangeSpec(args.containerLimits) },
            child,
        );
        const policies = Object.entries(tenantNetworkPolicies(args.host)).map(
            ([policyName, spec]) =>
                new k8s.networking.v1.NetworkPolicy(
                    `${name}-${policyName}`,
                    { metadata: metadata(policyName), spec },
                    child,
                ),
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-monitors`,
            { metadata: metadata("review-deployers-monitors"), ...monitorsRoleBinding(args) },
            child,
        );
        // The app layer starts only once the limits are in place: a pod admitted before its quota escapes it.
        this.namespaceName = pulumi
            .all([this.namespace.metadata.name, quota.id, limits.id, binding.id, ...policies.map((p) => p.id)])
            .apply(([namespace]) => namespace);
        this.registerOutputs({ namespaceName: this.namespaceName });
    }
}
