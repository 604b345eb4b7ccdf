import { DeadlineReached, reasonOf, type Run } from "../shared/run";
import type { OrganizationalUnitTree } from "../enrollment/adapters";
import type { OrgAccount } from "../enrollment/reconcile";
import { assignScopes } from "./scopes";
import {
    COVERAGE_SERVICES,
    coverageMatrix,
    type CoverageExpectation,
    type CoverageReport,
    type CoverageService,
    type Observation,
    type RegionReading,
} from "./matrix";

export interface CoverageDependencies {
    listAccounts(run: Run): Promise<OrgAccount[]>;
    /** What lies under an OU. Needed only when the expectation has OU scopes. */
    organizationalUnitTree?(organizationalUnit: string, run: Run): Promise<OrganizationalUnitTree>;
    /**
     * What `service` reports in `region`, or a string saying why it cannot be read there (no detector, no
     * behavior graph...). `accounts` are the active accounts, for services that are asked per account.
     */
    read(
        service: CoverageService,
        region: string,
        accounts: readonly string[],
        run: Run,
    ): Promise<Observation[] | string>;
    /** Told before each service and region is read, for a progress line. */
    progress?(service: CoverageService, region: string): void;
}

/**
 * One read-only pass over every governed service and region. A region that cannot be read becomes a row whose
 * every account is a gap with the reason; the others are still read. Stops cleanly before the deadline and
 * says so: the rows it did not reach are missing from the report, which is marked stoppedEarly.
 */
export async function runCoverage(
    expectation: CoverageExpectation,
    dependencies: CoverageDependencies,
    run: Run,
    now: () => Date = () => new Date(),
): Promise<CoverageReport> {
    const accounts = await dependencies.listAccounts(run);
    const active = accounts.filter((a) => a.state.toUpperCase() === "ACTIVE").map((a) => a.id);
    const scopes = await assignScopes(expectation.scopes ?? [], dependencies.organizationalUnitTree, run);
    const readings: RegionReading[] = [];
    let stoppedEarly = false;
    try {
        for (const service of COVERAGE_SERVICES) {
            for (const region of expectation.regions[service] ?? []) {
                dependencies.progress?.(service, region);
                try {
                    const result = await dependencies.read(service, region, active, run);
                    readings.push(
                        typeof result === "string"
                            ? { service, region, error: result, observations: [] }
                            : { service, region, observations: result },
                    );
                } catch (error) {
                    if (error instanceof DeadlineReached) throw error;
                    readings.push({ service, region, error: reasonOf(error), observations: [] });
                }
            }
        }
    } catch (error) {
        if (!(error instanceof DeadlineReached)) throw error;
        stoppedEarly = true;
    }
    return coverageMatrix({
        accounts,
        expectation,
        readings,
        generatedAt: now().toISOString(),
        stoppedEarly,
        scopes,
    });
}
