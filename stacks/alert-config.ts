import * as z from "zod";
import type { SeverityDescription } from "@aws-sdk/client-macie2";
import type { Severity as InspectorSeverity } from "@aws-sdk/client-inspector2";
import type { SeverityLabel } from "@aws-sdk/client-securityhub";

/*
 * The alert thresholds of the services other than GuardDuty (`notifications.macie`, `.inspector`,
 * `.securityHub`), each in the service's own severity words, lowest first, so that a threshold is the level
 * named and every level above it. Each list is checked against the SDK's enum by `satisfies`.
 */

/** Macie `severity.description`: "Low", "Medium" or "High" (@aws-sdk/client-macie2 SeverityDescription). */
export const MACIE_SEVERITIES = ["Low", "Medium", "High"] as const satisfies readonly SeverityDescription[];

/**
 * Inspector finding severities that rank (@aws-sdk/client-inspector2 Severity), lowest first. INFORMATIONAL
 * and UNTRIAGED are not on the scale: no threshold alerts on them.
 */
export const INSPECTOR_SEVERITIES = [
    "LOW",
    "MEDIUM",
    "HIGH",
    "CRITICAL",
] as const satisfies readonly InspectorSeverity[];

/** Security Hub CSPM `Severity.Label` (@aws-sdk/client-securityhub SeverityLabel), without INFORMATIONAL. */
export const SECURITYHUB_SEVERITIES = [
    "LOW",
    "MEDIUM",
    "HIGH",
    "CRITICAL",
] as const satisfies readonly SeverityLabel[];

/** The level named and every level above it. */
export function atOrAbove<T extends string>(scale: readonly T[], threshold: T): T[] {
    const index = scale.indexOf(threshold);
    // Not on the scale: slice(-1) would quietly keep only the top level.
    if (index < 0) throw new Error(`${threshold} is not one of ${scale.join(", ")}`);
    return scale.slice(index);
}

function thresholdSection<T extends string>(scale: readonly [T, ...T[]], fallback: T, what: string) {
    return z.strictObject({
        /** Alert on this service's findings at all. Default true (while the service is on). */
        enabled: z
            .boolean({ error: "true or false" })
            .default(true)
            .describe("Alert on this service's findings at all (while the service is on)."),
        /** The lowest severity alerted. */
        minSeverity: z
            .enum(scale, { error: `one of ${scale.join(", ")} (${what})` })
            .default(fallback)
            .describe("The lowest severity alerted, in the service's own words."),
    });
}

/** Macie: High by default, sensitive data and policy findings alike. */
export const macieAlerts = thresholdSection(MACIE_SEVERITIES, "High", "Macie severity");
/** Inspector: CRITICAL vulnerabilities by default. */
export const inspectorAlerts = thresholdSection(INSPECTOR_SEVERITIES, "CRITICAL", "Inspector severity");
/** Security Hub CSPM: CRITICAL control failures by default. */
export const securityHubAlerts = thresholdSection(
    SECURITYHUB_SEVERITIES,
    "CRITICAL",
    "Security Hub severity label",
);

/** The levels a page can start at, on every service's scale alike. */
export const PAGING_LEVELS = ["HIGH", "CRITICAL"] as const;
export type PagingLevel = (typeof PAGING_LEVELS)[number];

/**
 * GuardDuty's numeric severity where each level starts: "Critical severity, Value range: 9.0 - 10.0", "High
 * severity, Value range: 7.0 - 8.9" (GuardDuty user guide, "Severity levels of GuardDuty findings",
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html). A finding of 8.95 is
 * High: a level starts at its lower bound, and the bands leave no gap between 8.9 and 9.0.
 */
export const GUARDDUTY_LEVEL_STARTS: Record<PagingLevel, number> = { HIGH: 7, CRITICAL: 9 };

/**
 * Each service's own word for a paging level, typed by its scale so that a word off the scale does not compile.
 * Macie's levels "range from Low, for least severe, to High, for most severe" (Macie user guide,
 * findings-severity.html), so it has no CRITICAL.
 */
export const SERVICE_LEVELS: {
    macie: Record<PagingLevel, (typeof MACIE_SEVERITIES)[number] | undefined>;
    inspector: Record<PagingLevel, (typeof INSPECTOR_SEVERITIES)[number] | undefined>;
    securityHub: Record<PagingLevel, (typeof SECURITYHUB_SEVERITIES)[number] | undefined>;
} = {
    macie: { HIGH: "High", CRITICAL: undefined },
    inspector: { HIGH: "HIGH", CRITICAL: "CRITICAL" },
    securityHub: { HIGH: "HIGH", CRITICAL: "CRITICAL" },
};

/**
 * `notifications.paging`: findings of this level and above also go to a second topic, for whoever is paged.
 * In addition to the e-mail topic, never instead: a page that fails to arrive must not be the only copy.
 */
export const pagingSchema = z.strictObject({
    /** The lowest level paged. Default CRITICAL. */
    minSeverity: z
        .enum(PAGING_LEVELS, { error: `one of ${PAGING_LEVELS.join(", ")}` })
        .default("CRITICAL")
        .describe("The lowest level paged, on each service's own scale."),
    /** Addresses of the paging topic (a pager's e-mail integration); at least one. */
    emails: z
        .array(z.email({ error: "an e-mail address such as oncall@example.pagerduty.com" }), {
            error: "a list of e-mail addresses",
        })
        .min(1, { error: "at least one address: pages sent to nobody are lost" })
        .describe("Addresses of the paging topic (a pager's e-mail integration); at least one."),
});

export type PagingConfig = z.output<typeof pagingSchema>;

export type ServiceAlertsConfig = {
    macie: z.output<typeof macieAlerts>;
    inspector: z.output<typeof inspectorAlerts>;
    securityHub: z.output<typeof securityHubAlerts>;
};
