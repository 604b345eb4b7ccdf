/**
 * `npm run bench`: plans the prod stack offline, policy pack included, for organizations of 10, 1,000
 * and 10,000 accounts in 1 and 17 regions, each cell in a fresh process (tools/bench-cell.ts), and
 * prints a table with the machine it ran on.
 *
 * usage: npm run bench -- [--quick] [--accounts 10,1000,10000] [--regions 1,17] [--stack prod]
 *                         [--repeat N] [--json FILE] [--verbose] [--functions] [--coverage] [--plan-cost]
 *                         [--responder]
 *
 * Then the plan's cost at 12 and 10,000 accounts is measured in one process (tools/bench-plan-cost.ts), the
 * enrollment function runs against a simulated 10,000-account organization in the stack's regions
 * (tools/bench-functions.ts), the coverage function refreshes its whole matrix over the same organization on
 * its hourly schedule, in a process of its own (tools/bench-coverage.ts), and the responder answers a burst of
 * 1,000 GuardDuty findings in 10 minutes against simulated AWS, with the Lambda concurrency, timeout and queue
 * the stack plans (tools/bench-responder.ts); --functions, --coverage, --plan-cost and --responder run only
 * those (--functions and --coverage together run both), with `--accounts N` the organization the simulations
 * hold. --quick runs 10 and 1,000 accounts only. A small run of every simulation is part of npm test
 * (test/bench-simulations.test.ts), so that none can stop working unnoticed. With --repeat, the run with the median plan+policy time of
 * each cell is reported. 1 region is the stack with `security-governance:regions` set to its home
 * region; any other count is the stack's own region list (17 for prod).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { CellResult } from "./bench-cell";
import { formatPlanCost, measurePlanCost } from "./bench-plan-cost";
import { benchResponder } from "./bench-responder-report";
import { coverageReport, enrollmentReport } from "./bench-simulations";
import { readStackConfigValues, REPO_ROOT } from "./plan-runtime";

export const BENCH_USAGE =
    "usage: npm run bench -- [--quick] [--accounts 10,1000,10000] [--regions 1,17] [--stack prod] " +
    "[--repeat N] [--json FILE] [--verbose] [--functions] [--coverage] [--plan-cost] [--responder]";

/** The targets of issue 5, checked on the largest cell. */
const TARGETS = {
    // Issue 5's 40, the region's watch since issue 29, AI Protection's two features since issue 30
    // (test/scale.test.ts, PER_REGION).
    perRegion: 50,
    wallMs: 30_000,
    peakRssMb: 1536,
    analysisMs: 5_000,
};

const CELL_TIMEOUT_MS = 15 * 60_000;

interface BenchFlags {
    stack: string;
    accounts: number[];
    regions: number[];
    repeat: number;
    jsonFile: string | undefined;
    verbose: boolean;
    /** Only the enrollment simulation, no plan cells. */
    functionsOnly: boolean;
    /** Only the coverage simulation, no plan cells. */
    coverageOnly: boolean;
    /** The organization the simulations hold, when --accounts is given with --functions or --coverage. */
    simulatedAccounts: number | undefined;
    /** Only the plan's cost at 12 and 10,000 accounts, in this process. */
    planCostOnly: boolean;
    /** Only the responder's burst (tools/bench-responder.ts), in this process. */
    responderOnly: boolean;
}

export interface BenchRow extends CellResult {
    /** From spawning the cell's process to its exit: node, module loading, plan, pack, discovery. */
    processWallMs: number;
}

function numberList(flag: string, text: string, min: number): number[] {
    const values = text.split(",").map((part) => Number(part.trim()));
    if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < min)) {
        throw new Error(
            `--${flag} ${JSON.stringify(text)}: expected whole numbers from ${min}, comma-separated`,
        );
    }
    return values;
}

function parseFlags(argv: string[]): BenchFlags {
    const { values } = parseArgs({
        args: argv,
        options: {
            quick: { type: "boolean", default: false },
            accounts: { type: "string" },
            regions: { type: "string" },
            stack: { type: "string", default: "prod" },
            repeat: { type: "string", default: "1" },
            json: { type: "string" },
            verbose: { type: "boolean", default: false },
            functions: { type: "boolean", default: false },
            coverage: { type: "boolean", default: false },
            "plan-cost": { type: "boolean", default: false },
            responder: { type: "boolean", default: false },
            help: { type: "boolean", default: false },
        },
        strict: true,
        allowPositionals: false,
    });
    if (values.help === true) {
        process.stdout.write(`${BENCH_USAGE}\n`);
        process.exit(0);
    }
    const defaultAccounts = values.quick === true ? "10,1000" : "10,1000,10000";
    const simulations = values.functions === true || values.coverage === true;
    const accounts = numberList("accounts", values.accounts ?? defaultAccounts, 2);
    if (simulations && values.accounts !== undefined && accounts.length !== 1) {
        throw new Error(
            `--accounts ${values.accounts}: a simulation holds one organization, give one number`,
        );
    }
    return {
        stack: values.stack ?? "prod",
        accounts,
        regions: numberList("regions", values.regions ?? "1,17", 1),
        repeat: numberList("repeat", values.repeat ?? "1", 1)[0],
        jsonFile: values.json,
        verbose: values.verbose === true,
        functionsOnly: values.functions === true,
        coverageOnly: values.coverage === true,
        simulatedAccounts: simulations && values.accounts !== undefined ? accounts[0] : undefined,
        planCostOnly: values["plan-cost"] === true,
        responderOnly: values.responder === true,
    };
}

/** The `--regions` argument of a cell: the home region alone, or the stack's own list (undefined). */
function regionsArgument(stack: string, count: number): string | undefined {
    const config = readStackConfigValues(stack, REPO_ROOT);
    const home = config["aws:region"];
    const listed = config["security-governance:regions"];
    if (count === 1) {
        if (typeof home !== "string") throw new Error(`Pulumi.${stack}.yaml: no aws:region`);
        return home;
    }
    if (!Array.isArray(listed) || listed.length !== count) {
        throw new Error(
            `--regions ${count}: the ${stack} stack governs ${Array.isArray(listed) ? listed.length : "its default"} ` +
                `regions; only 1 and that number can be benchmarked`,
        );
    }
    return undefined;
}

function runCell(flags: BenchFlags, accounts: number, regions: number): Promise<BenchRow> {
    const resultFile = path.join(
        fs.mkdtempSync(path.join(os.tmpdir(), "security-governance-bench-")),
        "cell.json",
    );
    const regionList = regionsArgument(flags.stack, regions);
    const args = [
        "--require",
        require.resolve("ts-node/register/transpile-only"),
        path.join(__dirname, "bench-cell.ts"),
        "--stack",
        flags.stack,
        "--accounts",
        String(accounts),
        "--result",
        resultFile,
        ...(regionList === undefined ? [] : ["--regions", regionList]),
        ...(flags.verbose ? ["--verbose"] : []),
    ];
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const child = spawn(process.execPath, args, {
            cwd: REPO_ROOT,
            env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json") },
            stdio: ["ignore", "inherit", "inherit"],
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), CELL_TIMEOUT_MS);
        child.on("error", reject);
        child.on("exit", (code, signal) => {
            clearTimeout(timer);
            const processWallMs = Number(process.hrtime.bigint() - started) / 1e6;
            if (code !== 0) {
                reject(
                    new Error(
                        `cell ${accounts} accounts x ${regions} regions: exited with ${signal ?? code}`,
                    ),
                );
                return;
            }
            const result = JSON.parse(fs.readFileSync(resultFile, "utf8")) as CellResult;
            fs.rmSync(path.dirname(resultFile), { recursive: true, force: true });
            resolve({ ...result, processWallMs });
        });
    });
}

const integer = new Intl.NumberFormat("en-US");

function seconds(ms: number): string {
    return (ms / 1000).toFixed(1);
}

function megabytes(mb: number | null | undefined): string {
    return mb === null || mb === undefined ? "n/a" : integer.format(Math.round(mb));
}

export function machineDescription(): string {
    const cpus = os.cpus();
    const load = os
        .loadavg()
        .map((value) => value.toFixed(2))
        .join(", ");
    return [
        `Machine: ${cpus[0]?.model.trim() ?? "unknown CPU"} x ${cpus.length}, ` +
            `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
        `Node ${process.version}, ${new Date().toISOString()}, load average ${load}`,
    ].join("\n");
}

export function formatTable(rows: BenchRow[]): string {
    const header = [
        "accounts",
        "regions",
        "resources",
        "max/region",
        "discovery ms",
        "plan s",
        "pack start s",
        "analysis s",
        "plan+policy s",
        "process s",
        "plan RSS MB",
        "peak RSS MB",
        "pack RSS MB",
    ];
    const lines = rows.map((row) => [
        integer.format(row.accounts),
        String(row.regions),
        String(row.resources),
        row.regions > 1 ? String(row.maxPerOtherRegion) : "-",
        row.discovery.ms.toFixed(0),
        seconds(row.planMs),
        row.policy ? seconds(row.policy.startupMs) : "-",
        row.policy ? seconds(row.policy.analysisMs) : "-",
        seconds(row.planAndPolicyMs),
        seconds(row.processWallMs),
        megabytes(row.planPeakRssMb),
        megabytes(row.peakRssMb),
        megabytes(row.policy?.packPeakRssMb),
    ]);
    const render = (cells: string[]): string => `| ${cells.join(" | ")} |`;
    return [render(header), render(header.map(() => "---:")), ...lines.map(render)].join("\n");
}

/** One line per target of issue 5, judged on the measured cells. */
export function checkTargets(rows: BenchRow[]): string[] {
    const verdict = (ok: boolean): string => (ok ? "met   " : "MISSED");
    const lines: string[] = [];
    const byRegions = new Map<number, BenchRow[]>();
    for (const row of rows) byRegions.set(row.regions, [...(byRegions.get(row.regions) ?? []), row]);
    for (const [regions, group] of byRegions) {
        const counts = [...new Set(group.map((row) => row.resources))];
        lines.push(
            `${verdict(counts.length === 1)} resource count independent of accounts (${regions} region(s)): ` +
                group.map((row) => `${integer.format(row.accounts)} -> ${row.resources}`).join(", "),
        );
    }
    const multi = rows.filter((row) => row.regions > 1);
    if (multi.length > 0) {
        const worst = Math.max(...multi.map((row) => row.maxPerOtherRegion));
        lines.push(
            `${verdict(worst <= TARGETS.perRegion)} at most ${TARGETS.perRegion} resources per governed region: ${worst}`,
        );
    }
    const largest = [...rows].sort((a, b) => b.accounts * b.regions - a.accounts * a.regions)[0];
    if (largest !== undefined) {
        const cell = `${integer.format(largest.accounts)} x ${largest.regions}`;
        if (largest.accounts < 10_000 || largest.regions < 17) {
            lines.push(`(the targets below are for 10,000 accounts x 17 regions; judged here on ${cell})`);
        }
        lines.push(
            `${verdict(largest.processWallMs <= TARGETS.wallMs)} ${cell}: wall <= ${seconds(TARGETS.wallMs)} s: ` +
                `${seconds(largest.processWallMs)} s (process), ${seconds(largest.planAndPolicyMs)} s (plan+policy)`,
        );
        lines.push(
            `${verdict(largest.peakRssMb <= TARGETS.peakRssMb)} ${cell}: peak RSS <= ${megabytes(TARGETS.peakRssMb)} MB: ` +
                `${megabytes(largest.peakRssMb)} MB (pack process ${megabytes(largest.policy?.packPeakRssMb)} MB, separate)`,
        );
        if (largest.policy) {
            lines.push(
                `${verdict(largest.policy.analysisMs <= TARGETS.analysisMs)} ${cell}: policy analysis <= ` +
                    `${seconds(TARGETS.analysisMs)} s: ${seconds(largest.policy.analysisMs)} s ` +
                    `(pack start-up ${seconds(largest.policy.startupMs)} s, not counted)`,
            );
        }
        const d = largest.throttledDiscovery;
        lines.push(
            `${verdict(d.activeAccounts === largest.accounts && d.throttledCalls > 0)} discovery of ` +
                `${integer.format(largest.accounts)} accounts: ${largest.discovery.pages} pages in ` +
                `${largest.discovery.ms.toFixed(0)} ms; with ${d.throttledCalls} throttled calls retried ` +
                `(no backoff) ${d.ms.toFixed(0)} ms, ${d.progressLines} progress line(s)`,
        );
    }
    return lines;
}

function median(rows: BenchRow[]): BenchRow {
    const sorted = [...rows].sort((a, b) => a.planAndPolicyMs - b.planAndPolicyMs);
    return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** `npm run bench`, its report written to `out`, progress and usage errors to `err`. */
export async function main(
    argv: string[],
    out: (text: string) => void = (text) => process.stdout.write(text),
    err: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
    let flags: BenchFlags;
    try {
        flags = parseFlags(argv);
        // A stack or region count that cannot be benchmarked stops here, before any cell runs.
        flags.regions.forEach((count) => regionsArgument(flags.stack, count));
    } catch (error) {
        err(`${(error as Error).message}\n${BENCH_USAGE}\n`);
        return 2;
    }
    const progress = (line: string) => err(`${line}\n`);
    const accounts = flags.simulatedAccounts;
    const responder = () => benchResponder(flags.stack, { progress });
    if (flags.responderOnly) {
        out(await responder());
        return 0;
    }
    if (flags.planCostOnly) {
        out(formatPlanCost(await measurePlanCost(flags.stack)));
        return 0;
    }
    if (flags.functionsOnly || flags.coverageOnly) {
        if (flags.functionsOnly) out(await enrollmentReport(flags.stack, accounts, progress));
        if (flags.coverageOnly) out(await coverageReport(flags.stack, accounts, progress));
        return 0;
    }
    const loadBefore = os.loadavg()[0];
    const rows: BenchRow[] = [];
    for (const regions of flags.regions) {
        for (const accounts of flags.accounts) {
            const runs: BenchRow[] = [];
            for (let run = 1; run <= flags.repeat; run++) {
                const label = `${integer.format(accounts)} accounts x ${regions} region(s)`;
                process.stderr.write(
                    `bench: ${label}${flags.repeat > 1 ? ` (run ${run}/${flags.repeat})` : ""} ...`,
                );
                const row = await runCell(flags, accounts, regions);
                process.stderr.write(` ${seconds(row.processWallMs)} s\n`);
                runs.push(row);
            }
            rows.push(median(runs));
        }
    }
    const report = [
        `Offline plan of the ${flags.stack} stack, policy pack included, each cell in a fresh process.`,
        machineDescription() + ` (1-minute load ${loadBefore.toFixed(2)} at the start)`,
        "",
        formatTable(rows),
        "",
        "max/region: resources of the busiest governed region other than the home region. discovery: " +
            "DescribeOrganization, ListRoots and every ListAccounts page (20 accounts) through the mocked " +
            "client. plan: planStack (mock runtime, discovery included). pack start/analysis: the policy " +
            "pack's start-up and its analyze + analyzeStack calls. process: the cell's process from spawn " +
            "to exit. plan RSS: the cell's peak RSS (maxRSS) when the plan is done; peak RSS: the same at the " +
            "end, the policy driver's share included; pack RSS: the policy pack's own process (VmHWM).",
        "",
        ...checkTargets(rows),
        "",
        formatPlanCost(await measurePlanCost(flags.stack)),
        await enrollmentReport(flags.stack, accounts, progress),
        await coverageReport(flags.stack, accounts, progress),
        await responder(),
    ].join("\n");
    out(report);
    if (flags.jsonFile !== undefined) {
        fs.writeFileSync(
            flags.jsonFile,
            `${JSON.stringify({ machine: machineDescription(), rows }, null, 2)}\n`,
        );
    }
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        (error: unknown) => {
            process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
            process.exitCode = 1;
        },
    );
}
