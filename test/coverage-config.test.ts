import { strict as assert } from "node:assert";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import { readConfigRecording } from "../functions/coverage/readers";
import { coverageMatrix } from "../functions/coverage/matrix";
import { coverageExpectation } from "../stacks/coverage";
import { parseStackConfig } from "../stacks/config";
import { readStackConfigValues } from "../tools/plan-runtime";
import { Run } from "../functions/shared/run";

/*
 * Where AWS Config records, per account and region, from Security Hub CSPM's control Config.1 as the home
 * region's aggregated findings give it: the reader against aws-sdk-client-mock in GetFindings' own shapes, and
 * the matrix's judgement of what it read.
 */

const ACCOUNTS = ["111111111111", "222222222222", "300000000001", "300000000002"];

function configFinding(
    account: string,
    region: string,
    status: "PASSED" | "FAILED",
    reason?: string,
): AwsSecurityFinding {
    return {
        SchemaVersion: "2018-10-08",
        Id: `arn:aws:securityhub:${region}:${account}:security-control/Config.1/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111`,
        ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
        GeneratorId: "security-control/Config.1",
        AwsAccountId: account,
        Region: region,
        Title: "AWS Config should be enabled and use the service-linked role for resource recording",
        Description: "This control checks whether AWS Config is enabled in your account.",
        CreatedAt: "2026-11-01T00:00:00.000Z",
        UpdatedAt: "2026-12-01T00:00:00.000Z",
        Severity: { Label: "CRITICAL" },
        Types: ["Software and Configuration Checks/Industry and Regulatory Standards"],
        Resources: [{ Type: "AwsAccount", Id: `AWS::::Account:${account}` }],
        Compliance: {
            Status: status,
            SecurityControlId: "Config.1",
            ...(reason === undefined
                ? {}
                : { StatusReasons: [{ ReasonCode: "CONFIG_RECORDER_DISABLED", Description: reason }] }),
        },
        RecordState: "ACTIVE",
    };
}

/** Stack values with the new Security Hub turned off (`securityHub.v2.enabled: false`). */
function withoutV2(values: Record<string, unknown>): Record<string, unknown> {
    const securityHub = values["security-governance:securityHub"];
    return {
        ...values,
        "security-governance:securityHub": {
            ...(typeof securityHub === "object" && securityHub !== null ? securityHub : {}),
            v2: { enabled: false },
        },
    };
}

describe("coverage: where AWS Config records (Config.1)", () => {
    let securityhub: AwsClientStub<SecurityHubClient>;
    before(() => {
        securityhub = mockClient(SecurityHubClient);
    });
    afterEach(() => securityhub.reset());
    after(() => securityhub.restore());

    it("asks for the region's active Config.1 findings page by page, and judges each account by its own", async () => {
        const region = "us-east-1";
        securityhub
            .on(GetFindingsCommand)
            .resolvesOnce({
                Findings: [
                    configFinding(ACCOUNTS[0], region, "PASSED"),
                    configFinding(ACCOUNTS[1], region, "PASSED"),
                ],
                NextToken: "page-2",
            })
            .resolvesOnce({
                Findings: [
                    configFinding(
                        ACCOUNTS[2],
                        region,
                        "FAILED",
                        "AWS Config is not recording in this Region.",
                    ),
                ],
            });
        const run = new Run({ deadlineMs: Date.now() + 60_000, marginMs: 0 });
        const observations = await readConfigRecording(
            new SecurityHubClient({ region: "eu-west-1" }),
            region,
            run,
        );
        const calls = securityhub.commandCalls(GetFindingsCommand);
        assert.equal(calls.length, 2);
        assert.deepEqual(calls[0].args[0].input.Filters, {
            ComplianceSecurityControlId: [{ Value: "Config.1", Comparison: "EQUALS" }],
            Region: [{ Value: region, Comparison: "EQUALS" }],
            RecordState: [{ Value: "ACTIVE", Comparison: "EQUALS" }],
        });
        assert.equal(calls[1].args[0].input.NextToken, "page-2");

        // Config.1's own status is the proof only while the new Security Hub is off.
        const expectation = coverageExpectation(parseStackConfig(withoutV2(readStackConfigValues("dev"))));
        assert.deepEqual(expectation.regions.config, ["eu-west-1", "us-east-1"]);
        const report = coverageMatrix({
            accounts: ACCOUNTS.map((id) => ({ id, email: "", state: "ACTIVE" })),
            expectation,
            readings: [{ service: "config", region, observations }],
            generatedAt: "2026-12-02T12:00:00Z",
        });
        assert.deepEqual(report.rows[0].gaps, [
            {
                accountId: ACCOUNTS[2],
                reason: "AWS Config not recording: Config.1 FAILED (AWS Config is not recording in this Region.)",
            },
            {
                accountId: ACCOUNTS[3],
                reason: "Config.1 not reported by Security Hub CSPM (control off, or not yet evaluated)",
            },
        ]);
        assert.equal(report.rows[0].covered, 2);
    });

    it("excuses the accounts of an OU whose own policy turns Config.1 off, naming the OU", () => {
        const config = parseStackConfig({
            ...readStackConfigValues("dev"),
            "security-governance:organizationalUnits": [
                {
                    id: "ou-ab12-sandbox1",
                    name: "sandbox",
                    securityHub: {
                        disabledControls: [{ controlId: "Config.1", reason: "Sandboxes record nothing" }],
                    },
                },
            ],
        });
        const expectation = coverageExpectation(config);
        const [scope] = expectation.scopes ?? [];
        assert.equal(scope.configRecordingOff, true);
        const report = coverageMatrix({
            accounts: ACCOUNTS.map((id) => ({ id, email: "", state: "ACTIVE" })),
            expectation,
            readings: [{ service: "config", region: "us-east-1", observations: [] }],
            generatedAt: "2026-12-02T12:00:00Z",
            scopes: {
                byService: {
                    inspector: new Map(),
                    securityhub: new Map([[ACCOUNTS[3], scope]]),
                    config: new Map([[ACCOUNTS[3], scope]]),
                },
            },
        });
        const sandbox = report.rows[0].gaps.find((gap) => gap.accountId === ACCOUNTS[3]);
        assert.deepEqual(sandbox, {
            accountId: ACCOUNTS[3],
            reason: "Config.1 not reported by Security Hub CSPM (control off, or not yet evaluated): Config.1 is off in OU scope sandbox",
            excused: true,
        });
        // Every other account is still held to it.
        assert.equal(report.rows[0].gaps.filter((gap) => gap.excused !== true).length, 3);
    });

    it("expects no Config row when the stack turns Config.1 off", () => {
        const values = readStackConfigValues("dev");
        const expectation = coverageExpectation(
            parseStackConfig({
                ...values,
                "security-governance:securityHub": {
                    disabledControls: [
                        { controlId: "Config.1", reason: "Config is governed by Control Tower here" },
                    ],
                },
            }),
        );
        assert.equal(expectation.regions.config, undefined);
    });
});
