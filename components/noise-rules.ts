import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NoiseRule } from "../stacks/noise-rules";

/*
 * `noiseRules` as the services take them (stacks/noise-rules.ts says what each may hide):
 * - securityhub: a Security Hub CSPM automation rule in the home region, where the administrator's rules apply to
 *   the findings of every linked region too (Security Hub CSPM user guide, automation rules), setting the
 *   workflow of matching control findings to SUPPRESSED with the rule's reason as the note;
 * - inspector: an Inspector suppression filter (action SUPPRESS) in every governed region where Inspector runs;
 *   the delegated administrator's filters apply to its members' findings.
 * Every criterion list is OR'ed within itself and AND'ed across (both services' filter semantics).
 */

const equals = (values: readonly string[] | undefined) =>
    values === undefined || values.length === 0
        ? undefined
        : values.map((value) => ({ comparison: "EQUALS", value }));

export interface NoiseRulesArgs {
    homeRegion: string;
    /** Regions where Inspector runs (empty when it is off). */
    inspectorRegions: string[];
    rules: readonly NoiseRule[];
    /** Made after these: central configuration (automation rules) and the administrator's Inspector (filters). */
    after: { securityhub: pulumi.Resource[]; inspector: pulumi.Resource[] };
}

export class NoiseRules extends pulumi.ComponentResource {
    constructor(name: string, args: NoiseRulesArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:noise:NoiseRules", name, {}, opts);
        let order = 0;
        for (const rule of args.rules) {
            if (rule.service === "securityhub") {
                order += 1;
                new aws.securityhub.AutomationRule(
                    `${name}-${rule.name}`,
                    {
                        region: args.homeRegion,
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
            } else {
                for (const region of args.inspectorRegions) {
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
            }
        }
        this.registerOutputs({});
    }
}
