// The one full type-check and the type-aware lint, on one TypeScript program: building the
// program (parsing and binding the Pulumi SDKs' declarations) is most of the cost of each, so
// `npm test` pays it once. Prints tsc's and ESLint's reports; exits non-zero if either finds any.
//   node -r ./tools/transpile.cjs tools/check.ts
import * as path from "path";
import { ESLint } from "eslint";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
/**
 * tsc's incremental state between runs (gitignored with node_modules): an unchanged file's
 * diagnostics are not computed again. A fresh clone starts without it.
 */
export const BUILD_INFO = path.join(ROOT, "node_modules", ".cache", "scalable-backend", "tsbuildinfo");
/** Where eslint.config.mjs looks for a program built in this process (npx eslint builds its own). */
const PROGRAM_KEY = Symbol.for("scalable-backend.typescript-program");

export function buildProgram(
    root: string = ROOT,
    buildInfo: string = BUILD_INFO,
): ts.EmitAndSemanticDiagnosticsBuilderProgram {
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.json"), undefined, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
            throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
        },
    });
    if (!parsed) throw new Error(`cannot read ${path.join(root, "tsconfig.json")}`);
    return ts.createIncrementalProgram({
        rootNames: parsed.fileNames,
        options: { ...parsed.options, noEmit: true, incremental: true, tsBuildInfoFile: buildInfo },
    });
}

async function main(): Promise<number> {
    const started = Date.now();
    const builder = buildProgram();
    const program = builder.getProgram();
    const diagnostics = [
        ...builder.getConfigFileParsingDiagnostics(),
        ...builder.getOptionsDiagnostics(),
        ...builder.getGlobalDiagnostics(),
        ...builder.getSyntacticDiagnostics(),
        ...builder.getSemanticDiagnostics(),
    ];
    // With noEmit this writes only the incremental state.
    builder.emit();
    const typeChecked = Date.now();
    if (diagnostics.length > 0) {
        const host: ts.FormatDiagnosticsHost = {
            getCanonicalFileName: (file) => file,
            getCurrentDirectory: () => ROOT,
            getNewLine: () => "\n",
        };
        process.stdout.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
    }
    (globalThis as Record<symbol, unknown>)[PROGRAM_KEY] = program;
    const eslint = new ESLint({ cwd: ROOT });
    const results = await eslint.lintFiles(["."]);
    const report = await (await eslint.loadFormatter("stylish")).format(results);
    if (report) process.stdout.write(report);
    const problems = results.reduce((n, r) => n + r.errorCount + r.warningCount, 0);
    const files = program.getRootFileNames().length;
    console.log(
        `type-check: ${diagnostics.length} error(s) in ${files} files (${((typeChecked - started) / 1000).toFixed(1)} s); ` +
            `lint: ${problems} problem(s) in ${results.length} files (${((Date.now() - typeChecked) / 1000).toFixed(1)} s)`,
    );
    return diagnostics.length > 0 || problems > 0 ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (error: Error) => {
            console.error(`check failed: ${error.stack ?? error.message}`);
            process.exit(2);
        },
    );
}
