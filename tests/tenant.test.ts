// The tenant layer (tenant-<slug>): evaluated with dev's own recorded outputs as its host, every
// object's exact inputs, the provider built from the host's contract, and its refusals.
import assert from "node:assert/strict";
import { checkTrustedCheckout } from "../config";
import { hostedRun, ofType, one, stackRun } from "./helpers";

const STACK = "tenant-demo";
const NAMESPACE = "eph-demo";
const LABELS = { "app.kubernetes.io/managed-by": "pulumi", "scalable-backend/stack": STACK };

describe("tenant layer", () => {
    it("creates exactly the provider, the namespace and its limits: no AWS resource at all", async () => {
        const run = await hostedRun(STACK);
        // Sorted: the engine records registrations as they answer.
        assert.deepEqual(
            run.resources.map((r) => `${r.type}::${r.name}`).sort(),
            [
                "pulumi:pulumi:Stack::scalable-backend-tenant-demo",
                // A read, not a registration: the host's outputs (tests/plan-reads.test.ts).
                "pulumi:pulumi:StackReference::host",
                "pulumi:providers:kubernetes::host",
                "scalable-backend:tenant:Tenant::tenant",
                "kubernetes:core/v1:Namespace::tenant-ns",
                "kubernetes:core/v1:ResourceQuota::tenant-quota",
                "kubernetes:core/v1:LimitRange::tenant-limits",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::tenant-default-deny",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::tenant-allow-dns",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::tenant-allow-prometheus",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::tenant-allow-load-balancer",
                "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::tenant-monitors",
            ].sort(),
        );
        assert.deepEqual(run.outputs, {
            host: "organization/scalable-backend/dev",
            namespace: NAMESPACE,
            placement: "shared",
        });
    });

    it("talks to the host's cluster with the host's kubeconfig, kept secret, on every object", async () => {
        const [run, dev] = await Promise.all([hostedRun(STACK), stackRun("dev")]);
        const provider = one(run, "pulumi:providers:kubernetes", "host");
        const contract = dev.outputs.hostContract as { kubeconfig: string; clusterName: string };
        assert.deepEqual(provider.inputs, {
            kubeconfig: contract.kubeconfig,
            enableServerSideApply: "true",
            clusterIdentifier: "scalable-backend-dev",
        });
        assert.deepEqual(provider.secretInputs, ["kubeconfig"]);
        for (const r of run.resources.filter((r) => r.type.startsWith("kubernetes:")))
            assert.ok(r.provider?.startsWith(`${provider.urn}::`), r.name);
    });

    it("makes the namespace Pod Security restricted, labelled with its stacks and owner", async () => {
        const run = await hostedRun(STACK);
        assert.deepEqual(one(run, "kubernetes:core/v1:Namespace", "tenant-ns").inputs, {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: {
                name: NAMESPACE,
                labels: {
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "pod-security.kubernetes.io/warn": "restricted",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled",
                    "app.kubernetes.io/part-of": "scalable-backend",
                    "scalable-backend/stack": NAMESPACE,
                    "scalable-backend/tenant-stack": STACK,
                    "scalable-backend/owner": "platform-team",
                    "scalable-backend/review": "true",
                },
            },
        });
    });

    it("caps compute, pods and load balancers, and allows no volume or node port", async () => {
        const run = await hostedRun(STACK);
        assert.deepEqual(one(run, "kubernetes:core/v1:ResourceQuota", "tenant-quota").inputs, {
            apiVersion: "v1",
            kind: "ResourceQuota",
            metadata: { name: "review", namespace: NAMESPACE, labels: LABELS },
            spec: {
                hard: {
                    "requests.cpu": "250m",
                    "requests.memory": "512Mi",
                    "limits.memory": "1Gi",
                    pods: "4",
                    persistentvolumeclaims: "0",
                    "requests.storage": "0",
                    "services.loadbalancers": "1",
                    "services.nodeports": "0",
                    "count/ingresses.networking.k8s.io": "0",
                    services: "5",
                    configmaps: "20",
                    secrets: "20",
                    "count/jobs.batch": "5",
                },
            },
        });
        assert.deepEqual(one(run, "kubernetes:core/v1:LimitRange", "tenant-limits").inputs.spec, {
            limits: [
                {
                    type: "Container",
                    defaultRequest: { cpu: "50m", memory: "64Mi" },
                    default: { memory: "128Mi" },
                    // Memory only: a max.cpu would become every container's default CPU limit.
                    max: { memory: "512Mi" },
                },
            ],
        });
    });

    it("writes the namespace's whole network policy: deny, then DNS, the host's Prometheus and LB subnets on the backend's ports", async () => {
        const run = await hostedRun(STACK);
        const policy = (name: string) =>
            one(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `tenant-${name}`).inputs;
        assert.deepEqual(policy("default-deny"), {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "default-deny", namespace: NAMESPACE, labels: LABELS },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        });
        assert.deepEqual(policy("allow-dns").spec, {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                        },
                    ],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ],
        });
        // From the host's contract: dev's monitoring namespace, Prometheus labels and public subnets.
        assert.deepEqual(policy("allow-prometheus").spec, {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                            podSelector: {
                                matchLabels: {
                                    "app.kubernetes.io/name": "prometheus",
                                    "operator.prometheus.io/name": "kube-prometheus-stack-prometheus",
                                },
                            },
                        },
                    ],
                    ports: [{ protocol: "TCP", port: 9090 }],
                },
            ],
        });
        assert.deepEqual(policy("allow-load-balancer").spec, {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [{ ipBlock: { cidr: "10.10.192.0/22" } }, { ipBlock: { cidr: "10.10.196.0/22" } }],
                    ports: [{ protocol: "TCP", port: 8080 }],
                },
            ],
        });
    });

    it("binds the deployers' group to the host's monitors role", async () => {
        const run = await hostedRun(STACK);
        const binding = one(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "tenant-monitors").inputs;
        assert.deepEqual(binding, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "review-deployers-monitors", namespace: NAMESPACE, labels: LABELS },
            roleRef: {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: "scalable-backend-review-monitors",
            },
            subjects: [
                { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "scalable-backend:review-deployers" },
            ],
        });
    });

    it("waits for the namespace before each object in it", async () => {
        const run = await hostedRun(STACK);
        const namespace = one(run, "kubernetes:core/v1:Namespace", "tenant-ns");
        for (const r of ofType(run, "kubernetes:core/v1:ResourceQuota").concat(
            ofType(run, "kubernetes:core/v1:LimitRange"),
            ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy"),
            ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"),
        ))
            assert.ok(r.dependencies.includes(namespace.urn), r.name);
    });

    describe("refuses to run from a pull request's checkout", () => {
        const main = {
            GITHUB_ACTIONS: "true",
            GITHUB_EVENT_NAME: "pull_request_target",
            GITHUB_REF: "refs/heads/main",
        };
        it("runs outside CI, and in CI on main (pull_request_target, schedule, dispatch)", () => {
            checkTrustedCheckout(STACK, {});
            checkTrustedCheckout(STACK, main);
            checkTrustedCheckout(STACK, { ...main, GITHUB_EVENT_NAME: "schedule" });
        });
        for (const [title, env, says] of [
            [
                "a pull_request job",
                { ...main, GITHUB_EVENT_NAME: "pull_request", GITHUB_REF: "refs/pull/7/merge" },
                "in a pull_request job",
            ],
            [
                "a branch",
                { ...main, GITHUB_EVENT_NAME: "push", GITHUB_REF: "refs/heads/feature" },
                'on ref "refs/heads/feature"',
            ],
        ] as const) {
            it(`refuses ${title}, before any resource`, async () => {
                assert.throws(
                    () => checkTrustedCheckout(STACK, env),
                    (e: Error) => e.message.includes(says) && e.message.includes("review-tenant.yml"),
                );
                await assert.rejects(
                    hostedRun(STACK, {}, { ciEnvironment: env }),
                    (e: Error & { registrations?: string[] }) =>
                        e.message.includes(says) && JSON.stringify(e.registrations) === "[]",
                );
            });
        }
    });
});
