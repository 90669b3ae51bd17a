// The permissions boundary: a customer managed policy that caps every role an eph-* stack creates
// (its node, EBS CSI, controller and cluster roles) and the ephemeral role itself, which any pull
// request can assume. Whatever policies a pull request attaches to a role under it, the role can
// do no more than this: the services the main program's roles use (their AWS managed and vendored
// policies; a test checks every grant of theirs is covered), the ephemeral role's own rights, and
// never:
// - a role without this boundary, the boundary's removal or replacement, a change to this policy;
// - IAM outside the ephemeral path, EKS/ECR/logs outside the eph-* names;
// - anything on dev's or prod's resources (their tags), or administering KMS keys not tagged as
//   an ephemeral stack's.
// A customer managed policy holds at most 6,144 characters: the allows are by service where the
// program's roles need most of a service (EC2, ELB, Auto Scaling), exact elsewhere.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { controlPlaneLogGroupName, EBS_VOLUME_TAG_STACK } from "../../components/cluster";
import type { PolicyDocument, PolicyStatement } from "../../components/iam";
import { clusterNameOf } from "../../config/stack";
import { PROJECT as MAIN_PROJECT } from "../../config/reader";
import { BOUNDARY_NAME, boundaryArnOf, EPHEMERAL_IAM_PATH } from "../../lib/bootstrap-naming";
import {
    boundaryGuards,
    clusterNamePattern,
    KEY_ADMIN_ACTIONS,
    OIDC_PROVIDER_ACTIONS,
    SERVICE_LINKED_ROLE_SERVICES,
} from "./permissions";
import { backendKeyPrefix, metaArn, stackFilesPattern } from "./state";

export interface BoundaryScope {
    readonly accountId: string;
    readonly region: string;
    readonly bucketName: string;
}

/** Reads and writes the program's roles make with `Resource: "*"` (AWS managed, controller, autoscaler policies). */
const SERVICE_ACTIONS: readonly string[] = [
    "acm:Describe*",
    "acm:Get*",
    "acm:List*",
    "autoscaling:*",
    "cognito-idp:DescribeUserPoolClient",
    "ec2:*",
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:BatchImportUpstreamImage",
    "ecr:Describe*",
    "ecr:GetAuthorizationToken",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:List*",
    "eks-auth:AssumeRoleForPodIdentity",
    "eks:Describe*",
    "eks:List*",
    "elasticloadbalancing:*",
    "iam:Get*",
    "iam:List*",
    "kms:CreateKey",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:Get*",
    "kms:List*",
    "kms:RetireGrant",
    "logs:Describe*",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "shield:CreateProtection",
    "shield:DeleteProtection",
    "shield:DescribeProtection",
    "shield:GetSubscriptionState",
    "sts:GetCallerIdentity",
    // Associate/DisassociateWebACL, GetWebACL and GetWebACLForResource.
    "waf-regional:*ssociateWebACL",
    "waf-regional:GetWebACL*",
    "wafv2:*ssociateWebACL",
    "wafv2:GetWebACL*",
];

/** What the ephemeral role does to the IAM under EPHEMERAL_IAM_PATH (permissions.ts scopes it further). */
const EPHEMERAL_IAM_ACTIONS: readonly string[] = [
    "iam:AttachRolePolicy",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:CreateRole",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:DeleteRole",
    "iam:DetachRolePolicy",
    "iam:PassRole",
    "iam:PutRolePermissionsBoundary",
    "iam:TagPolicy",
    "iam:TagRole",
    "iam:UntagPolicy",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
];

/** Tags that mark dev's and prod's resources, including those the program's controllers and EKS create. */
export function protectedTags(): Record<string, string[]> {
    const clusters = [clusterNameOf("dev"), clusterNameOf("prod")];
    return {
        // The main program's provider default tags: every resource it creates.
        "aws:ResourceTag/environment": ["dev", "prod"],
        // What EKS managed node groups create (Auto Scaling groups, instances).
        "aws:ResourceTag/eks:cluster-name": clusters,
        // What EKS itself creates (the cluster security group, control-plane ENIs).
        "aws:ResourceTag/aws:eks:cluster-name": clusters,
        // What the load balancer controller creates (NLBs, target groups, security groups).
        "aws:ResourceTag/elbv2.k8s.aws/cluster": clusters,
        // What the EBS CSI driver creates (cluster.ts tags its volumes with the stack).
        [`aws:ResourceTag/${EBS_VOLUME_TAG_STACK}`]: ["dev", "prod"],
    };
}

/** One Deny per tag (conditions within a statement AND; separate statements OR). */
export function protectedTagDenials(): PolicyStatement[] {
    return Object.entries(protectedTags()).map(([key, values], i) => ({
        Sid: `NotDevOrProd${i + 1}`,
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { StringEquals: { [key]: values } },
    }));
}

export function boundaryPolicy(scope: BoundaryScope): PolicyDocument {
    const { accountId: account, region } = scope;
    const cluster = clusterNamePattern("ephemeral");
    const iamArn = (resource: string): string => `arn:aws:iam::${account}:${resource}`;
    const logGroup = `arn:aws:logs:${region}:${account}:log-group:${controlPlaneLogGroupName(cluster)}`;
    const bucket = `arn:aws:s3:::${scope.bucketName}`;
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "Services", Effect: "Allow", Action: [...SERVICE_ACTIONS], Resource: "*" },
            {
                Sid: "EphemeralClusters",
                Effect: "Allow",
                Action: "eks:*",
                Resource: [
                    `arn:aws:eks:${region}:${account}:cluster/${cluster}`,
                    `arn:aws:eks:${region}:${account}:*/${cluster}/*`,
                ],
            },
            {
                Sid: "EphemeralRepositories",
                Effect: "Allow",
                Action: "ecr:*",
                Resource: `arn:aws:ecr:${region}:${account}:repository/${cluster}/*`,
            },
            { Sid: "EphemeralLogGroups", Effect: "Allow", Action: "logs:*", Resource: [logGroup, `${logGroup}:*`] },
            // Key administration is on any key here; the Deny below keeps it to ephemeral stacks' keys.
            { Sid: "EphemeralKeys", Effect: "Allow", Action: [...KEY_ADMIN_ACTIONS], Resource: "*" },
            {
                // An alias is authorised on the alias and on its key: only the eph-* clusters' aliases.
                Sid: "EphemeralKeyAliases",
                Effect: "Allow",
                Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
                Resource: [
                    `arn:aws:kms:${region}:${account}:alias/${cluster}-*`,
                    `arn:aws:kms:${region}:${account}:key/*`,
                ],
            },
            {
                Sid: "EphemeralIam",
                Effect: "Allow",
                Action: [...EPHEMERAL_IAM_ACTIONS],
                Resource: [iamArn(`role${EPHEMERAL_IAM_PATH}*`), iamArn(`policy${EPHEMERAL_IAM_PATH}*`)],
            },
            {
                Sid: "ClusterOidcProviders",
                Effect: "Allow",
                Action: [...OIDC_PROVIDER_ACTIONS],
                Resource: iamArn(`oidc-provider/oidc.eks.${region}.amazonaws.com/id/*`),
            },
            {
                Sid: "ServiceLinkedRoles",
                Effect: "Allow",
                Action: "iam:CreateServiceLinkedRole",
                Resource: "*",
                Condition: { StringEquals: { "iam:AWSServiceName": [...SERVICE_LINKED_ROLE_SERVICES] } },
            },
            {
                Sid: "EphemeralStateBucket",
                Effect: "Allow",
                Action: ["s3:GetBucketLocation", "s3:ListBucket"],
                Resource: bucket,
            },
            {
                // The dev backend's stack files (`pulumi stack ls`, the StackReference to dev).
                Sid: "DevBackendReads",
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: [metaArn(scope.bucketName, "dev"), stackFilesPattern(scope.bucketName, "dev", MAIN_PROJECT)],
            },
            {
                // The eph-* stacks' objects of every kind (stacks, history, backups, journal, locks) in
                // one pattern, for the policy's size; the role's own policy names each kind exactly.
                Sid: "EphemeralState",
                Effect: "Allow",
                Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                Resource: `${bucket}/${backendKeyPrefix("dev")}.pulumi/*/${MAIN_PROJECT}/eph-*`,
            },
            ...boundaryGuards({
                accountId: account,
                region,
                bucketName: scope.bucketName,
                boundaryArn: boundaryArnOf(account),
            }),
            {
                // Keys of other stacks and teams stay theirs. Not TagResource: KMS authorises the tags of
                // CreateKey as TagResource on a key without tags yet (state keys keep their policies
                // from the ephemeral principals instead: keys.ts). EC2 and ECR use the AWS managed
                // keys through grants in the caller's name.
                Sid: "OnlyEphemeralKeys",
                Effect: "Deny",
                Action: KEY_ADMIN_ACTIONS.filter((a) => !/^kms:(Describe|Get|List)/.test(a) && a !== "kms:TagResource"),
                Resource: "*",
                Condition: {
                    StringNotEquals: { "aws:ResourceTag/environment": "ephemeral" },
                    StringNotLike: { "kms:ViaService": ["ec2.*.amazonaws.com", "ecr.*.amazonaws.com"] },
                },
            },
            ...protectedTagDenials(),
        ],
    };
}

export type PermissionsBoundaryArgs = BoundaryScope;

export class PermissionsBoundary extends pulumi.ComponentResource {
    readonly policy: aws.iam.Policy;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: PermissionsBoundaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend-bootstrap:boundary:PermissionsBoundary", name, {}, opts);
        this.policy = new aws.iam.Policy(
            `${name}-policy`,
            {
                // Fixed: the policy's own Denies, and the main program's config, name its ARN.
                name: BOUNDARY_NAME,
                description:
                    "Caps every role of an eph-* stack and the ephemeral GitHub role (scalable-backend bootstrap)",
                policy: JSON.stringify(boundaryPolicy(args)),
            },
            // Every ephemeral role depends on it; deleting it would fail while they exist anyway.
            { parent: this, protect: true },
        );
        this.arn = this.policy.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
