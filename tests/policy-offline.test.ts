// The offline policy run CI does from the base branch's checkout on the PR's records: the records
// file round-trips what the pack judges, findings render one per line, and bad records are refused.
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../testing/engine";
import { policyRecords } from "../tools/plan";
import { judge, parseRecords, RecordsError, renderFindings } from "../tools/policy-offline";
import { hostedRun, stackRun } from "./helpers";

const viaFile = async (stack: "dev" | "prod") =>
    parseRecords(JSON.stringify(policyRecords(await stackRun(stack))), `out/${stack}.records.json`);

describe("policy:offline", () => {
    it("judges dev's written records as the pack judges the live records: four advisories, listed", async () => {
        const { stack, resources } = await viaFile("dev");
        assert.equal(stack, "dev");
        assert.equal(
            renderFindings(stack, await judge(stack, resources)).replace(/^( {2}.*?): .*$/gm, "$1"),
            [
                "dev: 0 mandatory, 4 advisory finding(s)",
                "  advisory backend-tls backend-service",
                "  advisory eks-control-plane-logs-complete cluster-eks",
                "  advisory eks-public-endpoint-restricted cluster-eks",
                "  advisory load-balancer-restricted backend-service",
                "",
            ].join("\n"),
        );
        const live = await stackRun("dev");
        assert.deepEqual(
            (await judge("dev", resources)).map((v) => `${v.policy} ${v.urn} ${v.message}`),
            (await judge("dev", live.resources)).map((v) => `${v.policy} ${v.urn} ${v.message}`),
        );
    });

    it("holds prod to prod's levels: its placeholders are mandatory findings", async () => {
        const { stack, resources } = await viaFile("prod");
        const text = renderFindings(stack, await judge(stack, resources));
        assert.match(text, /^prod: 3 mandatory, 0 advisory finding\(s\)\n/);
        assert.equal((text.match(/^ {2}mandatory no-placeholder-values /gm) ?? []).length, 3);
    });

    it("judges a tenant layer's records at prod's levels (an unknown name fails closed): nothing to find", async () => {
        const { stack, resources } = parseRecords(
            JSON.stringify(policyRecords(await hostedRun("tenant-demo"))),
            "out/tenant-demo.records.json",
        );
        assert.equal(stack, "tenant-demo");
        assert.equal(
            renderFindings(stack, await judge(stack, resources)),
            "tenant-demo: 0 mandatory, 0 advisory finding(s)\n",
        );
    });

    it("writes no secret into the records", async () => {
        const records = policyRecords(await stackRun("prod"));
        for (const r of records.resources)
            for (const key of r.secretInputs) {
                assert.equal(r.inputs[key], "[secret]", `${r.urn} ${key}`);
                if (key in r.outputs) assert.equal(r.outputs[key], "[secret]", `${r.urn} output ${key}`);
            }
        assert.ok(
            records.resources.some((r) => r.secretInputs.length > 0),
            "prod has secret inputs to redact",
        );
    });

    it("refuses records it cannot trust the shape of, naming the file", () => {
        const good = {
            type: "t",
            name: "n",
            urn: "u",
            inputs: {},
            outputs: {},
            dependencies: [],
            ignoreChanges: [],
            secretInputs: [],
        };
        for (const [text, message] of [
            ["{", /f\.json is not JSON/],
            [
                JSON.stringify({ stack: "../prod", resources: [] }),
                /"stack" is "..\/prod", not dev, prod, eph-<slug> or tenant-<slug>/,
            ],
            [JSON.stringify({ stack: "dev", resources: {} }), /"resources" is not a list/],
            [
                JSON.stringify({ stack: "dev", resources: [good, { ...good, inputs: [] }] }),
                /resources\[1\] is not a recorded resource/,
            ],
            [JSON.stringify({ stack: "dev", resources: [{ ...good, urn: 7 }] }), /resources\[0\]/],
        ] as const)
            assert.throws(
                () => parseRecords(text, "f.json"),
                (e: Error) => e instanceof RecordsError && message.test(e.message),
            );
        assert.equal(
            parseRecords(JSON.stringify({ stack: "eph-pr-1", resources: [good] }), "f.json").resources.length,
            1,
        );
    });

    it("exits 1 on a mandatory finding, 0 without, 2 on a file that is not one", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-offline-"));
        try {
            const prod = path.join(dir, "prod.records.json");
            fs.writeFileSync(prod, JSON.stringify(policyRecords(await stackRun("prod"))));
            const empty = path.join(dir, "dev.records.json");
            fs.writeFileSync(empty, JSON.stringify({ stack: "dev", resources: [] }));
            const run = (file: string) =>
                spawnSync(process.execPath, ["-r", "./tools/transpile.cjs", "tools/policy-offline.ts", file], {
                    cwd: ROOT,
                    encoding: "utf8",
                });
            const blocked = run(prod);
            assert.equal(blocked.status, 1, blocked.stderr);
            assert.match(blocked.stdout, /^prod: 3 mandatory/);
            const clean = run(empty);
            assert.equal(clean.status, 0, clean.stderr);
            assert.equal(clean.stdout, "dev: 0 mandatory, 0 advisory finding(s)\n");
            const missing = run(dir);
            assert.equal(missing.status, 2);
            assert.match(missing.stderr, /is not a file; `npm run plan -- <stack>` writes it/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
