// What the real stack files parse to, exactly: every config test compares with these.
import type { StackConfig } from "../config";
import type { FileStack } from "./config-helpers";

export const ADDON_VERSIONS = {
    vpcCni: "v1.23.1-eksbuild.1",
    kubeProxy: "v1.35.3-eksbuild.13",
    coredns: "v1.14.2-eksbuild.4",
    ebsCsiDriver: "v1.66.0-eksbuild.1",
    metricsServer: "v0.9.0-eksbuild.11",
};

export const CHARTS = {
    platform: {
        awsLoadBalancerController: { version: "3.5.0" },
        clusterAutoscaler: { version: "9.59.0", imageTag: "v1.35.2" },
    },
    monitoring: {
        kubePrometheusStack: { version: "88.5.3" },
        prometheusOperatorCrds: { version: "31.0.1" },
    },
};

export const NO_SECRETS = { grafanaAdminPassword: false, alertmanagerSlackWebhookUrl: false };

export const TAGS_DEV = {
    project: "scalable-backend",
    stack: "dev",
    environment: "dev",
    owner: "platform-team",
    "managed-by": "pulumi",
};
export const TAGS_PROD = { ...TAGS_DEV, stack: "prod", environment: "prod" };

export const EXPECTED_DEV: StackConfig = {
    stack: {
        project: "scalable-backend",
        name: "dev",
        profile: "dev",
        owner: "platform-team",
        region: "eu-west-1",
        clusterName: "scalable-backend-dev",
        protect: false,
        kmsDeletionWindowDays: 7,
        loadBalancerControllerReplicas: 2,
        tags: TAGS_DEV,
    },
    network: {
        cidrBlock: "10.10.0.0/16",
        availabilityZoneCount: 2,
        natGateways: "single",
        clusterName: "scalable-backend-dev",
    },
    cluster: {
        clusterName: "scalable-backend-dev",
        kubernetesVersion: "1.35",
        endpointPublicAccess: true,
        publicAccessCidrs: [],
        vpcCidr: "10.10.0.0/16",
        privateEndpointAccessCidrs: [],
        adminPrincipalArns: [],
        viewerPrincipalArns: [],
        auditorPrincipalArns: [],
        clusterLogTypes: ["api", "audit", "authenticator"],
        logRetentionDays: 7,
        kmsDeletionWindowDays: 7,
        nodeGroups: {
            general: {
                instanceTypes: ["t3.large", "t3a.large", "m5.large"],
                capacityType: "SPOT",
                minSize: 1,
                desiredSize: 2,
                maxSize: 4,
                diskSizeGiB: 30,
            },
        },
        addonVersions: ADDON_VERSIONS,
        tags: TAGS_DEV,
        protect: false,
    },
    platform: { region: "eu-west-1", charts: CHARTS.platform, loadBalancerControllerReplicas: 2 },
    image: { repositoryName: "scalable-backend-dev/backend", forceDelete: true },
    backend: {
        identity: { namespace: "backend", name: "backend" },
        stack: "dev",
        minReplicas: 1,
        maxReplicas: 4,
        cpuTargetPercent: 70,
        cpuRequest: "100m",
        memoryRequest: "128Mi",
        memoryLimit: "256Mi",
        loadBalancerSourceRanges: [],
        tls: { plainHttp: true },
    },
    monitoring: {
        namespace: "monitoring",
        charts: CHARTS.monitoring,
        installTimeoutSeconds: 900,
        prometheus: {
            replicas: 1,
            retention: "3d",
            retentionSize: "8GB",
            storageGiB: 10,
            cpuRequest: "200m",
            memoryRequest: "1Gi",
            memoryLimit: "2Gi",
        },
        alertmanager: { replicas: 1, storageGiB: 1, cpuRequest: "50m", memoryRequest: "64Mi", memoryLimit: "128Mi" },
        grafana: { cpuRequest: "100m", memoryRequest: "256Mi", memoryLimit: "512Mi" },
        alerts: { errorRatioPercent: 5, p99LatencyMs: 500, restartsPer15m: 3 },
    },
    secretsSet: NO_SECRETS,
};

export const EXPECTED_PROD: StackConfig = {
    stack: {
        project: "scalable-backend",
        name: "prod",
        profile: "prod",
        owner: "platform-team",
        region: "eu-west-1",
        clusterName: "scalable-backend-prod",
        protect: true,
        kmsDeletionWindowDays: 30,
        loadBalancerControllerReplicas: 2,
        tags: TAGS_PROD,
    },
    network: {
        cidrBlock: "10.20.0.0/16",
        availabilityZoneCount: 3,
        natGateways: "perAz",
        clusterName: "scalable-backend-prod",
    },
    cluster: {
        clusterName: "scalable-backend-prod",
        kubernetesVersion: "1.35",
        endpointPublicAccess: true,
        publicAccessCidrs: ["198.51.100.0/24"],
        vpcCidr: "10.20.0.0/16",
        privateEndpointAccessCidrs: [],
        adminPrincipalArns: [],
        viewerPrincipalArns: [],
        auditorPrincipalArns: [],
        clusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        logRetentionDays: 90,
        kmsDeletionWindowDays: 30,
        nodeGroups: {
            general: {
                instanceTypes: ["m6i.large", "m6a.large", "m5.large"],
                capacityType: "ON_DEMAND",
                minSize: 3,
                desiredSize: 3,
                maxSize: 10,
                diskSizeGiB: 50,
            },
        },
        addonVersions: ADDON_VERSIONS,
        tags: TAGS_PROD,
        protect: true,
    },
    platform: { region: "eu-west-1", charts: CHARTS.platform, loadBalancerControllerReplicas: 2 },
    image: { repositoryName: "scalable-backend-prod/backend", forceDelete: false },
    backend: {
        identity: { namespace: "backend", name: "backend" },
        stack: "prod",
        minReplicas: 3,
        maxReplicas: 20,
        cpuTargetPercent: 60,
        cpuRequest: "250m",
        memoryRequest: "256Mi",
        memoryLimit: "512Mi",
        loadBalancerSourceRanges: ["203.0.113.0/24"],
        tls: { certificateDomain: "api.example.com" },
    },
    monitoring: {
        namespace: "monitoring",
        charts: CHARTS.monitoring,
        installTimeoutSeconds: 1200,
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
    },
    secretsSet: NO_SECRETS,
};

export const EXPECTED: Record<FileStack, StackConfig> = { dev: EXPECTED_DEV, prod: EXPECTED_PROD };
