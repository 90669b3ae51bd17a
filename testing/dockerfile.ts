// A Dockerfile parser for the static checks of app/Dockerfile (app/test/dockerfile.test.ts):
// instructions with continuations joined, stages and global ARGs, and the operands of COPY, RUN and
// ENV. It throws on what it cannot parse faithfully (heredocs, another escape character).
import * as path from "node:path";

export interface Instruction {
    /** Upper-cased: FROM, RUN, COPY, ... */
    readonly keyword: string;
    /** Everything after the keyword, continuation lines joined, trimmed. */
    readonly args: string;
    /** 1-based line where the instruction starts. */
    readonly line: number;
}

/** Splits a Dockerfile into instructions: `\` continues a line; comment and blank lines are dropped, also inside a continuation. */
export function parseDockerfile(text: string): Instruction[] {
    // Parser directives: `# key=value` lines at the very top. Only the default escape character is supported.
    for (const line of text.split(/\r?\n/)) {
        const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
        if (!directive) break;
        if (directive[1].toLowerCase() === "escape" && directive[2] !== "\\")
            throw new Error(`unsupported escape directive: ${directive[2]}`);
    }
    const instructions: Instruction[] = [];
    let pending: { text: string; line: number } | undefined;
    const finish = (): void => {
        if (!pending) return;
        const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(pending.text);
        if (match && match[1]) {
            const args = match[2].trim();
            if (/^(RUN|COPY|ADD)$/i.test(match[1]) && /<<-?["']?[A-Za-z_]/.test(args))
                throw new Error(`line ${pending.line}: heredocs are not supported by this parser`);
            instructions.push({ keyword: match[1].toUpperCase(), args, line: pending.line });
        }
        pending = undefined;
    };
    text.split(/\r?\n/).forEach((raw, index) => {
        const trimmed = raw.trim();
        if (trimmed === "" || trimmed.startsWith("#")) return;
        const continued = /\\[ \t]*$/.test(raw);
        const content = continued ? raw.replace(/\\[ \t]*$/, "") : raw;
        if (pending) pending.text += content;
        else pending = { text: content, line: index + 1 };
        if (!continued) finish();
    });
    finish();
    return instructions;
}

/** Whitespace-separated words, with surrounding quotes removed. */
export const words = (args: string): string[] =>
    (args.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^(["'])(.*)\1$/, "$2"));

/** The JSON (exec) form of RUN/CMD/ENTRYPOINT/COPY, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
    if (!args.startsWith("[")) return undefined;
    try {
        const parsed: unknown = JSON.parse(args);
        return Array.isArray(parsed) && parsed.every((p) => typeof p === "string") ? parsed : undefined;
    } catch {
        return undefined;
    }
}

/** `KEY=value ...` pairs (ENV, ARG), or the legacy `ENV KEY value` form. */
export function assignments(args: string, legacy: boolean): [string, string | undefined][] {
    const tokens = words(args);
    if (legacy && tokens.length >= 2 && !tokens[0].includes("="))
        return [
            [
                tokens[0],
                args
                    .trim()
                    .slice(tokens[0].length)
                    .trim()
                    .replace(/^(["'])(.*)\1$/, "$2"),
            ],
        ];
    return tokens.map((token) => {
        const at = token.indexOf("=");
        return at < 0 ? [token, undefined] : [token.slice(0, at), token.slice(at + 1).replace(/^(["'])(.*)\1$/, "$2")];
    });
}

/** Flags (`--from=x`) and operands of COPY/ADD; JSON form included. */
export function copyParts(args: string): { flags: Map<string, string>; sources: string[]; destination: string } {
    const flags = new Map<string, string>();
    let rest = args.trim();
    for (let flag = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest); flag; flag = /^--([\w-]+)(?:=(\S*))?\s+/.exec(rest)) {
        flags.set(flag[1], flag[2] ?? "");
        rest = rest.slice(flag[0].length);
    }
    const operands = execForm(rest) ?? words(rest);
    if (operands.length < 2) throw new Error(`COPY needs a source and a destination: ${args}`);
    return { flags, sources: operands.slice(0, -1), destination: operands[operands.length - 1] };
}

export interface Stage {
    readonly index: number;
    readonly name?: string;
    /** The FROM operand as written. */
    readonly base: string;
    readonly from: Instruction;
    readonly body: Instruction[];
}

export interface Dockerfile {
    readonly instructions: Instruction[];
    /** ARGs before the first FROM: the only ones a FROM can use. */
    readonly globalArgs: Map<string, string | undefined>;
    readonly stages: Stage[];
}

export function dockerfileOf(text: string): Dockerfile {
    const instructions = parseDockerfile(text);
    const globalArgs = new Map<string, string | undefined>();
    const stages: Stage[] = [];
    for (const instruction of instructions) {
        if (instruction.keyword === "FROM") {
            const tokens = words(instruction.args).filter((t) => !t.startsWith("--"));
            const name = tokens[1]?.toUpperCase() === "AS" ? tokens[2] : undefined;
            stages.push({ index: stages.length, name, base: tokens[0], from: instruction, body: [] });
        } else if (stages.length === 0) {
            if (instruction.keyword !== "ARG")
                throw new Error(`line ${instruction.line}: only ARG may come before the first FROM`);
            for (const [key, value] of assignments(instruction.args, false)) globalArgs.set(key, value);
        } else {
            stages[stages.length - 1].body.push(instruction);
        }
    }
    return { instructions, globalArgs, stages };
}

export const finalStage = (dockerfile: Dockerfile): Stage => dockerfile.stages[dockerfile.stages.length - 1];
export const last = (stage: Stage, keyword: string): Instruction | undefined =>
    stage.body.filter((i) => i.keyword === keyword).at(-1);
export const stageNamed = (dockerfile: Dockerfile, ref: string): Stage | undefined =>
    dockerfile.stages.find((s) => s.name === ref || String(s.index) === ref);

/** The working directory in effect at a stage's instruction (WORKDIR is cumulative; relative ones resolve against it). */
export function workdirAt(stage: Stage, instruction: Instruction): string {
    let dir = "/";
    for (const i of stage.body) {
        if (i === instruction) break;
        if (i.keyword === "WORKDIR") dir = path.posix.resolve(dir, i.args);
    }
    return dir;
}

/** Simple commands of a RUN, as words: shell operators split them; the exec form is one command. */
export function runCommands(instruction: Instruction): string[][] {
    const exec = execForm(instruction.args);
    if (exec) return [exec];
    return instruction.args
        .split(/&&|\|\||[;|\n]/)
        .map(words)
        .filter((w) => w.length > 0);
}

/** The npm subcommand and its arguments, for each npm invocation in a RUN. */
export function npmInvocations(instruction: Instruction): { subcommand: string; args: string[] }[] {
    return runCommands(instruction).flatMap((command) => {
        const at = command.findIndex((w) => w === "npm" || w.endsWith("/npm"));
        if (at < 0) return [];
        const rest = command.slice(at + 1);
        const sub = rest.findIndex((w) => !w.startsWith("-"));
        return sub < 0 ? [] : [{ subcommand: rest[sub], args: [...rest.slice(0, sub), ...rest.slice(sub + 1)] }];
    });
}
