// Lint: the recommended JavaScript and TypeScript rules with type information (projectService:
// the same tsconfig as `npm run build`), plus the rules that catch Pulumi and promise mistakes.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["**/node_modules/", "bin/", "out/", "app/dist/", "eslint.config.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            // tools/check.ts lints with the program it type-checked; `npx eslint` builds its own.
            parserOptions: globalThis[Symbol.for("scalable-backend.typescript-program")]
                ? { programs: [globalThis[Symbol.for("scalable-backend.typescript-program")]] }
                : { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            // An Output in a template literal prints "Calling [toString] on an Output<T> is not supported".
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            // A promise nobody awaits loses its error (a request handler's failure, a resource's registration).
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            // Defaults with `??`: `||` turns a configured 0, false or "" into the default.
            "@typescript-eslint/prefer-nullish-coalescing": "error",
            "no-restricted-syntax": [
                "error",
                {
                    selector: "CallExpression[callee.property.name='apply'] NewExpression:not([callee.name=/Error$/])",
                    message:
                        "Never create resources inside apply(): previews cannot see them. Pass Outputs as inputs instead.",
                },
            ],
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", ignoreRestSiblings: true }],
        },
    },
    {
        // Plain CommonJS (the swc loader, the fake Pulumi CLI): no type information to lint with.
        files: ["**/*.cjs"],
        languageOptions: {
            sourceType: "commonjs",
            globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly" },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
);
