// No resource disappears without an alias: the committed URN lists against the recorded stacks,
// and the engine's record of aliases and deleteBeforeReplace that the check relies on.
import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, StackRun } from "../testing/engine";
import { planEntry, renameAliases } from "../tools/plan";
import { mergedUrns, readUrns, unlistedUrns, urnFile, URN_STACKS, vanishedUrns } from "../tools/urns";
import { evaluate, one, stackRun } from "./helpers";

for (const stack of URN_STACKS) {
    describe(`urns: ${stack}`, () => {
        it("still creates, or answers through an alias to, every URN tests/fixtures lists", async () => {
            const run = await stackRun(stack);
            assert.deepEqual(
                vanishedUrns(readUrns(urnFile(stack)), run),
                [],
                "renamed or re-parented without an alias (a delete and a create in a real account)",
            );
        });

        it("lists every URN the stack creates (npm run urns adds new ones)", async () => {
            assert.deepEqual(unlistedUrns(readUrns(urnFile(stack)), await stackRun(stack)), []);
        });
    });
}

const urn = (name: string, type = "aws:iam/role:Role"): string => `urn:pulumi:dev::scalable-backend::${type}::${name}`;
const resource = (name: string, aliases: string[] = []): RecordedResource =>
    ({ urn: urn(name), name, aliases }) as unknown as RecordedResource;
const runOf = (...resources: RecordedResource[]): StackRun => ({ resources }) as unknown as StackRun;

describe("urns: the check", () => {
    it("reports a listed URN that is neither created nor aliased, and nothing else", () => {
        const listed = [urn("a"), urn("b"), urn("c")];
        assert.deepEqual(vanishedUrns(listed, runOf(resource("a"), resource("b2", [urn("b")]))), [urn("c")]);
        assert.deepEqual(unlistedUrns(listed, runOf(resource("a"), resource("d"))), [urn("d")]);
    });

    it("only ever adds to a list: a vanished URN stays until someone removes its line", () => {
        assert.deepEqual(mergedUrns([urn("b"), urn("old")], runOf(resource("c"), resource("a"))), [
            urn("a"),
            urn("b"),
            urn("c"),
            urn("old"),
        ]);
    });
});

describe("urns: aliases and deleteBeforeReplace in the engine's record", () => {
    const program = () => {
        const parent = new pulumi.ComponentResource("scalable-backend:test:Parent", "parent");
        const provider = new aws.Provider("aws", { region: "eu-west-1" });
        new aws.iam.Role("by-name", { assumeRolePolicy: "{}" }, { parent, provider, aliases: [{ name: "old-name" }] });
        new aws.iam.Role(
            "re-parented",
            { assumeRolePolicy: "{}" },
            { parent, provider, aliases: [{ parent: pulumi.rootStackResource }] },
        );
        new aws.iam.Role(
            "by-urn",
            { assumeRolePolicy: "{}" },
            {
                provider,
                aliases: ["urn:pulumi:dev::scalable-backend::aws:iam/role:Role::legacy"],
                deleteBeforeReplace: true,
            },
        );
        new aws.iam.Role("plain", { assumeRolePolicy: "{}" }, { provider });
        return {};
    };

    it("resolves each alias to the URN the engine would match, and records deleteBeforeReplace", async () => {
        const run = await evaluate("dev", { program });
        const stackType = "pulumi:pulumi:Stack";
        const role = "aws:iam/role:Role";
        const parentType = "scalable-backend:test:Parent";
        assert.deepEqual(one(run, role, "by-name").aliases, [urn("old-name", `${parentType}$${role}`)]);
        assert.deepEqual(one(run, role, "re-parented").aliases, [urn("re-parented", `${stackType}$${role}`)]);
        assert.deepEqual(one(run, role, "by-urn").aliases, [
            "urn:pulumi:dev::scalable-backend::aws:iam/role:Role::legacy",
        ]);
        assert.equal(one(run, role, "by-urn").deleteBeforeReplace, true);
        assert.deepEqual(one(run, role, "plain").aliases, []);
        assert.equal(one(run, role, "plain").deleteBeforeReplace, false);
    });

    it("keeps the SDK's own type aliases in the record (a Deployment answers to its older apiVersions)", async () => {
        const run = await stackRun("dev");
        const deployment = one(run, "kubernetes:apps/v1:Deployment", "backend-deployment");
        assert.deepEqual(
            deployment.aliases,
            ["apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"].map(
                (v) =>
                    `urn:pulumi:dev::scalable-backend::scalable-backend:backend:Backend$kubernetes:${v}:Deployment::backend-deployment`,
            ),
        );
        assert.deepEqual(renameAliases(deployment), []);
    });

    it("lists renaming aliases and deleteBeforeReplace in plan.json only where present", async () => {
        const run = await evaluate("dev", { program });
        const role = "aws:iam/role:Role";
        assert.deepEqual(Object.keys(planEntry(one(run, role, "plain"))), [
            "urn",
            "type",
            "name",
            "parent",
            "provider",
            "protect",
            "dependsOn",
            "ignoreChanges",
            "inputs",
        ]);
        assert.deepEqual(Object.keys(planEntry(one(run, role, "by-urn"))), [
            "urn",
            "type",
            "name",
            "parent",
            "provider",
            "protect",
            "dependsOn",
            "ignoreChanges",
            "aliases",
            "deleteBeforeReplace",
            "inputs",
        ]);
    });
});
