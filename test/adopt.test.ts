import { strict as assert } from "node:assert";
import { parseStackConfig } from "../stacks/config";
import { readStackConfigValues, type PlanDocument, type PlannedResource } from "../tools/plan-runtime";
import { plan, single } from "./helpers/plan";

const DETECTOR_ID = "0123456789abcdef0123456789abcdef";
const GRAPH_ARN = "arn:aws:detective:us-east-1:222222222222:graph:fedcba9876543210fedcba9876543210";

function providerName(resource: PlannedResource): string | undefined {
    return resource.provider?.split("::")[3];
}

function parentOf(planned: PlanDocument, resource: PlannedResource): PlannedResource | undefined {
    return planned.resources.find((r) => r.urn === resource.parent);
}

describe("adopting what already exists in the security account", () => {
    let adopted: PlanDocument;
    before(async () => {
        adopted = await plan("dev", {
            configOverrides: {
                "security-governance:adopt": {
                    guarddutyDetectors: { "eu-west-1": DETECTOR_ID },
                    securityHubHub: true,
                    macieAccounts: ["us-east-1"],
                    detectiveGraphs: { "us-east-1": GRAPH_ARN },
                },
            },
        });
    });

    it("imports each named resource under its own component and the security provider", () => {
        const cases: [string, string, string, string][] = [
            [
                "aws:guardduty/detector:Detector",
                "eu-west-1",
                DETECTOR_ID,
                "security-governance:guardduty:GuardDutyDetectors",
            ],
            [
                "aws:securityhub/account:Account",
                "eu-west-1",
                "222222222222",
                "security-governance:securityhub:SecurityHubAdmin",
            ],
            [
                "aws:macie2/account:Account",
                "us-east-1",
                "222222222222",
                "security-governance:macie:MacieAdmin",
            ],
            [
                "aws:detective/graph:Graph",
                "us-east-1",
                GRAPH_ARN,
                "security-governance:detective:DetectiveGraphs",
            ],
        ];
        for (const [type, region, id, component] of cases) {
            const resource = single(adopted, type, (r) => r.inputs.region === region);
            assert.equal(resource.importId, id, type);
            assert.equal(parentOf(adopted, resource)?.type, component, type);
            assert.equal(providerName(resource), "security", type);
            // Still protected: adopting must not weaken what keeps the findings.
            assert.equal(resource.protect, true, type);
        }
    });

    it("imports nothing else: the other regions' resources are created as before", () => {
        const imported = adopted.resources
            .filter((r) => r.importId !== null)
            .map((r) => `${r.type} ${String(r.inputs.region)}`);
        assert.deepEqual(imported.sort(), [
            "aws:detective/graph:Graph us-east-1",
            "aws:guardduty/detector:Detector eu-west-1",
            "aws:macie2/account:Account us-east-1",
            "aws:securityhub/account:Account eu-west-1",
        ]);
    });

    it("refuses adoption outside the governed regions or of another account's graph", () => {
        const dev = readStackConfigValues("dev");
        assert.throws(
            () =>
                parseStackConfig({
                    ...dev,
                    "security-governance:adopt": { guarddutyDetectors: { "ap-south-1": DETECTOR_ID } },
                }),
            /security-governance:adopt\.guarddutyDetectors\.ap-south-1: expected a governed region \(eu-west-1, us-east-1\)/,
        );
        assert.throws(
            () =>
                parseStackConfig({
                    ...dev,
                    "security-governance:adopt": {
                        detectiveGraphs: { "us-east-1": GRAPH_ARN.replace("222222222222", "999999999999") },
                    },
                }),
            /expected a graph of the security account 222222222222 in us-east-1/,
        );
        assert.throws(
            () =>
                parseStackConfig({
                    ...dev,
                    "security-governance:adopt": { guarddutyDetectors: { "eu-west-1": "abc" } },
                }),
            /expected a GuardDuty detector ID: 32 lower-case hex digits/,
        );
    });
});
