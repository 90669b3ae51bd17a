// Composition only: config in, each component handed its own settings and the outputs it needs, outputs out.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Backend } from "./components/backend";
import { Cluster } from "./components/cluster";
import { BackendImage } from "./components/image";
import { Monitoring } from "./components/monitoring";
import { Network } from "./components/network";
import { Platform } from "./components/platform";
import { loadConfig } from "./config";

const config = loadConfig();

// The one tagging seam: every AWS resource gets these through the provider's default tags.
const awsProvider = new aws.Provider("aws", {
    region: config.stack.region as aws.Region,
    defaultTags: { tags: { ...config.stack.tags } },
});
const onAws = { providers: { aws: awsProvider } };

const network = new Network("network", { ...config.network }, onAws);

const cluster = new Cluster(
    "cluster",
    {
        ...config.cluster,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        privateEgressRoutes: network.privateEgressRoutes,
    },
    onAws,
);
const onCluster = { providers: { kubernetes: cluster.provider } };

const platform = new Platform(
    "platform",
    {
        ...config.platform,
        clusterName: cluster.name,
        vpcId: network.vpcId,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
        nodes: cluster.nodeGroups,
        coredns: cluster.coredns,
    },
    { providers: { aws: awsProvider, kubernetes: cluster.provider } },
);

const image = new BackendImage("backend-image", { ...config.image, root: __dirname }, onAws);

const monitoring = new Monitoring(
    "monitoring",
    {
        ...config.monitoring,
        backend: config.backend.identity,
        storageClass: cluster.storageClass,
        storageClassName: cluster.storageClassName,
        after: [...cluster.nodeGroups, ...cluster.addons],
    },
    onCluster,
);

const backend = new Backend(
    "backend",
    {
        ...config.backend,
        image: image.reference,
        vpcCidr: config.network.cidrBlock,
        loadBalancerController: platform.loadBalancerController,
        nodes: cluster.nodeGroups,
        monitoring: monitoring.target,
    },
    onCluster,
);

export const clusterName = cluster.name;
export const kubeconfig = cluster.kubeconfig;
export const region = config.stack.region;
export const vpcId = network.vpcId;
export const vpcCidr = network.vpcCidr;
export const privateSubnetIds = pulumi.all(network.privateSubnetIds);
export const oidcProviderArn = cluster.oidcProviderArn;
export const oidcIssuer = cluster.oidcIssuer;
export const backendUrl = backend.url;
export const backendImage = image.reference;
export const grafanaPortForward = monitoring.grafanaPortForward;
