// tools/check.ts: the one program the type-check and the type-aware lint share.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../testing/engine";

/** A real ESM import: compiled to CommonJS, `import()` would become require(), which cannot load .mjs. */
const importEsm = new Function("url", "return import(url)") as (url: string) => Promise<{ default: unknown }>;

describe("check: one program for the type-check and the lint", () => {
    it("hands the program it built to ESLint, which then builds none of its own", async () => {
        const key = Symbol.for("scalable-backend.typescript-program");
        const program = { marker: "a program" };
        (globalThis as Record<symbol, unknown>)[key] = program;
        try {
            const url = `${pathToFileURL(path.join(ROOT, "eslint.config.mjs")).href}?with-program`;
            const config = (await importEsm(url)).default as { files?: string[]; languageOptions?: any }[];
            const typescript = config.find((block) => block.languageOptions?.parserOptions !== undefined);
            assert.deepEqual(typescript?.languageOptions?.parserOptions, { programs: [program] });
        } finally {
            delete (globalThis as Record<symbol, unknown>)[key];
        }
        const url = `${pathToFileURL(path.join(ROOT, "eslint.config.mjs")).href}?without-program`;
        const config = (await importEsm(url)).default as { files?: string[]; languageOptions?: any }[];
        const typescript = config.find((block) => block.languageOptions?.parserOptions !== undefined);
        assert.equal(typescript?.languageOptions?.parserOptions?.projectService, true);
    });
});
