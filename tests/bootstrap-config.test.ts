// The bootstrap's config: every refusal names the stack, the key, what is wrong and what to do,
// and comes before any resource; the project and stack files agree with the parser.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError } from "../config";
import { CONFIG_KEYS, parseBootstrapConfig, PROJECT, rawConfig, REPOSITORY_PLACEHOLDER } from "../bootstrap/config";
import { readConfigFile, requiredKeys, ROOT, stackConfig } from "../testing/engine";
import { BOOTSTRAP_DIR, BOOTSTRAP_STACK, evaluateBootstrap } from "./bootstrap-helpers";

const VALID = { githubRepository: "acme-platform/scalable-backend", stateBucketName: "scalable-backend-state-1" };
const parse = (raw: Record<string, unknown>, region: string | undefined = "eu-west-1") =>
    parseBootstrapConfig("bootstrap", raw, region);

/** Asserts a ConfigError for the stack and key whose message says `problem`. */
function refuses(raw: Record<string, unknown>, key: string, problem: RegExp, region?: string): void {
    assert.throws(
        () => parse(raw, region),
        (error: unknown) => {
            assert.ok(error instanceof ConfigError, String(error));
            assert.equal(error.stackName, "bootstrap");
            assert.equal(error.key, key);
            assert.match(error.message, new RegExp(`^Stack "bootstrap": config key "${key}" `));
            assert.match(error.message, problem);
            assert.match(error.message, /\. Expected .+\.$/);
            return true;
        },
    );
}

describe("bootstrap config", () => {
    it("turns valid config into frozen settings, tagged without the main program's stack or environment tags", () => {
        const config = parse({
            ...VALID,
            existingOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        });
        assert.deepEqual(config, {
            stack: "bootstrap",
            region: "eu-west-1",
            githubRepository: "acme-platform/scalable-backend",
            stateBucketName: "scalable-backend-state-1",
            existingOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
            tags: { project: "scalable-backend-bootstrap", "managed-by": "pulumi" },
        });
        assert.ok(Object.isFrozen(config) && Object.isFrozen(config.tags));
        assert.equal(parse(VALID).existingOidcProviderArn, undefined);
        assert.ok(!("existingOidcProviderArn" in parse(VALID)));
    });

    it("refuses an unknown key, with the closest known one", () => {
        refuses(
            { ...VALID, githubRepositry: "x/y" },
            `${PROJECT}:githubRepositry`,
            /is not a known key \(did you mean "githubRepository"\?\)/,
        );
    });

    it("refuses a missing, malformed or unsupported region", () => {
        assert.throws(() => parseBootstrapConfig("bootstrap", VALID, undefined), /config key "aws:region" is null/);
        assert.throws(() => parse(VALID, "eu-west"), /config key "aws:region" is "eu-west"/);
        assert.throws(() => parse(VALID, "cn-north-1"), /aws-cn partition/);
    });

    it("refuses the placeholder, wildcards and anything that is not owner/name", () => {
        const key = `${PROJECT}:githubRepository`;
        refuses({ ...VALID, githubRepository: undefined }, key, /is missing or empty/);
        refuses(
            { ...VALID, githubRepository: REPOSITORY_PLACEHOLDER },
            key,
            /the placeholder of the committed stack file/,
        );
        refuses({ ...VALID, githubRepository: "owner/repo" }, key, /the placeholder/);
        refuses(
            { ...VALID, githubRepository: "acme/*" },
            key,
            /a wildcard would let other repositories assume the roles/,
        );
        refuses({ ...VALID, githubRepository: "acme/repo?" }, key, /wildcard/);
        for (const value of [
            "acme",
            "acme/repo/extra",
            "-acme/repo",
            "acme-/repo",
            "ac--me/repo",
            "acme/..",
            "acme/re po",
            "a".repeat(40) + "/repo",
            "acme/" + "r".repeat(101),
        ])
            refuses({ ...VALID, githubRepository: value }, key, /not a GitHub repository/);
        assert.equal(parse({ ...VALID, githubRepository: "A-b1/My.Repo_2" }).githubRepository, "A-b1/My.Repo_2");
    });

    it("refuses a bucket name S3 would refuse, or one with dots", () => {
        const key = `${PROJECT}:stateBucketName`;
        refuses({ ...VALID, stateBucketName: "" }, key, /is missing or empty/);
        refuses({ ...VALID, stateBucketName: "state.example.com" }, key, /with a dot/);
        for (const value of ["ab", "Upper-case", "-leading", "trailing-", "x".repeat(64), "under_score"])
            refuses({ ...VALID, stateBucketName: value }, key, /not a valid S3 bucket name/);
        refuses({ ...VALID, stateBucketName: "xn--state" }, key, /reserved prefix "xn--"/);
        refuses({ ...VALID, stateBucketName: "state-s3alias" }, key, /reserved suffix "-s3alias"/);
        assert.equal(parse({ ...VALID, stateBucketName: "a".repeat(63) }).stateBucketName, "a".repeat(63));
    });

    it("refuses an existing provider ARN that is not GitHub's OIDC provider", () => {
        const key = `${PROJECT}:existingOidcProviderArn`;
        for (const value of [
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "arn:aws:iam::12345:oidc-provider/token.actions.githubusercontent.com",
            "token.actions.githubusercontent.com",
        ])
            refuses({ ...VALID, existingOidcProviderArn: value }, key, /not the ARN of a GitHub Actions OIDC provider/);
        refuses({ ...VALID, existingOidcProviderArn: " " }, key, /is missing or empty/);
    });

    it("keeps only this project's keys from the CLI's values", () => {
        assert.deepEqual(
            rawConfig({
                "aws:region": "eu-west-1",
                "scalable-backend:owner": "x",
                "scalable-backend-bootstrap:githubRepository": "a/b",
            }),
            { githubRepository: "a/b" },
        );
    });

    it("refuses the committed stack file's placeholder before any resource, naming the fix", async () => {
        const error = (await evaluateBootstrap({
            config: { [`${PROJECT}:githubRepository`]: REPOSITORY_PLACEHOLDER },
        }).then(
            () => assert.fail("the placeholder was accepted"),
            (e: unknown) => e,
        )) as Error & { registrations?: string[] };
        assert.match(
            error.message,
            /^Stack "bootstrap": config key "scalable-backend-bootstrap:githubRepository" is "OWNER\/REPO", the placeholder of the committed stack file\. Expected the repository as "owner\/name".*pulumi config set githubRepository/,
        );
        assert.deepEqual(error.registrations, []);
    });

    it("declares in Pulumi.yaml exactly the required keys the parser requires; the stack file sets them", () => {
        const required = Object.entries(CONFIG_KEYS)
            .filter(([, kind]) => kind === "required")
            .map(([name]) => `${PROJECT}:${name}`);
        assert.deepEqual(requiredKeys(BOOTSTRAP_DIR).sort(), required.sort());
        const file = readConfigFile(path.join(BOOTSTRAP_DIR, `Pulumi.${BOOTSTRAP_STACK}.yaml`));
        assert.deepEqual(file.secureKeys, []);
        for (const key of required) assert.ok(key in file.values, key);
        assert.equal(file.values[`${PROJECT}:githubRepository`], REPOSITORY_PLACEHOLDER);
        assert.deepEqual(JSON.parse(file.values["pulumi:disable-default-providers"]), ["aws"]);
    });

    it("runs in the main stacks' region: the roles' ARNs are scoped to it", () => {
        const region = stackConfig(BOOTSTRAP_STACK, {}, BOOTSTRAP_DIR)["aws:region"];
        for (const stack of ["dev", "prod"]) assert.equal(stackConfig(stack)["aws:region"], region, stack);
    });

    it("starts as the main program does: nodejs, TypeScript, transpile-only through tsconfig.pulumi.json", () => {
        const read = (dir: string) =>
            yaml.load(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as { name: string; runtime: unknown };
        assert.equal(read(BOOTSTRAP_DIR).name, PROJECT);
        assert.deepEqual(read(BOOTSTRAP_DIR).runtime, read(ROOT).runtime);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const tsutils = require("@pulumi/pulumi/tsutils") as {
            loadTypeScriptCompilerOptions(file: string): Record<string, unknown>;
        };
        assert.deepEqual(
            tsutils.loadTypeScriptCompilerOptions(path.join(BOOTSTRAP_DIR, "tsconfig.pulumi.json")),
            tsutils.loadTypeScriptCompilerOptions(path.join(ROOT, "tsconfig.pulumi.json")),
        );
    });
});
