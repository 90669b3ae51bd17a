// The backend's alert rules and Grafana dashboard as code: pure, so tests parse every expression.
// Monitoring ships them as a PrometheusRule and a dashboard ConfigMap.
import { QUIET_ROUTES } from "../app/src/routes";
import type { BackendIdentity } from "./backend";
import type { MonitoringSettings } from "./monitoring";

/** The app's probe and scrape routes (app/src/routes.ts), left out of traffic panels and alerts. */
export const PROBE_ROUTES = QUIET_ROUTES.join("|");

/** The backend's alerts. Every expression uses only metrics the app, kube-state-metrics or cAdvisor export. */
export function backendAlertRules(
    backend: BackendIdentity,
    alerts: MonitoringSettings["alerts"],
): { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }[] {
    // Probes and scrapes are not user traffic: a draining pod's 503 on /readyz is by design.
    const app = `namespace="${backend.namespace}", route!~"${PROBE_ROUTES}"`;
    const hpa = `namespace="${backend.namespace}", horizontalpodautoscaler="${backend.name}"`;
    return [
        {
            alert: "BackendHighErrorRatio",
            expr: `sum(rate(http_requests_total{${app}, status=~"5.."}[5m])) / sum(rate(http_requests_total{${app}}[5m])) > ${alerts.errorRatioPercent / 100}`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
                summary: `More than ${alerts.errorRatioPercent}% of backend requests fail with 5xx.`,
                runbook: `Check the backend's logs and recent deploys: kubectl -n ${backend.namespace} logs deploy/${backend.name}`,
            },
        },
        {
            alert: "BackendHighLatencyP99",
            expr: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${app}}[5m]))) > ${alerts.p99LatencyMs / 1000}`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: { summary: `Backend p99 latency is above ${alerts.p99LatencyMs} ms.` },
        },
        {
            alert: "BackendHpaAtMaxReplicas",
            expr: `max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas{${hpa}}) >= max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas{${hpa}})`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary:
                    "The backend has run at its maximum replica count for 15 minutes: raise maxReplicas or find the load.",
            },
        },
        {
            alert: "BackendPodsNotReady",
            expr: `sum by (namespace, pod) (kube_pod_status_ready{namespace="${backend.namespace}", pod=~"${backend.name}-.*", condition="false"}) > 0`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: { summary: "Backend pod {{ $labels.pod }} has not been ready for 10 minutes." },
        },
        {
            alert: "BackendPodRestarting",
            expr: `increase(kube_pod_container_status_restarts_total{namespace="${backend.namespace}", container="${backend.name}"}[15m]) > ${alerts.restartsPer15m}`,
            for: "0m",
            labels: { severity: "warning" },
            annotations: {
                summary: `Backend pod {{ $labels.pod }} restarted more than ${alerts.restartsPer15m} times in 15 minutes.`,
            },
        },
    ];
}

interface Panel {
    title: string;
    unit: string;
    targets: { expr: string; legendFormat: string }[];
}

/** The request metric the app exports in every namespace it runs in: the namespace variable's source. */
const REQUEST_METRIC = "http_requests_total";
const DATASOURCE = { type: "prometheus", uid: "prometheus" };

/**
 * The dashboard's `namespace` variable: every namespace the backend's request metric comes from (on
 * dev, the review stacks' eph-* namespaces too), the backend's own by default.
 */
export function namespaceVariable(backend: BackendIdentity): Record<string, unknown> {
    const query = `label_values(${REQUEST_METRIC}, namespace)`;
    return {
        name: "namespace",
        label: "Namespace",
        type: "query",
        datasource: DATASOURCE,
        query,
        definition: query,
        // On dashboard load and time range change: a review namespace appears without a reload.
        refresh: 2,
        sort: 1,
        multi: false,
        includeAll: false,
        current: { selected: true, text: backend.namespace, value: backend.namespace },
        options: [],
    };
}

/** The backend's Grafana dashboard, as the JSON Grafana stores; every query is of the chosen namespace. */
export function backendDashboard(backend: BackendIdentity): Record<string, unknown> {
    const namespace = `namespace="$namespace"`;
    const app = `${namespace}, route!~"${PROBE_ROUTES}"`;
    const hpa = `${namespace}, horizontalpodautoscaler="${backend.name}"`;
    const container = `${namespace}, container="${backend.name}"`;
    const quantile = (q: number) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${app}}[5m])))`,
        legendFormat: `p${Math.round(q * 100)}`,
    });
    const panels: Panel[] = [
        {
            title: "Requests per second",
            unit: "reqps",
            targets: [{ expr: `sum by (route) (rate(http_requests_total{${app}}[5m]))`, legendFormat: "{{route}}" }],
        },
        {
            title: "Error ratio (5xx)",
            unit: "percentunit",
            targets: [
                {
                    expr: `sum(rate(http_requests_total{${app}, status=~"5.."}[5m])) / sum(rate(http_requests_total{${app}}[5m]))`,
                    legendFormat: "5xx / all",
                },
            ],
        },
        { title: "Latency", unit: "s", targets: [quantile(0.5), quantile(0.95), quantile(0.99)] },
        {
            title: "Replicas vs HPA",
            unit: "short",
            targets: [
                { expr: `kube_horizontalpodautoscaler_status_current_replicas{${hpa}}`, legendFormat: "current" },
                { expr: `kube_horizontalpodautoscaler_status_desired_replicas{${hpa}}`, legendFormat: "desired" },
                { expr: `kube_horizontalpodautoscaler_spec_max_replicas{${hpa}}`, legendFormat: "max" },
            ],
        },
        {
            title: "CPU per pod",
            unit: "cores",
            targets: [
                {
                    expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${container}}[5m]))`,
                    legendFormat: "{{pod}}",
                },
            ],
        },
        {
            title: "Memory per pod",
            unit: "bytes",
            targets: [
                { expr: `sum by (pod) (container_memory_working_set_bytes{${container}})`, legendFormat: "{{pod}}" },
            ],
        },
    ];
    const datasource = DATASOURCE;
    return {
        uid: `${backend.name}-overview`,
        title: "Backend overview",
        tags: ["scalable-backend"],
        timezone: "browser",
        schemaVersion: 39,
        version: 1,
        refresh: "30s",
        time: { from: "now-3h", to: "now" },
        templating: { list: [namespaceVariable(backend)] },
        panels: panels.map((panel, i) => ({
            id: i + 1,
            type: "timeseries",
            title: panel.title,
            datasource,
            gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
            fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
            targets: panel.targets.map((target, j) => ({ refId: String.fromCharCode(65 + j), datasource, ...target })),
        })),
    };
}
