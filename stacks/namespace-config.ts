import * as z from "zod";
import { accountsSchema } from "./accounts-config";
import { adoptSchema } from "./adopt-config";
import { detectiveSchema } from "./detective-config";
import { drillSchema } from "./drill-config";
import { findingsExportSchema } from "./findings-export-config";
import { guarddutySchema } from "./guardduty-config";
import { guardrailsSchema } from "./guardrails";
import { inspectorSchema } from "./inspector-config";
import { macieSchema } from "./macie-config";
import { monitoringSchema } from "./monitoring-config";
import { noiseRulesSchema } from "./noise-rules";
import { notificationsSchema } from "./notifications-config";
import { organizationalUnitsSchema } from "./organizational-units";
import { regionsSchema } from "./regions-config";
import { remediationSchema } from "./remediation";
// Registers the remediation keys' descriptions (see the file for why they are not in remediation.ts).
import "./remediation-descriptions";
import { securityHubSchema } from "./security-hub-config";

/*
 * The `security-governance:` namespace: one key per section, each section's schema in a file of its own. The
 * order of the keys is the order of the "allowed keys" in messages and of the problems reported.
 */

/** The config namespace of this project: keys are written `security-governance:<key>` in Pulumi.<stack>.yaml. */
export const NAMESPACE = "security-governance";

/** The keys of the `security-governance:` namespace and their schemas. */
export const namespaceSchema = z.strictObject({
    accounts: accountsSchema.describe("The accounts the program governs from and acts in."),
    regions: regionsSchema.describe(
        "The governed regions: commercial region codes, each once, the home region (aws:region) included.",
    ),
    findingsExport: findingsExportSchema
        .default(() => findingsExportSchema.parse({}))
        .describe(
            "The bucket and KMS key in the home region that GuardDuty (and Macie) findings are exported to.",
        ),
    guardduty: guarddutySchema
        .default(() => guarddutySchema.parse({}))
        .describe(
            "GuardDuty in every account and governed region: protection plans, IP lists and suppression rules.",
        ),
    securityHub: securityHubSchema
        .default(() => securityHubSchema.parse({}))
        .describe("Security Hub CSPM central configuration from the home region, and Security Hub v2."),
    macie: macieSchema
        .default(() => macieSchema.parse({}))
        .describe("Macie in every account and governed region where it is offered."),
    detective: detectiveSchema
        .default(() => detectiveSchema.parse({}))
        .describe("Detective behavior graphs in every governed region where it is offered, after GuardDuty."),
    inspector: inspectorSchema
        .default(() => inspectorSchema.parse({}))
        .describe("Inspector scanning in every account and governed region where it is offered."),
    notifications: notificationsSchema
        .default(() => notificationsSchema.parse({}))
        .describe(
            "Who is alerted of which findings: e-mail through an SNS topic in the home region, and an optional paging topic.",
        ),
    monitoring: monitoringSchema
        .default(() => monitoringSchema.parse({}))
        .describe(
            'Who is told when the path from a finding to a person breaks, and the dashboard (see "Alarms" in docs/operations.md).',
        ),
    adopt: adoptSchema
        .default(() => adoptSchema.parse({}))
        .describe(
            'Resources that already exist in the security account, imported instead of created (see "Adopting what exists").',
        ),
    /** Opt-in: without the section nothing responds to findings (stacks/remediation.ts). */
    remediation: remediationSchema
        .optional()
        .describe(
            'The response ladder (see "Responding to findings"). Without the section nothing responds to findings.',
        ),
    /** The weekly drill of the alert path (stacks/drill-config.ts). Default: on. */
    drill: drillSchema
        .default(() => drillSchema.parse({}))
        .describe(
            'The weekly drill: a GuardDuty sample finding sent down the alert path and checked end to end (see "The weekly drill").',
        ),
    /** The SCPs and the RCP that keep detection on (stacks/guardrails.ts). Default: not enabled. */
    guardrails: guardrailsSchema
        .default(() => guardrailsSchema.parse({}))
        .describe('The SCPs and the RCP that keep detection on (see "Guardrails"). Default: not enabled.'),
    /** OUs with their own Security Hub or Inspector policy (stacks/organizational-units.ts). Default: none. */
    organizationalUnits: organizationalUnitsSchema
        .default([])
        .describe(
            'OUs with their own Security Hub or Inspector policy in place of the root\'s (see "Scoping by OU"); at most 19 with securityHub.',
        ),
    /** Suppression as code for Security Hub CSPM and Inspector, never of HIGH or CRITICAL (stacks/noise-rules.ts). */
    noiseRules: noiseRulesSchema
        .default([])
        .describe(
            "Suppression as code for Security Hub CSPM, Inspector and Macie findings, never of HIGH or CRITICAL ones.",
        ),
});

export type NamespaceConfig = z.output<typeof namespaceSchema>;
