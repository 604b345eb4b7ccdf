import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { PlannedResource } from "../tools/plan-runtime";
import { plan } from "./helpers/plan";
import { policySession, violationsOf, withConfig, notApplicableReasons } from "./helpers/policy-session";

/*
 * The guardrail policies of the pack against the prod plan (`npm run plan -- --stack prod`), as CI runs them
 * with policies/config.prod.json, and against the same plan with one thing taken away or changed.
 */

const PROD_CONFIG = path.join(__dirname, "..", "policies", "config.prod.json");
const DEPLOYER = "arn:aws:iam::333333333333:role/SecurityGovernanceDeployer";

let prod: PlannedResource[];

function edited(
    resources: PlannedResource[],
    name: string,
    edit: (inputs: Record<string, unknown>) => Record<string, unknown>,
): PlannedResource[] {
    assert.ok(
        resources.some((r) => r.name === name),
        `the plan has ${name}`,
    );
    return resources.map((r) => (r.name === name ? { ...r, inputs: edit(r.inputs) } : r));
}

function withContent(
    resources: PlannedResource[],
    name: string,
    change: (document: { Statement: Record<string, unknown>[] }) => void,
) {
    return edited(resources, name, (inputs) => {
        const document = JSON.parse(String(inputs.content)) as { Statement: Record<string, unknown>[] };
        change(document);
        return { ...inputs, content: JSON.stringify(document) };
    });
}

const isGuardrail = (r: PlannedResource) => r.name.startsWith("guardrails");

describe("policy pack: guardrails (prod plan, policies/config.prod.json)", function () {
    this.timeout(300_000);

    before(async () => {
        prod = (await plan("prod")).resources;
        await policySession();
    });

    it("passes the prod plan as it is", async () => {
        await withConfig(PROD_CONFIG, async () => {
            for (const policy of [
                "guardrails-attached",
                "guardrails-exempt-deployer",
                "findings-bucket-object-lock",
            ]) {
                assert.deepEqual(await violationsOf(prod, policy), [], policy);
            }
        });
    });

    it("requires the guardrails in prod: without them, and with the SCP attached nowhere", async () => {
        await withConfig(PROD_CONFIG, async () => {
            const none = await violationsOf(
                prod.filter((r) => !isGuardrail(r)),
                "guardrails-attached",
            );
            assert.equal(none.length, 2);
            assert.match(
                none[0],
                /^No service control policy denies guardduty:DeleteDetector, .*guardrails\.enabled to true\.$/,
            );
            assert.match(none[1], /^No resource control policy is attached/);

            const detached = prod.filter((r) => r.name !== "guardrails-detection-r-4696-attachment");
            // The security-account SCP holds none of the detection switches: only the detection SCP counts.
            assert.deepEqual(await violationsOf(detached, "guardrails-attached"), [
                "The service control policy guardrails-detection is attached to nothing: it protects no account.",
            ]);
        });
    });

    // Each service's off switch and its way out of the administrator, written here and not read from the pack:
    // every one is taken out of the detection SCP in turn, and each must be missed.
    const SWITCHES = [
        "guardduty:DeleteDetector",
        "guardduty:DisassociateFromAdministratorAccount",
        "securityhub:DisableSecurityHub",
        "securityhub:DisassociateFromAdministratorAccount",
        "macie2:DisableMacie",
        "macie2:DisassociateFromAdministratorAccount",
        "detective:DisassociateMembership",
        "inspector2:Disable",
    ];

    it("refuses a detection SCP that leaves any one service's switch open", async () => {
        await withConfig(PROD_CONFIG, async () => {
            for (const action of SWITCHES) {
                const open = withContent(prod, "guardrails-detection", (document) => {
                    const first = document.Statement[0];
                    assert.ok((first.Action as string[]).includes(action), action);
                    first.Action = (first.Action as string[]).filter((a) => a !== action);
                });
                const found = await violationsOf(open, "guardrails-attached");
                assert.equal(found.length, 1, action);
                assert.ok(found[0].startsWith("No service control policy denies "), found[0]);
                assert.ok(found[0].includes(action), `${action}: ${found[0]}`);
            }
        });
    });

    it("counts only an attached SCP's deny statements as a guardrail", async () => {
        const allowed = withContent(prod, "guardrails-detection", (document) => {
            document.Statement[0].Effect = "Allow";
        });
        const rcp = edited(prod, "guardrails-detection", (inputs) => ({
            ...inputs,
            type: "RESOURCE_CONTROL_POLICY",
        }));
        // A second copy, attached nowhere, beside the attached one: the attached one is enough.
        const detection = prod.find((r) => r.name === "guardrails-detection");
        assert.ok(detection);
        const spare = [...prod, { ...detection, name: "spare-detection", urn: `${detection.urn}-spare` }];
        await withConfig(PROD_CONFIG, async () => {
            for (const changed of [allowed, rcp]) {
                const found = await violationsOf(changed, "guardrails-attached");
                assert.equal(found.length, 1);
                assert.match(found[0], /^No service control policy denies guardduty:DeleteDetector/);
            }
            assert.deepEqual(await violationsOf(spare, "guardrails-attached"), []);
        });
    });

    it("reads only the negated operators on aws:PrincipalArn as exemptions, and names a statement without a Sid by its place", async () => {
        const exempting = (operator: string, key = "aws:PrincipalArn") =>
            withContent(prod, "guardrails-detection", (document) => {
                const first = document.Statement[0];
                delete first.Sid;
                first.Condition = {
                    [operator]: {
                        [key]: [DEPLOYER, "arn:aws:iam::111111111111:role/SecurityGovernanceDeployer"],
                    },
                };
            });
        await withConfig(PROD_CONFIG, async () => {
            for (const operator of [
                "ArnNotLike",
                "ArnNotEquals",
                "StringNotLike",
                "StringNotEqualsIfExists",
                "arnnotlikeifexists",
            ])
                assert.deepEqual(
                    await violationsOf(exempting(operator), "guardrails-exempt-deployer"),
                    [],
                    operator,
                );
            for (const [operator, key] of [
                ["ArnLike", "aws:PrincipalArn"],
                ["StringNotEqualsIgnoreCase", "aws:PrincipalArn"],
                ["ForAnyValue:StringNotEquals", "aws:PrincipalArn"],
                ["ArnNotLike", "aws:SourceArn"],
            ])
                assert.deepEqual(
                    await violationsOf(exempting(operator, key), "guardrails-exempt-deployer"),
                    [
                        `Statement 0 denies the deployer ${DEPLOYER}: add it to security-governance:guardrails.exemptRoleArns.`,
                    ],
                    `${operator} ${key}`,
                );
        });
    });

    it("accepts wildcards that cover the switches", async () => {
        const wide = withContent(prod, "guardrails-detection", (document) => {
            document.Statement[0].Action = [
                "guardduty:*",
                "securityhub:Disa*",
                "macie2:*",
                "detective:*",
                "inspector2:Disable",
            ];
        });
        await withConfig(PROD_CONFIG, async () => {
            assert.deepEqual(await violationsOf(wide, "guardrails-attached"), []);
        });
    });

    it("is not required where the pack config does not ask for it", async () => {
        assert.deepEqual(
            await notApplicableReasons(
                prod.filter((r) => !isGuardrail(r)),
                "guardrails-attached",
            ),
            ["guardrails are not required by this stack's pack config"],
        );
    });

    it("refuses a statement that would deny the deployer", async () => {
        const locked = withContent(prod, "guardrails-security-account", (document) => {
            const condition = document.Statement[1].Condition as Record<string, Record<string, string[]>>;
            condition.ArnNotLike["aws:PrincipalArn"] = condition.ArnNotLike["aws:PrincipalArn"].filter(
                (a) => a !== DEPLOYER,
            );
        });
        const unconditional = withContent(prod, "guardrails-detection", (document) => {
            delete document.Statement[0].Condition;
        });
        await withConfig(PROD_CONFIG, async () => {
            assert.deepEqual(await violationsOf(locked, "guardrails-exempt-deployer"), [
                `Statement KeepFindings denies the deployer ${DEPLOYER}: add it to security-governance:guardrails.exemptRoleArns.`,
            ]);
            assert.deepEqual(await violationsOf(unconditional, "guardrails-exempt-deployer"), [
                `Statement KeepDetectionOn denies the deployer ${DEPLOYER}: add it to security-governance:guardrails.exemptRoleArns.`,
            ]);
        });
    });

    it("reads an exemption by pattern as IAM does", async () => {
        const pattern = withContent(prod, "guardrails-detection", (document) => {
            for (const statement of document.Statement) {
                statement.Condition = {
                    StringNotLike: {
                        "aws:PrincipalARN": ["arn:aws:iam::333333333333:role/SecurityGovernance*"],
                    },
                };
            }
        });
        // ArnLike and StringLike compare case-sensitively: the same pattern in lower case exempts nobody.
        const lowered = withContent(prod, "guardrails-detection", (document) => {
            document.Statement[0].Condition = {
                ArnNotLike: { "aws:PrincipalArn": [DEPLOYER.toLowerCase()] },
            };
        });
        await withConfig(PROD_CONFIG, async () => {
            assert.deepEqual(await violationsOf(pattern, "guardrails-exempt-deployer"), []);
            assert.deepEqual(await violationsOf(lowered, "guardrails-exempt-deployer"), [
                `Statement KeepDetectionOn denies the deployer ${DEPLOYER}: add it to security-governance:guardrails.exemptRoleArns.`,
            ]);
        });
    });

    it("requires Object Lock in COMPLIANCE mode for at least the configured days", async () => {
        await withConfig(PROD_CONFIG, async () => {
            const unlocked = await violationsOf(
                prod.filter((r) => r.name !== "findings-object-lock"),
                "findings-bucket-object-lock",
            );
            assert.equal(unlocked.length, 1);
            assert.match(
                unlocked[0],
                /has no Object Lock configuration: findings can be deleted or overwritten/,
            );

            const governance = edited(prod, "findings-object-lock", (inputs) => ({
                ...inputs,
                rule: { defaultRetention: { mode: "GOVERNANCE", days: 30 } },
            }));
            const found = await violationsOf(governance, "findings-bucket-object-lock");
            assert.equal(found.length, 2);
            assert.match(found[0], /Object Lock is in GOVERNANCE mode; COMPLIANCE is required\.$/);
            assert.match(found[1], /Object Lock retains 30 days; at least 365 are required\.$/);

            const years = edited(prod, "findings-object-lock", (inputs) => ({
                ...inputs,
                rule: { defaultRetention: { mode: "COMPLIANCE", years: 1 } },
            }));
            assert.deepEqual(await violationsOf(years, "findings-bucket-object-lock"), []);
        });
    });
});
