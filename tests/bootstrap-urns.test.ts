// No bootstrap resource disappears without an alias: the committed URN list
// (tests/fixtures/bootstrap.urns) against the recorded stack, as tests/urns.test.ts does for dev
// and prod. The bootstrap's resources hold every stack's state, keys and trust: a rename without an
// alias is a delete and a create in the account (the protected ones would stop `pulumi up`).
import * as assert from "node:assert/strict";
import * as path from "path";
import { ROOT } from "../testing/engine";
import { readUrns, unlistedUrns, vanishedUrns } from "../tools/urns";
import { bootstrapRun } from "./bootstrap-helpers";

const FILE = path.join(ROOT, "tests", "fixtures", "bootstrap.urns");

describe("urns: bootstrap", () => {
    it("still creates, or answers through an alias to, every URN tests/fixtures/bootstrap.urns lists", async () => {
        assert.deepEqual(
            vanishedUrns(readUrns(FILE), await bootstrapRun()),
            [],
            "renamed or re-parented without an alias (a delete and a create in a real account)",
        );
    });

    it("lists every URN the bootstrap creates (add a new resource's line, sorted; never remove one silently)", async () => {
        const listed = readUrns(FILE);
        assert.ok(listed.length > 0, FILE);
        assert.deepEqual([...listed].sort(), listed, "sorted");
        assert.deepEqual(unlistedUrns(listed, await bootstrapRun()), []);
    });
});
