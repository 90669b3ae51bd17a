// The pinned price table (cost/prices.json): what each price is, where it came from, and a check
// that refuses a table with a price that is not a positive number or has no public source. The
// estimate reads prices only through here, so a region the table lacks is never priced at another's.
import pricesJson from "./prices.json";

export interface Price {
    readonly usd: number;
    /** The public page the price was transcribed from. */
    readonly source: string;
    readonly note?: string;
}

export interface RegionPrices {
    readonly eks: { readonly clusterHour: Price; readonly extendedSupportClusterHour: Price };
    readonly ec2: {
        readonly source: string;
        readonly note: string;
        /** Families whose prices were derived, not transcribed, and how. */
        readonly derived?: Readonly<Record<string, string>>;
        /** Linux on-demand USD per instance-hour, by type. */
        readonly instanceHour: Readonly<Record<string, number>>;
    };
    readonly ec2DetailedMonitoring: { readonly metricMonth: Price };
    readonly ebs: { readonly gp3GbMonth: Price };
    readonly natGateway: { readonly hour: Price; readonly gb: Price };
    readonly nlb: { readonly hour: Price; readonly lcuHour: Price };
    readonly publicIpv4: { readonly addressHour: Price };
    readonly cloudwatchLogs: { readonly ingestionGb: Price; readonly storageGbMonth: Price };
    readonly kms: { readonly keyMonth: Price };
    readonly ecr: { readonly storageGbMonth: Price };
}

/** An EKS minor's support calendar (YYYY-MM-DD, UTC): extended support is billed from endOfStandardSupport. */
export interface KubernetesVersionDates {
    readonly release: string;
    readonly endOfStandardSupport: string;
    readonly endOfExtendedSupport: string;
    readonly source: string;
    readonly note?: string;
}

export interface PriceTable {
    /** The day the prices were read (YYYY-MM-DD): the date support phases are judged at unless told otherwise. */
    readonly date: string;
    readonly currency: "USD";
    readonly hoursPerMonth: number;
    readonly provenance: string;
    readonly refresh: string;
    readonly kubernetesVersions: Readonly<Record<string, KubernetesVersionDates>>;
    readonly regions: Readonly<Record<string, RegionPrices>>;
}

type FlatService = Exclude<keyof RegionPrices, "ec2">;
/** A flat price's service and name in a region's table, e.g. ["natGateway", "hour"]. */
export type PriceRef = { readonly [S in FlatService]: readonly [S, keyof RegionPrices[S] & string] }[FlatService];

export function flatPrice(prices: RegionPrices, [service, name]: PriceRef): Price {
    return (prices[service] as unknown as Record<string, Price>)[name];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar day written YYYY-MM-DD ("2026-02-30" is not one). */
export function isIsoDate(value: unknown): value is string {
    if (typeof value !== "string" || !DATE.test(value)) return false;
    const time = Date.parse(`${value}T00:00:00Z`);
    return Number.isFinite(time) && new Date(time).toISOString().slice(0, 10) === value;
}

/** Every problem with a table, so one run lists them all; empty when it is fit to price with. */
export function tableProblems(table: PriceTable): string[] {
    const problems: string[] = [];
    const price = (where: string, value: unknown) => {
        if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
            problems.push(`${where}: ${JSON.stringify(value)} is not a positive price`);
    };
    const source = (where: string, value: unknown) => {
        if (typeof value !== "string" || !/^https:\/\/\S+$/.test(value))
            problems.push(`${where}: source ${JSON.stringify(value)} is not a public https URL`);
    };
    if (!isIsoDate(table.date)) problems.push(`date: ${JSON.stringify(table.date)} is not YYYY-MM-DD`);
    if (table.currency !== "USD") problems.push(`currency: ${JSON.stringify(table.currency)}, not USD`);
    if (table.hoursPerMonth !== 730) problems.push(`hoursPerMonth: ${table.hoursPerMonth}, not 730`);
    for (const [version, dates] of Object.entries(table.kubernetesVersions)) {
        for (const key of ["release", "endOfStandardSupport", "endOfExtendedSupport"] as const)
            if (!isIsoDate(dates[key]))
                problems.push(`kubernetesVersions.${version}.${key}: ${JSON.stringify(dates[key])} is not YYYY-MM-DD`);
        if (!(dates.release < dates.endOfStandardSupport && dates.endOfStandardSupport < dates.endOfExtendedSupport))
            problems.push(
                `kubernetesVersions.${version}: release, end of standard and end of extended support out of order`,
            );
        source(`kubernetesVersions.${version}`, dates.source);
    }
    if (Object.keys(table.regions).length === 0) problems.push("regions: none");
    for (const [region, prices] of Object.entries(table.regions)) {
        for (const [service, entries] of Object.entries(prices) as [string, Record<string, any>][]) {
            if (service === "ec2") {
                source(`${region}.ec2`, entries.source);
                const types = Object.entries(entries.instanceHour ?? {});
                if (types.length === 0) problems.push(`${region}.ec2.instanceHour: no instance types`);
                for (const [type, usd] of types) price(`${region}.ec2.instanceHour.${type}`, usd);
                continue;
            }
            for (const [name, entry] of Object.entries(entries)) {
                price(`${region}.${service}.${name}`, entry?.usd);
                source(`${region}.${service}.${name}`, entry?.source);
            }
        }
    }
    return problems;
}

/** The repository's table, checked once: a broken table fails every estimate loudly, never quietly. */
export function loadPriceTable(): PriceTable {
    const table = pricesJson as unknown as PriceTable;
    const problems = tableProblems(table);
    if (problems.length > 0) throw new Error(`cost/prices.json is not fit to price with:\n  ${problems.join("\n  ")}`);
    return table;
}
