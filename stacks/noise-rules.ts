import * as z from "zod";
import { accountId, reportDuplicates, uniqueArray } from "./schema-parts";
import { RETIRED_SECURITY_HUB_CONTROL_IDS, SECURITY_HUB_CONTROL_IDS, knownName } from "./known-names";

/*
 * `noiseRules`: suppression as code beyond GuardDuty's (guardduty.suppressionRules), one shape for every service.
 * A rule names its service, why it exists, what it narrows to, and the severities it may hide, which can only
 * be below HIGH: no rule may hide a HIGH or CRITICAL finding.
 *
 * - securityhub: a Security Hub CSPM automation rule that sets matching control findings' workflow to
 *   SUPPRESSED. It must name control IDs: a control's severity is the control's own, whereas another product's
 *   finding can rise to HIGH after a rule suppressed it at MEDIUM, and would stay suppressed.
 * - inspector: an Inspector suppression filter (action SUPPRESS). Inspector re-evaluates it, and suppression rules
 *   "only hide findings from view" (Inspector user guide), so a finding that rises to HIGH shows again.
 */

/** The severities a rule may hide: Security Hub's and Inspector's labels below HIGH (both SDKs' enums). */
export const SUPPRESSIBLE_SEVERITIES = ["INFORMATIONAL", "LOW", "MEDIUM"] as const;
export const NOISE_RULE_SERVICES = ["securityhub", "inspector"] as const;

const severity = z.enum(SUPPRESSIBLE_SEVERITIES, {
    error: `one of ${SUPPRESSIBLE_SEVERITIES.join(", ")}: no rule may hide a HIGH or CRITICAL finding`,
});

const noiseRule = z
    .strictObject({
        /** Names the automation rule or filter. */
        name: z
            .string({ error: "a rule name of 3-64 letters, digits, '-' or '_'" })
            .regex(/^[A-Za-z0-9_-]{3,64}$/, { error: "a rule name of 3-64 letters, digits, '-' or '_'" }),
        service: z.enum(NOISE_RULE_SERVICES, { error: `one of ${NOISE_RULE_SERVICES.join(", ")}` }),
        /** Why the noise is accepted, for whoever reads the suppressed finding. */
        reason: z
            .string({ error: "a reason of at least 10 characters" })
            .min(10, { error: "a reason of at least 10 characters" }),
        /** The severities hidden: below HIGH only. */
        severities: uniqueArray(severity, "severity").min(1, { error: "at least one severity below HIGH" }),
        accountIds: uniqueArray(accountId, "account").optional(),
        /** securityhub: the controls whose findings are hidden (required). */
        controlIds: uniqueArray(
            knownName(
                '"EC2.10" or "IAM.6"',
                SECURITY_HUB_CONTROL_IDS,
                RETIRED_SECURITY_HUB_CONTROL_IDS,
                "Security Hub control ID",
                "stacks/data/securityhub-control-ids.json",
            ),
            "control",
        ).optional(),
        /** inspector: the vulnerabilities hidden, such as CVE-2024-29069. */
        vulnerabilityIds: uniqueArray(
            z.string({ error: "a vulnerability ID such as CVE-2024-29069" }).min(3, {
                error: "a vulnerability ID such as CVE-2024-29069",
            }),
            "vulnerability",
        ).optional(),
    })
    .superRefine((rule, ctx) => {
        if (rule.service === "securityhub" && (rule.controlIds ?? []).length === 0) {
            ctx.addIssue({
                code: "custom",
                path: ["controlIds"],
                input: rule.controlIds,
                message:
                    "the control IDs a securityhub rule hides: a control's severity is its own, another product's finding can rise to HIGH after it was suppressed",
            });
        }
        if (rule.service === "inspector" && rule.controlIds !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["controlIds"],
                input: rule.controlIds,
                message:
                    "no controlIds on an inspector rule: they are Security Hub controls; use vulnerabilityIds",
            });
        }
        if (rule.service === "securityhub" && rule.vulnerabilityIds !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["vulnerabilityIds"],
                input: rule.vulnerabilityIds,
                message: "no vulnerabilityIds on a securityhub rule: they are Inspector's; use controlIds",
            });
        }
        if (
            rule.service === "inspector" &&
            (rule.accountIds ?? []).length === 0 &&
            (rule.vulnerabilityIds ?? []).length === 0
        ) {
            ctx.addIssue({
                code: "custom",
                path: ["vulnerabilityIds"],
                input: rule.vulnerabilityIds,
                message:
                    "accountIds or vulnerabilityIds on an inspector rule: a rule narrowed by severity alone would hide every such finding everywhere",
            });
        }
    });

export const noiseRulesSchema = z.array(noiseRule).superRefine((rules, ctx) => {
    reportDuplicates(
        ctx,
        rules.map((rule) => rule.name),
        (index) => [index, "name"],
        "a name used by no other rule",
    );
});

export type NoiseRule = z.output<typeof noiseRule>;
