// A stand-in for the Pulumi CLI, for the stack tool's tests (tools/stack.ts drives the CLI through
// the Automation API). It answers as the CLI does for the commands the tool uses, and keeps its
// state in files the tests read:
//   $FAKE_PULUMI_STATE/calls                  every call, its arguments separated by \x1f
//   $FAKE_PULUMI_STATE/stacks/<name>/tags/<key>, .../outputs
//   $FAKE_PULUMI_STATE/order                  the stacks in creation order
// $FAKE_PULUMI_FAIL lists "command[:stack]" entries that must fail; $FAKE_PULUMI_VERSION is what
// `pulumi version` prints. Two ways in, one behaviour:
// - as a process: tests/fixtures/fake-pulumi/bin/pulumi, found by PulumiCommand.get({ root });
// - in-process: inProcess(command) answers the same calls without starting a process. The tool
//   makes a dozen calls per command and the suite ~340; as processes they cost ~5 ms each.
import * as fs from "node:fs";
import * as path from "node:path";
import type { PulumiCommand } from "@pulumi/pulumi/automation";

/** What a call printed and its exit code. */
export interface Answer {
    readonly stdout: string;
    readonly stderr: string;
    readonly code: number;
}

/** Where the process form lives: PulumiCommand.get({ root: FAKE_PULUMI_ROOT }) runs its bin/pulumi. */
export const FAKE_PULUMI_ROOT = path.join(__dirname, "..", "tests", "fixtures", "fake-pulumi");
export const FAKE_PULUMI_DEFAULT_VERSION = "v3.212.0";

class Exit extends Error {
    constructor(readonly code: number) {
        super(`exit ${code}`);
    }
}

/** One call of the CLI: `argv` as the Automation API passes it, in `cwd`, with `env`. */
export function answer(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Answer {
    let stdout = "";
    let stderr = "";
    const out = (text: string) => (stdout += text);
    try {
        call(argv, cwd, env, out, (text) => (stderr += text));
        return { stdout, stderr, code: 0 };
    } catch (error) {
        if (error instanceof Exit) return { stdout, stderr, code: error.code };
        throw error;
    }
}

function call(
    argv: readonly string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
    out: (text: string) => void,
    err: (text: string) => void,
): void {
    // The Automation API appends --non-interactive to every call; positions are read without it.
    const args = argv.filter((arg) => arg !== "--non-interactive");
    if (args[0] === "version") {
        out(`${env.FAKE_PULUMI_VERSION ?? FAKE_PULUMI_DEFAULT_VERSION}\n`);
        return;
    }
    const state = env.FAKE_PULUMI_STATE ?? "";
    if (state === "") {
        err("fake pulumi: FAKE_PULUMI_STATE is not set\n");
        throw new Exit(2);
    }
    const stacks = path.join(state, "stacks");
    const order = path.join(state, "order");
    fs.mkdirSync(stacks, { recursive: true });
    if (!fs.existsSync(order)) fs.writeFileSync(order, "");
    fs.appendFileSync(path.join(state, "calls"), `${argv.join("\x1f")}\n`);

    const flag = (name: string): string => {
        const at = args.indexOf(name);
        return at < 0 ? "" : (args[at + 1] ?? "");
    };
    const stack = flag("--stack");
    const fails = (what: string): boolean =>
        (env.FAKE_PULUMI_FAIL ?? "").split(",").some((entry) => entry === what || entry === `${what}:${stack}`);
    const die = (message: string): never => {
        err(`error: ${message}\n`);
        throw new Exit(255);
    };
    const dir = (name: string) => path.join(stacks, name);
    const known = (name: string): void => {
        if (!fs.existsSync(dir(name))) die(`no stack named '${name}' found`);
    };
    const tags = (name: string) => path.join(dir(name), "tags");
    const outputs = (name: string) => path.join(dir(name), "outputs");

    switch (`${args[0] ?? ""} ${args[1] ?? ""}`) {
        case "stack select":
            return known(stack);
        case "stack init": {
            const name = args[2];
            if (fs.existsSync(dir(name))) die(`stack '${name}' already exists`);
            fs.mkdirSync(tags(name), { recursive: true });
            fs.writeFileSync(outputs(name), "{}\n");
            fs.appendFileSync(order, `${name}\n`);
            const provider = flag("--secrets-provider");
            fs.writeFileSync(
                path.join(cwd, `Pulumi.${name}.yaml`),
                provider !== ""
                    ? // As a KMS secrets provider does: the provider and the data key only KMS could wrap.
                      `secretsprovider: ${provider}\nencryptedkey: ZmFrZS1rbXMtd3JhcHBlZC1rZXk=\n`
                    : // As a passphrase backend does: the stack file gets its salt.
                      "encryptionsalt: v1:fakesalt\n",
            );
            return;
        }
        case "stack tag":
            known(stack);
            switch (args[2]) {
                case "set":
                    return fs.writeFileSync(path.join(tags(stack), args[3]), args[4] ?? "");
                case "ls": {
                    const keys = fs.existsSync(tags(stack)) ? fs.readdirSync(tags(stack)) : [];
                    const entries = keys
                        .sort()
                        .map(
                            (key) =>
                                `${jsonString(key)}:${jsonString(fs.readFileSync(path.join(tags(stack), key), "utf8"))}`,
                        );
                    out(`{${entries.join(",")}}`);
                    // Simulates a `create` that extends the stack right after this read.
                    if (fails("extend-after-ls"))
                        fs.writeFileSync(path.join(tags(stack), "expires-at"), "2026-12-01T00:00:00.000Z");
                    return;
                }
                case "get":
                    return out(`${fs.readFileSync(path.join(tags(stack), args[3]), "utf8")}\n`);
                default:
                    return die(`unknown tag command ${args[2] ?? ""}`);
            }
        case "stack ls": {
            const names = fs
                .readFileSync(order, "utf8")
                .split("\n")
                .filter((name) => name !== "");
            const summaries = names.map(
                (name) => `{"name":${jsonString(name)},"current":false,"updateInProgress":false}`,
            );
            return out(`[${summaries.join(",")}]`);
        }
        case "stack output":
            known(stack);
            return out(fs.existsSync(outputs(stack)) ? fs.readFileSync(outputs(stack), "utf8") : "");
        case "stack history":
            return out(
                '[{"version":1,"kind":"update","startTime":"2026-11-25T08:00:00.000Z","endTime":"2026-11-25T08:10:00.000Z","message":"","environment":{},"config":{},"result":"succeeded","resourceChanges":{}}]',
            );
        case "stack rm": {
            const name = args[args.length - 1];
            known(name);
            fs.rmSync(dir(name), { recursive: true, force: true });
            const kept = fs
                .readFileSync(order, "utf8")
                .split("\n")
                .filter((line) => line !== "" && line !== name);
            return fs.writeFileSync(order, kept.map((line) => `${line}\n`).join(""));
        }
    }
    switch (args[0]) {
        case "up": {
            known(stack);
            out(
                `Updating (${stack})\n     Type  Name  Status\n +   pulumi:pulumi:Stack  scalable-backend-${stack}  created\n`,
            );
            if (fails("up")) die("update failed: 1 resource failed to create");
            // The outputs each layer's program exports (what tools/stack.ts reads of them).
            const placement = path.join(tags(stack), "scalable-backend:placement");
            const exported = stack.startsWith("tenant-")
                ? { namespace: `eph-${stack.slice("tenant-".length)}`, placement: "shared" }
                : fs.existsSync(placement) && fs.readFileSync(placement, "utf8") === "shared"
                  ? {
                        namespace: stack,
                        placement: "shared",
                        portForward: `kubectl -n ${stack} port-forward svc/backend 8080:80`,
                    }
                  : { backendUrl: `http://${stack}.elb.example.com` };
            fs.writeFileSync(outputs(stack), JSON.stringify(exported));
            return out("Resources:\n    + 97 created\n");
        }
        case "destroy":
            known(stack);
            out(`Destroying (${stack})\n`);
            if (fails("destroy")) die("destroy failed: resource still in use");
            return out("Resources:\n    - 97 deleted\n");
    }
    die(`fake pulumi does not know "${args.join(" ")}"`);
}

/** `s` as a JSON string, escaped as the CLI's output needs here (backslashes and quotes). */
function jsonString(s: string): string {
    return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The Automation API's internals that its exec() builds results and errors with (not in its typings). */
interface Automation {
    CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => unknown;
    createCommandError(result: unknown): Error;
}

/**
 * `command` (a PulumiCommand found by PulumiCommand.get over the process form) with every call
 * answered in this process by `respond`: given the same arguments, working directory and
 * environment (this process's, then the call's) as the process, resolving or failing with what the
 * Automation API's exec() builds from a process's output.
 */
export function inProcess(
    command: PulumiCommand,
    respond: (argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv) => Answer = answer,
): PulumiCommand {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as Automation;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createCommandError } = require("@pulumi/pulumi/automation/errors") as Automation;
    const answering = Object.create(command) as PulumiCommand & {
        run(
            args: string[],
            cwd: string,
            additionalEnv: Record<string, string>,
            onOutput?: (text: string) => void,
            onError?: (text: string) => void,
        ): Promise<unknown>;
    };
    answering.run = async (args, cwd, additionalEnv, onOutput, onError) => {
        // As PulumiCommand.run does: every call non-interactive.
        if (!args.includes("--non-interactive")) args.push("--non-interactive");
        const { stdout, stderr, code } = respond(args, cwd, { ...process.env, ...additionalEnv });
        if (stdout !== "") onOutput?.(stdout);
        if (stderr !== "") onError?.(stderr);
        // As execa hands them over: without a final newline.
        const [out, errText] = [stdout.replace(/\n$/, ""), stderr.replace(/\n$/, "")];
        if (code === 0) return new CommandResult(out, errText, 0);
        // execa's error for a non-zero exit, which exec() wraps with code -2.
        const line = [command.command, ...args].join(" ");
        const shortMessage = `Command failed with exit code ${code}: ${line}`;
        const execaError = Object.assign(
            new Error([shortMessage, errText, out].filter((part) => part !== "").join("\n")),
            {
                shortMessage,
                command: line,
                exitCode: code,
                stdout: out,
                stderr: errText,
                failed: true,
            },
        );
        throw createCommandError(new CommandResult("", execaError.message, -2, execaError));
    };
    return answering;
}

/** The process form's entry point (bin/pulumi). */
export function main(): void {
    const { stdout, stderr, code } = answer(process.argv.slice(2), process.cwd(), process.env);
    process.stdout.write(stdout);
    process.stderr.write(stderr);
    process.exitCode = code;
}
