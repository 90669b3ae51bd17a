// The mock engine evaluates a project directory other than the repository root: its Pulumi.yaml
// (name, declared keys), its stack files and its index.ts.
import * as assert from "node:assert/strict";
import * as path from "path";
import { ACCOUNT, PROJECT, projectName, requiredKeys, ROOT, stackConfig } from "../testing/engine";
import { evaluate } from "./helpers";

const FIXTURE = path.join(__dirname, "fixtures", "engine-project");

describe("mock engine: project directories", () => {
    it("reads the main program's project at the root unless told otherwise", () => {
        assert.equal(projectName(), PROJECT);
        assert.equal(projectName(ROOT), PROJECT);
        assert.deepEqual(stackConfig("dev"), stackConfig("dev", {}, ROOT));
        assert.deepEqual(requiredKeys(), requiredKeys(ROOT));
    });

    it("reads another project's name, declared keys and stack file", () => {
        assert.equal(projectName(FIXTURE), "engine-fixture");
        assert.deepEqual(requiredKeys(FIXTURE), ["engine-fixture:greeting"]);
        assert.deepEqual(stackConfig("one", {}, FIXTURE), {
            "aws:region": "eu-central-1",
            "engine-fixture:greeting": "hello",
        });
    });

    it("evaluates that project's index.ts, with URNs and aliases in its own project", async () => {
        const run = await evaluate("one", { projectDir: FIXTURE });
        const role = run.resources.find((r) => r.type === "aws:iam/role:Role");
        assert.ok(role);
        const qualified = "pulumi:pulumi:Stack$aws:iam/role:Role";
        assert.equal(role.urn, `urn:pulumi:one::engine-fixture::${qualified}::fixture-role`);
        assert.deepEqual(role.aliases, [`urn:pulumi:one::engine-fixture::${qualified}::old-role`]);
        assert.equal(role.inputs.description, "hello");
        assert.deepEqual(run.outputs, {
            project: "engine-fixture",
            roleArn: `arn:aws:iam::${ACCOUNT}:role/fixture-role`,
        });
    });

    it("refuses, as the CLI does, a stack without a key that project declares", async () => {
        await assert.rejects(
            evaluate("one", { projectDir: FIXTURE, without: ["engine-fixture:greeting"] }),
            /Stack 'one' is missing configuration values: engine-fixture:greeting/,
        );
    });
});
