// Checks the GitHub settings the AWS trust depends on, with the GitHub CLI (`gh`, logged in):
//   npm run github:check -- <owner>/<repo>
// The deploy, drift and review-tenant roles trust `environment:<name>` claims (bootstrap/), and any
// workflow on any branch can claim an environment that does not restrict its deployment branches.
// So: each environment exists and deploys from main only; prod also waits for a reviewer other than
// the person who dispatched. review-tenant is what keeps a pull request's own workflow file from
// writing its namespace's quota: only main's review-tenant.yml and reap.yml may claim it. Exit 0: all hold. Exit 1: each problem listed. Exit 2: usage or `gh` error.
import { execFile } from "child_process";

/** What each environment must enforce. */
export const REQUIRED: Readonly<Record<string, { readonly reviewers: boolean }>> = {
    dev: { reviewers: false },
    prod: { reviewers: true },
    drift: { reviewers: false },
    "review-tenant": { reviewers: false },
};

export class UsageError extends Error {}

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export function parseArgs(argv: readonly string[]): string {
    if (argv.length !== 1 || !REPO.test(argv[0]))
        throw new UsageError("Usage: npm run github:check -- <owner>/<repo>   (needs `gh auth login`)");
    return argv[0];
}

/** The parts of GET /repos/{repo}/environments this check reads. */
export interface Environment {
    readonly name: string;
    /** GitHub's default is true: repository admins may skip the reviewers. */
    readonly can_admins_bypass?: boolean;
    readonly protection_rules?: readonly {
        readonly type: string;
        readonly prevent_self_review?: boolean;
        readonly reviewers?: readonly unknown[];
    }[];
    readonly deployment_branch_policy?: {
        readonly protected_branches: boolean;
        readonly custom_branch_policies: boolean;
    } | null;
}

/** GET /repos/{repo}/environments/{name}/deployment-branch-policies, the list. */
export interface BranchPolicy {
    readonly name: string;
    readonly type?: string;
}

/** Every way the settings fall short, one sentence each with the fix. */
export function problems(
    environments: readonly Environment[],
    branchPolicies: Readonly<Record<string, readonly BranchPolicy[]>>,
): string[] {
    const found: string[] = [];
    for (const [name, { reviewers }] of Object.entries(REQUIRED)) {
        const env = environments.find((e) => e.name === name);
        if (!env) {
            found.push(`Environment "${name}" does not exist: create it (Settings → Environments).`);
            continue;
        }
        const policy = env.deployment_branch_policy;
        const policies = branchPolicies[name] ?? [];
        const mainOnly =
            policy?.custom_branch_policies === true &&
            policies.length === 1 &&
            policies[0].name === "main" &&
            (policies[0].type ?? "branch") === "branch";
        if (!mainOnly)
            found.push(
                `Environment "${name}" deploys from ${
                    !policy
                        ? "any branch"
                        : policy.protected_branches
                          ? "any protected branch"
                          : `branches ${JSON.stringify(policies.map((p) => `${p.type ?? "branch"}:${p.name}`))}`
                }: set "Deployment branches and tags" to selected branches, "main" only (its role trusts environment:${name}).`,
            );
        if (reviewers) {
            const rule = env.protection_rules?.find((r) => r.type === "required_reviewers");
            if (!rule || (rule.reviewers ?? []).length === 0)
                found.push(`Environment "${name}" has no required reviewers: add at least one.`);
            else if (rule.prevent_self_review !== true)
                found.push(`Environment "${name}" lets the person who dispatched approve: tick "Prevent self-review".`);
            if (env.can_admins_bypass !== false)
                found.push(
                    `Environment "${name}" lets administrators bypass its protection rules: untick "Allow administrators to bypass configured protection rules".`,
                );
        }
    }
    return found;
}

/** `gh api <path>` as JSON. */
export type Api = (path: string) => Promise<unknown>;

export const ghApi =
    (gh = "gh"): Api =>
    (apiPath) =>
        new Promise((resolve, reject) =>
            execFile(gh, ["api", apiPath], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
                if (error)
                    reject(
                        new Error(
                            (error as NodeJS.ErrnoException).code === "ENOENT"
                                ? "The GitHub CLI (gh) is not on PATH: install it and run `gh auth login`."
                                : `gh api ${apiPath} failed: ${stderr.trim() || error.message}`,
                        ),
                    );
                else resolve(JSON.parse(stdout));
            }),
        );

export async function check(repo: string, api: Api): Promise<string[]> {
    const { environments = [] } = (await api(`repos/${repo}/environments`)) as { environments?: Environment[] };
    const branchPolicies: Record<string, BranchPolicy[]> = {};
    for (const env of environments) {
        if (!(env.name in REQUIRED) || env.deployment_branch_policy?.custom_branch_policies !== true) continue;
        const { branch_policies = [] } = (await api(
            `repos/${repo}/environments/${encodeURIComponent(env.name)}/deployment-branch-policies`,
        )) as { branch_policies?: BranchPolicy[] };
        branchPolicies[env.name] = branch_policies;
    }
    return problems(environments, branchPolicies);
}

export async function main(argv: readonly string[], api: Api = ghApi()): Promise<number> {
    try {
        const repo = parseArgs(argv);
        const found = await check(repo, api);
        if (found.length === 0) {
            process.stdout.write(
                `${repo}: dev, prod, drift and review-tenant deploy from main only; prod waits for a reviewer.\n`,
            );
            return 0;
        }
        process.stdout.write(
            `${repo}: the AWS trust is weaker than it looks:\n${found.map((p) => `- ${p}\n`).join("")}`,
        );
        return 1;
    } catch (error) {
        process.stderr.write(`${(error as Error).message}\n`);
        return 2;
    }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
