// cost/prices.json and cost/table.ts: the pinned price table is complete for every instance type the
// config allows, internally consistent, dated and sourced, and a broken one is refused.
import * as assert from "node:assert/strict";
import { INSTANCE_TYPES } from "../config/instance-types";
import { SUPPORTED_KUBERNETES_VERSIONS } from "../config/cluster";
import { isIsoDate, loadPriceTable, PriceTable, tableProblems } from "../cost/table";

const TABLE = loadPriceTable();
const REGIONS = ["us-east-1", "eu-west-1"];
/** Size multiples of .large within a family, as EC2 prices them. */
const MULTIPLE: Record<string, number> = {
    nano: 1 / 16,
    micro: 1 / 8,
    small: 1 / 4,
    medium: 1 / 2,
    large: 1,
    xlarge: 2,
};
const multipleOf = (size: string): number => MULTIPLE[size] ?? 2 * Number(size.replace("xlarge", ""));
const clone = (): any => JSON.parse(JSON.stringify(TABLE));

describe("cost: the price table", () => {
    it("is dated 2026-12-01, in USD, with 730 hours a month, and says it was transcribed and how to refresh it", () => {
        assert.equal(TABLE.date, "2026-12-01");
        assert.equal(TABLE.currency, "USD");
        assert.equal(TABLE.hoursPerMonth, 730);
        assert.match(TABLE.provenance, /transcribed by hand .* not fetched/);
        assert.match(TABLE.refresh, /^https:\/\/pricing\.us-east-1\.amazonaws\.com\/offers\/v1\.0\/aws\/index\.json/);
        assert.deepEqual(tableProblems(TABLE), []);
    });

    it("prices every instance type the config allows in both regions, and nothing else", () => {
        for (const region of REGIONS) {
            assert.deepEqual(
                Object.keys(TABLE.regions[region].ec2.instanceHour).sort(),
                Object.keys(INSTANCE_TYPES).sort(),
                region,
            );
        }
    });

    it("prices each size as its family's .large times the size's multiple", () => {
        for (const region of REGIONS) {
            const prices = TABLE.regions[region].ec2.instanceHour;
            for (const [type, usd] of Object.entries(prices)) {
                const [family, size] = type.split(".");
                const large = prices[`${family}.large`];
                assert.ok(Math.abs(usd - large * multipleOf(size)) < 1e-6, `${region} ${type}: ${usd}`);
            }
        }
    });

    it("holds the published .large anchors", () => {
        const anchors: Record<string, Record<string, number>> = {
            "us-east-1": {
                "t3.large": 0.0832,
                "t3a.large": 0.0752,
                "m5.large": 0.096,
                "m5a.large": 0.086,
                "m6i.large": 0.096,
                "m6a.large": 0.0864,
                "m7i.large": 0.1008,
                "m7a.large": 0.11592,
                "c5.large": 0.085,
                "c5a.large": 0.077,
                "c6i.large": 0.085,
                "c6a.large": 0.0765,
                "c7i.large": 0.08925,
                "c7a.large": 0.10264,
                "r5.large": 0.126,
                "r6i.large": 0.126,
                "r6a.large": 0.1134,
                "r7i.large": 0.1323,
                // Spot-checks of the size arithmetic against the on-demand page.
                "t3.nano": 0.0052,
                "t3.medium": 0.0416,
                "c5.9xlarge": 1.53,
                "m7a.medium": 0.05796,
                "r7i.48xlarge": 12.7008,
            },
            "eu-west-1": {
                "t3.large": 0.0912,
                "t3a.large": 0.0816,
                "m5.large": 0.107,
                "m5a.large": 0.096,
                "m6i.large": 0.107,
                "m6a.large": 0.0963,
                "m7i.large": 0.1124,
                "c5.large": 0.096,
                "c6i.large": 0.096,
                "r5.large": 0.141,
                "r6i.large": 0.141,
                "t3.nano": 0.0057,
                "t3.medium": 0.0456,
            },
        };
        for (const [region, prices] of Object.entries(anchors))
            for (const [type, usd] of Object.entries(prices))
                assert.equal(TABLE.regions[region].ec2.instanceHour[type], usd, `${region} ${type}`);
    });

    it("derives eu-west-1's remaining families from us-east-1 by a sibling family's ratio, and says so", () => {
        const eu = TABLE.regions["eu-west-1"].ec2;
        const us = TABLE.regions["us-east-1"].ec2.instanceHour;
        const ratio = (family: string) => eu.instanceHour[`${family}.large`] / us[`${family}.large`];
        const siblings: Record<string, string> = {
            c5a: "c5",
            c6a: "c5",
            c7i: "c5",
            c7a: "c5",
            m7a: "m6a",
            r6a: "r5",
            r7i: "r5",
        };
        assert.deepEqual(Object.keys(eu.derived ?? {}).sort(), Object.keys(siblings).sort());
        assert.equal(ratio("c5"), ratio("c6i"));
        assert.equal(ratio("r5"), ratio("r6i"));
        for (const [family, sibling] of Object.entries(siblings)) {
            const derived = Math.round(us[`${family}.large`] * ratio(sibling) * 1e4) / 1e4;
            // To 4 places: 0.14805 may round either way in floating point.
            assert.ok(Math.abs(eu.instanceHour[`${family}.large`] - derived) < 0.00011, family);
            assert.match(eu.derived![family], /^derived: /);
        }
        assert.equal(TABLE.regions["us-east-1"].ec2.derived, undefined, "us-east-1 is transcribed whole");
    });

    it("holds the flat prices of both regions with their sources", () => {
        const flat = (region: string) => {
            const r = TABLE.regions[region];
            return [
                r.eks.clusterHour,
                r.eks.extendedSupportClusterHour,
                r.ec2DetailedMonitoring.metricMonth,
                r.ebs.gp3GbMonth,
                r.natGateway.hour,
                r.natGateway.gb,
                r.nlb.hour,
                r.nlb.lcuHour,
                r.publicIpv4.addressHour,
                r.cloudwatchLogs.ingestionGb,
                r.cloudwatchLogs.storageGbMonth,
                r.kms.keyMonth,
                r.ecr.storageGbMonth,
            ].map((p) => [p.usd, p.source.replace("https://aws.amazon.com/", "")]);
        };
        const sources = [
            "eks/pricing/",
            "eks/pricing/",
            "cloudwatch/pricing/",
            "ebs/pricing/",
            "vpc/pricing/",
            "vpc/pricing/",
            "elasticloadbalancing/pricing/",
            "elasticloadbalancing/pricing/",
            "vpc/pricing/",
            "cloudwatch/pricing/",
            "cloudwatch/pricing/",
            "kms/pricing/",
            "ecr/pricing/",
        ];
        const withSources = (prices: number[]) => prices.map((usd, i) => [usd, sources[i]]);
        assert.deepEqual(
            flat("us-east-1"),
            withSources([0.1, 0.6, 0.3, 0.08, 0.045, 0.045, 0.0225, 0.006, 0.005, 0.5, 0.03, 1, 0.1]),
        );
        assert.deepEqual(
            flat("eu-west-1"),
            withSources([0.1, 0.6, 0.3, 0.088, 0.048, 0.048, 0.0252, 0.006, 0.005, 0.57, 0.03, 1, 0.1]),
        );
        for (const region of REGIONS)
            assert.equal(TABLE.regions[region].ec2.source, "https://aws.amazon.com/ec2/pricing/on-demand/");
    });

    it("dates every Kubernetes minor the config supports: 14 months of standard support, then 12 of extended", () => {
        const months = (date: string, n: number) => {
            const d = new Date(`${date}T00:00:00Z`);
            d.setUTCMonth(d.getUTCMonth() + n);
            return d.toISOString().slice(0, 10);
        };
        assert.deepEqual(Object.keys(TABLE.kubernetesVersions).sort(), [...SUPPORTED_KUBERNETES_VERSIONS].sort());
        for (const [version, dates] of Object.entries(TABLE.kubernetesVersions)) {
            assert.equal(dates.endOfStandardSupport, months(dates.release, 14), version);
            assert.equal(dates.endOfExtendedSupport, months(dates.endOfStandardSupport, 12), version);
            assert.equal(dates.source, "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html");
        }
        assert.deepEqual(
            Object.fromEntries(Object.entries(TABLE.kubernetesVersions).map(([v, d]) => [v, d.endOfStandardSupport])),
            { "1.34": "2026-12-02", "1.35": "2027-03-27", "1.36": "2027-08-02" },
        );
    });

    it("tells calendar days from look-alikes", () => {
        for (const good of ["2026-12-01", "2028-02-29"]) assert.ok(isIsoDate(good), good);
        for (const bad of ["2026-02-30", "2026-13-01", "2026-1-01", "20261201", "", undefined, 20261201])
            assert.ok(!isIsoDate(bad), String(bad));
    });

    it("refuses a table with a bad price, source, date, currency, month or region, listing every problem", () => {
        const broken = clone();
        broken.date = "1 December 2026";
        broken.currency = "EUR";
        broken.hoursPerMonth = 720;
        broken.regions["eu-west-1"].nlb.hour.usd = 0;
        broken.regions["eu-west-1"].kms.keyMonth.source = "http://example.com";
        broken.regions["us-east-1"].ec2.instanceHour["t3.large"] = "0.0832";
        broken.regions["us-east-1"].ec2.source = "";
        broken.kubernetesVersions["1.35"].endOfStandardSupport = "2027-03-32";
        broken.kubernetesVersions["1.36"].endOfExtendedSupport = "2027-01-01";
        assert.deepEqual(tableProblems(broken as PriceTable), [
            'date: "1 December 2026" is not YYYY-MM-DD',
            'currency: "EUR", not USD',
            "hoursPerMonth: 720, not 730",
            'kubernetesVersions.1.35.endOfStandardSupport: "2027-03-32" is not YYYY-MM-DD',
            "kubernetesVersions.1.36: release, end of standard and end of extended support out of order",
            'us-east-1.ec2: source "" is not a public https URL',
            'us-east-1.ec2.instanceHour.t3.large: "0.0832" is not a positive price',
            "eu-west-1.nlb.hour: 0 is not a positive price",
            'eu-west-1.kms.keyMonth: source "http://example.com" is not a public https URL',
        ]);
        const empty = clone();
        empty.regions = {};
        assert.deepEqual(tableProblems(empty as PriceTable), ["regions: none"]);
        const noTypes = clone();
        noTypes.regions["eu-west-1"].ec2.instanceHour = {};
        assert.deepEqual(tableProblems(noTypes as PriceTable), ["eu-west-1.ec2.instanceHour: no instance types"]);
    });
});
