import { strict as assert } from "node:assert";
import {
    CreateMembersCommand,
    DetectiveClient,
    ListGraphsCommand,
    ListMembersCommand as ListDetectiveMembers,
    TooManyRequestsException as DetectiveThrottling,
} from "@aws-sdk/client-detective";
import {
    ListMembersCommand as ListMacieMembers,
    Macie2Client,
    ThrottlingException,
} from "@aws-sdk/client-macie2";
import {
    ListAccountsCommand,
    OrganizationsClient,
    TooManyRequestsException,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import {
    detectiveGraphArn,
    detectiveService,
    listOrganizationAccounts,
    macieService,
} from "../functions/enrollment/adapters";
import { decideEnrollment, type LiveMember, type OrgAccount } from "../functions/enrollment/reconcile";
import { runEnrollment } from "../functions/enrollment/run-enrollment";
import { DeadlineReached, Run, reasonOf } from "../functions/shared/run";
import { testRun } from "./helpers/run";

/**
 * The enrollment function's details that a report reader relies on: the exact reason for every status it
 * cannot fix, sorted reports whatever order AWS lists in, quota places, fields AWS may leave out, and which
 * call a run stopped at.
 */

const ADMIN = "222222222222";
const MANAGEMENT = "111111111111";
const GRAPH = `arn:aws:detective:eu-west-1:${ADMIN}:graph:${"a".repeat(32)}`;
const W = (n: number) => String(300000000000 + n);
const account = (id: string, state = "ACTIVE"): OrgAccount => ({ id, email: `${id}@example.com`, state });

const base = { adminAccountId: ADMIN, managementAccountId: MANAGEMENT, quota: 10_000 };

describe("enrollment details", () => {
    describe("the decision", () => {
        it("reports in account order whatever order AWS lists accounts and members in", () => {
            const decision = decideEnrollment({
                ...base,
                service: "macie",
                accounts: [
                    account(W(3)),
                    account(W(1)),
                    account(ADMIN),
                    account(W(4)),
                    account(MANAGEMENT),
                    account(W(2)),
                ],
                members: [
                    { accountId: W(4), status: "Paused" },
                    { accountId: W(3), status: "Enabled" },
                    { accountId: W(2), status: "Paused" },
                    { accountId: W(1), status: "Enabled" },
                ],
            });
            assert.deepEqual(decision.covered, [ADMIN, W(1), W(3)]);
            assert.deepEqual(
                decision.gaps.map((g) => g.accountId),
                [W(2), W(4)],
            );
            assert.deepEqual(
                decision.enroll.map((a) => a.id),
                [MANAGEMENT],
            );
            const many = decideEnrollment({
                ...base,
                service: "macie",
                accounts: [account(W(9)), account(W(5)), account(W(7))],
                members: [],
            });
            assert.deepEqual(
                many.enroll.map((a) => a.id),
                [W(5), W(7), W(9)],
                "without priorities, in account order",
            );
        });

        it("says exactly why each status enrolling cannot fix stays a gap", () => {
            const reasons = (service: "macie" | "detective", members: LiveMember[]) =>
                decideEnrollment({
                    ...base,
                    service,
                    accounts: members.map((m) => account(m.accountId)),
                    members,
                }).gaps.map((g) => g.reason);
            assert.deepEqual(
                reasons("macie", [
                    { accountId: W(1), status: "Paused" },
                    { accountId: W(2), status: "Invited" },
                    { accountId: W(3), status: "EmailVerificationInProgress" },
                    { accountId: W(4), status: "RegionDisabled" },
                    { accountId: W(5), status: "AccountSuspended" },
                ]),
                [
                    "Paused: Macie is paused (suspended) by the member account itself",
                    "Invited: an invitation is pending (the account was invited rather than enrolled from the organization)",
                    "EmailVerificationInProgress: Macie is verifying the account's e-mail address",
                    "RegionDisabled: the region is disabled for the account",
                    "AccountSuspended: the account is suspended",
                ],
            );
            assert.deepEqual(
                reasons("detective", [
                    { accountId: W(1), status: "INVITED" },
                    { accountId: W(2), status: "VERIFICATION_IN_PROGRESS" },
                    { accountId: W(3), status: "ACCEPTED_BUT_DISABLED", detail: "VOLUME_TOO_HIGH" },
                    { accountId: W(4), status: "ACCEPTED_BUT_DISABLED", detail: "VOLUME_UNKNOWN" },
                    { accountId: W(5), status: "ACCEPTED_BUT_DISABLED", detail: "SOMETHING_NEW" },
                ]),
                [
                    "INVITED: an invitation is pending",
                    "VERIFICATION_IN_PROGRESS: Detective is verifying that the account belongs to the organization",
                    "ACCEPTED_BUT_DISABLED: enabled but not contributing data: its data volume would take the graph over Detective's limit",
                    "ACCEPTED_BUT_DISABLED: enabled but not contributing data: its data volume is unknown, usually because GuardDuty is not enabled in it",
                    "ACCEPTED_BUT_DISABLED: enabled but not contributing data: SOMETHING_NEW",
                ],
            );
        });

        it("the administrator listed among its own members takes no quota place", () => {
            const decision = decideEnrollment({
                ...base,
                service: "detective",
                quota: 2,
                accounts: [account(MANAGEMENT), account(ADMIN), account(W(1)), account(W(2))],
                members: [
                    { accountId: ADMIN, status: "ENABLED" },
                    { accountId: W(1), status: "ENABLED" },
                ],
            });
            assert.deepEqual(
                decision.enroll.map((a) => a.id),
                [MANAGEMENT],
            );
        });

        it("members kept as they are hold their places; members enrolled again do not hold two", () => {
            const decision = decideEnrollment({
                ...base,
                service: "macie",
                quota: 3,
                accounts: [account(MANAGEMENT), account(ADMIN), account(W(1)), account(W(2)), account(W(3))],
                members: [
                    { accountId: W(1), status: "Removed" },
                    { accountId: W(2), status: "Enabled" },
                    { accountId: W(3), status: "Paused" },
                ],
            });
            assert.deepEqual(
                decision.enroll.map((a) => a.id),
                [MANAGEMENT],
            );
            assert.deepEqual(
                decision.gaps.find((g) => g.accountId === W(1))?.reason,
                "beyond the macie quota of 3 members per administrator and region",
            );
        });

        it("the management account comes first even when the priorities name it again later", () => {
            const decision = decideEnrollment({
                ...base,
                service: "detective",
                quota: 1,
                priority: [W(2), MANAGEMENT],
                accounts: [account(MANAGEMENT), account(W(1)), account(W(2))],
                members: [],
            });
            assert.deepEqual(
                decision.enroll.map((a) => a.id),
                [MANAGEMENT],
            );
        });
    });

    describe("the adapters, with fields AWS may leave out", () => {
        // Instance mocks, as the other enrollment tests use: class mocks and instance mocks of one client
        // class do not mix within one mocha process.
        const orgClient = new OrganizationsClient({ region: "us-east-1" });
        const macieClient = new Macie2Client({ region: "eu-west-1" });
        const detectiveClient = new DetectiveClient({ region: "eu-west-1" });
        const organizations = mockClient(orgClient);
        const macie = mockClient(macieClient);
        const detective = mockClient(detectiveClient);
        afterEach(() => {
            organizations.reset();
            macie.reset();
            detective.reset();
        });

        it("ListAccounts: an entry without an ID is skipped; a missing e-mail or state is empty or UNKNOWN; Status stands in for State", async () => {
            organizations.on(ListAccountsCommand).resolves({
                Accounts: [{ Email: "no-id@example.com" }, { Id: W(1) }, { Id: W(2), Status: "ACTIVE" }],
            });
            assert.deepEqual(await listOrganizationAccounts(orgClient, testRun()), [
                { id: W(1), email: "", state: "UNKNOWN" },
                { id: W(2), email: "", state: "ACTIVE" },
            ]);
        });

        it("ListMembers: a member without an ID is skipped; one without a status is UNKNOWN, so enrolled again", async () => {
            macie
                .on(ListMacieMembers)
                .resolves({ members: [{ relationshipStatus: "Enabled" }, { accountId: W(1) }] });
            assert.deepEqual(await macieService(macieClient, "eu-west-1").listMembers(testRun()), [
                { accountId: W(1), status: "UNKNOWN" },
            ]);
            detective
                .on(ListDetectiveMembers)
                .resolves({ MemberDetails: [{ Status: "ENABLED" }, { AccountId: W(2) }] });
            assert.deepEqual(
                await detectiveService(detectiveClient, "eu-west-1", GRAPH).listMembers(testRun()),
                [{ accountId: W(2), status: "UNKNOWN" }],
            );
        });

        it("a listing that hands out the same NextToken twice fails, naming the call, instead of looping", async () => {
            organizations.on(ListAccountsCommand).resolves({ Accounts: [], NextToken: "t" });
            macie.on(ListMacieMembers).resolves({ members: [], nextToken: "t" });
            detective.on(ListDetectiveMembers).resolves({ MemberDetails: [], NextToken: "t" });
            await assert.rejects(listOrganizationAccounts(orgClient, testRun()), {
                message: "ListAccounts returned NextToken t twice",
            });
            await assert.rejects(macieService(macieClient, "eu-west-1").listMembers(testRun()), {
                message: "macie2:ListMembers returned NextToken t twice",
            });
            await assert.rejects(
                detectiveService(detectiveClient, "eu-west-1", GRAPH).listMembers(testRun()),
                {
                    message: "detective:ListMembers returned NextToken t twice",
                },
            );
        });

        it("ListGraphs asks for 200 and tolerates an answer without a list", async () => {
            detective.on(ListGraphsCommand).resolves({});
            assert.equal(await detectiveGraphArn(detectiveClient, testRun()), undefined);
            assert.deepEqual(detective.commandCalls(ListGraphsCommand)[0].args[0].input, { MaxResults: 200 });
        });

        it("CreateMembers: an unprocessed account without a reason says so; a clean batch fails no one", async () => {
            detective.on(CreateMembersCommand).resolves({
                Members: [{ AccountId: W(1) }],
                UnprocessedAccounts: [{ AccountId: W(2) }],
            });
            const outcome = await detectiveService(detectiveClient, "eu-west-1", GRAPH).enroll(testRun(), [
                account(W(1)),
                account(W(2)),
            ]);
            assert.deepEqual(outcome, {
                enrolled: [W(1)],
                failed: [{ accountId: W(2), reason: "unprocessed: no reason given" }],
            });
            detective.on(CreateMembersCommand).resolves({ Members: [{ AccountId: W(1) }] });
            assert.deepEqual(
                await detectiveService(detectiveClient, "eu-west-1", GRAPH).enroll(testRun(), [
                    account(W(1)),
                ]),
                { enrolled: [W(1)], failed: [] },
            );
        });

        it("a run throttled into its time limit says which call it was waiting on", async () => {
            const throttled = () => testRun(1_500);
            const stoppedAt = async (work: (run: Run) => Promise<unknown>) => {
                const error = await work(throttled()).then(
                    () => undefined,
                    (e: unknown) => e,
                );
                assert.ok(error instanceof DeadlineReached, String(error));
                return error.message;
            };
            organizations
                .on(ListAccountsCommand)
                .rejects(new TooManyRequestsException({ message: "slow", $metadata: {} }));
            macie.rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: {} }));
            detective.rejects(new DetectiveThrottling({ message: "Rate exceeded", $metadata: {} }));
            const macieRegion = macieService(macieClient, "eu-west-1");
            const detectiveRegion = detectiveService(detectiveClient, "eu-west-1", GRAPH);
            const cases: [string, (run: Run) => Promise<unknown>][] = [
                ["organizations:ListAccounts", (run) => listOrganizationAccounts(orgClient, run)],
                ["macie2:ListMembers", (run) => macieRegion.listMembers(run)],
                ["macie2:CreateMember", (run) => macieRegion.enroll(run, [account(W(1))])],
                ["detective:ListGraphs", (run) => detectiveGraphArn(detectiveClient, run)],
                ["detective:ListMembers", (run) => detectiveRegion.listMembers(run)],
                ["detective:CreateMembers", (run) => detectiveRegion.enroll(run, [account(W(1))])],
            ];
            for (const [scope, work] of cases) {
                assert.equal(
                    await stoppedAt(work),
                    `stopped before the time limit while ${scope} was throttled`,
                );
            }
        });

        it("the run's report keeps where it stopped", async () => {
            const run = testRun(0);
            const report = await runEnrollment(
                {
                    adminAccountId: ADMIN,
                    managementAccountId: MANAGEMENT,
                    regions: { macie: ["eu-west-1"] },
                    quotas: { macie: 10_000, detective: 1_200 },
                },
                {
                    listAccounts: (r) => listOrganizationAccounts(orgClient, r),
                    service: async () => "unused",
                },
                run,
            );
            assert.equal(report.stoppedEarly, true);
            assert.deepEqual(report.results, [], "no region is started without the organization's accounts");
            assert.equal(
                report.stoppedBecause,
                "stopped before the time limit, before organizations:ListAccounts; the next run resumes",
            );
        });
    });

    describe("the run", () => {
        it("stops when exactly no time is left, and names the call it would have made", () => {
            const run = testRun(10_000, 1_000);
            run.clock.now = 9_000;
            assert.throws(() => run.checkDeadline("x:Y"), {
                name: "DeadlineReached",
                message: "stopped before the time limit, before x:Y; the next run resumes",
            });
            assert.throws(() => run.checkDeadline(), {
                message: "stopped before the time limit; the next run resumes",
            });
            run.clock.now = 8_999;
            assert.doesNotThrow(() => run.checkDeadline());
        });

        it("does not start a wait that would end exactly at the limit", async () => {
            const run = testRun(2_000);
            run.clock.now = 1_000;
            let attempts = 0;
            await assert.rejects(
                run.call("x:Y", async () => {
                    attempts++;
                    throw new ThrottlingException({ message: "Rate exceeded", $metadata: {} });
                }),
                { message: "stopped before the time limit while x:Y was throttled" },
            );
            assert.equal(attempts, 1, "a 1,000 ms wait with 1,000 ms left is refused");
        });

        it("counts every attempt, and really waits between them when no sleep is given", async () => {
            const run = new Run({ deadlineMs: Date.now() + 60_000, backoffMs: () => 5 });
            let first = true;
            const started = Date.now();
            const value = await run.call("x:Y", async () => {
                if (first) {
                    first = false;
                    throw new ThrottlingException({ message: "Rate exceeded", $metadata: {} });
                }
                return 42;
            });
            assert.equal(value, 42);
            assert.equal(run.calls, 2);
            assert.equal(run.retries, 1);
            assert.ok(Date.now() - started >= 4, "the retry waited");
            await run.call("x:Z", async () => 1);
            assert.equal(run.calls, 3);
        });

        it("reserve holds time back from every later call until released", () => {
            const run = testRun(10_000);
            run.reserve(4_000);
            assert.equal(run.remainingMs(), 6_000);
            run.clock.now = 6_000;
            assert.throws(() => run.checkDeadline(), { name: "DeadlineReached" });
            run.reserve(0);
            assert.equal(run.remainingMs(), 4_000);
            assert.doesNotThrow(() => run.checkDeadline());
        });

        it("reasonOf: an error's name and message; anything else as text", () => {
            assert.equal(reasonOf(new TypeError("bad")), "TypeError: bad");
            assert.equal(reasonOf("plain text"), "plain text");
            assert.equal(reasonOf({ name: "NotAnError", message: "x" }), "[object Object]");
        });
    });
});
