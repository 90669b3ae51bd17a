// app/src/request-metrics.ts: the request counter and duration histogram, side by side with
// prom-client's own Counter and Histogram fed the same requests.
import * as assert from "node:assert/strict";
import { Counter, Histogram, Registry } from "prom-client";
import { RequestLabels, RequestMetrics } from "../src/request-metrics";
import { LATENCY_BUCKETS } from "../src/server";

/** prom-client's own metrics, as the server declared them before. */
function promClient(registry: Registry) {
    const labelNames = ["method", "route", "status"] as const;
    const requests = new Counter({
        name: "http_requests_total",
        help: "HTTP requests handled, by method, route and status code.",
        labelNames,
        registers: [registry],
    });
    const duration = new Histogram({
        name: "http_request_duration_seconds",
        help: "HTTP request latency in seconds, by method, route and status code.",
        labelNames,
        buckets: LATENCY_BUCKETS,
        registers: [registry],
    });
    return (labels: RequestLabels, seconds: number) => {
        requests.inc({ ...labels });
        duration.observe({ ...labels }, seconds);
    };
}

describe("app: request metrics", () => {
    it("prints what prom-client's Counter and Histogram print for the same requests, byte for byte", async () => {
        const theirs = new Registry();
        const ours = new Registry();
        const record = promClient(theirs);
        const metrics = new RequestMetrics({ registry: ours, buckets: LATENCY_BUCKETS });
        const hello = { method: "GET", route: "/", status: "200" };
        const missing = { method: "GET", route: "unmatched", status: "404" };
        const refused = { method: "OTHER", route: "/", status: "405" };
        // On the bounds, between them, above the last, zero; sums that are not exact in binary.
        const requests: [RequestLabels, number][] = [
            [hello, 0.0003],
            [missing, 0.001],
            [hello, 0.0025],
            [hello, 0.0031],
            [refused, 0],
            [hello, 7.5],
            [missing, 0.1],
            [hello, 0.1 + 0.2],
            [hello, 5],
        ];
        for (const [labels, seconds] of requests) {
            record(labels, seconds);
            metrics.record(labels, seconds);
        }
        assert.equal(await ours.metrics(), await theirs.metrics());
        // Scraped again, nothing doubles; a new series appears after the others.
        metrics.record({ method: "HEAD", route: "/healthz", status: "200" }, 0.004);
        record({ method: "HEAD", route: "/healthz", status: "200" }, 0.004);
        assert.equal(await ours.metrics(), await theirs.metrics());
        assert.match(
            await ours.metrics(),
            /http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/",status="200"\} 6\n/,
        );
    });

    it("prints the two metrics with no series before the first request, as prom-client does", async () => {
        const theirs = new Registry();
        const ours = new Registry();
        promClient(theirs);
        new RequestMetrics({ registry: ours, buckets: LATENCY_BUCKETS });
        assert.equal(await ours.metrics(), await theirs.metrics());
    });

    it("refuses buckets that are not finite and ascending", () => {
        for (const buckets of [[0.1, 0.1], [0.5, 0.1], [0.1, Infinity], [Number.NaN]])
            assert.throws(
                () => new RequestMetrics({ registry: new Registry(), buckets }),
                /histogram buckets must be finite and ascending/,
            );
    });
});
