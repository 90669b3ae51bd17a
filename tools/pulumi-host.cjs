// What the Pulumi CLI's Node.js host does before it loads index.ts (@pulumi/pulumi cmd/run/run.js,
// pinned SDK): read the tsconfig Pulumi.yaml names with the SDK's own helper, take transpileOnly
// from its noCheck, and register ts-node with the host's defaults under that file's options.
// Then it evaluates `stack` under the mock engine and prints what it measured, as JSON.
//   node tools/pulumi-host.cjs <tsconfig|-> <stack>      ("-": no tsconfig option, the CLI's default)
"use strict";
const started = process.hrtime.bigint();
const path = require("node:path");
const tsutils = require("@pulumi/pulumi/tsutils");

const [tsconfigArg, stack] = process.argv.slice(2);
const root = path.resolve(__dirname, "..");
process.chdir(root);
const tsConfigPath = tsconfigArg === "-" ? "tsconfig.json" : tsconfigArg;
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const options = {
    compiler: typescriptRequire,
    transpileOnly: process.env.PULUMI_NODEJS_TRANSPILE_ONLY
        ? process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true"
        : compilerOptions.noCheck,
    project: tsConfigPath,
    skipProject: false,
    compilerOptions: {
        target: "ES2020",
        module: "nodenext",
        moduleResolution: "nodenext",
        sourceMap: "true",
        ...compilerOptions,
    },
};
const service = require(tsnodeRequire).register(options);
const { runStack } = require(path.join(root, "testing", "engine.ts"));
runStack(stack).then(
    (run) => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        process.stdout.write(
            `${JSON.stringify({
                tsconfig: tsConfigPath,
                transpileOnly: service.options.transpileOnly === true,
                swc: service.options.swc === true,
                module: service.config.options.module,
                resources: run.resources.length,
                urns: run.resources.map((r) => r.urn).sort(),
                milliseconds: Math.round(ms),
            })}\n`,
        );
    },
    (error) => {
        process.stderr.write(`${error.stack}\n`);
        process.exit(1);
    },
);
