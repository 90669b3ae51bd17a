// Load test: the built app (node dist/main.js, access log on) against a bare node:http hello
// server, both on loopback, driven by autocannon from this process.
//   npm run bench:app [-- --duration 10 --connections 50 --stdout file|pipe --access-log true|false]
// Each target's stdout goes to a file (out/bench/<target>.stdout), as a container runtime writes a
// pod's log: reading a pipe here would charge the log's collection to the load generator, which
// shares the two cores with the server (--stdout pipe measures that way).
// Each target gets a warm-up, then a measured run; the order app, bare, bare, app cancels drift
// (thermal, other load), and the two runs per target are averaged. Prints a table, writes
// out/bench/app.json, and exits non-zero if any request errored or answered other than 2xx.
import autocannon from "autocannon";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "../..");
const APP_MAIN = path.join(ROOT, "app", "dist", "main.js");
const OUT_FILE = path.join(ROOT, "out", "bench", "app.json");
const HOST = "127.0.0.1";
const WARMUP_SECONDS = 2;
const PIPELINING = 1;
const HELLO = { message: "Hello, World!" };

/** The baseline: the least a Node HTTP server can do for the same route and body shape. */
const BARE_SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/") {
        const body = JSON.stringify({ message: "Hello, World!" });
        res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
        res.end(body);
    } else {
        res.writeHead(404, { "content-length": 0 });
        res.end();
    }
});
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ message: "listening", port: server.address().port })));
process.on("SIGTERM", () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
`;

interface Settings {
    readonly duration: number;
    readonly connections: number;
    /** Where the targets' stdout goes: a file each, or a pipe this process drains. */
    readonly stdout: "file" | "pipe";
    readonly accessLog: boolean;
}

function parseSettings(argv: string[]): Settings {
    const { values } = parseArgs({
        args: argv,
        options: {
            duration: { type: "string" },
            connections: { type: "string" },
            stdout: { type: "string" },
            "access-log": { type: "string" },
            help: { type: "boolean" },
        },
        strict: true,
        allowPositionals: false,
    });
    if (values.help) {
        process.stdout.write(
            "usage: npm run bench:app [-- --duration <seconds, default 10>] [--connections <n, default 50>]\n" +
                "                         [--stdout file|pipe, default file] [--access-log true|false, default true]\n",
        );
        process.exit(0);
    }
    const positiveInteger = (name: string, raw: string | undefined, fallback: number): number => {
        if (raw === undefined) return fallback;
        const value = Number(raw);
        if (!Number.isInteger(value) || value < 1)
            throw new Error(`--${name} is "${raw}"; expected a positive integer`);
        return value;
    };
    const oneOf = <T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T => {
        const value = raw ?? allowed[0];
        if (!(allowed as readonly string[]).includes(value))
            throw new Error(`--${name} is "${value}"; expected ${allowed.join(" or ")}`);
        return value as T;
    };
    return {
        duration: positiveInteger("duration", values.duration, 10),
        connections: positiveInteger("connections", values.connections, 50),
        stdout: oneOf("stdout", values.stdout, ["file", "pipe"] as const),
        accessLog: oneOf("access-log", values["access-log"], ["true", "false"] as const) === "true",
    };
}

const log = (message: string): void => void process.stderr.write(`bench: ${message}\n`);

// ---- child processes ------------------------------------------------------------------------

const children = new Set<ChildProcess>();
/** Children we asked to stop: their exit is expected. */
const stopping = new WeakSet<ChildProcess>();
const alive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

process.on("exit", () => {
    for (const child of children) if (alive(child)) child.kill("SIGKILL");
});

interface Target {
    readonly name: string;
    readonly child: ChildProcess;
    readonly url: string;
    /** Lines and bytes the target wrote to stdout; once it has exited, all of them. */
    readonly output: () => { lines: number; bytes: number };
    /** Set when the process exits before we stop it. */
    readonly died: () => string | undefined;
}

const newlines = (chunk: Buffer): number => {
    let lines = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    return lines;
};

/** The port in the first whole JSON line with message "listening" (app and bare server alike). */
function listeningPort(text: string): number | undefined {
    return text
        .split("\n")
        .filter((line) => line.startsWith("{") && line.endsWith("}") && line.includes('"message":"listening"'))
        .map((line) => JSON.parse(line) as { port?: number })
        .find((entry) => entry.port !== undefined)?.port;
}

/**
 * Spawns `node <args>` and resolves once it prints a JSON line with message "listening" and its
 * port. Its stdout goes to out/bench/<name>.stdout, or through a pipe this process drains.
 */
function startTarget(
    name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    stdout: Settings["stdout"],
): Promise<Target> {
    const file = path.join(path.dirname(OUT_FILE), `${name}.stdout`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = stdout === "file" ? fs.openSync(file, "w") : undefined;
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", fd ?? "pipe", "inherit"] });
    if (fd !== undefined) fs.closeSync(fd);
    children.add(child);
    let head = "";
    let lines = 0;
    let bytes = 0;
    let died: string | undefined;
    child.once("exit", (code, signal) => {
        if (!stopping.has(child)) died = `${name} exited with ${code ?? signal}`;
    });
    const output = (): { lines: number; bytes: number } => {
        if (fd === undefined) return { lines, bytes };
        const written = fs.readFileSync(file);
        return { lines: newlines(written), bytes: written.length };
    };
    return new Promise((resolve, reject) => {
        let poll: NodeJS.Timeout | undefined;
        let listening = false;
        const fail = (error: Error): void => {
            clearTimeout(timer);
            clearInterval(poll);
            if (!listening) reject(error);
        };
        const timer = setTimeout(
            () => fail(new Error(`${name} did not report its port within 15 s: ${head.slice(0, 500)}`)),
            15_000,
        );
        child.on("error", fail);
        child.once("exit", (code, signal) =>
            fail(new Error(`${name} exited with ${code ?? signal} before listening: ${head.slice(0, 500)}`)),
        );
        const check = (): void => {
            const port = listening ? undefined : listeningPort(head);
            if (port === undefined) return;
            listening = true;
            clearTimeout(timer);
            clearInterval(poll);
            resolve({ name, child, url: `http://${HOST}:${port}/`, output, died: () => died });
        };
        if (fd === undefined) {
            // Keep reading for the whole run: a full pipe would block the server's log writes.
            child.stdout!.on("data", (chunk: Buffer) => {
                bytes += chunk.length;
                lines += newlines(chunk);
                if (listening) return;
                head += chunk.toString("utf8");
                check();
            });
        } else {
            // The app's first lines wait in its buffer for at most its flush interval (1 s).
            poll = setInterval(() => {
                head = fs.readFileSync(file, "utf8");
                check();
            }, 20);
        }
    });
}

/** SIGTERM, then SIGKILL after 5 s. Resolves with how it ended, once its output is all read. */
async function stopTarget(child: ChildProcess): Promise<string> {
    stopping.add(child);
    if (!alive(child)) return `already exited (${child.exitCode ?? child.signalCode})`;
    // "close", not "exit": its stdout is read to the end first, so no line is counted missing.
    const exited = new Promise<string>((resolve) =>
        child.once("close", (code, signal) => resolve(String(code ?? signal))),
    );
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    const how = await exited;
    clearTimeout(timer);
    children.delete(child);
    return how;
}

// ---- load -----------------------------------------------------------------------------------

interface Run {
    readonly requestsPerSecond: number;
    readonly requests: number;
    readonly durationSeconds: number;
    /** From every 2xx response time (autocannon's own histogram has 1 ms resolution). */
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly autocannonP50Ms: number;
    readonly autocannonP99Ms: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
}

let current: autocannon.Instance | undefined;

function percentile(sorted: Float64Array, p: number): number {
    if (sorted.length === 0) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function load(url: string, seconds: number, connections: number): Promise<Run> {
    return new Promise((resolve, reject) => {
        let latencies = new Float64Array(1 << 16);
        let count = 0;
        const instance = autocannon(
            { url, method: "GET", connections, pipelining: PIPELINING, duration: seconds },
            (error, result) => {
                current = undefined;
                if (error) return reject(error instanceof Error ? error : new Error(String(error)));
                const sorted = latencies.subarray(0, count).sort();
                resolve({
                    requestsPerSecond: result.requests.average,
                    requests: result.requests.total,
                    durationSeconds: result.duration,
                    p50Ms: percentile(sorted, 50),
                    p99Ms: percentile(sorted, 99),
                    autocannonP50Ms: result.latency.p50,
                    autocannonP99Ms: result.latency.p99,
                    errors: result.errors,
                    timeouts: result.timeouts,
                    non2xx: result.non2xx,
                });
            },
        );
        current = instance;
        instance.on("response", (_client, statusCode, _bytes, responseTime) => {
            if (statusCode < 200 || statusCode > 299) return;
            if (count === latencies.length) {
                const grown = new Float64Array(latencies.length * 2);
                grown.set(latencies);
                latencies = grown;
            }
            latencies[count++] = responseTime;
        });
    });
}

/** One request before any load: the target answers the hello, so a 200 flood is the right thing. */
async function preflight(target: Target): Promise<void> {
    const response = await fetch(target.url);
    const body = (await response.json()) as { message?: unknown };
    if (response.status !== 200 || body.message !== HELLO.message) {
        throw new Error(`${target.name} answered GET / with ${response.status} ${JSON.stringify(body)}`);
    }
}

// ---- report ---------------------------------------------------------------------------------

interface Summary {
    readonly requestsPerSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly errors: number;
    readonly non2xx: number;
    readonly runs: Run[];
    readonly warmups: Run[];
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

function summarize(runs: Run[], warmups: Run[]): Summary {
    const all = [...runs, ...warmups];
    return {
        requestsPerSecond: mean(runs.map((r) => r.requestsPerSecond)),
        p50Ms: mean(runs.map((r) => r.p50Ms)),
        p99Ms: mean(runs.map((r) => r.p99Ms)),
        // Failures count wherever they happen, warm-ups included.
        errors: all.reduce((n, r) => n + r.errors, 0),
        non2xx: all.reduce((n, r) => n + r.non2xx, 0),
        runs,
        warmups,
    };
}

function table(rows: [string, Summary][], ratio: { requestsPerSecond: number; p99: number }): string {
    const cells: string[][] = [
        ["target", "req/s", "p50 ms", "p99 ms", "errors", "non-2xx"],
        ...rows.map(([name, s]) => [
            name,
            Math.round(s.requestsPerSecond).toLocaleString("en-US"),
            s.p50Ms.toFixed(2),
            s.p99Ms.toFixed(2),
            String(s.errors),
            String(s.non2xx),
        ]),
        ["app/bare", `${ratio.requestsPerSecond.toFixed(2)}x`, "", `${ratio.p99.toFixed(2)}x`, "", ""],
    ];
    const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
    return cells
        .map((row) =>
            row
                .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}

// ---- main -----------------------------------------------------------------------------------

function build(): void {
    // Under `npm run`, npm_execpath is npm's own CLI: run it with this node, no shell needed.
    const npmCli = process.env.npm_execpath;
    const [command, prefix] = npmCli && /\.c?js$/.test(npmCli) ? [process.execPath, [npmCli]] : ["npm", []];
    log("building the app (npm run build --workspace app)");
    const result = spawnSync(command, [...prefix, "run", "build", "--workspace", "app"], {
        cwd: ROOT,
        stdio: ["ignore", 2, 2],
        shell: process.platform === "win32" && command === "npm",
    });
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`the app build failed (exit ${result.status ?? result.signal})`);
    if (!fs.existsSync(APP_MAIN)) throw new Error(`the build did not produce ${path.relative(ROOT, APP_MAIN)}`);
}

async function main(): Promise<number> {
    const settings = parseSettings(process.argv.slice(2));
    build();

    // The app as the image runs it, with its defaults (access log on), except ephemeral ports.
    const appEnv: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_ENV: "production",
        PORT: "0",
        METRICS_PORT: "0",
        POD_NAME: "bench",
    };
    for (const name of ["ACCESS_LOG", "DRAIN_SECONDS", "SHUTDOWN_TIMEOUT_SECONDS", "MAX_CONNECTIONS"])
        delete appEnv[name];
    if (!settings.accessLog) appEnv.ACCESS_LOG = "false";
    const app = await startTarget("app", [APP_MAIN], appEnv, settings.stdout);
    const bare = await startTarget(
        "bare",
        ["-e", BARE_SERVER],
        { ...process.env, NODE_ENV: "production" },
        settings.stdout,
    );
    const targets = { app, bare };
    for (const target of [app, bare]) await preflight(target);
    log(
        `app on ${app.url}, bare on ${bare.url}; ${settings.connections} connections, pipelining ${PIPELINING}, ${WARMUP_SECONDS} s warm-up + ${settings.duration} s per run`,
    );

    const order = ["app", "bare", "bare", "app"] as const;
    const runs: Record<string, Run[]> = { app: [], bare: [] };
    const warmups: Record<string, Run[]> = { app: [], bare: [] };
    for (const [i, name] of order.entries()) {
        const target = targets[name];
        log(`[${i + 1}/${order.length}] ${name}: warm-up ${WARMUP_SECONDS} s`);
        warmups[name].push(await load(target.url, WARMUP_SECONDS, settings.connections));
        log(`[${i + 1}/${order.length}] ${name}: measuring ${settings.duration} s`);
        const run = await load(target.url, settings.duration, settings.connections);
        runs[name].push(run);
        const dead = target.died();
        if (dead) throw new Error(dead);
    }
    const stopped = { app: await stopTarget(app.child), bare: await stopTarget(bare.child) };
    // After the exit: the SIGTERM path has written out what the logger still held.
    const appOutput = app.output();

    const summaries = { app: summarize(runs.app, warmups.app), bare: summarize(runs.bare, warmups.bare) };
    const ratios = {
        requestsPerSecond: summaries.app.requestsPerSecond / summaries.bare.requestsPerSecond,
        p99: summaries.app.p99Ms / summaries.bare.p99Ms,
    };
    const failures = summaries.app.errors + summaries.app.non2xx + summaries.bare.errors + summaries.bare.non2xx;
    const requestsToApp = [...runs.app, ...warmups.app].reduce((n, r) => n + r.requests, 0);
    // One access line per request (the preflight's too) and the start-up and shutdown lines.
    const lostLines = settings.accessLog ? Math.max(0, requestsToApp - appOutput.lines) : 0;

    process.stdout.write(
        `GET / on ${HOST}, ${settings.connections} connections, pipelining ${PIPELINING}, ${settings.duration} s after ${WARMUP_SECONDS} s warm-up, access log ${settings.accessLog ? "on" : "off"}; ` +
            `order ${order.join(", ")}, 2 runs averaged (node ${process.version}, ${os.cpus().length} CPUs)\n` +
            `${table(
                [
                    ["app", summaries.app],
                    ["bare", summaries.bare],
                ],
                ratios,
            )}\n` +
            `app stdout: ${appOutput.lines.toLocaleString("en-US")} lines (${(appOutput.bytes / 1e6).toFixed(1)} MB) ` +
            `${settings.stdout === "file" ? "written to out/bench/app.stdout" : "drained by the load generator"} for ${requestsToApp.toLocaleString("en-US")} requests\n`,
    );

    const report = {
        generatedAt: new Date().toISOString(),
        environment: {
            node: process.version,
            platform: `${process.platform}-${process.arch}`,
            cpus: os.cpus().length,
            cpuModel: os.cpus()[0]?.model,
        },
        settings: {
            url: "GET /",
            host: HOST,
            durationSeconds: settings.duration,
            warmupSeconds: WARMUP_SECONDS,
            connections: settings.connections,
            pipelining: PIPELINING,
            stdout: settings.stdout,
            order,
        },
        targets: {
            app: {
                command: "node app/dist/main.js",
                accessLog: settings.accessLog,
                stdoutLines: appOutput.lines,
                stdoutBytes: appOutput.bytes,
                exit: stopped.app,
                ...summaries.app,
            },
            bare: { command: "node -e <node:http hello>", exit: stopped.bare, ...summaries.bare },
        },
        ratios: { appOverBare: ratios },
        ok: failures === 0 && lostLines === 0,
    };
    fs.mkdirSync(path.dirname(OUT_FILE), { recursive: true });
    fs.writeFileSync(OUT_FILE, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${path.relative(ROOT, OUT_FILE)}`);
    if (stopped.app !== "0") log(`warning: the app exited with ${stopped.app} on SIGTERM (expected 0)`);
    if (failures > 0) {
        log(`FAILED: ${failures} request(s) errored or answered non-2xx`);
        return 1;
    }
    if (lostLines > 0) {
        log(`FAILED: ${lostLines} access line(s) missing from the app's stdout`);
        return 1;
    }
    return 0;
}

async function shutdown(code: number): Promise<never> {
    current?.stop();
    await Promise.all([...children].map((child) => stopTarget(child).catch(() => undefined)));
    process.exit(code);
}

for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
] as const) {
    process.once(signal, () => {
        log(`${signal}: stopping`);
        void shutdown(code);
    });
}

main().then(
    (code) => shutdown(code),
    (error: Error) => {
        log(`error: ${error.message}`);
        void shutdown(1);
    },
);
