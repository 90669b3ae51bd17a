// The estimate of the real stacks, from the records the program registers under the mock engine:
// dev and prod against a reference priced by hand from AWS's list prices (within 1%), the
// ephemeral profile, and coverage: nothing billable the stacks (or what their controllers make
// from them) can create goes unpriced.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "fs";
import * as path from "path";
import { startInBackground } from "../testing/background";
import type { RecordedResource, StackRun } from "../testing/engine";
import { ROOT } from "../testing/engine";
import { coverageOf } from "../cost/coverage";
import { Estimate, estimate } from "../cost/estimate";
import type { Range } from "../cost/model";
import { describeEstimate, usd, usdPerHour } from "../cost/render";
import { configuredRun, ephemeralRun, hostedRun, stackRun, STACKS } from "./helpers";
import { TABLE } from "./cost-helpers";

const HOURS = 730;
const DAYS = HOURS / 24;

/** A reference a reviewer can redo in the AWS Pricing Calculator: eu-west-1 list prices, the stated assumptions. */
interface Reference {
    readonly nodes: Range;
    readonly images: Range;
    monthly(nodes: number, images: number): number;
}

const references: Record<"dev" | "prod", Reference> = {
    dev: {
        nodes: { min: 1, expected: 2, max: 4 },
        images: { min: 1, expected: 10, max: 30 },
        monthly: (n, images) =>
            0.1 * HOURS + // EKS control plane, standard support
            n * 0.0912 * (1 - 0.6) * HOURS + // t3.large SPOT at 60% below on-demand
            n * 30 * 0.088 + // 30 GiB gp3 root volume per node
            n * 7 * 0.3 + // detailed monitoring: 7 metrics per node
            0.048 * HOURS +
            20 * 0.048 +
            0.005 * HOURS + // one NAT gateway, 20 GB, its public IPv4
            0.0252 * HOURS +
            1 * 0.006 * HOURS +
            2 * 0.005 * HOURS + // NLB, 1 LCU, 2 AZs' public IPv4
            (10 + 1) * 0.088 + // Prometheus 10 GiB, Alertmanager 1 GiB on gp3
            (1 + 10 + 1) * 0.57 +
            ((1 + 10 + 1) / DAYS) * 7 * 0.03 + // api, audit, authenticator logs, 7 days
            1 + // KMS key
            images * 0.08 * 0.1, // ECR
    },
    prod: {
        nodes: { min: 3, expected: 3, max: 10 },
        images: { min: 1, expected: 10, max: 30 },
        monthly: (n, images) =>
            0.1 * HOURS +
            n * 0.107 * HOURS + // m6i.large on-demand
            n * 50 * 0.088 +
            n * 7 * 0.3 +
            3 * (0.048 * HOURS + 20 * 0.048 + 0.005 * HOURS) + // a NAT gateway per AZ
            0.0252 * HOURS +
            1 * 0.006 * HOURS +
            3 * 0.005 * HOURS +
            (2 * 50 + 2 * 2) * 0.088 + // 2 Prometheus x 50 GiB, 2 Alertmanager x 2 GiB
            (1 + 10 + 1 + 2 + 0.5) * 0.57 +
            ((1 + 10 + 1 + 2 + 0.5) / DAYS) * 90 * 0.03 + // five log types, 90 days
            1 +
            images * 0.08 * 0.1,
    },
};

const within = (actual: number, expected: number, share: number, what: string) =>
    assert.ok(Math.abs(actual - expected) <= expected * share, `${what}: ${actual} against ${expected}`);

/** What fails the coverage tests: anything billable the estimate cannot price. */
function unpricedBillables(e: Estimate): string[] {
    return e.unpriced
        .filter((u) => u.kind !== "not modelled")
        .map((u) => `${u.resource}: ${u.description}: ${u.reason}`);
}

const withResources = (run: StackRun, edit: (resources: RecordedResource[]) => RecordedResource[]): StackRun => ({
    ...run,
    resources: edit(run.resources.map((r) => ({ ...r, inputs: structuredClone(r.inputs) }))),
});

describe("cost: the real stacks", () => {
    for (const stack of STACKS) {
        it(`prices ${stack} within 1% of the hand-priced reference, at min, expected and max`, async () => {
            const e = estimate(await stackRun(stack), TABLE);
            const reference = references[stack];
            for (const at of ["min", "expected", "max"] as const) {
                const monthly = reference.monthly(reference.nodes[at], reference.images[at]);
                within(e.monthly![at], monthly, 0.01, `${stack} monthly ${at}`);
                within(e.hourly![at], monthly / HOURS, 0.01, `${stack} hourly ${at}`);
            }
            assert.equal(e.region, "eu-west-1");
        });
    }

    it("holds the figures the README shows", async () => {
        const totals = async (run: Promise<StackRun>) => {
            const e = estimate(await run, TABLE);
            return { monthly: e.monthly, hourly: e.hourly, onDemandMonthly: e.onDemandMonthly };
        };
        assert.deepEqual(await totals(stackRun("dev")), {
            monthly: { min: 183, expected: 214.44, max: 277.34 },
            hourly: { min: 0.2507, expected: 0.2938, max: 0.3799 },
            onDemandMonthly: { min: 222.95, expected: 294.33, max: 437.12 },
        });
        assert.deepEqual(await totals(stackRun("prod")), {
            monthly: { min: 499.22, expected: 499.29, max: 1091.72 },
            hourly: { min: 0.6839, expected: 0.684, max: 1.4955 },
            onDemandMonthly: undefined,
        });
        assert.deepEqual(await totals(ephemeralRun()), {
            monthly: { min: 167.2, expected: 184.44, max: 201.78 },
            hourly: { min: 0.229, expected: 0.2527, max: 0.2764 },
            onDemandMonthly: { min: 187.17, expected: 224.39, max: 261.69 },
        });
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const row = (name: string, e: Estimate) =>
            `| ${name} | ${[e.hourly!.min, e.hourly!.expected, e.hourly!.max].map(usdPerHour).join(" / ")} | ` +
            `${[e.monthly!.min, e.monthly!.expected, e.monthly!.max].map(usd).join(" / ")} |`;
        for (const [name, run] of [
            ["dev", stackRun("dev")],
            ["prod", stackRun("prod")],
            ["`eph-*`, placement cluster", ephemeralRun()],
            ["`eph-*`, placement shared, building its image", hostedRun("eph-demo")],
        ] as const)
            assert.ok(
                readme.includes(row(name, estimate(await run, TABLE))),
                `README: ${row(name, estimate(await run, TABLE))}`,
            );
    });

    it("prints the plan's totals line", async () => {
        assert.equal(
            describeEstimate(estimate(await stackRun("dev"), TABLE)),
            "Estimated cost: $214.44/month ($0.2938/h) expected, $183.00 at min and $277.34 at max; eu-west-1 list prices of 2026-12-01 (npm run cost -- dev for the items)",
        );
        assert.equal(
            describeEstimate(estimate(await stackRun("prod"), TABLE)),
            "Estimated cost: $499.29/month ($0.6840/h) expected, $499.22 at min and $1091.72 at max; eu-west-1 list prices of 2026-12-01 (npm run cost -- prod for the items)",
        );
    });

    it("says when prod's Kubernetes minor leaves standard support, and prices the nodes at the group's first type", async () => {
        const e = estimate(await stackRun("prod"), TABLE);
        const item = (description: RegExp) => e.items.find((i) => description.test(i.description))!;
        assert.match(
            item(/^EKS control plane/).assumption!,
            /EKS will force an upgrade to the next minor on 2027-03-27/,
        );
        assert.equal(item(/^nodes:/).description, "nodes: m6i.large on-demand");
        assert.equal(item(/^NLB \(/).description, "NLB (internet-facing, TLS listener)");
    });
});

describe("cost: coverage of what the stacks create", () => {
    const runs = (): Promise<StackRun>[] => [
        stackRun("dev"),
        stackRun("prod"),
        ephemeralRun(),
        configuredRun("dev"),
        configuredRun("prod"),
        hostedRun("eph-demo"),
        hostedRun("eph-demo", { sourceRanges: ["203.0.113.0/24"] }),
        hostedRun("tenant-demo"),
    ];

    it("knows every type the stacks record: priced, or free with a reason", async () => {
        for (const run of await Promise.all(runs()))
            for (const r of run.resources) assert.ok(coverageOf(r), `${run.stack}: ${r.type} ${r.name}`);
    });

    it("prices every billable thing in every stack, the controllers' load balancers and volumes included", async () => {
        for (const run of await Promise.all(runs()))
            assert.deepEqual(unpricedBillables(estimate(run, TABLE)), [], run.stack);
    });

    it("fails on a LoadBalancer Service or volume it cannot price, in the recorded objects or a chart's values", async () => {
        const dev = await stackRun("dev");
        const edited = withResources(dev, (resources) => {
            const stack = resources.find((r) => r.name === "monitoring-stack")!;
            stack.inputs.values.grafana.persistence = { enabled: true, size: "10Gi" };
            stack.inputs.values.prometheus.service = { type: "LoadBalancer" };
            const service = resources.find((r) => r.name === "backend-service")!;
            delete service.inputs.spec.loadBalancerClass;
            delete service.inputs.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"];
            return resources;
        });
        assert.deepEqual(unpricedBillables(estimate(edited, TABLE)), [
            "backend-service: load balancer of a LoadBalancer Service: without loadBalancerClass service.k8s.aws/nlb or an NLB type annotation the in-tree controller creates a Classic Load Balancer, which the price table does not hold",
            "monitoring-stack: a persistent volume at grafana.persistence in chart kube-prometheus-stack's values: no price rule for it (cost/volumes.ts CHART_CLAIM_TEMPLATES)",
            "monitoring-stack: a LoadBalancer Service at prometheus.service in chart kube-prometheus-stack's values: no price rule for it (cost/volumes.ts CHART_CLAIM_TEMPLATES)",
        ]);
    });

    it("fails on a new resource type, and on an unknown region rather than pricing it at another's", async () => {
        const dev = await stackRun("dev");
        const withDatabase = withResources(dev, (resources) => [
            ...resources,
            { ...resources[0], type: "aws:rds/instance:Instance", name: "db", urn: "urn:db", custom: true },
        ]);
        assert.deepEqual(unpricedBillables(estimate(withDatabase, TABLE)), [
            "db: resource type aws:rds/instance:Instance: the estimate has no price rule for this type: price it or list it as free in cost/coverage.ts",
        ]);
        const elsewhere = withResources(dev, (resources) => {
            resources.find((r) => r.type === "pulumi:providers:aws")!.inputs.region = "ap-south-1";
            return resources;
        });
        const e = estimate(elsewhere, TABLE);
        assert.equal(e.monthly, null);
        assert.equal(
            e.unpriced.filter((u) => u.kind === "unknown region").length,
            estimate(dev, TABLE).items.length,
            "every item dev prices",
        );
    });
});

describe("cost: npm run cost", () => {
    const cost = (...args: string[]) =>
        spawnSync(process.execPath, ["-r", "./tools/transpile.cjs", "tools/cost.ts", ...args], {
            cwd: ROOT,
            encoding: "utf8",
        });

    const devJson = startInBackground(
        process.execPath,
        ["-r", "./tools/transpile.cjs", "tools/cost.ts", "dev", "--json"],
        {
            cwd: ROOT,
        },
    );

    it("prints the estimate of a stack as JSON, the same as in-process", async () => {
        const result = await devJson;
        assert.equal(result.status, 0, result.stderr);
        const printed = JSON.parse(result.stdout);
        const e = estimate(await stackRun("dev"), TABLE);
        assert.deepEqual(printed, JSON.parse(JSON.stringify(e)));
    });

    it("exits 2 with the reason on stderr for a stack without a file or a bad option", () => {
        const missing = cost("staging");
        assert.equal(missing.status, 2);
        assert.equal(
            missing.stderr,
            'cost: "staging" is not a stack this program knows: dev, prod, eph-<slug> or tenant-<slug> (lowercase letters, digits and dashes, at most 32 after the prefix).\n',
        );
        assert.equal(missing.stdout, "");
        const bad = cost("dev", "--at", "soon");
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /^cost: --at "soon": expected a date, YYYY-MM-DD/);
    });
});
