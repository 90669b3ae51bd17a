// IAM rules: identity policies (no wildcard actions, no untagged writes on every resource beyond
// the upstream allow-list) and IRSA trust policies, read from JSON text or objects.
import type { Check, Props } from "./shared";
import { asList, resourcePolicy, TYPES } from "./shared";

export interface Statement {
    Sid?: string;
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Principal?: Record<string, string | string[]> | string;
    Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document from a resource input: JSON text or an object. */
export function parsePolicyDocument(document: unknown): { statements: Statement[] } | { error: string } {
    let parsed: unknown = document;
    if (typeof document === "string") {
        try {
            parsed = JSON.parse(document);
        } catch (error) {
            return { error: `is not valid JSON (${(error as Error).message})` };
        }
    }
    if (parsed === null || typeof parsed !== "object" || !("Statement" in parsed)) return { error: "has no Statement" };
    return { statements: asList((parsed as { Statement: unknown }).Statement) as Statement[] };
}

const statementLabel = (statement: Statement, index: number): string =>
    `statement ${index + 1}${statement.Sid ? ` (${statement.Sid})` : ""}`;
const allows = (statement: Statement): boolean => statement.Effect === "Allow";

/** Identity policies (what a principal may do), by where each resource type keeps them. */
export function identityPolicies(type: string, props: Props): { label: string; document: unknown }[] {
    switch (type) {
        case TYPES.iamPolicy:
        case TYPES.iamRolePolicy:
        case TYPES.iamUserPolicy:
        case TYPES.iamGroupPolicy:
            return [{ label: "the policy", document: props.policy }];
        case TYPES.iamRole:
            return asList(props.inlinePolicies).map((inline, i) => ({
                label: `inline policy ${inline?.name ?? i + 1}`,
                document: inline?.policy,
            }));
        default:
            return [];
    }
}

const identityTypes = [TYPES.iamPolicy, TYPES.iamRolePolicy, TYPES.iamUserPolicy, TYPES.iamGroupPolicy, TYPES.iamRole];

/** Checks every statement of a resource's policy documents; unparseable documents are violations. */
function documentCheck(
    documents: (type: string, props: Props) => { label: string; document: unknown }[],
    check: (statement: Statement, label: string) => string[],
): Check {
    return (props, args) =>
        documents(args.type, props).flatMap(({ label, document }) => {
            if (document === undefined) return [];
            const parsed = parsePolicyDocument(document);
            if ("error" in parsed)
                return [`${label} ${parsed.error}: fix the document so IAM (and this check) can read it.`];
            return parsed.statements.flatMap((statement, i) =>
                check(statement, `${label}, ${statementLabel(statement, i)}`),
            );
        });
}

export const iamNoWildcardAction = resourcePolicy(
    "iam-no-wildcard-action",
    'No IAM policy allows Action "*" (or every action but some, with NotAction).',
    identityTypes,
    documentCheck(
        (type, props) => [
            ...identityPolicies(type, props),
            ...(type === TYPES.iamRole && props.assumeRolePolicy !== undefined
                ? [{ label: "the trust policy", document: props.assumeRolePolicy }]
                : []),
        ],
        (statement, label) => {
            if (!allows(statement)) return [];
            if (asList(statement.Action).some((action) => action === "*" || action === "*:*"))
                return [`${label} allows Action "*": list the actions the principal needs.`];
            if (statement.NotAction !== undefined)
                return [
                    `${label} allows every action except its NotAction list: list the allowed actions with Action instead.`,
                ];
            return [];
        },
    ),
);

/** Read-only by the IAM naming convention; anything else (wildcards included) counts as a write. */
export function isReadOnlyAction(action: string): boolean {
    const verb = action.split(":")[1] ?? "";
    return /^(Describe|Get|List|BatchGet|Search|View|Lookup)/i.test(verb);
}

const TAG_CONDITION_KEY = /^[a-z0-9-]+:(RequestTag|ResourceTag)\//i;

/**
 * True when a condition confines a statement to tagged resources: a tag key under StringEquals,
 * StringEqualsIgnoreCase or StringLike, or required to exist (Null: "false"). `...IfExists` does not
 * count: it lets untagged resources through.
 */
export function isTagScoped(condition: Statement["Condition"]): boolean {
    for (const [operator, clauses] of Object.entries(condition ?? {})) {
        const op = operator.replace(/^(ForAllValues|ForAnyValue):/i, "");
        for (const [key, value] of Object.entries(clauses ?? {})) {
            if (!TAG_CONDITION_KEY.test(key)) continue;
            if (/^(StringEquals|StringEqualsIgnoreCase|StringLike)$/i.test(op)) return true;
            if (/^Null$/i.test(op) && asList(value).every((v) => String(v) === "false")) return true;
        }
    }
    return false;
}

export interface AllowedWildcardWrite {
    /** The statement's exact action set. One more action and the statement is checked again. */
    readonly actions: readonly string[];
    /** When set, the statement must carry exactly this condition (it is what makes it acceptable). */
    readonly condition?: Statement["Condition"];
    readonly reason: string;
}

const LBC =
    "AWS Load Balancer Controller v3.5.0 upstream policy (components/policies/aws-load-balancer-controller.json), kept verbatim so upgrades are a file copy; only the controller's service account can assume its role (IRSA)";

/**
 * Upstream statements that write to `Resource: "*"` without a tag condition, accepted on purpose.
 * Matched by exact action set, so any new wildcard write (here or in another policy) still fails.
 */
export const ALLOWED_WILDCARD_WRITES: readonly AllowedWildcardWrite[] = [
    {
        actions: ["iam:CreateServiceLinkedRole"],
        condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
        reason: `${LBC}; the condition limits it to ELB's service-linked role.`,
    },
    {
        actions: [
            "acm:DescribeCertificate",
            "acm:ListCertificates",
            "cognito-idp:DescribeUserPoolClient",
            "iam:GetServerCertificate",
            "iam:ListServerCertificates",
            "shield:CreateProtection",
            "shield:DeleteProtection",
            "shield:DescribeProtection",
            "shield:GetSubscriptionState",
            "waf-regional:AssociateWebACL",
            "waf-regional:DisassociateWebACL",
            "waf-regional:GetWebACL",
            "waf-regional:GetWebACLForResource",
            "wafv2:AssociateWebACL",
            "wafv2:DisassociateWebACL",
            "wafv2:GetWebACL",
            "wafv2:GetWebACLForResource",
        ],
        reason: `${LBC}; attaches the WAF web ACLs and Shield protection that Ingress annotations name, APIs upstream grants without tag conditions.`,
    },
    {
        actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
        reason: `${LBC}; opens node security groups (not created by the controller, so untagged) to load balancer traffic.`,
    },
    {
        actions: ["ec2:CreateSecurityGroup"],
        reason: `${LBC}; the separate CreateTags statement requires the elbv2.k8s.aws/cluster tag on every group it creates.`,
    },
    {
        actions: [
            "elasticloadbalancing:CreateListener",
            "elasticloadbalancing:CreateRule",
            "elasticloadbalancing:DeleteListener",
            "elasticloadbalancing:DeleteRule",
        ],
        reason: `${LBC}; listener and rule changes on the load balancers it manages.`,
    },
    {
        actions: [
            "elasticloadbalancing:AddListenerCertificates",
            "elasticloadbalancing:ModifyListener",
            "elasticloadbalancing:ModifyRule",
            "elasticloadbalancing:RemoveListenerCertificates",
            "elasticloadbalancing:SetRulePriorities",
            "elasticloadbalancing:SetWebAcl",
        ],
        reason: `${LBC}; listener certificates, rules and web ACLs of the load balancers it manages.`,
    },
];

/** JSON with sorted keys: comparing documents must not depend on key order. */
const canonical = (value: unknown): string =>
    JSON.stringify(value, (_key, v) =>
        v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(
                  Object.keys(v)
                      .sort()
                      .map((k) => [k, v[k]]),
              )
            : v,
    );

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
    canonical([...new Set(a)].sort()) === canonical([...new Set(b)].sort());

export function isAllowListed(statement: Statement): AllowedWildcardWrite | undefined {
    return ALLOWED_WILDCARD_WRITES.find(
        (entry) =>
            sameSet(asList(statement.Action), entry.actions) &&
            (entry.condition === undefined || canonical(statement.Condition) === canonical(entry.condition)),
    );
}

/** The write actions a statement allows on every resource without a tag condition (none: fine). */
export function untaggedWildcardWrites(statement: Statement): string[] {
    if (!allows(statement)) return [];
    const everywhere = asList(statement.Resource).includes("*") || statement.NotResource !== undefined;
    if (!everywhere || isTagScoped(statement.Condition)) return [];
    return asList(statement.Action).filter((action) => !isReadOnlyAction(action));
}

export const iamNoWildcardResourceWrites = resourcePolicy(
    "iam-no-wildcard-resource-writes",
    'No IAM policy allows write actions on Resource "*" unless a tag condition (aws:RequestTag / aws:ResourceTag) scopes them; listed upstream statements excepted.',
    identityTypes,
    documentCheck(identityPolicies, (statement, label) => {
        const writes = untaggedWildcardWrites(statement);
        if (writes.length === 0 || isAllowListed(statement)) return [];
        return [
            `${label} allows ${writes.join(", ")} on Resource "*" with no tag condition: name the resources (ARNs), or add a Condition on aws:ResourceTag/... or aws:RequestTag/... that confines it to this stack's resources.`,
        ];
    }),
);

const EKS_OIDC_PROVIDER = /:oidc-provider\/(oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/id\/[^/]+)$/;
const SERVICE_ACCOUNT_SUBJECT = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** What is wrong with one IRSA trust statement (trust via an EKS cluster's OIDC provider). */
export function irsaStatementProblems(statement: Statement, label: string): string[] {
    const federated = typeof statement.Principal === "object" ? asList(statement.Principal.Federated) : [];
    const hosts = federated
        .map((arn) => EKS_OIDC_PROVIDER.exec(String(arn))?.[1])
        .filter((host): host is string => host !== undefined);
    if (!allows(statement) || hosts.length === 0) return [];
    const conditions = statement.Condition ?? {};
    return hosts.flatMap((host) => {
        const problems: string[] = [];
        const sub = conditions.StringEquals?.[`${host}:sub`];
        const aud = conditions.StringEquals?.[`${host}:aud`];
        const loose = Object.entries(conditions).some(
            ([op, clauses]) => op !== "StringEquals" && `${host}:sub` in (clauses ?? {}),
        );
        if (sub === undefined) {
            problems.push(
                loose
                    ? `${label} matches ${host}:sub with a pattern operator: use StringEquals with exactly one "system:serviceaccount:<namespace>:<name>".`
                    : `${label} lets every service account of the cluster assume the role: add Condition.StringEquals "${host}:sub": "system:serviceaccount:<namespace>:<name>".`,
            );
        } else if (asList(sub).length !== 1 || !SERVICE_ACCOUNT_SUBJECT.test(String(asList(sub)[0]))) {
            problems.push(
                `${label} scopes ${host}:sub to ${canonical(sub)}: name exactly one service account, "system:serviceaccount:<namespace>:<name>", without wildcards.`,
            );
        }
        if (canonical(asList(aud)) !== canonical(["sts.amazonaws.com"])) {
            problems.push(
                `${label} does not pin the token audience: add Condition.StringEquals "${host}:aud": "sts.amazonaws.com".`,
            );
        }
        return problems;
    });
}

export const irsaTrustScoped = resourcePolicy(
    "irsa-trust-scoped",
    "IRSA trust policies admit exactly one service account (StringEquals :sub) and only tokens for STS (:aud sts.amazonaws.com).",
    [TYPES.iamRole],
    documentCheck(
        (_type, props) =>
            props.assumeRolePolicy === undefined
                ? []
                : [{ label: "the trust policy", document: props.assumeRolePolicy }],
        irsaStatementProblems,
    ),
);
