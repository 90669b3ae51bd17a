// config/monitoring.ts: Prometheus, Alertmanager and Grafana sizes, retention, alert thresholds,
// and the optional secrets' shapes.
import { EXPECTED_DEV } from "./config-expected";
import assert from "node:assert/strict";
import { parseStackConfig, SECRET_KEYS } from "../config";
import { accepts, both, expectConfigError, REGION, Rejection, rejects, rawFor, set } from "./config-helpers";

const monitoringCase = (
    path: string,
    value: unknown,
    says: string,
    expects: string,
    stack: "dev" | "prod" = "dev",
): Rejection => ({
    title: `monitoring.${path} ${JSON.stringify(value)}`,
    stack,
    edit: set(`monitoring.${path}`, value),
    key: `monitoring.${path}`,
    says: [says],
    expects: [expects],
});

describe("config: Prometheus retention and storage", () => {
    rejects([
        monitoringCase(
            "prometheus.retention",
            "15days",
            'is "15days", not a Prometheus duration',
            'a duration such as "15d"',
        ),
        monitoringCase("prometheus.retentionSize", "8GiB", 'is "8GiB", not a Prometheus size', 'a size such as "8GB"'),
        monitoringCase(
            "prometheus.retentionSize",
            "10GB",
            'is "10GB", too close to the 10Gi volume',
            "at most 85% of the volume (about 9GB)",
        ),
        monitoringCase(
            "prometheus.replicas",
            1,
            "one Prometheus means no alerts while it restarts",
            "at least 2 in prod",
            "prod",
        ),
        monitoringCase("prometheus.storageGiB", 0, "is 0 in prod", "a volume size in GiB", "prod"),
    ]);
    accepts([
        {
            title: "a retention size within 85% of the volume",
            edit: set("monitoring.prometheus.retentionSize", "9GB"),
            read: (c) => c.monitoring.prometheus.retentionSize,
            expected: "9GB",
        },
        {
            title: "no volume, whatever the retention size",
            edit: both(set("monitoring.prometheus.storageGiB", 0), set("monitoring.prometheus.retentionSize", "100GB")),
            read: (c) => c.monitoring.prometheus,
            expected: { ...EXPECTED_DEV.monitoring.prometheus, storageGiB: 0, retentionSize: "100GB" },
        },
    ]);
});

describe("config: monitoring resources, timeouts, thresholds and keys", () => {
    rejects([
        monitoringCase(
            "prometheus.memoryLimit",
            "512Mi",
            'is "512Mi", below memoryRequest "1Gi"',
            "a limit at least as large as the request",
        ),
        monitoringCase("prometheus.cpuRequest", "lots", 'is "lots", not a CPU quantity', "millicores"),
        monitoringCase("prometheus.memoryRequest", "1G", 'is "1G", not a memory quantity', '"256Mi" or "1Gi"'),
        monitoringCase(
            "grafana.memoryLimit",
            "128Mi",
            'is "128Mi", below memoryRequest "256Mi"',
            "a limit at least as large as the request",
        ),
        monitoringCase("alertmanager.cpuRequest", "fast", 'is "fast", not a CPU quantity', "millicores"),
        monitoringCase("installTimeoutSeconds", 60, "is 60, out of range", "an integer from 300 to 3600"),
        monitoringCase("alerts.errorRatioPercent", 0, "out of range", "an integer from 1 to 100"),
        monitoringCase("alerts.p99LatencyMs", "0.5s", "not a whole number", "an integer from 1 to 60000"),
        monitoringCase(
            "prometheus.retension",
            "3d",
            'is not a known key (did you mean "retention"?)',
            "only replicas, retention",
        ),
        monitoringCase(
            "loki",
            {},
            "is not a known key",
            "only installTimeoutSeconds, prometheus, alertmanager, grafana, alerts",
        ),
    ]);
    accepts([
        {
            title: "the dev file's monitoring",
            edit: () => undefined,
            read: (c) => c.monitoring,
            expected: EXPECTED_DEV.monitoring,
        },
    ]);
});

describe("config: optional secrets' shapes (values never shown)", () => {
    for (const [key, value] of [
        ["grafanaAdminPassword", "correct-horse-battery-staple-42"],
        ["alertmanagerSlackWebhookUrl", "https://hooks.slack.com/services/T0/B0/X"],
    ]) {
        it(`refuses ${key} set in plain text, pointing at --secret`, () => {
            for (const stack of ["dev", "prod"] as const) {
                const raw = { ...rawFor(stack), [key]: value };
                expectConfigError(() => parseStackConfig(stack, raw, REGION, []), {
                    stack,
                    key,
                    says: ["is set in plain text (value not shown)"],
                    expects: [`pulumi config set --secret ${key}`],
                    never: [value],
                });
                const other = SECRET_KEYS.filter((k) => k !== key);
                expectConfigError(() => parseStackConfig(stack, raw, REGION, other), {
                    stack,
                    key,
                    says: ["in plain text"],
                    expects: ["--secret"],
                });
                assert.equal(
                    parseStackConfig(stack, raw, REGION, [key]).secretsSet[key as "grafanaAdminPassword"],
                    true,
                );
            }
        });
    }

    rejects([
        {
            title: "a Grafana password shorter than 16 characters",
            edit: set("grafanaAdminPassword", "hunter2"),
            key: "grafanaAdminPassword",
            says: ["shorter than 16 characters (value not shown)"],
            expects: ["a long random password"],
            never: ["hunter2"],
        },
        {
            title: "a Slack webhook that is not one",
            edit: set("alertmanagerSlackWebhookUrl", "http://example.com/hunter2"),
            key: "alertmanagerSlackWebhookUrl",
            says: ["not a Slack incoming-webhook URL (value not shown)"],
            expects: ["https://hooks.slack.com/services/"],
            never: ["hunter2", "example.com"],
        },
    ]);
    accepts([
        {
            title: "both secrets, recorded as set",
            edit: both(
                set("grafanaAdminPassword", "correct-horse-battery-staple-42"),
                set("alertmanagerSlackWebhookUrl", "https://hooks.slack.com/services/T0/B0/X"),
            ),
            read: (c) => c.secretsSet,
            expected: { grafanaAdminPassword: true, alertmanagerSlackWebhookUrl: true },
        },
    ]);
});
