import { strict as assert } from "node:assert";
import type { PlanDocument } from "../tools/plan-runtime";
import { ofType, plan, single } from "./helpers/plan";
import { expectPolicies } from "./helpers/policy-session";
import { compliantStack, resource } from "./helpers/policy-fixtures";

/*
 * noiseRules through the plan (Security Hub CSPM automation rules, Inspector suppression filters), and the pack's
 * guard that no suppression hides a HIGH or CRITICAL finding.
 */

const RULE = "aws:securityhub/automationRule:AutomationRule";
const FILTER = "aws:inspector2/filter:Filter";

describe("noiseRules: suppression as code, never of HIGH or CRITICAL", () => {
    let planned: PlanDocument;
    before(async () => {
        planned = await plan("dev", {
            configOverrides: {
                "security-governance:noiseRules": [
                    {
                        name: "sandbox-vpc-endpoints",
                        service: "securityhub",
                        reason: "Sandbox accounts have no VPC endpoints by design",
                        severities: ["LOW", "MEDIUM"],
                        accountIds: ["300000000001"],
                        controlIds: ["EC2.10"],
                    },
                    {
                        name: "snapd-accepted",
                        service: "inspector",
                        reason: "snapd is not installed on our AMIs; accepted until the next image",
                        severities: ["MEDIUM"],
                        vulnerabilityIds: ["CVE-2024-29069"],
                    },
                ],
            },
        });
    });

    it("plans a CSPM automation rule in the home region that suppresses only the named controls below HIGH", () => {
        const rule = single(planned, RULE);
        assert.equal(rule.inputs.region, planned.homeRegion);
        assert.equal(rule.inputs.ruleName, "sandbox-vpc-endpoints");
        assert.equal(rule.inputs.isTerminal, false);
        assert.deepEqual(rule.inputs.criteria, {
            complianceSecurityControlIds: [{ comparison: "EQUALS", value: "EC2.10" }],
            severityLabels: [
                { comparison: "EQUALS", value: "LOW" },
                { comparison: "EQUALS", value: "MEDIUM" },
            ],
            awsAccountIds: [{ comparison: "EQUALS", value: "300000000001" }],
            recordStates: [{ comparison: "EQUALS", value: "ACTIVE" }],
        });
        assert.deepEqual(rule.inputs.actions, [
            {
                type: "FINDING_FIELDS_UPDATE",
                findingFieldsUpdate: {
                    workflow: { status: "SUPPRESSED" },
                    note: {
                        text: "Sandbox accounts have no VPC endpoints by design (noiseRules.sandbox-vpc-endpoints)",
                        updatedBy: "security-governance",
                    },
                },
            },
        ]);
    });

    it("plans an Inspector suppression filter in every governed region, bounded by severity", () => {
        const filters = ofType(planned, FILTER);
        assert.deepEqual(filters.map((f) => f.inputs.region).sort(), [...planned.regions].sort());
        for (const filter of filters) {
            assert.equal(filter.inputs.action, "SUPPRESS");
            assert.deepEqual(filter.inputs.filterCriterias, [
                {
                    severities: [{ comparison: "EQUALS", value: "MEDIUM" }],
                    vulnerabilityIds: [{ comparison: "EQUALS", value: "CVE-2024-29069" }],
                },
            ]);
        }
    });

    describe("the pack", () => {
        const rule = (criteria: Record<string, unknown>, status = "SUPPRESSED") =>
            resource(RULE, "noise-rule", {
                region: "eu-west-1",
                ruleName: "noise",
                ruleOrder: 1,
                description: "x",
                criteria,
                actions: [{ type: "FINDING_FIELDS_UPDATE", findingFieldsUpdate: { workflow: { status } } }],
            });
        const filter = (filterCriterias: unknown[]) =>
            resource(FILTER, "noise-filter", {
                region: "eu-west-1",
                name: "noise",
                action: "SUPPRESS",
                filterCriterias,
            });
        const labels = (...values: string[]) => values.map((value) => ({ comparison: "EQUALS", value }));

        it("passes the planned rules, and rules below HIGH", async () => {
            await expectPolicies(
                [...compliantStack(), ...ofType(planned, RULE), ...ofType(planned, FILTER)],
                [],
            );
            await expectPolicies(
                [...compliantStack(), rule({ severityLabels: labels("LOW", "MEDIUM") })],
                [],
            );
            await expectPolicies(
                [...compliantStack(), filter([{ severities: labels("INFORMATIONAL") }])],
                [],
            );
            // A rule that only adds a note hides nothing.
            await expectPolicies([...compliantStack(), rule({}, "NOTIFIED")], []);
        });

        it("refuses a suppression that could hide HIGH or CRITICAL: unbounded, HIGH named, or not by EQUALS", async () => {
            for (const criteria of [
                {},
                { severityLabels: labels("MEDIUM", "HIGH") },
                { severityLabels: [{ comparison: "NOT_EQUALS", value: "CRITICAL" }] },
            ]) {
                const [d] = await expectPolicies(
                    [...compliantStack(), rule(criteria)],
                    ["securityhub-automation-rule-safe-suppress"],
                );
                assert.match(d.message, /criteria\.severityLabels (is empty|has)/);
            }
            const [resolved] = await expectPolicies(
                [...compliantStack(), rule({ severityLabels: labels("CRITICAL") }, "RESOLVED")],
                ["securityhub-automation-rule-safe-suppress"],
            );
            assert.match(
                resolved.message,
                /has EQUALS CRITICAL: only EQUALS INFORMATIONAL, LOW, MEDIUM may be suppressed/,
            );
            for (const blocks of [
                [],
                [{ vulnerabilityIds: labels("CVE-1") }],
                [{ severities: labels("LOW") }, { severities: labels("HIGH") }],
            ]) {
                await expectPolicies(
                    [...compliantStack(), filter(blocks)],
                    ["inspector-filter-safe-suppress"],
                );
            }
        });
    });
});
