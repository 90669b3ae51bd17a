// config/charts.ts: exact chart versions, and the cluster autoscaler's image for the cluster's minor.
import { accepts, both, drop, rejects, rename, set } from "./config-helpers";

describe("config: charts", () => {
    const exact = ['an exact semver such as "1.13.4" (no ranges, no "latest")'];
    rejects([
        {
            title: 'cluster-autoscaler imageTag "v1.34.1" with Kubernetes 1.35',
            edit: set("charts.clusterAutoscaler.imageTag", "v1.34.1"),
            key: "charts.clusterAutoscaler.imageTag",
            says: ['is "v1.34.1" (Kubernetes 1.34) but the cluster runs 1.35'],
            expects: ['a cluster-autoscaler release "v1.35.x"'],
        },
        {
            title: 'cluster-autoscaler imageTag "latest"',
            edit: set("charts.clusterAutoscaler.imageTag", "latest"),
            key: "charts.clusterAutoscaler.imageTag",
            says: ['is "latest", not an exact image tag'],
            expects: ['a tag such as "v1.35.0"'],
        },
        {
            title: "a Kubernetes version bump without a matching cluster-autoscaler",
            edit: both(set("kubernetesVersion", "1.36"), set("addonVersions.kubeProxy", "v1.36.0-eksbuild.1")),
            key: "charts.clusterAutoscaler.imageTag",
            says: ['is "v1.35.2" (Kubernetes 1.35) but the cluster runs 1.36'],
            expects: ['a cluster-autoscaler release "v1.36.x"'],
        },
        {
            title: 'chart version "^3.5.0"',
            edit: set("charts.awsLoadBalancerController.version", "^3.5.0"),
            key: "charts.awsLoadBalancerController.version",
            says: ['is "^3.5.0", not a pinned chart version'],
            expects: exact,
        },
        {
            title: 'chart version "latest" for cluster-autoscaler',
            edit: set("charts.clusterAutoscaler.version", "latest"),
            key: "charts.clusterAutoscaler.version",
            says: ['is "latest", not a pinned chart version'],
            expects: exact,
        },
        {
            title: 'kube-prometheus-stack version "^88.5.3"',
            edit: set("charts.kubePrometheusStack.version", "^88.5.3"),
            key: "charts.kubePrometheusStack.version",
            says: ['is "^88.5.3", not a pinned chart version'],
            expects: ["an exact semver"],
        },
        {
            title: 'a misspelt key inside charts ("clusterAutoscalr")',
            edit: rename("charts.clusterAutoscaler", "clusterAutoscalr"),
            key: "charts.clusterAutoscalr",
            says: ['is not a known key (did you mean "clusterAutoscaler"?)'],
            expects: ["only awsLoadBalancerController, clusterAutoscaler"],
        },
        {
            title: 'a misspelt key inside charts.clusterAutoscaler ("imagetag")',
            edit: rename("charts.clusterAutoscaler.imageTag", "imagetag"),
            key: "charts.clusterAutoscaler.imagetag",
            says: ['is not a known key (did you mean "imageTag"?)'],
            expects: ["only version, imageTag"],
        },
        {
            title: "an unknown key inside charts.awsLoadBalancerController",
            edit: set("charts.awsLoadBalancerController.replicas", 2),
            key: "charts.awsLoadBalancerController.replicas",
            says: ["is not a known key"],
            expects: ["only version"],
        },
        {
            title: "charts as a list",
            edit: set("charts", ["3.5.0"]),
            key: "charts",
            says: ["is not an object"],
            expects: ["a YAML mapping"],
        },
        {
            title: "a missing charts.clusterAutoscaler",
            edit: drop("charts.clusterAutoscaler"),
            key: "charts.clusterAutoscaler",
            says: ["is missing"],
            expects: ["a YAML mapping"],
        },
    ]);

    accepts([
        {
            title: "Kubernetes 1.36 with kube-proxy and cluster-autoscaler for 1.36",
            edit: both(
                set("kubernetesVersion", "1.36"),
                set("addonVersions.kubeProxy", "v1.36.0-eksbuild.1"),
                set("charts.clusterAutoscaler.imageTag", "v1.36.0"),
            ),
            read: (c) => [
                c.cluster.kubernetesVersion,
                c.cluster.addonVersions.kubeProxy,
                c.platform.charts.clusterAutoscaler.imageTag,
            ],
            expected: ["1.36", "v1.36.0-eksbuild.1", "v1.36.0"],
        },
    ]);
});
