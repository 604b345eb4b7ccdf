import * as z from "zod";
import { accountId, PUBLISHING_FREQUENCIES, uniqueArray } from "./schema-parts";

/* The `macie` section. */

export const macieSchema = z.strictObject({
    /** Turn Macie on organization-wide. Default true. */
    enabled: z.boolean({ error: "true or false" }).default(true).describe("Turn Macie on organization-wide."),
    /** How often Macie publishes finding updates. Default FIFTEEN_MINUTES. */
    publishingFrequency: z
        .enum(PUBLISHING_FREQUENCIES, { error: `one of ${PUBLISHING_FREQUENCIES.join(", ")}` })
        .default("FIFTEEN_MINUTES")
        .describe("How often Macie publishes finding updates."),
    /**
     * Accounts the enrollment function never enrolls into Macie, and the only ones `npm run members` removes.
     * Default none.
     */
    excludedAccounts: uniqueArray(accountId, "account")
        .default([])
        .describe(
            "Accounts the enrollment function never enrolls into Macie, and the only ones `npm run members` removes; never the security account.",
        ),
});
