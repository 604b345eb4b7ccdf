// The offline plan builds SDK clients only as mocks; the SDK's notice about future Node versions is
// tracked in README.md rather than printed into every plan.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import * as fs from "fs";
import { parseArgs } from "util";
import { ConfigError } from "../stacks/config";
import { DiscoveryError } from "../stacks/organization";
import { FixtureError } from "./org-fixture";
import { PlanDocument, PlanInputError, planStack } from "./plan-runtime";
import { analyzePlan, formatDiagnostics, hasMandatoryViolation } from "./plan-policies";
import { formatSummary } from "./plan-summary";

const USAGE = "usage: npm run plan -- [--stack NAME] [--accounts N | --org FILE] [--json FILE]";

/** Errors the user can fix: shown as the message alone, exit code 2. */
const USER_ERRORS = [ConfigError, PlanInputError, FixtureError, DiscoveryError];

function fail(message: string): never {
    process.stderr.write(`${message}\n`);
    process.exit(2);
}

function parseFlags(argv: string[]) {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", default: "dev" },
                accounts: { type: "string" },
                org: { type: "string" },
                json: { type: "string" },
                help: { type: "boolean", default: false },
            },
            strict: true,
            allowPositionals: false,
        });
    } catch (error) {
        fail(`${(error as Error).message}\n${USAGE}`);
    }
    const { values } = parsed;
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
    }
    if (values.accounts !== undefined && values.org !== undefined) {
        fail(`--accounts and --org: give one or the other, not both\n${USAGE}`);
    }
    let accounts: number | undefined;
    if (values.accounts !== undefined) {
        accounts = Number(values.accounts);
        if (!/^\d+$/.test(values.accounts) || accounts < 2 || accounts > 100000) {
            fail(
                `--accounts ${JSON.stringify(values.accounts)}: expected a whole number of accounts from 2 to 100000`,
            );
        }
    }
    if (values.json !== undefined && values.json.trim() === "")
        fail(`--json: expected a file path\n${USAGE}`);
    return { stack: values.stack ?? "dev", accounts, orgFile: values.org, jsonFile: values.json };
}

async function run(): Promise<void> {
    const flags = parseFlags(process.argv.slice(2));
    let plan: PlanDocument;
    try {
        ({ plan } = await planStack({
            stack: flags.stack,
            accounts: flags.accounts,
            orgFile: flags.orgFile,
            progress: (message) => process.stderr.write(`${message}\n`),
        }));
    } catch (error) {
        if (USER_ERRORS.some((kind) => error instanceof kind)) fail((error as Error).message);
        throw error;
    }
    const analysis = await analyzePlan(plan);
    plan.diagnostics = analysis.diagnostics;
    if (flags.jsonFile !== undefined) {
        fs.writeFileSync(flags.jsonFile, `${JSON.stringify(plan, null, 2)}\n`);
    }
    process.stdout.write(formatSummary(plan));
    process.stdout.write(formatDiagnostics(plan, analysis));
    if (flags.jsonFile !== undefined) process.stdout.write(`\nPlan written to ${flags.jsonFile}\n`);
    if (hasMandatoryViolation(analysis.diagnostics)) process.exitCode = 1;
}

run().catch((error: unknown) => {
    process.stderr.write(
        `plan failed unexpectedly: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
});
