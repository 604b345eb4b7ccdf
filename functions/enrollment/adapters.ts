import {
    CreateMembersCommand,
    DetectiveClient,
    ListGraphsCommand,
    ListMembersCommand as ListDetectiveMembers,
} from "@aws-sdk/client-detective";
import {
    CreateMemberCommand,
    ListMembersCommand as ListMacieMembers,
    Macie2Client,
} from "@aws-sdk/client-macie2";
import {
    ListAccountsCommand,
    ListAccountsForParentCommand,
    ListOrganizationalUnitsForParentCommand,
    OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { paged, reasonOf, rethrowDeadline, type Run } from "../shared/run";
import type { Gap, LiveMember, OrgAccount } from "./reconcile";

/*
 * Thin adapters: each turns one service's API into the shapes reconcile.ts decides on, with the page sizes and
 * batch sizes its API reference documents, every call through the run (shared retry budget, deadline).
 */

/** A service's members in one region, and how to enroll accounts there. */
export interface MemberService {
    region: string;
    listMembers(run: Run): Promise<LiveMember[]>;
    /** Enrolls `accounts`; an account counts as enrolled only when the service says so for that account. */
    enroll(run: Run, accounts: readonly OrgAccount[]): Promise<{ enrolled: string[]; failed: Gap[] }>;
}

/** ListAccounts, ListAccountsForParent, ListOrganizationalUnitsForParent: "MaxResults" at most 20 (API reference). */
const ORGANIZATIONS_PAGE = 20;
/** Macie ListMembers `maxResults` is at most 25 (MaxResults shape, botocore macie2 model). */
const MACIE_PAGE = 25;
/** Detective ListMembers `MaxResults` is at most 200 (MemberResultsLimit). */
const DETECTIVE_PAGE = 200;
/** Detective CreateMembers: "You can invite or enable up to 50 accounts at a time" (AccountList max 50). */
const DETECTIVE_BATCH = 50;

/**
 * The organization's accounts. The API "can occasionally return an empty set of results even when more
 * results are available", so paging follows NextToken, never the page's length.
 */
export async function listOrganizationAccounts(client: OrganizationsClient, run: Run): Promise<OrgAccount[]> {
    const pages = await paged("ListAccounts", async (token) => {
        const page = await run.call("organizations:ListAccounts", () =>
            client.send(new ListAccountsCommand({ MaxResults: ORGANIZATIONS_PAGE, NextToken: token })),
        );
        return { items: page.Accounts ?? [], next: page.NextToken };
    });
    const accounts: OrgAccount[] = [];
    for (const account of pages) {
        if (account.Id === undefined) continue;
        // Status "will be retired on September 9, 2026": State first (Organizations API reference, Account).
        accounts.push({
            id: account.Id,
            email: account.Email ?? "",
            state: String(account.State ?? account.Status ?? "UNKNOWN"),
        });
    }
    return accounts;
}

/**
 * The account IDs in `organizationalUnit` and in every OU nested under it, sorted. ListAccountsForParent lists
 * "only that OU and not in any child OUs", so the OUs below are walked with ListOrganizationalUnitsForParent.
 * Both "can only [be called] from the management account or a member account that is a delegated
 * administrator" (API reference), which the security account is. An OU that does not exist fails with
 * ParentNotFoundException, named in the error.
 */
export async function accountsUnderOrganizationalUnit(
    client: OrganizationsClient,
    organizationalUnit: string,
    run: Run,
): Promise<string[]> {
    return (await organizationalUnitTree(client, organizationalUnit, run)).accounts;
}

/** What lies under an OU: its accounts and those of every nested OU (sorted), and the nested OUs' IDs. */
export interface OrganizationalUnitTree {
    accounts: string[];
    organizationalUnits: string[];
}

/** The walk behind accountsUnderOrganizationalUnit, keeping the nested OUs it passed (for the nearest-OU rule). */
export async function organizationalUnitTree(
    client: OrganizationsClient,
    organizationalUnit: string,
    run: Run,
): Promise<OrganizationalUnitTree> {
    const accounts: string[] = [];
    const queue = [organizationalUnit];
    const seen = new Set(queue);
    for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
        const ParentId = parent;
        const direct = await paged(`ListAccountsForParent ${ParentId}`, async (token) => {
            const page = await run.call("organizations:ListAccountsForParent", () =>
                client.send(
                    new ListAccountsForParentCommand({
                        ParentId,
                        MaxResults: ORGANIZATIONS_PAGE,
                        NextToken: token,
                    }),
                ),
            );
            return { items: page.Accounts ?? [], next: page.NextToken };
        });
        for (const account of direct) if (account.Id !== undefined) accounts.push(account.Id);
        const children = await paged(`ListOrganizationalUnitsForParent ${ParentId}`, async (token) => {
            const page = await run.call("organizations:ListOrganizationalUnitsForParent", () =>
                client.send(
                    new ListOrganizationalUnitsForParentCommand({
                        ParentId,
                        MaxResults: ORGANIZATIONS_PAGE,
                        NextToken: token,
                    }),
                ),
            );
            return { items: page.OrganizationalUnits ?? [], next: page.NextToken };
        });
        for (const child of children) {
            if (child.Id !== undefined && !seen.has(child.Id)) {
                seen.add(child.Id);
                queue.push(child.Id);
            }
        }
    }
    seen.delete(organizationalUnit);
    return { accounts: [...new Set(accounts)].sort(), organizationalUnits: [...seen].sort() };
}

export function macieService(client: Macie2Client, region: string): MemberService {
    return {
        region,
        async listMembers(run) {
            const members = await paged("macie2:ListMembers", async (token) => {
                const page = await run.call("macie2:ListMembers", () =>
                    // onlyAssociated is a string: "To include all accounts, set this value to false."
                    client.send(
                        new ListMacieMembers({
                            maxResults: MACIE_PAGE,
                            nextToken: token,
                            onlyAssociated: "false",
                        }),
                    ),
                );
                return { items: page.members ?? [], next: page.nextToken };
            });
            return members.flatMap((member): LiveMember[] =>
                member.accountId === undefined
                    ? []
                    : [
                          {
                              accountId: member.accountId,
                              status: String(member.relationshipStatus ?? "UNKNOWN"),
                          },
                      ],
            );
        },
        async enroll(run, accounts) {
            const enrolled: string[] = [];
            const failed: Gap[] = [];
            // CreateMember takes one account per call; the model requires the e-mail for organization accounts too.
            for (const account of accounts) {
                run.checkDeadline();
                try {
                    await run.call("macie2:CreateMember", () =>
                        client.send(
                            new CreateMemberCommand({
                                account: { accountId: account.id, email: account.email },
                            }),
                        ),
                    );
                    enrolled.push(account.id);
                } catch (error) {
                    rethrowDeadline(error);
                    // Conflict, Validation, quota, access: the account is NOT enrolled; the next run's list says
                    // what it really is.
                    failed.push({ accountId: account.id, reason: reasonOf(error) });
                }
            }
            return { enrolled, failed };
        },
    };
}

/** The administrator's behavior graph: ListGraphs "always contain[s] a single behavior graph" for it. */
export async function detectiveGraphArn(client: DetectiveClient, run: Run): Promise<string | undefined> {
    const page = await run.call("detective:ListGraphs", () =>
        client.send(new ListGraphsCommand({ MaxResults: DETECTIVE_PAGE })),
    );
    return page.GraphList?.[0]?.Arn;
}

export function detectiveService(client: DetectiveClient, region: string, graphArn: string): MemberService {
    return {
        region,
        async listMembers(run) {
            const members = await paged("detective:ListMembers", async (token) => {
                const page = await run.call("detective:ListMembers", () =>
                    client.send(
                        new ListDetectiveMembers({
                            GraphArn: graphArn,
                            MaxResults: DETECTIVE_PAGE,
                            NextToken: token,
                        }),
                    ),
                );
                return { items: page.MemberDetails ?? [], next: page.NextToken };
            });
            return members.flatMap((member): LiveMember[] =>
                member.AccountId === undefined
                    ? []
                    : [
                          {
                              accountId: member.AccountId,
                              status: String(member.Status ?? "UNKNOWN"),
                              ...(member.DisabledReason === undefined
                                  ? {}
                                  : { detail: String(member.DisabledReason) }),
                          },
                      ],
            );
        },
        async enroll(run, accounts) {
            const enrolled: string[] = [];
            const failed: Gap[] = [];
            for (let i = 0; i < accounts.length; i += DETECTIVE_BATCH) {
                const batch = accounts.slice(i, i + DETECTIVE_BATCH);
                run.checkDeadline();
                let response;
                try {
                    response = await run.call("detective:CreateMembers", () =>
                        client.send(
                            new CreateMembersCommand({
                                GraphArn: graphArn,
                                // "For organization accounts in the organization behavior graph, the email address
                                // is not required", but the model marks it required: sent when known.
                                Accounts: batch.map((account) => ({
                                    AccountId: account.id,
                                    EmailAddress: account.email,
                                })),
                                DisableEmailNotification: true,
                            }),
                        ),
                    );
                } catch (error) {
                    rethrowDeadline(error);
                    for (const account of batch)
                        failed.push({ accountId: account.id, reason: reasonOf(error) });
                    continue;
                }
                const processed = new Set((response.Members ?? []).map((member) => member.AccountId));
                const unprocessed = new Map(
                    (response.UnprocessedAccounts ?? []).map((u) => [
                        u.AccountId,
                        u.Reason ?? "no reason given",
                    ]),
                );
                for (const account of batch) {
                    if (unprocessed.has(account.id)) {
                        failed.push({
                            accountId: account.id,
                            reason: `unprocessed: ${unprocessed.get(account.id)}`,
                        });
                    } else if (processed.has(account.id)) {
                        enrolled.push(account.id);
                    } else {
                        // Neither processed nor unprocessed: never assume success.
                        failed.push({
                            accountId: account.id,
                            reason: "absent from the CreateMembers response",
                        });
                    }
                }
            }
            return { enrolled, failed };
        },
    };
}
