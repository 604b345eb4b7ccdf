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
    return scale.slice(scale.indexOf(threshold));
}

function thresholdSection<T extends string>(scale: readonly [T, ...T[]], fallback: T, what: string) {
    return z.strictObject({
        /** Alert on this service's findings at all. Default true (while the service is on). */
        enabled: z.boolean({ error: "true or false" }).default(true),
        /** The lowest severity alerted. */
        minSeverity: z.enum(scale, { error: `one of ${scale.join(", ")} (${what})` }).default(fallback),
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

export type ServiceAlertsConfig = {
    macie: z.output<typeof macieAlerts>;
    inspector: z.output<typeof inspectorAlerts>;
    securityHub: z.output<typeof securityHubAlerts>;
};
