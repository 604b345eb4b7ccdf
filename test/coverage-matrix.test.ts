import { strict as assert } from "node:assert";
import {
    GetMemberDetectorsCommand,
    GuardDutyClient,
    ListDetectorsCommand,
    ListMembersCommand as ListGuardDutyMembers,
    type GetMemberDetectorsCommandInput,
} from "@aws-sdk/client-guardduty";
import {
    BatchGetAccountStatusCommand,
    Inspector2Client,
    type BatchGetAccountStatusCommandInput,
} from "@aws-sdk/client-inspector2";
import { ListMembersCommand as ListSecurityHubMembers, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import {
    coverageDrops,
    coverageMatrix,
    shortfalls,
    type CoverageExpectation,
    type RegionReading,
} from "../functions/coverage/matrix";
import {
    guarddutyDetectorId,
    readGuardDuty,
    readInspector,
    readSecurityHub,
} from "../functions/coverage/readers";
import { runCoverage } from "../functions/coverage/run-coverage";
import type { OrgAccount } from "../functions/enrollment/reconcile";
import { Run } from "../functions/shared/run";
import { testRun } from "./helpers/run";

const ADMIN = "222222222222";
const MANAGEMENT = "111111111111";
const W1 = "300000000001";
const W2 = "300000000002";
const W3 = "300000000003";

const ACCOUNTS: OrgAccount[] = [
    { id: MANAGEMENT, email: "m@example.com", state: "ACTIVE" },
    { id: ADMIN, email: "s@example.com", state: "ACTIVE" },
    { id: W1, email: "1@example.com", state: "ACTIVE" },
    { id: W2, email: "2@example.com", state: "ACTIVE" },
    { id: W3, email: "3@example.com", state: "SUSPENDED" },
];

const EXPECTATION: CoverageExpectation = {
    adminAccountId: ADMIN,
    managementAccountId: MANAGEMENT,
    regions: { guardduty: ["eu-west-1"], inspector: ["eu-west-1"] },
    guarddutyFeatures: ["S3_DATA_EVENTS", "RUNTIME_MONITORING"],
    inspectorScans: ["ec2", "lambda"],
    quotas: { detective: 2 },
};

function matrix(readings: RegionReading[], expectation = EXPECTATION) {
    return coverageMatrix({
        accounts: ACCOUNTS,
        expectation,
        readings,
        generatedAt: "2026-12-01T00:00:00.000Z",
    });
}

const PLANS_ON = { S3_DATA_EVENTS: "ENABLED", RUNTIME_MONITORING: "ENABLED" };

describe("the coverage matrix", () => {
    it("counts only ACTIVE accounts; lists the others apart with their state", () => {
        const report = matrix([]);
        assert.deepEqual(report.accounts, [MANAGEMENT, ADMIN, W1, W2]);
        assert.deepEqual(report.inactive, [{ accountId: W3, reason: "account state SUSPENDED" }]);
    });

    it("GuardDuty: a member is covered when Enabled with every required plan; each gap says why", () => {
        const report = matrix([
            {
                service: "guardduty",
                region: "eu-west-1",
                observations: [
                    { accountId: MANAGEMENT, status: "ENABLED", plans: PLANS_ON },
                    {
                        accountId: W1,
                        status: "ENABLED",
                        plans: { S3_DATA_EVENTS: "ENABLED", RUNTIME_MONITORING: "DISABLED" },
                    },
                    { accountId: W2, status: "CREATED" },
                ],
            },
        ]);
        const [row] = report.rows;
        assert.equal(row.expected, 4);
        assert.equal(row.covered, 2, "the management account and the administrator itself");
        assert.deepEqual(row.gaps, [
            { accountId: W1, reason: "protection plans not enabled: RUNTIME_MONITORING DISABLED" },
            { accountId: W2, reason: "member status CREATED" },
        ]);
    });

    it("a plan the service does not report is a gap, and names it so", () => {
        const [row] = matrix([
            {
                service: "guardduty",
                region: "eu-west-1",
                observations: [
                    { accountId: MANAGEMENT, status: "ENABLED", plans: { S3_DATA_EVENTS: "ENABLED" } },
                    { accountId: W1, status: "ENABLED", plans: PLANS_ON },
                    { accountId: W2, status: "ENABLED", plans: PLANS_ON },
                ],
            },
        ]).rows;
        assert.deepEqual(row.gaps, [
            {
                accountId: MANAGEMENT,
                reason: "protection plans not enabled: RUNTIME_MONITORING not reported",
            },
        ]);
    });

    it("an account the service does not list is 'not a member'; the administrator is never its own member", () => {
        const [row] = matrix([
            { service: "macie", region: "eu-west-1", observations: [{ accountId: W1, status: "PAUSED" }] },
        ]).rows;
        assert.deepEqual(row.gaps, [
            { accountId: MANAGEMENT, reason: "not a member" },
            { accountId: W1, reason: "member status PAUSED" },
            { accountId: W2, reason: "not a member" },
        ]);
        assert.equal(row.covered, 1);
    });

    it("Detective's reason is kept beside the status", () => {
        const [row] = matrix([
            {
                service: "detective",
                region: "eu-west-1",
                observations: [{ accountId: W1, status: "ACCEPTED_BUT_DISABLED", detail: "VOLUME_TOO_HIGH" }],
            },
        ]).rows;
        assert.deepEqual(row.gaps[1], {
            accountId: W1,
            reason: "member status ACCEPTED_BUT_DISABLED (VOLUME_TOO_HIGH)",
        });
    });

    it("past a full member quota a missing account is an excused gap that names the quota; below it, not", () => {
        const full = matrix([
            {
                service: "detective",
                region: "eu-west-1",
                observations: [
                    { accountId: MANAGEMENT, status: "ENABLED" },
                    { accountId: W1, status: "ENABLED" },
                ],
            },
        ]);
        assert.deepEqual(full.rows[0].gaps, [
            {
                accountId: W2,
                reason: "not a member: the administrator holds 2 members, its quota of 2",
                excused: true,
            },
        ]);
        assert.deepEqual(shortfalls(full), []);
        const notFull = matrix([
            {
                service: "detective",
                region: "eu-west-1",
                observations: [{ accountId: W1, status: "ENABLED" }],
            },
        ]);
        assert.equal(notFull.rows[0].gaps.filter((g) => g.excused).length, 0);
        assert.equal(shortfalls(notFull).length, 1);
    });

    it("Inspector judges every account, the administrator too, by each required scan type", () => {
        const [row] = matrix([
            {
                service: "inspector",
                region: "eu-west-1",
                observations: [
                    {
                        accountId: MANAGEMENT,
                        status: "ENABLED",
                        plans: { ec2: "ENABLED", lambda: "ENABLED", ecr: "DISABLED" },
                    },
                    { accountId: ADMIN, status: "ENABLED", plans: { ec2: "ENABLED", lambda: "SUSPENDED" } },
                    { accountId: W1, status: "DISABLED", detail: "status not read: ACCESS_DENIED: no" },
                ],
            },
        ]).rows;
        assert.deepEqual(row.gaps, [
            { accountId: ADMIN, reason: "scanning not enabled: lambda SUSPENDED" },
            { accountId: W1, reason: "status not read: ACCESS_DENIED: no" },
            { accountId: W2, reason: "not reported by BatchGetAccountStatus" },
        ]);
    });

    it("a region that cannot be read makes every account a gap with the reason", () => {
        const [row] = matrix([
            {
                service: "securityhub",
                region: "us-east-1",
                error: "AccessDeniedException: no",
                observations: [],
            },
        ]).rows;
        assert.equal(row.covered, 0);
        assert.equal(row.gaps.length, 4);
        assert.ok(row.gaps.every((g) => g.reason === "not read: AccessDeniedException: no"));
        assert.equal(row.error, "AccessDeniedException: no");
    });

    it("a drop is a row with fewer covered accounts than before; unchanged or new rows are not", () => {
        const reading = (covered: string[]): RegionReading => ({
            service: "macie",
            region: "eu-west-1",
            observations: covered.map((accountId) => ({ accountId, status: "ENABLED" })),
        });
        const before = matrix([reading([MANAGEMENT, W1, W2])]);
        assert.deepEqual(coverageDrops(before, matrix([reading([MANAGEMENT, W1, W2])])), []);
        assert.deepEqual(coverageDrops(before, matrix([reading([MANAGEMENT, W2])])), [
            { row: "macie/eu-west-1", before: 4, after: 3, accounts: [W1] },
        ]);
        assert.deepEqual(coverageDrops(undefined, before), []);
        const other = matrix([{ ...reading([]), region: "us-east-1" }]);
        assert.deepEqual(coverageDrops(before, other), []);
    });
});

const workload = (n: number) => String(300000000000 + n);

describe("the coverage readers (aws-sdk-client-mock)", () => {
    // Instance mocks: npm run coverage's tests mock these classes, and one process holds both files.
    const guarddutyClient = new GuardDutyClient({ region: "eu-west-1" });
    const securityhubClient = new SecurityHubClient({ region: "eu-west-1" });
    const inspectorClient = new Inspector2Client({ region: "eu-west-1" });
    let guardduty: AwsClientStub<GuardDutyClient>;
    let securityhub: AwsClientStub<SecurityHubClient>;
    let inspector: AwsClientStub<Inspector2Client>;
    before(() => {
        guardduty = mockClient(guarddutyClient);
        securityhub = mockClient(securityhubClient);
        inspector = mockClient(inspectorClient);
    });
    afterEach(() => {
        guardduty.reset();
        securityhub.reset();
        inspector.reset();
    });
    after(() => {
        guardduty.restore();
        securityhub.restore();
        inspector.restore();
    });

    it("GuardDuty: pages members 50 at a time, reads plans of Enabled members 50 per call, keeps unprocessed ones", async () => {
        const ids = Array.from({ length: 120 }, (_, i) => workload(i));
        guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: ["d-1"] });
        guardduty
            .on(ListGuardDutyMembers)
            .callsFake((input: { NextToken?: string; MaxResults?: number; OnlyAssociated?: string }) => {
                assert.equal(input.MaxResults, 50);
                assert.equal(input.OnlyAssociated, "false");
                const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
                const page = ids.slice(start, start + 50).map((AccountId, i) => ({
                    AccountId,
                    RelationshipStatus: (start + i) % 10 === 0 ? "Created" : "Enabled",
                    Email: "",
                    MasterId: ADMIN,
                    UpdatedAt: "",
                }));
                return { Members: page, NextToken: start + 50 < ids.length ? String(start + 50) : undefined };
            });
        const batches: string[][] = [];
        guardduty.on(GetMemberDetectorsCommand).callsFake((input: GetMemberDetectorsCommandInput) => {
            const asked = input.AccountIds ?? [];
            batches.push(asked);
            return {
                MemberDataSourceConfigurations: asked
                    .filter((id) => id !== workload(1))
                    .map((AccountId) => ({
                        AccountId,
                        Features: [{ Name: "S3_DATA_EVENTS", Status: "ENABLED" }],
                    })),
                UnprocessedAccounts: asked.includes(workload(1))
                    ? [{ AccountId: workload(1), Result: "InternalError" }]
                    : [],
            };
        });
        const run = testRun();
        const client = guarddutyClient;
        assert.equal(await guarddutyDetectorId(client, run), "d-1");
        const observations = await readGuardDuty(client, "d-1", run);
        assert.equal(observations.length, 120);
        assert.deepEqual(
            batches.map((b) => b.length),
            [50, 50, 8],
            "108 Enabled members, 50 per GetMemberDetectors call",
        );
        assert.ok(
            batches.flat().every((id) => Number(id.slice(-3)) % 10 !== 0),
            "plans are read for Enabled members only",
        );
        const byId = new Map(observations.map((o) => [o.accountId, o]));
        assert.deepEqual(byId.get(workload(0)), { accountId: workload(0), status: "CREATED" });
        assert.deepEqual(byId.get(workload(2))?.plans, { S3_DATA_EVENTS: "ENABLED" });
        assert.equal(byId.get(workload(1))?.detail, "plans not read: InternalError");
        assert.equal(byId.get(workload(1))?.plans, undefined);
    });

    it("GuardDuty: no detector in the region is undefined; a NextToken seen twice fails instead of looping", async () => {
        guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
        const client = guarddutyClient;
        assert.equal(await guarddutyDetectorId(client, testRun()), undefined);
        guardduty.on(ListGuardDutyMembers).resolves({ Members: [], NextToken: "same" });
        await assert.rejects(readGuardDuty(client, "d-1", testRun()), /NextToken same twice/);
    });

    it("Security Hub: lists every member, associated or not, 50 per page", async () => {
        securityhub
            .on(ListSecurityHubMembers)
            .callsFake((input: { NextToken?: string; MaxResults?: number; OnlyAssociated?: boolean }) => {
                assert.equal(input.MaxResults, 50);
                assert.equal(input.OnlyAssociated, false);
                return input.NextToken === undefined
                    ? { Members: [{ AccountId: W1, MemberStatus: "Enabled" }], NextToken: "p2" }
                    : { Members: [{ AccountId: W2, MemberStatus: "Resigned" }, { MemberStatus: "Enabled" }] };
            });
        assert.deepEqual(await readSecurityHub(securityhubClient, testRun()), [
            { accountId: W1, status: "ENABLED" },
            { accountId: W2, status: "RESIGNED" },
        ]);
    });

    it("Inspector: asks 100 accounts per call; failed accounts carry the error code and message", async () => {
        const ids = Array.from({ length: 250 }, (_, i) => workload(i));
        const asked: number[] = [];
        inspector.on(BatchGetAccountStatusCommand).callsFake((input: BatchGetAccountStatusCommandInput) => {
            const batch = input.accountIds ?? [];
            asked.push(batch.length);
            return {
                accounts: batch
                    .filter((id) => id !== workload(7))
                    .map((accountId) => ({
                        accountId,
                        state: { status: "ENABLED", errorCode: undefined, errorMessage: undefined },
                        resourceState: {
                            ec2: { status: "ENABLED", errorCode: undefined, errorMessage: undefined },
                            ecr: { status: "DISABLED", errorCode: undefined, errorMessage: undefined },
                        },
                    })),
                failedAccounts: batch.includes(workload(7))
                    ? [{ accountId: workload(7), errorCode: "ACCESS_DENIED", errorMessage: "not a member" }]
                    : [],
            };
        });
        const observations = await readInspector(inspectorClient, ids, testRun());
        assert.deepEqual(asked, [100, 100, 50]);
        const byId = new Map(observations.map((o) => [o.accountId, o]));
        assert.deepEqual(byId.get(workload(0)), {
            accountId: workload(0),
            status: "ENABLED",
            plans: { ec2: "ENABLED", ecr: "DISABLED" },
        });
        assert.deepEqual(byId.get(workload(7)), {
            accountId: workload(7),
            status: "UNKNOWN",
            detail: "status not read: ACCESS_DENIED: not a member",
        });
    });

    it("runCoverage reads every governed service and region, records a region that fails, and stops before its deadline", async () => {
        const seen: string[] = [];
        const expectation: CoverageExpectation = {
            ...EXPECTATION,
            regions: { guardduty: ["eu-west-1", "us-east-1"], macie: ["eu-west-1"] },
        };
        const report = await runCoverage(
            expectation,
            {
                listAccounts: async () => ACCOUNTS,
                async read(service, region, accounts) {
                    assert.deepEqual(accounts, [MANAGEMENT, ADMIN, W1, W2], "active accounts only");
                    if (region === "us-east-1")
                        throw Object.assign(new Error("denied"), { name: "AccessDeniedException" });
                    return service === "macie" ? "no Macie here" : [];
                },
                progress: (service, region) => seen.push(`${service} ${region}`),
            },
            testRun(),
            () => new Date("2026-12-01T10:00:00Z"),
        );
        assert.deepEqual(seen, ["guardduty eu-west-1", "guardduty us-east-1", "macie eu-west-1"]);
        assert.deepEqual(
            report.rows.map((r) => [r.service, r.region, r.error]),
            [
                ["guardduty", "eu-west-1", undefined],
                ["guardduty", "us-east-1", "AccessDeniedException: denied"],
                ["macie", "eu-west-1", "no Macie here"],
            ],
        );
        assert.equal(report.generatedAt, "2026-12-01T10:00:00.000Z");
        assert.equal(report.stoppedEarly, false);

        const clock = { now: 0 };
        const short = new Run({ deadlineMs: 1_000, marginMs: 0, now: () => clock.now });
        const partial = await runCoverage(
            expectation,
            {
                listAccounts: async () => ACCOUNTS,
                async read(_service, _region, _accounts, run) {
                    clock.now += 2_000;
                    run.checkDeadline();
                    return [];
                },
            },
            short,
        );
        assert.equal(partial.stoppedEarly, true);
        assert.deepEqual(partial.rows, []);
    });
});
