// The stack tool's fake Pulumi CLI (testing/fake-pulumi.ts): its in-process form resolves and
// fails exactly as the Automation API does over a process, and its process form is the same fake.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiCommand, StackAlreadyExistsError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { ROOT } from "../testing/engine";
import { Answer, answer, FAKE_PULUMI_DEFAULT_VERSION, FAKE_PULUMI_ROOT, inProcess } from "../testing/fake-pulumi";

/** What the Automation API's run() is typed as internally (not in its public typings). */
type Run = (
    args: string[],
    cwd: string,
    env: Record<string, string>,
    onOutput?: (text: string) => void,
    onError?: (text: string) => void,
) => Promise<{ stdout: string; stderr: string; code: number }>;
const runOf = (command: PulumiCommand): Run => (command as unknown as { run: Run }).run.bind(command);

/** Everything a caller can see of a call's outcome, streamed output included. */
async function outcome(command: PulumiCommand, args: string[], cwd: string, env: Record<string, string>) {
    let streamed = "";
    let streamedErrors = "";
    try {
        const { stdout, stderr, code } = await runOf(command)(
            args,
            cwd,
            env,
            (text) => (streamed += text),
            (text) => (streamedErrors += text),
        );
        return { resolved: { stdout, stderr, code }, streamed, streamedErrors };
    } catch (error) {
        const { commandResult } = error as {
            commandResult: { stdout: string; stderr: string; code: number; err: any };
        };
        const { err } = commandResult;
        return {
            rejected: {
                type: (error as Error).constructor.name,
                message: (error as Error).message,
                result: { stdout: commandResult.stdout, stderr: commandResult.stderr, code: commandResult.code },
                err: {
                    message: err.message,
                    shortMessage: err.shortMessage,
                    command: err.command,
                    exitCode: err.exitCode,
                    stdout: err.stdout,
                    stderr: err.stderr,
                    failed: err.failed,
                },
            },
            streamed,
            streamedErrors,
        };
    }
}

describe("fake pulumi: in-process, as over a process", () => {
    // A CLI that prints what it is told to (and its arguments and directory) and exits with the code it is told.
    let root: string;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "answering-cli-"));
        fs.mkdirSync(path.join(root, "bin"));
        fs.writeFileSync(
            path.join(root, "bin", "pulumi"),
            [
                "#!/bin/sh",
                '[ "$1" = version ] && { echo v3.212.0; exit 0; }',
                'printf "%s|%s|%s$ANSWER_END" "$ANSWER_STDOUT" "$*" "$PWD"',
                'printf "%s" "$ANSWER_STDERR" >&2',
                'exit "$ANSWER_CODE"',
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    const respond = (argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Answer => ({
        stdout: `${env.ANSWER_STDOUT ?? ""}|${argv.join(" ")}|${cwd}${env.ANSWER_END === "\\n" ? "\n" : (env.ANSWER_END ?? "")}`,
        stderr: env.ANSWER_STDERR ?? "",
        code: Number(env.ANSWER_CODE),
    });
    const cases: [string, Record<string, string>][] = [
        ["a success, its final newline stripped", { ANSWER_STDOUT: "[]", ANSWER_END: "\\n", ANSWER_CODE: "0" }],
        ["a success with warnings", { ANSWER_STDOUT: "ok", ANSWER_STDERR: "warning: slow\n", ANSWER_CODE: "0" }],
        [
            "a missing stack",
            { ANSWER_STDOUT: "", ANSWER_STDERR: "error: no stack named 'eph-a' found\n", ANSWER_CODE: "255" },
        ],
        [
            "an existing stack",
            { ANSWER_STDOUT: "", ANSWER_STDERR: "error: stack 'eph-a' already exists\n", ANSWER_CODE: "255" },
        ],
        [
            "a failed update that printed first",
            {
                ANSWER_STDOUT: "Updating (eph-a)",
                ANSWER_END: "\\n",
                ANSWER_STDERR: "error: update failed\n",
                ANSWER_CODE: "255",
            },
        ],
        ["a failure with nothing on stderr", { ANSWER_STDOUT: "", ANSWER_CODE: "2" }],
    ];

    it("resolves and fails with what exec() builds from the process, streamed output included", async () => {
        const overProcess = await PulumiCommand.get({ root, skipVersionCheck: true });
        const answered = inProcess(overProcess, respond);
        const seen = new Set<string>();
        for (const [what, env] of cases) {
            const args = ["stack", "ls", "--json"];
            const expected = await outcome(overProcess, [...args], ROOT, env);
            const actual = await outcome(answered, [...args], ROOT, env);
            assert.deepEqual(actual, expected, what);
            seen.add(expected.rejected?.type ?? "resolved");
        }
        // The cases reach each way the Automation API tells failures apart.
        assert.deepEqual(
            [...seen].sort(),
            ["CommandError", StackAlreadyExistsError.name, StackNotFoundError.name, "resolved"].sort(),
        );
    });

    it("sees this process's environment under the call's, as the process does", async () => {
        const overProcess = await PulumiCommand.get({ root, skipVersionCheck: true });
        const answered = inProcess(overProcess, respond);
        process.env.ANSWER_STDOUT = "from this process";
        process.env.ANSWER_STDERR = "overridden";
        try {
            const env = { ANSWER_STDERR: "from the call", ANSWER_CODE: "0" };
            const expected = await outcome(overProcess, ["stack", "ls"], ROOT, env);
            assert.deepEqual(await outcome(answered, ["stack", "ls"], ROOT, env), expected);
            assert.deepEqual(expected.resolved, {
                stdout: `from this process|stack ls --non-interactive|${ROOT}`,
                stderr: "from the call",
                code: 0,
            });
        } finally {
            delete process.env.ANSWER_STDOUT;
            delete process.env.ANSWER_STDERR;
        }
    });

    it("is the command it was given, answering instead of starting it", async () => {
        const overProcess = await PulumiCommand.get({ root, skipVersionCheck: true });
        const answered = inProcess(overProcess, respond);
        assert.equal(answered.command, path.join(root, "bin", "pulumi"));
        assert.deepEqual(answered.version, overProcess.version);
        assert.ok(answered instanceof PulumiCommand);
    });
});

describe("fake pulumi: its own answers", () => {
    let state: string;
    beforeEach(() => (state = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"))));
    afterEach(() => fs.rmSync(state, { recursive: true, force: true }));

    it("records each call and keeps stacks, their tags and outputs, as a backend does", () => {
        const env = { FAKE_PULUMI_STATE: state };
        const call = (...args: string[]) => answer([...args, "--non-interactive"], state, env);
        assert.deepEqual(call("stack", "init", "eph-a"), { stdout: "", stderr: "", code: 0 });
        assert.equal(fs.readFileSync(path.join(state, "Pulumi.eph-a.yaml"), "utf8"), "encryptionsalt: v1:fakesalt\n");
        call("stack", "tag", "set", "owner", 'a "quoted" \\ name', "--stack", "eph-a");
        assert.equal(
            call("stack", "tag", "ls", "--json", "--stack", "eph-a").stdout,
            '{"owner":"a \\"quoted\\" \\\\ name"}',
        );
        assert.deepEqual(JSON.parse(call("stack", "ls", "--json").stdout), [
            { name: "eph-a", current: false, updateInProgress: false },
        ]);
        assert.equal(call("up", "--yes", "--stack", "eph-a").code, 0);
        assert.equal(
            call("stack", "output", "--json", "--stack", "eph-a").stdout,
            '{"backendUrl":"http://eph-a.elb.example.com"}',
        );
        assert.equal(call("stack", "rm", "--yes", "eph-a").code, 0);
        assert.equal(call("stack", "ls", "--json").stdout, "[]");
        assert.deepEqual(fs.readFileSync(path.join(state, "calls"), "utf8").split("\n").slice(0, 2), [
            ["stack", "init", "eph-a", "--non-interactive"].join("\x1f"),
            ["stack", "tag", "set", "owner", 'a "quoted" \\ name', "--stack", "eph-a", "--non-interactive"].join(
                "\x1f",
            ),
        ]);
    });

    it("fails as the CLI does: a missing stack, a listed failure, an unknown command, no state", () => {
        const env = { FAKE_PULUMI_STATE: state, FAKE_PULUMI_FAIL: "up:eph-b" };
        assert.deepEqual(answer(["stack", "select", "--stack", "eph-a"], state, env), {
            stdout: "",
            stderr: "error: no stack named 'eph-a' found\n",
            code: 255,
        });
        answer(["stack", "init", "eph-b"], state, env);
        const up = answer(["up", "--stack", "eph-b"], state, env);
        assert.equal(up.code, 255);
        assert.match(up.stdout, /^Updating \(eph-b\)\n/);
        assert.equal(up.stderr, "error: update failed: 1 resource failed to create\n");
        assert.deepEqual(answer(["whoami"], state, env), {
            stdout: "",
            stderr: 'error: fake pulumi does not know "whoami"\n',
            code: 255,
        });
        assert.deepEqual(answer(["stack", "ls"], state, {}), {
            stdout: "",
            stderr: "fake pulumi: FAKE_PULUMI_STATE is not set\n",
            code: 2,
        });
    });

    it("answers the same as a process, where PulumiCommand.get finds it", () => {
        const env = { ...process.env, FAKE_PULUMI_STATE: state };
        const bin = path.join(FAKE_PULUMI_ROOT, "bin", "pulumi");
        const version = spawnSync(bin, ["version"], { cwd: state, env, encoding: "utf8" });
        assert.deepEqual([version.status, version.stdout], [0, `${FAKE_PULUMI_DEFAULT_VERSION}\n`]);
        const missing = spawnSync(bin, ["stack", "select", "--stack", "eph-a"], { cwd: state, env, encoding: "utf8" });
        assert.deepEqual(
            { stdout: missing.stdout, stderr: missing.stderr, code: missing.status },
            answer(["stack", "select", "--stack", "eph-a"], state, env),
        );
        assert.deepEqual(fs.readFileSync(path.join(state, "calls"), "utf8").split("\n"), [
            "stack\x1fselect\x1f--stack\x1feph-a",
            "stack\x1fselect\x1f--stack\x1feph-a",
            "",
        ]);
    });
});
