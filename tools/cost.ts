// What a stack costs: `npm run cost -- <stack> [--json] [--at YYYY-MM-DD] [assumption options]`
// evaluates the program for that stack under the mock engine (as `npm run plan` does), prices the
// records with cost/prices.json and prints the items and totals, or the estimate as JSON.
import * as path from "path";
import { ASSUMPTION_OPTIONS, AssumptionOption, Assumptions, OptionError, withOverrides } from "../cost/assumptions";
import { estimate } from "../cost/estimate";
import { estimateJson, renderEstimate } from "../cost/render";
import { isIsoDate, loadPriceTable } from "../cost/table";
import { evaluateStack, type OfflineFlags } from "./offline-stack";
import { checkStackSource, OFFLINE_OPTIONS, type PlanFlags, takePlanFlag } from "./stack-file";

/** The project directory; the mock engine (and the SDKs it loads) only once the arguments are good. */
const ROOT = path.resolve(__dirname, "..");

export const USAGE = `usage: npm run cost -- <stack> [--json] [--at YYYY-MM-DD] [--spot-discount 0.6] [--nat-gb 20] [--lcu 1] [--log-gb audit=10,api=1] [--ecr-image-gb 0.08] [--ecr-images 10] ${OFFLINE_OPTIONS}`;

export interface CostArgs {
    readonly stack: string;
    readonly json: boolean;
    readonly at?: string;
    readonly assumptions: Assumptions;
    /** An eph-* stack without a stack file: what it is estimated as (as `npm run plan` takes them). */
    readonly flags: PlanFlags;
}

export function parseCostArgs(argv: readonly string[]): CostArgs {
    const positional: string[] = [];
    const values: Partial<Record<AssumptionOption | "--at", string>> = {};
    let json = false;
    const flags: PlanFlags = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        let used: number;
        try {
            used = takePlanFlag(argv, i, flags, USAGE);
        } catch (error) {
            throw new OptionError((error as Error).message);
        }
        if (used > 0) i += used - 1;
        else if (arg === "--json") json = true;
        else if (arg === "--at" || (ASSUMPTION_OPTIONS as readonly string[]).includes(arg)) {
            const value = argv[++i];
            if (value === undefined || value.startsWith("--")) throw new OptionError(`${arg} needs a value. ${USAGE}`);
            values[arg as AssumptionOption | "--at"] = value;
        } else if (arg.startsWith("--")) throw new OptionError(`Unknown option ${arg}. ${USAGE}`);
        else positional.push(arg);
    }
    if (positional.length !== 1) throw new OptionError(USAGE);
    const at = values["--at"];
    if (at !== undefined && !isIsoDate(at))
        throw new OptionError(`--at ${JSON.stringify(at)}: expected a date, YYYY-MM-DD`);
    const { "--at": _at, ...assumptionValues } = values;
    return {
        stack: positional[0],
        json,
        ...(at ? { at } : {}),
        assumptions: withOverrides(assumptionValues),
        flags,
    };
}

async function main(argv: readonly string[]): Promise<number> {
    let args: CostArgs;
    let flags: OfflineFlags;
    try {
        args = parseCostArgs(argv);
        flags = checkStackSource(ROOT, args.stack, args.flags);
    } catch (error) {
        process.stderr.write(`cost: ${(error as Error).message}\n`);
        return 2;
    }
    const run = await evaluateStack(ROOT, args.stack, flags);
    const result = estimate(run, loadPriceTable(), { at: args.at, assumptions: args.assumptions });
    process.stdout.write(args.json ? estimateJson(result) : `${renderEstimate(result)}\n`);
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2))
        .then((code) => process.exit(code))
        .catch((error: Error) => {
            process.stderr.write(`cost failed: ${error.message}\n`);
            process.exit(1);
        });
}
