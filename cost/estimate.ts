// The estimate: a pure function of the records the program registers (the same ones the offline plan
// writes), the pinned price table and the stated assumptions; for a stack on the host's cluster, of
// the host's nodes too (dev's stack file unless given). Every builder turns records into lines; this
// file prices them in the stack's region, or in none: a region the table lacks is an
// "unknown region", never another region's prices.
import type { RecordedResource } from "../testing/engine";
import { Assumptions, DEFAULT_ASSUMPTIONS, OptionError } from "./assumptions";
import { controlPlaneLogs, controlPlanes, kmsKeys } from "./control-plane";
import { uncoveredTypes } from "./coverage";
import { devHostNodes, hostedBasis, hostedPods, HostNodes, isHosted } from "./hosted";
import { repositories } from "./images";
import { CostItem, isHourly, Line, merged, Range, scopeOf, Unpriced } from "./model";
import { elasticIps, loadBalancers, natGateways, networkNotModelled } from "./network";
import { nodeGroups } from "./nodes";
import { flatPrice, isIsoDate, PriceTable, RegionPrices } from "./table";
import { objectVolumes, releaseVolumes } from "./volumes";

export interface Estimate {
    readonly stack: string;
    readonly region: string;
    readonly currency: "USD";
    readonly priceTableDate: string;
    /** The date support phases were judged at: the table's, or --at. */
    readonly at: string;
    /** Null in an unknown region. */
    readonly hourly: Range | null;
    readonly monthly: Range | null;
    /** With SPOT nodes: the same stack at on-demand prices. */
    readonly onDemandHourly?: Range;
    readonly onDemandMonthly?: Range;
    readonly items: CostItem[];
    readonly unpriced: Unpriced[];
    readonly assumptions: Assumptions;
    /** A stack on the host's cluster: what it is priced as (its pods' share of the host's nodes, or nothing). */
    readonly basis?: string;
}

export interface EstimateOptions {
    /** YYYY-MM-DD. @default the price table's date */
    readonly at?: string;
    /** @default DEFAULT_ASSUMPTIONS */
    readonly assumptions?: Assumptions;
    /** The host's nodes a stack without its own prices its pods on. @default dev's (Pulumi.dev.yaml), read only for such a stack */
    readonly host?: HostNodes;
}

export interface Records {
    readonly stack: string;
    readonly resources: readonly RecordedResource[];
    /** The CLI's config; its aws:region counts only when no AWS provider is recorded. */
    readonly config?: Readonly<Record<string, string>>;
}

export const round = (n: number, places: number): number => {
    const factor = 10 ** places;
    return Math.round((n + Number.EPSILON) * factor) / factor;
};
const rounded = (r: Range, places: number): Range => ({
    min: round(r.min, places),
    expected: round(r.expected, places),
    max: round(r.max, places),
});

/** The region of the stack's AWS providers; several at once are priced as none. */
export function regionOf(records: Records): string {
    const regions = [
        ...new Set(
            records.resources
                .filter((r) => r.type === "pulumi:providers:aws" && r.inputs.region)
                .map((r) => String(r.inputs.region)),
        ),
    ].sort();
    if (regions.length > 0) return regions.join(",");
    return records.config?.["aws:region"] ?? "(none)";
}

/** The unit price of a line in a region, or undefined when the table lacks it. */
function onDemandPrice(prices: RegionPrices, line: Line): number | undefined {
    if ("instanceType" in line.price) return prices.ec2.instanceHour[line.price.instanceType];
    return flatPrice(prices, line.price)?.usd;
}

function priced(line: Line, unitPrice: number, hoursPerMonth: number): CostItem {
    const months = (price: number): Range => {
        const perMonth = price * (isHourly(line.unit) ? hoursPerMonth : 1);
        return rounded(
            {
                min: line.quantity.min * perMonth,
                expected: line.quantity.expected * perMonth,
                max: line.quantity.max * perMonth,
            },
            2,
        );
    };
    const effective = round(unitPrice * (1 - (line.spotDiscount ?? 0)), 6);
    return {
        resource: line.resource,
        type: line.type,
        description: line.description,
        quantity: rounded(line.quantity, 4),
        unit: line.unit,
        unitPrice: effective,
        monthly: months(effective),
        ...(line.spotDiscount !== undefined ? { onDemandMonthly: months(unitPrice) } : {}),
        ...(line.assumption !== undefined ? { assumption: line.assumption } : {}),
    };
}

const sum = (ranges: Range[]): Range =>
    rounded(
        ranges.reduce((a, b) => ({ min: a.min + b.min, expected: a.expected + b.expected, max: a.max + b.max }), {
            min: 0,
            expected: 0,
            max: 0,
        }),
        2,
    );

export function estimate(records: Records, table: PriceTable, options: EstimateOptions = {}): Estimate {
    const at = options.at ?? table.date;
    if (!isIsoDate(at)) throw new OptionError(`--at ${JSON.stringify(at)}: expected a date, YYYY-MM-DD`);
    const assumptions = options.assumptions ?? DEFAULT_ASSUMPTIONS;
    const scope = scopeOf(records.resources, table, assumptions, at);
    const host = options.host ?? (isHosted(records.resources) ? devHostNodes() : undefined);
    const basis = hostedBasis(records.stack, scope, host);
    const found = merged(
        hostedPods(scope, host),
        controlPlanes(scope),
        nodeGroups(scope),
        natGateways(scope),
        elasticIps(scope),
        loadBalancers(scope),
        releaseVolumes(scope),
        objectVolumes(scope),
        controlPlaneLogs(scope),
        kmsKeys(scope),
        repositories(scope),
    );
    const unknownTypes = uncoveredTypes(scope);
    const notModelled: Unpriced[] = [
        ...networkNotModelled(scope),
        {
            description: "AWS Free Tier allowances",
            reason: "none is subtracted (logs, metrics, public IPv4 hours on new accounts)",
            kind: "not modelled",
        },
    ];
    const region = regionOf(records);
    const prices = table.regions[region];
    const base = {
        stack: records.stack,
        region,
        currency: "USD" as const,
        priceTableDate: table.date,
        at,
        assumptions,
        ...(basis ? { basis } : {}),
    };
    if (!prices) {
        const reason = `unknown region ${region}: the price table of ${table.date} has ${Object.keys(table.regions).sort().join(", ")}`;
        return {
            ...base,
            hourly: null,
            monthly: null,
            items: [],
            unpriced: [
                ...found.lines.map((l): Unpriced => ({
                    resource: l.resource,
                    type: l.type,
                    description: l.description,
                    reason,
                    kind: "unknown region",
                })),
                ...found.unpriced,
                ...unknownTypes,
                ...notModelled,
            ],
        };
    }
    const items: CostItem[] = [];
    const missing: Unpriced[] = [];
    for (const line of found.lines) {
        const price = onDemandPrice(prices, line);
        if (price === undefined) {
            missing.push({
                resource: line.resource,
                type: line.type,
                description: line.description,
                reason: `the price table has no ${region} price for ${"instanceType" in line.price ? line.price.instanceType : line.price.join(".")}`,
                kind: "unknown",
            });
        } else {
            items.push(priced(line, price, table.hoursPerMonth));
        }
    }
    const monthly = sum(items.map((i) => i.monthly));
    const perHour = (r: Range): Range =>
        rounded(
            {
                min: r.min / table.hoursPerMonth,
                expected: r.expected / table.hoursPerMonth,
                max: r.max / table.hoursPerMonth,
            },
            4,
        );
    const spot = items.some((i) => i.onDemandMonthly !== undefined);
    const onDemandMonthly = spot ? sum(items.map((i) => i.onDemandMonthly ?? i.monthly)) : undefined;
    return {
        ...base,
        hourly: perHour(monthly),
        monthly,
        ...(onDemandMonthly ? { onDemandHourly: perHour(onDemandMonthly), onDemandMonthly } : {}),
        items,
        unpriced: [...found.unpriced, ...missing, ...unknownTypes, ...notModelled],
    };
}
