// The RBAC dev grants the review stacks it hosts: exact rules, the binding, dev only, on the
// cluster's provider, and no needless wait.
import * as assert from "node:assert/strict";
import { isCelError, run } from "@bufbuild/cel";
import type * as k8s from "@pulumi/kubernetes";
import {
    namespaceRegex,
    REVIEW_NAMESPACE_REGEX,
    deployersNetworkPolicy,
    provisionerScopePolicy,
    reviewMonitorsPolicy,
    reviewServicesPolicy,
    reviewHostLabels,
    reviewMonitorsClusterRole,
    reviewProvisionerClusterRole,
    reviewProvisionersBinding,
} from "../components/review-host";
import { ephemeralRun, hostedRun, ofType, one, stackRun } from "./helpers";

const VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"];
const LABELS = {
    "app.kubernetes.io/part-of": "scalable-backend",
    "app.kubernetes.io/component": "review-host",
    "app.kubernetes.io/managed-by": "pulumi",
    "scalable-backend/stack": "dev",
};
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";

describe("review host: pure builders", () => {
    it("turns an EKS namespace scope into the anchored regex Prometheus and Alertmanager match with", () => {
        assert.equal(REVIEW_NAMESPACE_REGEX, "eph-.+");
        assert.equal(namespaceRegex("backend"), "backend");
        assert.equal(namespaceRegex("a.b-*"), "a\\.b-.+");
    });

    it("labels what it makes with its part, component and owning stack", () => {
        assert.deepEqual(reviewHostLabels("dev"), LABELS);
    });

    it("lets whoever is bound to the monitors role manage PodMonitors and ServiceMonitors, nothing else", () => {
        assert.deepEqual(reviewMonitorsClusterRole("dev"), {
            metadata: { name: "scalable-backend-review-monitors", labels: LABELS },
            rules: [
                {
                    apiGroups: ["monitoring.coreos.com"],
                    resources: ["podmonitors", "servicemonitors"],
                    verbs: VERBS,
                },
            ],
        });
    });

    it("lets the provisioner write namespaces, quotas, limits, NetworkPolicies and RoleBindings, and bind only the monitors role", () => {
        assert.deepEqual(reviewProvisionerClusterRole("dev"), {
            metadata: { name: "scalable-backend-review-provisioner", labels: LABELS },
            rules: [
                { apiGroups: [""], resources: ["namespaces"], verbs: VERBS },
                { apiGroups: [""], resources: ["resourcequotas", "limitranges"], verbs: VERBS },
                { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: VERBS },
                { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: VERBS },
                {
                    apiGroups: ["rbac.authorization.k8s.io"],
                    resources: ["clusterroles"],
                    verbs: ["bind"],
                    resourceNames: ["scalable-backend-review-monitors"],
                },
            ],
        });
    });

    it("binds the provisioner role cluster-wide to the provisioners' group", () => {
        assert.deepEqual(reviewProvisionersBinding("dev", "scalable-backend-review-provisioner"), {
            metadata: { name: "scalable-backend-review-provisioner", labels: LABELS },
            roleRef: {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: "scalable-backend-review-provisioner",
            },
            subjects: [
                { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "scalable-backend:review-provisioners" },
            ],
        });
    });
});

describe("review host: dev stack", () => {
    it("creates both ClusterRoles and the binding in a ReviewHost, exactly as built, on the cluster's provider", async () => {
        const run = await stackRun("dev");
        const host = one(run, "scalable-backend:review-host:ReviewHost", "review-host");
        const provider = one(run, "pulumi:providers:kubernetes", "cluster-k8s");
        const monitors = one(run, CLUSTER_ROLE, "review-host-monitors-role");
        const provisioner = one(run, CLUSTER_ROLE, "review-host-provisioner-role");
        const binding = one(run, CLUSTER_ROLE_BINDING, "review-host-provisioner-binding");
        const rbac = "rbac.authorization.k8s.io/v1";
        assert.deepEqual(monitors.inputs, {
            apiVersion: rbac,
            kind: "ClusterRole",
            ...reviewMonitorsClusterRole("dev"),
        });
        assert.deepEqual(provisioner.inputs, {
            apiVersion: rbac,
            kind: "ClusterRole",
            ...reviewProvisionerClusterRole("dev"),
        });
        assert.deepEqual(binding.inputs, {
            apiVersion: rbac,
            kind: "ClusterRoleBinding",
            ...reviewProvisionersBinding("dev", "scalable-backend-review-provisioner"),
        });
        for (const resource of [monitors, provisioner, binding]) {
            assert.equal(resource.parent, host.urn, resource.name);
            assert.ok(resource.provider?.startsWith(`${provider.urn}::`), `${resource.name} on the cluster's provider`);
        }
        assert.equal(ofType(run, CLUSTER_ROLE).length, 2);
        assert.equal(ofType(run, CLUSTER_ROLE_BINDING).length, 1);
    });

    it("waits for nothing (RBAC needs no CRD, node or controller); the binding waits for its role", async () => {
        const run = await stackRun("dev");
        const provisioner = one(run, CLUSTER_ROLE, "review-host-provisioner-role");
        for (const name of ["review-host-monitors-role", "review-host-provisioner-role"]) {
            const role = one(run, CLUSTER_ROLE, name);
            assert.deepEqual(role.dependencies, [], name);
            assert.deepEqual(role.options.dependsOn, [], name);
        }
        const binding = one(run, CLUSTER_ROLE_BINDING, "review-host-provisioner-binding");
        assert.deepEqual(binding.dependencies, [provisioner.urn], "destroy removes the binding first");
    });
});

describe("review host: only dev hosts review stacks", () => {
    it("gives prod and a cluster-placement eph-* stack no review RBAC", async () => {
        for (const run of [await stackRun("prod"), await ephemeralRun()]) {
            assert.deepEqual(ofType(run, "scalable-backend:review-host:ReviewHost"), [], run.stack);
            assert.deepEqual(ofType(run, CLUSTER_ROLE), [], run.stack);
            assert.deepEqual(ofType(run, CLUSTER_ROLE_BINDING), [], run.stack);
        }
    });
});

describe("review host: admission confines what RBAC cannot", () => {
    const VAP = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
    const VAPB = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";

    it("keeps the provisioners' group to eph-* namespaces and the objects in them", async () => {
        const dev = await stackRun("dev");
        assert.deepEqual(one(dev, VAP, "review-host-provisioner-scope").inputs, {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicy",
            metadata: { name: "scalable-backend-review-provisioner-scope", labels: LABELS },
            spec: {
                failurePolicy: "Fail",
                matchConstraints: {
                    resourceRules: [
                        {
                            apiGroups: ["", "networking.k8s.io", "rbac.authorization.k8s.io"],
                            apiVersions: ["*"],
                            operations: ["CREATE", "UPDATE", "DELETE"],
                            resources: [
                                "namespaces",
                                "resourcequotas",
                                "limitranges",
                                "networkpolicies",
                                "rolebindings",
                            ],
                        },
                    ],
                },
                matchConditions: [
                    {
                        name: "review-provisioners",
                        expression: "'scalable-backend:review-provisioners' in request.userInfo.groups",
                    },
                ],
                validations: [
                    {
                        expression:
                            "(request.resource.resource == 'namespaces' ? request.name : request.namespace).startsWith('eph-')",
                        message: "the review provisioners may write only eph-* namespaces and objects in them",
                    },
                ],
            },
        });
    });

    it("records every policy exactly as built", async () => {
        const dev = await stackRun("dev");
        for (const [name, built] of [
            ["review-host-provisioner-scope", provisionerScopePolicy("dev")],
            ["review-host-monitors-policy", reviewMonitorsPolicy("dev")],
            ["review-host-deployers-network", deployersNetworkPolicy("dev")],
            ["review-host-services-policy", reviewServicesPolicy("dev")],
        ] as const)
            assert.deepEqual(
                one(dev, VAP, name).inputs,
                JSON.parse(
                    JSON.stringify({
                        apiVersion: "admissionregistration.k8s.io/v1",
                        kind: "ValidatingAdmissionPolicy",
                        ...built,
                    }),
                ),
                name,
            );
    });

    it("binds both with Deny, each to its policy by the policy's own name; prod has neither", async () => {
        const [dev, prod] = await Promise.all([stackRun("dev"), stackRun("prod")]);
        for (const [suffix, name] of [
            ["provisioner-scope", "scalable-backend-review-provisioner-scope"],
            ["monitors-policy", "scalable-backend-review-monitors"],
            ["deployers-network", "scalable-backend-review-deployers-network"],
            ["services-policy", "scalable-backend-review-services"],
        ]) {
            const binding = one(dev, VAPB, `review-host-${suffix}-binding`);
            assert.deepEqual(binding.inputs.spec, { policyName: name, validationActions: ["Deny"] });
            assert.equal(binding.inputs.metadata.name, name);
            assert.ok(binding.dependencies.includes(one(dev, VAP, `review-host-${suffix}`).urn));
        }
        assert.deepEqual([...ofType(prod, VAP), ...ofType(prod, VAPB)], []);
    });
});

/**
 * The policies' CEL, evaluated (@bufbuild/cel) against the requests the API server would send: what
 * each admits and refuses, the review's own objects included. The operation and resource matching
 * the API server does from matchConstraints is applied here too.
 */
describe("review host: the admission policies' CEL, evaluated", () => {
    interface Request {
        readonly operation: "CREATE" | "UPDATE" | "DELETE";
        readonly group?: string;
        readonly resource: string;
        readonly namespace?: string;
        readonly name: string;
        readonly groups: readonly string[];
        readonly object?: Record<string, unknown> | null;
    }
    const PROVISIONERS = ["scalable-backend:review-provisioners", "system:authenticated"];
    const DEPLOYERS = ["scalable-backend:review-deployers", "system:authenticated"];
    const ANYONE = ["system:authenticated"];

    /** "admitted" when the policy does not match or every validation holds; else the failing message. */
    function verdict(policy: k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs, request: Request): string {
        const spec = policy.spec as Record<string, any>;
        const rules = spec.matchConstraints.resourceRules as {
            apiGroups: string[];
            operations: string[];
            resources: string[];
        }[];
        const matched = rules.some(
            (r) =>
                r.operations.includes(request.operation) &&
                r.resources.includes(request.resource) &&
                r.apiGroups.includes(request.group ?? ""),
        );
        if (!matched) return "admitted";
        const bindings = {
            request: {
                operation: request.operation,
                resource: { group: request.group ?? "", version: "v1", resource: request.resource },
                name: request.name,
                namespace: request.namespace ?? "",
                userInfo: { username: "someone", groups: [...request.groups] },
            },
            object: request.object === undefined ? null : request.object,
        } as Record<string, any>;
        const value = (expression: string) => {
            const result = run(expression, bindings);
            assert.ok(
                !isCelError(result),
                `${expression}: ${String((result as { message?: string }).message ?? result)}`,
            );
            assert.equal(typeof result, "boolean", expression);
            return result as boolean;
        };
        if (!(spec.matchConditions as { expression: string }[]).every((c) => value(c.expression))) return "admitted";
        const failed = (spec.validations as { expression: string; message: string }[]).find(
            (v) => !value(v.expression),
        );
        return failed?.message ?? "admitted";
    }

    it("keeps the provisioners to eph-* namespaces and what is in them, on every operation", () => {
        const policy = provisionerScopePolicy("dev");
        const refused = "the review provisioners may write only eph-* namespaces and objects in them";
        const cases: [Request, string][] = [
            [
                { operation: "CREATE", resource: "namespaces", name: "eph-a", groups: PROVISIONERS, object: {} },
                "admitted",
            ],
            [
                { operation: "DELETE", resource: "namespaces", name: "eph-a", groups: PROVISIONERS, object: null },
                "admitted",
            ],
            [
                {
                    operation: "DELETE",
                    resource: "namespaces",
                    name: "kube-system",
                    groups: PROVISIONERS,
                    object: null,
                },
                refused,
            ],
            [
                { operation: "CREATE", resource: "namespaces", name: "backend", groups: PROVISIONERS, object: {} },
                refused,
            ],
            [
                {
                    operation: "CREATE",
                    group: "rbac.authorization.k8s.io",
                    resource: "rolebindings",
                    namespace: "eph-a",
                    name: "x",
                    groups: PROVISIONERS,
                    object: {},
                },
                "admitted",
            ],
            [
                {
                    operation: "CREATE",
                    group: "rbac.authorization.k8s.io",
                    resource: "rolebindings",
                    namespace: "kube-system",
                    name: "x",
                    groups: PROVISIONERS,
                    object: {},
                },
                refused,
            ],
            [
                {
                    operation: "UPDATE",
                    group: "networking.k8s.io",
                    resource: "networkpolicies",
                    namespace: "monitoring",
                    name: "x",
                    groups: PROVISIONERS,
                    object: {},
                },
                refused,
            ],
            [
                {
                    operation: "DELETE",
                    resource: "resourcequotas",
                    namespace: "backend",
                    name: "x",
                    groups: PROVISIONERS,
                    object: null,
                },
                refused,
            ],
            // Others are not its business: dev's own deploys write kube-system as before.
            [
                {
                    operation: "CREATE",
                    group: "rbac.authorization.k8s.io",
                    resource: "rolebindings",
                    namespace: "kube-system",
                    name: "x",
                    groups: ANYONE,
                    object: {},
                },
                "admitted",
            ],
        ];
        for (const [request, expected] of cases)
            assert.equal(verdict(policy, request), expected, JSON.stringify(request));
    });

    it("refuses a review's NetworkPolicy writes by the deployers, and nobody else's", () => {
        const policy = deployersNetworkPolicy("dev");
        const refused =
            "a review namespace's NetworkPolicies are its tenant's: the review deployers may not write them";
        const np = (operation: Request["operation"], namespace: string, groups: readonly string[]): Request => ({
            operation,
            group: "networking.k8s.io",
            resource: "networkpolicies",
            namespace,
            name: "allow-all",
            groups,
            object: operation === "DELETE" ? null : { spec: { podSelector: {}, ingress: [{}] } },
        });
        assert.equal(verdict(policy, np("CREATE", "eph-a", DEPLOYERS)), refused);
        assert.equal(verdict(policy, np("DELETE", "eph-a", DEPLOYERS)), refused);
        assert.equal(verdict(policy, np("UPDATE", "eph-b", DEPLOYERS)), refused);
        assert.equal(verdict(policy, np("CREATE", "eph-a", PROVISIONERS)), "admitted");
        assert.equal(verdict(policy, np("CREATE", "backend", ANYONE)), "admitted");
    });

    it("admits the review's own PodMonitor and refuses every way a monitor could pass for the host's", async () => {
        const policy = reviewMonitorsPolicy("dev");
        const own = (await hostedRun("eph-demo")).resources.find((r) => r.type.endsWith(":PodMonitor"))!.inputs;
        const monitor = (spec: Record<string, unknown>, resource = "podmonitors", namespace = "eph-demo"): Request => ({
            operation: "CREATE",
            group: "monitoring.coreos.com",
            resource,
            namespace,
            name: "m",
            groups: DEPLOYERS,
            object: { spec },
        });
        const endpoint = own.spec.podMetricsEndpoints[0];
        const relabel = "a review namespace's monitors may not honor target labels or relabel";
        const cases: [Request, string][] = [
            [monitor(own.spec), "admitted"],
            [monitor({ ...own.spec, podMetricsEndpoints: [{ ...endpoint, honorLabels: true }] }), relabel],
            [monitor({ ...own.spec, podMetricsEndpoints: [{ ...endpoint, honorLabels: false }] }), "admitted"],
            [
                monitor({
                    ...own.spec,
                    podMetricsEndpoints: [
                        { ...endpoint, metricRelabelings: [{ action: "labelmap", regex: "exported_(.+)" }] },
                    ],
                }),
                relabel,
            ],
            [
                monitor({
                    ...own.spec,
                    podMetricsEndpoints: [{ ...endpoint, relabelings: [{ targetLabel: "${1}", regex: "(.*)" }] }],
                }),
                relabel,
            ],
            [
                monitor({ ...own.spec, namespaceSelector: { any: true } }),
                "a review namespace's monitors may select their own namespace only",
            ],
            [
                monitor({ ...own.spec, namespaceSelector: { matchNames: ["backend"] } }),
                "a review namespace's monitors may select their own namespace only",
            ],
            [monitor({ ...own.spec, namespaceSelector: {} }), "admitted"],
            [
                monitor({ ...own.spec, podTargetLabels: ["namespace"] }),
                "a review namespace's monitors may not copy pod or service labels onto their series",
            ],
            [
                monitor(
                    {
                        selector: {},
                        endpoints: [
                            {
                                port: "metrics",
                                relabelings: [{ action: "replace", targetLabel: "namespace", replacement: "backend" }],
                            },
                        ],
                    },
                    "servicemonitors",
                ),
                relabel,
            ],
            [
                monitor({ selector: {}, endpoints: [{ port: "metrics" }], targetLabels: ["app"] }, "servicemonitors"),
                "a review namespace's monitors may not copy pod or service labels onto their series",
            ],
            [monitor({ selector: {}, endpoints: [{ port: "metrics" }] }, "servicemonitors"), "admitted"],
            // The host's own monitors are not a review's.
            [
                monitor(
                    { ...own.spec, podMetricsEndpoints: [{ ...endpoint, honorLabels: true }] },
                    "podmonitors",
                    "monitoring",
                ),
                "admitted",
            ],
        ];
        for (const [request, expected] of cases)
            assert.equal(verdict(policy, request), expected, JSON.stringify(request.object));
    });

    it("admits the review's own Services, ClusterIP and public, and refuses a LoadBalancer that publishes more", async () => {
        const policy = reviewServicesPolicy("dev");
        const service = (object: Record<string, any>, namespace = "eph-demo"): Request => ({
            operation: "CREATE",
            resource: "services",
            namespace,
            name: "backend",
            groups: DEPLOYERS,
            object,
        });
        const ownClusterIp = one(await hostedRun("eph-demo"), "kubernetes:core/v1:Service", "backend-service").inputs;
        const ownPublic = one(
            await hostedRun("eph-demo", { sourceRanges: ["203.0.113.0/24"] }),
            "kubernetes:core/v1:Service",
            "backend-service",
        ).inputs;
        const lb =
            "a review namespace's LoadBalancer Service must be the controller's NLB (loadBalancerClass service.k8s.aws/nlb) with loadBalancerSourceRanges, none of them 0.0.0.0/0 or ::/0";
        const withSpec = (spec: Record<string, unknown>) => ({ ...ownPublic, spec: { ...ownPublic.spec, ...spec } });
        const { loadBalancerClass: _class, ...noClass } = ownPublic.spec;
        const { loadBalancerSourceRanges: _ranges, ...noRanges } = ownPublic.spec;
        const cases: [Request, string][] = [
            [service(ownClusterIp), "admitted"],
            [service(ownPublic), "admitted"],
            [service({ ...ownPublic, spec: noClass }), lb],
            [service({ ...ownPublic, spec: noRanges }), lb],
            [service(withSpec({ loadBalancerSourceRanges: [] })), lb],
            [service(withSpec({ loadBalancerSourceRanges: ["203.0.113.0/24", "0.0.0.0/0"] })), lb],
            [service(withSpec({ loadBalancerSourceRanges: ["::/0"] })), lb],
            [service(withSpec({ loadBalancerClass: "eks.amazonaws.com/nlb" })), lb],
            [
                service({
                    ...ownPublic,
                    metadata: {
                        ...ownPublic.metadata,
                        annotations: {
                            ...ownPublic.metadata.annotations,
                            "service.beta.kubernetes.io/aws-load-balancer-security-groups": "sg-1",
                        },
                    },
                }),
                "a review namespace's Service may not replace its load balancer's security groups or source ranges",
            ],
            [service({ ...ownPublic, spec: noClass }, "backend"), "admitted"],
        ];
        for (const [request, expected] of cases)
            assert.equal(verdict(policy, request), expected, JSON.stringify(request.object));
    });
});
