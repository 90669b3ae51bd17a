// Starts the real server on an ephemeral port and speaks HTTP to it.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { settingsFromEnv } from "../src/main";
import {
    BackendServer,
    ClientError,
    clientErrorStatus,
    createBackendServer,
    jsonLogger,
    LATENCY_BUCKETS,
    Logger,
    serverLimits,
    ServerOptions,
} from "../src/server";

interface Started {
    backend: BackendServer;
    /** The traffic port. */
    base: string;
    /** The metrics port. */
    metrics: string;
    logs: () => Record<string, unknown>[];
}

const running: BackendServer[] = [];

async function start(overrides: Partial<ServerOptions> = {}): Promise<Started> {
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (chunk) => (text += chunk));
    const backend = createBackendServer({
        podName: "backend-7d9f-abcde",
        logger: jsonLogger(stream, () => Date.parse("2026-01-01T00:00:00Z")),
        drainSeconds: 0,
        shutdownTimeoutSeconds: 5,
        accessLog: true,
        ...overrides,
    });
    running.push(backend);
    const port = await backend.listen(0, "127.0.0.1");
    const metricsPort = await backend.listenMetrics(0, "127.0.0.1");
    return {
        backend,
        base: `http://127.0.0.1:${port}`,
        metrics: `http://127.0.0.1:${metricsPort}`,
        logs: () =>
            text
                .trim()
                .split("\n")
                .filter(Boolean)
                .map((l) => JSON.parse(l)),
    };
}

afterEach(async () => {
    for (const backend of running.splice(0)) {
        for (const server of [backend.server, backend.metricsServer]) {
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        }
    }
});

/** A raw HTTP/1.1 exchange, for what fetch will not send. */
function raw(base: string, request: string): Promise<string> {
    const { hostname, port } = new URL(base);
    return new Promise((resolve, reject) => {
        const socket = net.connect(Number(port), hostname, () => socket.write(request));
        let data = "";
        socket.on("data", (chunk) => (data += chunk));
        socket.on("end", () => resolve(data));
        socket.on("error", reject);
    });
}

describe("app: HTTP endpoints", () => {
    it("answers GET / with the JSON hello and the pod's name", async () => {
        const { base } = await start();
        const response = await fetch(`${base}/`);
        assert.equal(response.status, 200);
        assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
        assert.deepEqual(await response.json(), { message: "Hello, World!", pod: "backend-7d9f-abcde" });
    });

    it("reports liveness and readiness", async () => {
        const { base } = await start();
        assert.deepEqual(
            [(await fetch(`${base}/healthz`)).status, await (await fetch(`${base}/healthz`)).json()],
            [200, { status: "ok" }],
        );
        assert.deepEqual(
            [(await fetch(`${base}/readyz`)).status, await (await fetch(`${base}/readyz`)).json()],
            [200, { status: "ready" }],
        );
    });

    it("answers unknown paths with 404 and other methods with 405 and an Allow header", async () => {
        const { base } = await start();
        const notFound = await fetch(`${base}/admin?x=1`);
        assert.equal(notFound.status, 404);
        assert.deepEqual(await notFound.json(), { error: "not found", path: "/admin" });
        for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
            const response = await fetch(`${base}/`, { method, body: method === "DELETE" ? undefined : "x" });
            assert.equal(response.status, 405, method);
            assert.equal(response.headers.get("allow"), "GET, HEAD");
        }
        const head = await fetch(`${base}/`, { method: "HEAD" });
        assert.equal(head.status, 200);
        assert.equal(await head.text(), "");
    });

    it("tells browsers not to sniff the content type, on every answer, errors included", async () => {
        const { base, metrics } = await start({
            beforeRespond: async (route) => {
                if (route === "/readyz") throw new Error("boom");
            },
        });
        const answers = [
            await fetch(`${base}/`),
            await fetch(`${base}/healthz`),
            await fetch(`${base}/readyz`),
            await fetch(`${base}/nope`),
            await fetch(`${base}/`, { method: "POST", body: "x" }),
            await fetch(`${metrics}/metrics`),
        ];
        assert.deepEqual(
            answers.map((r) => r.status),
            [200, 200, 500, 404, 405, 200],
        );
        for (const answer of answers) assert.equal(answer.headers.get("x-content-type-options"), "nosniff", answer.url);
        const refused = parseAnswer(await raw(base, "GARBAGE\r\n\r\n"));
        assert.equal(refused.headers["x-content-type-options"], "nosniff");
    });

    it("answers a malformed request with 400 and keeps serving", async () => {
        const { base } = await start();
        const answer = await raw(base, "GARBAGE\r\n\r\n");
        assert.match(answer, /^HTTP\/1\.1 400 Bad Request/);
        assert.equal((await fetch(`${base}/healthz`)).status, 200);
    });
});

/** A raw connection that resolves, with whatever came back, when the server closes it. */
function untilClosed(base: string, request: string): Promise<{ data: string; ms: number }> {
    const { hostname, port } = new URL(base);
    const started = Date.now();
    return new Promise((resolve) => {
        const socket = net.connect(Number(port), hostname, () => socket.write(request));
        let data = "";
        socket.on("data", (chunk) => (data += chunk));
        socket.on("error", () => undefined);
        socket.on("close", () => resolve({ data, ms: Date.now() - started }));
    });
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
        if (await condition()) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.fail(`timed out waiting for ${what}`);
}

const connections = (backend: BackendServer): Promise<number> =>
    new Promise((resolve, reject) =>
        backend.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );

/** The status line and the headers (lower-cased names) of a raw answer, and its body. */
function parseAnswer(answer: string): { status: string; headers: Record<string, string>; body: string } {
    const [head, ...rest] = answer.split("\r\n\r\n");
    const [status, ...lines] = head.split("\r\n");
    const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
    );
    return { status, headers, body: rest.join("\r\n\r\n") };
}

describe("app: refused requests", () => {
    const packet = (text: string, at = text.length): ClientError =>
        Object.assign(new Error("Parse Error: Header overflow"), {
            code: "HPE_HEADER_OVERFLOW",
            rawPacket: Buffer.from(text, "latin1"),
            bytesParsed: at,
        });

    it("tells an overlong request line (414) from overlong headers (431), a timeout (408) and the rest (400)", () => {
        const long = "a".repeat(100);
        assert.equal(clientErrorStatus(packet(`GET /${long} HTTP/1.1\r\nHost: x\r\n\r\n`, 105)), 414);
        assert.equal(clientErrorStatus(packet(`GET / HTTP/1.1\r\nX-Big: ${long}\r\n`, 120)), 431);
        // The request line ends after the point of overflow: still the request line's fault.
        const line = `GET /${long} HTTP/1.1\r\nHost: x\r\n\r\n`;
        assert.equal(clientErrorStatus(packet(line, line.indexOf(" HTTP"))), 414);
        // A chunk in the middle of the URL, and empty lines before the request line.
        assert.equal(clientErrorStatus(packet(long)), 414);
        assert.equal(clientErrorStatus(packet(`\r\nGET /${long}`)), 414);
        // A pipelined request before this one in the same chunk.
        assert.equal(clientErrorStatus(packet(`GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /${long}`)), 414);
        assert.equal(clientErrorStatus(packet(`GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nA: ${long}`)), 431);
        const timeout = Object.assign(new Error("Request timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" });
        assert.equal(clientErrorStatus(timeout), 408);
        const method = Object.assign(new Error("Parse Error"), { code: "HPE_INVALID_METHOD" });
        assert.equal(clientErrorStatus(method), 400);
        assert.equal(clientErrorStatus(new Error("no code")), 400);
    });

    it("answers each with its status, JSON and Connection: close, closes, counts it and logs one line", async () => {
        const { base, metrics, logs } = await start({
            limits: { headersTimeoutMs: 200, requestTimeoutMs: 1000, connectionsCheckingIntervalMs: 20 },
        });
        const big = "a".repeat(20_000);
        const cases: [string, string, string, string][] = [
            [`GET /${big} HTTP/1.1\r\nHost: x\r\n\r\n`, "414 URI Too Long", "URI too long", "HPE_HEADER_OVERFLOW"],
            [
                `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`,
                "431 Request Header Fields Too Large",
                "request header fields too large",
                "HPE_HEADER_OVERFLOW",
            ],
            ["GET / HTTP/1.1\r\nHost: x\r\n", "408 Request Timeout", "request timeout", "ERR_HTTP_REQUEST_TIMEOUT"],
            ["FOO / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request", "bad request", "HPE_INVALID_METHOD"],
        ];
        for (const [request, status, error] of cases) {
            const { data } = await untilClosed(base, request);
            const answer = parseAnswer(data);
            assert.equal(answer.status, `HTTP/1.1 ${status}`);
            assert.equal(answer.headers.connection, "close");
            assert.equal(answer.headers["content-type"], "application/json; charset=utf-8");
            assert.equal(Number(answer.headers["content-length"]), Buffer.byteLength(answer.body));
            assert.deepEqual(JSON.parse(answer.body), { error });
        }
        // Still serving.
        assert.equal((await fetch(`${base}/healthz`)).status, 200);
        const values = samples(await (await fetch(`${metrics}/metrics`)).text());
        for (const status of ["400", "408", "414", "431"]) {
            assert.equal(values.get(`http_client_errors_total{status="${status}"}`), 1, status);
        }
        assert.deepEqual(
            logs()
                .filter((l) => l.message === "client error")
                .map(({ level, status, code }) => ({ level, status, code })),
            cases.map(([, status, , code]) => ({ level: "info", status: status.slice(0, 3), code })),
        );
    });

    it("answers and counts a connection once, however much it sends after its first error", async () => {
        const { base, metrics } = await start();
        const { hostname, port } = new URL(base);
        // Half-open: it goes on writing after the server has answered and closed its side.
        const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: true });
        const closed = new Promise((resolve) => socket.on("close", resolve));
        let data = "";
        socket.on("data", (chunk) => (data += chunk));
        socket.on("error", () => undefined);
        socket.write("FOO / HTTP/1.1\r\n\r\n");
        await until(async () => data.includes("\r\n\r\n"), "the first answer");
        for (let i = 0; i < 3; i++) {
            socket.write("more garbage\r\n\r\n");
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
        socket.end();
        await closed;
        assert.equal(data.match(/HTTP\/1\.1 /g)?.length, 1);
        const values = samples(await (await fetch(`${metrics}/metrics`)).text());
        assert.equal(values.get('http_client_errors_total{status="400"}'), 1);
    });

    it("has a series for each of its statuses from the start", async () => {
        const { metrics } = await start();
        const values = samples(await (await fetch(`${metrics}/metrics`)).text());
        assert.deepEqual(
            [...values].filter(([k]) => k.startsWith("http_client_errors_total")),
            ["400", "408", "414", "431"].map((s) => [`http_client_errors_total{status="${s}"}`, 0]),
        );
    });
});

describe("app: timeouts and the connection cap", () => {
    it("gives a client 12 s for its headers and 30 s for its request, and caps connections at 1024", async () => {
        const { backend } = await start();
        const { headersTimeout, requestTimeout, keepAliveTimeout, maxConnections } = backend.server;
        assert.deepEqual(
            { headersTimeout, requestTimeout, keepAliveTimeout, maxConnections },
            { headersTimeout: 12_000, requestTimeout: 30_000, keepAliveTimeout: 65_000, maxConnections: 1024 },
        );
    });

    it("refuses a headers timeout that is not below the request timeout, and caps or timeouts below 1", () => {
        assert.throws(
            () => serverLimits({ headersTimeoutMs: 30_000 }),
            /headersTimeoutMs \(30000\) must be less than requestTimeoutMs \(30000\)/,
        );
        assert.throws(() => serverLimits({ maxConnections: 0 }), /maxConnections is 0; expected a positive integer/);
        assert.throws(() => serverLimits({ keepAliveTimeoutMs: 0.5 }), /keepAliveTimeoutMs is 0.5/);
        assert.throws(() => serverLimits({ accessLoggers: 0 }), /accessLoggers is 0; expected a positive integer/);
    });

    it("cuts a request whose headers are not complete within the headers timeout", async () => {
        const { base } = await start({
            limits: { headersTimeoutMs: 200, requestTimeoutMs: 1000, connectionsCheckingIntervalMs: 20 },
        });
        const { data, ms } = await untilClosed(base, "GET / HTTP/1.1\r\nHost: x\r\n");
        assert.match(data, /^HTTP\/1\.1 408 Request Timeout\r\n/);
        assert.ok(ms >= 200 && ms < 1000, `closed after ${ms} ms`);
    });

    it("closes connections past the cap on arrival, and counts them", async () => {
        const { backend, base, metrics } = await start({ limits: { maxConnections: 2 } });
        const { hostname, port } = new URL(base);
        const held = [net.connect(Number(port), hostname), net.connect(Number(port), hostname)];
        await until(async () => (await connections(backend)) === 2, "two open connections");
        assert.deepEqual(await untilClosed(base, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").then((r) => r.data), "");
        // The metrics port has connections of its own: the scrape gets through a full traffic port.
        const values = samples(await (await fetch(`${metrics}/metrics`)).text());
        assert.equal(values.get("http_connections_dropped_total"), 1);
        assert.equal(values.get("http_open_connections"), 2);
        held[0].destroy();
        await until(async () => (await connections(backend)) === 1, "one connection left");
        assert.equal((await fetch(`${base}/healthz`)).status, 200);
        held[1].destroy();
    });
});

/** Parses Prometheus text exposition into sample lines: name{labels} value. */
function samples(text: string): Map<string, number> {
    const result = new Map<string, number>();
    for (const line of text.split("\n")) {
        if (!line || line.startsWith("#")) continue;
        const at = line.lastIndexOf(" ");
        result.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return result;
}

describe("app: /metrics", () => {
    it("is served on the metrics port alone, which serves nothing else", async () => {
        const { base, metrics, logs } = await start();
        const onTraffic = await fetch(`${base}/metrics`);
        assert.equal(onTraffic.status, 404);
        assert.deepEqual(await onTraffic.json(), { error: "not found", path: "/metrics" });
        for (const path of ["/", "/healthz", "/readyz"])
            assert.equal((await fetch(`${metrics}${path}`)).status, 404, path);
        const post = await fetch(`${metrics}/metrics`, { method: "POST", body: "x" });
        assert.equal(post.status, 405);
        const scrape = await fetch(`${metrics}/metrics?x=1`);
        assert.equal(scrape.status, 200);
        const values = samples(await scrape.text());
        assert.equal(values.get('http_requests_total{method="GET",route="unmatched",status="404"}'), 4);
        assert.equal(values.get('http_requests_total{method="POST",route="/metrics",status="405"}'), 1);
        await new Promise((resolve) => setImmediate(resolve));
        // Scrapes count as route /metrics and, like probes, write no access log line.
        assert.equal(
            samples(await (await fetch(`${metrics}/metrics`)).text()).get(
                'http_requests_total{method="GET",route="/metrics",status="200"}',
            ),
            1,
        );
        assert.equal(logs().filter((l) => l.route === "/metrics" && l.status === "200").length, 0);
    });

    it("counts requests and observes latency by method, route and status, in Prometheus text format", async () => {
        const { base, metrics } = await start();
        await fetch(`${base}/`);
        await fetch(`${base}/`);
        await fetch(`${base}/nope`);
        await fetch(`${base}/`, { method: "POST", body: "x" });
        const response = await fetch(`${metrics}/metrics`);
        assert.equal(response.status, 200);
        assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
        const text = await response.text();
        assert.match(text, /^# TYPE http_requests_total counter$/m);
        assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m);
        const values = samples(text);
        assert.equal(values.get('http_requests_total{method="GET",route="/",status="200"}'), 2);
        assert.equal(values.get('http_requests_total{method="GET",route="unmatched",status="404"}'), 1);
        assert.equal(values.get('http_requests_total{method="POST",route="/",status="405"}'), 1);
        assert.equal(values.get('http_request_duration_seconds_count{method="GET",route="/",status="200"}'), 2);
        assert.equal(
            values.get('http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/",status="200"}'),
            2,
        );
        for (const le of LATENCY_BUCKETS) {
            assert.ok(
                values.has(`http_request_duration_seconds_bucket{le="${le}",method="GET",route="/",status="200"}`),
                `bucket ${le}`,
            );
        }
        // Process metrics from the client library's defaults.
        for (const name of [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "nodejs_eventloop_lag_seconds",
            "nodejs_heap_size_used_bytes",
        ]) {
            assert.ok(values.has(name), name);
        }
        // Scrapes count too, but never the path of an unknown route (bounded label cardinality).
        assert.ok(![...values.keys()].some((k) => k.includes("/nope")));
    });
    it("keeps the seven usual methods in the method label and counts any other as OTHER", async () => {
        const { base, metrics, logs } = await start();
        const request = (method: string): string =>
            `${method} / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
        assert.match(await raw(base, request("PROPFIND")), /^HTTP\/1\.1 405 /);
        assert.match(await raw(base, request("MKCOL")), /^HTTP\/1\.1 405 /);
        assert.match(await raw(base, request("OPTIONS")), /^HTTP\/1\.1 405 /);
        // Not a method Node's parser knows: refused before any route, and no series either.
        assert.match(await raw(base, request("FOO")), /^HTTP\/1\.1 400 /);
        const values = samples(await (await fetch(`${metrics}/metrics`)).text());
        assert.equal(values.get('http_requests_total{method="OTHER",route="/",status="405"}'), 2);
        assert.equal(values.get('http_requests_total{method="OPTIONS",route="/",status="405"}'), 1);
        const methods = new Set([...values.keys()].flatMap((k) => /method="([^"]*)"/.exec(k)?.[1] ?? []));
        assert.deepEqual([...methods].sort(), ["OPTIONS", "OTHER"]);
        // The access log keeps the method as it was sent.
        assert.deepEqual(
            logs()
                .filter((l) => l.message === "request")
                .map((l) => [l.method, l.status]),
            [
                ["PROPFIND", "405"],
                ["MKCOL", "405"],
                ["OPTIONS", "405"],
            ],
        );
    });
});

describe("app: logs", () => {
    it("writes one JSON object per line, access logs for traffic but not for probes or scrapes", async () => {
        const { base, metrics, logs } = await start();
        await fetch(`${base}/`);
        await fetch(`${base}/healthz`);
        await fetch(`${base}/readyz`);
        await fetch(`${metrics}/metrics`);
        await new Promise((resolve) => setImmediate(resolve));
        const entries = logs();
        assert.equal(entries.length, 1);
        assert.deepEqual(
            { ...entries[0], durationMs: undefined },
            {
                time: "2026-01-01T00:00:00.000Z",
                level: "info",
                message: "request",
                method: "GET",
                route: "/",
                status: "200",
                durationMs: undefined,
            },
        );
        assert.equal(typeof entries[0].durationMs, "number");
    });

    it("serializes an access line's method, route and status once per combination, up to limits.accessLoggers", async () => {
        const stream = new PassThrough();
        let text = "";
        stream.on("data", (chunk) => (text += chunk));
        const logger = jsonLogger(stream, () => Date.parse("2026-01-01T00:00:00Z"));
        const children: Record<string, string | undefined>[] = [];
        const counting: Logger = {
            ...logger,
            child: (fields) => {
                children.push(fields);
                return logger.child(fields);
            },
        };
        const { base } = await start({ logger: counting, limits: { accessLoggers: 1 } });
        for (const url of ["/", "/", "/nowhere", "/nowhere"]) await fetch(`${base}${url}`);
        await new Promise((resolve) => setImmediate(resolve));
        // The first combination is kept; past the limit each line builds its own, to the same bytes.
        assert.deepEqual(children, [
            { method: "GET", route: "/", status: "200" },
            { method: "GET", route: "unmatched", status: "404" },
            { method: "GET", route: "unmatched", status: "404" },
        ]);
        assert.deepEqual(
            text
                .trim()
                .split("\n")
                .map((line) => line.replace(/"durationMs":[0-9.e-]+/, '"durationMs":0')),
            [
                ...Array(2).fill(
                    '{"level":"info","time":"2026-01-01T00:00:00.000Z","method":"GET","route":"/","status":"200","durationMs":0,"message":"request"}',
                ),
                ...Array(2).fill(
                    '{"level":"info","time":"2026-01-01T00:00:00.000Z","method":"GET","route":"unmatched","status":"404","durationMs":0,"message":"request"}',
                ),
            ],
        );
    });

    it("writes the access line and the hello response byte for byte as before the fast path", async () => {
        const stream = new PassThrough();
        let text = "";
        stream.on("data", (chunk) => (text += chunk));
        const { base } = await start({ logger: jsonLogger(stream, () => Date.parse("2026-01-01T00:00:00Z")) });
        const response = await raw(base, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        const body = '{"message":"Hello, World!","pod":"backend-7d9f-abcde"}';
        assert.equal(
            response.replace(/\r\nDate: [^\r]*/, ""),
            "HTTP/1.1 200 OK\r\n" +
                "content-type: application/json; charset=utf-8\r\n" +
                `content-length: ${body.length}\r\n` +
                "cache-control: no-store\r\n" +
                "x-content-type-options: nosniff\r\n" +
                "Connection: close\r\n\r\n" +
                body,
        );
        await new Promise((resolve) => setImmediate(resolve));
        assert.match(
            text,
            /^\{"level":"info","time":"2026-01-01T00:00:00\.000Z","method":"GET","route":"\/","status":"200","durationMs":\d+(\.\d+)?,"message":"request"\}\n$/,
        );
    });

    it("keeps serving, and logs it, when writing a request's access log fails", async () => {
        const errors: Record<string, unknown>[] = [];
        const unhandled: unknown[] = [];
        const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
        process.on("unhandledRejection", onUnhandled);
        try {
            const logger: Logger = {
                info: () => {
                    throw new Error("stdout is gone");
                },
                error: (message: string, fields?: Record<string, unknown>) => void errors.push({ message, ...fields }),
                child: () => logger,
                flush: () => undefined,
            };
            const { base } = await start({ logger });
            assert.equal((await fetch(`${base}/`)).status, 200);
            assert.equal((await fetch(`${base}/`)).status, 200);
            await new Promise((resolve) => setImmediate(resolve));
            assert.deepEqual(errors, [
                { message: "request accounting failed", error: "stdout is gone" },
                { message: "request accounting failed", error: "stdout is gone" },
            ]);
            assert.deepEqual(unhandled, []);
        } finally {
            process.off("unhandledRejection", onUnhandled);
        }
    });
});

describe("app: graceful shutdown", () => {
    it("turns not-ready at once, finishes in-flight requests, then stops accepting and exits 0", async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let entered!: () => void;
        const inHandler = new Promise<void>((resolve) => (entered = resolve));
        const { backend, base, metrics, logs } = await start({
            drainSeconds: 0.3,
            beforeRespond: async (route) => {
                if (route === "/") {
                    entered();
                    await gate;
                }
            },
        });
        const inFlight = fetch(`${base}/`);
        await inHandler;
        const exitCode = backend.shutdown("SIGTERM");
        assert.equal(backend.ready, false);

        // During the drain window the pod still answers, as not ready, and closes the connection.
        const readiness = await fetch(`${base}/readyz`);
        assert.equal(readiness.status, 503);
        assert.deepEqual(await readiness.json(), { status: "draining" });
        assert.equal(readiness.headers.get("connection"), "close");
        // Prometheus still scrapes the draining pod.
        assert.equal((await fetch(`${metrics}/metrics`)).status, 200);

        release();
        const response = await inFlight;
        assert.equal(response.status, 200);
        assert.equal(((await response.json()) as { message: string }).message, "Hello, World!");
        assert.equal(await exitCode, 0);
        await assert.rejects(fetch(`${base}/healthz`), "the listener is closed after the drain");
        await assert.rejects(fetch(`${metrics}/metrics`), "so is the metrics listener");
        assert.deepEqual(
            logs()
                .filter((l) => l.message !== "request")
                .map((l) => l.message),
            ["shutdown started: not ready, draining", "shutdown complete"],
        );
        assert.equal(
            backend.shutdown("SIGTERM"),
            backend.shutdown("SIGINT"),
            "a second signal joins the first shutdown",
        );
    });

    it("cuts connections and exits 1 when in-flight requests outlive the shutdown timeout", async () => {
        const { backend, base, logs } = await start({
            shutdownTimeoutSeconds: 0.2,
            beforeRespond: () => new Promise(() => undefined),
        });
        const stuck = fetch(`${base}/`).catch((error: Error) => error);
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(await backend.shutdown("SIGTERM"), 1);
        assert.ok((await stuck) instanceof Error);
        assert.equal(logs().at(-1)?.message, "shutdown timed out: cut remaining connections");
    });

    it("exits 0 on SIGTERM as a real process, logging JSON to stdout, without losing a buffered line", async function () {
        this.timeout(20_000);
        const child = spawn(
            process.execPath,
            ["-r", path.join(__dirname, "../../tools/transpile.cjs"), path.join(__dirname, "../src/main.ts")],
            {
                env: {
                    ...process.env,
                    PORT: "0",
                    METRICS_PORT: "0",
                    POD_NAME: "pod-under-test",
                },
                stdio: ["ignore", "pipe", "inherit"],
            },
        );
        let stdout = "";
        const listening = new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
            child.once("exit", (code) =>
                reject(new Error(`the server exited with ${code} before listening: ${stdout}`)),
            );
            child.stdout.on("data", (chunk) => {
                stdout += chunk;
                const listening = stdout
                    .split("\n")
                    .filter((line) => line.startsWith("{"))
                    .map((line) => JSON.parse(line) as { message: string; port?: number; metricsPort?: number })
                    .find((entry) => entry.message === "listening");
                if (listening?.port !== undefined && listening.metricsPort !== undefined)
                    resolve({ port: listening.port, metricsPort: listening.metricsPort });
            });
        });
        const { port, metricsPort } = await listening;
        assert.notEqual(metricsPort, port);
        assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/`)).json(), {
            message: "Hello, World!",
            pod: "pod-under-test",
        });
        // The metrics on their own port, not on the traffic port (a 404 there, with its access log line).
        assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404);
        const scrape = samples(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
        assert.equal(scrape.get('http_requests_total{method="GET",route="/",status="200"}'), 1);
        // Enough requests to leave access-log lines in the buffer, then SIGTERM at once: none may be lost.
        const requests = 300;
        for (let i = 1; i < requests; i++) assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200);
        const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
        child.kill("SIGTERM");
        assert.equal(await exited, 0);
        const entries = stdout
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as Record<string, unknown>);
        const messages = entries.map((e) => e.message);
        assert.deepEqual(messages, [
            "listening",
            ...Array.from({ length: requests + 1 }, () => "request"),
            "shutdown started: not ready, draining",
            "shutdown complete",
        ]);
        assert.deepEqual(Object.keys(entries[1]).sort(), [
            "durationMs",
            "level",
            "message",
            "method",
            "route",
            "status",
            "time",
        ]);
    });
});

describe("app: settings from the environment", () => {
    it("defaults to port 8080, the hostname, no drain and a 20 s shutdown timeout", () => {
        assert.equal(settingsFromEnv({ POD_NAME: "" }, "host-1").podName, "host-1", "an empty POD_NAME is unset");
        assert.deepEqual(settingsFromEnv({}, "host-1"), {
            port: 8080,
            metricsPort: 9090,
            podName: "host-1",
            drainSeconds: 0,
            shutdownTimeoutSeconds: 20,
            accessLog: true,
            maxConnections: 1024,
        });
        assert.deepEqual(
            settingsFromEnv(
                {
                    PORT: "9000",
                    METRICS_PORT: "9100",
                    POD_NAME: "p",
                    DRAIN_SECONDS: "5",
                    SHUTDOWN_TIMEOUT_SECONDS: "25",
                    ACCESS_LOG: "false",
                    MAX_CONNECTIONS: "4096",
                },
                "h",
            ),
            {
                port: 9000,
                metricsPort: 9100,
                podName: "p",
                drainSeconds: 5,
                shutdownTimeoutSeconds: 25,
                accessLog: false,
                maxConnections: 4096,
            },
        );
    });

    it("refuses values that would otherwise be ignored", () => {
        assert.throws(() => settingsFromEnv({ PORT: "80a" }), /PORT is "80a"; expected a number from 0 to 65535/);
        assert.throws(() => settingsFromEnv({ PORT: "8080.5" }), /PORT is "8080.5"; expected an integer/);
        assert.throws(() => settingsFromEnv({ SHUTDOWN_TIMEOUT_SECONDS: "0" }), /SHUTDOWN_TIMEOUT_SECONDS is "0"/);
        assert.throws(() => settingsFromEnv({ ACCESS_LOG: "yes" }), /ACCESS_LOG is "yes"; expected true or false/);
        assert.throws(() => settingsFromEnv({ PORT: "0x1F90" }), /PORT is "0x1F90"; expected an integer/);
        assert.throws(() => settingsFromEnv({ PORT: " 8080 " }), /PORT is " 8080 "; expected an integer/);
        assert.throws(
            () => settingsFromEnv({ MAX_CONNECTIONS: "0" }),
            /MAX_CONNECTIONS is "0"; expected a number from 1 to 1000000/,
        );
        assert.throws(() => settingsFromEnv({ METRICS_PORT: "8080" }), /METRICS_PORT is 8080, the same as PORT/);
        assert.throws(() => settingsFromEnv({ PORT: "9090" }), /METRICS_PORT is 9090, the same as PORT/);
        assert.throws(() => settingsFromEnv({ METRICS_PORT: "9090a" }), /METRICS_PORT is "9090a"; expected a number/);
        assert.throws(() => settingsFromEnv({ METRICS_PORT: "70000" }), /METRICS_PORT is "70000"/);
        // Both ephemeral (tests): the OS gives each its own.
        assert.equal(settingsFromEnv({ PORT: "0", METRICS_PORT: "0" }).metricsPort, 0);
        assert.throws(
            () => settingsFromEnv({ MAX_CONNECTIONS: "1e3" }),
            /MAX_CONNECTIONS is "1e3"; expected an integer/,
        );
    });
});
