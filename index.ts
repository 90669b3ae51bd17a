// Composition only: config in, components wired together, outputs out.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Backend } from "./components/backend";
import { Cluster, STORAGE_CLASS_NAME } from "./components/cluster";
import { BackendImage } from "./components/image";
import { Monitoring } from "./components/monitoring";
import { Network } from "./components/network";
import { Platform } from "./components/platform";
import { loadConfig } from "./config";

const config = loadConfig();

// The one tagging seam: every AWS resource gets these through the provider's default tags.
const awsProvider = new aws.Provider("aws", {
    region: config.region as aws.Region,
    defaultTags: { tags: { ...config.tags } },
});
const onAws = { providers: { aws: awsProvider } };

const network = new Network(
    "network",
    {
        cidrBlock: config.vpcCidr,
        availabilityZoneCount: config.availabilityZoneCount,
        natGateways: config.natGateways,
        clusterName: config.clusterName,
    },
    onAws,
);

const cluster = new Cluster(
    "cluster",
    {
        clusterName: config.clusterName,
        kubernetesVersion: config.kubernetesVersion,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        privateEgressRoutes: network.privateEgressRoutes,
        endpointPublicAccess: config.endpointPublicAccess,
        publicAccessCidrs: config.publicAccessCidrs,
        vpcCidr: config.vpcCidr,
        privateEndpointAccessCidrs: config.privateEndpointAccessCidrs,
        adminPrincipalArns: config.adminPrincipalArns,
        clusterLogTypes: config.clusterLogTypes,
        logRetentionDays: config.logRetentionDays,
        kmsDeletionWindowDays: config.kmsDeletionWindowDays,
        nodeGroups: config.nodeGroups,
        addonVersions: config.addonVersions,
        tags: config.tags,
        protect: config.protect,
    },
    onAws,
);

const platform = new Platform(
    "platform",
    {
        clusterName: cluster.name,
        region: config.region,
        vpcId: network.vpcId,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
        charts: config.charts,
        loadBalancerControllerReplicas: config.loadBalancerControllerReplicas,
        after: [...cluster.nodeGroups, ...cluster.addons],
    },
    { providers: { aws: awsProvider, kubernetes: cluster.provider } },
);

const image = new BackendImage(
    "backend-image",
    {
        repositoryName: `${config.clusterName}/backend`,
        prebuilt: config.backend.image,
        root: __dirname,
        forceDelete: !config.protect,
    },
    onAws,
);

const monitoring = new Monitoring(
    "monitoring",
    {
        namespace: "monitoring",
        settings: config.monitoring,
        charts: config.charts,
        backend: { namespace: "backend", name: "backend" },
        grafanaAdminPassword: config.secrets.grafanaAdminPassword,
        slackWebhookUrl: config.secrets.alertmanagerSlackWebhookUrl,
        storageClass: cluster.storageClass,
        storageClassName: STORAGE_CLASS_NAME,
        after: [...cluster.nodeGroups, ...cluster.addons, platform.loadBalancerController],
    },
    { providers: { kubernetes: cluster.provider } },
);

const backend = new Backend(
    "backend",
    {
        stack: config.stack,
        image: image.reference,
        scaling: config.backend,
        resources: config.backend,
        loadBalancerSourceRanges: config.backend.loadBalancerSourceRanges,
        vpcCidr: config.vpcCidr,
        loadBalancerController: platform.loadBalancerController,
        nodes: cluster.nodeGroups,
        monitoring: monitoring.target,
    },
    { providers: { kubernetes: cluster.provider } },
);

export const clusterName = cluster.name;
export const kubeconfig = cluster.kubeconfig;
export const region = config.region;
export const vpcId = network.vpcId;
export const vpcCidr = network.vpcCidr;
export const privateSubnetIds = pulumi.all(network.privateSubnetIds);
export const oidcProviderArn = cluster.oidcProviderArn;
export const oidcIssuer = cluster.oidcIssuer;
export const backendUrl = backend.url;
export const backendImage = image.reference;
export const grafanaPortForward = monitoring.grafanaPortForward;
