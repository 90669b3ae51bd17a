// The policy pack run offline on a plan's records, without the Pulumi CLI or credentials:
//   npm run policy:offline -- <out/<stack>.records.json>
// CI runs it from the base branch's checkout on the records the PR's plan wrote, so a pull request
// is judged by rules it cannot edit (prod's only evidence on a PR: no PR code runs against prod).
// Prints one line per finding; exits 1 when any is mandatory, 2 when the records are unreadable.
import * as fs from "fs";
import { environmentOf, withEnforcement } from "../policy/enforcement";
import { ALL_POLICIES } from "../policy/rules";
import type { RecordedResource } from "../testing/engine";
import { evaluate, Violation } from "../testing/policy";

export class RecordsError extends Error {}

const STACK_NAME = /^(dev|prod|eph-[a-z0-9-]+|tenant-[a-z0-9-]+)$/;

/** The records file, checked for the shape the runner reads: it comes from the PR's own code. */
export function parseRecords(text: string, file: string): { stack: string; resources: RecordedResource[] } {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (error) {
        throw new RecordsError(`${file} is not JSON (${(error as Error).message}); run \`npm run plan -- <stack>\`.`);
    }
    const { stack, resources } = (doc ?? {}) as { stack?: unknown; resources?: unknown };
    if (typeof stack !== "string" || !STACK_NAME.test(stack))
        throw new RecordsError(
            `${file}: "stack" is ${JSON.stringify(stack)}, not dev, prod, eph-<slug> or tenant-<slug>.`,
        );
    if (!Array.isArray(resources)) throw new RecordsError(`${file}: "resources" is not a list.`);
    resources.forEach((r, i) => {
        const ok =
            r !== null &&
            typeof r === "object" &&
            ["type", "name", "urn"].every((key) => typeof r[key] === "string") &&
            [r.inputs, r.outputs].every((v) => v !== null && typeof v === "object" && !Array.isArray(v)) &&
            ["dependencies", "ignoreChanges", "secretInputs"].every((key) => Array.isArray(r[key]));
        if (!ok) throw new RecordsError(`${file}: resources[${i}] is not a recorded resource.`);
    });
    return { stack, resources: resources as RecordedResource[] };
}

/** The pack as the CLI would enforce it on this stack (mandatory in prod what is advisory in dev). */
export function judge(stack: string, resources: readonly RecordedResource[]): Promise<Violation[]> {
    return evaluate(withEnforcement([...ALL_POLICIES], environmentOf(stack)), resources);
}

const nameOf = (urn: string | undefined): string => (urn ? urn.slice(urn.lastIndexOf("::") + 2) : "(stack)");

export function renderFindings(stack: string, violations: readonly Violation[]): string {
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    const lines = [
        `${stack}: ${mandatory.length} mandatory, ${violations.length - mandatory.length} advisory finding(s)`,
        ...[...violations]
            .sort((a, b) =>
                `${a.enforcementLevel}${a.policy}${nameOf(a.urn)}`.localeCompare(
                    `${b.enforcementLevel}${b.policy}${nameOf(b.urn)}`,
                ),
            )
            .map((v) => `  ${v.enforcementLevel} ${v.policy} ${nameOf(v.urn)}: ${v.message.replace(/\s+/g, " ")}`),
    ];
    return `${lines.join("\n")}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
    if (argv.length !== 1 || argv[0].startsWith("-")) {
        process.stderr.write("usage: npm run policy:offline -- <out/<stack>.records.json>\n");
        return 2;
    }
    const file = argv[0];
    if (!fs.existsSync(file) || !fs.lstatSync(file).isFile()) {
        process.stderr.write(`${file} is not a file; \`npm run plan -- <stack>\` writes it.\n`);
        return 2;
    }
    const { stack, resources } = parseRecords(fs.readFileSync(file, "utf8"), file);
    const violations = await judge(stack, resources);
    process.stdout.write(renderFindings(stack, violations));
    return violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: Error) => {
            process.stderr.write(`policy:offline: ${error.message}\n`);
            process.exit(2);
        },
    );
}
