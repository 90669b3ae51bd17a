// Monitoring: Prometheus, Alertmanager and Grafana from kube-prometheus-stack, with the backend's
// dashboard and alerts as code. The CRDs come from their own chart: a Helm release never
// upgrades CRDs, so the stack's own CRD install is off.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PodResources, resourceRequirements } from "../lib/pod-resources";
import type { BackendIdentity, MonitoringTarget } from "./backend";
import { backendAlertRules, backendDashboard } from "./observability";

export const PROMETHEUS_COMMUNITY_REPO = "https://prometheus-community.github.io/helm-charts";
export const STACK_RELEASE = "kube-prometheus-stack";
export const GRAFANA_SERVICE = `${STACK_RELEASE}-grafana`;
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
export const SLACK_SECRET = "alertmanager-slack";
const SLACK_KEY = "webhook-url";
/** What the operator puts on Prometheus pods (the CR is named <release>-prometheus). */
export const PROMETHEUS_POD_LABELS: Readonly<Record<string, string>> = {
    "app.kubernetes.io/name": "prometheus",
    "operator.prometheus.io/name": `${STACK_RELEASE}-prometheus`,
};

/** node-exporter needs host network, PID and paths: only `privileged` admits it. Warn and audit stay strict. */
export function monitoringNamespaceLabels(): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
        "app.kubernetes.io/part-of": "scalable-backend",
    };
}

export function grafanaPortForwardCommand(namespace: string): string {
    return `kubectl -n ${namespace} port-forward svc/${GRAFANA_SERVICE} 3000:80`;
}

export interface AlertmanagerConfigArgs {
    readonly slack: boolean;
    /** The review stacks' namespaces on their host (dev), an anchored regex: their alerts never notify. */
    readonly reviewNamespaces?: string;
}

/**
 * Routes everything to Slack when a webhook is configured, else to a receiver that drops it; on a
 * host of review stacks, their namespaces' alerts first, to the null receiver.
 */
export function alertmanagerConfig(args: AlertmanagerConfigArgs): Record<string, unknown> {
    const receiver = args.slack ? "slack" : "null";
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver,
            group_by: ["alertname", "namespace"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            // Watchdog fires forever by design (a dead-man's switch): never page on it.
            routes: [
                // A review stack's pods crash-looping or its quota full is its author's business: never page.
                ...(args.reviewNamespaces !== undefined
                    ? [
                          { receiver: "null", matchers: [`namespace =~ "${args.reviewNamespaces}"`], continue: false },
                          // Review quotas are requests on dev's nodes by design: its overcommit alerts carry
                          // no namespace, and would page on review load.
                          {
                              receiver: "null",
                              matchers: ['alertname =~ "KubeCPUOvercommit|KubeMemoryOvercommit"'],
                              continue: false,
                          },
                      ]
                    : []),
                { receiver: "null", matchers: ['alertname = "Watchdog"'] },
                // The chart's InfoInhibitor fires whenever info alerts exist, to mute them: never notify it.
                { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
            ],
        },
        receivers: [
            { name: "null" },
            ...(args.slack
                ? [
                      {
                          name: "slack",
                          slack_configs: [
                              {
                                  api_url_file: `/etc/alertmanager/secrets/${SLACK_SECRET}/${SLACK_KEY}`,
                                  send_resolved: true,
                                  title: "{{ .CommonLabels.alertname }} ({{ .Status }})",
                                  text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}",
                              },
                          ],
                      },
                  ]
                : []),
        ],
        // The chart's own rules (replaced wholesale by any override): worse alerts mute milder ones.
        inhibit_rules: [
            {
                source_matchers: ['severity = "critical"'],
                target_matchers: ['severity =~ "warning|info"'],
                equal: ["namespace", "alertname"],
            },
            {
                source_matchers: ['severity = "warning"'],
                target_matchers: ['severity = "info"'],
                equal: ["namespace", "alertname"],
            },
            {
                source_matchers: ['alertname = "InfoInhibitor"'],
                target_matchers: ['severity = "info"'],
                equal: ["namespace"],
            },
        ],
    };
}

/** What config decides about monitoring (config/monitoring.ts and config/charts.ts produce it). */
export interface MonitoringSettings {
    /** The namespace of the charts, their Secrets, the rules and the dashboard. */
    readonly namespace: string;
    readonly charts: {
        /** An exact version; its CRDs come from prometheusOperatorCrds, of the same operator version. */
        readonly kubePrometheusStack: { readonly version: string };
        readonly prometheusOperatorCrds: { readonly version: string };
    };
    /** Helm install/upgrade timeout: Prometheus volumes and images take a while on new nodes. */
    readonly installTimeoutSeconds: number;
    readonly prometheus: {
        /** At least 2 in prod. */
        readonly replicas: number;
        /** Prometheus duration, e.g. "15d". */
        readonly retention: string;
        /** Prometheus size, e.g. "40GB": kept below the volume so the TSDB never fills it. */
        readonly retentionSize: string;
        /** 0: no persistent volume (never in prod). */
        readonly storageGiB: number;
    } & PodResources;
    readonly alertmanager: { readonly replicas: number; readonly storageGiB: number } & PodResources;
    /** One replica: more needs an external database. */
    readonly grafana: PodResources;
    readonly alerts: {
        /** Alert when more than this share of requests fail with 5xx. */
        readonly errorRatioPercent: number;
        /** The p99 latency objective. */
        readonly p99LatencyMs: number;
        /** Container restarts in 15 minutes that count as a crash loop. */
        readonly restartsPer15m: number;
    };
    /** A secret; when unset a random one is generated. */
    readonly grafanaAdminPassword?: pulumi.Input<string>;
    /** A secret; when unset alerts go to a null receiver. */
    readonly slackWebhookUrl?: pulumi.Input<string>;
}

/** The sizes the chart's values are built from. */
export type MonitoringSizes = Pick<MonitoringSettings, "prometheus" | "alertmanager" | "grafana">;

export interface StackValuesArgs {
    readonly settings: MonitoringSizes;
    readonly storageClassName: string;
    readonly slack: boolean;
    readonly reviewNamespaces?: string;
}

/**
 * PVCs made from a StatefulSet's claim templates are not Helm objects: uninstalling the chart leaves
 * them, and their EBS volumes, billed. With this the StatefulSet controller deletes them with the
 * StatefulSet; scaling down keeps them, so scaling up again finds the data.
 */
export const PVC_RETENTION = Object.freeze({ whenDeleted: "Delete", whenScaled: "Retain" });

const volumeClaim = (storageClassName: string, gib: number) => ({
    volumeClaimTemplate: {
        spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${gib}Gi` } } },
    },
});

/** kube-prometheus-stack values. Pure: no secret ever appears here, only the names of Secrets. */
export function kubePrometheusStackValues(args: StackValuesArgs): Record<string, unknown> {
    const { prometheus, alertmanager } = args.settings;
    const clusterIp = { type: "ClusterIP" };
    return {
        // CRDs come from the prometheus-operator-crds release.
        crds: { enabled: false },
        // EKS runs the control plane: these targets cannot be scraped and their alerts would fire forever.
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        defaultRules: {
            rules: {
                etcd: false,
                kubeControllerManager: false,
                kubeSchedulerAlerting: false,
                kubeSchedulerRecording: false,
                kubeProxy: false,
            },
        },
        grafana: {
            replicas: 1, // more needs an external database
            resources: resourceRequirements(args.settings.grafana),
            admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
            service: clusterIp,
            persistence: { enabled: false },
            sidecar: {
                // Its own namespace only (the chart's default): a labelled ConfigMap in a review namespace
                // must not replace dev's dashboards.
                dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1" },
            },
        },
        prometheus: {
            service: clusterIp,
            prometheusSpec: {
                replicas: prometheus.replicas,
                retention: prometheus.retention,
                retentionSize: prometheus.retentionSize,
                resources: resourceRequirements(prometheus),
                // Select ServiceMonitors, PodMonitors and rules from every release, not only this chart's.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                ...(prometheus.storageGiB > 0
                    ? {
                          storageSpec: volumeClaim(args.storageClassName, prometheus.storageGiB),
                          persistentVolumeClaimRetentionPolicy: { ...PVC_RETENTION },
                      }
                    : {}),
            },
        },
        alertmanager: {
            service: clusterIp,
            config: alertmanagerConfig({
                slack: args.slack,
                ...(args.reviewNamespaces !== undefined ? { reviewNamespaces: args.reviewNamespaces } : {}),
            }),
            alertmanagerSpec: {
                replicas: alertmanager.replicas,
                resources: resourceRequirements(alertmanager),
                ...(args.slack ? { secrets: [SLACK_SECRET] } : {}),
                ...(alertmanager.storageGiB > 0
                    ? {
                          storage: volumeClaim(args.storageClassName, alertmanager.storageGiB),
                          persistentVolumeClaimRetentionPolicy: { ...PVC_RETENTION },
                      }
                    : {}),
            },
        },
    };
}

export interface MonitoringArgs extends MonitoringSettings {
    readonly backend: BackendIdentity;
    /** The default StorageClass the volumes use; the stack waits for it. */
    readonly storageClass: k8s.storage.v1.StorageClass;
    readonly storageClassName: string;
    /** Pods need nodes and cluster DNS; volumes need the EBS CSI add-on. */
    readonly after: pulumi.Resource[];
    /** Set on the host of review stacks (dev) only: their namespaces, an anchored regex; their alerts never notify. */
    readonly reviewNamespaces?: string;
}

export class Monitoring extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly crds: k8s.helm.v3.Release;
    readonly stack: k8s.helm.v3.Release;
    /** What the Backend needs for its PodMonitor and scrape rule. */
    readonly target: MonitoringTarget;
    readonly grafanaPortForward: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend:monitoring:Monitoring", name, {}, opts);
        const child = { parent: this };
        // After the nodes and add-ons, so `pulumi destroy` deletes it, and the volume claims in it,
        // while the EBS CSI driver and the nodes still run: otherwise it hangs Terminating and the
        // volumes stay behind, billed.
        this.namespace = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: args.namespace, labels: monitoringNamespaceLabels() } },
            { parent: this, dependsOn: args.after },
        );
        const namespace = this.namespace.metadata.name;

        const password =
            args.grafanaAdminPassword !== undefined
                ? pulumi.secret(args.grafanaAdminPassword)
                : pulumi.secret(
                      new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, child).result,
                  );
        const grafanaSecret = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: { name: GRAFANA_ADMIN_SECRET, namespace },
                type: "Opaque",
                stringData: { "admin-user": "admin", "admin-password": password },
            },
            child,
        );
        const secrets: pulumi.Resource[] = [grafanaSecret];
        if (args.slackWebhookUrl !== undefined) {
            secrets.push(
                new k8s.core.v1.Secret(
                    `${name}-slack`,
                    {
                        metadata: { name: SLACK_SECRET, namespace },
                        type: "Opaque",
                        stringData: { [SLACK_KEY]: pulumi.secret(args.slackWebhookUrl) },
                    },
                    child,
                ),
            );
        }

        this.crds = new k8s.helm.v3.Release(
            `${name}-crds`,
            {
                name: "prometheus-operator-crds",
                chart: "prometheus-operator-crds",
                version: args.charts.prometheusOperatorCrds.version,
                repositoryOpts: { repo: PROMETHEUS_COMMUNITY_REPO },
                namespace,
                atomic: true,
                timeout: 300,
            },
            child,
        );

        this.stack = new k8s.helm.v3.Release(
            `${name}-stack`,
            {
                name: STACK_RELEASE,
                chart: "kube-prometheus-stack",
                version: args.charts.kubePrometheusStack.version,
                repositoryOpts: { repo: PROMETHEUS_COMMUNITY_REPO },
                namespace,
                skipCrds: true,
                values: kubePrometheusStackValues({
                    settings: args,
                    storageClassName: args.storageClassName,
                    slack: args.slackWebhookUrl !== undefined,
                    reviewNamespaces: args.reviewNamespaces,
                }),
                atomic: true,
                timeout: args.installTimeoutSeconds,
            },
            { parent: this, dependsOn: [this.crds, args.storageClass, ...args.after, ...secrets] },
        );

        new k8s.apiextensions.CustomResource(
            `${name}-backend-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: {
                    name: `${args.backend.name}-alerts`,
                    namespace,
                    labels: { "app.kubernetes.io/part-of": "scalable-backend" },
                },
                spec: {
                    groups: [
                        {
                            name: `${args.backend.name}.rules`,
                            rules: backendAlertRules(args.backend, args.alerts),
                        },
                    ],
                },
            },
            { parent: this, dependsOn: [this.crds] },
        );

        new k8s.core.v1.ConfigMap(
            `${name}-backend-dashboard`,
            {
                metadata: { name: `${args.backend.name}-dashboard`, namespace, labels: { grafana_dashboard: "1" } },
                data: { [`${args.backend.name}.json`]: JSON.stringify(backendDashboard(args.backend), null, 2) },
            },
            child,
        );

        this.target = { namespace, chart: this.crds, prometheusPodLabels: PROMETHEUS_POD_LABELS };
        this.grafanaPortForward = namespace.apply(grafanaPortForwardCommand);
        this.registerOutputs({ grafanaPortForward: this.grafanaPortForward });
    }
}
