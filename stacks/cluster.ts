// The cluster placement (dev, prod, and eph-* stacks with `placement: cluster`): network, cluster,
// platform, monitoring and the backend, each component handed its own settings and the outputs it
// needs. The checks that need AWS (config/facts.ts) run before any resource but the AWS provider.
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Backend } from "../components/backend";
import { Cluster } from "../components/cluster";
import { BackendImage } from "../components/image";
import { Monitoring } from "../components/monitoring";
import { Network } from "../components/network";
import { Platform } from "../components/platform";
import { REVIEW_NAMESPACE_REGEX, ReviewHost } from "../components/review-host";
import { lookUpAwsFacts, type StackConfig } from "../config";
import { hostContractOutput } from "../lib/host-contract";

export async function clusterStack(config: StackConfig): Promise<Record<string, unknown>> {
    // The one tagging seam: every AWS resource gets these through the provider's default tags.
    const awsProvider = new aws.Provider("aws", {
        region: config.stack.region as aws.Region,
        defaultTags: { tags: { ...config.stack.tags } },
    });
    const onAws = { providers: { aws: awsProvider } };
    const facts = await lookUpAwsFacts(config, awsProvider);

    const network = new Network("network", { ...config.network, availabilityZones: facts.availabilityZones }, onAws);

    const cluster = new Cluster(
        "cluster",
        {
            ...config.cluster,
            vpcId: network.vpcId,
            publicSubnetIds: network.publicSubnetIds,
            privateSubnetIds: network.privateSubnetIds,
            privateEgressRoutes: network.privateEgressRoutes,
            // dev hosts the review stacks: their two roles get access entries on its cluster.
            ...(config.stack.profile === "dev" ? { reviewAccountId: facts.accountId } : {}),
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

    const image = new BackendImage("backend-image", { ...config.image, root: path.resolve(__dirname, "..") }, onAws);

    const monitoring = new Monitoring(
        "monitoring",
        {
            ...config.monitoring,
            backend: config.backend.identity,
            storageClass: cluster.storageClass,
            storageClassName: cluster.storageClassName,
            after: [...cluster.nodeGroups, ...cluster.addons],
            // dev hosts the review stacks: alerts from their namespaces never page.
            ...(config.stack.profile === "dev" ? { reviewNamespaces: REVIEW_NAMESPACE_REGEX } : {}),
        },
        onCluster,
    );

    const backend = new Backend(
        "backend",
        {
            ...config.backend,
            image: image.reference,
            certificateArn: facts.certificateArn,
            loadBalancerCidrs: network.publicCidrs,
            loadBalancerController: platform.loadBalancerController,
            nodes: cluster.nodeGroups,
            monitoring: monitoring.target,
        },
        onCluster,
    );

    // dev hosts the review stacks' namespaces: the RBAC their tenant and app layers need of it.
    if (config.stack.profile === "dev") new ReviewHost("review-host", { stack: config.stack.name }, onCluster);

    return {
        clusterName: cluster.name,
        kubeconfig: cluster.kubeconfig,
        region: config.stack.region,
        vpcId: network.vpcId,
        vpcCidr: network.vpcCidr,
        privateSubnetIds: pulumi.all(network.privateSubnetIds),
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
        backendUrl: backend.url,
        backendImage: image.reference,
        grafanaPortForward: monitoring.grafanaPortForward,
        // dev hosts the review stacks' namespaces: what they read of it, in one versioned output.
        ...(config.stack.profile === "dev"
            ? {
                  hostContract: hostContractOutput({
                      clusterName: cluster.name,
                      region: config.stack.region,
                      kubeconfig: cluster.kubeconfig,
                      loadBalancerSubnetCidrs: network.publicCidrs,
                      monitoring: {
                          namespace: monitoring.target.namespace,
                          prometheusPodLabels: monitoring.target.prometheusPodLabels,
                          podMonitorLabels: {},
                      },
                  }),
              }
            : {}),
    };
}
