/**
 * The coverage function at scale: `npm run bench -- --coverage`. Its real code, wired as its handler wires it
 * (functions/coverage/handler.ts scheduledCoverageDependencies: the real readers, SDK clients and publishing),
 * runs on the hourly schedule against simulated services (tools/bench-coverage-aws.ts) holding an organization
 * of 10,000 accounts in the stack's regions, each run stopped by the Lambda's 15-minute limit as the handler's
 * deadline stops it, on a virtual clock. It reports, per run, calls, throttled calls, retries, simulated minutes
 * and rows refreshed; the simulated time until every row of the matrix (service x region, each row every account)
 * had been refreshed at least once; and the process's peak memory.
 *
 * Run as a script (`node --expose-gc -r ts-node/register/transpile-only tools/bench-coverage.ts --accounts N`)
 * it measures in a process of its own, so the peak RSS is this benchmark's alone; npm run bench does that.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { parseArgs } from "node:util";
import { COVERAGE_NAMESPACE, COVERAGE_PREFIX } from "../components/coverage-function";
import { FUNCTION_TIMEOUT_SECONDS } from "../components/scheduled-function";
import { scheduledCoverageDependencies } from "../functions/coverage/handler";
import { COVERAGE_SERVICES } from "../functions/coverage/matrix";
import { runScheduledCoverage, type CoverageSettings } from "../functions/coverage/scheduled";
import { Run } from "../functions/shared/run";
import { parseStackConfig } from "../stacks/config";
import { coverageExpectation } from "../stacks/coverage";
import { MEMBER_QUOTAS } from "../stacks/quotas";
import { COVERAGE_LATENCY_MS, COVERAGE_RATES, CROSS_REGION_MS, SimulatedAws } from "./bench-coverage-aws";
import { VirtualTime } from "./bench-sim";
import { readStackConfigValues } from "./stack-file";

/** The issue's goals: every row refreshed within an hour of the first run, in at most 512 MB. */
export const COVERAGE_TARGETS = { matrixMinutes: 60, memoryMb: 512 };
/** The memory the component deploys the function with (components/coverage-function.ts). */
export const DEPLOYED_MEMORY_MB = 1024;

/** The virtual clock's epoch: the function dates its reports by it. */
const EPOCH_MS = Date.UTC(2026, 11, 1, 0, 0, 0);

export interface CoverageSimulationOptions {
    stack: string;
    accounts: number;
    /** Runs at least this many hourly runs, to show the steady state after the first. */
    minRuns: number;
    /** Gives up after this many hourly runs when the matrix is still not whole. */
    maxRuns: number;
    /** Each run's limit, as the Lambda's timeout (default FUNCTION_TIMEOUT_SECONDS, 900). */
    timeoutSeconds?: number;
}

export interface CoverageRunResult {
    run: number;
    calls: number;
    throttled: number;
    retries: number;
    simulatedMinutes: number;
    /** Rows read and written on this run, of all rows. */
    refreshed: number;
    notReached: number;
    /** Rows whose read failed on this run (written with every account a gap "not read: ..."). */
    failedRows: number;
    /** The run went past the Lambda's limit: Lambda would have stopped it. */
    timedOut: boolean;
}

export interface CoverageSimulation {
    options: CoverageSimulationOptions;
    regions: number;
    rows: number;
    runs: CoverageRunResult[];
    /** Minutes from the first run's start until every row had been written once; undefined if never. */
    matrixMinutes?: number;
    peakHeapMb: number;
    /** The process's peak resident set (maxRSS) and its resident set before the first run. */
    peakRssMb: number;
    baselineRssMb: number;
    byApi: Map<string, number>;
    datedCopies: number;
    /** The combined matrix the last run left (coverage/latest.json), as written. */
    combinedReport: string | undefined;
    wallMs: number;
}

/** The settings the component gives the function for this stack (components/coverage-function.ts). */
export function coverageSettingsFor(stack: string): CoverageSettings {
    const config = parseStackConfig(readStackConfigValues(stack));
    const { securityAdmin } = config.accounts;
    const home = config.homeRegion;
    return {
        expectation: coverageExpectation(config),
        publish: {
            bucket: `security-governance-findings-${securityAdmin}-${home}`,
            prefix: COVERAGE_PREFIX,
            kmsKeyArn: `arn:aws:kms:${home}:${securityAdmin}:key/00000000-0000-0000-0000-000000000000`,
            topicArn: `arn:aws:sns:${home}:${securityAdmin}:finding-alerts-topic`,
            namespace: COVERAGE_NAMESPACE,
        },
    };
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;

/** Hourly runs of the coverage function until the whole matrix has been refreshed (and minRuns have run). */
export async function simulateCoverage(options: CoverageSimulationOptions): Promise<CoverageSimulation> {
    const started = process.hrtime.bigint();
    const settings = coverageSettingsFor(options.stack);
    const { expectation } = settings;
    const home = expectation.securityHubPolicy?.region ?? "us-east-1";
    const rows = COVERAGE_SERVICES.flatMap((service) =>
        (expectation.regions[service] ?? []).map((region) => `${service}/${region}`),
    );
    const time = new VirtualTime();
    const aws = new SimulatedAws(time, {
        homeRegion: home,
        accounts: options.accounts,
        expectation,
        detectiveQuota: MEMBER_QUOTAS.detective.members,
    });
    const firstWrite = new Map<string, number>();
    const rowsPrefix = `${settings.publish.prefix}rows/`;
    aws.onPut = (key, at) => {
        if (!key.startsWith(rowsPrefix) || !key.endsWith("/latest.json")) return;
        const row = key.slice(rowsPrefix.length, -"/latest.json".length);
        if (!firstWrite.has(row)) firstWrite.set(row, at);
    };
    // The Lambda runtime sets AWS_REGION; the clients the function makes without a region read it.
    const region = process.env.AWS_REGION;
    process.env.AWS_REGION = home;
    aws.install();
    const baselineRssMb = rssMb();
    const timeoutMs = (options.timeoutSeconds ?? FUNCTION_TIMEOUT_SECONDS) * 1000;
    const runs: CoverageRunResult[] = [];
    try {
        for (let n = 1; n <= options.maxRuns; n++) {
            const start = time.now;
            const before = { ...aws.counters };
            // As the handler: the deadline is the Lambda's remaining time, the clients are made per invocation.
            const run = new Run({
                deadlineMs: start + timeoutMs,
                now: () => time.now,
                sleep: (ms) => time.sleep(ms),
            });
            const result = await time.drive(() =>
                runScheduledCoverage(
                    settings,
                    scheduledCoverageDependencies(settings, () => new Date(EPOCH_MS + time.now)),
                    run,
                ),
            );
            aws.resetHistory();
            const failedRows = result.refreshed.filter((row) => {
                const text = aws.objects.get(`${rowsPrefix}${row}/latest.json`);
                return text !== undefined && text.includes('"error":');
            }).length;
            runs.push({
                run: n,
                calls: aws.counters.calls - before.calls,
                throttled: aws.counters.throttled - before.throttled,
                retries: result.retries,
                simulatedMinutes: (time.now - start) / 60_000,
                refreshed: result.refreshed.length,
                notReached: result.notReached.length,
                failedRows,
                timedOut: time.now - start > timeoutMs,
            });
            if (firstWrite.size === rows.length && n >= options.minRuns) break;
            // The schedule: the next run starts an hour after this one started.
            time.now = Math.max(time.now, start + 60 * 60_000);
        }
    } finally {
        aws.restore();
        if (region === undefined) delete process.env.AWS_REGION;
        else process.env.AWS_REGION = region;
    }
    time.sampleHeap();
    return {
        options,
        regions: new Set(Object.values(expectation.regions).flat()).size,
        rows: rows.length,
        runs,
        matrixMinutes:
            firstWrite.size === rows.length ? Math.max(...firstWrite.values()) / 60_000 : undefined,
        peakHeapMb: time.peakHeapBytes / 1024 / 1024,
        peakRssMb: rssMb(),
        baselineRssMb,
        byApi: aws.counters.byApi,
        datedCopies: aws.datedCopies,
        combinedReport: aws.objects.get(`${settings.publish.prefix}latest.json`),
        wallMs: Number(process.hrtime.bigint() - started) / 1e6,
    };
}

const ok = (met: boolean) => (met ? "ok  " : "MISS");
const pad = (value: string | number, width: number) => String(value).padStart(width);

export function formatCoverage(result: CoverageSimulation): string {
    const { options } = result;
    const rates = Object.entries(COVERAGE_RATES)
        .map(([api, r]) => `${api} ${r.perSecond}/${r.burst}${r.documented ? "" : " (assumed)"}`)
        .join("; ");
    const latencies = Object.entries(COVERAGE_LATENCY_MS)
        .map(([api, ms]) => `${api} ${ms}`)
        .join(", ");
    const timeout = options.timeoutSeconds ?? FUNCTION_TIMEOUT_SECONDS;
    const lines = [
        `Coverage function, simulated: ${options.accounts.toLocaleString("en-US")} accounts x ${result.regions} regions ` +
            `(${result.rows} service/region rows, the ${options.stack} stack's), hourly runs of at most ${timeout / 60} minutes.`,
        `Rates per API and region (per second/burst): ${rates}.`,
        `Latency per call, assumed (ms): ${latencies}; +${CROSS_REGION_MS} ms to another region's endpoint.`,
        "",
        "run    calls  throttled  retries  simulated min  rows refreshed  not reached  failed rows  timed out",
        ...result.runs.map(
            (r) =>
                `${pad(r.run, 3)}  ${pad(r.calls, 7)}  ${pad(r.throttled, 9)}  ${pad(r.retries, 7)}  ` +
                `${pad(r.simulatedMinutes.toFixed(1), 13)}  ${pad(`${r.refreshed}/${result.rows}`, 14)}  ` +
                `${pad(r.notReached, 11)}  ${pad(r.failedRows, 11)}  ${pad(String(r.timedOut), 9)}`,
        ),
        "",
        `Calls per API: ${[...result.byApi.entries()].map(([api, n]) => `${api} ${n}`).join(", ")}; ` +
            `${result.datedCopies} dated copies written. Wall time ${(result.wallMs / 1000).toFixed(1)} s.`,
        "",
    ];
    const matrix = result.matrixMinutes;
    const failed = result.runs.some((r) => r.failedRows > 0 || r.timedOut);
    lines.push(
        `${ok(matrix !== undefined && matrix <= COVERAGE_TARGETS.matrixMinutes)} every row refreshed within ` +
            `${COVERAGE_TARGETS.matrixMinutes} minutes: ${matrix === undefined ? `not after ${result.runs.length} runs` : `after ${matrix.toFixed(1)} simulated minutes`}`,
        `${ok(!failed)} no row failed to read and no run past the ${timeout / 60}-minute limit`,
        `${ok(result.peakRssMb <= COVERAGE_TARGETS.memoryMb)} peak RSS <= ${COVERAGE_TARGETS.memoryMb} MB: ` +
            `${result.peakRssMb.toFixed(0)} MB for the whole process (${result.baselineRssMb.toFixed(0)} MB before the ` +
            `first run: Node, ts-node, the SDK and the stack's config); peak live heap ${result.peakHeapMb.toFixed(0)} MB; ` +
            `deployed with ${DEPLOYED_MEMORY_MB} MB`,
    );
    return `${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<void> {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string", default: "prod" },
            accounts: { type: "string", default: "10000" },
            runs: { type: "string", default: "2" },
        },
        strict: true,
    });
    const accounts = Number(values.accounts);
    const minRuns = Number(values.runs);
    if (!Number.isInteger(accounts) || accounts < 2 || !Number.isInteger(minRuns) || minRuns < 1) {
        throw new Error("usage: bench-coverage.ts [--stack prod] [--accounts 10000] [--runs 2]");
    }
    const result = await simulateCoverage({
        stack: values.stack ?? "prod",
        accounts,
        minRuns,
        maxRuns: Math.max(minRuns, 6),
    });
    process.stdout.write(formatCoverage(result));
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error: unknown) => {
        process.stderr.write(
            `bench-coverage failed: ${error instanceof Error ? error.stack : String(error)}\n`,
        );
        process.exitCode = 1;
    });
}
