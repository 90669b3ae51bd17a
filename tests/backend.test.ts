import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    Backend,
    CONTAINER_PORT,
    deploymentSpec,
    hpaSpec,
    LOAD_BALANCER_ANNOTATIONS,
    loadBalancerAnnotations,
    TLS_POLICY,
    TLS_TERMINATED_BY_ANNOTATION,
    networkPolicies,
    pdbSpec,
    PORT_NAME,
    PRE_STOP_SECONDS,
    selectorLabels,
    serviceSpec,
    SHUTDOWN_TIMEOUT_SECONDS,
    TERMINATION_GRACE_SECONDS,
} from "../components/backend";
import { TLS_POLICY as POLICY_TLS_POLICY, TLS_TERMINATED_BY } from "../policy/rules";
import { RecordedResource, StackRun } from "../testing/engine";
import { evaluate, ofType, one, stackRun, STACKS } from "./helpers";

const EXPECTED = {
    dev: {
        min: 1,
        max: 4,
        cpu: 70,
        requests: { cpu: "100m", memory: "128Mi" },
        limits: { memory: "256Mi" },
        sourceRanges: undefined,
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
        tlsAnnotations: {},
        url: "http://<nlb hostname of backend>.elb.eu-west-1.amazonaws.com",
        publicSubnets: ["10.10.192.0/22", "10.10.196.0/22"],
    },
    prod: {
        min: 3,
        max: 20,
        cpu: 60,
        requests: { cpu: "250m", memory: "256Mi" },
        limits: { memory: "512Mi" },
        sourceRanges: ["203.0.113.0/24"],
        // TLS only: an NLB cannot redirect, so no plain port stands beside it.
        ports: [{ name: "https", port: 443, targetPort: "http", protocol: "TCP" }],
        tlsAnnotations: {
            "service.beta.kubernetes.io/aws-load-balancer-ssl-cert":
                "arn:aws:acm:eu-west-1:<account-id>:certificate/<certificate for api.example.com>",
            "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "https",
            "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy":
                "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "scalable-backend/tls-certificate-domain": "api.example.com",
        },
        url: "https://api.example.com",
        publicSubnets: ["10.20.192.0/22", "10.20.196.0/22", "10.20.200.0/22"],
    },
} as const;

const SELECTOR = { "app.kubernetes.io/name": "backend", "app.kubernetes.io/component": "api" };

const container = (deployment: RecordedResource) => deployment.inputs.spec.template.spec.containers[0];

describe("backend: pure builders", () => {
    it("selects pods by stable name and component labels only", () => {
        assert.deepEqual(selectorLabels("backend"), SELECTOR);
    });

    it("keeps the HPA's replica count out of the Deployment", () => {
        const spec = deploymentSpec({
            name: "backend",
            stack: "dev",
            image: "i@sha256:0",
            serviceAccountName: "sa",
            resources: { cpuRequest: "100m", memoryRequest: "64Mi", memoryLimit: "128Mi" },
        });
        assert.equal("replicas" in spec, false);
        assert.deepEqual(spec.strategy, {
            type: "RollingUpdate",
            rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" },
        });
    });

    it("outlasts the preStop pause plus the app's drain before the kubelet kills a pod", () => {
        assert.equal(TERMINATION_GRACE_SECONDS, PRE_STOP_SECONDS + SHUTDOWN_TIMEOUT_SECONDS + 5);
        assert.ok(TERMINATION_GRACE_SECONDS > PRE_STOP_SECONDS + SHUTDOWN_TIMEOUT_SECONDS);
    });

    it("listens with TLS on 443 alone when there is a certificate, and plain on 80 alone otherwise", () => {
        assert.deepEqual(serviceSpec("backend", [], true).ports, [
            { name: "https", port: 443, targetPort: "http", protocol: "TCP" },
        ]);
        const arn = "arn:aws:acm:eu-west-1:210987654321:certificate/x";
        assert.deepEqual(loadBalancerAnnotations({ certificateArn: arn }, arn), {
            ...LOAD_BALANCER_ANNOTATIONS,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": arn,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "https",
            "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy":
                "ELBSecurityPolicy-TLS13-1-2-2021-06",
        });
        assert.deepEqual(loadBalancerAnnotations({ terminatedBy: "CloudFront E2EXAMPLE" }, undefined), {
            ...LOAD_BALANCER_ANNOTATIONS,
            "scalable-backend/tls-terminated-by": "CloudFront E2EXAMPLE",
        });
        assert.deepEqual(loadBalancerAnnotations({ plainHttp: true }, undefined), LOAD_BALANCER_ANNOTATIONS);
        assert.throws(
            () => loadBalancerAnnotations({ certificateDomain: "api.shop.eu" }, undefined),
            /a certificate ARN/,
        );
        assert.throws(() => loadBalancerAnnotations({ plainHttp: true }, arn), /a certificate ARN/);
        assert.equal(TLS_TERMINATED_BY_ANNOTATION, TLS_TERMINATED_BY, "the policy pack reads the same annotation");
        assert.equal(TLS_POLICY, POLICY_TLS_POLICY);
    });

    it("sends port 80 to the container's named port and hands the Service to the Load Balancer Controller", () => {
        assert.deepEqual(serviceSpec("backend", []), {
            type: "LoadBalancer",
            loadBalancerClass: "service.k8s.aws/nlb",
            selector: SELECTOR,
            ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
        });
        assert.deepEqual(serviceSpec("backend", ["198.51.100.0/24"]).loadBalancerSourceRanges, ["198.51.100.0/24"]);
        assert.equal(LOAD_BALANCER_ANNOTATIONS["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"], "ip");
        assert.equal(
            LOAD_BALANCER_ANNOTATIONS["service.beta.kubernetes.io/aws-load-balancer-scheme"],
            "internet-facing",
        );
        assert.equal(
            LOAD_BALANCER_ANNOTATIONS["service.beta.kubernetes.io/aws-load-balancer-healthcheck-path"],
            "/readyz",
        );
    });

    it("scales up fast and down slowly", () => {
        const spec = hpaSpec("backend", { minReplicas: 2, maxReplicas: 9, cpuTargetPercent: 65 });
        assert.deepEqual(spec.metrics, [
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 65 } } },
        ]);
        const behavior = spec.behavior as {
            scaleUp: { stabilizationWindowSeconds: number };
            scaleDown: { stabilizationWindowSeconds: number };
        };
        assert.equal(behavior.scaleUp.stabilizationWindowSeconds, 0);
        assert.equal(behavior.scaleDown.stabilizationWindowSeconds, 300);
    });

    it("budgets disruptions with maxUnavailable, never a minAvailable that could block drains", () => {
        assert.deepEqual(pdbSpec("backend"), {
            maxUnavailable: 1,
            selector: { matchLabels: SELECTOR },
            unhealthyPodEvictionPolicy: "AlwaysAllow",
        });
    });

    it("denies everything by default, then admits the load balancer from the public subnets and DNS to kube-dns", () => {
        const policies = networkPolicies("backend", ["10.0.192.0/22", "10.0.196.0/22"]);
        assert.deepEqual(Object.keys(policies), ["default-deny", "allow-load-balancer", "allow-dns"]);
        assert.deepEqual(policies["default-deny"], { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.deepEqual(policies["allow-load-balancer"].ingress, [
            {
                from: [{ ipBlock: { cidr: "10.0.192.0/22" } }, { ipBlock: { cidr: "10.0.196.0/22" } }],
                ports: [{ protocol: "TCP", port: 8080 }],
            },
        ]);
        assert.deepEqual(policies["allow-dns"].egress, [
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
        ]);
    });
});

for (const stack of STACKS) {
    const expected = EXPECTED[stack];
    describe(`backend: ${stack} stack`, () => {
        let run: StackRun;
        before(async () => {
            run = await stackRun(stack);
        });
        const deployment = () => one(run, "kubernetes:apps/v1:Deployment", "backend-deployment");

        it("runs in its own namespace that enforces Pod Security restricted and NLB readiness gates", () => {
            const namespace = one(run, "kubernetes:core/v1:Namespace", "backend-ns");
            assert.equal(namespace.inputs.metadata.name, "backend");
            const labels = namespace.inputs.metadata.labels;
            assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
            assert.equal(labels["pod-security.kubernetes.io/audit"], "restricted");
            assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted");
            assert.equal(labels["elbv2.k8s.aws/pod-readiness-gate-inject"], "enabled");
            for (const resource of run.resources.filter(
                (r) =>
                    r.parent?.endsWith("::backend") &&
                    r.type.startsWith("kubernetes:") &&
                    r.type !== "kubernetes:core/v1:Namespace",
            )) {
                assert.equal(resource.inputs.metadata.namespace, "backend", resource.name);
            }
        });

        it("uses a dedicated service account without a mounted token", () => {
            const serviceAccount = one(run, "kubernetes:core/v1:ServiceAccount", "backend-sa");
            assert.equal(serviceAccount.inputs.automountServiceAccountToken, false);
            const pod = deployment().inputs.spec.template.spec;
            assert.equal(pod.serviceAccountName, serviceAccount.inputs.metadata.name);
            assert.equal(pod.automountServiceAccountToken, false);
        });

        it("deploys the image by digest with no replicas field, rolling with zero unavailable", () => {
            const spec = deployment().inputs.spec;
            assert.equal("replicas" in spec, false);
            assert.equal(spec.strategy.rollingUpdate.maxUnavailable, 0);
            const image = container(deployment()).image as string;
            const build = one(run, "docker-build:index:Image", "backend-image-build");
            assert.equal(
                image,
                `<account-id>.dkr.ecr.eu-west-1.amazonaws.com/scalable-backend-${stack}/backend@${build.outputs.digest}`,
            );
            assert.match(image, /@sha256:[a-f0-9]{64}$/);
            assert.deepEqual(spec.selector.matchLabels, SELECTOR);
            for (const [key, value] of Object.entries(SELECTOR))
                assert.equal(spec.template.metadata.labels[key], value, "pods carry the selector");
        });

        it(`lines every port up: Service ${expected.ports[0].port} -> named port http -> container 8080 <- probes`, () => {
            const service = one(run, "kubernetes:core/v1:Service", "backend-service");
            const c = container(deployment());
            assert.deepEqual(c.ports, [
                { name: PORT_NAME, containerPort: CONTAINER_PORT, protocol: "TCP" },
                { name: "metrics", containerPort: 9090, protocol: "TCP" },
            ]);
            assert.equal(c.env.find((e: { name: string }) => e.name === "METRICS_PORT").value, "9090");
            assert.deepEqual(service.inputs.spec.ports, expected.ports);
            assert.equal(c.env.find((e: { name: string }) => e.name === "PORT").value, String(CONTAINER_PORT));
            assert.deepEqual(c.livenessProbe.httpGet, { path: "/healthz", port: PORT_NAME, scheme: "HTTP" });
            assert.deepEqual(c.readinessProbe.httpGet, { path: "/readyz", port: PORT_NAME, scheme: "HTTP" });
            assert.deepEqual(c.startupProbe.httpGet, { path: "/healthz", port: PORT_NAME, scheme: "HTTP" });
            assert.deepEqual(service.inputs.spec.selector, deployment().inputs.spec.selector.matchLabels);
        });

        it("requests CPU and memory and limits memory per environment", () => {
            assert.deepEqual(container(deployment()).resources, {
                requests: expected.requests,
                limits: expected.limits,
            });
        });

        it("runs restricted: non-root, no escalation, read-only root with /tmp on emptyDir, no capabilities, RuntimeDefault seccomp", () => {
            const pod = deployment().inputs.spec.template.spec;
            assert.deepEqual(pod.securityContext, {
                runAsNonRoot: true,
                runAsUser: 10001,
                runAsGroup: 10001,
                fsGroup: 10001,
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepEqual(container(deployment()).securityContext, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepEqual(container(deployment()).volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
            assert.deepEqual(pod.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
        });

        it("spreads pods over zones and hosts without ever stranding them, and drains gracefully", () => {
            const pod = deployment().inputs.spec.template.spec;
            assert.deepEqual(
                pod.topologySpreadConstraints.map(
                    (c: { topologyKey: string; whenUnsatisfiable: string; maxSkew: number }) => [
                        c.topologyKey,
                        c.whenUnsatisfiable,
                        c.maxSkew,
                    ],
                ),
                [
                    ["topology.kubernetes.io/zone", "ScheduleAnyway", 1],
                    ["kubernetes.io/hostname", "ScheduleAnyway", 1],
                ],
            );
            for (const constraint of pod.topologySpreadConstraints)
                assert.deepEqual(constraint.labelSelector, { matchLabels: SELECTOR });
            assert.deepEqual(container(deployment()).lifecycle, { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } });
            assert.equal(pod.terminationGracePeriodSeconds, TERMINATION_GRACE_SECONDS);
            assert.equal(
                container(deployment()).env.find((e: { name: string }) => e.name === "SHUTDOWN_TIMEOUT_SECONDS").value,
                String(SHUTDOWN_TIMEOUT_SECONDS),
            );
        });

        it("exposes it through an internet-facing NLB with ip targets, restricted in prod, after the controller", () => {
            const service = one(run, "kubernetes:core/v1:Service", "backend-service");
            assert.equal(service.inputs.spec.type, "LoadBalancer");
            assert.equal(service.inputs.spec.loadBalancerClass, "service.k8s.aws/nlb");
            assert.deepEqual(service.inputs.metadata.annotations, {
                ...LOAD_BALANCER_ANNOTATIONS,
                ...expected.tlsAnnotations,
            });
            assert.deepEqual(service.inputs.spec.loadBalancerSourceRanges, expected.sourceRanges);
            const controller = one(run, "kubernetes:helm.sh/v3:Release", "platform-lbc");
            assert.deepEqual(service.options.dependsOn, ["platform-lbc"]);
            assert.ok(
                service.dependencies.includes(controller.urn),
                "created after, and so destroyed before, the controller",
            );
        });

        it(`autoscales this Deployment on CPU from ${expected.min} to ${expected.max} replicas at ${expected.cpu}%`, () => {
            const hpa = one(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "backend-hpa");
            assert.deepEqual(hpa.inputs.spec.scaleTargetRef, {
                apiVersion: "apps/v1",
                kind: "Deployment",
                name: deployment().inputs.metadata.name,
            });
            assert.equal(hpa.inputs.spec.minReplicas, expected.min);
            assert.equal(hpa.inputs.spec.maxReplicas, expected.max);
            assert.equal(hpa.inputs.spec.metrics[0].resource.target.averageUtilization, expected.cpu);
        });

        it("budgets disruptions so a node drain always proceeds", () => {
            const pdb = one(run, "kubernetes:policy/v1:PodDisruptionBudget", "backend-pdb");
            const hpa = one(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "backend-hpa");
            assert.equal(pdb.inputs.spec.maxUnavailable, 1);
            assert.equal(pdb.inputs.spec.minAvailable, undefined);
            // A drain always proceeds (one pod may go), and in prod at least one other keeps serving.
            if (stack === "prod") assert.ok(pdb.inputs.spec.maxUnavailable < hpa.inputs.spec.minReplicas);
            assert.deepEqual(pdb.inputs.spec.selector.matchLabels, deployment().inputs.spec.selector.matchLabels);
        });

        it("applies default-deny plus the load balancer and DNS rules, selecting the backend's pods", () => {
            const policies = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
            assert.deepEqual(
                policies.map((p) => p.name),
                [
                    "backend-allow-dns",
                    "backend-allow-load-balancer",
                    "backend-allow-prometheus",
                    "backend-default-deny",
                ],
            );
            assert.deepEqual(
                one(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "backend-allow-load-balancer").inputs.spec
                    .ingress[0].from,
                // The NLB's subnets only: every pod has a VPC address, so the VPC CIDR would admit them all.
                expected.publicSubnets.map((cidr) => ({ ipBlock: { cidr } })),
            );
            for (const policy of policies.filter((p) => p.name !== "backend-default-deny")) {
                assert.deepEqual(
                    policy.inputs.spec.podSelector.matchLabels,
                    deployment().inputs.spec.selector.matchLabels,
                );
            }
            // The stack passes the monitoring stack in: the PodMonitor follows its CRD chart.
            const monitor = one(run, "kubernetes:monitoring.coreos.com/v1:PodMonitor", "backend-podmonitor");
            assert.ok(monitor.dependencies.includes(one(run, "kubernetes:helm.sh/v3:Release", "monitoring-crds").urn));
            assert.deepEqual(
                one(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "backend-allow-prometheus").inputs.spec
                    .ingress[0].from,
                [
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
            );
        });

        it("waits for the nodes, and for the controller that injects the NLB readiness gate, before starting pods", () => {
            const group = one(run, "eks:index:ManagedNodeGroup", "cluster-general");
            assert.ok(deployment().dependencies.includes(group.urn));
            assert.deepEqual(deployment().options.dependsOn, ["cluster-general", "platform-lbc"]);
        });

        it("exports the load balancer's URL", () => {
            assert.equal(run.outputs.backendUrl, expected.url);
        });
    });
}

describe("backend: without the monitoring stack", () => {
    it("creates no PodMonitor and no Prometheus rule, rather than fake ones", async () => {
        const program = () => {
            const provider = new k8s.Provider("test-k8s", { kubeconfig: "{}" });
            new Backend(
                "backend",
                {
                    identity: { namespace: "backend", name: "backend" },
                    stack: "dev",
                    image: "registry.example/backend:v1",
                    minReplicas: 1,
                    maxReplicas: 2,
                    cpuTargetPercent: 50,
                    cpuRequest: "100m",
                    memoryRequest: "128Mi",
                    memoryLimit: "128Mi",
                    loadBalancerSourceRanges: [],
                    tls: { plainHttp: true },
                    loadBalancerCidrs: ["10.0.192.0/22", "10.0.196.0/22"],
                    loadBalancerController: new pulumi.ComponentResource("test:index:Controller", "lbc"),
                    nodes: [],
                },
                { providers: { kubernetes: provider } },
            );
            return {};
        };
        const run = await evaluate("dev", { program });
        assert.equal(
            run.resources.filter((r) => r.type.includes("PodMonitor") || r.name.includes("prometheus")).length,
            0,
        );
        assert.equal(ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").length, 3);
    });
});

describe("backend: its identity", () => {
    it("names its Kubernetes objects after the identity and its resources after the component", async () => {
        const program = () => {
            const provider = new k8s.Provider("test-k8s", { kubeconfig: "{}" });
            new Backend(
                "backend",
                {
                    identity: { namespace: "shop", name: "api" },
                    stack: "dev",
                    image: "registry.example/api:v1",
                    minReplicas: 1,
                    maxReplicas: 2,
                    cpuTargetPercent: 50,
                    cpuRequest: "100m",
                    memoryRequest: "128Mi",
                    memoryLimit: "128Mi",
                    loadBalancerSourceRanges: [],
                    tls: { plainHttp: true },
                    loadBalancerCidrs: ["10.0.192.0/22", "10.0.196.0/22"],
                    loadBalancerController: new pulumi.ComponentResource("test:index:Controller", "lbc"),
                    nodes: [],
                },
                { providers: { kubernetes: provider } },
            );
            return {};
        };
        const run = await evaluate("dev", { program });
        assert.equal(one(run, "kubernetes:core/v1:Namespace", "backend-ns").inputs.metadata.name, "shop");
        const deployment = one(run, "kubernetes:apps/v1:Deployment", "backend-deployment");
        assert.deepEqual([deployment.inputs.metadata.namespace, deployment.inputs.metadata.name], ["shop", "api"]);
        assert.deepEqual(deployment.inputs.spec.selector.matchLabels, {
            "app.kubernetes.io/name": "api",
            "app.kubernetes.io/component": "api",
        });
        assert.equal(deployment.inputs.spec.template.spec.containers[0].name, "api");
        const hpa = one(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "backend-hpa");
        assert.equal(hpa.inputs.spec.scaleTargetRef.name, "api");
        assert.equal(one(run, "kubernetes:core/v1:Service", "backend-service").inputs.metadata.name, "api");
        assert.equal(
            one(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "backend-default-deny").inputs.metadata.name,
            "api-default-deny",
        );
    });
});

describe("backend: with the monitoring stack", () => {
    it("creates its PodMonitor after the CRD chart and lets only Prometheus reach the metrics port", async () => {
        const program = () => {
            const provider = new k8s.Provider("test-k8s", { kubeconfig: "{}" });
            const chart = new pulumi.ComponentResource("test:index:Chart", "monitoring-crds");
            const controller = new pulumi.ComponentResource("test:index:Controller", "lbc");
            const backend = new Backend(
                "backend",
                {
                    identity: { namespace: "backend", name: "backend" },
                    stack: "dev",
                    image: "registry.example/backend@sha256:" + "a".repeat(64),
                    minReplicas: 2,
                    maxReplicas: 5,
                    cpuTargetPercent: 70,
                    cpuRequest: "100m",
                    memoryRequest: "128Mi",
                    memoryLimit: "256Mi",
                    loadBalancerSourceRanges: [],
                    tls: { plainHttp: true },
                    loadBalancerCidrs: ["10.0.192.0/22", "10.0.196.0/22"],
                    loadBalancerController: controller,
                    nodes: [],
                    monitoring: {
                        namespace: "monitoring",
                        chart,
                        prometheusPodLabels: { "app.kubernetes.io/name": "prometheus" },
                    },
                },
                { providers: { kubernetes: provider } },
            );
            return { url: backend.url };
        };
        const run = await evaluate("dev", { program });
        const monitor = one(run, "kubernetes:monitoring.coreos.com/v1:PodMonitor", "backend-podmonitor");
        assert.deepEqual(monitor.inputs.spec, {
            selector: { matchLabels: SELECTOR },
            namespaceSelector: { matchNames: ["backend"] },
            podMetricsEndpoints: [{ port: "metrics", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
        });
        assert.deepEqual(monitor.options.dependsOn, ["monitoring-crds"]);
        const pods = one(run, "kubernetes:apps/v1:Deployment", "backend-deployment").inputs.spec.template;
        for (const [key, value] of Object.entries(monitor.inputs.spec.selector.matchLabels))
            assert.equal(pods.metadata.labels[key], value, "the PodMonitor selects the pods");
        assert.deepEqual(
            pods.spec.containers[0].ports.find((p: { name: string }) => p.name === "metrics"),
            { name: "metrics", containerPort: 9090, protocol: "TCP" },
        );
        const service = one(run, "kubernetes:core/v1:Service", "backend-service");
        assert.deepEqual(
            service.inputs.spec.ports.map((p: { targetPort: string }) => p.targetPort),
            ["http"],
            "the load balancer never reaches the metrics port",
        );
        const allow = one(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "backend-allow-prometheus");
        assert.deepEqual(allow.inputs.spec.ingress, [
            {
                from: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                        podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
                    },
                ],
                ports: [{ protocol: "TCP", port: 9090 }],
            },
        ]);
        assert.deepEqual(allow.inputs.spec.podSelector, { matchLabels: SELECTOR });
    });
});
