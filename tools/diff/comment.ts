// The plan diff's Markdown comment, composed from what `npm run plan:diff` collected per stack: the
// flags for a second look first, then per stack the summary, the changed resources, the base
// pack's findings on the PR's plan, the cost and its delta, and the raw per-file diff, collapsed.
// Pure; it fits `limit` characters (plan-comment.yml posts at most 60000) with a truncation note.
import { changeLines, compare, Plan, summaryLine } from "./changes";
import { reviewFlags } from "./review";

/** The parts of `npm run cost -- <stack> --json` the comment reads. */
export interface CostEstimate {
    readonly monthly?: { readonly expected: number };
    readonly items: readonly {
        readonly resource: string;
        readonly unit: string;
        readonly description: string;
        readonly monthly: { readonly expected: number };
    }[];
}

export interface Side {
    /** The plan's printout: stdout and stderr of `npm run -s plan -- <stack>`. */
    readonly output: string;
    /** out/<stack>/plan.json, when the plan succeeded and wrote one. */
    readonly plan?: Plan;
    readonly cost?: CostEstimate;
    /** The base branch's pack on this side's records (`npm run policy:offline`), or why it did not run. */
    readonly policy?: string;
}

export interface StackInput {
    readonly stack: string;
    readonly base: Side;
    readonly pr: Side;
    /** The per-file unified diff of out/<stack>/, with the real file names. */
    readonly rawDiff: string;
}

export interface Comment {
    readonly markdown: string;
    /** "<stack> <policy> <resource>" per mandatory finding on the PR's plan that the base's plan does not have. */
    readonly newMandatory: string[];
}

export const DEFAULT_LIMIT = 55_000;

const usd = (n: number): string => `$${n.toFixed(2)}`;
const signed = (n: number): string => `${n < 0 ? "-" : "+"}${usd(Math.abs(n))}`;

/** A fence longer than any run of backticks in the text, so the text can never close it. */
function fenced(text: string, language = ""): string {
    const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = "`".repeat(longest + 1);
    return `${fence}${language}\n${text.replace(/\n?$/, "\n")}${fence}`;
}

const details = (summary: string, body: string): string =>
    `<details><summary>${summary}</summary>\n\n${body}\n</details>`;

/** "policy resource" of each mandatory finding (tools/policy-offline.ts `renderFindings`). */
const mandatory = (findings: string | undefined): string[] =>
    [
        ...new Set((findings ?? "").split("\n").flatMap((l) => /^ {2}mandatory (\S+ \S+): /.exec(l)?.slice(1) ?? [])),
    ].sort();

/** The cost line and the items whose expected monthly cost changed. */
export function costSection(base: CostEstimate | undefined, pr: CostEstimate | undefined): string[] {
    if (!pr?.monthly) return ["Cost: no estimate for the PR's plan."];
    const now = pr.monthly.expected;
    if (!base?.monthly) return [`Cost: ${usd(now)}/month expected (no estimate for the base).`];
    const lines = [
        `Cost: ${usd(now)}/month expected, ${signed(now - base.monthly.expected)} against the base (${usd(base.monthly.expected)}).`,
    ];
    // By resource and unit: a changed description (a log group's "kept 7 days") is the same item.
    const key = (i: CostEstimate["items"][number]) => `${i.resource}\u0000${i.unit}`;
    const old = new Map(base.items.map((i) => [key(i), i]));
    const current = new Map(pr.items.map((i) => [key(i), i]));
    for (const [k, i] of current) {
        const was = old.get(k)?.monthly.expected;
        if (was !== i.monthly.expected)
            lines.push(
                `- ${i.resource} (${i.description}): ${was === undefined ? "new" : usd(was)} -> ${usd(i.monthly.expected)}`,
            );
    }
    for (const [k, i] of old)
        if (!current.has(k)) lines.push(`- ${i.resource} (${i.description}): ${usd(i.monthly.expected)} -> gone`);
    return lines;
}

interface Composed {
    readonly flags: string[];
    readonly head: string;
    readonly raw?: { readonly summary: string; readonly diff: string };
    readonly newMandatory: string[];
}

function composeStack(input: StackInput): Composed {
    const { stack, base, pr } = input;
    const parts: string[] = [];
    const flags: string[] = [];
    if (!pr.plan) {
        parts.push(
            `#### \`${stack}\`: the PR's plan failed`,
            "",
            details(
                `the last lines of \`npm run plan -- ${stack}\``,
                fenced(pr.output.split("\n").slice(-40).join("\n")),
            ),
        );
        return {
            flags: [`- \`${stack}\`: the PR's plan failed; nothing below is compared`],
            head: parts.join("\n"),
            newMandatory: [],
        };
    }
    const changes = compare(base.plan, pr.plan);
    const heading = base.plan
        ? summaryLine(changes)
        : `no base plan; ${pr.plan.resources.length} resources in the PR's`;
    parts.push(`#### \`${stack}\`: ${heading}`);
    for (const f of reviewFlags(changes)) flags.push(`- \`${stack}\` ${f.resource}: ${f.reason}`);
    const lines = base.plan ? changeLines(changes) : [];
    if (lines.length > 0) parts.push("", fenced(lines.join("\n"), "diff"));
    parts.push("");
    const newMandatory: string[] = [];
    if (pr.policy === undefined) parts.push("Policy: not run.");
    else {
        const [first, ...rest] = pr.policy.trimEnd().split("\n");
        parts.push(`Policy, the base branch's pack on the PR's plan: ${first}`);
        const added = mandatory(pr.policy).filter((m) => !mandatory(base.policy).includes(m));
        newMandatory.push(...added.map((m) => `${stack} ${m}`));
        if (added.length > 0)
            parts.push("", "**New mandatory findings against the base's plan:**", ...added.map((m) => `- ${m}`));
        if (rest.length > 0) parts.push("", details(`findings on the PR's plan of ${stack}`, fenced(rest.join("\n"))));
    }
    parts.push("", ...costSection(base.cost, pr.cost));
    const raw = input.rawDiff === "" ? undefined : { summary: `raw diff of out/${stack}/`, diff: input.rawDiff };
    return { flags, head: parts.join("\n"), raw, newMandatory };
}

const TRUNCATED = "... (truncated; the whole diff is in the plan-diff artifact)";

/** The comment for every stack, at most `limit` characters: raw diffs shrink first, then the rest is cut. */
export function composeComment(stacks: readonly StackInput[], limit = DEFAULT_LIMIT): Comment {
    const composed = stacks.map(composeStack);
    const flags = composed.flatMap((c) => c.flags);
    const intro = [
        "### Offline plan diff",
        "",
        "Computed by this pull request's own code under mocks, with no credentials: values only AWS knows",
        "are placeholders such as `<id of network-vpc>`. It is evidence to read, not a review signal: a PR",
        "can change what it prints.",
        "",
        flags.length > 0
            ? "**Needs a second look:**"
            : "Nothing flagged for a second look (protected, replaced, stateful or newly exposed resources).",
        ...flags,
    ].join("\n");
    const heads = composed.map((c) => c.head);
    const fixed = [intro, ...heads].join("\n\n").length + composed.length * 200;
    const raws = composed.filter((c) => c.raw);
    const share = Math.max(0, Math.floor((limit - fixed) / Math.max(1, raws.length)));
    const sections = composed.map((c) => {
        if (!c.raw) return c.head;
        const cut = c.raw.diff.length > share;
        const diff = cut ? `${c.raw.diff.slice(0, share).replace(/[^\n]*$/, "")}${TRUNCATED}\n` : c.raw.diff;
        return `${c.head}\n\n${details(c.raw.summary, fenced(diff, "diff"))}`;
    });
    let markdown = `${[intro, ...sections].join("\n\n")}\n`;
    if (markdown.length > limit) {
        const note = `\n\n... (the comment is cut at ${limit} characters; the whole of it is in the plan-diff artifact)\n`;
        markdown = `${markdown.slice(0, limit - note.length)}${note}`;
    }
    return { markdown, newMandatory: composed.flatMap((c) => c.newMandatory) };
}
