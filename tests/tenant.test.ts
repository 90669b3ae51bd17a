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
        assert.deepEqual(
            run.resources.map((r) => `${r.type}::${r.name}`),
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
                "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::tenant-monitors",
            ],
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
                },
            },
        });
        assert.deepEqual(one(run, "kubernetes:core/v1:LimitRange", "tenant-limits").inputs.spec, {
            limits: [
                {
                    type: "Container",
                    defaultRequest: { cpu: "50m", memory: "64Mi" },
                    default: { memory: "128Mi" },
                    max: { cpu: "250m", memory: "512Mi" },
                },
            ],
        });
    });

    it("denies all traffic by default and binds the deployers' group to the host's monitors role", async () => {
        const run = await hostedRun(STACK);
        assert.deepEqual(one(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "tenant-default-deny").inputs, {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "default-deny", namespace: NAMESPACE, labels: LABELS },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        });
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
