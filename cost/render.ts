// The estimate for people: a table of the items with their assumptions, the totals, and what is not
// priced; one line for the offline plan and `stack create`; and the JSON `npm run cost -- --json` prints.
import type { Estimate } from "./estimate";
import { formatNumber, Range } from "./model";

export const usd = (n: number): string => `$${n.toFixed(2)}`;
export const usdPerHour = (n: number): string => `$${n.toFixed(4)}`;
/** A unit price as the pricing pages write it: cents at least, and every digit it has ("$0.10", "$0.03648"). */
export const unitPrice = (n: number): string => `$${n.toFixed(6).replace(/(\.\d\d\d*?)0+$/, "$1")}`;
const quantity = (r: Range): string =>
    r.min === r.expected && r.expected === r.max
        ? formatNumber(r.expected)
        : `${formatNumber(r.min)}/${formatNumber(r.expected)}/${formatNumber(r.max)}`;

/** Columns padded to their widest cell; the last column is left ragged. */
function columns(rows: string[][]): string[] {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    return rows.map((row) =>
        row
            .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
            .join("  ")
            .trimEnd(),
    );
}

/** "$214.44/month ($0.2937/h) expected, $185.34 at min and $301.31 at max" */
export function describeTotals(estimate: Estimate): string {
    if (!estimate.monthly || !estimate.hourly) return `unknown region ${estimate.region}`;
    const { monthly, hourly } = estimate;
    return `${usd(monthly.expected)}/month (${usdPerHour(hourly.expected)}/h) expected, ${usd(monthly.min)} at min and ${usd(monthly.max)} at max`;
}

const unknownCount = (estimate: Estimate): number => estimate.unpriced.filter((u) => u.kind === "unknown").length;

/** The offline plan's line. */
export function describeEstimate(estimate: Estimate): string {
    const unknown = unknownCount(estimate);
    const where = estimate.monthly
        ? `${estimate.region} list prices of ${estimate.priceTableDate}`
        : `the price table of ${estimate.priceTableDate} has no prices for it`;
    return `Estimated cost: ${describeTotals(estimate)}; ${where}${estimate.basis ? `; ${estimate.basis}` : ""}${unknown > 0 ? `; ${unknown} billable item(s) unpriced` : ""} (npm run cost -- ${estimate.stack} for the items)`;
}

export function renderEstimate(estimate: Estimate): string {
    const lines: string[] = [
        `Estimated cost of stack "${estimate.stack}" in ${estimate.region}: ${estimate.currency}, on-demand list prices of ${estimate.priceTableDate}` +
            `${estimate.at !== estimate.priceTableDate ? `, support dates judged at ${estimate.at}` : ""}; 730 hours a month; min/expected/max node counts`,
        "",
    ];
    if (estimate.items.length > 0) {
        lines.push(
            ...columns([
                ["item", "quantity", "unit price", "monthly min", "expected", "max", "assumption"],
                ...estimate.items.map((item) => [
                    `${item.resource}: ${item.description}`,
                    quantity(item.quantity),
                    `${unitPrice(item.unitPrice)}/${item.unit}`,
                    usd(item.monthly.min),
                    usd(item.monthly.expected),
                    usd(item.monthly.max),
                    [
                        item.onDemandMonthly ? `on-demand ${usd(item.onDemandMonthly.expected)}/month expected` : "",
                        item.assumption ?? "",
                    ]
                        .filter(Boolean)
                        .join("; "),
                ]),
            ]),
            "",
        );
    }
    if (estimate.monthly && estimate.hourly) {
        const { monthly, hourly } = estimate;
        lines.push(
            `Total: ${usd(monthly.expected)}/month, ${usdPerHour(hourly.expected)}/h expected; min ${usd(monthly.min)}/month (${usdPerHour(hourly.min)}/h); max ${usd(monthly.max)}/month (${usdPerHour(hourly.max)}/h)`,
        );
        if (estimate.onDemandMonthly && estimate.onDemandHourly)
            lines.push(
                `At on-demand prices (no SPOT discount): ${usd(estimate.onDemandMonthly.expected)}/month, ${usdPerHour(estimate.onDemandHourly.expected)}/h expected; min ${usd(estimate.onDemandMonthly.min)}, max ${usd(estimate.onDemandMonthly.max)}`,
            );
    } else {
        lines.push(`Total: unknown region ${estimate.region}: the price table has no prices for it; nothing is priced`);
    }
    if (estimate.basis) lines.push(`Basis: ${estimate.basis}.`);
    if (estimate.unpriced.length > 0) {
        lines.push("", "Not priced:");
        for (const u of estimate.unpriced)
            lines.push(`  ${u.kind}: ${u.resource ? `${u.resource}: ` : ""}${u.description}: ${u.reason}`);
    }
    return lines.join("\n");
}

/**
 * The JSON form, every figure in USD: the issue's fields first in its order, then the date support
 * was judged at, the on-demand totals of a stack with SPOT nodes, and the assumptions used.
 */
export function estimateJson(estimate: Estimate): string {
    const { stack, region, currency, priceTableDate, hourly, monthly, items, unpriced, ...rest } = estimate;
    const ordered = { stack, region, currency, priceTableDate, hourly, monthly, items, unpriced, ...rest };
    return `${JSON.stringify(ordered, null, 2)}\n`;
}
