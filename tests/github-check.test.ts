// The GitHub settings the AWS trust depends on: environments that deploy from main only, and prod's
// reviewers. Checked against API answers shaped as GitHub sends them, and through a fake `gh`.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { check, Environment, ghApi, main, parseArgs, problems, UsageError } from "../tools/github-check";

const mainOnly = { protected_branches: false, custom_branch_policies: true };
const reviewed = { type: "required_reviewers", prevent_self_review: true, reviewers: [{ type: "Team" }] };
const good: Environment[] = [
    { name: "dev", protection_rules: [{ type: "branch_policy" }], deployment_branch_policy: mainOnly },
    {
        name: "prod",
        can_admins_bypass: false,
        protection_rules: [reviewed, { type: "branch_policy" }],
        deployment_branch_policy: mainOnly,
    },
    { name: "drift", protection_rules: [], deployment_branch_policy: mainOnly },
    { name: "review-tenant", protection_rules: [{ type: "branch_policy" }], deployment_branch_policy: mainOnly },
];
const MAIN = [{ name: "main", type: "branch" }];
const policies = { dev: MAIN, prod: MAIN, drift: MAIN, "review-tenant": MAIN };

describe("github:check", () => {
    it("passes environments that deploy from main only, with prod reviewed by someone else", () => {
        assert.deepEqual(problems(good, policies), []);
    });

    it("names each weakness with its fix", () => {
        const weak: Environment[] = [
            { name: "dev", deployment_branch_policy: null },
            {
                name: "prod",
                protection_rules: [{ ...reviewed, prevent_self_review: false }],
                deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
            },
        ];
        assert.deepEqual(problems(weak, {}), [
            `Environment "dev" deploys from any branch: set "Deployment branches and tags" to selected branches, "main" only (its role trusts environment:dev).`,
            `Environment "prod" deploys from any protected branch: set "Deployment branches and tags" to selected branches, "main" only (its role trusts environment:prod).`,
            `Environment "prod" lets the person who dispatched approve: tick "Prevent self-review".`,
            `Environment "prod" lets administrators bypass its protection rules: untick "Allow administrators to bypass configured protection rules".`,
            `Environment "drift" does not exist: create it (Settings → Environments).`,
            `Environment "review-tenant" does not exist: create it (Settings → Environments).`,
        ]);
        assert.deepEqual(
            problems(
                [
                    good[0],
                    {
                        name: "prod",
                        can_admins_bypass: false,
                        protection_rules: [],
                        deployment_branch_policy: mainOnly,
                    },
                    good[2],
                    // A pull_request job could claim it: its workflow file would write its own quota.
                    { name: "review-tenant", deployment_branch_policy: null },
                ],
                {
                    ...policies,
                    dev: [...MAIN, { name: "release/*", type: "branch" }],
                    drift: [{ name: "main", type: "tag" }],
                },
            ),
            [
                `Environment "dev" deploys from branches ["branch:main","branch:release/*"]: set "Deployment branches and tags" to selected branches, "main" only (its role trusts environment:dev).`,
                `Environment "prod" has no required reviewers: add at least one.`,
                `Environment "drift" deploys from branches ["tag:main"]: set "Deployment branches and tags" to selected branches, "main" only (its role trusts environment:drift).`,
                `Environment "review-tenant" deploys from any branch: set "Deployment branches and tags" to selected branches, "main" only (its role trusts environment:review-tenant).`,
            ],
        );
    });

    it("reads the environments, then the branch policies of those that have custom ones; exit 0 names them", async () => {
        const asked: string[] = [];
        const api = async (p: string) => {
            asked.push(p);
            if (p === "repos/acme/shop/environments")
                return { total_count: 5, environments: [...good, { name: "staging" }] };
            return { total_count: 1, branch_policies: MAIN };
        };
        assert.deepEqual(await check("acme/shop", api), []);
        assert.deepEqual(asked, [
            "repos/acme/shop/environments",
            "repos/acme/shop/environments/dev/deployment-branch-policies",
            "repos/acme/shop/environments/prod/deployment-branch-policies",
            "repos/acme/shop/environments/drift/deployment-branch-policies",
            "repos/acme/shop/environments/review-tenant/deployment-branch-policies",
        ]);
        const out: string[] = [];
        const write = process.stdout.write;
        process.stdout.write = ((text: string) => out.push(text)) as never;
        try {
            assert.equal(await main(["acme/shop"], api), 0);
        } finally {
            process.stdout.write = write;
        }
        assert.deepEqual(out, [
            "acme/shop: dev, prod, drift and review-tenant deploy from main only; prod waits for a reviewer.\n",
        ]);
    });

    it("refuses a malformed repository, and exits 2 when gh is missing or fails", async () => {
        assert.throws(() => parseArgs(["acme"]), UsageError);
        assert.throws(() => parseArgs(["acme/shop", "extra"]), UsageError);
        assert.equal(parseArgs(["acme/shop.api"]), "acme/shop.api");
        await assert.rejects(ghApi("/nonexistent/gh")("repos/a/b/environments"), /gh\) is not on PATH/);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-gh-"));
        try {
            const gh = path.join(dir, "gh");
            fs.writeFileSync(gh, "#!/bin/sh\necho 'HTTP 404: Not Found' >&2\nexit 1\n", { mode: 0o755 });
            await assert.rejects(
                ghApi(gh)("repos/a/b/environments"),
                /gh api repos\/a\/b\/environments failed: HTTP 404/,
            );
            fs.writeFileSync(gh, `#!/bin/sh\necho '${JSON.stringify({ environments: [] })}'\n`, { mode: 0o755 });
            const out: string[] = [];
            const write = process.stdout.write;
            process.stdout.write = ((text: string) => out.push(text)) as never;
            try {
                assert.equal(await main(["a/b"], ghApi(gh)), 1);
            } finally {
                process.stdout.write = write;
            }
            assert.match(
                out.join(""),
                /^a\/b: the AWS trust is weaker than it looks:\n- Environment "dev" does not exist/,
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
