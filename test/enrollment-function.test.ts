import { strict as assert } from "node:assert";
import {
    CreateMembersCommand,
    DetectiveClient,
    ListGraphsCommand,
    ListMembersCommand as ListDetectiveMembers,
    MemberStatus,
    ValidationException as DetectiveValidation,
    type CreateMembersCommandInput,
    type MemberDetail,
} from "@aws-sdk/client-detective";
import {
    AccessDeniedException,
    ConflictException,
    CreateMemberCommand,
    ListMembersCommand as ListMacieMembers,
    Macie2Client,
    RelationshipStatus,
    ThrottlingException,
    type Member,
} from "@aws-sdk/client-macie2";
import { ListAccountsCommand, OrganizationsClient, type Account } from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import {
    detectiveGraphArn,
    detectiveService,
    listOrganizationAccounts,
    macieService,
} from "../functions/enrollment/adapters";
import { decideEnrollment, type LiveMember, type OrgAccount } from "../functions/enrollment/reconcile";
import { runEnrollment, type EnrollmentSettings } from "../functions/enrollment/run-enrollment";
import { DeadlineReached, Run } from "../functions/shared/run";
import { testRun } from "./helpers/run";

const ADMIN = "222222222222";
const MANAGEMENT = "111111111111";
const GRAPH = `arn:aws:detective:eu-west-1:${ADMIN}:graph:${"a".repeat(32)}`;

function accountId(n: number): string {
    return String(300000000000 + n);
}

function orgAccounts(count: number): OrgAccount[] {
    return [
        { id: MANAGEMENT, email: "management@example.com", state: "ACTIVE" },
        { id: ADMIN, email: "security@example.com", state: "ACTIVE" },
        ...Array.from({ length: count - 2 }, (_, i) => ({
            id: accountId(i),
            email: `workload-${i}@example.com`,
            state: "ACTIVE",
        })),
    ];
}

describe("the enrollment decision", () => {
    const base = {
        service: "detective" as const,
        adminAccountId: ADMIN,
        managementAccountId: MANAGEMENT,
        quota: 1_200,
    };

    it("enrolls every ACTIVE account that is not a member, never the administrator itself", () => {
        const decision = decideEnrollment({ ...base, accounts: orgAccounts(5), members: [] });
        assert.deepEqual(
            decision.enroll.map((a) => a.id),
            [MANAGEMENT, accountId(0), accountId(1), accountId(2)],
        );
        assert.deepEqual(decision.covered, [ADMIN]);
        assert.deepEqual(decision.gaps, []);
    });

    it("counts ENABLED members as covered and enrolls removed ones again", () => {
        const members: LiveMember[] = [
            { accountId: accountId(0), status: "ENABLED" },
            { accountId: accountId(1), status: "VERIFICATION_FAILED" },
        ];
        const decision = decideEnrollment({ ...base, accounts: orgAccounts(4), members });
        assert.deepEqual(decision.covered, [ADMIN, accountId(0)].sort());
        assert.deepEqual(decision.enroll.map((a) => a.id).sort(), [MANAGEMENT, accountId(1)].sort());
    });

    it("names the reason of every account enrolling cannot fix", () => {
        const accounts = [
            ...orgAccounts(6),
            { id: accountId(9), email: "x@example.com", state: "SUSPENDED" },
        ];
        const decision = decideEnrollment({
            ...base,
            accounts,
            members: [
                { accountId: accountId(0), status: "ACCEPTED_BUT_DISABLED", detail: "VOLUME_UNKNOWN" },
                { accountId: accountId(1), status: "VERIFICATION_IN_PROGRESS" },
            ],
        });
        assert.deepEqual(decision.gaps, [
            {
                accountId: accountId(0),
                reason: "ACCEPTED_BUT_DISABLED: enabled but not contributing data: its data volume is unknown, usually because GuardDuty is not enabled in it",
            },
            {
                accountId: accountId(1),
                reason: "VERIFICATION_IN_PROGRESS: Detective is verifying that the account belongs to the organization",
            },
            { accountId: accountId(9), reason: "the account is SUSPENDED, not ACTIVE" },
        ]);
        const macie = decideEnrollment({
            ...base,
            service: "macie",
            quota: 10_000,
            accounts: orgAccounts(3),
            members: [{ accountId: accountId(0), status: "Paused" }],
        });
        assert.deepEqual(macie.gaps, [
            {
                accountId: accountId(0),
                reason: "Paused: Macie is paused (suspended) by the member account itself",
            },
        ]);
        assert.deepEqual(
            decideEnrollment({
                ...base,
                service: "macie",
                accounts: orgAccounts(3),
                members: [{ accountId: accountId(0), status: "Enabled" }],
            }).covered,
            [ADMIN, accountId(0)].sort(),
        );
    });

    it("fills Detective's 1,200 with the management account, then the priority list, then by ID, and names the rest", () => {
        const accounts = orgAccounts(1_302);
        const priority = [accountId(1_299), accountId(1_298)];
        const members = [
            { accountId: accountId(5), status: "ENABLED" },
            // Neither takes a place of its own: the administrator is no member, and a failed verification is
            // enrolled again into its own place.
            { accountId: ADMIN, status: "ENABLED" },
            { accountId: accountId(6), status: "VERIFICATION_FAILED" },
        ];
        const decision = decideEnrollment({ ...base, accounts, members, priority });
        assert.equal(decision.enroll.length, 1_199, "1,200 minus the member already there");
        assert.deepEqual(
            decision.enroll.slice(0, 4).map((a) => a.id),
            [MANAGEMENT, accountId(1_299), accountId(1_298), accountId(0)],
        );
        const beyond = decision.gaps.filter((gap) => gap.reason.startsWith("beyond"));
        // 1,300 candidates (the management account and 1,299 workloads not yet members) for 1,199 places.
        assert.equal(beyond.length, 1_300 - 1_199);
        assert.equal(
            beyond[0].reason,
            "beyond the detective quota of 1200 members per administrator and region",
        );
        assert.ok(!beyond.some((gap) => gap.accountId === MANAGEMENT || priority.includes(gap.accountId)));
    });
});

describe("the enrollment decision, in any input order", () => {
    it("sorts what it reports, enrolls by account ID after the priorities, and counts a repeated account once", () => {
        const accounts = orgAccounts(6).reverse();
        const decision = decideEnrollment({
            service: "macie",
            adminAccountId: ADMIN,
            managementAccountId: MANAGEMENT,
            quota: 10_000,
            accounts: [...accounts, accounts[0]],
            members: [
                { accountId: accountId(3), status: "Enabled" },
                { accountId: accountId(2), status: "Paused" },
                { accountId: accountId(1), status: "AccountSuspended" },
            ],
            priority: [MANAGEMENT, accountId(0)],
        });
        assert.deepEqual(
            decision.enroll.map((a) => a.id),
            [MANAGEMENT, accountId(0)],
        );
        assert.deepEqual(decision.covered, [ADMIN, accountId(3)].sort());
        assert.deepEqual(
            decision.gaps.map((g) => g.accountId),
            [accountId(1), accountId(2)],
        );
        assert.deepEqual(decision.gaps[0], {
            accountId: accountId(1),
            reason: "AccountSuspended: the account is suspended",
        });
    });
});

describe("a run's time and budget", () => {
    it("keeps 30 seconds for the report unless told otherwise", () => {
        const run = new Run({ deadlineMs: 20_000, now: () => 0 });
        assert.equal(run.remainingMs(), -10_000);
        assert.throws(() => run.checkDeadline(), DeadlineReached);
        assert.equal(new Run({ deadlineMs: 40_000, now: () => 0 }).remainingMs(), 10_000);
    });
});

describe("the enrollment adapters, against the real request and response shapes", () => {
    it("lists every organization account, through empty pages, by State before Status", async () => {
        const client = new OrganizationsClient({ region: "us-east-1" });
        const mock = mockClient(client);
        const page = (accounts: Account[], NextToken?: string) => ({ Accounts: accounts, NextToken });
        mock.on(ListAccountsCommand, { NextToken: undefined }).resolves(
            page([{ Id: MANAGEMENT, Email: "m@example.com", State: "ACTIVE", Status: "ACTIVE" }], "t1"),
        );
        mock.on(ListAccountsCommand, { NextToken: "t1" }).resolves(page([], "t2"));
        mock.on(ListAccountsCommand, { NextToken: "t2" }).resolves(
            page([{ Id: ADMIN, Email: "s@example.com", State: "PENDING_CLOSURE", Status: "ACTIVE" }]),
        );
        const accounts = await listOrganizationAccounts(client, testRun());
        assert.deepEqual(accounts, [
            { id: MANAGEMENT, email: "m@example.com", state: "ACTIVE" },
            { id: ADMIN, email: "s@example.com", state: "PENDING_CLOSURE" },
        ]);
        for (const call of mock.commandCalls(ListAccountsCommand))
            assert.equal(call.args[0].input.MaxResults, 20);
    });

    it("reads Macie members of every status, 25 a page, and enrolls one account a call with its e-mail", async () => {
        const client = new Macie2Client({ region: "eu-west-1" });
        const mock = mockClient(client);
        const members: Member[] = Array.from({ length: 30 }, (_, i) => ({
            accountId: accountId(i),
            relationshipStatus: i % 2 === 0 ? RelationshipStatus.Enabled : RelationshipStatus.Removed,
        }));
        mock.on(ListMacieMembers, { nextToken: undefined }).resolves({
            members: members.slice(0, 25),
            nextToken: "n",
        });
        mock.on(ListMacieMembers, { nextToken: "n" }).resolves({ members: members.slice(25), nextToken: "" });
        mock.on(CreateMemberCommand).resolves({ arn: "arn:aws:macie2:eu-west-1:222222222222:member/x" });
        const macie = macieService(client, "eu-west-1");
        const run = testRun();
        const listed = await macie.listMembers(run);
        assert.equal(listed.length, 30);
        assert.deepEqual(listed[1], { accountId: accountId(1), status: "Removed" });
        for (const call of mock.commandCalls(ListMacieMembers)) {
            assert.equal(call.args[0].input.maxResults, 25);
            assert.equal(call.args[0].input.onlyAssociated, "false");
        }
        const outcome = await macie.enroll(run, orgAccounts(4).slice(2));
        assert.deepEqual(outcome, { enrolled: [accountId(0), accountId(1)], failed: [] });
        assert.deepEqual(mock.commandCalls(CreateMemberCommand)[0].args[0].input, {
            account: { accountId: accountId(0), email: "workload-0@example.com" },
        });
    });

    it("retries Macie throttling, and counts a conflict or a denial as NOT enrolled", async () => {
        const client = new Macie2Client({ region: "eu-west-1" });
        const mock = mockClient(client);
        const meta = { $metadata: {} };
        mock.on(CreateMemberCommand, {
            account: { accountId: accountId(0), email: "workload-0@example.com" },
        })
            .rejectsOnce(new ThrottlingException({ message: "Rate exceeded", ...meta }))
            .resolves({});
        mock.on(CreateMemberCommand, {
            account: { accountId: accountId(1), email: "workload-1@example.com" },
        }).rejects(new ConflictException({ message: "The request failed because it conflicts", ...meta }));
        mock.on(CreateMemberCommand, {
            account: { accountId: accountId(2), email: "workload-2@example.com" },
        }).rejects(new AccessDeniedException({ message: "not authorized", ...meta }));
        const run = testRun();
        const outcome = await macieService(client, "eu-west-1").enroll(run, orgAccounts(5).slice(2));
        assert.deepEqual(outcome.enrolled, [accountId(0)]);
        assert.deepEqual(outcome.failed, [
            { accountId: accountId(1), reason: "ConflictException: The request failed because it conflicts" },
            { accountId: accountId(2), reason: "AccessDeniedException: not authorized" },
        ]);
        assert.equal(run.retries, 1);
    });

    it("enrolls Detective members 50 a call and trusts only what the response names", async () => {
        const client = new DetectiveClient({ region: "eu-west-1" });
        const mock = mockClient(client);
        mock.on(ListGraphsCommand).resolves({ GraphList: [{ Arn: GRAPH }] });
        mock.on(CreateMembersCommand).callsFake((input: CreateMembersCommandInput) => {
            const ids = (input.Accounts ?? []).map((a) => a.AccountId ?? "");
            // The response leaves the last account out, and refuses the one before it.
            return {
                Members: ids
                    .slice(0, -2)
                    .map((id): MemberDetail => ({ AccountId: id, Status: MemberStatus.ENABLED })),
                UnprocessedAccounts: [
                    { AccountId: ids[ids.length - 2], Reason: "Account is already a member" },
                ],
            };
        });
        const run = testRun();
        assert.equal(await detectiveGraphArn(client, run), GRAPH);
        const accounts = orgAccounts(122).slice(2);
        const outcome = await detectiveService(client, "eu-west-1", GRAPH).enroll(run, accounts);
        const calls = mock.commandCalls(CreateMembersCommand).map((c) => c.args[0].input);
        assert.deepEqual(
            calls.map((input) => input.Accounts?.length),
            [50, 50, 20],
        );
        assert.ok(
            calls.every((input) => input.GraphArn === GRAPH && input.DisableEmailNotification === true),
        );
        assert.equal(outcome.enrolled.length, 120 - 6);
        assert.deepEqual(
            outcome.failed
                .filter((f) => f.reason === "absent from the CreateMembers response")
                .map((f) => f.accountId),
            [accountId(49), accountId(99), accountId(119)],
        );
        assert.ok(outcome.failed.some((f) => f.reason === "unprocessed: Account is already a member"));
    });

    it("refuses a NextToken it has seen, finds no graph where there is none, and reads every page of Detective members", async () => {
        const organizations = new OrganizationsClient({ region: "us-east-1" });
        mockClient(organizations).on(ListAccountsCommand).resolves({ Accounts: [], NextToken: "again" });
        await assert.rejects(listOrganizationAccounts(organizations, testRun()), /NextToken again twice/);
        const client = new DetectiveClient({ region: "eu-west-1" });
        const mock = mockClient(client);
        mock.on(ListGraphsCommand).resolves({ GraphList: [] });
        assert.equal(await detectiveGraphArn(client, testRun()), undefined);
        mock.on(ListDetectiveMembers, { NextToken: undefined }).resolves({
            MemberDetails: [{ AccountId: accountId(0), Status: MemberStatus.ENABLED }],
            NextToken: "p2",
        });
        mock.on(ListDetectiveMembers, { NextToken: "p2" }).resolves({
            MemberDetails: [
                {
                    AccountId: accountId(1),
                    Status: MemberStatus.ACCEPTED_BUT_DISABLED,
                    DisabledReason: "VOLUME_TOO_HIGH",
                },
            ],
        });
        const members = await detectiveService(client, "eu-west-1", GRAPH).listMembers(testRun());
        assert.deepEqual(members, [
            { accountId: accountId(0), status: "ENABLED" },
            { accountId: accountId(1), status: "ACCEPTED_BUT_DISABLED", detail: "VOLUME_TOO_HIGH" },
        ]);
        for (const call of mock.commandCalls(ListDetectiveMembers)) {
            assert.equal(call.args[0].input.MaxResults, 200);
            assert.equal(call.args[0].input.GraphArn, GRAPH);
        }
    });

    it("sends exactly two Detective batches for 100 accounts", async () => {
        const client = new DetectiveClient({ region: "eu-west-1" });
        const mock = mockClient(client);
        mock.on(CreateMembersCommand).callsFake((input: CreateMembersCommandInput) => ({
            Members: (input.Accounts ?? []).map((a): MemberDetail => ({
                AccountId: a.AccountId,
                Status: MemberStatus.ENABLED,
            })),
        }));
        const outcome = await detectiveService(client, "eu-west-1", GRAPH).enroll(
            testRun(),
            orgAccounts(102).slice(2),
        );
        assert.equal(mock.commandCalls(CreateMembersCommand).length, 2);
        assert.equal(outcome.enrolled.length, 100);
    });

    it("stops at the deadline in the middle of enrolling, rather than recording it as an account's failure", async () => {
        const macie = new Macie2Client({ region: "eu-west-1" });
        mockClient(macie)
            .on(CreateMemberCommand)
            .rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: {} }));
        await assert.rejects(
            macieService(macie, "eu-west-1").enroll(testRun(2_000), orgAccounts(4).slice(2)),
            DeadlineReached,
        );
        const detective = new DetectiveClient({ region: "eu-west-1" });
        mockClient(detective)
            .on(CreateMembersCommand)
            .rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: {} }));
        await assert.rejects(
            detectiveService(detective, "eu-west-1", GRAPH).enroll(testRun(2_000), orgAccounts(4).slice(2)),
            DeadlineReached,
        );
    });

    it("records a refused Detective batch against each of its accounts and goes on", async () => {
        const client = new DetectiveClient({ region: "eu-west-1" });
        const mock = mockClient(client);
        mock.on(CreateMembersCommand)
            .rejectsOnce(new DetectiveValidation({ message: "invalid account", $metadata: {} }))
            .resolves({ Members: [], UnprocessedAccounts: [] });
        const outcome = await detectiveService(client, "eu-west-1", GRAPH).enroll(
            testRun(),
            orgAccounts(62).slice(2),
        );
        assert.equal(
            outcome.failed.filter((f) => f.reason === "ValidationException: invalid account").length,
            50,
        );
        assert.equal(outcome.enrolled.length, 0, "an empty response enrolls no one");
    });
});

describe("an enrollment run", () => {
    const settings: EnrollmentSettings = {
        adminAccountId: ADMIN,
        managementAccountId: MANAGEMENT,
        regions: { macie: ["eu-west-1", "us-east-1"], detective: ["eu-west-1"] },
        quotas: { macie: 10_000, detective: 1_200 },
    };

    /** A Detective graph that remembers its members, so a second run sees what the first did. */
    function statefulDetective(): DetectiveClient {
        const client = new DetectiveClient({ region: "eu-west-1" });
        const mock = mockClient(client);
        const members = new Map<string, MemberDetail>();
        mock.on(ListGraphsCommand).resolves({ GraphList: [{ Arn: GRAPH }] });
        mock.on(ListDetectiveMembers).callsFake(() => ({ MemberDetails: [...members.values()] }));
        mock.on(CreateMembersCommand).callsFake((input: CreateMembersCommandInput) => {
            const created = (input.Accounts ?? []).map((a): MemberDetail => ({
                AccountId: a.AccountId,
                Status: MemberStatus.ENABLED,
            }));
            for (const member of created) members.set(member.AccountId ?? "", member);
            return { Members: created, UnprocessedAccounts: [] };
        });
        return client;
    }

    it("never fails because of single accounts or one unreadable region, and reports each", async () => {
        const accounts = orgAccounts(6);
        const macie = new Macie2Client({ region: "eu-west-1" });
        const macieMock = mockClient(macie);
        macieMock.on(ListMacieMembers).resolves({ members: [] });
        macieMock.on(CreateMemberCommand).resolves({});
        macieMock
            .on(CreateMemberCommand, {
                account: { accountId: accountId(1), email: "workload-1@example.com" },
            })
            .rejects(new ConflictException({ message: "always fails", $metadata: {} }));
        const report = await runEnrollment(
            settings,
            {
                listAccounts: async () => accounts,
                async service(service, region, run) {
                    if (service === "detective") {
                        const client = statefulDetective();
                        return detectiveService(client, region, (await detectiveGraphArn(client, run)) ?? "");
                    }
                    if (region === "us-east-1")
                        throw new AccessDeniedException({ message: "denied", $metadata: {} });
                    return macieService(macie, region);
                },
            },
            testRun(),
        );
        assert.equal(report.stoppedEarly, false);
        const [macieEu, macieUs, detectiveEu] = report.results;
        assert.deepEqual(macieEu.failed, [
            { accountId: accountId(1), reason: "ConflictException: always fails" },
        ]);
        assert.equal(macieEu.enrolled.length, 4);
        assert.equal(macieEu.covered, 5, "the administrator and four enrolled");
        assert.equal(macieUs.error, "AccessDeniedException: denied");
        assert.equal(detectiveEu.covered, 6);
    });

    it("stops cleanly at its time limit and the next run finishes from the live state", async () => {
        const accounts = orgAccounts(1_002);
        const detective = statefulDetective();
        const only = { ...settings, regions: { detective: ["eu-west-1"] } };
        const dependencies = {
            listAccounts: async () => accounts,
            service: async () => detectiveService(detective, "eu-west-1", GRAPH),
        };
        // Each call takes a second on this clock: a 10-second run gets through a few batches only.
        const slow = (limitMs: number) => {
            const run = testRun(limitMs);
            const call = run.call.bind(run);
            run.call = async (scope, fn) => {
                const result = await call(scope, fn);
                run.clock.now += 1_000;
                return result;
            };
            return run;
        };
        const first = await runEnrollment(only, dependencies, slow(10_000));
        assert.equal(first.stoppedEarly, true);
        const second = await runEnrollment(only, dependencies, slow(600_000));
        assert.equal(second.stoppedEarly, false);
        assert.equal(second.results[0].covered, 1_002);
        assert.ok(second.results[0].enrolled.length < 1_000, "the second run enrolled only what was left");
        assert.ok(second.results[0].enrolled.length > 0);
    });

    it("records a region without a graph, and fails when the organization cannot be read at all", async () => {
        const report = await runEnrollment(
            { ...settings, regions: { detective: ["eu-west-1"] } },
            {
                listAccounts: async () => orgAccounts(3),
                service: async () => "no behavior graph in this region yet",
            },
            testRun(),
        );
        assert.deepEqual(report.results, [
            {
                service: "detective",
                region: "eu-west-1",
                covered: 0,
                enrolled: [],
                failed: [],
                gaps: [],
                error: "no behavior graph in this region yet",
            },
        ]);
        await assert.rejects(
            runEnrollment(
                settings,
                {
                    listAccounts: async () => {
                        throw new AccessDeniedException({
                            message: "not a delegated administrator",
                            $metadata: {},
                        });
                    },
                    service: async () => "unused",
                },
                testRun(),
            ),
            /not a delegated administrator/,
        );
    });

    it("refuses to wait past the deadline for a throttled call", async () => {
        const run = testRun(5_000);
        await assert.rejects(
            run.call("macie2:CreateMember", async () => {
                throw new ThrottlingException({ message: "Rate exceeded", $metadata: {} });
            }),
            DeadlineReached,
        );
    });
});
