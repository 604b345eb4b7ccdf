import * as z from "zod";
import { inspectorAlerts, macieAlerts, pagingSchema, securityHubAlerts } from "./alert-config";
import { findingType, HIGH_SEVERITY, uniqueArray } from "./schema-parts";

/*
 * The `notifications` section: who receives finding alerts and from which severity, per service
 * (stacks/alert-config.ts), and the optional paging topic.
 */

/**
 * Finding types alerted whatever their severity: the custom threat-list match and the high-priority
 * types of the SEC206 session (credential exfiltration, Tor, crypto-mining).
 */
export const DEFAULT_ALWAYS_ALERT_ON = [
    "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
    "UnauthorizedAccess:IAMUser/TorIPCaller",
    "CryptoCurrency:EC2/BitcoinTool.B",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "UnauthorizedAccess:EC2/TorClient",
    "UnauthorizedAccess:EC2/TorRelay",
];

export const notificationsSchema = z.strictObject({
    /** Addresses that receive finding alerts (each must confirm the SNS subscription). */
    emails: uniqueArray(
        z.email({ error: "an e-mail address such as secops@example.com" }),
        "address (compared ignoring case)",
        (email) => email.toLowerCase(),
    )
        .default([])
        .describe("Addresses that receive finding alerts; each confirms its SNS subscription."),
    /** Lowest GuardDuty severity alerted (1-10; 7 = HIGH), matched on the GuardDuty event itself. Default 7. */
    minSeverity: z
        .number({ error: "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)" })
        .min(1, { error: "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)" })
        .max(10, { error: "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)" })
        .default(HIGH_SEVERITY)
        .describe(
            "Lowest GuardDuty severity alerted (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL), matched on the GuardDuty event itself.",
        ),
    /**
     * Finding types alerted whatever their severity, in addition to (never instead of) the high-priority
     * defaults DEFAULT_ALWAYS_ALERT_ON and every threat-list hit (`*.Custom`). Default: none.
     */
    alwaysAlertOn: uniqueArray(findingType, "finding type")
        .default([])
        .describe(
            "Finding types alerted whatever their severity, in addition to (never instead of) the high-priority defaults and every threat-list hit (*.Custom).",
        ),
    /** Macie findings alerted (stacks/alert-config.ts). Default: High. */
    macie: macieAlerts
        .default(() => macieAlerts.parse({}))
        .describe('Macie findings alerted, in Macie\'s severity words (see "Notifications").'),
    /** Inspector findings alerted. Default: CRITICAL. */
    inspector: inspectorAlerts
        .default(() => inspectorAlerts.parse({}))
        .describe("Inspector findings alerted, in Inspector's severity words."),
    /** Security Hub CSPM control failures alerted. Default: CRITICAL. */
    securityHub: securityHubAlerts
        .default(() => securityHubAlerts.parse({}))
        .describe("Security Hub CSPM control failures alerted, in Security Hub's severity labels."),
    /** A second topic for the most severe findings, in addition to the e-mails. Default: none. */
    paging: pagingSchema
        .optional()
        .describe("A second topic for the most severe findings, in addition to the e-mails, never instead."),
});
export type NotificationsConfig = z.output<typeof notificationsSchema>;
