/**
 * The enrollment decision, apart from any AWS call: given the organization's accounts and a service's live
 * members in one region, which accounts to enroll now, which are covered, and why every other account is
 * not. List-then-act: the decision is made against what the service reports on this run, never against
 * remembered state, so a member removed out of band is enrolled again on the next run.
 */

/** The services whose organization auto-enable reaches new accounts only (aws-gotchas 4). */
export type ReconciledService = "macie" | "detective";

/** An organization account as ListAccounts reports it. */
export interface OrgAccount {
    id: string;
    email: string;
    /** `State` (ListAccounts), falling back to the `Status` field it replaces. */
    state: string;
}

/** What a service's ListMembers says about one account, its status normalised to upper case. */
export interface LiveMember {
    accountId: string;
    /** Macie `relationshipStatus` or Detective `Status`, upper-cased: ENABLED, PAUSED, INVITED, ... */
    status: string;
    /** Detective `DisabledReason` (VOLUME_TOO_HIGH, VOLUME_UNKNOWN), when the service gives one. */
    detail?: string;
}

/** Why an account is not covered, for the run's report and the coverage matrix. */
export interface Gap {
    accountId: string;
    reason: string;
}

export interface EnrollmentDecision {
    /** Members in good standing (including the administrator itself, which is never its own member). */
    covered: string[];
    /** Accounts to enroll on this run, in priority order (the management account first). */
    enroll: OrgAccount[];
    /** Accounts that stay uncovered after this run, each with its reason, sorted by account ID. */
    gaps: Gap[];
}

export interface DecisionInput {
    service: ReconciledService;
    accounts: readonly OrgAccount[];
    members: readonly LiveMember[];
    adminAccountId: string;
    managementAccountId: string;
    /** Members the administrator can hold in this region (stacks/quotas.ts). */
    quota: number;
    /** Account IDs to enroll first, in this order, after the management account (Detective's cap). */
    priority?: readonly string[];
    /** Accounts the stack keeps out of this service: never enrolled, reported as excluded unless members. */
    excluded?: readonly string[];
}

/** The gap reason of an excluded account: coverage excuses exactly the gaps that start with it. */
export function excludedReason(service: ReconciledService): string {
    return `excluded by the stack (${service}.excludedAccounts)`;
}

/**
 * Member statuses that mean the account is covered. Macie: "Enabled" (RelationshipStatus, @aws-sdk/client-macie2
 * models); Detective: ENABLED, "the Detective administrator account enabled the organization account"
 * (MemberStatus, @aws-sdk/client-detective models).
 */
const COVERED = new Set(["ENABLED"]);

/**
 * Statuses the administrator cannot change by enrolling again, each with what it means. Anything else that is
 * listed but not covered (Removed, Resigned, Created, VERIFICATION_FAILED, ...) is enrolled again.
 */
const NOT_FIXABLE: Record<ReconciledService, Record<string, string>> = {
    macie: {
        // "Paused": the member account suspended Macie; only that account can resume it.
        PAUSED: "Macie is paused (suspended) by the member account itself",
        INVITED:
            "an invitation is pending (the account was invited rather than enrolled from the organization)",
        EMAILVERIFICATIONINPROGRESS: "Macie is verifying the account's e-mail address",
        REGIONDISABLED: "the region is disabled for the account",
        ACCOUNTSUSPENDED: "the account is suspended",
    },
    detective: {
        INVITED: "an invitation is pending",
        // For organization accounts: "Detective is verifying that the account belongs to the organization".
        VERIFICATION_IN_PROGRESS: "Detective is verifying that the account belongs to the organization",
        ACCEPTED_BUT_DISABLED: "enabled but not contributing data",
    },
};

/** Detective's reasons for ACCEPTED_BUT_DISABLED (MemberDisabledReason). */
const DISABLED_REASONS: Record<string, string> = {
    VOLUME_TOO_HIGH: "its data volume would take the graph over Detective's limit",
    VOLUME_UNKNOWN: "its data volume is unknown, usually because GuardDuty is not enabled in it",
};

/** Statuses compared in upper case: Macie spells them `Enabled`, Detective `ENABLED`. */
export function normalizeStatus(status: string): string {
    return status.toUpperCase();
}

function byId(a: { id: string }, b: { id: string }): number {
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function decideEnrollment(input: DecisionInput): EnrollmentDecision {
    const live = new Map(input.members.map((member) => [member.accountId, member]));
    const covered: string[] = [];
    const gaps: Gap[] = [];
    const candidates: OrgAccount[] = [];
    const seen = new Set<string>();
    const excluded = new Set(input.excluded ?? []);
    for (const account of [...input.accounts].sort(byId)) {
        if (seen.has(account.id)) continue;
        seen.add(account.id);
        if (account.id === input.adminAccountId) {
            covered.push(account.id);
            continue;
        }
        if (account.state !== "ACTIVE") {
            gaps.push({ accountId: account.id, reason: `the account is ${account.state}, not ACTIVE` });
            continue;
        }
        const member = live.get(account.id);
        const status = member === undefined ? undefined : normalizeStatus(member.status);
        if (status !== undefined && COVERED.has(status)) {
            // An excluded account that is still a member stays covered: only `npm run members` removes it.
            covered.push(account.id);
        } else if (excluded.has(account.id)) {
            gaps.push({ accountId: account.id, reason: excludedReason(input.service) });
        } else if (status !== undefined && status in NOT_FIXABLE[input.service]) {
            const why = NOT_FIXABLE[input.service][status];
            const detail =
                member?.detail === undefined ? "" : `: ${DISABLED_REASONS[member.detail] ?? member.detail}`;
            gaps.push({ accountId: account.id, reason: `${member?.status ?? status}: ${why}${detail}` });
        } else {
            candidates.push(account);
        }
    }
    // Listed members hold a place whatever their status, except those about to be enrolled again (they take
    // their own place back) and the administrator.
    const candidateIds = new Set(candidates.map((account) => account.id));
    const occupied = new Set(
        input.members
            .map((member) => member.accountId)
            .filter((id) => id !== input.adminAccountId && !candidateIds.has(id)),
    );
    const room = Math.max(0, input.quota - occupied.size);
    const order = new Map<string, number>();
    [input.managementAccountId, ...(input.priority ?? [])].forEach((id, index) => {
        if (!order.has(id)) order.set(id, index);
    });
    const ranked = candidates
        .map((account, index) => ({ account, rank: order.get(account.id) ?? order.size + index }))
        .sort((a, b) => a.rank - b.rank)
        .map(({ account }) => account);
    const enroll = ranked.slice(0, room);
    for (const account of ranked.slice(room)) {
        gaps.push({
            accountId: account.id,
            reason: `beyond the ${input.service} quota of ${input.quota} members per administrator and region`,
        });
    }
    gaps.sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
    return { covered: covered.sort(), enroll, gaps };
}
