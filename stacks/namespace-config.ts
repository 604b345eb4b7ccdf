import * as z from "zod";
import { accountsSchema } from "./accounts-config";
import { adoptSchema } from "./adopt-config";
import { detectiveSchema } from "./detective-config";
import { findingsExportSchema } from "./findings-export-config";
import { guarddutySchema } from "./guardduty-config";
import { guardrailsSchema } from "./guardrails";
import { inspectorSchema } from "./inspector-config";
import { macieSchema } from "./macie-config";
import { noiseRulesSchema } from "./noise-rules";
import { notificationsSchema } from "./notifications-config";
import { organizationalUnitsSchema } from "./organizational-units";
import { regionsSchema } from "./regions-config";
import { remediationSchema } from "./remediation";
import { securityHubSchema } from "./security-hub-config";

/*
 * The `security-governance:` namespace: one key per section, each section's schema in a file of its own. The
 * order of the keys is the order of the "allowed keys" in messages and of the problems reported.
 */

/** The config namespace of this project: keys are written `security-governance:<key>` in Pulumi.<stack>.yaml. */
export const NAMESPACE = "security-governance";

/** The keys of the `security-governance:` namespace and their schemas. */
export const namespaceSchema = z.strictObject({
    accounts: accountsSchema,
    regions: regionsSchema,
    findingsExport: findingsExportSchema.default(() => findingsExportSchema.parse({})),
    guardduty: guarddutySchema.default(() => guarddutySchema.parse({})),
    securityHub: securityHubSchema.default(() => securityHubSchema.parse({})),
    macie: macieSchema.default(() => macieSchema.parse({})),
    detective: detectiveSchema.default(() => detectiveSchema.parse({})),
    inspector: inspectorSchema.default(() => inspectorSchema.parse({})),
    notifications: notificationsSchema.default(() => notificationsSchema.parse({})),
    adopt: adoptSchema.default(() => adoptSchema.parse({})),
    /** Opt-in: without the section nothing responds to findings (stacks/remediation.ts). */
    remediation: remediationSchema.optional(),
    /** The SCPs and the RCP that keep detection on (stacks/guardrails.ts). Default: not enabled. */
    guardrails: guardrailsSchema.default(() => guardrailsSchema.parse({})),
    /** OUs with their own Security Hub or Inspector policy (stacks/organizational-units.ts). Default: none. */
    organizationalUnits: organizationalUnitsSchema.default([]),
    /** Suppression as code for Security Hub CSPM and Inspector, never of HIGH or CRITICAL (stacks/noise-rules.ts). */
    noiseRules: noiseRulesSchema.default([]),
});

export type NamespaceConfig = z.output<typeof namespaceSchema>;
