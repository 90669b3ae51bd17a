// What each GitHub job's role may do, as pure policy documents: read-only for previews and drift,
// one stack's resources for each deploy role, the eph-* stacks (inside the permissions boundary)
// for the ephemeral role, and for the review roles their layer's state in the dev backend, the host
// cluster's description, (the app layer) its image repository, and no IAM. Each grant says why it exists. Names come from the main
// program (cluster name, log group, repository, IAM names), so the scopes follow it; the tests
// check them against the main program's own plan.
import type { PolicyDocument, PolicyStatement } from "../../components/iam";
import { clusterNameOf } from "../../config/stack";
import { PROJECT as MAIN_PROJECT } from "../../config/reader";
import { controlPlaneLogGroupName } from "../../components/cluster";
import type { JobKind } from "./github";
import { BOUNDARY_CONDITION_KEY, EPHEMERAL_IAM_PATH } from "../../lib/bootstrap-naming";
import { allStatePatterns, backendOf, metaArn, stackFilesPattern, stackStatePatterns } from "./state";

/** Where the grants point: the account, its region, the state bucket and the boundary. */
export interface Scope {
    readonly accountId: string;
    readonly region: string;
    readonly bucketName: string;
    readonly boundaryArn: string;
}

/** The long-lived stacks of the main program; eph-* stacks are the ephemeral role's. */
export type LongLivedStack = "dev" | "prod";
export type StackKind = LongLivedStack | "ephemeral";

/**
 * Name prefixes of the IAM roles and policies the main program creates: Pulumi names each after its
 * resource, `cluster-*` (node, EBS CSI, and the EKS component's service role `cluster-eks-eksRole-*`)
 * and `platform-*` (the controllers' IRSA roles and policies). dev and prod share them when they
 * share an account: the isolation Deny (environment tag) is what keeps one deploy role off the
 * other stack's roles. Ephemeral stacks put theirs under EPHEMERAL_IAM_PATH instead.
 */
export const PROGRAM_IAM_PREFIXES: readonly string[] = ["cluster-", "platform-"];

/** Service-linked roles EKS, its node groups, the load balancer controller and Auto Scaling need once per account. */
export const SERVICE_LINKED_ROLE_SERVICES: readonly string[] = [
    "autoscaling.amazonaws.com",
    "eks-nodegroup.amazonaws.com",
    "eks.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
];

const iam = (scope: Scope, resource: string): string => `arn:aws:iam::${scope.accountId}:${resource}`;
const bucketArn = (scope: Scope): string => `arn:aws:s3:::${scope.bucketName}`;
const document = (...statements: PolicyStatement[]): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: statements,
});

/**
 * Reads a preview (and its `--refresh`) makes: the program's invokes (zones, certificate, caller,
 * the ECR token the image build asks for), and the refresh of every resource type it owns. All
 * Describe, Get or List; ecr:GetAuthorizationToken yields a token only as strong as the role's own
 * ECR rights (for previews and drift: none to push), and IAM never denies sts:GetCallerIdentity
 * (listed for the record).
 */
export const READ_ACTIONS: readonly string[] = [
    "acm:DescribeCertificate",
    "acm:GetCertificate",
    "acm:ListCertificates",
    "acm:ListTagsForCertificate",
    "autoscaling:Describe*",
    "ec2:Describe*",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetAuthorizationToken",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:ListTagsForResource",
    "eks:Describe*",
    "eks:List*",
    "elasticloadbalancing:Describe*",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "sts:GetCallerIdentity",
];

/** Reads of the program's IAM objects on refresh (roles, their attachments, policies, the cluster's OIDC provider). */
export const IAM_READ_ACTIONS: readonly string[] = [
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListPolicyTags",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
];

/** The IAM objects a stack kind's program creates. */
export function programIamResources(scope: Scope, kind: StackKind): string[] {
    const names =
        kind === "ephemeral"
            ? [iam(scope, `role${EPHEMERAL_IAM_PATH}*`), iam(scope, `policy${EPHEMERAL_IAM_PATH}*`)]
            : PROGRAM_IAM_PREFIXES.flatMap((prefix) => [
                  iam(scope, `role/${prefix}*`),
                  iam(scope, `policy/${prefix}*`),
              ]);
    return [...names, iam(scope, `oidc-provider/oidc.eks.${scope.region}.amazonaws.com/id/*`)];
}

/** Cluster name pattern of a stack kind: `scalable-backend-dev`, or every `scalable-backend-eph-*`. */
export function clusterNamePattern(kind: StackKind): string {
    return kind === "ephemeral" ? `${clusterNameOf("eph-")}*` : clusterNameOf(kind);
}

function readStatements(scope: Scope, kind: StackKind): PolicyStatement[] {
    return [
        { Sid: "ReadForPreviewAndRefresh", Effect: "Allow", Action: [...READ_ACTIONS], Resource: "*" },
        {
            Sid: "ReadTheProgramsIam",
            Effect: "Allow",
            Action: [...IAM_READ_ACTIONS],
            Resource: programIamResources(scope, kind),
        },
    ];
}

/**
 * The bucket itself: listing (the diy backend finds a stack's file by listing its prefix, and S3
 * answers 404 rather than 403 for a missing object, e.g. `<stack>.pulumi-tags`, only to callers
 * that may list the bucket; the backend treats only 404 as "absent"), and its region.
 */
function bucketStatement(scope: Scope): PolicyStatement {
    return {
        Sid: "ListTheStateBucket",
        Effect: "Allow",
        Action: ["s3:GetBucketLocation", "s3:ListBucket"],
        Resource: bucketArn(scope),
    };
}

/** Read one or more long-lived stacks' state (a preview takes no lock: diy Preview goes straight to apply). */
function stateReadStatements(scope: Scope, stacks: readonly LongLivedStack[]): PolicyStatement[] {
    const backends = [...new Set(stacks.map(backendOf))];
    return [
        bucketStatement(scope),
        {
            Sid: "ReadState",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: [
                ...backends.map((backend) => metaArn(scope.bucketName, backend)),
                ...stacks.flatMap((stack) => stackStatePatterns(scope.bucketName, MAIN_PROJECT, stack).stack),
            ],
        },
    ];
}

/** Read and write one long-lived stack's state: its file, history, backups, journal and locks. */
function stateWriteStatements(scope: Scope, stack: LongLivedStack): PolicyStatement[] {
    return [
        bucketStatement(scope),
        {
            Sid: "ReadStateMetadata",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: metaArn(scope.bucketName, backendOf(stack)),
        },
        {
            Sid: "ReadAndWriteTheStacksState",
            Effect: "Allow",
            // Delete: unlocking removes the lock object; versioning keeps every earlier state.
            Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            Resource: allStatePatterns(stackStatePatterns(scope.bucketName, MAIN_PROJECT, stack)),
        },
    ];
}

/**
 * A review layer's state in the dev backend: read its metadata and every stack file of the project
 * (`pulumi stack ls`, which the stack tool's list and reap run, reads each checkpoint and fails on
 * the first it may not read; a StackReference to dev reads dev's), and read and write only the
 * objects of the stacks named `<pattern>`: never dev's, never the other layer's, nothing of prod's.
 */
export function reviewStateStatements(scope: Scope, stacks: "eph-*" | "tenant-*"): PolicyStatement[] {
    return [
        bucketStatement(scope),
        {
            Sid: "ReadTheDevBackendsStacks",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: [metaArn(scope.bucketName, "dev"), stackFilesPattern(scope.bucketName, "dev", MAIN_PROJECT)],
        },
        {
            Sid: "ReadAndWriteTheLayersState",
            Effect: "Allow",
            Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            Resource: allStatePatterns(stackStatePatterns(scope.bucketName, MAIN_PROJECT, stacks)),
        },
    ];
}

/**
 * The network the program builds (network.ts: VPC, subnets, gateways, addresses, routes, the
 * default security group it locks down, rules) and the node groups' launch templates. EC2 scopes
 * almost none of these by name; the isolation Deny keeps them off other stacks' tagged resources.
 * RunInstances: EKS dry-runs it with the caller's credentials to validate a node group's launch
 * template (no instance profile can be passed: iam:PassRole is for eks.amazonaws.com only).
 */
export const NETWORK_ACTIONS: readonly string[] = [
    "ec2:AllocateAddress",
    "ec2:AssociateRouteTable",
    "ec2:AttachInternetGateway",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:CreateInternetGateway",
    "ec2:CreateLaunchTemplate",
    "ec2:CreateLaunchTemplateVersion",
    "ec2:CreateNatGateway",
    "ec2:CreateRoute",
    "ec2:CreateRouteTable",
    "ec2:CreateSubnet",
    "ec2:CreateTags",
    "ec2:CreateVpc",
    "ec2:DeleteInternetGateway",
    "ec2:DeleteLaunchTemplate",
    "ec2:DeleteLaunchTemplateVersions",
    "ec2:DeleteNatGateway",
    "ec2:DeleteRoute",
    "ec2:DeleteRouteTable",
    "ec2:DeleteSubnet",
    "ec2:DeleteTags",
    "ec2:DeleteVpc",
    "ec2:DetachInternetGateway",
    "ec2:DisassociateAddress",
    "ec2:DisassociateRouteTable",
    "ec2:ModifyLaunchTemplate",
    "ec2:ModifySecurityGroupRules",
    "ec2:ModifySubnetAttribute",
    "ec2:ModifyVpcAttribute",
    "ec2:ReleaseAddress",
    "ec2:ReplaceRoute",
    "ec2:ReplaceRouteTableAssociation",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RunInstances",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
];

function networkStatements(): PolicyStatement[] {
    return [{ Sid: "BuildTheNetwork", Effect: "Allow", Action: [...NETWORK_ACTIONS], Resource: "*" }];
}

/** The tag a stack kind's resources carry (the main program's provider default tags) and its value. */
function stackTag(kind: StackKind): { key: string; value: string } {
    return kind === "ephemeral"
        ? { key: "aws:ResourceTag/environment", value: "ephemeral" }
        : { key: "aws:ResourceTag/stack", value: kind };
}

/** Key administration the cluster's secrets key needs (cluster.ts), on keys tagged as the stack's. */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
    "kms:CancelKeyDeletion",
    "kms:CreateGrant",
    "kms:DescribeKey",
    "kms:DisableKeyRotation",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateKeyDescription",
];

/**
 * The EKS cluster and what hangs off it (node groups, add-ons, access entries: ARNs
 * `<type>/<cluster>/...`), its secrets key and alias, its control-plane log group, and the backend's
 * ECR repository, each scoped to the stack's names (all eph-* stacks for the ephemeral role).
 */
function clusterStatements(scope: Scope, kind: StackKind): PolicyStatement[] {
    const cluster = clusterNamePattern(kind);
    const region = scope.region;
    const account = scope.accountId;
    const tag = stackTag(kind);
    const requestTag = tag.key.replace("aws:ResourceTag/", "aws:RequestTag/");
    const logGroup = `arn:aws:logs:${region}:${account}:log-group:${controlPlaneLogGroupName(cluster)}`;
    return [
        {
            Sid: "TheStacksCluster",
            Effect: "Allow",
            Action: "eks:*",
            Resource: [
                `arn:aws:eks:${region}:${account}:cluster/${cluster}`,
                `arn:aws:eks:${region}:${account}:*/${cluster}/*`,
            ],
        },
        {
            // Creating the secrets key tags it (the provider's default tags), which KMS authorises as TagResource.
            Sid: "CreateTheClustersSecretsKey",
            Effect: "Allow",
            Action: ["kms:CreateKey", "kms:TagResource"],
            Resource: "*",
            Condition: { StringEquals: { [requestTag]: tag.value } },
        },
        {
            // CreateGrant: EKS's envelope encryption grants itself use of the key at cluster creation.
            Sid: "AdministerTheClustersSecretsKey",
            Effect: "Allow",
            Action: [...KEY_ADMIN_ACTIONS],
            Resource: "*",
            Condition: { StringEquals: { [tag.key]: tag.value } },
        },
        {
            // An alias is authorised on both the alias and the key it names.
            Sid: "TheSecretsKeysAlias",
            Effect: "Allow",
            Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
            Resource: [`arn:aws:kms:${region}:${account}:alias/${cluster}-*`, `arn:aws:kms:${region}:${account}:key/*`],
        },
        {
            // ECR's KMS encryption (image.ts) with the AWS managed key: ECR grants itself its use in the caller's name.
            Sid: "RegistryEncryptionGrant",
            Effect: "Allow",
            Action: ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"],
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": `ecr.${region}.amazonaws.com` } },
        },
        {
            Sid: "TheControlPlaneLogGroup",
            Effect: "Allow",
            Action: [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:DeleteRetentionPolicy",
                "logs:PutRetentionPolicy",
                "logs:TagLogGroup",
                "logs:TagResource",
                "logs:UntagLogGroup",
                "logs:UntagResource",
            ],
            Resource: [logGroup, `${logGroup}:*`],
        },
        {
            // The repository `<cluster>/backend`, its lifecycle policy, and pushing the image built at `up`.
            Sid: "TheBackendsRepository",
            Effect: "Allow",
            Action: [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchDeleteImage",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:CreateRepository",
                "ecr:DeleteLifecyclePolicy",
                "ecr:DeleteRepository",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:ListImages",
                "ecr:PutImage",
                "ecr:PutImageScanningConfiguration",
                "ecr:PutImageTagMutability",
                "ecr:PutLifecyclePolicy",
                "ecr:TagResource",
                "ecr:UntagResource",
                "ecr:UploadLayerPart",
            ],
            Resource: `arn:aws:ecr:${region}:${account}:repository/${cluster}/*`,
        },
    ];
}

/** Role and policy lifecycle the program's IAM needs (roles, attachments, customer managed policies). */
export const IAM_WRITE_ACTIONS: readonly string[] = [
    "iam:AttachRolePolicy",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:CreateRole",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:DeleteRole",
    "iam:DetachRolePolicy",
    "iam:TagPolicy",
    "iam:TagRole",
    "iam:UntagPolicy",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
];

/** The cluster's OIDC provider (IRSA), created by the EKS component. */
export const OIDC_PROVIDER_ACTIONS: readonly string[] = [
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:CreateOpenIDConnectProvider",
    "iam:DeleteOpenIDConnectProvider",
    "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:TagOpenIDConnectProvider",
    "iam:UntagOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
];

function serviceLinkedRoleStatement(): PolicyStatement {
    return {
        Sid: "ServiceLinkedRoles",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: "*",
        Condition: { StringEquals: { "iam:AWSServiceName": [...SERVICE_LINKED_ROLE_SERVICES] } },
    };
}

function passRoleStatement(resources: string[]): PolicyStatement {
    return {
        // The cluster's service role and the node role (and the EBS CSI add-on's role) go to EKS only.
        Sid: "PassTheProgramsRolesToEks",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: resources,
        Condition: { StringEquals: { "iam:PassedToService": "eks.amazonaws.com" } },
    };
}

function longLivedIamStatements(scope: Scope): PolicyStatement[] {
    const names = PROGRAM_IAM_PREFIXES.flatMap((prefix) => [
        iam(scope, `role/${prefix}*`),
        iam(scope, `policy/${prefix}*`),
    ]);
    return [
        { Sid: "TheProgramsRolesAndPolicies", Effect: "Allow", Action: [...IAM_WRITE_ACTIONS], Resource: names },
        passRoleStatement(PROGRAM_IAM_PREFIXES.map((prefix) => iam(scope, `role/${prefix}*`))),
        {
            Sid: "TheClustersOidcProvider",
            Effect: "Allow",
            Action: [...OIDC_PROVIDER_ACTIONS],
            Resource: iam(scope, `oidc-provider/oidc.eks.${scope.region}.amazonaws.com/id/*`),
        },
        serviceLinkedRoleStatement(),
    ];
}

/**
 * The ephemeral stacks' IAM: only under EPHEMERAL_IAM_PATH, and every role created or changed
 * only with the permissions boundary (CreateRole and PutRolePermissionsBoundary carry
 * iam:PermissionsBoundary as the boundary they set; Attach/DetachRolePolicy as the role's).
 */
function ephemeralIamStatements(scope: Scope): PolicyStatement[] {
    const roles = iam(scope, `role${EPHEMERAL_IAM_PATH}*`);
    const policies = iam(scope, `policy${EPHEMERAL_IAM_PATH}*`);
    const withBoundary = { StringEquals: { [BOUNDARY_CONDITION_KEY]: scope.boundaryArn } };
    const oidc = iam(scope, `oidc-provider/oidc.eks.${scope.region}.amazonaws.com/id/*`);
    return [
        {
            Sid: "RolesOnlyWithTheBoundary",
            Effect: "Allow",
            Action: [
                "iam:AttachRolePolicy",
                "iam:CreateRole",
                "iam:DetachRolePolicy",
                "iam:PutRolePermissionsBoundary",
            ],
            Resource: roles,
            Condition: withBoundary,
        },
        {
            Sid: "TheEphemeralRoles",
            Effect: "Allow",
            Action: [
                "iam:DeleteRole",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
            ],
            Resource: roles,
        },
        {
            Sid: "TheEphemeralPolicies",
            Effect: "Allow",
            Action: [
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:TagPolicy",
                "iam:UntagPolicy",
            ],
            Resource: policies,
        },
        passRoleStatement([roles]),
        {
            // Creating the provider tags it, authorised as TagOpenIDConnectProvider with the request's tags.
            Sid: "CreateEphemeralOidcProviders",
            Effect: "Allow",
            Action: ["iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"],
            Resource: oidc,
            Condition: { StringEquals: { "aws:RequestTag/environment": "ephemeral" } },
        },
        {
            Sid: "TheEphemeralOidcProviders",
            Effect: "Allow",
            Action: OIDC_PROVIDER_ACTIONS.filter((a) => a !== "iam:CreateOpenIDConnectProvider"),
            Resource: oidc,
            Condition: { StringEquals: { "aws:ResourceTag/environment": "ephemeral" } },
        },
        serviceLinkedRoleStatement(),
        ...boundaryGuards(scope),
    ];
}

/** The Denies that keep the boundary on: in the ephemeral role's own policy and in the boundary. */
export function boundaryGuards(scope: Scope): PolicyStatement[] {
    return [
        {
            Sid: "NoRoleWithoutTheBoundary",
            Effect: "Deny",
            Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
            Resource: "*",
            Condition: { StringNotEquals: { [BOUNDARY_CONDITION_KEY]: scope.boundaryArn } },
        },
        { Sid: "NoBoundaryRemoval", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
        {
            Sid: "NoChangeToTheBoundary",
            Effect: "Deny",
            Action: [
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
            ],
            Resource: scope.boundaryArn,
        },
    ];
}

/**
 * A deploy role never changes another kind's resources: Deny on anything tagged with the other
 * environments (the main program tags every AWS resource through its provider's default tags).
 */
function isolationStatement(kind: LongLivedStack): PolicyStatement {
    const others = ["dev", "prod", "ephemeral"].filter((e) => e !== kind);
    return {
        Sid: "NotTheOtherStacks",
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { StringEquals: { "aws:ResourceTag/environment": others } },
    };
}

/** What the app layer does to its repository `<cluster of eph-<slug>>/backend` (image.ts), the image push included. */
export const REVIEW_REPOSITORY_ACTIONS: readonly string[] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchDeleteImage",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:CreateRepository",
    "ecr:DeleteLifecyclePolicy",
    "ecr:DeleteRepository",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetLifecyclePolicy",
    "ecr:InitiateLayerUpload",
    "ecr:ListImages",
    "ecr:ListTagsForResource",
    "ecr:PutImage",
    "ecr:PutImageScanningConfiguration",
    "ecr:PutImageTagMutability",
    "ecr:PutLifecyclePolicy",
    "ecr:TagResource",
    "ecr:UntagResource",
    "ecr:UploadLayerPart",
];

/** The repository of every shared review stack's app layer, `scalable-backend-eph-<slug>/backend`, by pattern. */
export function reviewRepositoryArn(scope: Scope): string {
    return `arn:aws:ecr:${scope.region}:${scope.accountId}:repository/${clusterNamePattern("ephemeral")}/backend`;
}

/** The host's cluster: its endpoint and CA for the kubeconfig; Kubernetes access is its access entry's. */
function hostClusterStatement(scope: Scope): PolicyStatement {
    return {
        Sid: "DescribeTheHostCluster",
        Effect: "Allow",
        Action: "eks:DescribeCluster",
        Resource: `arn:aws:eks:${scope.region}:${scope.accountId}:cluster/${clusterNameOf("dev")}`,
    };
}

/**
 * No IAM at all, not even reads: the review roles create no role, pass none, read none. Explicit,
 * so a grant attached later by mistake still cannot give a pull request's code any IAM.
 */
function noIamStatement(): PolicyStatement {
    return { Sid: "NoIam", Effect: "Deny", Action: "iam:*", Resource: "*" };
}

/**
 * The app layer of a shared review stack (the pull request's code, on dev's cluster): its image
 * repository and push, the host cluster's description, nothing else in AWS. Its Kubernetes rights are
 * the dev stack's access entry's (AmazonEKSEditPolicy scoped to eph-*, REVIEW_DEPLOYERS_GROUP).
 */
function reviewAppStatements(scope: Scope): PolicyStatement[] {
    return [
        {
            // No request-tag condition, as for the ephemeral role's repositories: the name scopes it.
            Sid: "TheReviewStacksRepositories",
            Effect: "Allow",
            Action: [...REVIEW_REPOSITORY_ACTIONS],
            Resource: reviewRepositoryArn(scope),
        },
        {
            // A token only as strong as the role's ECR rights: push and pull to its repositories only.
            Sid: "RegistryLogin",
            Effect: "Allow",
            Action: "ecr:GetAuthorizationToken",
            Resource: "*",
        },
        {
            // The repository's KMS encryption (AWS managed key): ECR grants itself its use in the caller's name.
            Sid: "RegistryEncryptionGrant",
            Effect: "Allow",
            Action: ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"],
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": `ecr.${scope.region}.amazonaws.com` } },
        },
        hostClusterStatement(scope),
        noIamStatement(),
    ];
}

/**
 * The managed policies of one job's role, by name. Several documents, not one: a customer managed
 * policy holds at most 6,144 characters (a test measures each), and a role carries at most 10.
 */
export function rolePolicies(kind: JobKind, scope: Scope): Record<string, PolicyDocument> {
    switch (kind) {
        case "devPreview":
            return {
                state: document(...stateReadStatements(scope, ["dev"])),
                read: document(...readStatements(scope, "dev")),
            };
        case "drift":
            return {
                state: document(...stateReadStatements(scope, ["dev", "prod"])),
                // dev's and prod's IAM names share their prefixes: one read statement serves both.
                read: document(...readStatements(scope, "dev")),
            };
        case "devDeploy":
        case "prodDeploy": {
            const stack: LongLivedStack = kind === "devDeploy" ? "dev" : "prod";
            return {
                state: document(...stateWriteStatements(scope, stack)),
                read: document(...readStatements(scope, stack)),
                network: document(...networkStatements()),
                cluster: document(...clusterStatements(scope, stack)),
                iam: document(...longLivedIamStatements(scope)),
                isolation: document(isolationStatement(stack)),
            };
        }
        case "ephemeral":
            return {
                state: document(...reviewStateStatements(scope, "eph-*")),
                read: document(...readStatements(scope, "ephemeral")),
                // The boundary it carries adds the Denies that keep it off dev's and prod's resources.
                network: document(...networkStatements()),
                cluster: document(...clusterStatements(scope, "ephemeral")),
                iam: document(...ephemeralIamStatements(scope)),
            };
        case "reviewApp":
            return {
                state: document(...reviewStateStatements(scope, "eph-*")),
                app: document(...reviewAppStatements(scope)),
            };
        case "reviewTenant":
            // Its layer is Kubernetes objects only (the namespace, its quota, limits, policy, binding):
            // in AWS, its state and the host cluster's description. Kubernetes rights are its access
            // entry's (REVIEW_PROVISIONERS_GROUP, bound to the host's provisioner ClusterRole).
            return {
                state: document(...reviewStateStatements(scope, "tenant-*")),
                cluster: document(hostClusterStatement(scope), noIamStatement()),
            };
    }
}
