// Pinned Helm charts: exact versions, and the autoscaler image for the cluster's own minor.
import type { MonitoringSettings } from "../components/monitoring";
import type { PlatformSettings } from "../components/platform";
import { minorOf } from "./cluster";
import type { Reader } from "./reader";

/** The charts each component installs. */
export interface ChartVersions {
    readonly platform: PlatformSettings["charts"];
    readonly monitoring: MonitoringSettings["charts"];
}

const CHART_KEYS = ["awsLoadBalancerController", "clusterAutoscaler", "kubePrometheusStack", "prometheusOperatorCrds"];
const CHART_VERSION_PATTERN = /^\d+\.\d+\.\d+$/;
const IMAGE_TAG_PATTERN = /^v(\d+)\.(\d+)\.(\d+)$/;

export function parseCharts(reader: Reader, raw: unknown, kubernetesVersion: string): ChartVersions {
    const value = reader.object("charts", raw);
    reader.rejectUnknownKeys("charts", value, CHART_KEYS);
    const chartVersion = (key: string, v: unknown): string => {
        const version = reader.string(key, v);
        if (!CHART_VERSION_PATTERN.test(version))
            reader.fail(
                key,
                `is "${version}", not a pinned chart version`,
                `an exact semver such as "1.13.4" (no ranges, no "latest")`,
            );
        return version;
    };
    const lbc = reader.object("charts.awsLoadBalancerController", value.awsLoadBalancerController);
    reader.rejectUnknownKeys("charts.awsLoadBalancerController", lbc, ["version"]);
    const ca = reader.object("charts.clusterAutoscaler", value.clusterAutoscaler);
    reader.rejectUnknownKeys("charts.clusterAutoscaler", ca, ["version", "imageTag"]);
    const imageTag = reader.string("charts.clusterAutoscaler.imageTag", ca.imageTag);
    if (!IMAGE_TAG_PATTERN.test(imageTag)) {
        reader.fail(
            "charts.clusterAutoscaler.imageTag",
            `is "${imageTag}", not an exact image tag`,
            `a tag such as "v${kubernetesVersion}.0"`,
        );
    }
    if (minorOf(imageTag) !== kubernetesVersion) {
        // The autoscaler's scheduler simulation is only supported against its own Kubernetes minor.
        reader.fail(
            "charts.clusterAutoscaler.imageTag",
            `is "${imageTag}" (Kubernetes ${minorOf(imageTag)}) but the cluster runs ${kubernetesVersion}`,
            `a cluster-autoscaler release "v${kubernetesVersion}.x"`,
        );
    }
    const simpleChart = (name: string) => {
        const chart = reader.object(`charts.${name}`, value[name]);
        reader.rejectUnknownKeys(`charts.${name}`, chart, ["version"]);
        return Object.freeze({ version: chartVersion(`charts.${name}.version`, chart.version) });
    };
    return Object.freeze({
        platform: Object.freeze({
            awsLoadBalancerController: Object.freeze({
                version: chartVersion("charts.awsLoadBalancerController.version", lbc.version),
            }),
            clusterAutoscaler: Object.freeze({
                version: chartVersion("charts.clusterAutoscaler.version", ca.version),
                imageTag,
            }),
        }),
        monitoring: Object.freeze({
            kubePrometheusStack: simpleChart("kubePrometheusStack"),
            prometheusOperatorCrds: simpleChart("prometheusOperatorCrds"),
        }),
    });
}
