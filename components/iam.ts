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
export function irsaTrustPolicy(
    oidcProviderArn: string,
    issuer: string,
    serviceAccount: ServiceAccountRef,
): PolicyDocument {
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

/** A policy attachment's key: the policy's name (the ARN's last segment), stable wherever it sits in a list. */
export function policyKey(policyArn: string): string {
    const name = policyArn.slice(policyArn.lastIndexOf("/") + 1);
    if (!/^[\w+=,.@-]+$/.test(name)) throw new Error(`policyKey: "${policyArn}" is not a policy ARN`);
    return name;
}

/**
 * Until attachments were keyed by policy they were named by list position (`<name>-<kind>-<i>`),
 * so inserting a policy replaced every later attachment, and each replacement's delete detached
 * the policy it had just attached (pulumi/pulumi-aws#1980). These are the lists as they were
 * then: each alias names exactly the attachment that held that policy.
 */
export const POSITION_NAMED_ATTACHMENTS: Readonly<Record<string, readonly string[]>> = {
    node: [
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
    ],
    managed: ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
};

/** One attachment per policy, named `<name>-<kind>-<policy name>`, with the alias of its position-named predecessor. */
export function attachPolicies(
    name: string,
    kind: string,
    role: pulumi.Input<string>,
    policyArns: readonly string[],
    parent: pulumi.Resource,
): aws.iam.RolePolicyAttachment[] {
    const keys = policyArns.map(policyKey);
    const duplicate = keys.find((key, i) => keys.indexOf(key) !== i);
    if (duplicate) throw new Error(`attachPolicies: two policies named "${duplicate}" for ${name}-${kind}`);
    return policyArns.map((policyArn, i) => {
        const position = POSITION_NAMED_ATTACHMENTS[kind]?.indexOf(policyArn) ?? -1;
        return new aws.iam.RolePolicyAttachment(
            `${name}-${kind}-${keys[i]}`,
            { role, policyArn },
            { parent, aliases: position >= 0 ? [{ name: `${name}-${kind}-${position}` }] : [] },
        );
    });
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
    /** The role's permissions boundary, when the stack has one. */
    readonly permissionsBoundaryArn?: string;
    /** The IAM path of the role and its policy, when the stack has one. */
    readonly iamPath?: string;
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
                permissionsBoundary: args.permissionsBoundaryArn,
                path: args.iamPath,
            },
            { parent: this },
        );
        const attachments = attachPolicies(name, "managed", this.role.name, args.managedPolicyArns ?? [], this);
        if (args.policyDocument !== undefined) {
            const policy = new aws.iam.Policy(
                `${name}-policy`,
                { description: args.description, policy: args.policyDocument, path: args.iamPath },
                { parent: this },
            );
            attachments.push(
                new aws.iam.RolePolicyAttachment(
                    `${name}-policy`,
                    { role: this.role.name, policyArn: policy.arn },
                    { parent: this },
                ),
            );
        }
        // Consumers get the ARN only once its permissions are attached, so pods never start unauthorised.
        this.arn = pulumi.all([this.role.arn, ...attachments.map((a) => a.id)]).apply(([arn]) => arn);
        this.registerOutputs({ arn: this.arn });
    }
}
