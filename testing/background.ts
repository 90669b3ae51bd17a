// Command lines the tests run as processes of their own, started as their test file loads: each
// runs beside the tests before it (the run is one thread; the machine has two cores) instead of
// holding the run up while it goes. A filtered run (--grep) still starts them.
import { spawn } from "node:child_process";

export interface Finished {
    readonly status: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Starts `command` now; the promise settles when it exits, with everything it printed. */
export function startInBackground(
    command: string,
    args: readonly string[],
    options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv },
): Promise<Finished> {
    const finished = new Promise<Finished>((resolve, reject) => {
        const child = spawn(command, [...args], {
            cwd: options.cwd,
            env: options.env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
    });
    // Awaited later, by its test: until then a failure to start is not an unhandled rejection.
    finished.catch(() => undefined);
    return finished;
}
