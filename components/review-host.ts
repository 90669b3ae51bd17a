// The Kubernetes RBAC the dev cluster grants the review stacks it hosts (the shared placement):
// what their EKS access policies cannot give. The tenant layer's provisioner group gets namespaces,
// quotas, limits, NetworkPolicies and RoleBindings; the app layer's deployers get PodMonitors and
// ServiceMonitors in a review namespace only when its tenant binds them to the monitors role there.
// Plain RBAC objects: no CRD, node or controller needs to exist first.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    REVIEW_DEPLOYERS_GROUP,
    REVIEW_MONITORS_CLUSTER_ROLE,
    REVIEW_NAMESPACE_SCOPE,
    REVIEW_PROVISIONER_CLUSTER_ROLE,
    REVIEW_PROVISIONERS_GROUP,
} from "../lib/bootstrap-naming";

/**
 * An EKS namespace scope ("eph-*": a name, or a prefix and a trailing wildcard) as the anchored RE2
 * regex Prometheus and Alertmanager matchers take ("eph-.+"). Namespace names are DNS labels and end
 * in a letter or digit, so the wildcard stands for at least one character.
 */
export function namespaceRegex(scope: string): string {
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return scope.endsWith("*") ? `${literal(scope.slice(0, -1))}.+` : literal(scope);
}

/** The review stacks' namespaces as a matcher regex. */
export const REVIEW_NAMESPACE_REGEX = namespaceRegex(REVIEW_NAMESPACE_SCOPE);

const RBAC_GROUP = "rbac.authorization.k8s.io";
/** Everything a stack's provider does to an object it owns: read, server-side apply, delete. */
export const MANAGE_VERBS: readonly string[] = ["get", "list", "watch", "create", "update", "patch", "delete"];

/** The labels of every object here: what it is part of, and which stack owns it (cluster-scoped, so no namespace says). */
export function reviewHostLabels(stack: string): Record<string, string> {
    return {
        "app.kubernetes.io/part-of": "scalable-backend",
        "app.kubernetes.io/component": "review-host",
        "app.kubernetes.io/managed-by": "pulumi",
        "scalable-backend/stack": stack,
    };
}

const metadata = (name: string, stack: string) => ({ name, labels: reviewHostLabels(stack) });

/** PodMonitors and ServiceMonitors: a tenant binds its deployers to this in its namespace only. */
export function reviewMonitorsClusterRole(stack: string): k8s.rbac.v1.ClusterRoleArgs {
    return {
        metadata: metadata(REVIEW_MONITORS_CLUSTER_ROLE, stack),
        rules: [
            {
                apiGroups: ["monitoring.coreos.com"],
                resources: ["podmonitors", "servicemonitors"],
                verbs: [...MANAGE_VERBS],
            },
        ],
    };
}

/** What a tenant layer writes: the namespace, its quota, limits, default deny and the deployers' binding. */
export function reviewProvisionerClusterRole(stack: string): k8s.rbac.v1.ClusterRoleArgs {
    return {
        metadata: metadata(REVIEW_PROVISIONER_CLUSTER_ROLE, stack),
        rules: [
            { apiGroups: [""], resources: ["namespaces"], verbs: [...MANAGE_VERBS] },
            { apiGroups: [""], resources: ["resourcequotas", "limitranges"], verbs: [...MANAGE_VERBS] },
            { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: [...MANAGE_VERBS] },
            { apiGroups: [RBAC_GROUP], resources: ["rolebindings"], verbs: [...MANAGE_VERBS] },
            // RBAC's escalation check: a RoleBinding to a role is created only by someone who holds
            // the role's permissions or `bind` on it. `bind` on the monitors role alone lets the
            // tenant bind the deployers to it without ever creating monitors itself.
            {
                apiGroups: [RBAC_GROUP],
                resources: ["clusterroles"],
                verbs: ["bind"],
                resourceNames: [REVIEW_MONITORS_CLUSTER_ROLE],
            },
        ],
    };
}

/** The provisioner role, cluster-wide, to the group the provisioner role's access entry maps to. */
export function reviewProvisionersBinding(
    stack: string,
    roleName: pulumi.Input<string>,
): k8s.rbac.v1.ClusterRoleBindingArgs {
    return {
        metadata: metadata(REVIEW_PROVISIONER_CLUSTER_ROLE, stack),
        roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: roleName },
        subjects: [{ apiGroup: RBAC_GROUP, kind: "Group", name: REVIEW_PROVISIONERS_GROUP }],
    };
}

/** The review namespaces' prefix, for CEL (`eph-*` without its wildcard). */
const REVIEW_PREFIX = REVIEW_NAMESPACE_SCOPE.replace(/\*$/, "");

export const PROVISIONER_SCOPE_POLICY = "scalable-backend-review-provisioner-scope";
export const REVIEW_MONITORS_POLICY = "scalable-backend-review-monitors";

/**
 * RBAC cannot scope the provisioner's grant to some namespaces, so admission does: every write of
 * the provisioners' group names an eph-* namespace (the Namespace itself, or an object in one).
 */
export function provisionerScopePolicy(stack: string): k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs {
    return {
        metadata: metadata(PROVISIONER_SCOPE_POLICY, stack),
        spec: {
            failurePolicy: "Fail",
            matchConstraints: {
                resourceRules: [
                    {
                        apiGroups: ["", "networking.k8s.io", RBAC_GROUP],
                        apiVersions: ["*"],
                        operations: ["CREATE", "UPDATE", "DELETE"],
                        resources: ["namespaces", "resourcequotas", "limitranges", "networkpolicies", "rolebindings"],
                    },
                ],
            },
            matchConditions: [
                {
                    name: "review-provisioners",
                    expression: `'${REVIEW_PROVISIONERS_GROUP}' in request.userInfo.groups`,
                },
            ],
            validations: [
                {
                    expression: `(request.resource.resource == 'namespaces' ? request.name : request.namespace).startsWith('${REVIEW_PREFIX}')`,
                    message: `the review provisioners may write only ${REVIEW_NAMESPACE_SCOPE} namespaces and objects in them`,
                },
            ],
        },
    };
}

/**
 * A review namespace's monitors cannot pass for the host's: a PodMonitor or ServiceMonitor there
 * scrapes its own namespace only, and Prometheus sets `namespace` from the target, so it may not
 * honor the target's labels, relabel anything (a `labelmap` or `${1}` can write `namespace` as
 * surely as a `targetLabel`), copy pod or service labels onto the series, or select other
 * namespaces. Otherwise its series could fire the host's alerts and fill its dashboard as "backend".
 */
export function reviewMonitorsPolicy(stack: string): k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs {
    const plain = (endpoints: string) =>
        `!has(object.spec.${endpoints}) || object.spec.${endpoints}.all(e, ` +
        `!(has(e.honorLabels) && e.honorLabels) && ` +
        `(!has(e.relabelings) || size(e.relabelings) == 0) && ` +
        `(!has(e.metricRelabelings) || size(e.metricRelabelings) == 0))`;
    return {
        metadata: metadata(REVIEW_MONITORS_POLICY, stack),
        spec: {
            failurePolicy: "Fail",
            matchConstraints: {
                resourceRules: [
                    {
                        apiGroups: ["monitoring.coreos.com"],
                        apiVersions: ["*"],
                        operations: ["CREATE", "UPDATE"],
                        resources: ["podmonitors", "servicemonitors"],
                    },
                ],
            },
            matchConditions: [
                { name: "review-namespace", expression: `request.namespace.startsWith('${REVIEW_PREFIX}')` },
            ],
            validations: [
                {
                    expression: `request.resource.resource == 'podmonitors' ? (${plain("podMetricsEndpoints")}) : (${plain("endpoints")})`,
                    message: "a review namespace's monitors may not honor target labels or relabel",
                },
                {
                    expression:
                        "!has(object.spec.namespaceSelector) || " +
                        "(!(has(object.spec.namespaceSelector.any) && object.spec.namespaceSelector.any) && " +
                        "(!has(object.spec.namespaceSelector.matchNames) || object.spec.namespaceSelector.matchNames.all(n, n == request.namespace)))",
                    message: "a review namespace's monitors may select their own namespace only",
                },
                {
                    expression: "!has(object.spec.podTargetLabels) && !has(object.spec.targetLabels)",
                    message: "a review namespace's monitors may not copy pod or service labels onto their series",
                },
            ],
        },
    };
}

export const DEPLOYERS_NETWORK_POLICY = "scalable-backend-review-deployers-network";

/**
 * The tenant writes a review namespace's NetworkPolicies (default deny and the allows its app
 * needs); the app role's AmazonEKSEditPolicy could delete or widen them: admission refuses its writes.
 */
export function deployersNetworkPolicy(stack: string): k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs {
    return {
        metadata: metadata(DEPLOYERS_NETWORK_POLICY, stack),
        spec: {
            failurePolicy: "Fail",
            matchConstraints: {
                resourceRules: [
                    {
                        apiGroups: ["networking.k8s.io"],
                        apiVersions: ["*"],
                        operations: ["CREATE", "UPDATE", "DELETE"],
                        resources: ["networkpolicies"],
                    },
                ],
            },
            matchConditions: [
                { name: "review-deployers", expression: `'${REVIEW_DEPLOYERS_GROUP}' in request.userInfo.groups` },
                { name: "review-namespace", expression: `request.namespace.startsWith('${REVIEW_PREFIX}')` },
            ],
            validations: [
                {
                    expression: "false",
                    message: `a review namespace's NetworkPolicies are its tenant's: the review deployers may not write them`,
                },
            ],
        },
    };
}

export const REVIEW_SERVICES_POLICY = "scalable-backend-review-services";

/** Annotations that would open a review NLB beyond its source ranges or swap its security groups. */
export const REFUSED_SERVICE_ANNOTATIONS: readonly string[] = [
    "service.beta.kubernetes.io/aws-load-balancer-security-groups",
    "service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules",
    "service.beta.kubernetes.io/load-balancer-source-ranges",
];

/**
 * A review namespace publishes only what its author asked, to whom they named: a LoadBalancer
 * Service is the controller's NLB (a class set: none would fall to the in-tree controller) with
 * source ranges, none of them everyone, and no annotation that replaces them. The app's own code
 * checks the same before any resource; this holds whatever code the review brings.
 */
export function reviewServicesPolicy(stack: string): k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs {
    const annotations = REFUSED_SERVICE_ANNOTATIONS.map((a) => `'${a}'`).join(", ");
    return {
        metadata: metadata(REVIEW_SERVICES_POLICY, stack),
        spec: {
            failurePolicy: "Fail",
            matchConstraints: {
                resourceRules: [
                    { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["services"] },
                ],
            },
            matchConditions: [
                { name: "review-namespace", expression: `request.namespace.startsWith('${REVIEW_PREFIX}')` },
            ],
            validations: [
                {
                    expression:
                        "object.spec.type != 'LoadBalancer' || (" +
                        "has(object.spec.loadBalancerClass) && object.spec.loadBalancerClass == 'service.k8s.aws/nlb' && " +
                        "has(object.spec.loadBalancerSourceRanges) && size(object.spec.loadBalancerSourceRanges) > 0 && " +
                        "!object.spec.loadBalancerSourceRanges.exists(c, c == '0.0.0.0/0' || c == '::/0'))",
                    message:
                        "a review namespace's LoadBalancer Service must be the controller's NLB (loadBalancerClass service.k8s.aws/nlb) with loadBalancerSourceRanges, none of them 0.0.0.0/0 or ::/0",
                },
                {
                    expression: `!has(object.metadata.annotations) || !object.metadata.annotations.exists(k, k in [${annotations}])`,
                    message:
                        "a review namespace's Service may not replace its load balancer's security groups or source ranges",
                },
            ],
        },
    };
}

/** Denies what a policy refuses (audit alone would let it through). */
export function denyBinding(
    stack: string,
    policyName: pulumi.Input<string>,
    name: string,
): k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs {
    return { metadata: metadata(name, stack), spec: { policyName, validationActions: ["Deny"] } };
}

export interface ReviewHostArgs {
    /** The hosting stack's name, on every object's labels. */
    readonly stack: string;
}

export class ReviewHost extends pulumi.ComponentResource {
    readonly monitorsRole: k8s.rbac.v1.ClusterRole;
    readonly provisionerRole: k8s.rbac.v1.ClusterRole;

    /** Its Kubernetes provider comes through `opts.providers`, as every workload component's does. */
    constructor(name: string, args: ReviewHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend:review-host:ReviewHost", name, {}, opts);
        const child = { parent: this };
        this.monitorsRole = new k8s.rbac.v1.ClusterRole(
            `${name}-monitors-role`,
            reviewMonitorsClusterRole(args.stack),
            child,
        );
        this.provisionerRole = new k8s.rbac.v1.ClusterRole(
            `${name}-provisioner-role`,
            reviewProvisionerClusterRole(args.stack),
            child,
        );
        // Bound by the role's output name: destroy removes the binding before the role.
        new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-provisioner-binding`,
            reviewProvisionersBinding(args.stack, this.provisionerRole.metadata.name),
            child,
        );
        // Admission confines what RBAC cannot: the provisioners to eph-*, the deployers away from
        // their namespace's NetworkPolicies, review monitors to their own series, review Services to
        // what their author published.
        for (const [suffix, policyName, policyArgs] of [
            ["provisioner-scope", PROVISIONER_SCOPE_POLICY, provisionerScopePolicy(args.stack)],
            ["monitors-policy", REVIEW_MONITORS_POLICY, reviewMonitorsPolicy(args.stack)],
            ["deployers-network", DEPLOYERS_NETWORK_POLICY, deployersNetworkPolicy(args.stack)],
            ["services-policy", REVIEW_SERVICES_POLICY, reviewServicesPolicy(args.stack)],
        ] as const) {
            const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
                `${name}-${suffix}`,
                policyArgs,
                child,
            );
            new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
                `${name}-${suffix}-binding`,
                denyBinding(args.stack, policy.metadata.name, policyName),
                child,
            );
        }
        this.registerOutputs({
            monitorsRole: this.monitorsRole.metadata.name,
            provisionerRole: this.provisionerRole.metadata.name,
        });
    }
}
