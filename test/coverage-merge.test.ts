import { strict as assert } from "node:assert";
import fc from "fast-check";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import {
    GetFindingsCommand,
    SecurityHubClient,
    type AwsSecurityFinding,
    type ComplianceStatus,
} from "@aws-sdk/client-securityhub";
import { readConfigRecording } from "../functions/coverage/readers";
import {
    coverageDrops,
    coverageMatrix,
    mergeVerdicts,
    shortfalls,
    type CoverageExpectation,
    type Observation,
    type RegionReading,
    type Verdict,
} from "../functions/coverage/matrix";
import { Run } from "../functions/shared/run";

/*
 * The merge rule for several readings of one account in one row (functions/coverage/matrix.ts, mergeVerdicts): a
 * failing reading is never hidden by a passing one, whatever the order. Security Hub CSPM gives an account one
 * Config.1 finding per enabled standard while consolidated control findings are off (one ID per standard's
 * control ARN), so several findings per account are the normal case, not an edge.
 */

const REGION = "us-east-1";
const A = "111111111111";
const B = "222222222222";
const C = "300000000001";

/** The two standards whose controls include Config.1 (CSPM user guide, Config.1 related requirements). */
const STANDARD_IDS = [
    "subscription/aws-foundational-security-best-practices/v/1.0.0/Config.1",
    "subscription/cis-aws-foundations-benchmark/v/1.2.0/2.5",
];

function finding(account: string, standard: number, status: ComplianceStatus): AwsSecurityFinding {
    return {
        SchemaVersion: "2018-10-08",
        Id: `arn:aws:securityhub:${REGION}:${account}:${STANDARD_IDS[standard]}/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE1111${standard}`,
        ProductArn: `arn:aws:securityhub:${REGION}::product/aws/securityhub`,
        GeneratorId: STANDARD_IDS[standard].replace("subscription/", ""),
        AwsAccountId: account,
        Region: REGION,
        Title: "AWS Config should be enabled and use the service-linked role for resource recording",
        Description: "This control checks whether AWS Config is enabled in your account.",
        CreatedAt: "2026-11-01T00:00:00.000Z",
        UpdatedAt: "2026-12-01T00:00:00.000Z",
        Severity: { Label: "CRITICAL" },
        Resources: [{ Type: "AwsAccount", Id: `AWS::::Account:${account}` }],
        Compliance: {
            Status: status,
            SecurityControlId: "Config.1",
            ...(status === "FAILED"
                ? {
                      StatusReasons: [
                          { ReasonCode: "CONFIG_RECORDER_DISABLED", Description: "Recorder is off." },
                      ],
                  }
                : {}),
        },
        RecordState: "ACTIVE",
    };
}

function expectation(securityHubV2: boolean): CoverageExpectation {
    return {
        adminAccountId: A,
        managementAccountId: "999999999999",
        regions: { config: [REGION], inspector: [REGION] },
        guarddutyFeatures: [],
        inspectorScans: ["ec2"],
        quotas: {},
        securityHubV2,
    };
}

function judge(readings: RegionReading[], accounts: string[], v2 = false) {
    return coverageMatrix({
        accounts: accounts.map((id) => ({ id, email: "", state: "ACTIVE" })),
        expectation: expectation(v2),
        readings,
        generatedAt: "2026-12-07T00:00:00Z",
    });
}

const FAILED_REASON = "AWS Config not recording: Config.1 FAILED (Recorder is off.)";

describe("coverage: several readings of one account, failure wins", () => {
    // An instance mock: a class mock would reach the integration suite's clients in the same worker.
    const client = new SecurityHubClient({ region: "eu-west-1" });
    let securityhub: AwsClientStub<SecurityHubClient>;
    before(() => {
        securityhub = mockClient(client);
    });
    afterEach(() => securityhub.reset());
    after(() => securityhub.restore());

    async function read(pages: AwsSecurityFinding[][]): Promise<Observation[]> {
        let stub = securityhub.on(GetFindingsCommand);
        pages.forEach((Findings, i) => {
            stub = stub.resolvesOnce({
                Findings,
                ...(i < pages.length - 1 ? { NextToken: `page-${i + 2}` } : {}),
            });
        });
        const run = new Run({ deadlineMs: Date.now() + 60_000, marginMs: 0 });
        return readConfigRecording(client, REGION, run);
    }

    for (const order of ["passing first", "failing first"] as const) {
        it(`a FAILED Config.1 of one standard beats a PASSED one of another, ${order}, across pages`, async () => {
            const passed = finding(A, 0, "PASSED");
            const failed = finding(A, 1, "FAILED");
            const [first, second] = order === "passing first" ? [passed, failed] : [failed, passed];
            // A's two findings on two pages, B passing on both standards, C failing on both.
            const observations = await read([
                [first, finding(B, 0, "PASSED"), finding(C, 0, "FAILED")],
                [second, finding(B, 1, "PASSED"), finding(C, 1, "FAILED")],
            ]);
            // The reader keeps every finding; the matrix merges them.
            assert.equal(observations.filter((o) => o.accountId === A).length, 2);
            const [row] = judge([{ service: "config", region: REGION, observations }], [A, B, C]).rows;
            assert.deepEqual(row.gaps, [
                { accountId: A, reason: FAILED_REASON },
                { accountId: C, reason: FAILED_REASON },
            ]);
            assert.equal(row.covered, 1);
        });

        it(`with the new Security Hub on, a FAILED Config.1 is an unexcused gap beside a PASSED one, ${order}`, async () => {
            const passed = finding(A, 0, "PASSED");
            const failed = finding(A, 1, "FAILED");
            const observations = await read([
                order === "passing first" ? [passed, failed, finding(B, 0, "PASSED")] : [failed, passed],
            ]);
            const report = judge([{ service: "config", region: REGION, observations }], [A, B], true);
            const [row] = report.rows;
            assert.deepEqual(row.gaps[0], { accountId: A, reason: FAILED_REASON });
            assert.equal(shortfalls(report).length, 1);
            // B passes (or is not reported on the failing-first page): never counted covered while v2 is on.
            assert.equal(row.covered, 0);
        });
    }

    it("with the new Security Hub on, passing Config.1 findings are excused gaps that say nothing is proven", () => {
        const observations: Observation[] = [
            { accountId: A, status: "PASSED" },
            { accountId: A, status: "PASSED" },
        ];
        const report = judge([{ service: "config", region: REGION, observations }], [A], true);
        assert.equal(report.rows[0].covered, 0);
        assert.equal(report.rows[0].gaps.length, 1);
        assert.equal(report.rows[0].gaps[0].excused, true);
        assert.match(report.rows[0].gaps[0].reason, /^AWS Config recording not provable: .*passes by design/);
        assert.deepEqual(shortfalls(report), []);
        // With it off, the same findings cover the account.
        assert.equal(judge([{ service: "config", region: REGION, observations }], [A]).rows[0].covered, 1);
    });

    for (const order of ["listed first", "failed first"] as const) {
        it(`an Inspector account both listed as scanning and failed by the batch is a gap, ${order}`, () => {
            const scanning: Observation = { accountId: B, status: "ENABLED", plans: { ec2: "ENABLED" } };
            const failed: Observation = {
                accountId: B,
                status: "FAILED",
                detail: "status not read: ACCESS_DENIED: no access",
            };
            const observations = order === "listed first" ? [scanning, failed] : [failed, scanning];
            const [row] = judge([{ service: "inspector", region: REGION, observations }], [B]).rows;
            assert.deepEqual(row.gaps, [
                { accountId: B, reason: "status not read: ACCESS_DENIED: no access" },
            ]);
        });
    }
});

const STATUS = fc.constantFrom("PASSED", "FAILED", "WARNING", "NOT_AVAILABLE");

describe("coverage: merge rule properties (fast-check)", () => {
    it("any set of Config.1 readings of an account that holds a failing one yields an unexcused gap, in any order", () => {
        fc.assert(
            fc.property(
                fc.array(STATUS, { minLength: 1, maxLength: 6 }),
                fc.boolean(),
                fc.integer(),
                (statuses, v2, seed) => {
                    const readings = statuses.map((status): Observation => ({ accountId: A, status }));
                    // A shuffle of the same readings, and B's readings interleaved between them.
                    const shuffled = [...readings]
                        .map((o, i) => ({ o, key: Math.sin(seed + i) }))
                        .sort((x, y) => x.key - y.key)
                        .flatMap(({ o }) => [o, { accountId: B, status: "PASSED" }]);
                    const failing = statuses.filter((s) => s !== "PASSED");
                    for (const observations of [readings, [...readings].reverse(), shuffled]) {
                        const [row] = judge(
                            [{ service: "config", region: REGION, observations }],
                            [A, B],
                            v2,
                        ).rows;
                        const gap = row.gaps.find((g) => g.accountId === A);
                        if (failing.length > 0) {
                            assert.ok(gap !== undefined && gap.excused !== true, JSON.stringify(gap));
                            for (const status of failing)
                                assert.ok(gap.reason.includes(`Config.1 ${status}`));
                            assert.ok(!gap.reason.includes("not provable"), gap.reason);
                        } else if (v2) {
                            assert.equal(gap?.excused, true);
                        } else {
                            assert.equal(gap, undefined);
                        }
                    }
                },
            ),
            { numRuns: 300 },
        );
    });

    const verdict: fc.Arbitrary<Verdict> = fc.oneof(
        fc.constant(undefined),
        fc.record({ reason: fc.constantFrom("r1", "r2", "r3") }),
        fc.record({ reason: fc.constantFrom("x1", "x2"), excused: fc.constant(true as const) }),
    );

    it("mergeVerdicts: an unexcused gap among the verdicts always wins, and the order never matters", () => {
        fc.assert(
            fc.property(fc.array(verdict, { maxLength: 8 }), (verdicts) => {
                const merged = mergeVerdicts(verdicts);
                assert.deepEqual(mergeVerdicts([...verdicts].reverse()), merged);
                const failures = verdicts.filter(
                    (v): v is NonNullable<Verdict> => v !== undefined && v.excused !== true,
                );
                const excused = verdicts.filter((v) => v?.excused === true);
                if (failures.length > 0) {
                    assert.ok(merged !== undefined && merged.excused !== true);
                    for (const failure of failures)
                        assert.ok(merged.reason.split("; ").includes(failure.reason));
                } else if (excused.length > 0) assert.equal(merged?.excused, true);
                else assert.equal(merged, undefined);
            }),
            { numRuns: 500 },
        );
    });
});

describe("coverage: who is told when an account loses AWS Config coverage", () => {
    const config = (statuses: Record<string, string>): RegionReading => ({
        service: "config",
        region: REGION,
        observations: Object.entries(statuses).map(([accountId, status]) => ({ accountId, status })),
    });
    const allPass = config({ [A]: "PASSED", [B]: "PASSED", [C]: "PASSED" });
    const cFails = config({ [A]: "PASSED", [B]: "PASSED", [C]: "FAILED" });

    it("with the new Security Hub on, a Config.1 that turns FAILED is a drop naming the account", () => {
        const before = judge([allPass], [A, B, C], true);
        const after = judge([cFails], [A, B, C], true);
        // Passing Config.1 proves nothing then: the row covers no one before or after.
        assert.deepEqual(
            [before, after].map((report) => report.rows.find((row) => row.service === "config")?.covered),
            [0, 0],
        );
        assert.deepEqual(coverageDrops(before, after), [
            { row: `config/${REGION}`, before: 0, after: 0, accounts: [C] },
        ]);
    });

    it("turning the new Security Hub on is no drop: passing accounts become excused, none fails", () => {
        assert.deepEqual(coverageDrops(judge([allPass], [A, B, C]), judge([allPass], [A, B, C], true)), []);
    });

    it("with it off, a FAILED Config.1 is a drop as before; an account still failing is not told again", () => {
        const failing = judge([cFails], [A, B, C]);
        assert.deepEqual(coverageDrops(judge([allPass], [A, B, C]), failing), [
            { row: `config/${REGION}`, before: 3, after: 2, accounts: [C] },
        ]);
        assert.deepEqual(coverageDrops(failing, judge([cFails], [A, B, C])), []);
    });
});

describe("coverage: the configuration policy is judged for Security Hub alone", () => {
    it("in the home region a Macie member is covered without a policy association; a Security Hub member is not", () => {
        const report = coverageMatrix({
            accounts: [A, B].map((id) => ({ id, email: "", state: "ACTIVE" })),
            expectation: {
                ...expectation(false),
                regions: { macie: [REGION], securityhub: [REGION] },
                securityHubPolicy: { region: REGION, name: "securityhub" },
            },
            readings: [
                { service: "macie", region: REGION, observations: [{ accountId: B, status: "ENABLED" }] },
                {
                    service: "securityhub",
                    region: REGION,
                    observations: [{ accountId: B, status: "ENABLED" }],
                },
            ],
            generatedAt: "2026-12-07T00:00:00Z",
        });
        const gaps = (service: string) => report.rows.find((row) => row.service === service)?.gaps;
        assert.deepEqual(gaps("macie"), []);
        // The administrator too: its own association is judged like any account's.
        assert.deepEqual(gaps("securityhub"), [
            { accountId: A, reason: "no configuration policy association reported, expected securityhub" },
            { accountId: B, reason: "no configuration policy association reported, expected securityhub" },
        ]);
    });
});
