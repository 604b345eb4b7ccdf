import { strict as assert } from "node:assert";
import { FindingType } from "@aws-sdk/client-macie2";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { MACIE_FINDING_TYPES } from "../stacks/noise-rules";
import { readStackConfigValues } from "../tools/plan-runtime";

/*
 * The rules of `noiseRules` that the bad-input catalogue (one mistake per case) does not reach: which keys go
 * with which service, and the Macie finding types against the SDK's own enum.
 */

const NS = "security-governance";
const dev = readStackConfigValues("dev");

function problemsWith(rules: unknown[], overrides: Record<string, unknown> = {}): string[] {
    try {
        parseStackConfig({ ...dev, ...overrides, [`${NS}:noiseRules`]: rules });
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.problems;
    }
    return [];
}

const base = { name: "quiet", reason: "Accepted noise, reviewed yearly", severities: ["LOW"] };

describe("noiseRules config: each service's keys, and Macie's vocabulary", () => {
    it("knows every Macie finding type the SDK knows, and no other", () => {
        assert.deepEqual([...MACIE_FINDING_TYPES].sort(), Object.values(FindingType).sort());
    });

    it("accepts each service with its own narrowing keys", () => {
        assert.deepEqual(
            problemsWith([
                { ...base, name: "rule-a", service: "securityhub", controlIds: ["EC2.10"] },
                { ...base, name: "rule-b", service: "inspector", accountIds: ["300000000001"] },
                { ...base, name: "rule-c", service: "macie", accountIds: ["300000000001"] },
                {
                    ...base,
                    name: "rule-d",
                    service: "macie",
                    findingTypes: ["SensitiveData:S3Object/Personal"],
                },
                { ...base, name: "rule-e", service: "macie", bucketNames: ["example-logs"] },
                // INFORMATIONAL is a Security Hub and Inspector level; only Macie lacks it.
                {
                    ...base,
                    name: "rule-f",
                    service: "securityhub",
                    severities: ["INFORMATIONAL"],
                    controlIds: ["EC2.10"],
                },
                {
                    ...base,
                    name: "rule-g",
                    service: "inspector",
                    severities: ["INFORMATIONAL"],
                    vulnerabilityIds: ["CVE-2024-1"],
                },
            ]),
            [],
        );
    });

    it("refuses an inspector rule narrowed by severity alone, and two rules of one name", () => {
        const [unbounded] = problemsWith([{ ...base, service: "inspector" }]);
        assert.match(
            unbounded,
            /^security-governance:noiseRules\[0\]\.vulnerabilityIds = \(missing\): expected accountIds or vulnerabilityIds on an inspector rule/,
        );
        const twice = { ...base, service: "macie", bucketNames: ["example-logs"] };
        const problems = problemsWith([twice, twice]);
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(
            problems[0],
            /^security-governance:noiseRules\[1\]\.name = "quiet": expected a name used by no other rule/,
        );
    });

    it("refuses a key that narrows another service's rule, naming the key", () => {
        const cases: [Record<string, unknown>, string][] = [
            [{ service: "inspector", accountIds: ["300000000001"], controlIds: ["EC2.10"] }, "controlIds"],
            [
                { service: "securityhub", controlIds: ["EC2.10"], vulnerabilityIds: ["CVE-2024-1"] },
                "vulnerabilityIds",
            ],
            [
                { service: "securityhub", controlIds: ["EC2.10"], bucketNames: ["example-logs"] },
                "bucketNames",
            ],
            [
                {
                    service: "inspector",
                    accountIds: ["300000000001"],
                    findingTypes: ["Policy:IAMUser/S3BucketPublic"],
                },
                "findingTypes",
            ],
            [
                { service: "macie", accountIds: ["300000000001"], vulnerabilityIds: ["CVE-2024-1"] },
                "vulnerabilityIds",
            ],
        ];
        for (const [rule, key] of cases) {
            const problems = problemsWith([{ ...base, ...rule }]);
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(
                problems[0],
                new RegExp(
                    `^security-governance:noiseRules\\[0\\]\\.${key} = .*: expected no ${key} on this ${String(rule.service)} rule`,
                ),
            );
        }
    });

    it("refuses an unknown Macie finding type and a bucket name S3 would not take", () => {
        const [type] = problemsWith([
            { ...base, service: "macie", findingTypes: ["SensitiveData:S3Object/Secrets"] },
        ]);
        assert.match(
            type,
            /^security-governance:noiseRules\[0\]\.findingTypes\[0\] = "SensitiveData:S3Object\/Secrets": expected a Macie finding type: one of Policy:IAMUser/,
        );
        const [bucket] = problemsWith([{ ...base, service: "macie", bucketNames: ["Example_Logs"] }]);
        assert.match(
            bucket,
            /^security-governance:noiseRules\[0\]\.bucketNames\[0\] = "Example_Logs": expected an S3 bucket name/,
        );
    });

    it("takes 100 securityhub rules, Security Hub's automation-rule quota, and refuses the 101st", () => {
        const rules = (n: number) =>
            Array.from({ length: n }, (_, i) => ({
                ...base,
                name: `rule-${i}`,
                service: "securityhub",
                controlIds: ["EC2.10"],
            }));
        // Other services' rules do not count toward it.
        assert.deepEqual(
            problemsWith([
                ...rules(100),
                { ...base, name: "macie-one", service: "macie", bucketNames: ["example-logs"] },
            ]),
            [],
        );
        const problems = problemsWith(rules(101));
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(
            problems[0],
            /^security-governance:noiseRules = .*: expected at most 100 securityhub rules: /,
        );
    });
});
