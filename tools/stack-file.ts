// The stack a command-line tool is asked for, checked before anything is evaluated: a name this
// program knows, then its stack file, then that file's shape. Each problem is one line naming what
// is wrong, where the engine would otherwise report "missing configuration values" for all of them.
// The name is checked before it reaches a file path, so "/../../x" never reads outside the project.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export class StackFileError extends Error {}

/** dev, prod or eph-<slug>: the rule config/stack.ts `classifyStack` applies to the running program. */
const STACK_NAME = /^(dev|prod|eph-[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?)$/;

export function checkStackName(name: string): string {
    if (!STACK_NAME.test(name))
        throw new StackFileError(
            `${JSON.stringify(name)} is not a stack this program knows: dev, prod or eph-<slug> (lowercase letters, digits and dashes, at most 36 characters).`,
        );
    return name;
}

const kindOf = (value: unknown): string =>
    Array.isArray(value)
        ? "a list"
        : value === null
          ? "empty"
          : typeof value === "object"
            ? "a mapping"
            : `a ${typeof value}`;

/** `<root>/Pulumi.<stack>.yaml`, once the name is known, the file exists and its `config:` is a mapping. */
export function checkStackFile(root: string, stack: string): string {
    checkStackName(stack);
    const name = `Pulumi.${stack}.yaml`;
    const file = path.join(root, name);
    if (!fs.existsSync(file))
        throw new StackFileError(
            stack.startsWith("eph-")
                ? `${name} does not exist: \`npm run stack -- create ${stack}\` writes it.`
                : `${name} does not exist in ${root}.`,
        );
    let doc: unknown;
    try {
        doc = yaml.load(fs.readFileSync(file, "utf8"));
    } catch (error) {
        const { reason, mark } = error as yaml.YAMLException;
        throw new StackFileError(`${name} line ${mark.line + 1}: ${reason}.`);
    }
    if (doc === undefined || doc === null) return file;
    if (kindOf(doc) !== "a mapping") throw new StackFileError(`${name} is ${kindOf(doc)}, not a mapping of settings.`);
    const config = (doc as { config?: unknown }).config;
    if (config !== undefined && kindOf(config) !== "a mapping")
        throw new StackFileError(`${name}: config: is ${kindOf(config)}, not a mapping of keys to values.`);
    return file;
}

export const PLAN_USAGE = "usage: npm run plan -- <stack>   (dev, prod or eph-<slug>; --help for more)";

export const PLAN_HELP = `npm run plan -- <stack>
  Evaluates the program for <stack> (dev, prod or eph-<slug>) under the mock engine: no Pulumi CLI,
  no AWS credentials. Prints the resource tree, the modeled cold create, the estimated cost and the
  outputs; writes out/<stack>/ (plan.json, k8s/*.yaml, helm/*.yaml) and out/<stack>.records.json.
`;

/** `plan`'s arguments: exactly one stack name, or a request for help. */
export function parsePlanArgs(argv: readonly string[]): { help: true } | { help: false; stack: string } {
    if (argv.some((arg) => arg === "--help" || arg === "-h")) return { help: true };
    const option = argv.find((arg) => arg.startsWith("-"));
    if (option !== undefined) throw new StackFileError(`Unknown option ${option}. ${PLAN_USAGE}`);
    if (argv.length === 0) throw new StackFileError(PLAN_USAGE);
    if (argv.length > 1)
        throw new StackFileError(`plan takes one stack name, not ${argv.length}: ${argv.join(" ")}. ${PLAN_USAGE}`);
    return { help: false, stack: argv[0] };
}
