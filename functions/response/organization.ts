import { ListParentsCommand, type OrganizationsClient } from "@aws-sdk/client-organizations";
import type { Run } from "../shared/run";

/** A chain deeper than this is not an organization's OU tree (CreateOrganizationalUnit: five levels under SCPs). */
const MAX_OU_DEPTH = 20;

/**
 * The OUs an account sits in, nearest first: ListParents from the account up to the root ("only from the
 * management account or a member account that is a delegated administrator", ListParents API reference).
 */
export async function organizationalUnitsOf(
    organizations: OrganizationsClient,
    accountId: string,
    run: Run,
): Promise<string[]> {
    const ous: string[] = [];
    let child = accountId;
    for (let depth = 0; depth <= MAX_OU_DEPTH; depth++) {
        const page = await run.call("organizations:ListParents", () =>
            organizations.send(new ListParentsCommand({ ChildId: child })),
        );
        // An account or OU has exactly one parent.
        const parent = page.Parents?.[0];
        if (parent?.Id === undefined) throw new Error(`ListParents named no parent of ${child}`);
        if (parent.Type === "ROOT") return ous;
        if (ous.includes(parent.Id))
            throw new Error(`the OUs above ${accountId} form a cycle at ${parent.Id}`);
        ous.push(parent.Id);
        child = parent.Id;
    }
    throw new Error(`more than ${MAX_OU_DEPTH} OUs above ${accountId}`);
}
