// The estimate as a whole on hand-made records: the region, totals and what it does not price;
// the assumptions' options; the printed forms; and the CLI's arguments.
import * as assert from "node:assert/strict";
import { DEFAULT_ASSUMPTIONS, OptionError, withOverrides } from "../cost/assumptions";
import { coverageOf, COVERAGE } from "../cost/coverage";
import { estimate, regionOf } from "../cost/estimate";
import { describeEstimate, describeTotals, estimateJson, renderEstimate, unitPrice } from "../cost/render";
import { parseCostArgs } from "../tools/cost";
import { awsProvider, estimateOf, resource, TABLE } from "./cost-helpers";

const cluster = resource("eks:index:Cluster", "eks", {
    name: "c",
    version: "1.35",
    upgradePolicy: { supportType: "STANDARD" },
});
const key = resource("aws:kms/key:Key", "key", {});
const nat = resource("aws:ec2/natGateway:NatGateway", "nat", {});

describe("cost: the estimate", () => {
    it("totals the items' monthly figures and divides by 730 for the hourly ones", () => {
        const e = estimateOf([cluster, key, nat]);
        // 73 + 1 + 35.04 + 0.96 = 110.00 a month; / 730 = 0.1507 an hour.
        assert.deepEqual(e.monthly, { min: 110, expected: 110, max: 110 });
        assert.deepEqual(e.hourly, { min: 0.1507, expected: 0.1507, max: 0.1507 });
        assert.equal(e.region, "eu-west-1");
        assert.equal(e.priceTableDate, "2026-12-01");
        assert.equal(e.at, "2026-12-01");
        assert.equal(e.currency, "USD");
        assert.deepEqual(e.assumptions, DEFAULT_ASSUMPTIONS);
    });

    it("prices a region the table lacks at nothing: every item unpriced as an unknown region, no totals", () => {
        const e = estimateOf([cluster, key], {}, "ap-south-1");
        assert.equal(e.region, "ap-south-1");
        assert.equal(e.monthly, null);
        assert.equal(e.hourly, null);
        assert.deepEqual(e.items, []);
        const reason = "unknown region ap-south-1: the price table of 2026-12-01 has eu-west-1, us-east-1";
        assert.deepEqual(
            e.unpriced.filter((u) => u.kind === "unknown region").map((u) => [u.resource, u.description, u.reason]),
            [
                ["eks", "EKS control plane (Kubernetes 1.35, standard support)", reason],
                ["key", "KMS customer managed key", reason],
            ],
        );
        assert.equal(describeTotals(e), "unknown region ap-south-1");
        assert.equal(
            describeEstimate(e),
            "Estimated cost: unknown region ap-south-1; the price table of 2026-12-01 has no prices for it (npm run cost -- t for the items)",
        );
        assert.match(
            renderEstimate(e),
            /Total: unknown region ap-south-1: the price table has no prices for it; nothing is priced/,
        );
    });

    it("takes the region from the AWS providers, the config only without one, and prices several regions as none", () => {
        const two = { stack: "t", resources: [awsProvider("eu-west-1"), awsProvider("us-east-1")] };
        assert.equal(regionOf(two), "eu-west-1,us-east-1");
        assert.equal(estimate(two, TABLE).monthly, null);
        assert.equal(regionOf({ stack: "t", resources: [], config: { "aws:region": "us-east-1" } }), "us-east-1");
        assert.equal(regionOf({ stack: "t", resources: [] }), "(none)");
    });

    it("lists a resource type it has no rule for as unknown, once per type; components and listed types are covered", () => {
        const db = resource("aws:rds/instance:Instance", "db");
        const e = estimateOf([
            db,
            resource("aws:rds/instance:Instance", "db2"),
            resource("scalable-backend:x:X", "component"),
        ]);
        assert.deepEqual(
            e.unpriced.filter((u) => u.kind === "unknown"),
            [
                {
                    resource: "db",
                    type: "aws:rds/instance:Instance",
                    description: "resource type aws:rds/instance:Instance",
                    reason: "the estimate has no price rule for this type: price it or list it as free in cost/coverage.ts",
                    kind: "unknown",
                },
            ],
        );
        assert.deepEqual(coverageOf(resource("scalable-backend:x:X", "c")), {
            free: "a component of this program: its children are priced",
        });
        assert.equal(
            coverageOf(resource("eks:index:Other", "remote")),
            undefined,
            "remote components are not local ones",
        );
        for (const [type, coverage] of Object.entries(COVERAGE))
            assert.ok("priced" in coverage ? coverage.priced : coverage.free, type);
    });

    it("states the charges it never models, whatever the stack", () => {
        assert.deepEqual(
            estimateOf([]).unpriced.map((u) => [u.kind, u.description]),
            [["not modelled", "AWS Free Tier allowances"]],
        );
    });
});

describe("cost: assumptions", () => {
    it("applies each option, the log types one by one", () => {
        assert.deepEqual(
            withOverrides({
                "--spot-discount": "0.5",
                "--nat-gb": "100",
                "--lcu": "2.5",
                "--log-gb": "audit=20,scheduler=0",
                "--ecr-image-gb": "0.2",
                "--ecr-images": "3",
            }),
            {
                spotDiscount: 0.5,
                natGbPerGatewayMonth: 100,
                nlbLcuPerHour: 2.5,
                controlPlaneLogGbPerMonth: { api: 1, audit: 20, authenticator: 1, controllerManager: 2, scheduler: 0 },
                ecrImageGb: 0.2,
                ecrExpectedImages: 3,
            },
        );
        assert.deepEqual(withOverrides({}), DEFAULT_ASSUMPTIONS);
    });

    it("refuses a value out of range or not a number, naming the option", () => {
        const cases: [Parameters<typeof withOverrides>[0], RegExp][] = [
            [{ "--spot-discount": "0.99" }, /--spot-discount "0\.99": expected a number from 0 to 0\.95/],
            [{ "--spot-discount": "-0.1" }, /--spot-discount "-0\.1"/],
            [{ "--nat-gb": "lots" }, /--nat-gb "lots": expected a number from 0 up/],
            [{ "--lcu": "" }, /--lcu ""/],
            [{ "--ecr-images": "2.5" }, /--ecr-images "2\.5": expected a whole number from 0 up/],
            [
                { "--log-gb": "kubelet=1" },
                /--log-gb "kubelet=1": expected type=GB pairs .* api, audit, authenticator, controllerManager, scheduler/,
            ],
            [{ "--log-gb": "audit" }, /--log-gb "audit": expected type=GB pairs/],
            [{ "--log-gb": "audit=1=2" }, /--log-gb "audit=1=2"/],
            [{ "--log-gb": "audit=-1" }, /--log-gb "-1": expected a number from 0 up/],
        ];
        for (const [options, message] of cases)
            assert.throws(
                () => withOverrides(options),
                (e: Error) => e instanceof OptionError && message.test(e.message),
            );
    });
});

describe("cost: the printed estimate", () => {
    const e = estimateOf([cluster, key, nat]);

    it("prints one line for the offline plan", () => {
        assert.equal(
            describeEstimate(e),
            "Estimated cost: $110.00/month ($0.1507/h) expected, $110.00 at min and $110.00 at max; eu-west-1 list prices of 2026-12-01 (npm run cost -- t for the items)",
        );
        const unknown = estimateOf([cluster, resource("aws:rds/instance:Instance", "db")]);
        assert.match(describeEstimate(unknown), /; 1 billable item\(s\) unpriced \(npm run cost -- t for the items\)$/);
    });

    it("prints a table of items with quantity, unit price, monthly min/expected/max and assumption, then the totals", () => {
        const text = renderEstimate(e);
        const lines = text.split("\n");
        assert.equal(
            lines[0],
            'Estimated cost of stack "t" in eu-west-1: USD, on-demand list prices of 2026-12-01; 730 hours a month; min/expected/max node counts',
        );
        assert.match(lines[2], /^item +quantity +unit price +monthly min +expected +max +assumption$/);
        assert.match(
            lines[3],
            /^eks: EKS control plane \(Kubernetes 1\.35, standard support\) +1 +\$0\.10\/cluster-hour +\$73\.00 +\$73\.00 +\$73\.00 +Kubernetes 1\.35 is in standard support until 2027-03-27/,
        );
        assert.match(
            text,
            /^nat: NAT gateway data processing +20 +\$0\.048\/GB +\$0\.96 +\$0\.96 +\$0\.96 +20 GB a month/m,
        );
        assert.match(
            text,
            /^Total: \$110\.00\/month, \$0\.1507\/h expected; min \$110\.00\/month \(\$0\.1507\/h\); max \$110\.00\/month \(\$0\.1507\/h\)$/m,
        );
        assert.match(text, /^Not priced:\n {2}not modelled: KMS requests: /m);
        assert.match(
            renderEstimate(estimateOf([cluster], { at: "2027-01-01" })).split("\n")[0],
            /, support dates judged at 2027-01-01;/,
        );
    });

    it("writes unit prices with cents at least and every digit they have", () => {
        assert.deepEqual([0.1, 0.03648, 1, 0.088, 0.0252, 12.7008].map(unitPrice), [
            "$0.10",
            "$0.03648",
            "$1.00",
            "$0.088",
            "$0.0252",
            "$12.7008",
        ]);
    });

    it("prints quantities that vary as min/expected/max, and SPOT items with their on-demand figure", () => {
        const lt = resource("aws:ec2/launchTemplate:LaunchTemplate", "lt", {});
        const group = resource(
            "eks:index:ManagedNodeGroup",
            "ng",
            {
                instanceTypes: ["t3.large"],
                capacityType: "SPOT",
                scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 4 },
            },
            { propertyDependencies: { launchTemplate: [lt.urn] } },
        );
        const text = renderEstimate(estimateOf([lt, group]));
        assert.match(
            text,
            /^ng: nodes: t3\.large SPOT +1\/2\/4 +\$0\.03648\/instance-hour +\$26\.63 +\$53\.26 +\$106\.52 +on-demand \$133\.15\/month expected; /m,
        );
        assert.match(
            text,
            /^At on-demand prices \(no SPOT discount\): \$133\.15\/month, \$0\.1824\/h expected; min \$66\.58, max \$266\.30$/m,
        );
    });

    it("prints JSON with the issue's fields first, in its order", () => {
        const json = JSON.parse(estimateJson(e));
        assert.deepEqual(Object.keys(json), [
            "stack",
            "region",
            "currency",
            "priceTableDate",
            "hourly",
            "monthly",
            "items",
            "unpriced",
            "at",
            "assumptions",
        ]);
        assert.deepEqual(Object.keys(json.items[0]), [
            "resource",
            "type",
            "description",
            "quantity",
            "unit",
            "unitPrice",
            "monthly",
            "assumption",
        ]);
        assert.deepEqual(json.items[0].quantity, { min: 1, expected: 1, max: 1 });
    });
});

describe("cost: the command line", () => {
    it("reads the stack, --json, --at and the assumption options", () => {
        assert.deepEqual(parseCostArgs(["dev"]), {
            stack: "dev",
            json: false,
            assumptions: DEFAULT_ASSUMPTIONS,
            flags: {},
        });
        // A review stack without its stack file, as npm run plan takes it.
        assert.deepEqual(parseCostArgs(["eph-a", "--public", "--source-ranges", "203.0.113.0/24", "--json"]).flags, {
            public: true,
            sourceRanges: ["203.0.113.0/24"],
        });
        const parsed = parseCostArgs(["prod", "--json", "--at", "2027-04-01", "--nat-gb", "50", "--log-gb", "audit=3"]);
        assert.equal(parsed.stack, "prod");
        assert.equal(parsed.json, true);
        assert.equal(parsed.at, "2027-04-01");
        assert.equal(parsed.assumptions.natGbPerGatewayMonth, 50);
        assert.equal(parsed.assumptions.controlPlaneLogGbPerMonth.audit, 3);
    });

    it("refuses anything else with the usage", () => {
        for (const [argv, message] of [
            [[], /^usage: npm run cost -- <stack>/],
            [["dev", "prod"], /^usage:/],
            [["dev", "--at"], /^--at needs a value/],
            [["dev", "--at", "--json"], /^--at needs a value/],
            [["dev", "--at", "tomorrow"], /^--at "tomorrow": expected a date, YYYY-MM-DD/],
            [["dev", "--lcu", "x"], /^--lcu "x"/],
            [["dev", "--cheap"], /^Unknown option --cheap\. usage:/],
            [["eph-a", "--placement", "x"], /^--placement "x": shared or cluster\. usage: npm run cost -- <stack>/],
        ] as [string[], RegExp][])
            assert.throws(
                () => parseCostArgs(argv),
                (e: Error) => e instanceof OptionError && message.test(e.message),
                argv.join(" "),
            );
    });
});
