// The Helm add-ons that make EKS whole: the AWS Load Balancer Controller (Services of type
// LoadBalancer become NLBs) and the Cluster Autoscaler (node groups grow and shrink with load).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LOAD_BALANCER_CONTROLLER_CRDS, vendoredCrds } from "./crds";
import { clusterAutoscalerPolicy, IrsaRole, PolicyDocument, ServiceAccountRef } from "./iam";
// The upstream controller policy, verbatim; its `Resource: "*"` writes keep their tag conditions.
import awsLoadBalancerControllerPolicy from "./policies/aws-load-balancer-controller.json";

export const LOAD_BALANCER_CONTROLLER_SA: ServiceAccountRef = {
    namespace: "kube-system",
    name: "aws-load-balancer-controller",
};
export const CLUSTER_AUTOSCALER_SA: ServiceAccountRef = { namespace: "kube-system", name: "cluster-autoscaler" };
export const EKS_CHARTS_REPO = "https://aws.github.io/eks-charts";
export const AUTOSCALER_CHARTS_REPO = "https://kubernetes.github.io/autoscaler";
const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";

export function loadBalancerControllerPolicy(): PolicyDocument {
    return awsLoadBalancerControllerPolicy as PolicyDocument;
}

export interface LoadBalancerControllerValuesArgs {
    readonly clusterName: string;
    readonly region: string;
    readonly vpcId: string;
    readonly roleArn: string;
    readonly replicas: number;
}

/** Region and VPC are explicit: with IMDS hop limit 1 the controller cannot look them up. */
export function loadBalancerControllerValues(args: LoadBalancerControllerValuesArgs): Record<string, unknown> {
    return {
        clusterName: args.clusterName,
        region: args.region,
        vpcId: args.vpcId,
        replicaCount: args.replicas,
        serviceAccount: {
            create: true,
            name: LOAD_BALANCER_CONTROLLER_SA.name,
            annotations: { [IRSA_ANNOTATION]: args.roleArn },
        },
        podDisruptionBudget: { maxUnavailable: 1 },
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        // Its only job is to default loadBalancerClass, and with failurePolicy Fail it rejects every
        // Service created while the controller starts, so everything that creates one had to wait.
        // Every LoadBalancer Service here names its class (policy rule load-balancer-class).
        enableServiceMutatorWebhook: false,
        // Reuse the webhook's TLS secret: otherwise every upgrade generates a new CA and certificate, and
        // until the pods load the new secret the API server refuses their webhooks' certificate.
        keepTLSSecret: true,
    };
}

export interface ClusterAutoscalerValuesArgs {
    readonly clusterName: string;
    readonly region: string;
    readonly roleArn: string;
    readonly imageTag: string;
}

export function clusterAutoscalerValues(args: ClusterAutoscalerValuesArgs): Record<string, unknown> {
    return {
        cloudProvider: "aws",
        awsRegion: args.region,
        autoDiscovery: { clusterName: args.clusterName },
        image: { tag: args.imageTag },
        rbac: {
            serviceAccount: {
                create: true,
                name: CLUSTER_AUTOSCALER_SA.name,
                annotations: { [IRSA_ANNOTATION]: args.roleArn },
            },
        },
        extraArgs: {
            "balance-similar-node-groups": true,
            // Our per-group label would otherwise make every group look different.
            "balancing-ignore-label": "node-group",
            "skip-nodes-with-system-pods": false,
            expander: "least-waste",
            "scale-down-unneeded-time": "5m",
        },
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    };
}

/** What config decides about the platform charts (config/charts.ts and config/stack.ts produce it). */
export interface PlatformSettings {
    /** The controller and autoscaler cannot look it up (IMDS hop limit 1). */
    readonly region: string;
    readonly charts: {
        /** From https://aws.github.io/eks-charts, an exact version. */
        readonly awsLoadBalancerController: { readonly version: string };
        /** An exact chart version, and the image for the cluster's Kubernetes minor ("v1.35.2"). */
        readonly clusterAutoscaler: { readonly version: string; readonly imageTag: string };
    };
    /** 2 in dev and prod so a node drain never stops Service reconciliation, 1 in ephemeral stacks. */
    readonly loadBalancerControllerReplicas: number;
    /** The permissions boundary of both IRSA roles (required on eph-* stacks). */
    readonly permissionsBoundaryArn?: string;
    /** The IAM path of both IRSA roles and the controller's policy (eph-* stacks'). */
    readonly iamPath?: string;
}

export interface PlatformArgs extends PlatformSettings {
    readonly clusterName: pulumi.Input<string>;
    readonly vpcId: pulumi.Input<string>;
    readonly oidcProviderArn: pulumi.Input<string>;
    readonly oidcIssuer: pulumi.Input<string>;
    /** Both charts run pods, so they wait for the node groups. */
    readonly nodes: pulumi.Resource[];
    /**
     * The controller resolves and calls the ELB API, so it waits for cluster DNS; on destroy that
     * keeps coredns running until the controller, which deletes the NLBs, is gone.
     */
    readonly coredns: pulumi.Resource;
}

export class Platform extends pulumi.ComponentResource {
    /** The controller chart's CRDs, vendored (components/crds/aws-load-balancer-controller/). */
    readonly loadBalancerControllerCrds: k8s.apiextensions.v1.CustomResourceDefinition[];
    readonly loadBalancerController: k8s.helm.v3.Release;
    readonly clusterAutoscaler: k8s.helm.v3.Release;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend:platform:Platform", name, {}, opts);
        const irsa = {
            oidcProviderArn: args.oidcProviderArn,
            oidcIssuer: args.oidcIssuer,
            permissionsBoundaryArn: args.permissionsBoundaryArn,
            iamPath: args.iamPath,
        };

        const lbcRole = new IrsaRole(
            `${name}-lbc`,
            {
                ...irsa,
                serviceAccount: LOAD_BALANCER_CONTROLLER_SA,
                description: "AWS Load Balancer Controller",
                policyDocument: JSON.stringify(loadBalancerControllerPolicy()),
            },
            { parent: this },
        );
        // Helm applies a chart's CRDs on first install only: as resources of their own they follow the chart.
        this.loadBalancerControllerCrds = vendoredCrds(
            LOAD_BALANCER_CONTROLLER_CRDS,
            args.charts.awsLoadBalancerController.version,
        ).map(
            (crd) =>
                new k8s.apiextensions.v1.CustomResourceDefinition(
                    `${name}-crd-${crd.metadata.name}`,
                    { metadata: crd.metadata, spec: crd.spec },
                    { parent: this },
                ),
        );
        this.loadBalancerController = new k8s.helm.v3.Release(
            `${name}-lbc`,
            {
                name: "aws-load-balancer-controller",
                chart: "aws-load-balancer-controller",
                version: args.charts.awsLoadBalancerController.version,
                repositoryOpts: { repo: EKS_CHARTS_REPO },
                namespace: LOAD_BALANCER_CONTROLLER_SA.namespace,
                skipCrds: true,
                values: pulumi.all([args.clusterName, args.vpcId, lbcRole.arn]).apply(([clusterName, vpcId, roleArn]) =>
                    loadBalancerControllerValues({
                        clusterName,
                        region: args.region,
                        vpcId,
                        roleArn,
                        replicas: args.loadBalancerControllerReplicas,
                    }),
                ),
                atomic: true,
                timeout: 600,
            },
            { parent: this, dependsOn: [...args.nodes, args.coredns, ...this.loadBalancerControllerCrds] },
        );

        const autoscalerRole = new IrsaRole(
            `${name}-autoscaler`,
            {
                ...irsa,
                serviceAccount: CLUSTER_AUTOSCALER_SA,
                description: "Cluster Autoscaler",
                policyDocument: pulumi
                    .output(args.clusterName)
                    .apply((clusterName) => JSON.stringify(clusterAutoscalerPolicy(clusterName))),
            },
            { parent: this },
        );
        this.clusterAutoscaler = new k8s.helm.v3.Release(
            `${name}-autoscaler`,
            {
                name: "cluster-autoscaler",
                chart: "cluster-autoscaler",
                version: args.charts.clusterAutoscaler.version,
                repositoryOpts: { repo: AUTOSCALER_CHARTS_REPO },
                namespace: CLUSTER_AUTOSCALER_SA.namespace,
                values: pulumi.all([args.clusterName, autoscalerRole.arn]).apply(([clusterName, roleArn]) =>
                    clusterAutoscalerValues({
                        clusterName,
                        region: args.region,
                        roleArn,
                        imageTag: args.charts.clusterAutoscaler.imageTag,
                    }),
                ),
                atomic: true,
                timeout: 600,
            },
            { parent: this, dependsOn: args.nodes },
        );

        this.registerOutputs({
            loadBalancerController: this.loadBalancerController.status,
            clusterAutoscaler: this.clusterAutoscaler.status,
        });
    }
}
