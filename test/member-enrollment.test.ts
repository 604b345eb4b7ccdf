import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { mockClient } from "aws-sdk-client-mock";
import {
    CreateMembersCommand,
    DeleteMembersCommand,
    DetectiveClient,
    TooManyRequestsException,
} from "@aws-sdk/client-detective";
import {
    AccessDeniedException as MacieAccessDenied,
    ConflictException as MacieConflict,
    CreateMemberCommand,
    DeleteMemberCommand,
    DisassociateMemberCommand as MacieDisassociateMemberCommand,
    Macie2Client,
    ResourceNotFoundException as MacieNotFound,
    ThrottlingException as MacieThrottling,
} from "@aws-sdk/client-macie2";
import {
    AssociateMemberCommand,
    DisableCommand,
    DisassociateMemberCommand as InspectorDisassociateMemberCommand,
    EnableCommand,
    Inspector2Client,
    ThrottlingException as InspectorThrottling,
} from "@aws-sdk/client-inspector2";
import {
    checkEnrollmentInputs,
    decodeMembers,
    diffMembers,
    encodeMembers,
    enrollMembers,
    MemberEnrollment,
    MemberEnrollmentProvider,
    removeMembers,
    type EnrollmentTarget,
    type MemberAccount,
    type MemberEnrollmentInputs,
    type MemberEnrollmentOutputs,
    type ServiceClients,
} from "../components/member-enrollment";

const ADMIN = "999999999999";
const GRAPH = "arn:aws:detective:eu-west-1:999999999999:graph:0123456789abcdef";
const noWait = { backoffMs: () => 0, sleep: async () => undefined };
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

function accountsOf(count: number, start = 100000000000): MemberAccount[] {
    return Array.from({ length: count }, (_, i) => ({
        id: String(start + i),
        email: `acct${i}@example.com`,
    }));
}

function ids(accounts: MemberAccount[]): string[] {
    return accounts.map((a) => a.id).sort();
}

const detectiveTarget: EnrollmentTarget = {
    service: "detective",
    region: "eu-west-1",
    adminAccountId: ADMIN,
    graphArn: GRAPH,
};
const macieTarget: EnrollmentTarget = { service: "macie", region: "eu-west-1", adminAccountId: ADMIN };
const inspectorTarget: EnrollmentTarget = {
    service: "inspector",
    region: "eu-west-1",
    adminAccountId: ADMIN,
    resourceTypes: ["EC2", "ECR"],
};

function newDetective() {
    const client = new DetectiveClient({ region: "eu-west-1", credentials });
    return { client, mock: mockClient(client) };
}

function newMacie() {
    const client = new Macie2Client({ region: "eu-west-1", credentials });
    return { client, mock: mockClient(client) };
}

function newInspector() {
    const client = new Inspector2Client({ region: "eu-west-1", credentials });
    return { client, mock: mockClient(client) };
}

/** Detective answers CreateMembers as for organization accounts: every requested account ENABLED. */
function enableAll(input: { Accounts?: { AccountId: string | undefined }[] }) {
    return {
        Members: (input.Accounts ?? []).map((a) => ({ AccountId: a.AccountId, Status: "ENABLED" as const })),
        UnprocessedAccounts: [],
    };
}

function throttled(message = "Rate exceeded"): Error {
    return Object.assign(new Error(message), { name: "ThrottlingException" });
}

describe("member enrollment: diffMembers", () => {
    it("ignores order and returns sorted differences", () => {
        assert.deepEqual(diffMembers(["3", "1", "2"], ["2", "3", "1"]), { toAdd: [], toRemove: [] });
        assert.deepEqual(diffMembers(["1", "2", "3"], ["4", "2", "1"]), { toAdd: ["4"], toRemove: ["3"] });
    });

    it("treats duplicates as one account", () => {
        assert.deepEqual(diffMembers(["1", "1"], ["1", "2", "2"]), { toAdd: ["2"], toRemove: [] });
    });
});

describe("member enrollment: Detective", () => {
    it("enrolls 120 accounts in CreateMembers batches of 50, 50 and 20", async () => {
        const { client, mock } = newDetective();
        mock.on(CreateMembersCommand).callsFake(enableAll);
        const accounts = accountsOf(120);

        const result = await enrollMembers(detectiveTarget, accounts, { clients: { detective: client } });

        const calls = mock.commandCalls(CreateMembersCommand);
        assert.deepEqual(
            calls.map((c) => c.args[0].input.Accounts?.length),
            [50, 50, 20],
        );
        for (const call of calls) {
            assert.equal(call.args[0].input.GraphArn, GRAPH);
            assert.equal(call.args[0].input.DisableEmailNotification, true);
        }
        assert.deepEqual(calls[0].args[0].input.Accounts?.[0], {
            AccountId: "100000000000",
            EmailAddress: "acct0@example.com",
        });
        assert.deepEqual(result.enrolled, ids(accounts));
        assert.deepEqual(result.failed, []);
    });

    it("never enrolls the admin account itself", async () => {
        const { client, mock } = newDetective();
        mock.on(CreateMembersCommand).callsFake(enableAll);
        const accounts = [...accountsOf(2), { id: ADMIN, email: "security@example.com" }];

        const result = await enrollMembers(detectiveTarget, accounts, { clients: { detective: client } });

        const sent = mock.commandCalls(CreateMembersCommand).flatMap((c) => c.args[0].input.Accounts ?? []);
        assert.ok(!sent.some((a) => a.AccountId === ADMIN));
        assert.deepEqual(result.enrolled, ["100000000000", "100000000001"]);
    });

    it("reports unprocessed accounts account by account and counts 'already a member' as enrolled", async () => {
        const { client, mock } = newDetective();
        mock.on(CreateMembersCommand).resolves({
            Members: [
                { AccountId: "100000000000", Status: "ENABLED" },
                { AccountId: "100000000003", Status: "VERIFICATION_FAILED" },
            ],
            UnprocessedAccounts: [
                {
                    AccountId: "100000000001",
                    Reason: "The account is already a member of the behavior graph.",
                },
                { AccountId: "100000000002", Reason: "The account is not in the organization." },
            ],
        });

        const result = await enrollMembers(detectiveTarget, accountsOf(4), {
            clients: { detective: client },
        });

        assert.deepEqual(result.enrolled, ["100000000000", "100000000001"]);
        assert.deepEqual(result.failed, [
            { accountId: "100000000002", reason: "The account is not in the organization." },
            { accountId: "100000000003", reason: "VERIFICATION_FAILED" },
        ]);
    });

    it("retries a throttled CreateMembers and then succeeds", async () => {
        const { client, mock } = newDetective();
        mock.on(CreateMembersCommand)
            .rejectsOnce(new TooManyRequestsException({ message: "slow down", $metadata: {} }))
            .rejectsOnce(throttled())
            .callsFake(enableAll);

        const result = await enrollMembers(detectiveTarget, accountsOf(3), {
            clients: { detective: client },
            retry: noWait,
        });

        assert.equal(mock.commandCalls(CreateMembersCommand).length, 3);
        assert.deepEqual(result.enrolled, ids(accountsOf(3)));
        assert.deepEqual(result.failed, []);
    });

    it("fails the whole batch when a call is rejected for good, and goes on with the next batch", async () => {
        const { client, mock } = newDetective();
        mock.on(CreateMembersCommand)
            .rejectsOnce(Object.assign(new Error("no graph"), { name: "ResourceNotFoundException" }))
            .callsFake(enableAll);

        const result = await enrollMembers(detectiveTarget, accountsOf(60), {
            clients: { detective: client },
            retry: noWait,
        });

        assert.equal(result.failed.length, 50);
        assert.equal(result.failed[0].reason, "ResourceNotFoundException: no graph");
        assert.equal(result.enrolled.length, 10);
    });

    it("removes members with DeleteMembers in batches of 50 and treats 'not a member' as removed", async () => {
        const { client, mock } = newDetective();
        mock.on(DeleteMembersCommand).callsFake((input: { AccountIds: string[] }) => ({
            AccountIds: input.AccountIds.filter((id) => id !== "100000000001" && id !== "100000000002"),
            UnprocessedAccounts: [
                { AccountId: "100000000001", Reason: "The account is not a member of the behavior graph." },
                { AccountId: "100000000002", Reason: "Internal error" },
            ],
        }));
        const toRemove = ids(accountsOf(60));

        const result = await removeMembers(detectiveTarget, toRemove, { clients: { detective: client } });

        assert.deepEqual(
            mock.commandCalls(DeleteMembersCommand).map((c) => c.args[0].input.AccountIds?.length),
            [50, 10],
        );
        assert.deepEqual(result.failed, [{ accountId: "100000000002", reason: "Internal error" }]);
        assert.deepEqual(result.enrolled, ["100000000002"]);
    });

    it("refuses to run without the behavior graph ARN", async () => {
        const { client } = newDetective();
        const noGraph: EnrollmentTarget = { ...detectiveTarget, graphArn: undefined };
        await assert.rejects(
            enrollMembers(noGraph, accountsOf(1), { clients: { detective: client } }),
            /needs graphArn/,
        );
    });
});

describe("member enrollment: Macie", () => {
    it("creates one member per call with at most 5 calls in flight", async () => {
        const { client, mock } = newMacie();
        let inFlight = 0;
        let peak = 0;
        mock.on(CreateMemberCommand).callsFake(async (input: { account: { accountId: string } }) => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            await new Promise((resolve) => setTimeout(resolve, 2));
            inFlight--;
            return { arn: `arn:aws:macie2:eu-west-1:${ADMIN}:member/${input.account.accountId}` };
        });
        const accounts = accountsOf(23);

        const result = await enrollMembers(macieTarget, accounts, { clients: { macie: client } });

        assert.equal(mock.commandCalls(CreateMemberCommand).length, 23);
        assert.equal(peak, 5);
        assert.deepEqual(mock.commandCalls(CreateMemberCommand)[0].args[0].input.account, {
            accountId: "100000000000",
            email: "acct0@example.com",
        });
        assert.deepEqual(result.enrolled, ids(accounts));
    });

    it("reports one rejected account, retries throttling and accepts existing members", async () => {
        const { client, mock } = newMacie();
        mock.on(CreateMemberCommand).resolves({ arn: "arn" });
        mock.on(CreateMemberCommand, {
            account: { accountId: "100000000001", email: "acct1@example.com" },
        }).rejects(new MacieAccessDenied({ message: "account is suspended", $metadata: {} }));
        mock.on(CreateMemberCommand, { account: { accountId: "100000000002", email: "acct2@example.com" } })
            .rejectsOnce(new MacieThrottling({ message: "Rate exceeded", $metadata: {} }))
            .resolves({ arn: "arn" });
        mock.on(CreateMemberCommand, {
            account: { accountId: "100000000003", email: "acct3@example.com" },
        }).rejects(new MacieConflict({ message: "The account is already associated", $metadata: {} }));

        const result = await enrollMembers(macieTarget, accountsOf(4), {
            clients: { macie: client },
            retry: noWait,
        });

        assert.deepEqual(result.failed, [
            { accountId: "100000000001", reason: "AccessDeniedException: account is suspended" },
        ]);
        assert.deepEqual(result.enrolled, ["100000000000", "100000000002", "100000000003"]);
        const callsFor = (id: string) =>
            mock.commandCalls(CreateMemberCommand).filter((c) => c.args[0].input.account?.accountId === id)
                .length;
        assert.equal(callsFor("100000000001"), 1, "a non-retryable error is not retried");
        assert.equal(callsFor("100000000002"), 2, "throttling is retried");
    });

    it("removes a member with DisassociateMember then DeleteMember, and a vanished member counts as removed", async () => {
        const { client, mock } = newMacie();
        mock.on(MacieDisassociateMemberCommand).resolves({});
        mock.on(MacieDisassociateMemberCommand, { id: "100000000001" }).rejects(
            new MacieNotFound({ message: "not found", $metadata: {} }),
        );
        mock.on(DeleteMemberCommand).resolves({});

        const result = await removeMembers(macieTarget, ["100000000000", "100000000001"], {
            clients: { macie: client },
        });

        assert.deepEqual(result, { enrolled: [], failed: [] });
        assert.deepEqual(
            mock.calls().map((c) => c.args[0].constructor.name),
            [
                "DisassociateMemberCommand",
                "DisassociateMemberCommand",
                "DeleteMemberCommand",
                "DeleteMemberCommand",
            ],
        );
    });
});

describe("member enrollment: Inspector", () => {
    it("associates each account, then enables scans in batches of 100 with the resource types", async () => {
        const { client, mock } = newInspector();
        mock.on(AssociateMemberCommand).callsFake((input: { accountId: string }) => ({
            accountId: input.accountId,
        }));
        mock.on(EnableCommand).callsFake((input: { accountIds: string[] }) => ({
            accounts: input.accountIds
                .filter((id) => id !== "100000000007" && id !== "100000000008")
                .map((accountId) => ({ accountId, status: "ENABLING" })),
            failedAccounts: [
                { accountId: "100000000007", errorCode: "ALREADY_ENABLED", errorMessage: "already enabled" },
                { accountId: "100000000008", errorCode: "ACCESS_DENIED", errorMessage: "denied" },
            ].filter((f) => input.accountIds.includes(f.accountId)),
        }));
        const accounts = accountsOf(250);

        const result = await enrollMembers(inspectorTarget, accounts, { clients: { inspector: client } });

        assert.equal(mock.commandCalls(AssociateMemberCommand).length, 250);
        const enables = mock.commandCalls(EnableCommand);
        assert.deepEqual(
            enables.map((c) => c.args[0].input.accountIds?.length),
            [100, 100, 50],
        );
        assert.deepEqual(enables[0].args[0].input.resourceTypes, ["EC2", "ECR"]);
        assert.deepEqual(result.failed, [
            { accountId: "100000000008", reason: "Enable: ACCESS_DENIED: denied" },
        ]);
        assert.equal(result.enrolled.length, 249);
        assert.ok(result.enrolled.includes("100000000007"));
    });

    it("does not enable an account whose association failed, and retries throttled associations", async () => {
        const { client, mock } = newInspector();
        mock.on(AssociateMemberCommand).resolves({ accountId: "x" });
        mock.on(AssociateMemberCommand, { accountId: "100000000000" })
            .rejectsOnce(new InspectorThrottling({ message: "slow", $metadata: {} }))
            .resolves({ accountId: "100000000000" });
        mock.on(AssociateMemberCommand, { accountId: "100000000001" }).rejects(
            Object.assign(new Error("bad account"), { name: "ValidationException" }),
        );
        mock.on(EnableCommand).callsFake((input: { accountIds: string[] }) => ({
            accounts: input.accountIds.map((accountId) => ({ accountId, status: "ENABLED" })),
        }));

        const result = await enrollMembers(inspectorTarget, accountsOf(2), {
            clients: { inspector: client },
            retry: noWait,
        });

        assert.deepEqual(mock.commandCalls(EnableCommand)[0].args[0].input.accountIds, ["100000000000"]);
        assert.deepEqual(result, {
            enrolled: ["100000000000"],
            failed: [
                { accountId: "100000000001", reason: "AssociateMember: ValidationException: bad account" },
            ],
        });
    });

    it("disables scans before disassociating, and keeps an account whose scans could not be disabled", async () => {
        const { client, mock } = newInspector();
        mock.on(DisableCommand).callsFake((input: { accountIds: string[] }) => ({
            accounts: input.accountIds
                .filter((id) => id !== "100000000001")
                .map((accountId) => ({ accountId, status: "DISABLING" })),
            failedAccounts: [
                { accountId: "100000000001", errorCode: "ACCESS_DENIED", errorMessage: "denied" },
            ],
        }));
        mock.on(InspectorDisassociateMemberCommand).callsFake((input: { accountId: string }) => ({
            accountId: input.accountId,
        }));

        const result = await removeMembers(inspectorTarget, ["100000000000", "100000000001"], {
            clients: { inspector: client },
        });

        const disable = mock.commandCalls(DisableCommand)[0].args[0].input;
        assert.deepEqual(disable, {
            accountIds: ["100000000000", "100000000001"],
            resourceTypes: ["EC2", "ECR"],
        });
        assert.deepEqual(
            mock.commandCalls(InspectorDisassociateMemberCommand).map((c) => c.args[0].input.accountId),
            ["100000000000"],
        );
        assert.deepEqual(result.enrolled, ["100000000001"]);
        assert.equal(result.failed[0].reason, "Disable: ACCESS_DENIED: denied");
    });
});

describe("member enrollment: provider", () => {
    const A = "111111111111";
    const B = "222222222222";
    const C = "333333333333";
    const D = "444444444444";
    const account = (id: string): MemberAccount => ({ id, email: `${id}@example.com` });

    function providerWith(clients: ServiceClients) {
        const warnings: string[] = [];
        const provider = new MemberEnrollmentProvider({
            clientFactory: () => clients,
            retry: noWait,
            warn: (message) => void warnings.push(message),
        });
        return { provider, warnings };
    }

    function detectiveInputs(accounts: MemberAccount[]): MemberEnrollmentInputs {
        return {
            service: "detective",
            region: "eu-west-1",
            adminAccountId: ADMIN,
            graphArn: GRAPH,
            accounts,
        };
    }

    function detectiveOutputs(enrolled: string[]): MemberEnrollmentOutputs {
        return {
            service: "detective",
            region: "eu-west-1",
            adminAccountId: ADMIN,
            graphArn: GRAPH,
            enrolled,
            failed: [],
            memberCount: enrolled.length,
        };
    }

    describe("check", () => {
        it("names each invalid field", () => {
            const { failures } = checkEnrollmentInputs({
                service: "guardduty",
                region: "Ireland",
                adminAccountId: "12345",
                accounts: [{ id: "12", email: "a@example.com" }],
            });
            assert.deepEqual(
                failures?.map((f) => f.property),
                ["service", "region", "adminAccountId", "accounts[0].id"],
            );
        });

        it("requires the graph ARN for Detective and emails for Macie", () => {
            const detective = checkEnrollmentInputs({
                ...detectiveInputs([account(A)]),
                graphArn: undefined,
            });
            assert.deepEqual(
                detective.failures?.map((f) => f.property),
                ["graphArn"],
            );
            const macie = checkEnrollmentInputs({
                service: "macie",
                region: "eu-west-1",
                adminAccountId: ADMIN,
                accounts: [{ id: A, email: "" }],
            });
            assert.deepEqual(
                macie.failures?.map((f) => f.property),
                ["accounts[0].email"],
            );
        });

        it("rejects unknown Inspector resource types", () => {
            const { failures } = checkEnrollmentInputs({
                service: "inspector",
                region: "eu-west-1",
                adminAccountId: ADMIN,
                accounts: [],
                resourceTypes: ["EC2", "S3"],
            });
            assert.deepEqual(
                failures?.map((f) => f.property),
                ["resourceTypes[1]"],
            );
        });

        it("sorts, deduplicates, drops the admin and keeps only id and email", () => {
            const { inputs, failures } = checkEnrollmentInputs(
                detectiveInputs([
                    { ...account(C), name: "c" } as MemberAccount,
                    account(A),
                    account(ADMIN),
                    account(A),
                ]),
            );
            assert.deepEqual(failures, []);
            assert.deepEqual(inputs?.accounts, [account(A), account(C)]);
        });

        it("takes the encoded member list, normalizes it the same way and keeps it encoded", () => {
            const { inputs, failures } = checkEnrollmentInputs({
                ...detectiveInputs([]),
                accounts: encodeMembers([account(C), account(A), account(ADMIN), account(A)]),
            });
            assert.deepEqual(failures, []);
            assert.equal(inputs?.accounts, encodeMembers([account(A), account(C)]));
            assert.deepEqual(decodeMembers(inputs?.accounts as string), [account(A), account(C)]);
        });

        it("names the encoded line of a bad account and wants emails for Macie", () => {
            const { failures } = checkEnrollmentInputs({
                service: "macie",
                region: "eu-west-1",
                adminAccountId: ADMIN,
                accounts: `${A} a@example.com\n12 b@example.com\n${B}`,
            });
            assert.deepEqual(
                failures?.map((f) => f.property),
                ["accounts[1].id", "accounts[2].email"],
            );
        });

        it("lets unknown values through during preview", () => {
            const unknown = pulumi.runtime.unknownValue;
            const { failures } = checkEnrollmentInputs({
                service: "detective",
                region: unknown,
                adminAccountId: ADMIN,
                graphArn: unknown,
                accounts: unknown,
            });
            assert.deepEqual(failures, []);
        });
    });

    describe("diff", () => {
        const { provider } = providerWith({});

        it("reports no change when only the order of accounts changes", async () => {
            const result = await provider.diff(
                "id",
                detectiveOutputs([A, B, C]),
                detectiveInputs([account(C), account(A), account(B)]),
            );
            assert.deepEqual(result, { changes: false });
        });

        it("reports an in-place change when the account set changes", async () => {
            const result = await provider.diff(
                "id",
                detectiveOutputs([A, B, C]),
                detectiveInputs([account(A), account(B)]),
            );
            assert.deepEqual(result, { changes: true });
        });

        it("retries accounts that failed last time", async () => {
            const olds = { ...detectiveOutputs([A]), failed: [{ accountId: B, reason: "throttled" }] };
            const result = await provider.diff("id", olds, detectiveInputs([account(A), account(B)]));
            assert.equal(result.changes, true);
        });

        it("replaces (delete first) when the region, admin or graph changes", async () => {
            const moved = {
                ...detectiveInputs([account(A)]),
                region: "eu-central-1",
                graphArn: `${GRAPH}-2`,
            };
            const result = await provider.diff("id", detectiveOutputs([A]), moved);
            assert.deepEqual(result, {
                changes: true,
                replaces: ["region", "graphArn"],
                deleteBeforeReplace: true,
            });
        });

        it("reports a change when the accounts are unknown during preview", async () => {
            const news = {
                ...detectiveInputs([]),
                accounts: pulumi.runtime.unknownValue,
            } as unknown as MemberEnrollmentInputs;
            const result = await provider.diff("id", detectiveOutputs([A]), news);
            assert.equal(result.changes, true);
        });
    });

    describe("create, update and delete", () => {
        it("create enrolls everyone, keeps partial failures in outputs and warns about each", async () => {
            const { client, mock } = newDetective();
            mock.on(CreateMembersCommand).resolves({
                Members: [
                    { AccountId: A, Status: "ENABLED" },
                    { AccountId: B, Status: "ENABLED" },
                ],
                UnprocessedAccounts: [{ AccountId: C, Reason: "Account is suspended" }],
            });
            const { provider, warnings } = providerWith({ detective: client });

            const result = await provider.create(detectiveInputs([account(A), account(B), account(C)]));

            assert.equal(result.id, `detective:eu-west-1:${ADMIN}`);
            assert.deepEqual(result.outs, {
                ...detectiveOutputs([A, B]),
                failed: [{ accountId: C, reason: "Account is suspended" }],
            });
            assert.equal(warnings.length, 1);
            assert.match(warnings[0], new RegExp(`account ${C} .*Account is suspended`));
            assert.ok(!JSON.stringify(result.outs).includes("@example.com"), "no emails in the state");
        });

        it("create throws with the first reasons when every account fails", async () => {
            const { client, mock } = newDetective();
            mock.on(CreateMembersCommand).rejects(
                Object.assign(new Error("not the administrator"), { name: "AccessDeniedException" }),
            );
            const { provider } = providerWith({ detective: client });

            await assert.rejects(
                provider.create(detectiveInputs([account(A), account(B)])),
                /failed for every account: 111111111111 \(AccessDeniedException: not the administrator\)/,
            );
        });

        it("update removes only the account that left the organization (Detective)", async () => {
            const { client, mock } = newDetective();
            mock.on(DeleteMembersCommand).callsFake((input: { AccountIds: string[] }) => ({
                AccountIds: input.AccountIds,
            }));
            mock.on(CreateMembersCommand).callsFake(enableAll);
            const { provider } = providerWith({ detective: client });

            const result = await provider.update(
                "id",
                detectiveOutputs([A, B, C]),
                detectiveInputs([account(A), account(B)]),
            );

            assert.equal(mock.commandCalls(CreateMembersCommand).length, 0);
            assert.deepEqual(
                mock.commandCalls(DeleteMembersCommand).map((c) => c.args[0].input.AccountIds),
                [[C]],
            );
            assert.deepEqual(result.outs?.enrolled, [A, B]);
            assert.equal(result.outs?.memberCount, 2);
        });

        it("update removes only the account that left the organization (Macie)", async () => {
            const { client, mock } = newMacie();
            mock.on(MacieDisassociateMemberCommand).resolves({});
            mock.on(DeleteMemberCommand).resolves({});
            const { provider } = providerWith({ macie: client });
            const olds: MemberEnrollmentOutputs = {
                service: "macie",
                region: "eu-west-1",
                adminAccountId: ADMIN,
                enrolled: [A, B, C],
                failed: [],
                memberCount: 3,
            };

            const result = await provider.update("id", olds, {
                service: "macie",
                region: "eu-west-1",
                adminAccountId: ADMIN,
                accounts: [account(A), account(B)],
            });

            assert.equal(mock.commandCalls(CreateMemberCommand).length, 0);
            assert.deepEqual(
                mock.commandCalls(MacieDisassociateMemberCommand).map((c) => c.args[0].input.id),
                [C],
            );
            assert.deepEqual(result.outs?.enrolled, [A, B]);
        });

        it("update adds only new accounts and keeps a failed removal in the enrolled set", async () => {
            const { client, mock } = newDetective();
            mock.on(CreateMembersCommand).callsFake(enableAll);
            mock.on(DeleteMembersCommand).resolves({
                UnprocessedAccounts: [{ AccountId: C, Reason: "Internal error" }],
            });
            const { provider, warnings } = providerWith({ detective: client });

            const result = await provider.update(
                "id",
                detectiveOutputs([A, C]),
                detectiveInputs([account(A), account(D)]),
            );

            assert.deepEqual(
                mock
                    .commandCalls(CreateMembersCommand)
                    .map((c) => c.args[0].input.Accounts?.map((a) => a.AccountId)),
                [[D]],
            );
            assert.deepEqual(result.outs?.enrolled, [A, C, D]);
            assert.deepEqual(result.outs?.failed, [{ accountId: C, reason: "Internal error" }]);
            assert.equal(warnings.length, 1);
        });

        it("update re-enables everyone when Inspector resource types change and disables the dropped type", async () => {
            const { client, mock } = newInspector();
            mock.on(AssociateMemberCommand).callsFake((input: { accountId: string }) => ({
                accountId: input.accountId,
            }));
            mock.on(EnableCommand).callsFake((input: { accountIds: string[] }) => ({
                accounts: input.accountIds.map((accountId) => ({ accountId, status: "ENABLED" })),
            }));
            mock.on(DisableCommand).callsFake((input: { accountIds: string[] }) => ({
                accounts: input.accountIds.map((accountId) => ({ accountId, status: "ENABLED" })),
            }));
            const { provider } = providerWith({ inspector: client });
            const base = { service: "inspector" as const, region: "eu-west-1", adminAccountId: ADMIN };

            const result = await provider.update(
                "id",
                { ...base, resourceTypes: ["EC2", "ECR"], enrolled: [A, B], failed: [], memberCount: 2 },
                { ...base, resourceTypes: ["EC2", "LAMBDA"], accounts: [account(A), account(B)] },
            );

            assert.deepEqual(mock.commandCalls(EnableCommand)[0].args[0].input, {
                accountIds: [A, B],
                resourceTypes: ["EC2", "LAMBDA"],
            });
            assert.deepEqual(mock.commandCalls(DisableCommand)[0].args[0].input, {
                accountIds: [A, B],
                resourceTypes: ["ECR"],
            });
            assert.deepEqual(result.outs?.enrolled, [A, B]);
        });

        it("delete removes every enrolled account", async () => {
            const { client, mock } = newDetective();
            mock.on(DeleteMembersCommand).callsFake((input: { AccountIds: string[] }) => ({
                AccountIds: input.AccountIds,
            }));
            const { provider } = providerWith({ detective: client });

            await provider.delete("id", detectiveOutputs([A, B]));

            assert.deepEqual(mock.commandCalls(DeleteMembersCommand)[0].args[0].input, {
                GraphArn: GRAPH,
                AccountIds: [A, B],
            });
        });

        it("delete throws, naming the accounts, when some cannot be removed", async () => {
            const { client, mock } = newDetective();
            mock.on(DeleteMembersCommand).resolves({
                AccountIds: [A],
                UnprocessedAccounts: [{ AccountId: B, Reason: "Internal error" }],
            });
            const { provider } = providerWith({ detective: client });

            await assert.rejects(
                provider.delete("id", detectiveOutputs([A, B])),
                /222222222222 \(Internal error\)/,
            );
        });
    });
});

describe("member enrollment: the MemberEnrollment resource", function () {
    this.timeout(60_000);

    const registered: pulumi.runtime.MockResourceArgs[] = [];

    before(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push(args);
                    return {
                        id: `${args.name}-id`,
                        state: { ...args.inputs, enrolled: [], failed: [], memberCount: 0 },
                    };
                },
                call: (args) => args.inputs,
            },
            "security-governance",
            "test",
            false,
        );
    });

    function settled<T>(output: pulumi.Output<T>): Promise<T> {
        return new Promise((resolve) => output.apply(resolve));
    }

    it("registers 51 resources (17 regions x 3 services) with one serialized provider", async () => {
        const accounts = accountsOf(1000);
        const services = ["detective", "macie", "inspector"] as const;
        const started = Date.now();
        const resources = Array.from({ length: 51 }, (_, i) => {
            const service = services[i % 3];
            return new MemberEnrollment(`members-${service}-${Math.floor(i / 3)}`, {
                service,
                region: "eu-west-1",
                adminAccountId: ADMIN,
                accounts,
                graphArn: service === "detective" ? GRAPH : undefined,
            });
        });
        await Promise.all(resources.map((r) => settled(r.id)));
        const elapsed = Date.now() - started;
        console.log(
            `        registering 51 MemberEnrollment resources (1,000 accounts each) took ${elapsed} ms`,
        );

        const mine = registered.filter(
            (r) => r.type === "pulumi-nodejs:dynamic/security-governance:MemberEnrollment",
        );
        assert.equal(mine.length, 51);
        const providers = new Set(mine.map((r) => r.inputs.__provider));
        assert.equal(providers.size, 1, "one shared provider, serialized once");
        const text = String([...providers][0]);
        assert.match(text, /require\("@aws-sdk\/client-detective"\)/);
        assert.match(text, /exports\.handler/);
        assert.ok(elapsed < 20_000, `registration took ${elapsed} ms`);
        assert.deepEqual(await settled(resources[0].enrolled), []);
        // One string per resource, not 1,000 objects: emails only where the service needs them.
        const byService = new Map(mine.map((r) => [r.inputs.service as string, r.inputs.accounts]));
        assert.equal(byService.get("detective"), encodeMembers(accounts));
        assert.equal(byService.get("macie"), encodeMembers(accounts));
        assert.equal(byService.get("inspector"), accounts.map((a) => a.id).join("\n"));
    });

    it("the serialized provider runs check and create as the dynamic provider host would", async () => {
        const resource = new MemberEnrollment("members-serialized", {
            service: "detective",
            region: "eu-west-1",
            adminAccountId: ADMIN,
            graphArn: GRAPH,
            accounts: [account("222222222222"), account("111111111111")],
        });
        await settled(resource.id);
        const text = String(registered.find((r) => r.name === "members-serialized")?.inputs.__provider);

        // Stand in for Detective: the serialized code builds its own client, so point it at a local endpoint.
        const requests: { url?: string; body: string }[] = [];
        const server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (chunk: Buffer) => (body += chunk.toString()));
            req.on("end", () => {
                requests.push({ url: req.url, body });
                res.setHeader("content-type", "application/json");
                res.end(JSON.stringify(enableAll(JSON.parse(body) as { Accounts: { AccountId: string }[] })));
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const saved = { ...process.env };
        process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        process.env.AWS_ACCESS_KEY_ID = "test";
        process.env.AWS_SECRET_ACCESS_KEY = "test";
        delete process.env.AWS_PROFILE;
        try {
            // The dynamic provider host loads the text as a CommonJS module and calls `handler()`.
            const module = { exports: {} as { handler: () => MemberEnrollmentProvider } };
            new Function("exports", "require", "module", text)(module.exports, require, module);
            const provider = module.exports.handler();
            const checked = await provider.check(
                {},
                {
                    service: "detective",
                    region: "eu-west-1",
                    adminAccountId: ADMIN,
                    graphArn: GRAPH,
                    accounts: encodeMembers([account("222222222222"), account("111111111111")]),
                },
            );
            const created = await provider.create(checked.inputs as MemberEnrollmentInputs);

            assert.deepEqual(created.outs?.enrolled, ["111111111111", "222222222222"]);
            assert.equal(requests.length, 1);
            assert.equal(requests[0].url, "/graph/members");
            assert.deepEqual(JSON.parse(requests[0].body), {
                GraphArn: GRAPH,
                Accounts: [
                    { AccountId: "111111111111", EmailAddress: "111111111111@example.com" },
                    { AccountId: "222222222222", EmailAddress: "222222222222@example.com" },
                ],
                DisableEmailNotification: true,
            });
        } finally {
            for (const key of [
                "AWS_ENDPOINT_URL",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_PROFILE",
            ]) {
                if (saved[key] === undefined) Reflect.deleteProperty(process.env, key);
                else process.env[key] = saved[key];
            }
            await new Promise((resolve) => server.close(resolve));
        }
    });

    function account(id: string): MemberAccount {
        return { id, email: `${id}@example.com` };
    }
});
