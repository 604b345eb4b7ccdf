import { DeadlineReached, reasonOf, type Run } from "../shared/run";
import type { MemberService } from "./adapters";
import { decideEnrollment, type Gap, type OrgAccount, type ReconciledService } from "./reconcile";

/** The deployed function's name (components/enrollment-function.ts deploys it under this name). */
export const ENROLLMENT_FUNCTION_NAME = "security-governance-enrollment";

/** What the enrollment function is told, by the stack: no member account is named here. */
export interface EnrollmentSettings {
    adminAccountId: string;
    managementAccountId: string;
    /** Governed regions per service. */
    regions: Partial<Record<ReconciledService, string[]>>;
    /** Members per administrator and region (stacks/quotas.ts). */
    quotas: Record<ReconciledService, number>;
    /** Accounts enrolled first after the management account, where a quota cuts (Detective's 1,200). */
    priority?: string[];
    /**
     * OUs whose accounts (nested OUs included) are enrolled next, after `priority`, OU by OU in this order and
     * by account ID within each. Resolved once per run from Organizations.
     */
    priorityOrganizationalUnits?: string[];
    /** Accounts each service never enrolls (the stack's `<service>.excludedAccounts`). */
    excluded?: Partial<Record<ReconciledService, string[]>>;
}

export interface RegionResult {
    service: ReconciledService;
    region: string;
    /** Accounts covered once this run's enrollments are counted. */
    covered: number;
    enrolled: string[];
    /** Enrollments AWS refused on this run, with its reason. */
    failed: Gap[];
    /** Accounts left uncovered for a reason enrolling cannot fix (paused, suspended, beyond the quota). */
    gaps: Gap[];
    /** Set when the region could not be reconciled at all (no graph, access denied, ...). */
    error?: string;
}

export interface EnrollmentReport {
    /** True when the run stopped at its time limit: the next run continues where this one stopped. */
    stoppedEarly: boolean;
    /** Where the run stopped, when it did: the call it was making or waiting to retry. */
    stoppedBecause?: string;
    accounts: number;
    /** Priority OUs that could not be read, with the reason: their accounts took no priority on this run. */
    priorityErrors?: { organizationalUnit: string; reason: string }[];
    results: RegionResult[];
    calls: number;
    retries: number;
}

export interface EnrollmentDependencies {
    listAccounts(run: Run): Promise<OrgAccount[]>;
    /** The account IDs in an OU and every OU nested in it. Needed only with priorityOrganizationalUnits. */
    accountsUnder?(organizationalUnit: string, run: Run): Promise<string[]>;
    /** The service in a region, or a reason it cannot be reconciled there (no behavior graph yet, ...). */
    service(service: ReconciledService, region: string, run: Run): Promise<MemberService | string>;
}

/**
 * One reconciliation run over every governed service and region, the regions side by side: each service's
 * request rates are per region, so a large organization enrolls in the time of its slowest region, not of all
 * of them in a row. A single account never fails the run: its failure is recorded with AWS's reason and
 * retried on the next run. A region that cannot be read is recorded and the others still run. Every region
 * stops cleanly before the shared deadline.
 */
export async function runEnrollment(
    settings: EnrollmentSettings,
    dependencies: EnrollmentDependencies,
    run: Run,
): Promise<EnrollmentReport> {
    const report: EnrollmentReport = { stoppedEarly: false, accounts: 0, results: [], calls: 0, retries: 0 };
    const stopped = (error: DeadlineReached) => {
        report.stoppedEarly = true;
        report.stoppedBecause ??= error.message;
    };
    let accounts: OrgAccount[];
    try {
        accounts = await dependencies.listAccounts(run);
    } catch (error) {
        if (!(error instanceof DeadlineReached)) throw error;
        stopped(error);
        accounts = [];
    }
    report.accounts = accounts.length;
    const priority = report.stoppedEarly
        ? []
        : await priorityOrder(settings, dependencies, run, report, stopped);
    const reconcile = async (service: ReconciledService, region: string, result: RegionResult) => {
        try {
            const target = await dependencies.service(service, region, run);
            if (typeof target === "string") {
                result.error = target;
                return;
            }
            const decision = decideEnrollment({
                service,
                accounts,
                members: await target.listMembers(run),
                adminAccountId: settings.adminAccountId,
                managementAccountId: settings.managementAccountId,
                quota: settings.quotas[service],
                priority,
                excluded: settings.excluded?.[service],
            });
            result.gaps = decision.gaps;
            result.covered = decision.covered.length;
            const outcome = await target.enroll(run, decision.enroll);
            result.enrolled = outcome.enrolled;
            result.failed = outcome.failed;
            result.covered += outcome.enrolled.length;
        } catch (error) {
            if (error instanceof DeadlineReached) stopped(error);
            else result.error = reasonOf(error);
        }
    };
    if (!report.stoppedEarly) {
        const work: Promise<void>[] = [];
        for (const service of ["macie", "detective"] as const) {
            for (const region of settings.regions[service] ?? []) {
                const result: RegionResult = {
                    service,
                    region,
                    covered: 0,
                    enrolled: [],
                    failed: [],
                    gaps: [],
                };
                report.results.push(result);
                work.push(reconcile(service, region, result));
            }
        }
        await Promise.all(work);
    }
    report.calls = run.calls;
    report.retries = run.retries;
    return report;
}

/**
 * The enrollment order after the management account: the priority accounts, then each priority OU's accounts.
 * An OU that cannot be read is reported and skipped; the run goes on with the rest of the order.
 */
async function priorityOrder(
    settings: EnrollmentSettings,
    dependencies: EnrollmentDependencies,
    run: Run,
    report: EnrollmentReport,
    stopped: (error: DeadlineReached) => void,
): Promise<string[]> {
    const order = [...(settings.priority ?? [])];
    for (const organizationalUnit of settings.priorityOrganizationalUnits ?? []) {
        try {
            if (dependencies.accountsUnder === undefined)
                throw new Error("this run cannot read organizational units");
            order.push(...(await dependencies.accountsUnder(organizationalUnit, run)).sort());
        } catch (error) {
            if (error instanceof DeadlineReached) {
                stopped(error);
                break;
            }
            (report.priorityErrors ??= []).push({ organizationalUnit, reason: reasonOf(error) });
        }
    }
    return order;
}
