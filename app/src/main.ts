// Process entry point: configuration from the environment, signals, exit codes.
import * as os from "node:os";
import { APP_PORT, METRICS_PORT } from "./routes";
import { createBackendServer, DEFAULT_MAX_CONNECTIONS, jsonLogger, Logger } from "./server";

export interface Settings {
    readonly port: number;
    /** Where /metrics is served, apart from traffic. */
    readonly metricsPort: number;
    readonly podName: string;
    readonly drainSeconds: number;
    readonly shutdownTimeoutSeconds: number;
    readonly accessLog: boolean;
    /** Open connections beyond which new ones are closed on arrival. */
    readonly maxConnections: number;
}

/** Parses the environment strictly: a typo in a Deployment's env must stop the pod, not be ignored. */
export function settingsFromEnv(env: NodeJS.ProcessEnv, hostname: string = os.hostname()): Settings {
    const number = (name: string, fallback: number, min: number, max: number): number => {
        const raw = env[name];
        if (raw === undefined || raw === "") return fallback;
        const value = Number(raw);
        if (!Number.isFinite(value) || value < min || value > max)
            throw new Error(`${name} is "${raw}"; expected a number from ${min} to ${max}`);
        return value;
    };
    const integer = (name: string, fallback: number, min: number, max: number): number => {
        const value = number(name, fallback, min, max);
        const raw = env[name];
        if (raw !== undefined && raw !== "" && !/^\d+$/.test(raw))
            throw new Error(`${name} is "${raw}"; expected an integer`);
        return value;
    };
    const accessLog = env.ACCESS_LOG ?? "true";
    if (accessLog !== "true" && accessLog !== "false")
        throw new Error(`ACCESS_LOG is "${accessLog}"; expected true or false`);
    // 0 asks the OS for a free port (tests).
    const port = integer("PORT", APP_PORT, 0, 65535);
    const metricsPort = integer("METRICS_PORT", METRICS_PORT, 0, 65535);
    if (metricsPort === port && port !== 0)
        throw new Error(`METRICS_PORT is ${metricsPort}, the same as PORT; the metrics need a port of their own`);
    return {
        port,
        metricsPort,
        // An empty POD_NAME (a Deployment's env without a value) means unset.
        podName: env.POD_NAME !== undefined && env.POD_NAME !== "" ? env.POD_NAME : hostname,
        drainSeconds: number("DRAIN_SECONDS", 0, 0, 300),
        shutdownTimeoutSeconds: number("SHUTDOWN_TIMEOUT_SECONDS", 20, 1, 600),
        accessLog: accessLog === "true",
        maxConnections: integer("MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS, 1, 1_000_000),
    };
}

/** Every exit goes through here: the log is buffered, so it is written out first. */
function exit(logger: Logger, code: number): never {
    logger.flush();
    process.exit(code);
}

async function main(logger: Logger): Promise<void> {
    let settings: Settings;
    try {
        settings = settingsFromEnv(process.env);
    } catch (error) {
        logger.error("invalid configuration", { error: (error as Error).message });
        exit(logger, 1);
    }
    const backend = createBackendServer({ ...settings, logger, limits: { maxConnections: settings.maxConnections } });
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.on(signal, () => {
            void backend.shutdown(signal).then((code) => exit(logger, code));
        });
    }
    process.on("uncaughtException", (error) => {
        logger.error("uncaught exception", { error: error.message, stack: error.stack });
        exit(logger, 1);
    });
    const port = await backend.listen(settings.port);
    const metricsPort = await backend.listenMetrics(settings.metricsPort);
    logger.info("listening", { port, metricsPort, pod: settings.podName });
    // Start-up is when someone watches the log: no waiting for the buffer.
    logger.flush();
}

if (require.main === module) {
    const logger = jsonLogger();
    main(logger).catch((error: Error) => {
        // A failed listen (port in use, permission) is logged like everything else, then fatal.
        logger.error("startup failed", { error: error.message });
        exit(logger, 1);
    });
}
