import js from "@eslint/js";
import tseslint from "typescript-eslint";
import regexp from "eslint-plugin-regexp";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "**/*.js", "**/*.mjs", "reports/**", ".stryker-tmp/**"] },
    js.configs.recommended,
    ...tseslint.configs.strict,
    {
        // Regular expressions are checked for what can go wrong, not for style: a super-linear one can
        // block the event loop past mocha's timeout, which no test timeout can stop.
        plugins: { regexp },
        rules: {
            "regexp/no-dupe-disjunctions": "error",
            "regexp/no-empty-alternative": "error",
            "regexp/no-invalid-regexp": "error",
            "regexp/no-useless-backreference": "error",
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "no-console": "off",
            "regexp/no-super-linear-backtracking": "error",
            "regexp/no-super-linear-move": "error",
            "regexp/no-misleading-capturing-group": "error",
        },
    },
);
