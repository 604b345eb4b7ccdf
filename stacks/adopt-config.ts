import * as z from "zod";
import { KNOWN_REGIONS } from "./regions";

/*
 * `security-governance:adopt`: resources that already exist in the security account and that the program
 * takes over instead of creating (Pulumi's `import` resource option). Creating them would fail ("already
 * exists", "Account is already subscribed"); importing keeps their findings. Each adopted resource is
 * imported under its component and the security provider, exactly where the program would have created
 * it. Pulumi (CLI 3.174 and later) imports and then updates a resource whose settings differ from the
 * program's: read the preview before the first `up`.
 */

const region = z.string().refine((code) => KNOWN_REGIONS.includes(code), {
    error: `one of the commercial regions: ${KNOWN_REGIONS.join(", ")}`,
});

export const adoptSchema = z.strictObject({
    /** Existing GuardDuty detectors of the security account: region -> detector ID (`aws guardduty list-detectors`). */
    guarddutyDetectors: z
        .record(
            region,
            z
                .string()
                .regex(/^[a-f0-9]{32}$/, { error: "a GuardDuty detector ID: 32 lower-case hex digits" }),
        )
        .default({})
        .describe(
            "Existing GuardDuty detectors of the security account: region -> detector ID (`aws guardduty list-detectors`).",
        ),
    /** The security account's existing Security Hub hub in the home region. Default false. */
    securityHubHub: z
        .boolean({ error: "true or false" })
        .default(false)
        .describe("Adopt the security account's existing Security Hub hub in the home region."),
    /** Regions where Macie is already enabled in the security account. */
    macieAccounts: z
        .array(region)
        .default([])
        .describe("Regions where Macie is already enabled in the security account."),
    /** Existing Detective behavior graphs of the security account: region -> graph ARN. */
    detectiveGraphs: z
        .record(
            region,
            z.string().regex(/^arn:aws:detective:[a-z0-9-]+:\d{12}:graph:[a-f0-9]{32}$/, {
                error: "a behavior graph ARN such as arn:aws:detective:eu-west-1:222222222222:graph:<32 hex digits>",
            }),
        )
        .default({})
        .describe(
            "Existing Detective behavior graphs of the security account: region -> graph ARN, in the security account and that region.",
        ),
});

export type AdoptConfig = z.output<typeof adoptSchema>;
