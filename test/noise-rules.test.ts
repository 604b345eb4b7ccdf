import { strict as assert } from "node:assert";
import type { PlanDocument } from "../tools/plan-runtime";
import { ofType, plan } from "./helpers/plan";
import { expectPolicies } from "./helpers/policy-session";
import { compliantStack, resource } from "./helpers/policy-fixtures";
import { SAMPLE_NOISE_RULES } from "./helpers/noise-rules";

/*
 * noiseRules through the plan (Security Hub CSPM automation rules, Inspector suppression filters, Macie suppression
 * rules), and the pack's guard that no suppression hides a HIGH or CRITICAL finding.
 */

const RULE = "aws:securityhub/automationRule:AutomationRule";
const FILTER = "aws:inspector2/filter:Filter";
const MACIE_FILTER = "aws:macie/findingsFilter:FindingsFilter";
const RULE_V2 = "aws:securityhub/automationRuleV2:AutomationRuleV2";

describe("noiseRules: suppression as code, never of HIGH or CRITICAL", () => {
    let planned: PlanDocument;
    before(async () => {
        planned = await plan("dev", {
            configOverrides: {
                "security-governance:noiseRules": SAMPLE_NOISE_RULES,
            },
        });
    });

    it("plans a CSPM automation rule in every governed region (CSPM rules are per region) that suppresses only the named controls below HIGH", () => {
        const rules = ofType(planned, RULE);
        assert.deepEqual(rules.map((r) => r.inputs.region).sort(), [...planned.regions].sort());
        assert.ok(planned.regions.length > 1, "the dev stack governs more than the home region");
        const rule = rules.find((r) => r.inputs.region === planned.homeRegion);
        assert.ok(rule);
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

    it("plans one V2 automation rule in the home region, after the V2 aggregator, suppressing the same controls at OCSF severity 2-3", () => {
        const rules = ofType(planned, RULE_V2);
        assert.equal(rules.length, 1);
        const [rule] = rules;
        assert.equal(rule.inputs.region, planned.homeRegion);
        assert.equal(rule.inputs.ruleName, "sandbox-vpc-endpoints");
        const aggregator = ofType(planned, "aws:securityhub/aggregatorV2:AggregatorV2")[0];
        assert.ok(aggregator, "the dev stack links regions to a V2 aggregator");
        assert.ok(rule.dependsOn.includes(aggregator.urn), "the rule waits for the aggregator");
        // OCSF: status_id 3 is Suppressed; severity_id 2 Low, 3 Medium (schema.ocsf.io).
        assert.deepEqual(rule.inputs.action, {
            type: "FINDING_FIELDS_UPDATE",
            findingFieldsUpdate: {
                statusId: 3,
                comment:
                    "Sandbox accounts have no VPC endpoints by design (noiseRules.sandbox-vpc-endpoints)",
            },
        });
        assert.deepEqual(
            JSON.parse(
                String((rule.inputs.criteria as { ocsfFindingCriteriaJson: string }).ocsfFindingCriteriaJson),
            ),
            {
                CompositeFilters: [
                    {
                        StringFilters: [
                            {
                                FieldName: "compliance.control",
                                Filter: { Value: "EC2.10", Comparison: "EQUALS" },
                            },
                        ],
                        Operator: "OR",
                    },
                    {
                        NumberFilters: [
                            { FieldName: "severity_id", Filter: { Eq: 2 } },
                            { FieldName: "severity_id", Filter: { Eq: 3 } },
                        ],
                        Operator: "OR",
                    },
                    {
                        StringFilters: [
                            {
                                FieldName: "cloud.account.uid",
                                Filter: { Value: "300000000001", Comparison: "EQUALS" },
                            },
                        ],
                        Operator: "OR",
                    },
                ],
                CompositeOperator: "AND",
            },
        );
    });

    it("plans a Macie suppression rule (ARCHIVE) in every governed region, held to Low and Medium", () => {
        const filters = ofType(planned, MACIE_FILTER);
        assert.deepEqual(filters.map((f) => f.inputs.region).sort(), [...planned.regions].sort());
        for (const filter of filters) {
            assert.equal(filter.inputs.action, "ARCHIVE");
            assert.equal(filter.inputs.name, "public-website-bucket");
            assert.deepEqual(filter.inputs.findingCriteria, {
                criterions: [
                    { field: "severity.description", eqs: ["Low", "Medium"] },
                    { field: "type", eqs: ["Policy:IAMUser/S3BucketPublic"] },
                    { field: "resourcesAffected.s3Bucket.name", eqs: ["example-marketing-site"] },
                ],
            });
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
        const macie = (criterions: unknown[], action = "ARCHIVE") =>
            resource(MACIE_FILTER, "noise-macie", {
                region: "eu-west-1",
                name: "noise",
                action,
                findingCriteria: { criterions },
            });
        const ruleV2 = (criteria: unknown, findingFieldsUpdate: Record<string, unknown> = { statusId: 3 }) =>
            resource(RULE_V2, "noise-v2", {
                region: "eu-west-1",
                ruleName: "noise",
                ruleOrder: 1,
                description: "x",
                criteria: {
                    ocsfFindingCriteriaJson:
                        typeof criteria === "string" ? criteria : JSON.stringify(criteria),
                },
                action: { type: "FINDING_FIELDS_UPDATE", findingFieldsUpdate },
            });
        const severityIds = (...ids: number[]) => ({
            NumberFilters: ids.map((id) => ({ FieldName: "severity_id", Filter: { Eq: id } })),
            Operator: "OR",
        });
        const control = {
            StringFilters: [
                { FieldName: "compliance.control", Filter: { Value: "EC2.10", Comparison: "EQUALS" } },
            ],
        };
        const labels = (...values: string[]) => values.map((value) => ({ comparison: "EQUALS", value }));

        it("passes the planned rules, and rules below HIGH", async () => {
            await expectPolicies(
                [
                    ...compliantStack(),
                    ...ofType(planned, RULE),
                    ...ofType(planned, FILTER),
                    ...ofType(planned, MACIE_FILTER),
                    ...ofType(planned, RULE_V2),
                ],
                [],
            );
            await expectPolicies(
                [...compliantStack(), macie([{ field: "severity.description", eqs: ["Low"] }])],
                [],
            );
            // A filter that only saves a view (NOOP) archives nothing.
            await expectPolicies([...compliantStack(), macie([{ field: "type", eqs: ["x"] }], "NOOP")], []);
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
                // NOT_EQUALS LOW names a level below HIGH and still matches every HIGH and CRITICAL finding.
                { severityLabels: [{ comparison: "NOT_EQUALS", value: "LOW" }] },
            ]) {
                const [d] = await expectPolicies(
                    [...compliantStack(), rule(criteria)],
                    ["securityhub-automation-rule-safe-suppress"],
                );
                assert.match(d.message, /criteria\.severityLabels (is empty|has)/);
            }
            // Re-rating is hiding too: a HIGH lowered to LOW leaves the alert threshold.
            const rerate = resource(RULE, "noise-rerate", {
                region: "eu-west-1",
                ruleName: "rerate",
                ruleOrder: 1,
                description: "x",
                criteria: {},
                actions: [
                    { type: "FINDING_FIELDS_UPDATE", findingFieldsUpdate: { severity: { label: "LOW" } } },
                ],
            });
            await expectPolicies(
                [...compliantStack(), rerate],
                ["securityhub-automation-rule-safe-suppress"],
            );
            // An Inspector filter that only saves a view (NONE) hides nothing.
            await expectPolicies(
                [
                    ...compliantStack(),
                    resource(FILTER, "noise-view", {
                        region: "eu-west-1",
                        name: "view",
                        action: "NONE",
                        filterCriterias: [],
                    }),
                ],
                [],
            );
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

        it("passes V2 rules held below High, and V2 rules that hide nothing", async () => {
            for (const [criteria, update] of [
                [{ CompositeFilters: [severityIds(1, 2, 3)] }, { statusId: 3 }],
                [{ CompositeFilters: [control, severityIds(3)], CompositeOperator: "AND" }, { statusId: 4 }],
                [
                    {
                        CompositeFilters: [
                            {
                                StringFilters: [
                                    { FieldName: "severity", Filter: { Value: "Low", Comparison: "EQUALS" } },
                                ],
                            },
                        ],
                    },
                    { severityId: 1 },
                ],
                // Only a comment, or In Progress: nothing leaves view.
                [{ CompositeFilters: [control] }, { comment: "seen" }],
                [{ CompositeFilters: [control] }, { statusId: 2 }],
            ] as [unknown, Record<string, unknown>][]) {
                await expectPolicies([...compliantStack(), ruleV2(criteria, update)], []);
            }
        });

        it("refuses a V2 rule that could hide High or Critical: unbounded, OR'ed, High named, nested, ranged or not JSON", async () => {
            const cases: [unknown, RegExp, Record<string, unknown>?][] = [
                [{ CompositeFilters: [control] }, /has no composite filter holding severity_id/],
                [
                    { CompositeFilters: [control, severityIds(2)], CompositeOperator: "OR" },
                    /CompositeOperator "OR"/,
                ],
                [{ CompositeFilters: [control, severityIds(2)] }, /CompositeOperator null/],
                [{ CompositeFilters: [severityIds(3, 4)] }, /has no composite filter holding/],
                [
                    { CompositeFilters: [{ ...severityIds(2), NestedCompositeFilters: [control] }] },
                    /has no composite/,
                ],
                [
                    {
                        CompositeFilters: [
                            { NumberFilters: [{ FieldName: "severity_id", Filter: { Lte: 3 } }] },
                        ],
                    },
                    /has no composite/,
                ],
                [
                    { CompositeFilters: [{ ...severityIds(2), StringFilters: control.StringFilters }] },
                    /has no composite/,
                ],
                ["{not json", /is not JSON/],
                // Equalities of another field, of severity by another comparison, or beside another kind of filter.
                [
                    {
                        CompositeFilters: [
                            { NumberFilters: [{ FieldName: "confidence_score", Filter: { Eq: 2 } }] },
                        ],
                    },
                    /has no composite/,
                ],
                [
                    {
                        CompositeFilters: [
                            {
                                StringFilters: [
                                    { FieldName: "severity", Filter: { Value: "Low", Comparison: "PREFIX" } },
                                ],
                            },
                        ],
                    },
                    /has no composite/,
                ],
                [
                    {
                        CompositeFilters: [
                            {
                                StringFilters: [
                                    { FieldName: "status", Filter: { Value: "Low", Comparison: "EQUALS" } },
                                ],
                            },
                        ],
                    },
                    /has no composite/,
                ],
                [
                    {
                        CompositeFilters: [
                            {
                                StringFilters: [
                                    {
                                        FieldName: "severity",
                                        Filter: { Value: "High", Comparison: "EQUALS" },
                                    },
                                ],
                            },
                        ],
                    },
                    /has no composite/,
                ],
                [{ CompositeFilters: [{ ...severityIds(2), DateFilters: [] }] }, /has no composite/],
                [{ CompositeFilters: [{ NumberFilters: [], Operator: "OR" }] }, /has no composite/],
                [{ CompositeFilters: [{ Operator: "OR" }] }, /has no composite/],
                [
                    {
                        CompositeFilters: [
                            { NumberFilters: [{ FieldName: "severity_id", Filter: { Eq: "2" } }] },
                        ],
                    },
                    /has no composite/,
                ],
                [{ CompositeFilters: [control] }, /has no composite/, { statusId: 5 }],
                [{ CompositeFilters: [control] }, /has no composite/, { severityId: 1 }],
            ];
            for (const [criteria, message, update] of cases) {
                const [d] = await expectPolicies(
                    [...compliantStack(), ruleV2(criteria, update)],
                    ["securityhub-automation-rule-v2-safe-suppress"],
                );
                assert.match(d.message, message);
            }
        });

        it("refuses a Macie archive rule that could hide High: no severity, High named, or not by eqs alone", async () => {
            const cases: [unknown[], RegExp][] = [
                [
                    [{ field: "type", eqs: ["Policy:IAMUser/S3BucketPublic"] }],
                    /has no severity\.description criterion/,
                ],
                [
                    [{ field: "severity.description", eqs: ["Medium", "High"] }],
                    /has eqs Medium, High: only eqs Low, Medium/,
                ],
                [[{ field: "severity.description", neqs: ["High"] }], /has neqs: only eqs Low, Medium/],
                [[{ field: "severity.description", eqs: ["Low"], gte: "Low" }], /has gte, eqs Low: only/],
                [[{ field: "severity.description", eqs: [] }], /has no values: only/],
                ...["eqExactMatches", "neqs", "gt", "gte", "lt", "lte"].map((key): [unknown[], RegExp] => [
                    [
                        {
                            field: "severity.description",
                            eqs: ["Low"],
                            [key]: key.startsWith("eq") || key === "neqs" ? ["High"] : "Low",
                        },
                    ],
                    new RegExp(`has ${key}, eqs Low: only eqs Low, Medium may be archived`),
                ]),
                [
                    [
                        { field: "severity.description", eqs: ["Low"] },
                        { field: "severity.description", eqs: ["High"] },
                    ],
                    /has eqs High/,
                ],
            ];
            for (const [criterions, message] of cases) {
                const [d] = await expectPolicies(
                    [...compliantStack(), macie(criterions)],
                    ["macie-findings-filter-safe-archive"],
                );
                assert.match(d.message, message);
            }
        });
    });
});
