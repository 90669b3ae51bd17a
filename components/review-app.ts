// A shared review stack's app layer: the backend in its tenant's namespace on the host's cluster.
// The namespace, its quota, limits and network policies are the tenant's (components/tenant.ts);
// this adds only what the app role may create: the workload, its Service (ClusterIP unless public),
// the HPA within small bounds, the PDB and the PodMonitor the host's Prometheus picks up. Pure
// builders beside the component, the backend's reused.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    type BackendSettings,
    commonLabels,
    deploymentSpec,
    hpaSpec,
    LOAD_BALANCER_ANNOTATIONS,
    pdbSpec,
    PORT_NAME,
    podMonitorSpec,
    SERVICE_PORT,
    selectorLabels,
} from "./backend";

export type Exposure = "clusterIP" | "public";

export interface ReviewAppSettings extends BackendSettings {
    /**
     * Who can reach it: `clusterIP` (kubectl port-forward through the API server, nothing published)
     * or `public` (an internet-facing NLB admitting only `loadBalancerSourceRanges`).
     * @default "clusterIP"
     */
    readonly exposure: Exposure;
}

/** What the app layer reads of its host (lib/host-contract.ts), already checked. */
export interface ReviewHostView {
    /** Where the host's NLBs have their addresses. */
    readonly loadBalancerSubnetCidrs: readonly string[];
    readonly monitoring: {
        readonly namespace: string;
        readonly prometheusPodLabels: Readonly<Record<string, string>>;
        readonly podMonitorLabels: Readonly<Record<string, string>>;
    };
}

export interface ReviewAppArgs extends ReviewAppSettings {
    readonly image: pulumi.Input<string>;
    readonly host: ReviewHostView;
}

/** ClusterIP by default; public: the backend's NLB, restricted, without node ports (the quota allows none). */
export function reviewServiceSpec(settings: ReviewAppSettings): k8s.types.input.core.v1.ServiceSpec {
    const ports = [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: "TCP" }];
    if (settings.exposure === "clusterIP")
        return { type: "ClusterIP", selector: selectorLabels(settings.identity.name), ports };
    return {
        type: "LoadBalancer",
        loadBalancerClass: "service.k8s.aws/nlb",
        allocateLoadBalancerNodePorts: false,
        selector: selectorLabels(settings.identity.name),
        ports,
        loadBalancerSourceRanges: [...settings.loadBalancerSourceRanges],
    };
}

/** What a reviewer runs to reach a ClusterIP app: the Service's port 80 on localhost:8080. */
export function portForwardCommand(namespace: string, name: string): string {
    return `kubectl -n ${namespace} port-forward svc/${name} 8080:${SERVICE_PORT}`;
}

export class ReviewApp extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;
    /** `http://<nlb>` when public, undefined otherwise. */
    readonly url?: pulumi.Output<string>;
    readonly portForward: string;

    constructor(name: string, args: ReviewAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend:review-app:ReviewApp", name, {}, opts);
        const app = args.identity.name;
        const namespace = args.identity.namespace;
        const labels = commonLabels(app, args.stack);
        const child = { parent: this };
        const meta = (suffix: string) => ({ name: suffix ? `${app}-${suffix}` : app, namespace, labels });

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata: meta(""), automountServiceAccountToken: false },
            child,
        );
        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: {
                    ...meta(""),
                    ...(args.exposure === "public" ? { annotations: { ...LOAD_BALANCER_ANNOTATIONS } } : {}),
                },
                spec: reviewServiceSpec(args),
            },
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
            // Public: the controller injects the NLB readiness gate into pods only once the Service's
            // target group binding exists, so the first pods must come after the Service.
            { parent: this, dependsOn: args.exposure === "public" ? [this.service] : [] },
        );
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            `${name}-hpa`,
            { metadata: meta(""), spec: hpaSpec(this.deployment.metadata.name, args) },
            child,
        );
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(""), spec: pdbSpec(app) }, child);
        new k8s.apiextensions.CustomResource(
            `${name}-podmonitor`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { ...meta(""), labels: { ...labels, ...args.host.monitoring.podMonitorLabels } },
                spec: podMonitorSpec(app, namespace),
            },
            child,
        );

        this.portForward = portForwardCommand(namespace, app);
        if (args.exposure === "public") {
            this.url = this.service.status.loadBalancer.ingress.apply(
                (entries) => `http://${entries?.[0]?.hostname ?? entries?.[0]?.ip ?? "<pending>"}`,
            );
        }
        this.registerOutputs({ portForward: this.portForward, url: this.url });
    }
}
