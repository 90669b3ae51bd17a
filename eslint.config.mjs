// Lint: the recommended JavaScript and TypeScript rules, plus the few that catch Pulumi mistakes.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["**/node_modules/", "bin/", "out/", "app/dist/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Defaults with `??`: `||` turns a configured 0 or false into the default.
            "@typescript-eslint/prefer-nullish-coalescing": "off",
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
);
