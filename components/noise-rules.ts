import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NoiseRule } from "../stacks/noise-rules";

/*
 * `noiseRules` as the services take them (stacks/noise-rules.ts says what each may hide):
 * - securityhub: a Security Hub CSPM automation rule in every region where CSPM runs: "You must create an
 *   automation rule in each Region and account in which you want the rule to apply to findings" (Security Hub CSPM
 *   user guide, create-automation-rules.html; aggregation does not carry CSPM rules to linked regions). It sets the
 *   workflow of matching control findings to SUPPRESSED with the rule's reason as the note. A rule "applies to
 *   matching findings in the administrator account and all of its member accounts" (automation-rules.html).
 * - inspector: an Inspector suppression filter (action SUPPRESS) in every governed region where Inspector runs;
 *   only the delegated administrator creates them (Inspector user guide, findings-managing-supression-rules).
 * - macie: a Macie findings filter with action ARCHIVE (a suppression rule) in every region where Macie runs.
 * - securityhub, with the new Security Hub on: also a V2 automation rule in the home region, which "is applied to
 *   all linked Regions" (Security Hub user guide, securityhub-v2-automation-rules.html), setting the OCSF status
 *   of the same controls' findings to Suppressed, so the V2 console is as quiet as CSPM's.
 * Every criterion list is OR'ed within itself and AND'ed across (each service's filter semantics; Macie's `eqs`
 * "uses OR logic to join the values", provider docs).
 */

const equals = (values: readonly string[] | undefined) =>
    values === undefined || values.length === 0
        ? undefined
        : values.map((value) => ({ comparison: "EQUALS", value }));

/** Macie's severity words (Low, Medium, High: Macie user guide, findings-severity.html) for the config's labels. */
const MACIE_SEVERITY: Record<string, string> = { LOW: "Low", MEDIUM: "Medium" };

/**
 * OCSF ids (OCSF schema: finding.json status_id 3 "Suppressed"; dictionary severity_id 1 Informational, 2 Low,
 * 3 Medium, 4 High, 5 Critical, 6 Fatal).
 */
export const OCSF_STATUS_SUPPRESSED = 3;
export const OCSF_SEVERITY_IDS: Record<string, number> = { INFORMATIONAL: 1, LOW: 2, MEDIUM: 3 };

/**
 * A securityhub rule as V2 criteria (OcsfFindingFilters of @aws-sdk/client-securityhub): one composite filter per
 * criterion, each OR'ed within itself, all AND'ed. The field names are the SDK's OcsfStringField and
 * OcsfNumberField enums.
 */
export function ocsfSuppressionCriteria(rule: NoiseRule): object {
    const anyOf = (field: string, values: readonly string[]) => ({
        StringFilters: values.map((value) => ({
            FieldName: field,
            Filter: { Value: value, Comparison: "EQUALS" },
        })),
        Operator: "OR",
    });
    return {
        CompositeFilters: [
            anyOf("compliance.control", rule.controlIds ?? []),
            {
                NumberFilters: rule.severities.map((severity) => ({
                    FieldName: "severity_id",
                    Filter: { Eq: OCSF_SEVERITY_IDS[severity] },
                })),
                Operator: "OR",
            },
            ...((rule.accountIds ?? []).length > 0
                ? [anyOf("cloud.account.uid", rule.accountIds ?? [])]
                : []),
        ],
        CompositeOperator: "AND",
    };
}

export interface NoiseRulesArgs {
    /** Regions where each service runs (empty when it is off). */
    regions: { securityhub: string[]; inspector: string[]; macie: string[] };
    rules: readonly NoiseRule[];
    /** The new Security Hub, when on: its home region and what its rules come after (SecurityHubV2.ready). */
    securityHubV2?: { homeRegion: string; after: pulumi.Resource[] };
    /**
     * Made after these: central configuration (automation rules), the administrator's Inspector (filters) and
     * the administrator's Macie accounts (findings filters).
     */
    after: { securityhub: pulumi.Resource[]; inspector: pulumi.Resource[]; macie: pulumi.Resource[] };
}

export class NoiseRules extends pulumi.ComponentResource {
    constructor(name: string, args: NoiseRulesArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:noise:NoiseRules", name, {}, opts);
        let order = 0;
        for (const rule of args.rules) {
            if (rule.service === "securityhub") {
                order += 1;
                for (const region of args.regions.securityhub) {
                    new aws.securityhub.AutomationRule(
                        `${name}-${rule.name}-${region}`,
                        {
                            region,
                            ruleName: rule.name,
                            description: rule.reason,
                            // In the order the config lists them; none stops the rules after it.
                            ruleOrder: order,
                            isTerminal: false,
                            ruleStatus: "ENABLED",
                            criteria: {
                                complianceSecurityControlIds: equals(rule.controlIds),
                                severityLabels: equals(rule.severities),
                                awsAccountIds: equals(rule.accountIds),
                                recordStates: equals(["ACTIVE"]),
                            },
                            actions: [
                                {
                                    type: "FINDING_FIELDS_UPDATE",
                                    findingFieldsUpdate: {
                                        workflow: { status: "SUPPRESSED" },
                                        note: {
                                            text: `${rule.reason} (noiseRules.${rule.name})`,
                                            updatedBy: "security-governance",
                                        },
                                    },
                                },
                            ],
                        },
                        { parent: this, dependsOn: args.after.securityhub },
                    );
                }
                if (args.securityHubV2) {
                    new aws.securityhub.AutomationRuleV2(
                        `${name}-${rule.name}-v2`,
                        {
                            region: args.securityHubV2.homeRegion,
                            ruleName: rule.name,
                            description: rule.reason,
                            ruleOrder: order,
                            ruleStatus: "ENABLED",
                            criteria: {
                                ocsfFindingCriteriaJson: JSON.stringify(ocsfSuppressionCriteria(rule)),
                            },
                            action: {
                                type: "FINDING_FIELDS_UPDATE",
                                findingFieldsUpdate: {
                                    statusId: OCSF_STATUS_SUPPRESSED,
                                    comment: `${rule.reason} (noiseRules.${rule.name})`,
                                },
                            },
                        },
                        { parent: this, dependsOn: args.securityHubV2.after },
                    );
                }
            } else if (rule.service === "inspector") {
                for (const region of args.regions.inspector) {
                    new aws.inspector2.Filter(
                        `${name}-${rule.name}-${region}`,
                        {
                            region,
                            name: rule.name,
                            action: "SUPPRESS",
                            description: rule.reason,
                            reason: rule.reason,
                            filterCriterias: [
                                {
                                    severities: equals(rule.severities),
                                    awsAccountIds: equals(rule.accountIds),
                                    vulnerabilityIds: equals(rule.vulnerabilityIds),
                                },
                            ],
                        },
                        { parent: this, dependsOn: args.after.inspector },
                    );
                }
            } else {
                for (const region of args.regions.macie) {
                    new aws.macie.FindingsFilter(
                        `${name}-${rule.name}-${region}`,
                        {
                            region,
                            name: rule.name,
                            action: "ARCHIVE",
                            description: rule.reason,
                            // Field names: Macie user guide, findings-filter-fields.html.
                            findingCriteria: {
                                criterions: [
                                    {
                                        field: "severity.description",
                                        values: rule.severities.map((s) => MACIE_SEVERITY[s] ?? s),
                                    },
                                    { field: "accountId", values: rule.accountIds },
                                    { field: "type", values: rule.findingTypes },
                                    { field: "resourcesAffected.s3Bucket.name", values: rule.bucketNames },
                                ]
                                    .filter((c) => (c.values ?? []).length > 0)
                                    .map((c) => ({ field: c.field, eqs: c.values })),
                            },
                        },
                        { parent: this, dependsOn: args.after.macie },
                    );
                }
            }
        }
        this.registerOutputs({});
    }
}
