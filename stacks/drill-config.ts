import * as z from "zod";
import { findingType, type PUBLISHING_FREQUENCIES } from "./schema-parts";

/*
 * The `drill` section: the weekly proof that a GuardDuty finding still travels from GuardDuty to the alert topic
 * (and, with a remediation section, through the responder, which must record it and do nothing). On by default.
 */

/**
 * A type the responder's default ladder is invoked for (remediation.isolateInstance) and the alert rules send
 * whatever its severity (DEFAULT_ALWAYS_ALERT_ON), so that with default settings the drill exercises both paths.
 * CreateSampleFindings takes any active finding type (API reference: "Generates sample findings of types
 * specified by the list of finding types"); the schema checks it against stacks/data/guardduty-finding-types.json.
 */
export const DEFAULT_DRILL_FINDING_TYPE = "CryptoCurrency:EC2/BitcoinTool.B";

/** Monday 09:00 UTC: in office hours, so a failure is seen the same day. */
export const DEFAULT_DRILL_SCHEDULE = "cron(0 9 ? * MON *)";

/**
 * GuardDuty user guide, guardduty_findings_eventbridge ("EventBridge notification frequency"): a finding with a new
 * ID is sent within 5 minutes; later occurrences of an existing finding (same ID) are sent at the detector's
 * finding publishing frequency. Whether CreateSampleFindings makes a new finding ID each call or updates the
 * existing sample is not documented, so the default bound covers the slower case: the publishing frequency, plus
 * the 5 minutes of a new finding as margin for EventBridge, SNS, SQS and the responder.
 */
export const NEW_FINDING_MINUTES = 5;
export const PUBLISHING_MINUTES: Record<(typeof PUBLISHING_FREQUENCIES)[number], number> = {
    FIFTEEN_MINUTES: 15,
    ONE_HOUR: 60,
    SIX_HOURS: 360,
};
export const MAX_DELIVERY_BOUND_MINUTES = 24 * 60;

/** EventBridge schedule expressions (EventBridge user guide, eb-scheduled-rule-pattern): cron with six fields, or rate. */
const SCHEDULE = /^(cron\((\S+ ){5}\S+\)|rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\))$/;

export const drillSchema = z.strictObject({
    /** Default true. */
    enabled: z
        .boolean({ error: "true or false" })
        .default(true)
        .describe("Run the weekly drill: one GuardDuty sample finding sent down the alert path and checked."),
    /** The sample's finding type. Default DEFAULT_DRILL_FINDING_TYPE. */
    findingType: findingType
        .default(DEFAULT_DRILL_FINDING_TYPE)
        .describe(
            "The GuardDuty finding type of the drill's sample. Alerted whatever its severity; with a remediation section the responder must record it as a sample when one of its rungs names the type.",
        ),
    /** When the drill starts. Default every Monday 09:00 UTC. */
    schedule: z
        .string({ error: "an EventBridge schedule expression, such as cron(0 9 ? * MON *)" })
        .regex(SCHEDULE, {
            error: "an EventBridge schedule expression: cron(minutes hours day-of-month month day-of-week year) or rate(value unit), such as cron(0 9 ? * MON *)",
        })
        .default(DEFAULT_DRILL_SCHEDULE)
        .describe("When the drill starts, as an EventBridge schedule expression (UTC)."),
    /** Minutes from the sample to its alert before the drill fails. Default: the publishing frequency plus 5. */
    deliveryBoundMinutes: z
        .number({
            error: `a whole number of minutes from ${NEW_FINDING_MINUTES} to ${MAX_DELIVERY_BOUND_MINUTES}`,
        })
        .int({
            error: `a whole number of minutes from ${NEW_FINDING_MINUTES} to ${MAX_DELIVERY_BOUND_MINUTES}`,
        })
        .min(NEW_FINDING_MINUTES, {
            error: `at least ${NEW_FINDING_MINUTES} minutes: GuardDuty sends a new finding's event within 5 minutes`,
        })
        .max(MAX_DELIVERY_BOUND_MINUTES, { error: `at most ${MAX_DELIVERY_BOUND_MINUTES} minutes (a day)` })
        .optional()
        .describe(
            "Minutes from the sample to its alert (and the responder's record) before the drill fails. Default: guardduty.publishingFrequency plus 5 (20 with FIFTEEN_MINUTES), since a repeated sample may be an update, sent at that frequency.",
        ),
});

export type DrillConfig = z.output<typeof drillSchema>;

/** The bound the drill is held to: the configured one, else the publishing frequency plus a new finding's 5 minutes. */
export function deliveryBoundMinutes(
    drill: DrillConfig,
    publishingFrequency: (typeof PUBLISHING_FREQUENCIES)[number],
): number {
    return drill.deliveryBoundMinutes ?? PUBLISHING_MINUTES[publishingFrequency] + NEW_FINDING_MINUTES;
}
