// The committed URN lists (tests/fixtures/<stack>.urns): every URN a stack has ever had, so a
// resource renamed or re-parented without an alias fails tests/urns.test.ts (in a real account
// that is a delete and a create).
//   npm run urns           add the URNs of new resources (it never removes a line)
// A resource removed on purpose: delete its line by hand in the same commit, and say why there.
import * as fs from "fs";
import * as path from "path";
import { ROOT, runStack, StackRun } from "../testing/engine";

export const URN_STACKS = ["dev", "prod"] as const;

export function urnFile(stack: string): string {
    return path.join(ROOT, "tests", "fixtures", `${stack}.urns`);
}

export function readUrns(file: string): string[] {
    return fs.existsSync(file)
        ? fs
              .readFileSync(file, "utf8")
              .split("\n")
              .filter((line) => line.trim() !== "")
        : [];
}

/** Listed URNs the run neither has nor answers to through an alias: each is a delete in a real account. */
export function vanishedUrns(listed: readonly string[], run: StackRun): string[] {
    const answered = new Set(run.resources.flatMap((r) => [r.urn, ...r.aliases]));
    return listed.filter((urn) => !answered.has(urn));
}

/** The run's URNs the list lacks (new resources). */
export function unlistedUrns(listed: readonly string[], run: StackRun): string[] {
    const known = new Set(listed);
    return run.resources
        .map((r) => r.urn)
        .filter((urn) => !known.has(urn))
        .sort();
}

/** The list with the run's new URNs added, sorted; nothing is ever dropped. */
export function mergedUrns(listed: readonly string[], run: StackRun): string[] {
    return [...new Set([...listed, ...run.resources.map((r) => r.urn)])].sort();
}

async function main(): Promise<void> {
    for (const stack of URN_STACKS) {
        const file = urnFile(stack);
        const listed = readUrns(file);
        const run = await runStack(stack);
        const merged = mergedUrns(listed, run);
        fs.writeFileSync(file, `${merged.join("\n")}\n`);
        console.log(`${path.relative(ROOT, file)}: ${merged.length - listed.length} added, ${merged.length} in all`);
        const vanished = vanishedUrns(merged, run);
        if (vanished.length > 0)
            console.log(
                `  no longer created and not aliased (remove the line if that is intended):\n    ${vanished.join("\n    ")}`,
            );
    }
}

if (require.main === module) {
    main().catch((error: Error) => {
        console.error(`urns failed: ${error.message}`);
        process.exit(1);
    });
}
