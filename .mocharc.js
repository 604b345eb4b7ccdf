// Mocha's settings for `npm test`. Two workers (the machines here have two cores), and the slowest files first:
// a long file dispatched last would leave the other worker idle at the end of the run.
const fs = require("fs");
const path = require("path");

// The files that take longest (each spawns the plan command or plans several stacks), longest first.
const SLOW_FIRST = [
    "plan.test.ts",
    "plan-policies.test.ts",
    "policies.guardrails.test.ts",
    "determinism.test.ts",
    "bad-input.test.ts",
    "guardrail-quotas.test.ts",
    "iam-simulation.test.ts",
    "config-properties.test.ts",
];

const all = fs
    .readdirSync(path.join(__dirname, "test"), { recursive: true })
    .filter((file) => file.endsWith(".test.ts"))
    .sort();
const first = SLOW_FIRST.filter((file) => all.includes(file));

module.exports = {
    require: ["ts-node/register/transpile-only", "test/helpers/environment.ts"],
    extension: ["ts"],
    spec: [...first, ...all.filter((file) => !first.includes(file))].map((file) => path.join("test", file)),
    timeout: 60000,
    reporter: "spec",
    parallel: true,
    jobs: 2,
};
