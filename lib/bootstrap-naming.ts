// Names the bootstrap (bootstrap/) and the main program agree on: the permissions boundary, the IAM
// path of the ephemeral stacks' roles and policies, the review roles, and where each stack's state
// lives in the bucket.

/** The managed policy every role of an eph-* stack, and the ephemeral role itself, carries as its boundary. */
export const BOUNDARY_NAME = "scalable-backend-boundary";

/** Its ARN, known before it exists: the boundary's own Denies name it. */
export function boundaryArnOf(accountId: string): string {
    return `arn:aws:iam::${accountId}:policy/${BOUNDARY_NAME}`;
}

/** The condition key IAM sets on CreateRole, PutRolePermissionsBoundary and role-policy changes. */
export const BOUNDARY_CONDITION_KEY = "iam:PermissionsBoundary";

/**
 * The IAM path of every role and customer managed policy an eph-* stack creates. iam:PassRole
 * cannot be scoped by the role's tags, only by its ARN, so the ephemeral role's IAM rights are
 * scoped by this path (the main program sets it, with the boundary, on eph-* stacks).
 */
export const EPHEMERAL_IAM_PATH = "/scalable-backend-eph/";

/**
 * The dev backend, `s3://<bucket>/dev`: dev and every stack placed on or beside it (eph-* of both
 * placements, tenant-*), since a StackReference resolves only inside its own backend. prod keeps
 * the bucket's root, `s3://<bucket>`, apart: `pulumi stack ls` reads every stack file of its
 * backend, and the roles a pull request can assume list and read the dev backend's.
 */
export const DEV_STATE_PREFIX = "dev";

/**
 * The role a shared-placement review stack's app layer (pull-request code) deploys with: no IAM
 * rights; on the dev cluster, AmazonEKSEditPolicy scoped to REVIEW_NAMESPACE_SCOPE plus
 * REVIEW_DEPLOYERS_GROUP. dev's access entry names it by this fixed name; EKS refuses an entry for a
 * role that does not exist, so the bootstrap runs before dev's `up`.
 */
export const REVIEW_APP_ROLE_NAME = "scalable-backend-github-review-app";

/**
 * The role the tenant layer (trusted code from main, behind the REVIEW_TENANT_ENVIRONMENT
 * environment) provisions review namespaces with: REVIEW_PROVISIONERS_GROUP on the dev cluster.
 */
export const REVIEW_PROVISIONER_ROLE_NAME = "scalable-backend-github-review-tenant";

/** The GitHub environment (deployment branch: main) the tenant layer's job runs in. */
export const REVIEW_TENANT_ENVIRONMENT = "review-tenant";

/** A role's ARN from its fixed name: the host's access entries exist before the roles do. */
export function roleArnOf(accountId: string, roleName: string): string {
    return `arn:aws:iam::${accountId}:role/${roleName}`;
}

/** The Kubernetes group of the app role: what the EKS policies lack, bound per review namespace by its tenant. */
export const REVIEW_DEPLOYERS_GROUP = "scalable-backend:review-deployers";
/** The Kubernetes group of the provisioner role: the host's provisioner ClusterRole is bound to it. */
export const REVIEW_PROVISIONERS_GROUP = "scalable-backend:review-provisioners";
/** The host's ClusterRole a tenant binds REVIEW_DEPLOYERS_GROUP to in its namespace (PodMonitors, ServiceMonitors). */
export const REVIEW_MONITORS_CLUSTER_ROLE = "scalable-backend-review-monitors";
/** The host's ClusterRole of REVIEW_PROVISIONERS_GROUP: namespaces, quotas, limits, policies, bindings. */
export const REVIEW_PROVISIONER_CLUSTER_ROLE = "scalable-backend-review-provisioner";

/** Review namespaces are `eph-<slug>`, as their app stacks are named; EKS access scopes take this wildcard. */
export const REVIEW_NAMESPACE_SCOPE = "eph-*";

/** The tenant layer of `eph-<slug>` is the stack `tenant-<slug>`: outside eph-*, so PR roles cannot write it. */
export const TENANT_STACK_PREFIX = "tenant-";
