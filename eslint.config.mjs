import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "out/", "bin/", ".tools/", ".stryker-tmp/", "reports/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            curly: ["error", "multi-line"],
            eqeqeq: "error",
            "prefer-const": "error",
            "no-console": "off",
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
    {
        files: ["**/*.mjs", "**/*.js", "**/*.cjs"],
        languageOptions: { globals: { process: "readonly", console: "readonly" } },
    },
    {
        // The launchers and the bundle builder (launch/) are CommonJS JavaScript that Node loads without a TypeScript
        // loader; so is the tests' synth runner.
        files: ["launch/**/*.js", "test/fixtures/**/*.js", "**/*.cjs"],
        languageOptions: {
            sourceType: "commonjs",
            globals: {
                require: "readonly",
                module: "writable",
                __dirname: "readonly",
                __filename: "readonly",
                performance: "readonly",
            },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
);
