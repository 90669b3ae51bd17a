// http_requests_total and http_request_duration_seconds, counted in plain numbers per series and
// handed to prom-client's registry when Prometheus scrapes. prom-client's inc() and observe()
// validate and hash the labels and look a bucket up by its bound's string on every call: 0.5 µs a
// request in a loop, 0.11x of the bench's throughput. Here a request costs a Map lookup and three
// additions; the scrape's text is what prom-client's own Counter and Histogram print for the same
// requests, byte for byte (app/test/request-metrics.test.ts holds them side by side).
import { Counter, type Metric, Registry } from "prom-client";

export type RequestLabels = Readonly<Record<"method" | "route" | "status", string>>;

interface Series {
    readonly labels: RequestLabels;
    count: number;
    sum: number;
    /** Requests per bucket, not cumulated: the last slot counts those above the highest bound. */
    readonly buckets: Float64Array;
}

export interface RequestMetricsOptions {
    readonly registry: Registry;
    /** Upper bounds of the duration histogram's buckets, in seconds, ascending. */
    readonly buckets: readonly number[];
}

export class RequestMetrics {
    private readonly series = new Map<string, Series>();
    private readonly bounds: readonly number[];

    constructor({ registry, buckets }: RequestMetricsOptions) {
        if (buckets.some((bound, i) => !Number.isFinite(bound) || (i > 0 && bound <= buckets[i - 1])))
            throw new Error(`histogram buckets must be finite and ascending, not ${buckets.join(", ")}`);
        this.bounds = [...buckets];
        const series = this.series;
        new Counter({
            name: "http_requests_total",
            help: "HTTP requests handled, by method, route and status code.",
            labelNames: ["method", "route", "status"] as const,
            registers: [registry],
            // At each scrape: the totals so far, in the order the series first appeared.
            collect() {
                this.reset();
                for (const s of series.values()) this.inc(s.labels, s.count);
            },
        });
        registry.registerMetric(this.durationMetric() as unknown as Metric);
    }

    /** One request: its labels and how long it took. */
    record(labels: RequestLabels, seconds: number): void {
        const key = `${labels.method} ${labels.route} ${labels.status}`;
        let series = this.series.get(key);
        if (series === undefined) {
            series = { labels, count: 0, sum: 0, buckets: new Float64Array(this.bounds.length + 1) };
            this.series.set(key, series);
        }
        series.count += 1;
        series.sum += seconds;
        let bucket = 0;
        while (bucket < this.bounds.length && seconds > this.bounds[bucket]) bucket++;
        series.buckets[bucket] += 1;
    }

    /**
     * The duration histogram as the registry reads any metric it holds (its name, then get()'s
     * values): the values, labels and order prom-client's Histogram gives for the same requests.
     */
    private durationMetric(): RegisteredMetric {
        const name = "http_request_duration_seconds";
        const help = "HTTP request latency in seconds, by method, route and status code.";
        const values = (): MetricValue[] => {
            const out: MetricValue[] = [];
            for (const { labels, count, sum, buckets } of this.series.values()) {
                let cumulative = 0;
                this.bounds.forEach((bound, i) => {
                    cumulative += buckets[i];
                    out.push({ labels: { le: bound, ...labels }, value: cumulative, metricName: `${name}_bucket` });
                });
                out.push({ labels: { le: "+Inf", ...labels }, value: count, metricName: `${name}_bucket` });
                out.push({ labels: { ...labels }, value: sum, metricName: `${name}_sum` });
                out.push({ labels: { ...labels }, value: count, metricName: `${name}_count` });
            }
            return out;
        };
        const type = "histogram";
        const aggregator = "sum";
        return {
            name,
            help,
            type,
            aggregator,
            get: async () => ({ name, help, type, aggregator, values: values() }),
            reset: () => this.series.clear(),
        };
    }
}

interface MetricValue {
    readonly labels: Readonly<Record<string, string | number>>;
    readonly value: number;
    readonly metricName: string;
}

/** What prom-client's registry reads of a metric (its typings list only its own classes). */
interface RegisteredMetric {
    readonly name: string;
    readonly help: string;
    readonly type: "histogram";
    readonly aggregator: "sum";
    get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }>;
    reset(): void;
}
