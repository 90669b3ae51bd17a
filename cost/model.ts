// The estimate's vocabulary: what the builders find in the records (lines, still unpriced) and what
// the estimate reports (items with their prices, and what it could not or does not price).
import type { RecordedResource } from "../testing/engine";
import type { Assumptions } from "./assumptions";
import type { PriceRef, PriceTable } from "./table";

/** A figure at the stack's smallest, expected (desired node counts) and largest size. */
export interface Range {
    readonly min: number;
    readonly expected: number;
    readonly max: number;
}

export const fixed = (n: number): Range => ({ min: n, expected: n, max: n });
export const scaled = (range: Range, by: number): Range => ({
    min: range.min * by,
    expected: range.expected * by,
    max: range.max * by,
});
export const added = (a: Range, b: Range): Range => ({
    min: a.min + b.min,
    expected: a.expected + b.expected,
    max: a.max + b.max,
});
export const ZERO: Range = fixed(0);

/**
 * Units ending in "-hour" are billed per hour: the quantity is how many run at once, and a month
 * is 730 of them. Any other unit ("GB", "GB-month", "key-month") is billed per month: the
 * quantity is the month's.
 */
export const isHourly = (unit: string): boolean => unit.endsWith("-hour");

/** One billable thing a builder found, before the region's prices are applied. */
export interface Line {
    /** The recorded resource it belongs to (its name) and that resource's Pulumi type. */
    readonly resource: string;
    readonly type: string;
    readonly description: string;
    readonly quantity: Range;
    readonly unit: string;
    /** A flat price, or an EC2 instance type's hourly price. */
    readonly price: PriceRef | { readonly instanceType: string };
    /** SPOT capacity: the fraction below the on-demand price it is assumed to cost. */
    readonly spotDiscount?: number;
    readonly assumption?: string;
}

export interface CostItem {
    readonly resource: string;
    readonly type: string;
    readonly description: string;
    readonly quantity: Range;
    readonly unit: string;
    readonly unitPrice: number;
    readonly monthly: Range;
    /** SPOT items: the same quantity at the on-demand price. */
    readonly onDemandMonthly?: Range;
    readonly assumption?: string;
}

/**
 * - "not modelled": a charge the estimate leaves out on purpose, stated (data transfer, requests);
 * - "unknown": something billable it cannot price (a type, chart, claim or load balancer it does not
 *   know, a price the table lacks): the coverage tests fail on any;
 * - "unknown region": the table has no prices for the stack's region.
 */
export type UnpricedKind = "not modelled" | "unknown" | "unknown region";

export interface Unpriced {
    readonly resource?: string;
    readonly type?: string;
    readonly description: string;
    readonly reason: string;
    readonly kind: UnpricedKind;
}

export interface Findings {
    readonly lines: Line[];
    readonly unpriced: Unpriced[];
}

export const findings = (lines: Line[] = [], unpriced: Unpriced[] = []): Findings => ({ lines, unpriced });

export function merged(...all: Findings[]): Findings {
    return { lines: all.flatMap((f) => f.lines), unpriced: all.flatMap((f) => f.unpriced) };
}

/** What every builder reads: the records and the stated assumptions; the date support phases are judged at. */
export interface Scope {
    readonly resources: readonly RecordedResource[];
    readonly byUrn: ReadonlyMap<string, RecordedResource>;
    readonly assumptions: Assumptions;
    readonly table: PriceTable;
    /** YYYY-MM-DD: the table's date unless --at says otherwise; never the clock. */
    readonly at: string;
}

export function scopeOf(
    resources: readonly RecordedResource[],
    table: PriceTable,
    assumptions: Assumptions,
    at: string,
): Scope {
    return { resources, byUrn: new Map(resources.map((r) => [r.urn, r])), assumptions, table, at };
}

export const ofType = (scope: Scope, type: string): RecordedResource[] =>
    scope.resources.filter((r) => r.type === type).sort((a, b) => a.urn.localeCompare(b.urn));

/** The recorded resources an input of `r` came from (its property dependencies), of one type. */
export function inputFrom(scope: Scope, r: RecordedResource, input: string, type: string): RecordedResource[] {
    return (r.propertyDependencies?.[input] ?? [])
        .map((urn) => scope.byUrn.get(urn))
        .filter((d): d is RecordedResource => d !== undefined && d.type === type);
}

/** "1.5" for 1.5, "2" for 2.0: quantities as people write them. */
export function formatNumber(n: number, places = 4): string {
    return String(Number(n.toFixed(places)));
}
