/**
 * `npm run coverage -- --stack NAME [--json FILE] [--repair]`: the coverage matrix of a deployed stack, read
 * with the user's own credentials (those of the security account) by the same code the scheduled function
 * runs. A progress line per service and region on stderr, then the table on stdout. Exit 0 when every
 * account the stack governs is covered (gaps past a member quota are excused and listed), 1 when not or when
 * the read could not finish, 2 for a mistake in the input. Read-only unless --repair is given, which first
 * enrolls missing Macie and Detective members exactly as the enrollment function does.
 */
import * as fs from "node:fs";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { coverageExpectation, enrollmentSettingsFor } from "../stacks/coverage";
import { awsCoverageDependencies } from "../functions/coverage/aws";
import { shortfalls, type CoverageReport, type DrillSummary } from "../functions/coverage/matrix";
import { runCoverage } from "../functions/coverage/run-coverage";
import { readDrillSummary } from "../functions/coverage/scheduled";
import { COVERAGE_PREFIX } from "../components/coverage-function";
import { findingsBucketName } from "../components/policy-documents";
import { awsEnrollmentDependencies } from "../functions/enrollment/aws";
import { runEnrollment, type EnrollmentReport } from "../functions/enrollment/run-enrollment";
import { Run } from "../functions/shared/run";
import { parseStackFile, readStackFile } from "./stack-file";
import {
    checkCallerAccount,
    readCommandInput,
    runFromCommandLine,
    UsageError,
    type CommandOutput,
} from "./aws-command";

export const USAGE = "usage: npm run coverage -- --stack NAME [--json FILE] [--repair]";

/** A local run has no Lambda time limit; six hours stops a run that hangs without cutting a large organization. */
const LOCAL_RUN_MS = 6 * 60 * 60 * 1000;
/** Gaps printed per row; --json FILE has them all. */
const GAPS_SHOWN = 10;

export type CoverageOutput = CommandOutput;

interface Flags {
    stack: string;
    jsonFile?: string;
    repair: boolean;
}

function parseFlags(argv: string[]): Flags | "help" {
    let stack: string | undefined;
    let jsonFile: string | undefined;
    let repair = false;
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        if (flag === "--help" || flag === "-h") return "help";
        if (flag === "--repair") {
            repair = true;
            continue;
        }
        if (flag === "--stack" || flag === "--json") {
            const value = argv[++i];
            if (value === undefined || value.startsWith("--"))
                throw new UsageError(`${flag} needs a value; ${USAGE}`);
            if (flag === "--stack") stack = value;
            else jsonFile = value;
            continue;
        }
        throw new UsageError(
            `${flag}: unknown flag; expected one of --stack NAME, --json FILE, --repair, --help`,
        );
    }
    if (stack === undefined) throw new UsageError(`--stack NAME is required; ${USAGE}`);
    return { stack, jsonFile, repair };
}

export function formatCoverage(report: CoverageReport): string {
    const lines = [
        `Coverage of ${report.accounts.length} active accounts (${report.inactive.length} not active, left out), ${report.generatedAt}`,
        "",
        `${"service".padEnd(12)} ${"region".padEnd(16)} ${"covered".padStart(13)} ${"gaps".padStart(6)} ${"excused".padStart(8)}`,
    ];
    for (const row of report.rows) {
        const excused = row.gaps.filter((g) => g.excused === true).length;
        lines.push(
            `${row.service.padEnd(12)} ${row.region.padEnd(16)} ${`${row.covered}/${row.expected}`.padStart(13)} ${String(row.gaps.length).padStart(6)} ${String(excused).padStart(8)}${row.error === undefined ? "" : `  not read: ${row.error}`}`,
        );
    }
    const withGaps = report.rows.filter((row) => row.gaps.length > 0 && row.error === undefined);
    if (withGaps.length > 0) lines.push("", "Gaps:");
    for (const row of withGaps) {
        for (const gap of row.gaps.slice(0, GAPS_SHOWN)) {
            lines.push(
                `  ${row.service} ${row.region} ${gap.accountId}: ${gap.reason}${gap.excused ? " (excused)" : ""}`,
            );
        }
        if (row.gaps.length > GAPS_SHOWN) {
            lines.push(
                `  ${row.service} ${row.region}: ${row.gaps.length - GAPS_SHOWN} more (--json FILE lists every gap)`,
            );
        }
    }
    lines.push(...formatScopes(report));
    lines.push(...formatDrill(report.drill));
    if (report.stoppedEarly) lines.push("", "Stopped before the time limit: rows not listed were not read.");
    return `${lines.join("\n")}\n`;
}

/** The weekly drill's last verdict (coverage/drill/latest.json of the findings bucket). */
export function formatDrill(drill: DrillSummary | undefined): string[] {
    if (drill === undefined)
        return ["", "Weekly drill: no report yet (drill.enabled false, or no drill has finished)"];
    if (drill.error !== undefined) return ["", `Weekly drill: report not read: ${drill.error}`];
    const delivery = drill.deliverySeconds === undefined ? "" : `, e-mail after ${drill.deliverySeconds} s`;
    return [
        "",
        drill.passed === true
            ? `Weekly drill: PASSED ${drill.finishedAt ?? ""} (${drill.findingType ?? ""}${delivery})`
            : `Weekly drill: FAILED ${drill.finishedAt ?? ""} (${drill.findingType ?? ""}${delivery}): ${drill.failure ?? "no reason given"}`,
    ];
}

/** Which accounts each OU scope holds to its own expectations; every other account is held to the root's. */
function formatScopes(report: CoverageReport): string[] {
    if (report.scopeError !== undefined) return ["", `OU scopes not read: ${report.scopeError}`];
    if (report.scopes === undefined) return [];
    const lines = ["", "OU scopes (every other account is judged by the root's):"];
    for (const [service, byScope] of Object.entries(report.scopes)) {
        for (const [scope, accounts] of Object.entries(byScope)) {
            lines.push(
                `  ${service} ${scope}: ${accounts.length} account${accounts.length === 1 ? "" : "s"}`,
            );
        }
    }
    return lines;
}

function formatRepair(report: EnrollmentReport): string {
    const lines = report.results.map(
        (r) =>
            `repair ${r.service} ${r.region}: ${r.enrolled.length} enrolled, ${r.failed.length} refused, ${r.gaps.length} left` +
            (r.error === undefined ? "" : ` (${r.error})`),
    );
    return `${lines.join("\n")}\n`;
}

export interface CoverageCommandOptions {
    /** Directory holding Pulumi.<stack>.yaml (default: as npm run plan). */
    stackDir?: string;
    /** Credentials to read with; default: aws:profile of the stack, else the standard AWS chain. */
    credentials?: AwsCredentialIdentityProvider;
}

export async function runCoverageCommand(
    argv: string[],
    output: CoverageOutput,
    options: CoverageCommandOptions = {},
): Promise<number> {
    const input = readCommandInput(output, USAGE, () => {
        const parsed = parseFlags(argv);
        if (parsed === "help") return parsed;
        return {
            flags: parsed,
            config: parseStackFile(readStackFile(parsed.stack, options.stackDir)),
        };
    });
    if (typeof input === "number") return input;
    const { flags, config } = input;
    const credentials =
        options.credentials ?? (config.awsProfile ? fromIni({ profile: config.awsProfile }) : undefined);
    const base = { region: config.homeRegion, maxAttempts: 3, ...(credentials ? { credentials } : {}) };
    // The reader lists members as their administrator: any other account would read an empty organization.
    const refused = await checkCallerAccount(
        async () => (await new STSClient(base).send(new GetCallerIdentityCommand({}))).Account,
        output,
        {
            command: "coverage",
            runsAs: "reads as",
            stack: flags.stack,
            securityAdmin: config.accounts.securityAdmin,
            profile: config.awsProfile,
        },
    );
    if (refused !== undefined) return refused;
    const run = new Run({ deadlineMs: Date.now() + LOCAL_RUN_MS });
    if (flags.repair) {
        const repair = await runEnrollment(
            enrollmentSettingsFor(config),
            awsEnrollmentDependencies({
                credentials,
                homeRegion: config.homeRegion,
                progress: (service, region) => output.stderr(`repairing ${service} ${region}\n`),
            }),
            run,
        );
        output.stdout(formatRepair(repair));
    }
    const expectation = coverageExpectation(config);
    const report = await runCoverage(
        expectation,
        {
            ...awsCoverageDependencies({
                credentials,
                homeRegion: config.homeRegion,
                securityHubPolicyRegion: expectation.securityHubPolicy?.region,
            }),
            progress: (service, region) => output.stderr(`reading ${service} ${region}\n`),
        },
        run,
    );
    if (config.drill.enabled) {
        // The drill's verdict is the deployed function's, kept in the findings bucket: read as the scheduled
        // coverage function reads it, with the user's credentials.
        const s3 = new S3Client(base);
        const drill = await readDrillSummary(
            { s3, cloudwatch: new CloudWatchClient(base), sns: new SNSClient(base) },
            {
                bucket: findingsBucketName(config.accounts.securityAdmin, config.homeRegion),
                prefix: COVERAGE_PREFIX,
                kmsKeyArn: "",
                topicArn: "",
                namespace: "",
            },
            run,
        );
        report.drill = drill;
    }
    if (flags.jsonFile !== undefined)
        fs.writeFileSync(flags.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    output.stdout(formatCoverage(report));
    if (flags.jsonFile !== undefined) output.stdout(`\nReport written to ${flags.jsonFile}\n`);
    return shortfalls(report).length > 0 || report.stoppedEarly ? 1 : 0;
}

if (require.main === module) runFromCommandLine(runCoverageCommand);
