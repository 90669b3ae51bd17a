// The app layer of a shared review stack (eph-<slug>, placement "shared"): evaluated with dev's own
// recorded outputs as its host. Every object's exact inputs, the provider built from the host's
// contract, what it never creates, and the refusals of a host it cannot use.
import assert from "node:assert/strict";
import { deploymentSpec, hpaSpec } from "../components/backend";
import { qualifiedStackName, referenceTo } from "../testing/engine";
import { hostedRun, ofType, one, stackRun } from "./helpers";

const STACK = "eph-demo";
const PREBUILT = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/backend@sha256:${"b".repeat(64)}`;
const SELECTOR = { "app.kubernetes.io/name": "backend", "app.kubernetes.io/component": "api" };
const LABELS = {
    ...SELECTOR,
    "app.kubernetes.io/part-of": "scalable-backend",
    "app.kubernetes.io/managed-by": "pulumi",
    "scalable-backend/stack": STACK,
};
const META = { name: "backend", namespace: STACK, labels: LABELS };
/** What neither layer may create: the cluster placement's network and compute. */
const CLUSTER_TYPES = [
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "eks:index:Cluster",
    "eks:index:ManagedNodeGroup",
    "aws:iam/role:Role",
];

describe("review app layer", () => {
    it("with a prebuilt image creates Kubernetes objects on the host only: no AWS resource", async () => {
        const run = await hostedRun(STACK, { image: PREBUILT });
        assert.deepEqual(run.resources.map((r) => `${r.type}::${r.name}`).sort(), [
            "kubernetes:apps/v1:Deployment::backend-deployment",
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler::backend-hpa",
            "kubernetes:core/v1:Service::backend-service",
            "kubernetes:core/v1:ServiceAccount::backend-sa",
            "kubernetes:monitoring.coreos.com/v1:PodMonitor::backend-podmonitor",
            "kubernetes:policy/v1:PodDisruptionBudget::backend-pdb",
            "pulumi:providers:kubernetes::host",
            "pulumi:pulumi:Stack::scalable-backend-eph-demo",
            // A read, not a registration: the host's outputs (tests/plan-reads.test.ts).
            "pulumi:pulumi:StackReference::host",
            "scalable-backend:review-app:ReviewApp::backend",
        ]);
        assert.deepEqual(run.outputs, {
            backendImage: PREBUILT,
            host: "organization/scalable-backend/dev",
            namespace: STACK,
            placement: "shared",
            portForward: "kubectl -n eph-demo port-forward svc/backend 8080:80",
        });
    });

    it("building its image, owns one ECR repository, force-deleted with the stack", async () => {
        const run = await hostedRun(STACK);
        const repo = one(run, "aws:ecr/repository:Repository", "backend-image-repo");
        assert.equal(repo.inputs.name, "scalable-backend-eph-demo/backend");
        assert.equal(repo.inputs.forceDelete, true);
        assert.equal(one(run, "pulumi:providers:aws", "aws").inputs.region, "eu-west-1");
        assert.deepEqual(
            run.resources
                .filter((r) => r.type.startsWith("aws:"))
                .map((r) => r.type)
                .sort(),
            ["aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws:ecr/repository:Repository"],
        );
    });

    for (const options of [{}, { image: PREBUILT }, { sourceRanges: ["203.0.113.0/24"] }]) {
        it(`never creates a VPC, subnet, NAT, EIP, cluster, node group or IAM role (${JSON.stringify(options)})`, async () => {
            const run = await hostedRun(STACK, options);
            assert.deepEqual(
                run.resources.filter((r) => CLUSTER_TYPES.includes(r.type)),
                [],
            );
        });
    }

    it("talks to the host with its kubeconfig (secret), defaulting objects to the review namespace", async () => {
        const [run, dev] = await Promise.all([hostedRun(STACK, { image: PREBUILT }), stackRun("dev")]);
        const provider = one(run, "pulumi:providers:kubernetes", "host");
        assert.deepEqual(provider.inputs, {
            kubeconfig: (dev.outputs.hostContract as { kubeconfig: string }).kubeconfig,
            enableServerSideApply: "true",
            clusterIdentifier: "scalable-backend-dev",
            namespace: STACK,
        });
        assert.deepEqual(provider.secretInputs, ["kubeconfig"]);
        for (const r of run.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
            assert.ok(r.provider?.startsWith(`${provider.urn}::`), r.name);
            assert.equal(r.inputs.metadata.namespace, STACK, r.name);
        }
    });

    it("runs the backend within the namespace's quota: 50m/64Mi, 128Mi limit, one to two replicas", async () => {
        const run = await hostedRun(STACK, { image: PREBUILT });
        const deployment = one(run, "kubernetes:apps/v1:Deployment", "backend-deployment");
        assert.deepEqual(deployment.inputs.metadata, META);
        assert.deepEqual(
            deployment.inputs.spec,
            JSON.parse(
                JSON.stringify(
                    deploymentSpec({
                        name: "backend",
                        stack: STACK,
                        image: PREBUILT,
                        serviceAccountName: "backend",
                        resources: { cpuRequest: "50m", memoryRequest: "64Mi", memoryLimit: "128Mi" },
                    }),
                ),
            ),
        );
        const hpa = one(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "backend-hpa").inputs.spec;
        assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [1, 2]);
        // Nothing waits for a controller: the host's is already running, and ClusterIP needs none.
        assert.deepEqual(deployment.options.dependsOn, []);
    });

    it("is a ClusterIP Service by default: nothing published, a port-forward command printed", async () => {
        const run = await hostedRun(STACK, { image: PREBUILT });
        assert.deepEqual(one(run, "kubernetes:core/v1:Service", "backend-service").inputs, {
            apiVersion: "v1",
            kind: "Service",
            metadata: META,
            spec: {
                type: "ClusterIP",
                selector: SELECTOR,
                ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
            },
        });
        assert.equal(run.outputs.backendUrl, undefined);
    });

    it("--public: an NLB of the given class admitting only the source ranges, no node ports, its pods after the Service", async () => {
        const run = await hostedRun(STACK, { image: PREBUILT, sourceRanges: ["203.0.113.0/24"] });
        const service = one(run, "kubernetes:core/v1:Service", "backend-service").inputs;
        assert.deepEqual(service.spec, {
            type: "LoadBalancer",
            loadBalancerClass: "service.k8s.aws/nlb",
            allocateLoadBalancerNodePorts: false,
            selector: SELECTOR,
            ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
            loadBalancerSourceRanges: ["203.0.113.0/24"],
        });
        assert.equal(
            service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"],
            "internet-facing",
        );
        // Its pods come after the Service: the controller injects the NLB readiness gate only then.
        assert.deepEqual(one(run, "kubernetes:apps/v1:Deployment", "backend-deployment").options.dependsOn, [
            "backend-service",
        ]);
        assert.equal(run.outputs.backendUrl, "http://<nlb hostname of backend>.elb.eu-west-1.amazonaws.com");
    });

    it("is scraped by the host's Prometheus through its PodMonitor (the tenant's policy admits the scrape)", async () => {
        const run = await hostedRun(STACK, { image: PREBUILT });
        assert.deepEqual(one(run, "kubernetes:monitoring.coreos.com/v1:PodMonitor", "backend-podmonitor").inputs, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: META,
            spec: {
                selector: { matchLabels: SELECTOR },
                namespaceSelector: { matchNames: [STACK] },
                podMetricsEndpoints: [{ port: "metrics", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
            },
        });
    });

    it("gives its other objects exactly the backend's specs: service account, HPA and PDB; no NetworkPolicy", async () => {
        const run = await hostedRun(STACK, { image: PREBUILT });
        const inputs = (type: string, name: string) => one(run, type, name).inputs;
        assert.deepEqual(inputs("kubernetes:core/v1:ServiceAccount", "backend-sa"), {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: META,
            automountServiceAccountToken: false,
        });
        assert.deepEqual(inputs("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "backend-hpa"), {
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: META,
            spec: JSON.parse(
                JSON.stringify(hpaSpec("backend", { minReplicas: 1, maxReplicas: 2, cpuTargetPercent: 70 })),
            ),
        });
        assert.deepEqual(inputs("kubernetes:policy/v1:PodDisruptionBudget", "backend-pdb"), {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: META,
            spec: { maxUnavailable: 1, selector: { matchLabels: SELECTOR }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
        });
        // The namespace's network policy is the tenant's: the app layer writes none (dev's admission would refuse it).
        for (const options of [{ image: PREBUILT }, { image: PREBUILT, sourceRanges: ["203.0.113.0/24"] }])
            assert.deepEqual(
                ofType(await hostedRun(STACK, options), "kubernetes:networking.k8s.io/v1:NetworkPolicy"),
                [],
            );
    });

    describe("refuses a host it cannot use, before any object", () => {
        const refused = async (stackReferences: Record<string, ReturnType<typeof referenceTo>>, says: string[]) => {
            await assert.rejects(
                hostedRun(STACK, { image: PREBUILT }, { stackReferences }),
                (e: Error & { registrations?: string[] }) => {
                    for (const part of says) assert.ok(e.message.includes(part), `${part} in: ${e.message}`);
                    assert.ok(!e.registrations?.some((t) => t.startsWith("kubernetes:")), String(e.registrations));
                    return true;
                },
            );
        };
        it("a missing host", () =>
            refused({}, [
                'cannot read the host stack "organization/scalable-backend/dev"',
                'unknown stack "organization/scalable-backend/dev"',
                "Deploy it first",
            ]));
        it("a host without the contract (dev from before it, or not dev at all)", async () => {
            const prod = await stackRun("prod");
            await refused({ [qualifiedStackName("dev")]: referenceTo(prod) }, ["exports no hostContract"]);
        });
        for (const [version, fix] of [
            [2, "Update this checkout"],
            [0, 'Redeploy "organization/scalable-backend/dev" from this checkout'],
        ] as const) {
            it(`a contract version it does not know (${version})`, async () => {
                const dev = referenceTo(await stackRun("dev"));
                const contract = { ...(dev.outputs.hostContract as object), version };
                await refused(
                    { [qualifiedStackName("dev")]: { ...dev, outputs: { ...dev.outputs, hostContract: contract } } },
                    [`exports hostContract version ${version}, which this program does not know`, fix],
                );
            });
        }
    });
});
