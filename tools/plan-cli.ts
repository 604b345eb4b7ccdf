import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { ConfigError } from "../stacks/config";
import { DiscoveryError } from "../stacks/organization";
import { FixtureError } from "./org-fixture";
import { analyzePlan, formatDiagnostics, hasMandatoryViolation } from "./plan-policies";
import { PlanInputError, planStack } from "./plan-runtime";
import { formatSummary } from "./plan-summary";

export const USAGE = "usage: npm run plan -- [--stack NAME] [--accounts N | --org FILE] [--json FILE]";
const FLAGS = "one of --stack NAME, --accounts N, --org FILE, --json FILE, --help";

/** Errors the user can fix: shown as the message alone, exit code 2. */
const USER_ERRORS = [ConfigError, PlanInputError, FixtureError, DiscoveryError];

export interface PlanOutput {
    stdout(text: string): void;
    stderr(text: string): void;
}

interface PlanFlags {
    stack: string;
    accounts?: number;
    orgFile?: string;
    jsonFile?: string;
    help: boolean;
}

function parseFlags(argv: string[]): PlanFlags {
    let values;
    try {
        let tokens;
        ({ values, tokens } = parseArgs({
            tokens: true,
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
        }));
        // parseArgs keeps the last of a repeated flag: say so instead of planning one of them silently.
        const given = new Map<string, string[]>();
        for (const token of tokens) {
            if (token.kind !== "option") continue;
            given.set(token.name, [...(given.get(token.name) ?? []), token.value ?? "true"]);
        }
        for (const [name, list] of given) {
            if (list.length > 1) {
                throw new PlanInputError(
                    `--${name} given ${list.length} times (${list.map((v) => JSON.stringify(v)).join(", ")}): expected each flag once`,
                );
            }
        }
    } catch (error) {
        if (error instanceof PlanInputError) throw error;
        // parseArgs' first sentence names the flag; its hints about positionals would only confuse.
        const problem = (error as Error).message.split(". ")[0];
        throw new PlanInputError(`${problem}: expected ${FLAGS}`);
    }
    if (values.accounts !== undefined && values.org !== undefined) {
        throw new PlanInputError(
            `--accounts ${JSON.stringify(values.accounts)} with --org ${JSON.stringify(values.org)}: expected one or the other, not both`,
        );
    }
    let accounts: number | undefined;
    if (values.accounts !== undefined) {
        accounts = Number(values.accounts);
        if (!/^\d+$/.test(values.accounts) || accounts < 2 || accounts > 100000) {
            throw new PlanInputError(
                `--accounts ${JSON.stringify(values.accounts)}: expected a whole number of accounts from 2 to 100000`,
            );
        }
    }
    if (values.json !== undefined && values.json.trim() === "") {
        throw new PlanInputError(`--json "": expected the path of the file to write the plan to`);
    }
    if (values.json !== undefined) {
        // Checked before planning: a plan of 10,000 accounts should not be lost at the last step.
        const folder = path.dirname(path.resolve(values.json));
        if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
            throw new PlanInputError(
                `--json ${JSON.stringify(values.json)}: expected a file in an existing folder; ${folder} does not exist`,
            );
        }
    }
    return {
        stack: values.stack ?? "dev",
        accounts,
        orgFile: values.org,
        jsonFile: values.json,
        help: values.help === true,
    };
}

/** The program's stops the command has reported: the same error rejected elsewhere is not news. */
const reported = new WeakSet<object>();

/**
 * The exit code once the command has finished, given the promise rejections nobody handled meanwhile: a
 * reported stop's own copies change nothing; anything else is a failure the command did not see, shown with
 * its stack and exit 1, so that a plan is never printed as clean over an error.
 */
export function settleRejections(code: number, rejections: unknown[], output: PlanOutput): number {
    let settled = code;
    for (const reason of rejections) {
        if (typeof reason === "object" && reason !== null && reported.has(reason)) continue;
        output.stderr(
            `plan failed unexpectedly: ${reason instanceof Error ? reason.stack : String(reason)}\n`,
        );
        settled = 1;
    }
    return settled;
}

/**
 * `npm run plan`: plans the stack offline, runs the policy pack, prints the summary and the
 * violations. Returns the exit code: 0 clean, 1 a mandatory violation, 2 a mistake in the input.
 */
export async function runPlanCommand(argv: string[], output: PlanOutput): Promise<number> {
    try {
        const flags = parseFlags(argv);
        if (flags.help) {
            output.stdout(`${USAGE}\n`);
            return 0;
        }
        const { plan } = await planStack({
            stack: flags.stack,
            accounts: flags.accounts,
            orgFile: flags.orgFile,
            progress: (message) => output.stderr(`${message}\n`),
        });
        const analysis = await analyzePlan(plan);
        plan.diagnostics = analysis.diagnostics;
        if (flags.jsonFile !== undefined) {
            fs.writeFileSync(flags.jsonFile, `${JSON.stringify(plan, null, 2)}\n`);
        }
        output.stdout(formatSummary(plan));
        output.stdout(formatDiagnostics(plan, analysis));
        if (flags.jsonFile !== undefined) output.stdout(`\nPlan written to ${flags.jsonFile}\n`);
        return hasMandatoryViolation(analysis.diagnostics) ? 1 : 0;
    } catch (error) {
        // The program reports what the user must fix (config, discovery) as a RunError, as under pulumi up.
        if (USER_ERRORS.some((kind) => error instanceof kind) || pulumi.RunError.isInstance(error)) {
            output.stderr(`${(error as Error).message}\n`);
            reported.add(error as Error);
            return 2;
        }
        throw error;
    }
}
