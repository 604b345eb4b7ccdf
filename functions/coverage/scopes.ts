import { DeadlineReached, reasonOf, type Run } from "../shared/run";
import type { OrganizationalUnitTree } from "../enrollment/adapters";

/*
 * Which OU scope each account is in, as the stack intends it (stack config `organizationalUnits`): the nearest
 * configured OU above the account, as Security Hub ("the closest parent that has a configuration policy",
 * configuration-policies-overview.html) and Organizations policy inheritance (the policy attached closest to
 * the account overrides with @@assign) both decide. Accounts under no configured OU are in the root's scope.
 */

/** One OU scope as the coverage reader judges it. */
export interface CoverageScope {
    /** The OU, `ou-...`. */
    id: string;
    /** The scope's name in the stack config, shown in the report. */
    name: string;
    /** Inspector scan types (BatchGetAccountStatus `resourceState` keys) required in place of the root's. */
    inspectorScans?: string[];
    /** The name of the Security Hub configuration policy the OU's accounts must have in place of the root's. */
    securityHubPolicy?: string;
    /** The OU's policy turns Config.1 off, so nothing reports whether AWS Config records there. */
    configRecordingOff?: true;
}

/** The services an OU scope can change. */
export type ScopedService = "inspector" | "securityhub" | "config";

const SCOPED: Record<ScopedService, (scope: CoverageScope) => boolean> = {
    inspector: (scope) => scope.inspectorScans !== undefined,
    securityhub: (scope) => scope.securityHubPolicy !== undefined,
    // Config.1 runs under the configuration policy, so the same OUs decide whether it reports.
    config: (scope) => scope.securityHubPolicy !== undefined,
};

/** The scope of every account that is in one, per service, or why the OUs could not be read. */
export interface ScopeAssignment {
    /**
     * Service -> account ID -> the nearest OU scope above the account that sets something for that service.
     * An account absent here takes the root's for that service: a nested OU that sets only Inspector leaves
     * its accounts under the Security Hub policy of the OU above it.
     */
    byService: Record<ScopedService, Map<string, CoverageScope>>;
    /** Set when an OU could not be walked: scoped expectations cannot then be judged. */
    error?: string;
}

const unassigned = (): ScopeAssignment["byService"] => ({
    inspector: new Map(),
    securityhub: new Map(),
    config: new Map(),
});

/** Walks each configured OU; `tree` is organizationalUnitTree bound to a client. */
export async function assignScopes(
    scopes: readonly CoverageScope[],
    tree: ((organizationalUnit: string, run: Run) => Promise<OrganizationalUnitTree>) | undefined,
    run: Run,
): Promise<ScopeAssignment> {
    const byService = unassigned();
    if (scopes.length === 0) return { byService };
    if (tree === undefined) return { byService, error: "no OU reader was given" };
    const trees = new Map<string, OrganizationalUnitTree>();
    for (const scope of scopes) {
        try {
            trees.set(scope.id, await tree(scope.id, run));
        } catch (error) {
            if (error instanceof DeadlineReached) throw error;
            return { byService, error: `${scope.id} (${scope.name}): ${reasonOf(error)}` };
        }
    }
    for (const [service, sets] of Object.entries(SCOPED) as [
        ScopedService,
        (s: CoverageScope) => boolean,
    ][]) {
        for (const scope of scopes.filter(sets)) {
            for (const account of trees.get(scope.id)?.accounts ?? []) {
                const current = byService[service].get(account);
                // The nearer OU is the one nested under the other.
                if (current === undefined || trees.get(current.id)?.organizationalUnits.includes(scope.id)) {
                    byService[service].set(account, scope);
                }
            }
        }
    }
    return { byService };
}

/** Service -> scope name -> its accounts, sorted, for the report (every other account takes the root's). */
export function scopeMembers(
    assignment: ScopeAssignment,
): Partial<Record<ScopedService, Record<string, string[]>>> {
    const members: Partial<Record<ScopedService, Record<string, string[]>>> = {};
    for (const [service, byAccount] of Object.entries(assignment.byService) as [
        ScopedService,
        Map<string, CoverageScope>,
    ][]) {
        // Config.1's scopes are Security Hub's, listed once under securityhub.
        if (service === "config") continue;
        for (const [account, scope] of byAccount)
            ((members[service] ??= {})[scope.name] ??= []).push(account);
    }
    for (const byScope of Object.values(members))
        for (const accounts of Object.values(byScope)) accounts.sort();
    return members;
}
