// Loads this repository's TypeScript with swc, one file at a time and without type-checking
// (`npm test` type-checks once, with tsc): what mocha, the tools and the bench run under.
//   node -r ./tools/transpile.cjs tools/plan.ts prod
// Stack traces point at TypeScript lines. Node's own source-map support is left off: with it on,
// Node reads the source map of every module it loads (the Pulumi SDKs ship thousands) and maps
// every frame of the stack traces the Pulumi SDK takes per resource and promise. Here each
// compiled file's map is kept, parsed on first use, and applied to that file's frames only.
"use strict";
const fs = require("node:fs");
const { SourceMap } = require("node:module");
const swc = require("@swc/core");

/** filename -> its source map: JSON text until a stack trace needs it. */
const maps = new Map();

/** The options tsconfig.json implies for one file (target ES2022, CommonJS, esModuleInterop). */
function swcOptions(filename) {
    return {
        filename,
        sourceMaps: true,
        inlineSourcesContent: false,
        module: { type: "commonjs" },
        jsc: { parser: { syntax: "typescript" }, target: "es2022", keepClassNames: true },
    };
}

function compile(source, filename) {
    const { code, map } = swc.transformSync(source, swcOptions(filename));
    maps.set(filename, map);
    return code;
}

function sourceMapOf(filename) {
    let map = maps.get(filename);
    if (typeof map === "string") {
        map = new SourceMap(JSON.parse(map));
        maps.set(filename, map);
    }
    return map;
}

/** A frame as V8 prints it, its position moved to the TypeScript line and column when known. */
function frame(callSite) {
    const text = callSite.toString();
    // Most frames are the SDKs' JavaScript, without a map: the Pulumi SDK takes a stack trace per
    // promise, so this path runs tens of thousands of times in a test run.
    const file = callSite.getFileName();
    if (file === undefined || file === null || !maps.has(file)) return text;
    const map = sourceMapOf(file);
    const line = callSite.getLineNumber();
    const column = callSite.getColumnNumber();
    if (line === null || column === null) return text;
    const entry = map.findEntry(line - 1, column - 1);
    if (entry.originalLine === undefined) return text;
    const generated = `${file}:${line}:${column}`;
    const at = text.lastIndexOf(generated);
    if (at < 0) return text;
    const original = `${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    return text.slice(0, at) + original + text.slice(at + generated.length);
}

function header(error) {
    try {
        return Error.prototype.toString.call(error);
    } catch {
        return "<error>";
    }
}

Error.prepareStackTrace = (error, callSites) =>
    [header(error), ...callSites.map((callSite) => `    at ${frame(callSite)}`)].join("\n");

require.extensions[".ts"] = (module, filename) => {
    module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
};

module.exports = { compile, swcOptions };
