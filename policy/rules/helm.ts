// Helm rules: charts come pinned from https or OCI repositories, and Grafana's admin password
// never stays the chart's default or sits in plain values.
import type { Props } from "./shared";
import { chartName, HELM_TYPES, resourcePolicy, TYPES } from "./shared";

const EXACT_SEMVER =
    /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

export function isExactVersion(version: unknown): boolean {
    return typeof version === "string" && EXACT_SEMVER.test(version);
}

/** Where a chart comes from, judged: "" when fine, else what is wrong. */
export function chartSourceProblem(chart: string, repo: string | undefined, plainHttp: boolean): string {
    if (plainHttp) return "it is pulled over plain HTTP (plainHttp: true)";
    if (repo !== undefined) return /^(https|oci):\/\//.test(repo) ? "" : `its repository ${repo} is not https`;
    if (/^(https|oci):\/\//.test(chart)) return "";
    if (/^http:\/\//.test(chart)) return `it is fetched over plain HTTP (${chart})`;
    return `it names no repository, so it comes from whatever "helm repo" this machine has configured`;
}

const isLocalChart = (chart: string): boolean => /^(\.{1,2}\/|\/)/.test(chart);

export const helmChartPinned = resourcePolicy(
    "helm-chart-pinned",
    "Helm charts come from https (or OCI) repositories at an exact version.",
    [...HELM_TYPES],
    (props, args) => {
        const chart = String(props.chart ?? "");
        // A chart vendored in this repository is pinned by the commit.
        if (isLocalChart(chart)) return [];
        const problems: string[] = [];
        if (!isExactVersion(props.version)) {
            problems.push(
                `Chart ${chart} is not pinned (version ${props.version === undefined ? "unset" : `"${props.version}"`}): set version to an exact chart version such as "1.2.3".`,
            );
        }
        const repoField = args.type === TYPES.helmChartV3 ? "fetchOpts" : "repositoryOpts";
        const problem = chartSourceProblem(chart, props[repoField]?.repo, props.plainHttp === true);
        if (problem)
            problems.push(
                `Chart ${chart} is not from an https repository (${problem}): set ${repoField}.repo to the chart's https URL.`,
            );
        return problems;
    },
);

/** Passwords the charts ship with. */
const DEFAULT_GRAFANA_PASSWORDS = new Set(["prom-operator", "admin"]);

export const grafanaAdminPassword = resourcePolicy(
    "grafana-admin-password",
    "Grafana never runs with the chart's default admin password, and its password is never a plain Helm value.",
    [...HELM_TYPES],
    (props) => {
        const chart = chartName(props.chart);
        if (chart !== "kube-prometheus-stack" && chart !== "grafana") return [];
        const prefix = chart === "grafana" ? "values" : "values.grafana";
        const grafana: Props = (chart === "grafana" ? props.values : props.values?.grafana) ?? {};
        if (grafana.enabled === false) return [];
        if (grafana.adminPassword !== undefined) {
            const known = DEFAULT_GRAFANA_PASSWORDS.has(String(grafana.adminPassword))
                ? ", and it is the chart's well-known default"
                : "";
            return [
                `${prefix}.adminPassword puts Grafana's admin password in plain Helm values, readable in the release${known}: keep it in a Kubernetes Secret and set ${prefix}.admin.existingSecret instead.`,
            ];
        }
        // The grafana chart generates a random password; kube-prometheus-stack sets "prom-operator".
        if (chart === "kube-prometheus-stack" && !grafana.admin?.existingSecret) {
            return [
                `Grafana keeps the chart's default admin password (prom-operator): create a Secret with the password and set ${prefix}.admin.existingSecret (with userKey and passwordKey).`,
            ];
        }
        return [];
    },
);
