import * as assert from "node:assert/strict";
import { parser } from "@prometheus-io/lezer-promql";
import {
    alertmanagerConfig,
    grafanaPortForwardCommand,
    kubePrometheusStackValues,
    monitoringNamespaceLabels,
} from "../components/monitoring";
import { backendAlertRules, backendDashboard, namespaceVariable, PROBE_ROUTES } from "../components/observability";
import type { MonitoringSettings } from "../components/monitoring";
import { QUIET_ROUTES } from "../app/src/routes";
import type { StackRun } from "../testing/engine";
import { CONFIGURED, configuredRun, ephemeralRun, ofType, one, stackRun, STACKS } from "./helpers";

/** Metrics the app exports (prom-client), kube-state-metrics and cAdvisor provide. */
const KNOWN_METRICS = new Set([
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "http_request_duration_seconds_count",
    "http_request_duration_seconds_sum",
    "kube_horizontalpodautoscaler_status_current_replicas",
    "kube_horizontalpodautoscaler_status_desired_replicas",
    "kube_horizontalpodautoscaler_spec_max_replicas",
    "kube_horizontalpodautoscaler_spec_min_replicas",
    "kube_pod_status_ready",
    "kube_pod_container_status_restarts_total",
    "kube_deployment_status_replicas_available",
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
]);

/** Parses with the Prometheus project's own grammar; returns the metric names, or throws on a syntax error. */
function promql(expr: string): string[] {
    const tree = parser.parse(expr);
    const names: string[] = [];
    let error: number | undefined;
    tree.iterate({
        enter: (node) => {
            if (node.type.isError) error ??= node.from;
            if (node.name === "VectorSelector") {
                const identifier = node.node.getChild("Identifier");
                if (identifier) names.push(expr.slice(identifier.from, identifier.to));
            }
        },
    });
    if (error !== undefined || expr.trim() === "") throw new Error(`PromQL syntax error at ${error}: ${expr}`);
    return names;
}

/** Each vector selector's label matchers, as written ('namespace="backend"'). */
function matchersOfSelectors(expr: string): string[][] {
    const selectors: string[][] = [];
    parser.parse(expr).iterate({
        enter: (node) => {
            if (node.name !== "VectorSelector") return;
            const matchers = node.node.getChild("LabelMatchers")?.getChildren("UnquotedLabelMatcher") ?? [];
            selectors.push(matchers.map((m) => expr.slice(m.from, m.to)));
        },
    });
    return selectors;
}

const SETTINGS: Omit<MonitoringSettings, "namespace" | "charts"> = {
    installTimeoutSeconds: 900,
    prometheus: {
        replicas: 2,
        retention: "15d",
        retentionSize: "40GB",
        storageGiB: 50,
        cpuRequest: "500m",
        memoryRequest: "2Gi",
        memoryLimit: "4Gi",
    },
    alertmanager: { replicas: 2, storageGiB: 2, cpuRequest: "100m", memoryRequest: "128Mi", memoryLimit: "256Mi" },
    grafana: { cpuRequest: "200m", memoryRequest: "512Mi", memoryLimit: "1Gi" },
    alerts: { errorRatioPercent: 5, p99LatencyMs: 300, restartsPer15m: 3 },
};
const BACKEND = { namespace: "backend", name: "backend" };

/** Every string anywhere in a value. */
function strings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (value && typeof value === "object") return Object.values(value).flatMap(strings);
    return [];
}
function keys(value: unknown): string[] {
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]);
    return [];
}

describe("monitoring: PromQL checker", () => {
    it("accepts valid expressions and rejects broken ones", () => {
        assert.deepEqual(promql("sum(rate(http_requests_total[5m]))"), ["http_requests_total"]);
        assert.throws(() => promql("sum(rate(http_requests_total[5m])"), /syntax error/);
        assert.throws(() => promql("sum by (le) rate(x[5m])"), /syntax error/);
        assert.throws(() => promql(""), /syntax error/);
    });
});

describe("monitoring: pure builders", () => {
    it("enforces privileged Pod Security for node-exporter, warning and auditing at restricted", () => {
        assert.deepEqual(monitoringNamespaceLabels(), {
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
            "app.kubernetes.io/part-of": "scalable-backend",
        });
    });

    it("alerts on 5xx ratio, p99 latency, HPA at max, unready and restarting pods, with thresholds from config", () => {
        const rules = backendAlertRules(BACKEND, SETTINGS.alerts);
        assert.deepEqual(
            rules.map((r) => r.alert),
            [
                "BackendHighErrorRatio",
                "BackendHighLatencyP99",
                "BackendHpaAtMaxReplicas",
                "BackendPodsNotReady",
                "BackendPodRestarting",
            ],
        );
        assert.match(rules[0].expr, /\) > 0\.05$/);
        // Probe and scrape routes are not traffic: a draining pod's 503 on /readyz is by design.
        for (const rule of rules.slice(0, 2)) assert.match(rule.expr, /route!~"\/healthz\|\/readyz\|\/metrics"/);
        assert.match(rules[1].expr, /^histogram_quantile\(0\.99, .*\) > 0\.3$/);
        assert.match(rules[4].expr, /\[15m\]\) > 3$/);
        for (const rule of rules) {
            for (const name of promql(rule.expr))
                assert.ok(KNOWN_METRICS.has(name), `${rule.alert} uses unknown metric ${name}`);
            assert.match(rule.for, /^\d+m$/);
            assert.ok(["warning", "critical"].includes(rule.labels.severity));
            assert.ok(rule.annotations.summary.length > 10);
        }
    });

    it("watches the backend where its identity puts it, and points the runbook there", () => {
        const rules = backendAlertRules({ namespace: "shop", name: "api" }, SETTINGS.alerts);
        assert.equal(
            rules[0].annotations.runbook,
            "Check the backend's logs and recent deploys: kubectl -n shop logs deploy/api",
        );
        for (const rule of rules) {
            assert.match(rule.expr, /namespace="shop"/);
            assert.doesNotMatch(rule.expr, /"backend"/);
        }
        assert.match(rules[2].expr, /horizontalpodautoscaler="api"/);
        const dashboard = backendDashboard({ namespace: "shop", name: "api" });
        assert.deepEqual(dashboard.templating, { list: [namespaceVariable({ namespace: "shop", name: "api" })] });
        assert.deepEqual((namespaceVariable({ namespace: "shop", name: "api" }) as { current: unknown }).current, {
            selected: true,
            text: "shop",
            value: "shop",
        });
        assert.match(JSON.stringify(dashboard), /horizontalpodautoscaler=\\"api\\"/);
        assert.doesNotMatch(JSON.stringify(dashboard), /\\?"backend\\?"/);
    });

    it("gives the dashboard a namespace variable over the request metric's namespaces, the backend's own by default", () => {
        const dashboard = backendDashboard(BACKEND) as { templating: unknown };
        assert.deepEqual(dashboard.templating, {
            list: [
                {
                    name: "namespace",
                    label: "Namespace",
                    type: "query",
                    datasource: { type: "prometheus", uid: "prometheus" },
                    query: "label_values(http_requests_total, namespace)",
                    definition: "label_values(http_requests_total, namespace)",
                    refresh: 2,
                    sort: 1,
                    multi: false,
                    includeAll: false,
                    current: { selected: true, text: "backend", value: "backend" },
                    options: [],
                },
            ],
        });
    });

    it("filters every panel's query by the chosen namespace, and by nothing the identity's namespace fixes", () => {
        const dashboard = backendDashboard(BACKEND) as { panels: { targets: { expr: string }[] }[] };
        const app = 'namespace="$namespace", route!~"/healthz|/readyz|/metrics"';
        const hpa = 'namespace="$namespace", horizontalpodautoscaler="backend"';
        const container = 'namespace="$namespace", container="backend"';
        const quantile = (q: string) =>
            `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${app}}[5m])))`;
        assert.deepEqual(
            dashboard.panels.map((panel) => panel.targets.map((target) => target.expr)),
            [
                [`sum by (route) (rate(http_requests_total{${app}}[5m]))`],
                [
                    `sum(rate(http_requests_total{${app}, status=~"5.."}[5m])) / sum(rate(http_requests_total{${app}}[5m]))`,
                ],
                [quantile("0.5"), quantile("0.95"), quantile("0.99")],
                [
                    `kube_horizontalpodautoscaler_status_current_replicas{${hpa}}`,
                    `kube_horizontalpodautoscaler_status_desired_replicas{${hpa}}`,
                    `kube_horizontalpodautoscaler_spec_max_replicas{${hpa}}`,
                ],
                [`sum by (pod) (rate(container_cpu_usage_seconds_total{${container}}[5m]))`],
                [`sum by (pod) (container_memory_working_set_bytes{${container}})`],
            ],
        );
    });

    it("leaves out exactly the app's probe and scrape routes", () => {
        assert.equal(PROBE_ROUTES, QUIET_ROUTES.join("|"));
        assert.deepEqual([...QUIET_ROUTES].sort(), ["/healthz", "/metrics", "/readyz"]);
    });

    it("builds a valid dashboard: requests/s, error ratio, p50/p95/p99, replicas vs HPA, CPU and memory per pod", () => {
        const dashboard = JSON.parse(JSON.stringify(backendDashboard(BACKEND))) as {
            uid: string;
            schemaVersion: number;
            panels: {
                id: number;
                title: string;
                gridPos: { x: number; y: number; w: number; h: number };
                targets: { refId: string; expr: string; legendFormat: string }[];
            }[];
        };
        assert.equal(dashboard.uid, "backend-overview");
        assert.equal(dashboard.schemaVersion, 39);
        assert.deepEqual(
            dashboard.panels.map((p) => p.title),
            ["Requests per second", "Error ratio (5xx)", "Latency", "Replicas vs HPA", "CPU per pod", "Memory per pod"],
        );
        assert.deepEqual(
            dashboard.panels[2].targets.map((t) => t.legendFormat),
            ["p50", "p95", "p99"],
        );
        assert.deepEqual(
            dashboard.panels[3].targets.map((t) => t.legendFormat),
            ["current", "desired", "max"],
        );
        assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length);
        const cells = new Set<string>();
        for (const panel of dashboard.panels) {
            const cell = `${panel.gridPos.x},${panel.gridPos.y}`;
            assert.ok(!cells.has(cell), `panels overlap at ${cell}`);
            cells.add(cell);
            assert.deepEqual(
                panel.targets.map((t) => t.refId),
                ["A", "B", "C"].slice(0, panel.targets.length),
            );
            for (const target of panel.targets) {
                for (const name of promql(target.expr))
                    assert.ok(KNOWN_METRICS.has(name), `${panel.title} uses unknown metric ${name}`);
            }
        }
    });

    it("routes to a null receiver without Slack, and reads the webhook from a mounted Secret with it", () => {
        const none = alertmanagerConfig({ slack: false }) as {
            route: { receiver: string };
            receivers: { name: string }[];
        };
        assert.equal(none.route.receiver, "null");
        assert.deepEqual(none.receivers, [{ name: "null" }]);
        const slack = alertmanagerConfig({ slack: true }) as {
            route: { receiver: string; routes: unknown[] };
            receivers: { name: string; slack_configs?: { api_url_file: string }[] }[];
        };
        assert.equal(slack.route.receiver, "slack");
        assert.equal(
            slack.receivers[1].slack_configs?.[0].api_url_file,
            "/etc/alertmanager/secrets/alertmanager-slack/webhook-url",
        );
        assert.deepEqual(slack.route.routes, [
            { receiver: "null", matchers: ['alertname = "Watchdog"'] },
            { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
        ]);
        const inhibit = (alertmanagerConfig({ slack: true }) as { inhibit_rules: { source_matchers: string[] }[] })
            .inhibit_rules;
        assert.deepEqual(
            inhibit.map((r) => r.source_matchers[0]),
            ['severity = "critical"', 'severity = "warning"', 'alertname = "InfoInhibitor"'],
        );
    });

    it("on a host of review stacks, sends their namespaces' alerts to the null receiver first, before any other route", () => {
        for (const slack of [true, false]) {
            const config = alertmanagerConfig({ slack, reviewNamespaces: "eph-.+" }) as {
                route: { receiver: string; routes: unknown[] };
            };
            assert.equal(config.route.receiver, slack ? "slack" : "null");
            assert.deepEqual(config.route.routes, [
                { receiver: "null", matchers: ['namespace =~ "eph-.+"'], continue: false },
                // Review quotas overcommit dev's nodes by design; these alerts carry no namespace.
                {
                    receiver: "null",
                    matchers: ['alertname =~ "KubeCPUOvercommit|KubeMemoryOvercommit"'],
                    continue: false,
                },
                { receiver: "null", matchers: ['alertname = "Watchdog"'] },
                { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
            ]);
        }
        const values = kubePrometheusStackValues({
            settings: SETTINGS,
            storageClassName: "gp3",
            slack: true,
            reviewNamespaces: "eph-.+",
        }) as Record<string, any>;
        assert.deepEqual(values.alertmanager.config, alertmanagerConfig({ slack: true, reviewNamespaces: "eph-.+" }));
    });

    it("pins every selector of every backend rule to the backend's namespace: a review namespace's series never fire them", () => {
        for (const rule of backendAlertRules(BACKEND, SETTINGS.alerts)) {
            const selectors = matchersOfSelectors(rule.expr);
            assert.ok(selectors.length > 0, rule.alert);
            for (const matchers of selectors) assert.ok(matchers.includes('namespace="backend"'), rule.alert);
        }
        // The check itself sees a selector without the pin.
        assert.deepEqual(matchersOfSelectors('sum(x{namespace="backend"}) / sum(y{a="b"})'), [
            ['namespace="backend"'],
            ['a="b"'],
        ]);
    });

    it("keeps every UI private, never sets a Grafana password in values, and turns off EKS's unreachable control-plane targets", () => {
        const values = kubePrometheusStackValues({
            settings: SETTINGS,
            storageClassName: "gp3",
            slack: false,
        }) as Record<string, any>;
        assert.deepEqual(values.crds, { enabled: false });
        for (const component of ["grafana", "prometheus", "alertmanager"])
            assert.deepEqual(values[component].service, { type: "ClusterIP" });
        assert.deepEqual(values.grafana.admin, {
            existingSecret: "grafana-admin",
            userKey: "admin-user",
            passwordKey: "admin-password",
        });
        assert.ok(!keys(values).includes("adminPassword"));
        assert.equal(values.grafana.replicas, 1);
        for (const component of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"])
            assert.deepEqual(values[component], { enabled: false });
        assert.deepEqual(values.defaultRules.rules, {
            etcd: false,
            kubeControllerManager: false,
            kubeSchedulerAlerting: false,
            kubeSchedulerRecording: false,
            kubeProxy: false,
        });
        const spec = values.prometheus.prometheusSpec;
        for (const key of [
            "serviceMonitorSelectorNilUsesHelmValues",
            "podMonitorSelectorNilUsesHelmValues",
            "ruleSelectorNilUsesHelmValues",
            "probeSelectorNilUsesHelmValues",
            "scrapeConfigSelectorNilUsesHelmValues",
        ]) {
            assert.equal(spec[key], false, key);
        }
        assert.deepEqual(spec.storageSpec, {
            volumeClaimTemplate: {
                spec: {
                    storageClassName: "gp3",
                    accessModes: ["ReadWriteOnce"],
                    resources: { requests: { storage: "50Gi" } },
                },
            },
        });
        assert.deepEqual(spec.resources, { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } });
        assert.deepEqual(values.alertmanager.alertmanagerSpec.resources, {
            requests: { cpu: "100m", memory: "128Mi" },
            limits: { memory: "256Mi" },
        });
        assert.deepEqual(values.grafana.resources, {
            requests: { cpu: "200m", memory: "512Mi" },
            limits: { memory: "1Gi" },
        });
        assert.equal(values.alertmanager.alertmanagerSpec.secrets, undefined);
    });

    it("runs without volumes when storage is 0 (ephemeral stacks)", () => {
        const values = kubePrometheusStackValues({
            settings: {
                ...SETTINGS,
                prometheus: { ...SETTINGS.prometheus, storageGiB: 0 },
                alertmanager: { ...SETTINGS.alertmanager, replicas: 1, storageGiB: 0 },
            },
            storageClassName: "gp3",
            slack: false,
        }) as Record<string, any>;
        assert.equal(values.prometheus.prometheusSpec.storageSpec, undefined);
        assert.equal(values.alertmanager.alertmanagerSpec.storage, undefined);
        assert.equal(values.prometheus.prometheusSpec.persistentVolumeClaimRetentionPolicy, undefined);
        assert.equal(values.alertmanager.alertmanagerSpec.persistentVolumeClaimRetentionPolicy, undefined);
    });

    it("prints the exact port-forward command", () => {
        assert.equal(
            grafanaPortForwardCommand("monitoring"),
            "kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80",
        );
    });
});

const EXPECTED = {
    dev: {
        timeout: 900,
        retention: "3d",
        size: "8GB",
        storage: "10Gi",
        replicas: 1,
        amReplicas: 1,
        amStorage: "1Gi",
        p99: 0.5,
    },
    prod: {
        timeout: 1200,
        retention: "15d",
        size: "40GB",
        storage: "50Gi",
        replicas: 2,
        amReplicas: 2,
        amStorage: "2Gi",
        p99: 0.3,
    },
} as const;

for (const stack of STACKS) {
    const expected = EXPECTED[stack];
    describe(`monitoring: ${stack} stack`, () => {
        let run: StackRun;
        before(async () => {
            run = await stackRun(stack);
        });

        it("installs the CRDs from their own pinned chart, then kube-prometheus-stack pinned without its CRDs", () => {
            const crds = one(run, "kubernetes:helm.sh/v3:Release", "monitoring-crds");
            assert.deepEqual(
                [crds.inputs.chart, crds.inputs.version, crds.inputs.repositoryOpts.repo, crds.inputs.namespace],
                [
                    "prometheus-operator-crds",
                    "31.0.1",
                    "https://prometheus-community.github.io/helm-charts",
                    "monitoring",
                ],
            );
            const release = one(run, "kubernetes:helm.sh/v3:Release", "monitoring-stack");
            assert.deepEqual(
                [release.inputs.chart, release.inputs.version, release.inputs.repositoryOpts.repo, release.inputs.name],
                [
                    "kube-prometheus-stack",
                    "88.5.3",
                    "https://prometheus-community.github.io/helm-charts",
                    "kube-prometheus-stack",
                ],
            );
            assert.equal(release.inputs.skipCrds, true);
            assert.equal(release.inputs.values.crds.enabled, false);
            assert.equal(release.inputs.timeout, expected.timeout);
        });

        it("orders the stack after its CRDs, the EBS CSI add-on, the gp3 class and the nodes, not the controller", () => {
            const release = one(run, "kubernetes:helm.sh/v3:Release", "monitoring-stack");
            for (const [type, name] of [
                ["kubernetes:helm.sh/v3:Release", "monitoring-crds"],
                ["aws:eks/addon:Addon", "cluster-aws-ebs-csi-driver"],
                ["kubernetes:storage.k8s.io/v1:StorageClass", "cluster-gp3"],
                ["eks:index:ManagedNodeGroup", "cluster-general"],
            ]) {
                assert.ok(release.dependencies.includes(one(run, type, name).urn), name);
            }
            // No Service mutator webhook: its Services need not wait for the controller.
            assert.ok(!release.dependencies.includes(one(run, "kubernetes:helm.sh/v3:Release", "platform-lbc").urn));
            for (const [type, name] of [
                ["kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-backend-rules"],
                ["kubernetes:monitoring.coreos.com/v1:PodMonitor", "backend-podmonitor"],
            ]) {
                assert.ok(
                    one(run, type, name).dependencies.includes(
                        one(run, "kubernetes:helm.sh/v3:Release", "monitoring-crds").urn,
                    ),
                    `${name} after its CRD`,
                );
            }
        });

        it(`keeps ${expected.retention} / ${expected.size} of metrics on a ${expected.storage} gp3 volume with ${expected.replicas} Prometheus replica(s)`, () => {
            const values = one(run, "kubernetes:helm.sh/v3:Release", "monitoring-stack").inputs.values;
            const spec = values.prometheus.prometheusSpec;
            assert.equal(spec.retention, expected.retention);
            assert.equal(spec.retentionSize, expected.size);
            assert.equal(spec.replicas, expected.replicas);
            assert.equal(spec.storageSpec.volumeClaimTemplate.spec.storageClassName, "gp3");
            assert.equal(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, expected.storage);
            assert.equal(values.alertmanager.alertmanagerSpec.replicas, expected.amReplicas);
            assert.equal(
                values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage,
                expected.amStorage,
            );
            // Claims from the StatefulSets' templates go with them: the chart's uninstall leaves them otherwise.
            for (const statefulSet of [spec, values.alertmanager.alertmanagerSpec])
                assert.deepEqual(statefulSet.persistentVolumeClaimRetentionPolicy, {
                    whenDeleted: "Delete",
                    whenScaled: "Retain",
                });
            assert.equal(values.grafana.replicas, 1);
            for (const component of ["grafana", "prometheus", "alertmanager"])
                assert.equal(values[component].service.type, "ClusterIP");
        });

        it("creates its Namespace after the nodes and add-ons, so destroy deletes it, and its claims, while they run", () => {
            const namespace = one(run, "kubernetes:core/v1:Namespace", "monitoring-ns");
            assert.deepEqual(namespace.options.dependsOn, [
                "cluster-general",
                "cluster-coredns",
                "cluster-aws-ebs-csi-driver",
                "cluster-metrics-server",
            ]);
            const csi = one(run, "aws:eks/addon:Addon", "cluster-aws-ebs-csi-driver");
            assert.ok(namespace.dependencies.includes(csi.urn), "deleted before the EBS CSI driver");
        });

        it("generates the Grafana admin password, keeps it secret, and hands it over only as a Secret", () => {
            const password = one(run, "random:index/randomPassword:RandomPassword", "monitoring-grafana-admin");
            assert.equal(password.inputs.length, 32);
            const secret = one(run, "kubernetes:core/v1:Secret", "monitoring-grafana-admin");
            assert.deepEqual(secret.secretInputs, ["stringData"]);
            assert.equal(secret.inputs.metadata.name, "grafana-admin");
            assert.equal(
                secret.inputs.stringData["admin-password"],
                "<generated password of monitoring-grafana-admin>",
            );
            const release = one(run, "kubernetes:helm.sh/v3:Release", "monitoring-stack");
            assert.ok(!strings(release.inputs.values).some((s) => s.includes("generated password")));
            assert.ok(release.dependencies.includes(secret.urn), "the Secret exists before Grafana starts");
            assert.equal(ofType(run, "kubernetes:core/v1:Secret").length, 1, "no Slack secret without a webhook");
        });

        it("puts the dashboard where Grafana's sidecar finds it, as valid JSON", () => {
            const configMap = one(run, "kubernetes:core/v1:ConfigMap", "monitoring-backend-dashboard");
            assert.deepEqual(configMap.inputs.metadata.labels, { grafana_dashboard: "1" });
            // The sidecar reads its own namespace only: a labelled ConfigMap in a review namespace is ignored.
            const values = one(run, "kubernetes:helm.sh/v3:Release", "monitoring-stack").inputs.values;
            assert.deepEqual(values.grafana.sidecar.dashboards, {
                enabled: true,
                label: "grafana_dashboard",
                labelValue: "1",
            });
            assert.equal(configMap.inputs.metadata.namespace, "monitoring");
            assert.deepEqual(JSON.parse(configMap.inputs.data["backend.json"]), backendDashboard(BACKEND));
        });

        it("watches the namespace and names the Backend actually creates", () => {
            const namespace = one(run, "kubernetes:core/v1:Namespace", "backend-ns").inputs.metadata.name;
            const deployment = one(run, "kubernetes:apps/v1:Deployment", "backend-deployment").inputs.metadata;
            const hpa = one(run, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "backend-hpa").inputs.metadata;
            assert.equal(deployment.namespace, namespace);
            const rule = one(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-backend-rules");
            const rules = rule.inputs.spec.groups[0].rules as { alert: string; expr: string }[];
            for (const r of rules) assert.match(r.expr, new RegExp(`namespace="${namespace}"`), r.alert);
            assert.match(
                rules.find((r) => r.alert === "BackendHpaAtMaxReplicas")!.expr,
                new RegExp(`horizontalpodautoscaler="${hpa.name}"`),
            );
            assert.match(
                rules.find((r) => r.alert === "BackendPodRestarting")!.expr,
                new RegExp(`container="${deployment.name}"`),
            );
        });

        it(
            stack === "dev"
                ? "never pages on the review stacks' namespaces (eph-*): dev hosts them"
                : "routes alerts as a stack that hosts no review stacks",
            () => {
                const values = one(run, "kubernetes:helm.sh/v3:Release", "monitoring-stack").inputs.values;
                assert.deepEqual(values.alertmanager.config.route.routes, [
                    ...(stack === "dev"
                        ? [
                              { receiver: "null", matchers: ['namespace =~ "eph-.+"'], continue: false },
                              {
                                  receiver: "null",
                                  matchers: ['alertname =~ "KubeCPUOvercommit|KubeMemoryOvercommit"'],
                                  continue: false,
                              },
                          ]
                        : []),
                    { receiver: "null", matchers: ['alertname = "Watchdog"'] },
                    { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
                ]);
                assert.deepEqual(
                    values.alertmanager.config,
                    alertmanagerConfig({ slack: false, ...(stack === "dev" ? { reviewNamespaces: "eph-.+" } : {}) }),
                );
            },
        );

        it(`ships the backend's alert rules with the ${stack} thresholds`, () => {
            const rule = one(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-backend-rules");
            const rules = rule.inputs.spec.groups[0].rules as { alert: string; expr: string }[];
            assert.equal(rules.length, 5);
            assert.match(
                rules.find((r) => r.alert === "BackendHighLatencyP99")!.expr,
                new RegExp(`> ${expected.p99}$`),
            );
            for (const r of rules) promql(r.expr);
        });
    });
}

describe("monitoring: a cluster-placement eph-* stack", () => {
    it("hosts no review stacks: no review namespaces' route", async () => {
        const values = one(await ephemeralRun(), "kubernetes:helm.sh/v3:Release", "monitoring-stack").inputs.values;
        assert.deepEqual(values.alertmanager.config.route.routes, [
            { receiver: "null", matchers: ['alertname = "Watchdog"'] },
            { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
        ]);
    });
});

describe("monitoring: configured secrets", () => {
    it("uses the configured Grafana password and Slack webhook, both secret, without a generated password", async () => {
        const password = CONFIGURED.grafanaAdminPassword;
        const webhook = CONFIGURED.slackWebhookUrl;
        const run = await configuredRun("dev");
        assert.equal(ofType(run, "random:index/randomPassword:RandomPassword").length, 0);
        const grafana = one(run, "kubernetes:core/v1:Secret", "monitoring-grafana-admin");
        assert.equal(grafana.inputs.stringData["admin-password"], password);
        assert.deepEqual(grafana.secretInputs, ["stringData"]);
        const slack = one(run, "kubernetes:core/v1:Secret", "monitoring-slack");
        assert.deepEqual(slack.inputs.stringData, { "webhook-url": webhook });
        assert.deepEqual(slack.secretInputs, ["stringData"]);
        const values = one(run, "kubernetes:helm.sh/v3:Release", "monitoring-stack").inputs.values;
        assert.deepEqual(values.alertmanager.alertmanagerSpec.secrets, ["alertmanager-slack"]);
        assert.equal(values.alertmanager.config.route.receiver, "slack");
        assert.ok(
            !strings(values).some((s) => s.includes(password) || s.includes("hooks.slack.com")),
            "no secret in Helm values",
        );
        assert.ok(!JSON.stringify(run.outputs).includes(password));
    });
});
