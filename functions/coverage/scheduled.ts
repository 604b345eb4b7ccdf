import { DeadlineReached, reasonOf, type Run } from "../shared/run";
import {
    COVERAGE_SERVICES,
    coverageDrops,
    coverageMatrix,
    type CoverageExpectation,
    type CoverageReport,
    type CoverageRow,
    type CoverageService,
    type DrillSummary,
    type RegionReading,
} from "./matrix";
import {
    alertDrops,
    coverageMetrics,
    putMetrics,
    readReport,
    reportWrittenMetric,
    rowFolder,
    writeReport,
    type Drop,
    type PublishClients,
    type PublishSettings,
} from "./publish";
import type { CoverageDependencies } from "./run-coverage";
import { readObjectIfPresent } from "../shared/s3-objects";
import { assignScopes } from "./scopes";

/** What the scheduled coverage function is told by the stack: no member account is named here. */
export interface CoverageSettings {
    expectation: CoverageExpectation;
    publish: PublishSettings;
}

export interface ScheduledDependencies extends Pick<
    CoverageDependencies,
    "listAccounts" | "read" | "organizationalUnitTree"
> {
    clients: PublishClients;
    now(): Date;
}

export interface ScheduledResult {
    /** Rows ("service/region") read on this run, stalest first. */
    refreshed: string[];
    /** Rows this run did not reach before its time limit: the next run starts with them. */
    notReached: string[];
    drops: Drop[];
    /** Keys of the combined report written on this run. */
    keys: string[];
    calls: number;
    retries: number;
}

/**
 * The drill's last verdict, from <prefix>drill/latest.json beside the coverage reports (components/drill-function.ts
 * writes it there, so this role already reads it); undefined before the first drill. A report that cannot be read
 * is named in the coverage report, never fails it.
 */
export async function readDrillSummary(
    clients: PublishClients,
    publish: PublishSettings,
    run: Run,
): Promise<DrillSummary | undefined> {
    try {
        const text = await readObjectIfPresent(
            clients.s3,
            publish.bucket,
            `${publish.prefix}drill/latest.json`,
            run,
        );
        if (text === undefined) return undefined;
        const report = JSON.parse(text) as DrillSummary;
        // The summary only: each check's words stay in the drill's own report.
        const fields = [
            "passed",
            "findingType",
            "startedAt",
            "finishedAt",
            "findingId",
            "deliverySeconds",
            "failure",
        ];
        return Object.fromEntries(
            Object.entries(report).filter(([key]) => fields.includes(key)),
        ) as DrillSummary;
    } catch (error) {
        if (error instanceof DeadlineReached) throw error;
        return { error: reasonOf(error) };
    }
}

/** Time kept for the combined report, the metrics and the alert once the rows have been read. */
export const PUBLISH_RESERVE_MS = 60_000;

const rowName = (row: { service: CoverageService; region: string }) => `${row.service}/${row.region}`;

/**
 * The rows grouped in lanes that are read side by side, each lane's rows one after another in the given order.
 * Every service's request rates are per account and Region (Security Hub's API reference lists them per
 * operation, GetFindings 3 a second; the others publish none but throttle per Region), so the rows of different
 * regions do not slow each other down: a lane per region. The config rows are the exception: every one reads
 * Security Hub CSPM's GetFindings in the home region (readConfigRecording), one rate for all of them, so they
 * are one lane of their own. One row at a time per lane also bounds the memory: at most a row's observations
 * per lane are held at once. Read one after another, 10,000 accounts in 17 regions took six hourly runs to
 * refresh every row (npm run bench -- --coverage); side by side, one.
 */
export function lanes<T extends { service: CoverageService; region: string }>(
    rows: readonly T[],
): Map<string, T[]> {
    const byLane = new Map<string, T[]>();
    for (const row of rows) {
        const lane = row.service === "config" ? "config" : row.region;
        byLane.set(lane, [...(byLane.get(lane) ?? []), row]);
    }
    return byLane;
}

/**
 * One scheduled run. Every service and region is a row stored on its own (rows/<service>/<region>/), so a
 * large organization whose full read takes longer than one Lambda run is still covered: each run refreshes
 * the stalest rows first, the regions side by side (`lanes`), writes each row as soon as it is read, and stops
 * before its deadline; the next run carries on. Then the combined matrix of every row's latest reading is written (latest.json and a dated
 * copy), each refreshed row's metrics are published, and one alert names every row whose coverage fell.
 */
export async function runScheduledCoverage(
    settings: CoverageSettings,
    dependencies: ScheduledDependencies,
    run: Run,
): Promise<ScheduledResult> {
    const { expectation, publish } = settings;
    const { clients } = dependencies;
    const accounts = await dependencies.listAccounts(run);
    const active = accounts.filter((a) => a.state.toUpperCase() === "ACTIVE").map((a) => a.id);
    const scopes = await assignScopes(expectation.scopes ?? [], dependencies.organizationalUnitTree, run);
    const rows = COVERAGE_SERVICES.flatMap((service) =>
        (expectation.regions[service] ?? []).map((region) => ({ service, region })),
    );
    const stored = new Map<string, CoverageReport | undefined>();
    for (const row of rows) {
        stored.set(
            rowName(row),
            await readReport(clients, publish, `${rowFolder(publish.prefix, row)}latest.json`, run),
        );
    }
    // Never read first, then the oldest reading first; ties keep the expectation's order.
    const order = [...rows].sort((a, b) => {
        const at = (row: typeof a) => stored.get(rowName(row))?.generatedAt ?? "";
        return at(a).localeCompare(at(b));
    });
    const refreshed = new Set<string>();
    const drops: Drop[] = [];
    const fresh: CoverageRow[] = [];
    /** Reads and writes one row; false when the run's time is up (the row is left for the next run). */
    const refresh = async (row: (typeof rows)[number]): Promise<boolean> => {
        let reading: RegionReading;
        try {
            const result = await dependencies.read(row.service, row.region, active, run);
            reading =
                typeof result === "string"
                    ? { ...row, error: result, observations: [] }
                    : { ...row, observations: result };
        } catch (error) {
            if (error instanceof DeadlineReached) return false;
            reading = { ...row, error: reasonOf(error), observations: [] };
        }
        const report = coverageMatrix({
            accounts,
            expectation,
            readings: [reading],
            generatedAt: dependencies.now().toISOString(),
            scopes,
        });
        try {
            await writeReport(clients, publish, rowFolder(publish.prefix, row), report, run);
        } catch (error) {
            if (error instanceof DeadlineReached) return false;
            throw error;
        }
        drops.push(...coverageDrops(stored.get(rowName(row)), report));
        stored.set(rowName(row), report);
        refreshed.add(rowName(row));
        fresh.push(...report.rows);
        return true;
    };
    run.reserve(PUBLISH_RESERVE_MS);
    // The lanes side by side, each lane's rows one after another, stalest first. A lane that fails to write stops
    // the others at their next row; the run then fails with that error once every lane has stopped.
    let failure: { error: unknown } | undefined;
    await Promise.all(
        [...lanes(order).values()].map(async (lane) => {
            for (const row of lane) {
                if (failure !== undefined) return;
                try {
                    if (!(await refresh(row))) return;
                } catch (error) {
                    failure ??= { error };
                    return;
                }
            }
        }),
    );
    if (failure !== undefined) throw failure.error;
    run.reserve(0);
    const generatedAt = dependencies.now().toISOString();
    const current = [...rows.map((row) => stored.get(rowName(row)))];
    const combined = coverageMatrix({ accounts, expectation, readings: [], generatedAt, scopes });
    combined.rows = current.flatMap((report) => report?.rows ?? []);
    combined.stoppedEarly = current.some((report) => report === undefined);
    const drill = await readDrillSummary(clients, publish, run);
    if (drill !== undefined) combined.drill = drill;
    const keys = await writeReport(clients, publish, publish.prefix, combined, run);
    await putMetrics(
        clients,
        publish,
        [...coverageMetrics(fresh, new Date(generatedAt)), reportWrittenMetric(new Date(generatedAt))],
        run,
    );
    await alertDrops(clients, publish, drops, generatedAt, keys[0], run);
    return {
        refreshed: order.map(rowName).filter((name) => refreshed.has(name)),
        notReached: order.map(rowName).filter((name) => !refreshed.has(name)),
        drops,
        keys,
        calls: run.calls,
        retries: run.retries,
    };
}
