// The backend: a small stateless HTTP service. Everything it needs comes from its options (and,
// in main.ts, from the environment), so tests start it on an ephemeral port and speak HTTP to it.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import pino from "pino";
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { BufferedDestination, stdoutDestination } from "./log-destination";
import { RequestMetrics } from "./request-metrics";
import { APP_ROUTES, METRICS_PATH, QUIET_ROUTES, Route, ROUTES } from "./routes";

export interface Logger {
    info(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
    /** The same log with `fields` first on every line, serialized once here instead of per line. */
    child(fields: Record<string, string | undefined>): Logger;
    /** Writes out what is buffered, synchronously: call it before the process exits. */
    flush(): void;
}

let lastMillis = Number.NaN;
let lastIso = "";

/** The clock's time in ISO 8601, formatted once per millisecond: under load many lines share one. */
function isoTime(now: () => number): string {
    const millis = now();
    if (millis !== lastMillis) {
        lastMillis = millis;
        lastIso = new Date(millis).toISOString();
    }
    return lastIso;
}

/** How long a line may wait in the buffer when traffic is too light to fill it. */
export const FLUSH_INTERVAL_MS = 1000;

/**
 * One JSON object per line, with pino: `time` (ISO 8601), `level` ("info", "error"), `message`
 * and the fields. On buffered stdout in production, written out at least every second and
 * synchronously by flush(); tests pass a stream and a clock (milliseconds since the epoch).
 */
export function jsonLogger(
    destination: pino.DestinationStream = stdoutDestination(),
    now: () => number = Date.now,
): Logger {
    const buffered = destination as Partial<BufferedDestination>;
    if (typeof buffered.flush === "function") {
        // unref: the timer alone never keeps the process alive.
        setInterval(() => buffered.flush!(), FLUSH_INTERVAL_MS).unref();
    }
    const logger = pino(
        {
            base: undefined,
            messageKey: "message",
            timestamp: () => `,"time":"${isoTime(now)}"`,
            formatters: { level: (label) => ({ level: label }) },
        },
        destination,
    );
    const wrap = (log: pino.Logger): Logger => ({
        info: (message, fields = {}) => log.info(fields, message),
        error: (message, fields = {}) => log.error(fields, message),
        child: (fields) => wrap(log.child(fields)),
        flush: () => buffered.flushSync?.(),
    });
    return wrap(logger);
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
    /** Node's timeouts and the connection cap; what is left out comes from SERVER_LIMITS. */
    readonly limits?: Partial<ServerLimits>;
}

/** How long a client may take, how long an idle connection stays, how many connections at once. */
export interface ServerLimits {
    /** From a request's first byte until its headers are complete; then 408 and the connection closes. */
    readonly headersTimeoutMs: number;
    /** From a request's first byte until all of it (body included) has arrived; above headersTimeoutMs. */
    readonly requestTimeoutMs: number;
    /** How long an idle keep-alive connection stays open. */
    readonly keepAliveTimeoutMs: number;
    /** How often Node looks for requests past those timeouts: each may be overrun by up to this much. */
    readonly connectionsCheckingIntervalMs: number;
    /** Open connections beyond which a new one is closed at once (and counted). */
    readonly maxConnections: number;
    /** Access-log loggers kept, one per method, route and status seen; past it a line builds its own. */
    readonly accessLoggers: number;
}

/** Enough for a slow mobile client to send its headers; far too short to hold a connection hostage. */
export const HEADERS_TIMEOUT_MS = 12_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * Above the 60 s idle timeout of an ALB or a typical proxy, so the proxy side closes first. An NLB
 * (TCP, 350 s idle) passes the server's close on to the client.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Node's default is 30 s, which would let a 12 s headers timeout run to 42 s. */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** The usual methods on every route and status; a scanner trying all of Node's methods gets slower lines, not more memory. */
export const ACCESS_LOGGERS = 256;

export const SERVER_LIMITS: ServerLimits = {
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingIntervalMs: CONNECTIONS_CHECKING_INTERVAL_MS,
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    accessLoggers: ACCESS_LOGGERS,
};

/** The limits with their defaults filled in; throws on a value Node would ignore or reject. */
export function serverLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
    const limits = { ...SERVER_LIMITS, ...overrides };
    for (const [name, value] of Object.entries(limits)) {
        if (!Number.isInteger(value) || value < 1) throw new Error(`${name} is ${value}; expected a positive integer`);
    }
    if (limits.headersTimeoutMs >= limits.requestTimeoutMs)
        throw new Error(
            `headersTimeoutMs (${limits.headersTimeoutMs}) must be less than requestTimeoutMs (${limits.requestTimeoutMs})`,
        );
    return limits;
}

/** What Node's parser attaches to the errors it hands to 'clientError'. */
export interface ClientError extends Error {
    readonly code?: string;
    /** llhttp's explanation, e.g. "Invalid method encountered". */
    readonly reason?: string;
    /** The chunk being parsed when the error struck. */
    readonly rawPacket?: Buffer;
    /** Where in rawPacket it struck. */
    readonly bytesParsed?: number;
}

/** The answers to a request the parser refused or that took too long: a fixed set, so a fixed label set. */
export const CLIENT_ERROR_STATUSES = [400, 408, 414, 431] as const;
export type ClientErrorStatus = (typeof CLIENT_ERROR_STATUSES)[number];

/**
 * 431 when the headers outgrow Node's limit (16 KiB with the request line), 414 when the request
 * line alone did (no line break before the point of overflow), 408 when the headers or the whole
 * request did not arrive in time, 400 for anything else the parser refuses. Only the chunk in which
 * the limit was crossed is at hand: a single header line longer than that chunk counts as 414.
 */
export function clientErrorStatus(error: ClientError): ClientErrorStatus {
    switch (error.code) {
        case "HPE_HEADER_OVERFLOW":
            return requestLineUnfinished(error) ? 414 : 431;
        case "ERR_HTTP_REQUEST_TIMEOUT":
            return 408;
        default:
            return 400;
    }
}

function requestLineUnfinished({ rawPacket, bytesParsed }: ClientError): boolean {
    if (!Buffer.isBuffer(rawPacket)) return false;
    let seen = rawPacket.subarray(0, typeof bytesParsed === "number" ? bytesParsed : rawPacket.length);
    // A pipelined request earlier in the chunk ends with an empty line: what follows is this one.
    const previous = seen.lastIndexOf("\r\n\r\n");
    if (previous !== -1) seen = seen.subarray(previous + 4);
    // Empty lines before a request line are allowed; the request line ends at the first LF after them.
    let start = 0;
    while (start < seen.length && (seen[start] === 0x0d || seen[start] === 0x0a)) start++;
    return !seen.subarray(start).includes(0x0a);
}

const CLIENT_ERROR_MESSAGES: Record<ClientErrorStatus, string> = {
    400: "bad request",
    408: "request timeout",
    414: "URI too long",
    431: "request header fields too large",
};

/** Written straight to the socket (there is no response object): JSON like every other error. */
const CLIENT_ERROR_RESPONSES = new Map<ClientErrorStatus, Buffer>(
    CLIENT_ERROR_STATUSES.map((status) => {
        const body = JSON.stringify({ error: CLIENT_ERROR_MESSAGES[status] });
        const head = [
            `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`,
            "Content-Type: application/json; charset=utf-8",
            `Content-Length: ${Buffer.byteLength(body)}`,
            "Cache-Control: no-store",
            "X-Content-Type-Options: nosniff",
            "Connection: close",
        ];
        return [status, Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`, "latin1")];
    }),
);

/**
 * After answering a refused request, how long the connection still reads (and drops) what the client
 * sends: closing with unread bytes would reset the connection, and the client could lose the answer.
 */
export const CLIENT_ERROR_LINGER_MS = 1000;

const JSON_TYPE = "application/json; charset=utf-8";

/** The headers every answer starts with, in this order. */
function answerHeaders(contentType: string, length: number): http.OutgoingHttpHeaders {
    return {
        "content-type": contentType,
        "content-length": length,
        "cache-control": "no-store",
        // A browser must take the content type as given, never guess one from the body.
        "x-content-type-options": "nosniff",
    };
}

/** Routes are a fixed set, so the `route` metric label never explodes in cardinality. */
const APP: ReadonlySet<string> = new Set(APP_ROUTES);
/** The metrics port answers the scrape alone. */
const METRICS: ReadonlySet<string> = new Set([METRICS_PATH]);
const QUIET: ReadonlySet<string> = new Set(QUIET_ROUTES);
/**
 * The methods the `method` label keeps; any other (WebDAV's PROPFIND, say) is counted as OTHER, so
 * an unusual method never opens a new series. The access log keeps the method as sent.
 */
export const METRIC_METHODS: ReadonlySet<string> = new Set([
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "OPTIONS",
]);
export const OTHER_METHOD = "OTHER";
const methodLabel = (method: string | undefined): string =>
    method !== undefined && METRIC_METHODS.has(method) ? method : OTHER_METHOD;
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface BackendServer {
    /** The traffic port's server: the hello and the probes. */
    readonly server: http.Server;
    /** The metrics port's server: the scrape alone. */
    readonly metricsServer: http.Server;
    readonly registry: Registry;
    /** Starts the traffic port's listener; resolves with the bound port. */
    listen(port: number, host?: string): Promise<number>;
    /** Starts the metrics port's listener; resolves with the bound port. */
    listenMetrics(port: number, host?: string): Promise<number>;
    /** The SIGTERM sequence. Resolves with the process exit code (0: drained cleanly). */
    shutdown(signal: string): Promise<number>;
    readonly ready: boolean;
}

export function createBackendServer(options: ServerOptions): BackendServer {
    const limits = serverLimits(options.limits);
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    // http_requests_total and http_request_duration_seconds.
    const requestMetrics = new RequestMetrics({ registry, buckets: LATENCY_BUCKETS });

    const clientErrors = new Counter({
        name: "http_client_errors_total",
        help: "Requests refused before routing (malformed, too large, too slow), by the status answered.",
        labelNames: ["status"] as const,
        registers: [registry],
    });
    // Every series from the start: a rate() over them needs no first occurrence.
    for (const status of CLIENT_ERROR_STATUSES) clientErrors.inc({ status: String(status) }, 0);
    const dropped = new Counter({
        name: "http_connections_dropped_total",
        help: "Connections closed on arrival because the server already had its maximum open.",
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
        const contentType = typeof body === "string" ? "text/plain; charset=utf-8" : JSON_TYPE;
        res.writeHead(status, {
            ...answerHeaders(contentType, Buffer.byteLength(payload)),
            ...(draining ? { connection: "close" } : {}),
            ...headers,
        });
        res.end(payload);
    };

    /** A JSON answer that never changes (the hello, the probes): serialized once, not per request. */
    interface FixedAnswer {
        readonly status: number;
        readonly payload: Buffer;
        readonly headers: http.OutgoingHttpHeaders;
        /** The same, asking the client to reconnect (while draining). */
        readonly closing: http.OutgoingHttpHeaders;
    }
    const fixedAnswer = (status: number, body: unknown): FixedAnswer => {
        const payload = Buffer.from(JSON.stringify(body));
        const headers = answerHeaders(JSON_TYPE, payload.length);
        return { status, payload, headers, closing: { ...headers, connection: "close" } };
    };
    const sendFixed = (res: http.ServerResponse, answer: FixedAnswer): void => {
        res.writeHead(answer.status, draining ? answer.closing : answer.headers);
        res.end(answer.payload);
    };
    const HELLO = fixedAnswer(200, { message: "Hello, World!", pod: options.podName });
    const LIVE = fixedAnswer(200, { status: "ok" });
    const READY = fixedAnswer(200, { status: "ready" });
    const NOT_READY = fixedAnswer(503, { status: "draining" });

    interface Outcome {
        readonly route: string;
        readonly status: number;
    }

    /** Answers the request; a promise only where the route must wait (the metrics, the test seam). */
    const respond = (
        routes: ReadonlySet<string>,
        req: http.IncomingMessage,
        res: http.ServerResponse,
    ): Outcome | Promise<Outcome> => {
        const path = (req.url ?? "/").split("?")[0];
        const route = routes.has(path) ? (path as Route) : undefined;
        if (!route) {
            send(res, 404, { error: "not found", path: path.slice(0, 200) });
            return { route: "unmatched", status: 404 };
        }
        if (req.method !== "GET" && req.method !== "HEAD") {
            send(res, 405, { error: "method not allowed", allow: "GET, HEAD" }, { allow: "GET, HEAD" });
            return { route, status: 405 };
        }
        if (options.beforeRespond) return options.beforeRespond(route).then(() => answer(res, route));
        return answer(res, route);
    };

    const answer = (res: http.ServerResponse, route: Route): Outcome | Promise<Outcome> => {
        switch (route) {
            case ROUTES.root:
                sendFixed(res, HELLO);
                return { route, status: 200 };
            case ROUTES.liveness:
                sendFixed(res, LIVE);
                return { route, status: 200 };
            case ROUTES.readiness:
                if (!ready) {
                    sendFixed(res, NOT_READY);
                    return { route, status: 503 };
                }
                sendFixed(res, READY);
                return { route, status: 200 };
            case ROUTES.metrics:
                return registry.metrics().then((text) => {
                    send(res, 200, text, { "content-type": registry.contentType });
                    return { route, status: 200 };
                });
        }
    };

    const failed = (req: http.IncomingMessage, res: http.ServerResponse, error: Error): Outcome => {
        options.logger.error("request failed", { error: error.message, path: req.url });
        if (!res.headersSent) send(res, 500, { error: "internal error" });
        else res.destroy();
        return { route: "unmatched", status: 500 };
    };

    /**
     * The access log's loggers, one per method (as sent), route and status, their fields serialized
     * once: 0.3 µs less a line than passing them with each. At most limits.accessLoggers are kept.
     */
    const accessLoggers = new Map<string, Logger>();
    const accessLogger = (method: string | undefined, route: string, status: string): Logger => {
        const key = `${method} ${route} ${status}`;
        let logger = accessLoggers.get(key);
        if (logger === undefined) {
            logger = options.logger.child({ method, route, status });
            if (accessLoggers.size < limits.accessLoggers) accessLoggers.set(key, logger);
        }
        return logger;
    };

    const account = (req: http.IncomingMessage, { route, status }: Outcome, started: bigint): void => {
        try {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            const labels = { method: methodLabel(req.method), route, status: String(status) };
            requestMetrics.record(labels, seconds);
            if (options.accessLog && !QUIET.has(route)) {
                // The method as sent, not its label; the same fields, in the same order, as before.
                accessLogger(req.method, route, labels.status).info("request", {
                    durationMs: Math.round(seconds * 1e6) / 1e3,
                });
            }
        } catch (error) {
            // Accounting must never take the request, or the process, down with it.
            options.logger.error("request accounting failed", { error: (error as Error).message });
        }
    };

    /** Sockets already answered: once refused, the parser refuses everything after, once per chunk. */
    const refused = new WeakSet<Duplex>();
    const onClientError = (error: ClientError, socket: Duplex): void => {
        if (refused.has(socket)) return;
        refused.add(socket);
        // The client went away: nothing to answer, nothing it did wrong.
        if (error.code === "ECONNRESET") {
            socket.destroy();
            return;
        }
        const status = clientErrorStatus(error);
        try {
            clientErrors.inc({ status: String(status) });
            options.logger.info("client error", {
                status: String(status),
                code: error.code,
                reason: error.reason ?? error.message,
            });
        } catch (failure) {
            options.logger.error("client error accounting failed", { error: (failure as Error).message });
        }
        // A response on this connection that has begun (a timeout while one is written) must not be corrupted.
        const inFlight = (socket as { _httpMessage?: http.ServerResponse })._httpMessage;
        if (!socket.writable || inFlight?.headersSent) {
            socket.destroy();
            return;
        }
        socket.end(CLIENT_ERROR_RESPONSES.get(status));
        setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS).unref();
    };

    /** The request handler of a server that answers `routes`. */
    const handler =
        (routes: ReadonlySet<string>) =>
        (req: http.IncomingMessage, res: http.ServerResponse): void => {
            const started = process.hrtime.bigint();
            let outcome: Outcome | Promise<Outcome>;
            try {
                outcome = respond(routes, req, res);
            } catch (error) {
                outcome = failed(req, res, error as Error);
            }
            // Most routes answer synchronously: no promise, no extra turn of the event loop.
            if (outcome instanceof Promise) {
                outcome.then(
                    (done) => account(req, done, started),
                    (error: Error) => account(req, failed(req, res, error), started),
                );
            } else {
                account(req, outcome, started);
            }
        };

    // Both ports: the same timeouts, and the same answers to what the parser refuses.
    const createServer = (routes: ReadonlySet<string>): http.Server =>
        http
            .createServer(
                {
                    headersTimeout: limits.headersTimeoutMs,
                    requestTimeout: limits.requestTimeoutMs,
                    keepAliveTimeout: limits.keepAliveTimeoutMs,
                    connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
                },
                handler(routes),
            )
            .on("clientError", onClientError);
    const server = createServer(APP);
    // For Prometheus alone (the network policy admits nothing else to it): no cap of its own.
    const metricsServer = createServer(METRICS);
    // Past the cap Node closes a new connection at once, before reading from it.
    server.maxConnections = limits.maxConnections;
    server.on("drop", () => dropped.inc());
    new Gauge({
        name: "http_open_connections",
        help: "Connections open to the traffic port now (at most its maximum).",
        registers: [registry],
        collect() {
            return new Promise<void>((resolve) =>
                server.getConnections((error, count) => {
                    if (!error) this.set(count);
                    resolve();
                }),
            );
        },
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
            // Both listeners close: the metrics port answers scrapes until then.
            const servers = [server, metricsServer];
            const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
            for (const s of servers) s.closeIdleConnections();
            let timer: NodeJS.Timeout | undefined;
            const timedOut = new Promise<boolean>((resolve) => {
                timer = setTimeout(() => resolve(true), options.shutdownTimeoutSeconds * 1000);
            });
            const expired = await Promise.race([closed.then(() => false), timedOut]);
            clearTimeout(timer);
            if (expired) {
                for (const s of servers) s.closeAllConnections();
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
        metricsServer,
        listen: (port, host) => listen(server, port, host),
        listenMetrics: (port, host) => listen(metricsServer, port, host),
        shutdown,
    };
}

function listen(server: http.Server, port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
            server.off("error", reject);
            resolve((server.address() as AddressInfo).port);
        });
    });
}
