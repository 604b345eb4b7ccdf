import { DeleteMembersCommand, type DetectiveClient } from "@aws-sdk/client-detective";
import { DisassociateMemberCommand, type Macie2Client } from "@aws-sdk/client-macie2";
import { reasonOf, rethrowDeadline, type Run } from "../shared/run";
import { normalizeStatus, type Gap, type LiveMember, type ReconciledService } from "./reconcile";

/*
 * Removing members, on purpose: the enrollment function only ever adds, and `npm run members -- --remove` is
 * the one way this project takes an account out of Macie or Detective. It removes only the accounts the stack
 * excludes, so the hourly enrollment does not add them straight back, and only once the deployed function
 * excludes them too. Removing changes the administrator's view, not the member: Macie stays enabled in the
 * member account as a standalone account, and Detective keeps the graph's data; neither deletes findings.
 * Macie lists a disassociated organization account as "Removed" and "continues to be enabled for the account";
 * DeleteMember is not for organization accounts ("This type of association is controlled through AWS
 * Organizations not Macie"; Macie user guide, accounts-mgmt-ao-review and deleting associations).
 */

/**
 * Macie statuses of an account that is no longer associated (RelationshipStatus, @aws-sdk/client-macie2):
 * "Removed" (disassociated by the administrator) and "Resigned" (by the member). Nothing to remove.
 */
const MACIE_ALREADY_OUT = new Set(["REMOVED", "RESIGNED"]);

/** Detective DeleteMembers: "You can remove up to 50 member accounts at a time" (DeleteMembersRequest). */
const DETECTIVE_REMOVE_BATCH = 50;

export interface RemovalPlan {
    /** Excluded accounts that are still members here, in account order: what --remove removes. */
    remove: LiveMember[];
    /** Excluded members left alone, and why (the deployed function would enroll them again). */
    held: Gap[];
}

/**
 * Which of a region's members to remove: those in `excluded` (the stack's `<service>.excludedAccounts`) that
 * are still members. `deployedExcluded` is what the deployed enrollment function excludes (undefined when no
 * function is deployed, so nothing enrolls them again); an account it still enrolls is held, not removed.
 */
export function planRemoval(args: {
    service: ReconciledService;
    members: readonly LiveMember[];
    excluded: readonly string[];
    deployedExcluded: readonly string[] | undefined;
}): RemovalPlan {
    const excluded = new Set(args.excluded);
    const remove: LiveMember[] = [];
    const held: Gap[] = [];
    const members = [...args.members]
        .filter((m) => excluded.has(m.accountId))
        .filter((m) => args.service !== "macie" || !MACIE_ALREADY_OUT.has(normalizeStatus(m.status)))
        .sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
    for (const member of members) {
        if (args.deployedExcluded !== undefined && !args.deployedExcluded.includes(member.accountId)) {
            held.push({
                accountId: member.accountId,
                reason: `the deployed enrollment function still enrolls it (run pulumi up with ${args.service}.excludedAccounts first)`,
            });
        } else {
            remove.push(member);
        }
    }
    return { remove, held };
}

export interface RemovalOutcome {
    removed: string[];
    failed: Gap[];
}

/** Macie DisassociateMember, one account a call (its only parameter is the account's `id`). */
export async function removeMacieMembers(
    client: Macie2Client,
    accountIds: readonly string[],
    run: Run,
): Promise<RemovalOutcome> {
    const outcome: RemovalOutcome = { removed: [], failed: [] };
    for (const id of accountIds) {
        run.checkDeadline();
        try {
            await run.call("macie2:DisassociateMember", () =>
                client.send(new DisassociateMemberCommand({ id })),
            );
            outcome.removed.push(id);
        } catch (error) {
            rethrowDeadline(error);
            outcome.failed.push({ accountId: id, reason: reasonOf(error) });
        }
    }
    return outcome;
}

/**
 * Detective DeleteMembers, 50 accounts a call. An account counts as removed only when the response names it
 * in `AccountIds`; `UnprocessedAccounts` carry Detective's reason, and an account in neither is reported too.
 */
export async function removeDetectiveMembers(
    client: DetectiveClient,
    graphArn: string,
    accountIds: readonly string[],
    run: Run,
): Promise<RemovalOutcome> {
    const outcome: RemovalOutcome = { removed: [], failed: [] };
    for (let start = 0; start < accountIds.length; start += DETECTIVE_REMOVE_BATCH) {
        run.checkDeadline();
        const batch = accountIds.slice(start, start + DETECTIVE_REMOVE_BATCH);
        try {
            const response = await run.call("detective:DeleteMembers", () =>
                client.send(new DeleteMembersCommand({ GraphArn: graphArn, AccountIds: [...batch] })),
            );
            const removed = new Set(response.AccountIds ?? []);
            const reasons = new Map(
                (response.UnprocessedAccounts ?? []).map((u) => [
                    u.AccountId ?? "",
                    u.Reason ?? "no reason given",
                ]),
            );
            for (const id of batch) {
                if (removed.has(id)) outcome.removed.push(id);
                else
                    outcome.failed.push({
                        accountId: id,
                        reason: reasons.get(id) ?? "not named as removed in the DeleteMembers response",
                    });
            }
        } catch (error) {
            rethrowDeadline(error);
            for (const id of batch) outcome.failed.push({ accountId: id, reason: reasonOf(error) });
        }
    }
    return outcome;
}
