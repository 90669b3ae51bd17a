// Names the bootstrap (bootstrap/) and the main program agree on: the permissions boundary, the IAM
// path of the ephemeral stacks' roles and policies, and where their state lives in the bucket.

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
 * The ephemeral stacks' backend lives under this prefix (`s3://<bucket>/ephemeral`), apart from
 * dev's and prod's: `pulumi stack ls` reads every stack file of the backend it lists, so a shared
 * backend would need the ephemeral role (assumable from any pull request) to read prod's state.
 */
export const EPHEMERAL_STATE_PREFIX = "ephemeral";
