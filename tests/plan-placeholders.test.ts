// Values only AWS knows: the mock keeps a realistic image digest (the image-pinning rule and the
// tests need its shape) but marks it invented, and everything a person reads shows a placeholder.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policyRecords, renderTree, shown, writePlan } from "../tools/plan";
import { one, stackRun } from "./helpers";

const DIGEST = /sha256:[0-9a-f]{64}/;

describe("plan: invented values shown as placeholders", () => {
    it("marks the image digest the mock invented, with the resource that would report it", async () => {
        const run = await stackRun("prod");
        const entries = Object.entries(run.invented);
        assert.equal(entries.length, 1);
        const [digest, label] = entries[0];
        assert.match(digest, new RegExp(`^${DIGEST.source}$`));
        assert.equal(label, "<digest of backend-image-build>");
        assert.equal(one(run, "docker-build:index:Image", "backend-image-build").outputs.digest, digest);
    });

    it("replaces invented values inside strings, in any structure, and leaves the rest alone", () => {
        const invented = { "sha256:abc": "<digest of x>" };
        assert.deepEqual(
            shown({ a: ["repo@sha256:abc", 1, null], b: { c: "sha256:abc sha256:abc" }, d: "other" }, invented),
            { a: ["repo@<digest of x>", 1, null], b: { c: "<digest of x> <digest of x>" }, d: "other" },
        );
        const same = { a: 1 };
        assert.equal(shown(same, {}), same);
    });

    it("writes no invented value into out/<stack>/ or the printout; the records keep the real shape", async () => {
        const run = await stackRun("prod");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-placeholders-"));
        try {
            await writePlan("prod", path.join(dir, "prod"), run);
            const files = (sub: string) =>
                fs.readdirSync(path.join(dir, "prod", sub)).map((f) => path.join(dir, "prod", sub, f));
            for (const file of [path.join(dir, "prod", "plan.json"), ...files("k8s"), ...files("helm")])
                assert.doesNotMatch(fs.readFileSync(file, "utf8"), DIGEST, file);
            const deployment = fs.readFileSync(path.join(dir, "prod", "k8s", "backend-deployment.yaml"), "utf8");
            assert.match(deployment, /image: \S+\/scalable-backend-prod\/backend@<digest of backend-image-build>\n/);
            assert.doesNotMatch(renderTree(run), DIGEST);
            assert.match(fs.readFileSync(path.join(dir, "prod.records.json"), "utf8"), DIGEST);
            assert.match(JSON.stringify(policyRecords(run)), DIGEST);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
