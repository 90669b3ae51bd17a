// Monitoring: Prometheus, Alertmanager and Grafana sizes, retention, the alert thresholds, and the
// two optional secrets (Grafana's admin password, the Slack webhook), checked for shape only.
import type { MonitoringSettings } from "../components/monitoring";
import { RawConfig, Reader, RESOURCE_KEYS } from "./reader";
import { type Profile, SECRET_KEYS } from "./stack";

/** Where the charts, their Secrets, the rules and the dashboard live. */
export const MONITORING_NAMESPACE = "monitoring";

/** What the `monitoring` key decides: everything but the charts (config/charts.ts) and the secrets (load.ts). */
export type MonitoringConfig = Omit<MonitoringSettings, "charts" | "grafanaAdminPassword" | "slackWebhookUrl">;

const MONITORING_KEYS = ["installTimeoutSeconds", "prometheus", "alertmanager", "grafana", "alerts"];
const PROMETHEUS_KEYS = ["replicas", "retention", "retentionSize", "storageGiB", ...RESOURCE_KEYS];
const DURATION_PATTERN = /^[1-9]\d*(ms|s|m|h|d|w|y)$/;
const SIZE_PATTERN = /^([1-9]\d*)(MB|GB|TB)$/;

function parsePrometheus(reader: Reader, raw: unknown, profile: Profile): MonitoringConfig["prometheus"] {
    const p = reader.object("monitoring.prometheus", raw);
    reader.rejectUnknownKeys("monitoring.prometheus", p, PROMETHEUS_KEYS);
    const replicas = reader.integer("monitoring.prometheus.replicas", p.replicas, 1, 5);
    if (profile === "prod" && replicas < 2)
        reader.fail(
            "monitoring.prometheus.replicas",
            `is ${replicas}; one Prometheus means no alerts while it restarts`,
            "at least 2 in prod",
        );
    const retention = reader.string("monitoring.prometheus.retention", p.retention);
    if (!DURATION_PATTERN.test(retention))
        reader.fail(
            "monitoring.prometheus.retention",
            `is "${retention}", not a Prometheus duration`,
            `a duration such as "15d" or "12h"`,
        );
    const retentionSize = reader.string("monitoring.prometheus.retentionSize", p.retentionSize);
    const size = SIZE_PATTERN.exec(retentionSize);
    if (!size)
        reader.fail(
            "monitoring.prometheus.retentionSize",
            `is "${retentionSize}", not a Prometheus size`,
            `a size such as "8GB" (MB, GB or TB)`,
        );
    const storageGiB = reader.integer("monitoring.prometheus.storageGiB", p.storageGiB, 0, 2000);
    if (profile === "prod" && storageGiB === 0)
        reader.fail(
            "monitoring.prometheus.storageGiB",
            "is 0 in prod, so metrics vanish with every Prometheus restart",
            "a volume size in GiB",
        );
    const sizeGB = Number(size[1]) * ({ MB: 0.001, GB: 1, TB: 1000 } as Record<string, number>)[size[2]];
    // GB (10^9) against GiB (2^30): keep 15% head room for the WAL and compaction.
    if (storageGiB > 0 && sizeGB > storageGiB * 1.073741824 * 0.85) {
        reader.fail(
            "monitoring.prometheus.retentionSize",
            `is "${retentionSize}", too close to the ${storageGiB}Gi volume`,
            `at most 85% of the volume (about ${Math.floor(storageGiB * 1.073741824 * 0.85)}GB)`,
        );
    }
    const resources = reader.podResources("monitoring.prometheus", p);
    return Object.freeze({ replicas, retention, retentionSize, storageGiB, ...resources });
}

export function parseMonitoring(reader: Reader, raw: unknown, profile: Profile): MonitoringConfig {
    const value = reader.object("monitoring", raw);
    reader.rejectUnknownKeys("monitoring", value, MONITORING_KEYS);
    const installTimeoutSeconds = reader.integer(
        "monitoring.installTimeoutSeconds",
        value.installTimeoutSeconds,
        300,
        3600,
    );
    const prometheus = parsePrometheus(reader, value.prometheus, profile);

    const a = reader.object("monitoring.alertmanager", value.alertmanager);
    reader.rejectUnknownKeys("monitoring.alertmanager", a, ["replicas", "storageGiB", ...RESOURCE_KEYS]);
    const alertmanager = Object.freeze({
        replicas: reader.integer("monitoring.alertmanager.replicas", a.replicas, 1, 5),
        storageGiB: reader.integer("monitoring.alertmanager.storageGiB", a.storageGiB, 0, 100),
        ...reader.podResources("monitoring.alertmanager", a),
    });
    const g = reader.object("monitoring.grafana", value.grafana);
    reader.rejectUnknownKeys("monitoring.grafana", g, RESOURCE_KEYS);
    const grafana = Object.freeze(reader.podResources("monitoring.grafana", g));

    const alertsRaw = reader.object("monitoring.alerts", value.alerts);
    reader.rejectUnknownKeys("monitoring.alerts", alertsRaw, ["errorRatioPercent", "p99LatencyMs", "restartsPer15m"]);
    const alerts = Object.freeze({
        errorRatioPercent: reader.integer("monitoring.alerts.errorRatioPercent", alertsRaw.errorRatioPercent, 1, 100),
        p99LatencyMs: reader.integer("monitoring.alerts.p99LatencyMs", alertsRaw.p99LatencyMs, 1, 60000),
        restartsPer15m: reader.integer("monitoring.alerts.restartsPer15m", alertsRaw.restartsPer15m, 1, 100),
    });
    return Object.freeze({
        namespace: MONITORING_NAMESPACE,
        installTimeoutSeconds,
        prometheus,
        alertmanager,
        grafana,
        alerts,
    });
}

/**
 * Secrets must arrive encrypted, then are checked for shape; their values never appear in a message.
 * `secretKeys` are the keys the CLI handed over as secrets (decrypted from `secure:` values).
 */
export function checkSecrets(
    reader: Reader,
    raw: RawConfig,
    secretKeys: readonly string[],
): { grafanaAdminPassword: boolean; alertmanagerSlackWebhookUrl: boolean } {
    for (const key of SECRET_KEYS) {
        if (raw[key] !== undefined && !secretKeys.includes(key)) {
            reader.fail(
                key,
                "is set in plain text (value not shown), readable by anyone with the stack file or `pulumi config`",
                `it encrypted: pulumi config rm ${key}, then pulumi config set --secret ${key} (rotate the value if it was committed)`,
            );
        }
    }
    const password = raw.grafanaAdminPassword;
    if (password !== undefined && (typeof password !== "string" || password.length < 16)) {
        reader.fail(
            "grafanaAdminPassword",
            "is set but shorter than 16 characters (value not shown)",
            "a long random password (pulumi config set --secret grafanaAdminPassword ...), or unset to generate one",
        );
    }
    const webhook = raw.alertmanagerSlackWebhookUrl;
    if (
        webhook !== undefined &&
        (typeof webhook !== "string" || !/^https:\/\/hooks\.slack\.com\/services\/\S+$/.test(webhook))
    ) {
        reader.fail(
            "alertmanagerSlackWebhookUrl",
            "is set but is not a Slack incoming-webhook URL (value not shown)",
            "https://hooks.slack.com/services/..., set with --secret",
        );
    }
    return { grafanaAdminPassword: password !== undefined, alertmanagerSlackWebhookUrl: webhook !== undefined };
}
