/**
 * The coverage matrix, apart from any AWS call: for each governed service and region, which of the
 * organization's active accounts are covered, and the reason for every one that is not. It is read-only
 * proof for auditors, computed from what each service reports on this run, never from remembered state.
 *
 * Stored compactly: per service and region the covered count and every gap with its reason; the active
 * accounts are listed once, so every account in that list and not among a row's gaps is covered there.
 */

import type { OrgAccount } from "../enrollment/reconcile";
import { scopeMembers, type CoverageScope, type ScopeAssignment, type ScopedService } from "./scopes";
import { ASSOCIATION_ONLY, gapReason, mergeVerdicts } from "./verdicts";

// What callers read of the judgement of one account, from where they always did.
export { ASSOCIATION_ONLY, CONFIG_UNPROVABLE, mergeVerdicts, type Verdict } from "./verdicts";

/**
 * The governed services, and "config": whether AWS Config records in each account and region, which most
 * Security Hub CSPM controls need, read from CSPM's own control Config.1 ("AWS Config should be enabled"). With the
 * new Security Hub on, a passing Config.1 proves nothing (CONFIG_UNPROVABLE): only its failures still count.
 */
export const COVERAGE_SERVICES = [
    "guardduty",
    "securityhub",
    "macie",
    "detective",
    "inspector",
    "config",
] as const;
export type CoverageService = (typeof COVERAGE_SERVICES)[number];

/** What the stack asks for: where each service is governed and what "covered" requires. Derived from config. */
export interface CoverageExpectation {
    adminAccountId: string;
    managementAccountId: string;
    regions: Partial<Record<CoverageService, string[]>>;
    /** GuardDuty features (GetMemberDetectors `Features[].Name`) that must be ENABLED in every account. */
    guarddutyFeatures: string[];
    /**
     * Regions, per feature, where GuardDuty does not offer it (stacks/availability.ts): the program manages it there
     * neither on nor off, so a member's status of it is not judged in those regions. Unset: offered everywhere.
     */
    guarddutyFeaturesNotOfferedIn?: Readonly<Record<string, readonly string[]>>;
    /** Inspector scan types (BatchGetAccountStatus `resourceState` keys) that must be ENABLED. */
    inspectorScans: string[];
    /** Members per administrator and region, where a service caps them (Detective's 1,200). */
    quotas: Partial<Record<CoverageService, number>>;
    /** Accounts the stack keeps out of a service (`<service>.excludedAccounts`): their gaps are excused. */
    excluded?: Partial<Record<CoverageService, string[]>>;
    /** OUs whose accounts are held to their own scan types or configuration policy (`organizationalUnits`). */
    scopes?: CoverageScope[];
    /**
     * The Security Hub configuration policy every account outside a scope must have, and the home region, the
     * only one where central configuration and its associations are read. Unset: associations are not judged.
     */
    securityHubPolicy?: { region: string; name: string };
    /**
     * The stack turns the new Security Hub on (`securityHub.v2.enabled`). Security Hub CSPM then records through
     * a service-linked AWS Config recorder and Config.1 "will always have a status of PASSED" (Security Hub CSPM
     * user guide, Config controls, Config.1 note): a passing Config.1 proves nothing, and the config row says so.
     */
    securityHubV2?: boolean;
}

/** What a service reports about one account in one region. */
export interface Observation {
    accountId: string;
    /** The member status the service reports, upper-cased (ENABLED, CREATED, PAUSED, ...). */
    status: string;
    /** The status of each protection plan or scan type the service reports for the account. */
    plans?: Record<string, string>;
    /** A reason the service gave for the status (Detective DisabledReason, an Inspector error code...). */
    detail?: string;
    /**
     * The Security Hub configuration policy that applies to the account, as ListConfigurationPolicyAssociations
     * reports it: the policy's name (or its ID when the policy is not listed) and the association status.
     */
    policy?: { name: string; status: string; detail?: string };
}

/** One service in one region, as read on this run. */
export interface RegionReading {
    service: CoverageService;
    region: string;
    /** Set when the region could not be read at all; every account then counts as a gap with this reason. */
    error?: string;
    observations: Observation[];
}

export interface Gap {
    accountId: string;
    reason: string;
    /** A gap the stack cannot close and says so in its config or quotas (beyond a member quota). */
    excused?: boolean;
}

export interface CoverageRow {
    service: CoverageService;
    region: string;
    /** Active accounts the stack governs here. */
    expected: number;
    covered: number;
    gaps: Gap[];
    error?: string;
}

export interface CoverageReport {
    /** ISO time the report was computed. */
    generatedAt: string;
    /** Every ACTIVE account of the organization, sorted: the rows' denominator. */
    accounts: string[];
    /** Accounts left out because they are not ACTIVE (suspended, closing), with their state. */
    inactive: Gap[];
    rows: CoverageRow[];
    /** True when the run stopped at its time limit before reading every row. */
    stoppedEarly: boolean;
    /** Per scoped service, each OU scope's name and its accounts; every other account takes the root's. */
    scopes?: Partial<Record<ScopedService, Record<string, string[]>>>;
    /** Set when the OUs could not be read: the rows that depend on a scope are then not judged. */
    scopeError?: string;
    /**
     * The weekly drill's last verdict (functions/drill, <prefix>drill/latest.json), or why it could not be read;
     * absent before the first drill or without one.
     */
    drill?: DrillSummary;
}

/** The drill's report as the coverage report carries it (functions/drill/drill.ts, DrillReport). */
export interface DrillSummary {
    passed?: boolean;
    findingType?: string;
    startedAt?: string;
    finishedAt?: string;
    findingId?: string;
    deliverySeconds?: number;
    failure?: string;
    /** Set when the drill's report could not be read. */
    error?: string;
}

/** Whether a row's judgement depends on which scope an account is in. */
function scoped(reading: RegionReading, expectation: CoverageExpectation): boolean {
    const scopes = expectation.scopes ?? [];
    if (reading.service === "inspector") return scopes.some((scope) => scope.inspectorScans !== undefined);
    if (reading.service === "config") return scopes.some((scope) => scope.configRecordingOff === true);
    return (
        reading.service === "securityhub" &&
        reading.region === expectation.securityHubPolicy?.region &&
        scopes.some((scope) => scope.securityHubPolicy !== undefined)
    );
}

/**
 * The matrix for `accounts` from this run's readings. Accounts that are not ACTIVE are listed apart, not
 * counted as gaps; an account past a service's member quota is a gap marked excused, with the quota named.
 */
export function coverageMatrix(args: {
    accounts: readonly OrgAccount[];
    expectation: CoverageExpectation;
    readings: readonly RegionReading[];
    generatedAt: string;
    stoppedEarly?: boolean;
    /** Which scope each account is in (functions/coverage/scopes.ts). Default: every account in the root's. */
    scopes?: ScopeAssignment;
}): CoverageReport {
    const assignment: ScopeAssignment = args.scopes ?? {
        byService: { inspector: new Map(), securityhub: new Map(), config: new Map() },
    };
    const active = args.accounts.filter((a) => a.state.toUpperCase() === "ACTIVE");
    const ids = active.map((a) => a.id).sort();
    const inactive = args.accounts
        .filter((a) => a.state.toUpperCase() !== "ACTIVE")
        .map((a) => ({ accountId: a.id, reason: `account state ${a.state}` }))
        .sort((a, b) => a.accountId.localeCompare(b.accountId));
    const rows = args.readings.map((given): CoverageRow => {
        // A row judged by scope cannot be judged without the OUs: it is not read, as a region that fails is.
        const reading =
            given.error === undefined && assignment.error !== undefined && scoped(given, args.expectation)
                ? { ...given, error: `OU scopes not read: ${assignment.error}`, observations: [] }
                : given;
        if (reading.error !== undefined) {
            return {
                service: reading.service,
                region: reading.region,
                expected: ids.length,
                covered: 0,
                gaps: ids.map((accountId) => ({ accountId, reason: `not read: ${reading.error}` })),
                error: reading.error,
            };
        }
        // Every reading of an account is kept: they are merged by mergeVerdicts, a failure never hidden.
        const byAccount = new Map<string, Observation[]>();
        for (const observation of reading.observations) {
            const seen = byAccount.get(observation.accountId);
            if (seen === undefined) byAccount.set(observation.accountId, [observation]);
            else seen.push(observation);
        }
        const quota = args.expectation.quotas[reading.service];
        let members = 0;
        const gaps: Gap[] = [];
        for (const accountId of ids) {
            const isAdmin = accountId === args.expectation.adminAccountId;
            const observations = byAccount.get(accountId) ?? [];
            const service = reading.service;
            const scope =
                service === "inspector" || service === "securityhub" || service === "config"
                    ? assignment.byService[service].get(accountId)
                    : undefined;
            const verdict =
                observations.length === 0
                    ? gapReason(reading, undefined, args.expectation, isAdmin, scope)
                    : mergeVerdicts(
                          observations.map((o) => gapReason(reading, o, args.expectation, isAdmin, scope)),
                      );
            if (observations.some((o) => o.status !== ASSOCIATION_ONLY) && !isAdmin) members++;
            if (verdict !== undefined) gaps.push({ accountId, ...verdict });
        }
        // Where an OU's configuration policy turns Config.1 off, nothing can say whether Config records.
        if (reading.service === "config") {
            for (const gap of gaps) {
                const scope = assignment.byService.config.get(gap.accountId);
                if (scope?.configRecordingOff === true) {
                    gap.reason = `${gap.reason}: Config.1 is off in OU scope ${scope.name}`;
                    gap.excused = true;
                }
            }
        }
        // An account the stack excludes is not a member on purpose: named, and excused.
        const excluded = new Set(args.expectation.excluded?.[reading.service] ?? []);
        for (const gap of gaps) {
            if (excluded.has(gap.accountId)) {
                gap.reason = `${gap.reason}: excluded by the stack (${reading.service}.excludedAccounts)`;
                gap.excused = true;
            }
        }
        // A member quota the administrator has filled leaves every account still outside it excused.
        if (quota !== undefined && members >= quota) {
            for (const gap of gaps) {
                if (gap.reason === "not a member" && gap.excused !== true) {
                    gap.reason = `not a member: the administrator holds ${members} members, its quota of ${quota}`;
                    gap.excused = true;
                }
            }
        }
        return {
            service: reading.service,
            region: reading.region,
            expected: ids.length,
            covered: ids.length - gaps.length,
            gaps,
        };
    });
    return {
        generatedAt: args.generatedAt,
        accounts: ids,
        inactive,
        rows,
        stoppedEarly: args.stoppedEarly ?? false,
        ...((args.expectation.scopes ?? []).length > 0 ? { scopes: scopeMembers(assignment) } : {}),
        ...(assignment.error === undefined ? {} : { scopeError: assignment.error }),
    };
}

/** Rows whose unexcused gaps fall short of what the stack asks for. */
export function shortfalls(report: CoverageReport): CoverageRow[] {
    return report.rows.filter((row) => row.gaps.some((gap) => gap.excused !== true));
}

/** The accounts of a row with a gap the stack does not excuse. */
function failing(row: CoverageRow): Set<string> {
    return new Set(row.gaps.filter((gap) => gap.excused !== true).map((gap) => gap.accountId));
}

/**
 * The rows where an account lost coverage since `previous`: an account with a gap the stack does not excuse that
 * had none before. Alerts fire on this change, not on every run that still sees the same gap. The covered count
 * alone would not do: with the new Security Hub on, a passing Config.1 is an excused gap (verdicts.ts,
 * CONFIG_UNPROVABLE), so the config row covers no one and a FAILED Config.1 would not lower it; and a gap the
 * stack excuses (an exclusion, a known limit) is no loss a person must act on. A row absent from `previous` is new
 * and cannot have dropped.
 */
export function coverageDrops(
    previous: CoverageReport | undefined,
    current: CoverageReport,
): { row: string; before: number; after: number; accounts: string[] }[] {
    if (previous === undefined) return [];
    const earlier = new Map(previous.rows.map((row) => [`${row.service}/${row.region}`, row]));
    const drops: { row: string; before: number; after: number; accounts: string[] }[] = [];
    for (const row of current.rows) {
        const key = `${row.service}/${row.region}`;
        const was = earlier.get(key);
        if (was === undefined) continue;
        const before = failing(was);
        const accounts = [...failing(row)].filter((account) => !before.has(account)).sort();
        if (accounts.length > 0) drops.push({ row: key, before: was.covered, after: row.covered, accounts });
    }
    return drops;
}
