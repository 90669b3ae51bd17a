// The backend on Kubernetes: its namespace, identity, Deployment, load-balanced Service,
// autoscaling, disruption budget, network policies and (with monitoring) its PodMonitor.
// Every object is built by a pure function so tests can check them one by one.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PodResources } from "../lib/pod-resources";
import {
    commonLabels,
    deploymentSpec,
    METRICS_CONTAINER_PORT,
    METRICS_PORT_NAME,
    namespaceLabels,
    PATHS,
    selectorLabels,
} from "./backend-pod";
import {
    listensWithTls,
    loadBalancerAnnotations,
    networkPolicies,
    NetworkPolicySpec,
    serviceSpec,
    TlsSettings,
} from "./load-balancer";

export * from "./backend-pod";
export * from "./load-balancer";

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
    /** TLS on the NLB, in front of it, or none (not in prod). */
    readonly tls: TlsSettings;
}

export interface MonitoringTarget {
    /** Where Prometheus runs: the allow rule admits scrapes from there only. */
    readonly namespace: pulumi.Input<string>;
    /** The chart that installs the PodMonitor CRD; the PodMonitor waits for it. */
    readonly chart: pulumi.Resource;
    /** Labels of the Prometheus pods. */
    readonly prometheusPodLabels: Readonly<Record<string, string>>;
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

/** Prometheus's scrapes: its pods in its namespace, on the metrics port only (it has no business on the traffic port). */
export function prometheusIngressRule(
    monitoringNamespace: pulumi.Input<string>,
    prometheusPodLabels: Record<string, string>,
): k8s.types.input.networking.v1.NetworkPolicyIngressRule {
    return {
        from: [
            {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": monitoringNamespace } },
                podSelector: { matchLabels: prometheusPodLabels },
            },
        ],
        ports: [{ protocol: "TCP", port: METRICS_CONTAINER_PORT }],
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
        ingress: [prometheusIngressRule(monitoringNamespace, prometheusPodLabels)],
    };
}

/** A PodMonitor: a ServiceMonitor names a Service port, and no Service exposes the metrics port. */
export function podMonitorSpec(name: string, namespace: pulumi.Input<string>): Record<string, unknown> {
    return {
        selector: { matchLabels: selectorLabels(name) },
        namespaceSelector: { matchNames: [namespace] },
        podMetricsEndpoints: [{ port: METRICS_PORT_NAME, path: PATHS.metrics, interval: "30s", scrapeTimeout: "10s" }],
    };
}

export interface BackendArgs extends BackendSettings {
    readonly image: pulumi.Input<string>;
    /**
     * The public subnets' CIDRs, where the internet-facing NLB's addresses are: with IP targets it
     * preserves no client IP, so traffic and health checks come from there, and nothing else in the
     * VPC (every pod has a VPC address) may reach the backend's port.
     */
    readonly loadBalancerCidrs: readonly string[];
    /** The NLB's certificate when `tls` names one: looked up and checked before any resource (config/facts.ts). */
    readonly certificateArn?: string;
    /** The Service and the Deployment wait for it: it creates the NLB and the pods' readiness gate, and destroy deletes the NLB while it still runs. */
    readonly loadBalancerController: pulumi.Resource;
    /** Pods need nodes. */
    readonly nodes: pulumi.Resource[];
    /** When given, the backend creates its PodMonitor and the Prometheus allow rule. */
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
                metadata: { ...meta(""), annotations: loadBalancerAnnotations(args.tls, args.certificateArn) },
                spec: serviceSpec(app, args.loadBalancerSourceRanges, listensWithTls(args.tls)),
            },
            { parent: this, dependsOn: [args.loadBalancerController] },
        );

        this.hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            `${name}-hpa`,
            { metadata: meta(""), spec: hpaSpec(this.deployment.metadata.name, args) },
            child,
        );
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(""), spec: pdbSpec(app) }, child);

        for (const [policyName, spec] of Object.entries(networkPolicies(app, args.loadBalancerCidrs))) {
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
                `${name}-podmonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: meta(""),
                    spec: podMonitorSpec(app, namespace),
                },
                { parent: this, dependsOn: [args.monitoring.chart] },
            );
        }

        const ingress = this.service.status.loadBalancer.ingress;
        const host = ingress.apply((entries) => entries?.[0]?.hostname ?? entries?.[0]?.ip ?? "<pending>");
        // With a certificate for one name, clients use that name (a DNS record pointing at the NLB).
        const domain = "certificateDomain" in args.tls ? args.tls.certificateDomain : undefined;
        this.url =
            domain !== undefined && !domain.startsWith("*.")
                ? pulumi.output(`https://${domain}`)
                : pulumi.interpolate`${listensWithTls(args.tls) ? "https" : "http"}://${host}`;
        this.registerOutputs({ url: this.url });
    }
}
