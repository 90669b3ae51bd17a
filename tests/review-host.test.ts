// The RBAC dev grants the review stacks it hosts: exact rules, the binding, dev only, on the
// cluster's provider, and no needless wait.
import * as assert from "node:assert/strict";
import {
    namespaceRegex,
    REVIEW_NAMESPACE_REGEX,
    reviewMonitorsPolicy,
    reviewHostLabels,
    reviewMonitorsClusterRole,
    reviewProvisionerClusterRole,
    reviewProvisionersBinding,
} from "../components/review-host";
import { ephemeralRun, ofType, one, stackRun } from "./helpers";

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

    it("refuses review monitors that honor target labels or relabel namespace", async () => {
        const dev = await stackRun("dev");
        const policy = one(dev, VAP, "review-host-monitors-policy").inputs;
        assert.deepEqual(policy.spec.matchConditions, [
            { name: "review-namespace", expression: "request.namespace.startsWith('eph-')" },
        ]);
        const safe = (field: string) =>
            `!has(object.spec.${field}) || object.spec.${field}.all(e, !(has(e.honorLabels) && e.honorLabels) && ` +
            `!(has(e.relabelings) && e.relabelings.exists(r, has(r.targetLabel) && r.targetLabel == 'namespace')) && ` +
            `!(has(e.metricRelabelings) && e.metricRelabelings.exists(r, has(r.targetLabel) && r.targetLabel == 'namespace')))`;
        assert.deepEqual(policy.spec.validations, [
            {
                expression: `request.resource.resource == 'podmonitors' ? (${safe("podMetricsEndpoints")}) : (${safe("endpoints")})`,
                message: "a review namespace's monitors may not honor target labels or relabel namespace",
            },
        ]);
        assert.deepEqual(policy.spec.matchConstraints.resourceRules[0].resources, ["podmonitors", "servicemonitors"]);
        assert.deepEqual(
            policy,
            JSON.parse(
                JSON.stringify({
                    apiVersion: "admissionregistration.k8s.io/v1",
                    kind: "ValidatingAdmissionPolicy",
                    ...reviewMonitorsPolicy("dev"),
                }),
            ),
        );
    });

    it("binds both with Deny, each to its policy by the policy's own name; prod has neither", async () => {
        const [dev, prod] = await Promise.all([stackRun("dev"), stackRun("prod")]);
        for (const [suffix, name] of [
            ["provisioner-scope", "scalable-backend-review-provisioner-scope"],
            ["monitors-policy", "scalable-backend-review-monitors"],
        ]) {
            const binding = one(dev, VAPB, `review-host-${suffix}-binding`);
            assert.deepEqual(binding.inputs.spec, { policyName: name, validationActions: ["Deny"] });
            assert.equal(binding.inputs.metadata.name, name);
            assert.ok(binding.dependencies.includes(one(dev, VAP, `review-host-${suffix}`).urn));
        }
        assert.deepEqual([...ofType(prod, VAP), ...ofType(prod, VAPB)], []);
    });
});
