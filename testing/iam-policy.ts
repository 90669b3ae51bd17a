// A small, pure model of IAM policy evaluation for the tests of bootstrap/: enough to ask "does
// this document allow or deny this request" and "does a permissions boundary cover every grant of
// that policy". What it models and what it does not:
// - Action and Resource with `*` and `?` wildcards (actions case-insensitively, ARNs as written);
//   no NotAction, NotResource or NotPrincipal (a document with one is refused, not guessed at).
// - Explicit Deny beats Allow; no matching Allow is an implicit deny.
// - Conditions: StringEquals, StringNotEquals, StringLike, StringNotLike, ArnEquals, ArnLike,
//   ArnNotLike, Bool and Null over single-valued keys given with the request (a key the request lacks is absent, as
//   in IAM: a positive operator fails, a negated one holds). Anything else throws. No policy
//   variables, no ForAnyValue/ForAllValues, no IfExists.
// - Principal is not matched: `decide` reads every statement as the caller's own (a resource
//   policy's statements are filtered by principal before they are asked).
// - One document set at a time: it does not combine identity policies with resource policies,
//   session policies, SCPs or the service-specific rules (KMS key policies, S3 404-vs-403).
import type { PolicyDocument, PolicyStatement } from "../components/iam";

export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

export interface Request {
    readonly action: string;
    readonly resource: string;
    /** Condition keys the request carries (e.g. "iam:PermissionsBoundary"). */
    readonly context?: Readonly<Record<string, string>>;
}

type Condition = NonNullable<PolicyStatement["Condition"]>;

const list = (value: string | string[] | undefined): string[] =>
    value === undefined ? [] : Array.isArray(value) ? value : [value];

/** `*` matches any run of characters, `?` one; everything else literally. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
    const p = ignoreCase ? pattern.toLowerCase() : pattern;
    const v = ignoreCase ? value.toLowerCase() : value;
    const escaped = p
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${escaped}$`, "s").test(v);
}

/**
 * True if every string `inner` can stand for also matches `outer`: `outer` matches `inner` read
 * literally (its `*` absorbed by a `*` of `outer`). Sound for patterns whose literals hold no `*`.
 */
export function patternCovers(outer: string, inner: string, ignoreCase = false): boolean {
    return globMatch(outer, inner, ignoreCase);
}

/** True if some string matches both patterns (`*` wildcards only; `?` is read as a `*` here, a superset). */
export function patternsOverlap(a: string, b: string, ignoreCase = false): boolean {
    const p = (ignoreCase ? a.toLowerCase() : a).replace(/\?/g, "*");
    const q = (ignoreCase ? b.toLowerCase() : b).replace(/\?/g, "*");
    const memo = new Map<string, boolean>();
    const f = (i: number, j: number): boolean => {
        const key = `${i},${j}`;
        const known = memo.get(key);
        if (known !== undefined) return known;
        let result: boolean;
        if (i === p.length && j === q.length) result = true;
        else if (i < p.length && p[i] === "*") result = f(i + 1, j) || (j < q.length && f(i, j + 1));
        else if (j < q.length && q[j] === "*") result = f(i, j + 1) || (i < p.length && f(i + 1, j));
        else result = i < p.length && j < q.length && p[i] === q[j] && f(i + 1, j + 1);
        memo.set(key, result);
        return result;
    };
    return f(0, 0);
}

function refuseUnmodelled(statement: PolicyStatement): void {
    for (const key of ["NotAction", "NotResource", "NotPrincipal"]) {
        if (key in statement) throw new Error(`iam-policy: ${key} is not modelled (statement ${statement.Sid ?? "?"})`);
    }
}

const OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnLike",
    "ArnNotLike",
    "Bool",
    "Null",
] as const;

function conditionHolds(condition: Condition | undefined, context: Readonly<Record<string, string>>): boolean {
    for (const [operator, keys] of Object.entries(condition ?? {})) {
        if (!(OPERATORS as readonly string[]).includes(operator))
            throw new Error(`iam-policy: condition operator ${operator} is not modelled`);
        for (const [key, expected] of Object.entries(keys)) {
            const values = list(expected);
            const actual = context[key];
            let holds: boolean;
            switch (operator) {
                case "Null":
                    holds = values.every((v) => (v === "true") === (actual === undefined));
                    break;
                case "StringNotEquals":
                    holds = actual === undefined || !values.includes(actual);
                    break;
                case "StringNotLike":
                case "ArnNotLike":
                    holds = actual === undefined || !values.some((v) => globMatch(v, actual));
                    break;
                case "StringLike":
                case "ArnLike":
                    holds = actual !== undefined && values.some((v) => globMatch(v, actual));
                    break;
                case "Bool":
                    holds = actual !== undefined && values.some((v) => v.toLowerCase() === actual.toLowerCase());
                    break;
                default:
                    holds = actual !== undefined && values.includes(actual);
            }
            if (!holds) return false;
        }
    }
    return true;
}

function statementMatches(statement: PolicyStatement, request: Request): boolean {
    refuseUnmodelled(statement);
    const actions = list(statement.Action);
    const resources = statement.Resource === undefined ? ["*"] : list(statement.Resource);
    return (
        actions.some((a) => globMatch(a, request.action, true)) &&
        resources.some((r) => globMatch(r, request.resource)) &&
        conditionHolds(statement.Condition, request.context ?? {})
    );
}

/** The decision the documents reach together on one request (identity-policy logic only). */
export function decide(documents: readonly PolicyDocument[], request: Request): Decision {
    const statements = documents.flatMap((d) => d.Statement);
    const matching = statements.filter((s) => statementMatches(s, request));
    if (matching.some((s) => s.Effect === "Deny")) return "ExplicitDeny";
    return matching.some((s) => s.Effect === "Allow") ? "Allow" : "ImplicitDeny";
}

/**
 * True if a grant under condition `inner` always satisfies `outer` too: every key `outer` tests is
 * tested by `inner` with the same operator and values `outer` accepts. No condition in `outer`
 * covers anything; a condition only in `inner` narrows it further, which is fine.
 */
function conditionCovers(outer: Condition | undefined, inner: Condition | undefined): boolean {
    for (const [operator, keys] of Object.entries(outer ?? {})) {
        for (const [key, accepted] of Object.entries(keys)) {
            const given = inner?.[operator]?.[key];
            if (given === undefined) return false;
            const like = operator === "StringLike" || operator === "ArnLike";
            const ok = list(given).every((g) =>
                like ? list(accepted).some((a) => patternCovers(a, g)) : list(accepted).includes(g),
            );
            if (!ok) return false;
        }
    }
    return true;
}

export interface Gap {
    readonly action: string;
    readonly resource: string;
    readonly reason: string;
}

/**
 * The grants of `policy`'s Allow statements that `boundary` does not cover: for each action and
 * resource pattern, some Allow of the boundary must cover both (and its condition, if any, must be
 * implied by the grant's), and no unconditional Deny of the boundary may overlap them. Conditional
 * Denies are not weighed here: they block requests, not whole grants; test them with `decide`.
 */
export function boundaryGaps(boundary: PolicyDocument, policy: PolicyDocument): Gap[] {
    const gaps: Gap[] = [];
    for (const statement of policy.Statement.filter((s) => s.Effect === "Allow")) {
        refuseUnmodelled(statement);
        const resources = statement.Resource === undefined ? ["*"] : list(statement.Resource);
        for (const action of list(statement.Action)) {
            for (const resource of resources) {
                const allowed = boundary.Statement.some(
                    (b) =>
                        b.Effect === "Allow" &&
                        list(b.Action).some((a) => patternCovers(a, action, true)) &&
                        (b.Resource === undefined ? ["*"] : list(b.Resource)).some((r) => patternCovers(r, resource)) &&
                        conditionCovers(b.Condition, statement.Condition),
                );
                const denied = boundary.Statement.find(
                    (b) =>
                        b.Effect === "Deny" &&
                        b.Condition === undefined &&
                        list(b.Action).some((a) => patternsOverlap(a, action, true)) &&
                        (b.Resource === undefined ? ["*"] : list(b.Resource)).some((r) => patternsOverlap(r, resource)),
                );
                if (!allowed) gaps.push({ action, resource, reason: "no Allow of the boundary covers it" });
                else if (denied)
                    gaps.push({ action, resource, reason: `denied outright by ${denied.Sid ?? "a Deny"}` });
            }
        }
    }
    return gaps;
}
