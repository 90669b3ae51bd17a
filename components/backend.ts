// The backend on Kubernetes: its namespace, identity, Deployment, load-balanced Service,
// autoscaling, disruption budget, network policies and (with monitoring) its ServiceMonitor.
// Every object is built by a pure function so tests can check them one by one.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ROUTES } from "../app/src/routes";
import { PodResources, resourceRequirements } from "../lib/pod-resources";

export const CONTAINER_PORT = 8080;
export const SERVICE_PORT = 80;
export const PORT_NAME = "http";
/** The app's own routes (app/src/routes.ts): what the probes and the scrape ask for. */
export const PATHS = { liveness: ROUTES.liveness, readiness: ROUTES.readiness, metrics: ROUTES.metrics } as const;

/**
 * Seconds the pod keeps serving after deletion starts, while endpoints and the NLB let go of it:
 * NLB target deregistration takes tens of seconds to stop new connections.
 */
export const PRE_STOP_SECONDS = 40;
/** The app's own limit for finishing in-flight requests after SIGTERM (SHUTDOWN_TIMEOUT_SECONDS). */
export const SHUTDOWN_TIMEOUT_SECONDS = 20;
/** Longer than preStop plus the app's drain, so the kubelet never SIGKILLs a draining pod. */
export const TERMINATION_GRACE_SECONDS = PRE_STOP_SECONDS + SHUTDOWN_TIMEOUT_SECONDS + 5;
/** The image's numeric non-root user (app/Dockerfile `USER`). */
export const RUN_AS_USER = 10001;

/** The HPA's range and target. */
export interface Scaling {
    /** At least 2 in prod (one replica is downtime on every drain). */
    readonly minReplicas: number;
    readonly maxReplicas: number;
    /** Average CPU utilisation, as a percentage of the request, the HPA keeps. */
    readonly cpuTargetPercent: number;
}

/** Where the backend runs and what its objects are called: the Backend and Monitoring both take it. */
export interface BackendIdentity {
    readonly namespace: string;
    /** The Deployment, Service, HPA and container name, and the `app.kubernetes.io/name` label. */
    readonly name: string;
}

/** What config decides about the backend (config/backend.ts produces it). */
export interface BackendSettings extends Scaling, PodResources {
    readonly identity: BackendIdentity;
    /** The stack's name, labelled on every object. */
    readonly stack: string;
    /** Who may reach the load balancer; empty: anyone (refused in prod). */
    readonly loadBalancerSourceRanges: readonly string[];
}

export interface MonitoringTarget {
    /** Where Prometheus runs: the allow rule admits scrapes from there only. */
    readonly namespace: pulumi.Input<string>;
    /** The chart that installs the ServiceMonitor CRD; the ServiceMonitor waits for it. */
    readonly chart: pulumi.Resource;
    /** Labels of the Prometheus pods. */
    readonly prometheusPodLabels: Readonly<Record<string, string>>;
}

/** Selector labels: stable for the Deployment's lifetime (a selector cannot change). */
export function selectorLabels(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "api" };
}

export function commonLabels(name: string, stack: string): Record<string, string> {
    return {
        ...selectorLabels(name),
        "app.kubernetes.io/part-of": "scalable-backend",
        "app.kubernetes.io/managed-by": "pulumi",
        "scalable-backend/stack": stack,
    };
}

/** Pod Security `restricted`, enforced; and pod readiness gates so rollouts wait for NLB health. */
export function namespaceLabels(stack: string): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
        "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled",
        "app.kubernetes.io/part-of": "scalable-backend",
        "scalable-backend/stack": stack,
    };
}

export interface PodSpecArgs {
    readonly name: string;
    readonly stack: string;
    readonly image: pulumi.Input<string>;
    readonly serviceAccountName: pulumi.Input<string>;
    readonly resources: PodResources;
}

/** The Deployment spec, without `replicas`: the HPA owns the count, or every `pulumi up` fights it. */
export function deploymentSpec(args: PodSpecArgs): k8s.types.input.apps.v1.DeploymentSpec {
    const selector = selectorLabels(args.name);
    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
        httpGet: { path, port: PORT_NAME, scheme: "HTTP" },
        periodSeconds,
        timeoutSeconds: 2,
        failureThreshold,
    });
    const spread = (topologyKey: string) => ({
        maxSkew: 1,
        topologyKey,
        // ScheduleAnyway: the autoscaler cannot add a node in a chosen zone, so a hard rule could strand pods.
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: selector },
        matchLabelKeys: ["pod-template-hash"],
    });
    return {
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 600,
        template: {
            metadata: { labels: commonLabels(args.name, args.stack) },
            spec: {
                serviceAccountName: args.serviceAccountName,
                automountServiceAccountToken: false,
                terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
                securityContext: {
                    runAsNonRoot: true,
                    runAsUser: RUN_AS_USER,
                    runAsGroup: RUN_AS_USER,
                    fsGroup: RUN_AS_USER,
                    seccompProfile: { type: "RuntimeDefault" },
                },
                topologySpreadConstraints: [spread("topology.kubernetes.io/zone"), spread("kubernetes.io/hostname")],
                containers: [
                    {
                        name: args.name,
                        image: args.image,
                        imagePullPolicy: "IfNotPresent",
                        ports: [{ name: PORT_NAME, containerPort: CONTAINER_PORT, protocol: "TCP" }],
                        env: [
                            { name: "PORT", value: String(CONTAINER_PORT) },
                            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                            { name: "SHUTDOWN_TIMEOUT_SECONDS", value: String(SHUTDOWN_TIMEOUT_SECONDS) },
                            { name: "ACCESS_LOG", value: "true" },
                        ],
                        // No CPU limit: throttling hurts latency, and the HPA scales on CPU instead.
                        resources: resourceRequirements(args.resources),
                        startupProbe: probe(PATHS.liveness, 2, 30),
                        livenessProbe: probe(PATHS.liveness, 10, 3),
                        readinessProbe: probe(PATHS.readiness, 5, 2),
                        lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            readOnlyRootFilesystem: true,
                            runAsNonRoot: true,
                            capabilities: { drop: ["ALL"] },
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    },
                ],
                volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
            },
        },
    };
}

export const LOAD_BALANCER_ANNOTATIONS: Readonly<Record<string, string>> = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
    "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "http",
    "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "traffic-port",
    "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": PATHS.readiness,
    "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval": "10",
    "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
    "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "deregistration_delay.timeout_seconds=30",
};

export function serviceSpec(name: string, sourceRanges: readonly string[]): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "LoadBalancer",
        loadBalancerClass: "service.k8s.aws/nlb",
        selector: selectorLabels(name),
        ports: [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: "TCP" }],
        ...(sourceRanges.length > 0 ? { loadBalancerSourceRanges: [...sourceRanges] } : {}),
    };
}

export function hpaSpec(
    deploymentName: pulumi.Input<string>,
    scaling: Scaling,
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
        minReplicas: scaling.minReplicas,
        maxReplicas: scaling.maxReplicas,
        metrics: [
            {
                type: "Resource",
                resource: {
                    name: "cpu",
                    target: { type: "Utilization", averageUtilization: scaling.cpuTargetPercent },
                },
            },
        ],
        behavior: {
            // Up fast: double, or add 4 pods, every 15 s, whichever is more.
            scaleUp: {
                stabilizationWindowSeconds: 0,
                selectPolicy: "Max",
                policies: [
                    { type: "Percent", value: 100, periodSeconds: 15 },
                    { type: "Pods", value: 4, periodSeconds: 15 },
                ],
            },
            // Down slowly: only after 5 minutes of lower load, at most a quarter per minute.
            scaleDown: {
                stabilizationWindowSeconds: 300,
                selectPolicy: "Max",
                policies: [{ type: "Percent", value: 25, periodSeconds: 60 }],
            },
        },
    };
}

/** maxUnavailable 1: a minAvailable equal to the HPA minimum would block every node drain. */
export function pdbSpec(name: string): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
    return {
        maxUnavailable: 1,
        selector: { matchLabels: selectorLabels(name) },
        unhealthyPodEvictionPolicy: "AlwaysAllow",
    };
}

export type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** Default deny, then exactly what the backend needs. `ip` targets reach pods from NLB addresses in the VPC. */
export function networkPolicies(name: string, vpcCidr: string): Record<string, NetworkPolicySpec> {
    const pods = { matchLabels: selectorLabels(name) };
    return {
        "default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        "allow-load-balancer": {
            podSelector: pods,
            policyTypes: ["Ingress"],
            // Numeric: the AWS network policy agent has resolved named ports wrongly.
            ingress: [{ from: [{ ipBlock: { cidr: vpcCidr } }], ports: [{ protocol: "TCP", port: CONTAINER_PORT }] }],
        },
        "allow-dns": {
            podSelector: pods,
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
        },
    };
}

export function prometheusAllowPolicy(
    name: string,
    monitoringNamespace: pulumi.Input<string>,
    prometheusPodLabels: Record<string, string>,
): NetworkPolicySpec {
    return {
        podSelector: { matchLabels: selectorLabels(name) },
        policyTypes: ["Ingress"],
        ingress: [
            {
                from: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": monitoringNamespace } },
                        podSelector: { matchLabels: prometheusPodLabels },
                    },
                ],
                ports: [{ protocol: "TCP", port: CONTAINER_PORT }],
            },
        ],
    };
}

export function serviceMonitorSpec(name: string, namespace: pulumi.Input<string>): Record<string, unknown> {
    return {
        selector: { matchLabels: selectorLabels(name) },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [{ port: PORT_NAME, path: PATHS.metrics, interval: "30s", scrapeTimeout: "10s" }],
    };
}

export interface BackendArgs extends BackendSettings {
    readonly image: pulumi.Input<string>;
    /** The VPC's CIDR, which the load balancer's addresses come from. */
    readonly vpcCidr: string;
    /** The Service and the Deployment wait for it: it creates the NLB and the pods' readiness gate, and destroy deletes the NLB while it still runs. */
    readonly loadBalancerController: pulumi.Resource;
    /** Pods need nodes. */
    readonly nodes: pulumi.Resource[];
    /** When given, the backend creates its ServiceMonitor and the Prometheus allow rule. */
    readonly monitoring?: MonitoringTarget;
}

export class Backend extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;
    readonly hpa: k8s.autoscaling.v2.HorizontalPodAutoscaler;
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: BackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend:backend:Backend", name, {}, opts);
        // Resources are named after the component; Kubernetes objects after the identity.
        const app = args.identity.name;
        const labels = commonLabels(app, args.stack);
        const child = { parent: this };

        this.namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: args.identity.namespace, labels: namespaceLabels(args.stack) } },
            child,
        );
        const namespace = this.namespace.metadata.name;
        const meta = (suffix: string) => ({ name: suffix ? `${app}-${suffix}` : app, namespace, labels });

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata: meta(""), automountServiceAccountToken: false },
            child,
        );

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta(""),
                spec: deploymentSpec({
                    name: app,
                    stack: args.stack,
                    image: args.image,
                    serviceAccountName: serviceAccount.metadata.name,
                    resources: args,
                }),
            },
            // The controller injects the NLB readiness gate into pods it admits: without it running,
            // the first pods go ready before the load balancer sends them traffic.
            { parent: this, dependsOn: [...args.nodes, args.loadBalancerController] },
        );

        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { ...meta(""), annotations: LOAD_BALANCER_ANNOTATIONS },
                spec: serviceSpec(app, args.loadBalancerSourceRanges),
            },
            { parent: this, dependsOn: [args.loadBalancerController] },
        );

        this.hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            `${name}-hpa`,
            { metadata: meta(""), spec: hpaSpec(this.deployment.metadata.name, args) },
            child,
        );
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(""), spec: pdbSpec(app) }, child);

        for (const [policyName, spec] of Object.entries(networkPolicies(app, args.vpcCidr))) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${policyName}`, { metadata: meta(policyName), spec }, child);
        }

        if (args.monitoring) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-allow-prometheus`,
                {
                    metadata: meta("allow-prometheus"),
                    spec: prometheusAllowPolicy(app, args.monitoring.namespace, {
                        ...args.monitoring.prometheusPodLabels,
                    }),
                },
                child,
            );
            new k8s.apiextensions.CustomResource(
                `${name}-servicemonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: meta(""),
                    spec: serviceMonitorSpec(app, namespace),
                },
                { parent: this, dependsOn: [args.monitoring.chart] },
            );
        }

        const ingress = this.service.status.loadBalancer.ingress;
        this.url = pulumi.interpolate`http://${ingress.apply((entries) => entries?.[0]?.hostname ?? entries?.[0]?.ip ?? "<pending>")}`;
        this.registerOutputs({ url: this.url });
    }
}
