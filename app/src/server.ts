// The backend: a small stateless HTTP service. Everything it needs comes from its options (and,
// in main.ts, from the environment), so tests start it on an ephemeral port and speak HTTP to it.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import { QUIET_ROUTES, Route, ROUTES } from "./routes";

export interface Logger {
    info(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
}

/** One JSON object per line on the given stream (stdout in production). */
export function jsonLogger(
    stream: NodeJS.WritableStream = process.stdout,
    clock: () => Date = () => new Date(),
): Logger {
    const write = (level: string, message: string, fields: Record<string, unknown> = {}): void => {
        stream.write(`${JSON.stringify({ time: clock().toISOString(), level, message, ...fields })}\n`);
    };
    return { info: (m, f) => write("info", m, f), error: (m, f) => write("error", m, f) };
}

export interface ServerOptions {
    /** Reported by GET / so a client can see which replica answered. */
    readonly podName: string;
    readonly logger: Logger;
    /** After SIGTERM: how long to keep serving (as not-ready) before closing the listener. */
    readonly drainSeconds: number;
    /** After the listener closes: how long in-flight requests get before connections are cut. */
    readonly shutdownTimeoutSeconds: number;
    /** Log every request (not probes or scrapes). */
    readonly accessLog: boolean;
    /** Test seam: runs before a route's response is written. */
    readonly beforeRespond?: (route: string) => Promise<void>;
}

/** Routes are a fixed set, so the `route` metric label never explodes in cardinality. */
const KNOWN_ROUTES: ReadonlySet<string> = new Set(Object.values(ROUTES));
const QUIET: ReadonlySet<string> = new Set(QUIET_ROUTES);
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface BackendServer {
    readonly server: http.Server;
    readonly registry: Registry;
    /** Resolves with the bound port. */
    listen(port: number, host?: string): Promise<number>;
    /** The SIGTERM sequence. Resolves with the process exit code (0: drained cleanly). */
    shutdown(signal: string): Promise<number>;
    readonly ready: boolean;
}

export function createBackendServer(options: ServerOptions): BackendServer {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const requests = new Counter({
        name: "http_requests_total",
        help: "HTTP requests handled, by method, route and status code.",
        labelNames: ["method", "route", "status"] as const,
        registers: [registry],
    });
    const duration = new Histogram({
        name: "http_request_duration_seconds",
        help: "HTTP request latency in seconds, by method, route and status code.",
        labelNames: ["method", "route", "status"] as const,
        buckets: LATENCY_BUCKETS,
        registers: [registry],
    });

    let ready = true;
    let draining = false;
    let shutdownPromise: Promise<number> | undefined;

    const send = (
        res: http.ServerResponse,
        status: number,
        body: unknown,
        headers: Record<string, string> = {},
    ): void => {
        const payload = typeof body === "string" ? body : JSON.stringify(body);
        res.writeHead(status, {
            "content-type":
                typeof body === "string"
                    ? (headers["content-type"] ?? "text/plain; charset=utf-8")
                    : "application/json; charset=utf-8",
            "content-length": Buffer.byteLength(payload),
            "cache-control": "no-store",
            ...(draining ? { connection: "close" } : {}),
            ...headers,
        });
        res.end(payload);
    };

    const handle = async (
        req: http.IncomingMessage,
        res: http.ServerResponse,
    ): Promise<{ route: string; status: number }> => {
        const path = (req.url ?? "/").split("?")[0];
        const route = KNOWN_ROUTES.has(path) ? (path as Route) : undefined;
        if (!route) {
            send(res, 404, { error: "not found", path: path.slice(0, 200) });
            return { route: "unmatched", status: 404 };
        }
        if (req.method !== "GET" && req.method !== "HEAD") {
            send(res, 405, { error: "method not allowed", allow: "GET, HEAD" }, { allow: "GET, HEAD" });
            return { route, status: 405 };
        }
        await options.beforeRespond?.(route);
        switch (route) {
            case ROUTES.root:
                send(res, 200, { message: "Hello, World!", pod: options.podName });
                return { route, status: 200 };
            case ROUTES.liveness:
                send(res, 200, { status: "ok" });
                return { route, status: 200 };
            case ROUTES.readiness:
                if (!ready) {
                    send(res, 503, { status: "draining" });
                    return { route, status: 503 };
                }
                send(res, 200, { status: "ready" });
                return { route, status: 200 };
            case ROUTES.metrics:
                send(res, 200, await registry.metrics(), { "content-type": registry.contentType });
                return { route, status: 200 };
        }
    };

    const server = http.createServer((req, res) => {
        const stopTimer = process.hrtime.bigint();
        handle(req, res)
            .catch((error: Error) => {
                options.logger.error("request failed", { error: error.message, path: req.url });
                if (!res.headersSent) send(res, 500, { error: "internal error" });
                else res.destroy();
                return { route: "unmatched", status: 500 };
            })
            .then(({ route, status }) => {
                const seconds = Number(process.hrtime.bigint() - stopTimer) / 1e9;
                const labels = { method: req.method ?? "UNKNOWN", route, status: String(status) };
                requests.inc(labels);
                duration.observe(labels, seconds);
                if (options.accessLog && !QUIET.has(route)) {
                    options.logger.info("request", { ...labels, durationMs: Math.round(seconds * 1e6) / 1e3 });
                }
            })
            // Accounting must never crash the process through an unhandled rejection.
            .catch((error: Error) => options.logger.error("request accounting failed", { error: error.message }));
    });
    // Behind a load balancer with idle connections: outlive its idle timeout so it closes first.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.requestTimeout = 30_000;
    server.on("clientError", (error, socket) => {
        if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        else socket.destroy(error);
    });

    const shutdown = (signal: string): Promise<number> => {
        shutdownPromise ??= (async () => {
            ready = false;
            // From now on every response asks its client to reconnect, i.e. to another replica.
            draining = true;
            options.logger.info("shutdown started: not ready, draining", {
                signal,
                drainSeconds: options.drainSeconds,
            });
            await new Promise((resolve) => setTimeout(resolve, options.drainSeconds * 1000));
            const closed = new Promise<void>((resolve) => server.close(() => resolve()));
            server.closeIdleConnections();
            let timer: NodeJS.Timeout | undefined;
            const timedOut = new Promise<boolean>((resolve) => {
                timer = setTimeout(() => resolve(true), options.shutdownTimeoutSeconds * 1000);
            });
            const expired = await Promise.race([closed.then(() => false), timedOut]);
            clearTimeout(timer);
            if (expired) {
                server.closeAllConnections();
                options.logger.error("shutdown timed out: cut remaining connections", {
                    timeoutSeconds: options.shutdownTimeoutSeconds,
                });
                return 1;
            }
            options.logger.info("shutdown complete");
            return 0;
        })();
        return shutdownPromise;
    };

    return {
        server,
        registry,
        get ready() {
            return ready;
        },
        listen: (port, host) =>
            new Promise((resolve, reject) => {
                server.once("error", reject);
                server.listen(port, host, () => {
                    server.off("error", reject);
                    resolve((server.address() as AddressInfo).port);
                });
            }),
        shutdown,
    };
}
