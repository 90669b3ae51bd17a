// npm run plan (and cost) of a review stack this machine has no stack file for: the config
// `npm run stack -- create` writes, with a fixed lifetime, and dev's own outputs behind its
// StackReference, dev evaluated first in the same process. The same records the tests' hosted runs
// have, and byte-identical across processes.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startInBackground } from "../testing/background";
import { ROOT, type StackRun } from "../testing/engine";
import { ephemeralConfig, reviewAppConfig, tenantConfig } from "../tools/ephemeral";
import {
    describeOfflineConfig,
    evaluateStack,
    hostRun,
    OFFLINE_BOUNDARY,
    OFFLINE_META,
    offlineConfig,
} from "../tools/offline-stack";
import { writePlan } from "../tools/plan";
import { devStackFileConfig } from "../tools/stack";
import { EPHEMERAL_BOUNDARY } from "./config-helpers";
import { EPHEMERAL_META, EPHEMERAL_STACK, ephemeralRun, hostedRun, stackRun } from "./helpers";

const PREBUILT = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/backend@sha256:${"b".repeat(64)}`;

describe("plan: a review stack without its stack file", () => {
    const CLI_STACK = "eph-plan-offline-cli";
    const planned = startInBackground(process.execPath, ["-r", "./tools/transpile.cjs", "tools/plan.ts", CLI_STACK], {
        cwd: ROOT,
    });
    it("is configured as stack create configures it, dated as the tests' stacks are", () => {
        const dev = devStackFileConfig();
        assert.deepEqual(OFFLINE_META, EPHEMERAL_META);
        assert.equal(OFFLINE_BOUNDARY, EPHEMERAL_BOUNDARY);
        assert.deepEqual(offlineConfig("eph-a"), reviewAppConfig(dev, EPHEMERAL_META));
        assert.deepEqual(
            offlineConfig("eph-a", { sourceRanges: ["203.0.113.0/24"], image: PREBUILT }),
            reviewAppConfig(dev, EPHEMERAL_META, { sourceRanges: ["203.0.113.0/24"], image: PREBUILT }),
        );
        assert.deepEqual(offlineConfig("tenant-a"), tenantConfig(dev, EPHEMERAL_META));
        assert.deepEqual(offlineConfig("eph-a", { placement: "cluster" }), {
            ...ephemeralConfig(dev, EPHEMERAL_META),
            "scalable-backend:permissionsBoundaryArn": EPHEMERAL_BOUNDARY,
        });
    });

    it("evaluates each layer as the tests do: the host read from dev's own evaluation", async () => {
        // Each expected run is started only once the one before is compared: runs must not overlap.
        const cases: [string, Parameters<typeof evaluateStack>[2], () => Promise<StackRun>][] = [
            ["eph-demo", { image: PREBUILT }, () => hostedRun("eph-demo", { image: PREBUILT })],
            ["tenant-demo", {}, () => hostedRun("tenant-demo")],
            [EPHEMERAL_STACK, { placement: "cluster" }, ephemeralRun],
        ];
        for (const [stack, flags, expected] of cases) {
            const want = await expected();
            const run = await evaluateStack(ROOT, stack, flags);
            assert.deepEqual(run.resources, want.resources, stack);
            assert.deepEqual(run.outputs, want.outputs, stack);
        }
    });

    it("evaluates the host once per process, however many stacks placed on it are planned", async () => {
        const host = hostRun(ROOT);
        assert.equal(hostRun(ROOT), host);
        assert.deepEqual((await host).outputs, (await stackRun("dev")).outputs);
        // A failed evaluation is not kept: the next plan tries again.
        const missing = path.join(os.tmpdir(), "plan-offline-no-such-project");
        const failed = hostRun(missing);
        await assert.rejects(failed);
        const retried = hostRun(missing);
        assert.notEqual(retried, failed);
        await assert.rejects(retried);
    });

    it("says what it planned, and which host it read", () => {
        assert.equal(
            describeOfflineConfig("eph-a", {}),
            "No Pulumi.eph-a.yaml: planned with the config `npm run stack -- create` writes (placement shared, ClusterIP, image built from app/; created 2026-01-01T00:00:00.000Z, expires 2026-01-01T08:00:00.000Z); its host is dev, evaluated first in this process",
        );
        assert.equal(
            describeOfflineConfig("eph-a", { sourceRanges: ["203.0.113.0/24"], image: "r" }),
            "No Pulumi.eph-a.yaml: planned with the config `npm run stack -- create` writes (placement shared, public to 203.0.113.0/24, image r; created 2026-01-01T00:00:00.000Z, expires 2026-01-01T08:00:00.000Z); its host is dev, evaluated first in this process",
        );
        assert.equal(
            describeOfflineConfig("tenant-a", {}),
            "No Pulumi.tenant-a.yaml: planned with the config `npm run stack -- create` writes (its tenant layer; created 2026-01-01T00:00:00.000Z, expires 2026-01-01T08:00:00.000Z); its host is dev, evaluated first in this process",
        );
        assert.equal(
            describeOfflineConfig("eph-a", { placement: "cluster" }),
            `No Pulumi.eph-a.yaml: planned with the config \`npm run stack -- create\` writes (placement cluster, permissions boundary ${EPHEMERAL_BOUNDARY}; created 2026-01-01T00:00:00.000Z, expires 2026-01-01T08:00:00.000Z)`,
        );
    });

    it("npm run plan -- eph-<slug> plans it in one process, byte-identical to an in-process plan", async () => {
        const stack = CLI_STACK;
        const out = path.join(ROOT, "out", stack);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-offline-"));
        try {
            const result = await planned;
            assert.equal(result.status, 0, result.stderr);
            const lines = result.stdout.split("\n");
            assert.equal(lines[0], describeOfflineConfig(stack, {}));
            assert.ok(
                lines.includes("  pulumi:pulumi:StackReference  host  [read]  name=organization/scalable-backend/dev"),
            );
            await writePlan(stack, path.join(dir, stack), await evaluateStack(ROOT, stack));
            for (const file of [path.join(stack, "plan.json"), `${stack}.records.json`])
                assert.equal(
                    fs.readFileSync(path.join(ROOT, "out", file), "utf8"),
                    fs.readFileSync(path.join(dir, file), "utf8"),
                    file,
                );
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
            fs.rmSync(`${out}.records.json`, { force: true });
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
