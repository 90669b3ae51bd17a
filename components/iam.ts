// Pure builders for IAM documents, so tests can check them without resources.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource?: string | string[];
    Principal?: Record<string, string | string[]>;
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

export interface ServiceAccountRef {
    readonly namespace: string;
    readonly name: string;
}

/** Strips the scheme so condition keys read "oidc.eks.<region>.amazonaws.com/id/<ID>:sub". */
export function issuerHost(issuer: string): string {
    return issuer.replace(/^https:\/\//, "");
}

/**
 * Trust policy for IAM Roles for Service Accounts: only the named service account, only tokens
 * minted for STS. Without the `:aud` pin any audience the issuer signs for could assume the role.
 */
export function irsaTrustPolicy(oidcProviderArn: string, issuer: string, serviceAccount: ServiceAccountRef): PolicyDocument {
    const host = issuerHost(issuer);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${host}:sub`]: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
                        [`${host}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/** Trust policy for a role an AWS service assumes (EKS nodes: ec2.amazonaws.com). */
export function serviceTrustPolicy(service: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    };
}

/**
 * Cluster Autoscaler permissions, after the upstream least-privilege policy: reads everywhere,
 * writes only to Auto Scaling groups tagged as owned by this cluster.
 */
export function clusterAutoscalerPolicy(clusterName: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DescribeForDiscovery",
                Effect: "Allow",
                Action: [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup",
                ],
                Resource: "*",
            },
            {
                Sid: "ScaleOwnedGroupsOnly",
                Effect: "Allow",
                Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                Resource: "*",
                Condition: {
                    StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" },
                },
            },
        ],
    };
}

export interface IrsaRoleArgs {
    readonly oidcProviderArn: pulumi.Input<string>;
    readonly oidcIssuer: pulumi.Input<string>;
    readonly serviceAccount: ServiceAccountRef;
    readonly description: string;
    /** Managed policy ARNs to attach. */
    readonly managedPolicyArns?: readonly string[];
    /** An inline-built customer managed policy. */
    readonly policyDocument?: pulumi.Input<string>;
}

/**
 * An IAM role that exactly one Kubernetes service account can assume, with its permissions.
 * A component so that every IRSA role in the stack is built the same way.
 */
export class IrsaRole extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend:iam:IrsaRole", name, {}, opts);
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                description: args.description,
                assumeRolePolicy: pulumi
                    .all([args.oidcProviderArn, args.oidcIssuer])
                    .apply(([arn, issuer]) => JSON.stringify(irsaTrustPolicy(arn, issuer, args.serviceAccount))),
            },
            { parent: this },
        );
        const attachments = (args.managedPolicyArns ?? []).map(
            (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-managed-${i}`, { role: this.role.name, policyArn }, { parent: this }),
        );
        if (args.policyDocument !== undefined) {
            const policy = new aws.iam.Policy(`${name}-policy`, { description: args.description, policy: args.policyDocument }, { parent: this });
            attachments.push(new aws.iam.RolePolicyAttachment(`${name}-policy`, { role: this.role.name, policyArn: policy.arn }, { parent: this }));
        }
        // Consumers get the ARN only once its permissions are attached, so pods never start unauthorised.
        this.arn = pulumi.all([this.role.arn, ...attachments.map((a) => a.id)]).apply(([arn]) => arn);
        this.registerOutputs({ arn: this.arn });
    }
}
