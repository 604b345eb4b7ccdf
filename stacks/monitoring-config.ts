import * as z from "zod";
import { uniqueArray } from "./schema-parts";

/*
 * The `monitoring` section: who is told when the path from a finding to a person breaks (the failure alarms,
 * components/failure-alarms.ts), and the dashboard.
 */

export const monitoringSchema = z.strictObject({
    /**
     * Addresses the failure alarms reach, through a topic of their own (components/watch-path.ts). Default: every
     * address of notifications.emails and notifications.paging.emails, so that the people who rely on the alerts
     * hear when the alerts stop.
     */
    emails: uniqueArray(
        z.email({ error: "an e-mail address such as secops@example.com" }),
        "address (compared ignoring case)",
        (email) => email.toLowerCase(),
    )
        .optional()
        .describe(
            "Addresses told when the path from a finding to a person breaks (the failure alarms, each confirms its subscription). Default: notifications.emails and notifications.paging.emails.",
        ),
    /** A CloudWatch dashboard of coverage, alarms, drills and the responder's decisions. Default true. */
    dashboard: z
        .boolean({ error: "true or false" })
        .default(true)
        .describe(
            "A CloudWatch dashboard named security-governance: coverage per service and region, the alarms, the drills, the responder's decisions.",
        ),
});
export type MonitoringConfig = z.output<typeof monitoringSchema>;

/** Who the failure alarms reach: the section's addresses, or else everyone the alerts and pages reach. */
export function watchEmails(
    monitoring: MonitoringConfig,
    notifications: { emails: string[]; paging?: { emails: string[] } },
): string[] {
    return (
        monitoring.emails ?? [...new Set([...notifications.emails, ...(notifications.paging?.emails ?? [])])]
    );
}
