import * as z from "zod";
import { accountId, organizationalUnitId, uniqueArray } from "./schema-parts";

/* The `detective` section. */

export const detectiveSchema = z.strictObject({
    /** Turn Detective on organization-wide (after GuardDuty in each region). Default true. */
    enabled: z
        .boolean({ error: "true or false" })
        .default(true)
        .describe("Turn Detective on organization-wide (after GuardDuty in each region)."),
    /**
     * Accounts enrolled first, in this order, after the management account, where Detective's 1,200 members
     * per graph (stacks/quotas.ts) cannot take the whole organization. Default none: by account ID.
     */
    priorityAccounts: uniqueArray(accountId, "account")
        .default([])
        .describe(
            "Accounts enrolled first, in this order, after the management account, where Detective's 1,200 members per graph cannot take the whole organization.",
        ),
    /** OUs whose accounts (nested OUs included) come next, OU by OU, each by account ID. Default none. */
    priorityOrganizationalUnits: uniqueArray(organizationalUnitId, "OU")
        .default([])
        .describe(
            "OUs whose accounts (nested OUs included) are enrolled next, OU by OU in this order, each by account ID.",
        ),
    /**
     * Accounts the enrollment function never enrolls into Detective, and the only ones `npm run members`
     * removes. Default none.
     */
    excludedAccounts: uniqueArray(accountId, "account")
        .default([])
        .describe(
            "Accounts the enrollment function never enrolls into Detective, and the only ones `npm run members` removes; not the security account, not also in priorityAccounts.",
        ),
});
