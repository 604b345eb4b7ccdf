import { strict as assert } from "node:assert";
import { readStackConfigValues } from "../tools/plan-runtime";
import { ConfigError, DEFAULT_PROTECTIONS, parseStackConfig, StackConfig } from "../stacks/config";
import { DEFAULT_ENABLED_REGIONS } from "../stacks/regions";

const dev = readStackConfigValues("dev");
const prod = readStackConfigValues("prod");

function withKey(base: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
    const copy = new Map(Object.entries(structuredClone(base)));
    if (value === undefined) copy.delete(key);
    else copy.set(key, value);
    return Object.fromEntries(copy);
}

function problemsOf(values: Record<string, unknown>): string[] {
    try {
        parseStackConfig(values);
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
        return error.problems;
    }
    assert.fail("the configuration was accepted");
}

describe("stack configuration", () => {
    it("accepts the dev and prod stacks", () => {
        const devConfig: StackConfig = parseStackConfig(dev);
        assert.deepEqual(devConfig.regions, ["eu-west-1", "us-east-1"]);
        const prodConfig = parseStackConfig(prod);
        assert.deepEqual([...prodConfig.regions].sort(), [...DEFAULT_ENABLED_REGIONS].sort());
        assert.equal(prodConfig.regions.length, 17);
    });

    it("gives dev and prod at least one trusted list, one threat list and two suppression rules", () => {
        for (const values of [dev, prod]) {
            const config = parseStackConfig(values);
            assert.ok(config.guardduty.trustedIps.length >= 1);
            assert.ok(Object.keys(config.guardduty.threatLists).length >= 1);
            assert.ok(config.guardduty.suppressionRules.length >= 2);
        }
    });

    it("fills the documented defaults", () => {
        const minimal = {
            "aws:region": "eu-west-1",
            "security-governance:accounts": (dev as Record<string, unknown>)["security-governance:accounts"],
            "security-governance:regions": ["eu-west-1"],
        };
        const config = parseStackConfig(minimal);
        assert.deepEqual(config.findingsExport, {
            retentionDays: 365,
            archiveAfterDays: 90,
            kmsDeletionWindowDays: 30,
            protectData: true,
        });
        assert.equal(config.guardduty.publishingFrequency, "FIFTEEN_MINUTES");
        assert.deepEqual(config.guardduty.protections, DEFAULT_PROTECTIONS);
        assert.ok(!config.guardduty.protections.includes("EKS_RUNTIME_MONITORING"));
        assert.ok(config.guardduty.protections.includes("RUNTIME_MONITORING"));
        // Generally available since July 2026, and on by default like every other plan.
        assert.ok(config.guardduty.protections.includes("AI_PROTECTION"));
        assert.ok(!config.guardduty.protections.some((p: string) => p === "AI_ANALYST"));
        assert.deepEqual(config.guardduty.trustedIps, []);
        assert.equal(config.notifications.minSeverity, 7);
        // Additions only: the defaults are always alerted on (see notifications.test.ts).
        assert.deepEqual(config.notifications.alwaysAlertOn, []);
        assert.deepEqual(config.securityHub.standards, [
            "aws-foundational-security-best-practices/v/1.0.0",
            "cis-aws-foundations-benchmark/v/3.0.0",
        ]);
        assert.equal(config.macie.enabled, true);
        assert.equal(config.detective.enabled, true);
        assert.deepEqual(config.inspector.resourceTypes, ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE"]);
    });

    it("names the key path, the bad value and what is allowed", () => {
        const problems = problemsOf(
            withKey(dev, "security-governance:findingsExport", { retentionDays: 30, archiveAfterDays: 10 }),
        );
        assert.deepEqual(problems, [
            "security-governance:findingsExport.retentionDays = 30: expected at least 90 days",
        ]);
    });

    it("refuses a home region that is not governed", () => {
        const problems = problemsOf(withKey(dev, "aws:region", "eu-central-1"));
        assert.equal(problems.length, 1);
        assert.match(
            problems[0],
            /^security-governance:regions = .*includes the home region aws:region \(eu-central-1\)/,
        );
    });

    it("refuses securityAdmin equal to management and a role outside the management account", () => {
        const problems = problemsOf(
            withKey(dev, "security-governance:accounts", {
                management: "111111111111",
                securityAdmin: "111111111111",
                managementRoleArn: "arn:aws:iam::999999999999:role/Deployer",
            }),
        );
        assert.equal(problems.length, 2);
        assert.match(
            problems[0],
            /accounts\.securityAdmin = "111111111111": expected an account other than accounts\.management/,
        );
        assert.match(
            problems[1],
            /accounts\.managementRoleArn = "arn:aws:iam::999999999999:role\/Deployer": expected a role in the management account 111111111111/,
        );
    });

    it("refuses unknown keys at every level, naming the allowed ones", () => {
        const top = problemsOf(withKey(dev, "security-governance:guarduty", {}));
        assert.match(
            top[0],
            /^security-governance:guarduty: unknown key; allowed keys here: accounts, regions, /,
        );
        const nested = problemsOf(
            withKey(dev, "security-governance:guardduty", { publishingFrequncy: "ONE_HOUR" }),
        );
        assert.match(
            nested[0],
            /^security-governance:guardduty\.publishingFrequncy: unknown key; allowed keys here: publishingFrequency,/,
        );
    });

    it("refuses both runtime monitoring protections together", () => {
        const problems = problemsOf(
            withKey(dev, "security-governance:guardduty", {
                protections: ["RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"],
            }),
        );
        assert.match(
            problems[0],
            /guardduty\.protections = .*RUNTIME_MONITORING or EKS_RUNTIME_MONITORING, not both/,
        );
    });

    it("refuses a suppression rule that could archive HIGH findings or narrows by nothing", () => {
        const problems = problemsOf(
            withKey(dev, "security-governance:guardduty", {
                suppressionRules: [
                    { name: "too-wide", belowSeverity: 8, findingTypes: ["Recon:EC2/Portscan"] },
                    { name: "severity-only", belowSeverity: 3 },
                ],
            }),
        );
        assert.equal(problems.length, 2);
        assert.match(problems[0], /suppressionRules\[0\]\.belowSeverity = 8: expected at most 7/);
        assert.match(problems[1], /suppressionRules\[1\] = .*narrows by at least one of findingTypes/);
    });

    it("refuses an opt-in home region, where Security Hub cannot aggregate", () => {
        const values = withKey(withKey(dev, "aws:region", "eu-south-1"), "security-governance:regions", [
            "eu-south-1",
            "eu-west-1",
        ]);
        const problems = problemsOf(values);
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^aws:region = "eu-south-1": expected a home region enabled by default/);
        assert.equal(parseStackConfig(withKey(values, "aws:region", "eu-west-1")).homeRegion, "eu-west-1");
    });

    it("refuses a suppression rule naming a finding type that is always HIGH", () => {
        const problems = problemsOf(
            withKey(dev, "security-governance:guardduty", {
                suppressionRules: [
                    {
                        name: "emr-probes",
                        findingTypes: [
                            "Recon:EC2/PortProbeUnprotectedPort",
                            "Recon:EC2/PortProbeEMRUnprotectedPort",
                        ],
                    },
                ],
            }),
        );
        assert.equal(problems.length, 1);
        assert.match(
            problems[0],
            /suppressionRules\[0\]\.findingTypes\[1\] = "Recon:EC2\/PortProbeEMRUnprotectedPort": expected a finding type that can be below 7: .* is always HIGH/,
        );
    });

    it("refuses duplicate rule names and any explicit rank", () => {
        const rule = { findingTypes: ["Recon:EC2/Portscan"] };
        const problems = problemsOf(
            withKey(dev, "security-governance:guardduty", {
                suppressionRules: [
                    { ...rule, name: "same" },
                    { ...rule, name: "same" },
                ],
            }),
        );
        assert.equal(problems.length, 1);
        assert.match(
            problems[0],
            /suppressionRules\[1\]\.name = "same": expected a name used by no other rule/,
        );
        const ranked = problemsOf(
            withKey(dev, "security-governance:guardduty", {
                suppressionRules: [{ ...rule, name: "ranked", rank: 1 }],
            }),
        );
        assert.equal(ranked.length, 1);
        assert.match(
            ranked[0],
            /suppressionRules\[0\]\.rank = 1: expected no rank: a rule's rank is its position/,
        );
    });

    it("enforces GuardDuty's list limits", () => {
        const trusted = Array.from({ length: 2001 }, (_, index) => `20.${index >> 8}.${index & 255}.1`);
        const tooMany = problemsOf(withKey(dev, "security-governance:guardduty", { trustedIps: trusted }));
        assert.match(
            tooMany[0],
            /guardduty\.trustedIps = .*at most 2000 distinct entries .*; this list has 2001$/,
        );
        const lists = Object.fromEntries(
            Array.from({ length: 7 }, (_, index) => [`list-${index}`, ["192.0.2.1"]]),
        );
        const sevenLists = problemsOf(withKey(dev, "security-governance:guardduty", { threatLists: lists }));
        assert.match(sevenLists[0], /guardduty\.threatLists = .*at most 6 threat lists/);
        const empty = problemsOf(
            withKey(dev, "security-governance:guardduty", { threatLists: { empty: [] } }),
        );
        assert.match(empty[0], /guardduty\.threatLists\.empty = \[\]: expected at least one address/);
        // 250,001 distinct addresses: one more than a threat IP list may hold.
        const huge = Array.from(
            { length: 250_001 },
            (_, index) => `20.${index >> 16}.${(index >> 8) & 255}.${index & 255}`,
        );
        const overfull = problemsOf(withKey(dev, "security-governance:guardduty", { threatLists: { huge } }));
        assert.equal(overfull.length, 1);
        assert.match(
            overfull[0],
            /^security-governance:guardduty\.threatLists\.huge = .*: expected at most 250000 entries \(GuardDuty's limit for a threat IP list\)$/,
        );
    });

    it("reads a section written without the namespace as Pulumi does: in the project's namespace", () => {
        const values = withKey(dev, "security-governance:notifications", undefined);
        const config = parseStackConfig({ ...values, notifications: { minSeverity: 5 } });
        assert.equal(config.notifications.minSeverity, 5);
        // Both spellings at once are the same key twice.
        const both = problemsOf({ ...dev, notifications: { minSeverity: 5 } });
        assert.deepEqual(both, [
            "notifications: given twice, with and without the security-governance: namespace; expected one security-governance:notifications",
        ]);
    });
});
