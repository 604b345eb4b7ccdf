import type { FindingType } from "@aws-sdk/client-macie2";
import * as z from "zod";
import { MAX_AUTOMATION_RULES } from "./quotas";
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
 * - macie: a Macie findings filter with action ARCHIVE (a suppression rule). Macie's severities are Low, Medium and
 *   High only (Macie user guide, findings-severity.html), so INFORMATIONAL is refused for it; a finding's severity is
 *   set when Macie creates it, and a High one never matches a Low or Medium rule. Suppressed findings are not
 *   published to EventBridge (findings-publish-event-schemas.html), which is why the rule must be narrowed.
 *   Macie allow lists are not offered: they stop Macie reporting matching text before any finding (or severity)
 *   exists, so no severity bound can hold them, and @pulumi/aws has no allow-list resource.
 */

/** The severities a rule may hide: Security Hub's and Inspector's labels below HIGH (both SDKs' enums). */
export const SUPPRESSIBLE_SEVERITIES = ["INFORMATIONAL", "LOW", "MEDIUM"] as const;
export const NOISE_RULE_SERVICES = ["securityhub", "inspector", "macie"] as const;

/** Macie's finding types (the FindingType enum of @aws-sdk/client-macie2; test/noise-rules-config.test.ts compares). */
export const MACIE_FINDING_TYPES: readonly FindingType[] = [
    "Policy:IAMUser/S3BlockPublicAccessDisabled",
    "Policy:IAMUser/S3BucketEncryptionDisabled",
    "Policy:IAMUser/S3BucketPublic",
    "Policy:IAMUser/S3BucketReplicatedExternally",
    "Policy:IAMUser/S3BucketSharedExternally",
    "Policy:IAMUser/S3BucketSharedWithCloudFront",
    "SensitiveData:S3Object/Credentials",
    "SensitiveData:S3Object/CustomIdentifier",
    "SensitiveData:S3Object/Financial",
    "SensitiveData:S3Object/Multiple",
    "SensitiveData:S3Object/Personal",
];

/** The keys only one service takes, and what each of the others should use instead. */
const SERVICE_KEYS = {
    controlIds: "securityhub",
    vulnerabilityIds: "inspector",
    findingTypes: "macie",
    bucketNames: "macie",
} as const;

const severity = z.enum(SUPPRESSIBLE_SEVERITIES, {
    error: `one of ${SUPPRESSIBLE_SEVERITIES.join(", ")}: no rule may hide a HIGH or CRITICAL finding`,
});

const noiseRule = z
    .strictObject({
        /** Names the automation rule or filter. */
        name: z
            .string({ error: "a rule name of 3-64 letters, digits, '-' or '_'" })
            .regex(/^[A-Za-z0-9_-]{3,64}$/, { error: "a rule name of 3-64 letters, digits, '-' or '_'" })
            .describe("Names the automation rule or filter; unique."),
        service: z
            .enum(NOISE_RULE_SERVICES, { error: `one of ${NOISE_RULE_SERVICES.join(", ")}` })
            .describe(
                "The service whose findings the rule hides: a Security Hub automation rule, an Inspector filter or a Macie findings filter.",
            ),
        /** Why the noise is accepted, for whoever reads the suppressed finding. */
        reason: z
            .string({ error: "a reason of at least 10 characters" })
            .min(10, { error: "a reason of at least 10 characters" })
            .describe("Why the noise is accepted, for whoever reads the suppressed finding."),
        /** The severities hidden: below HIGH only. */
        severities: uniqueArray(severity, "severity")
            .min(1, { error: "at least one severity below HIGH" })
            .describe("The severities hidden: below HIGH only."),
        accountIds: uniqueArray(accountId, "account")
            .optional()
            .describe("Accounts the rule is limited to. Default: every account."),
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
        )
            .optional()
            .describe("securityhub: the controls whose findings are hidden (required for securityhub)."),
        /** inspector: the vulnerabilities hidden, such as CVE-2024-29069. */
        vulnerabilityIds: uniqueArray(
            z.string({ error: "a vulnerability ID such as CVE-2024-29069" }).min(3, {
                error: "a vulnerability ID such as CVE-2024-29069",
            }),
            "vulnerability",
        )
            .optional()
            .describe("inspector: the vulnerabilities hidden, such as CVE-2024-29069."),
        /** macie: the finding types hidden, such as "Policy:IAMUser/S3BucketSharedExternally". */
        findingTypes: uniqueArray(
            z.enum(MACIE_FINDING_TYPES as [FindingType, ...FindingType[]], {
                error: `a Macie finding type: one of ${MACIE_FINDING_TYPES.join(", ")}`,
            }),
            "finding type",
        )
            .optional()
            .describe("macie: the finding types hidden, such as Policy:IAMUser/S3BucketSharedExternally."),
        /** macie: the S3 buckets whose findings are hidden. */
        bucketNames: uniqueArray(
            z
                .string({ error: "an S3 bucket name of 3-63 lowercase letters, digits, '.' or '-'" })
                .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
                    error: "an S3 bucket name of 3-63 lowercase letters, digits, '.' or '-'",
                }),
            "bucket",
        )
            .optional()
            .describe("macie: the S3 buckets whose findings are hidden."),
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
        for (const [key, service] of Object.entries(SERVICE_KEYS) as [keyof typeof SERVICE_KEYS, string][]) {
            if (rule.service !== service && rule[key] !== undefined) {
                ctx.addIssue({
                    code: "custom",
                    path: [key],
                    input: rule[key],
                    message: `no ${key} on this ${rule.service} rule: ${key} narrows ${service} rules only`,
                });
            }
        }
        if (rule.service === "macie" && rule.severities.includes("INFORMATIONAL")) {
            ctx.addIssue({
                code: "custom",
                path: ["severities"],
                input: rule.severities,
                message: "LOW or MEDIUM on a macie rule: Macie's severities are Low, Medium and High",
            });
        }
        if (
            rule.service === "macie" &&
            [rule.accountIds, rule.findingTypes, rule.bucketNames].every((list) => (list ?? []).length === 0)
        ) {
            ctx.addIssue({
                code: "custom",
                path: ["findingTypes"],
                input: rule.findingTypes,
                message:
                    "accountIds, findingTypes or bucketNames on a macie rule: a rule narrowed by severity alone would hide every such finding everywhere",
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
    const securityhub = rules.filter((rule) => rule.service === "securityhub").length;
    if (securityhub > MAX_AUTOMATION_RULES) {
        ctx.addIssue({
            code: "custom",
            path: [],
            input: `${securityhub} securityhub rules`,
            message: `at most ${MAX_AUTOMATION_RULES} securityhub rules: Security Hub allows ${MAX_AUTOMATION_RULES} automation rules per administrator (automation-rules.html)`,
        });
    }
});

export type NoiseRule = z.output<typeof noiseRule>;
