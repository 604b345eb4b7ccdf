import { strict as assert } from "node:assert";
import {
    ListAccountsForParentCommand,
    ListOrganizationalUnitsForParentCommand,
    OrganizationsClient,
    ParentNotFoundException,
    type ListAccountsForParentCommandInput,
    type ListOrganizationalUnitsForParentCommandInput,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { accountsUnderOrganizationalUnit } from "../functions/enrollment/adapters";
import { coverageMatrix } from "../functions/coverage/matrix";
import { decideEnrollment, type OrgAccount } from "../functions/enrollment/reconcile";
import {
    runEnrollment,
    type EnrollmentDependencies,
    type EnrollmentSettings,
} from "../functions/enrollment/run-enrollment";
import type { MemberService } from "../functions/enrollment/adapters";
import { DeadlineReached } from "../functions/shared/run";
import { parseStackConfig } from "../stacks/config";
import { coverageExpectation, enrollmentSettingsFor } from "../stacks/coverage";
import { readStackConfigValues } from "../tools/plan-runtime";
import { testRun } from "./helpers/run";

/*
 * Who comes first where Detective's 1,200 members per graph cannot take the organization (accounts, then OUs),
 * and who never comes at all (excludedAccounts): in the decision, through a run, against the Organizations
 * API's real shapes, and in the coverage report.
 */

const ADMIN = "222222222222";
const MANAGEMENT = "111111111111";
const OU_A = "ou-ab12-aaaaaaaa";
const OU_B = "ou-ab12-bbbbbbbb";
const OU_C = "ou-ab12-cccccccc";
const OU_D = "ou-ab12-dddddddd";

function id(n: number): string {
    return String(300000000000 + n);
}

function accounts(count: number): OrgAccount[] {
    return [MANAGEMENT, ADMIN, ...Array.from({ length: count }, (_, i) => id(i))].map((account) => ({
        id: account,
        email: `${account}@example.com`,
        state: "ACTIVE",
    }));
}

/** A service that records what it was asked to enroll, and has no members yet. */
function recordingService(region: string, asked: string[][]): MemberService {
    return {
        region,
        listMembers: async () => [],
        async enroll(_run, wanted) {
            asked.push(wanted.map((a) => a.id));
            return { enrolled: wanted.map((a) => a.id), failed: [] };
        },
    };
}

describe("Detective's priorities by OU, and accounts excluded from a service", () => {
    describe("the OUs' accounts, from Organizations", () => {
        /** OU_A holds two accounts (over two pages, one empty) and OU_B and OU_C; OU_C holds OU_D. */
        function organization() {
            const client = new OrganizationsClient({ region: "us-east-1" });
            const mock = mockClient(client);
            const accountsOf: Record<string, string[][]> = {
                [OU_A]: [[], [id(7), id(3)]],
                [OU_B]: [[id(5)]],
                [OU_C]: [[]],
                [OU_D]: [[id(1), id(3)]],
            };
            const childrenOf: Record<string, string[]> = { [OU_A]: [OU_B, OU_C], [OU_C]: [OU_D, OU_A] };
            mock.on(ListAccountsForParentCommand).callsFake((input: ListAccountsForParentCommandInput) => {
                const pages = accountsOf[input.ParentId ?? ""];
                if (pages === undefined)
                    throw new ParentNotFoundException({
                        message: "We can't find a root or OU",
                        $metadata: {},
                    });
                const index = input.NextToken === undefined ? 0 : Number(input.NextToken);
                return {
                    Accounts: pages[index].map((Id) => ({ Id, Status: "ACTIVE" })),
                    NextToken: index + 1 < pages.length ? String(index + 1) : undefined,
                };
            });
            mock.on(ListOrganizationalUnitsForParentCommand).callsFake(
                (input: ListOrganizationalUnitsForParentCommandInput) => ({
                    OrganizationalUnits: (childrenOf[input.ParentId ?? ""] ?? []).map((Id) => ({ Id })),
                }),
            );
            return { client, mock };
        }

        it("lists every account of the OU and of the OUs nested in it, once each, sorted, 20 a page", async () => {
            const { client, mock } = organization();
            assert.deepEqual(await accountsUnderOrganizationalUnit(client, OU_A, testRun()), [
                id(1),
                id(3),
                id(5),
                id(7),
            ]);
            const listed = mock
                .commandCalls(ListAccountsForParentCommand)
                .map((call) => call.args[0].input as ListAccountsForParentCommandInput);
            // OU_A twice (its two pages), each other OU once: the cycle back to OU_A is not followed.
            assert.deepEqual(
                listed.map((input) => input.ParentId),
                [OU_A, OU_A, OU_B, OU_C, OU_D],
            );
            assert.deepEqual(
                listed.map((input) => input.NextToken),
                [undefined, "1", undefined, undefined, undefined],
            );
            const walked = mock
                .commandCalls(ListOrganizationalUnitsForParentCommand)
                .map((call) => call.args[0].input as ListOrganizationalUnitsForParentCommandInput);
            for (const input of [...listed, ...walked]) assert.equal(input.MaxResults, 20);
            assert.deepEqual(
                walked.map((input) => input.ParentId),
                [OU_A, OU_B, OU_C, OU_D],
            );
        });

        it("skips entries without an ID, and fails naming the OU and the call on a repeated NextToken", async () => {
            const client = new OrganizationsClient({ region: "us-east-1" });
            const mock = mockClient(client);
            mock.on(ListAccountsForParentCommand).resolves({ Accounts: [{ Name: "no id" }, { Id: id(2) }] });
            mock.on(ListOrganizationalUnitsForParentCommand).resolves({
                OrganizationalUnits: [{ Name: "no id" }],
            });
            assert.deepEqual(await accountsUnderOrganizationalUnit(client, OU_A, testRun()), [id(2)]);
            mock.on(ListAccountsForParentCommand).resolves({ Accounts: [], NextToken: "same" });
            await assert.rejects(accountsUnderOrganizationalUnit(client, OU_A, testRun()), (error: Error) =>
                error.message.includes(`ListAccountsForParent ${OU_A}`),
            );
            mock.on(ListAccountsForParentCommand).resolves({ Accounts: [] });
            mock.on(ListOrganizationalUnitsForParentCommand).resolves({
                OrganizationalUnits: [],
                NextToken: "same",
            });
            await assert.rejects(accountsUnderOrganizationalUnit(client, OU_A, testRun()), (error: Error) =>
                error.message.includes(`ListOrganizationalUnitsForParent ${OU_A}`),
            );
        });

        it("fails naming AWS's reason for an OU that does not exist", async () => {
            const { client } = organization();
            await assert.rejects(
                accountsUnderOrganizationalUnit(client, "ou-ab12-zzzzzzzz", testRun()),
                (error: Error) => error.name === "ParentNotFoundException",
            );
        });
    });

    describe("a run", () => {
        const settings: EnrollmentSettings = {
            adminAccountId: ADMIN,
            managementAccountId: MANAGEMENT,
            regions: { detective: ["eu-west-1"] },
            quotas: { macie: 10_000, detective: 5 },
            priority: [id(9)],
            priorityOrganizationalUnits: [OU_B, OU_A],
        };

        function dependencies(asked: string[][], under: EnrollmentDependencies["accountsUnder"]) {
            return {
                listAccounts: async () => accounts(12),
                accountsUnder: under,
                service: async (_service: string, region: string) => recordingService(region, asked),
            };
        }

        it("fills the quota with the management account, the priority accounts, then each OU in turn", async () => {
            const asked: string[][] = [];
            const under = async (ou: string) => (ou === OU_A ? [id(6), id(2), id(4)] : [id(8)]);
            const report = await runEnrollment(settings, dependencies(asked, under), testRun());
            // Quota 5: management, id(9), OU_B's id(8), then OU_A's by ID: id(2), id(4); id(6) is past it.
            assert.deepEqual(asked, [[MANAGEMENT, id(9), id(8), id(2), id(4)]]);
            const [result] = report.results;
            assert.ok(
                result.gaps.some(
                    (g) => g.accountId === id(6) && /beyond the detective quota of 5/.test(g.reason),
                ),
            );
            assert.equal(report.priorityErrors, undefined);
        });

        it("reports the accounts past the quota by account ID, whatever their priority", () => {
            const decision = decideEnrollment({
                service: "detective",
                accounts: accounts(4),
                members: [],
                adminAccountId: ADMIN,
                managementAccountId: MANAGEMENT,
                quota: 1,
                priority: [id(3), id(1)],
            });
            assert.deepEqual(
                decision.enroll.map((a) => a.id),
                [MANAGEMENT],
            );
            assert.deepEqual(
                decision.gaps.map((g) => g.accountId),
                [id(0), id(1), id(2), id(3)],
            );
        });

        it("reports an OU it cannot read, and orders by the rest", async () => {
            const asked: string[][] = [];
            const under = async (ou: string) => {
                if (ou === OU_B) throw new ParentNotFoundException({ message: "no such OU", $metadata: {} });
                return [id(6)];
            };
            const report = await runEnrollment(settings, dependencies(asked, under), testRun());
            assert.deepEqual(report.priorityErrors, [
                { organizationalUnit: OU_B, reason: "ParentNotFoundException: no such OU" },
            ]);
            assert.deepEqual(asked, [[MANAGEMENT, id(9), id(6), id(0), id(1)]]);
        });

        it("says so when it was given OUs but cannot read OUs at all", async () => {
            const asked: string[][] = [];
            const report = await runEnrollment(settings, dependencies(asked, undefined), testRun());
            assert.deepEqual(
                report.priorityErrors?.map((e) => e.organizationalUnit),
                [OU_B, OU_A],
            );
            assert.match(report.priorityErrors?.[0].reason ?? "", /cannot read organizational units/);
            assert.deepEqual(asked, [[MANAGEMENT, id(9), id(0), id(1), id(2)]]);
        });

        it("stops before any region when its time runs out while reading the OUs", async () => {
            const asked: string[][] = [];
            const under = async () => {
                throw new DeadlineReached(
                    "stopped before the time limit, before organizations:ListAccountsForParent",
                );
            };
            const report = await runEnrollment(settings, dependencies(asked, under), testRun());
            assert.equal(report.stoppedEarly, true);
            assert.match(report.stoppedBecause ?? "", /ListAccountsForParent/);
            assert.deepEqual(report.results, []);
            assert.deepEqual(asked, []);
        });

        it("never enrolls an excluded account, and names it; an excluded member stays as it is", async () => {
            const asked: string[][] = [];
            const report = await runEnrollment(
                {
                    ...settings,
                    regions: { macie: ["eu-west-1"], detective: ["eu-west-1"] },
                    quotas: { macie: 10_000, detective: 1_200 },
                    priorityOrganizationalUnits: [],
                    excluded: { detective: [MANAGEMENT, id(1)] },
                },
                dependencies(asked, undefined),
                testRun(),
            );
            const [macie, detective] = report.results;
            assert.ok(asked[0].includes(id(1)) && asked[0].includes(MANAGEMENT), "Macie excludes nobody");
            assert.ok(!asked[1].includes(id(1)) && !asked[1].includes(MANAGEMENT));
            assert.equal(asked[1].length, 11);
            assert.deepEqual(macie.gaps, []);
            assert.deepEqual(detective.gaps, [
                { accountId: MANAGEMENT, reason: "excluded by the stack (detective.excludedAccounts)" },
                { accountId: id(1), reason: "excluded by the stack (detective.excludedAccounts)" },
            ]);
            const still = decideEnrollment({
                service: "detective",
                accounts: accounts(2),
                members: [{ accountId: id(1), status: "ENABLED" }],
                adminAccountId: ADMIN,
                managementAccountId: MANAGEMENT,
                quota: 1_200,
                excluded: [id(1)],
            });
            assert.deepEqual(still.covered, [ADMIN, id(1)].sort(), "only npm run members removes a member");
            assert.deepEqual(
                still.enroll.map((a) => a.id),
                [MANAGEMENT, id(0)],
            );
        });
    });

    describe("from the stack's config", () => {
        const values = {
            ...readStackConfigValues("dev"),
            "security-governance:macie": { excludedAccounts: [id(4)] },
            "security-governance:detective": {
                priorityAccounts: [id(9)],
                priorityOrganizationalUnits: [OU_B, OU_A],
                excludedAccounts: [id(5)],
            },
        };

        it("hands the function the OUs in order and each service's exclusions", () => {
            const enrollment = enrollmentSettingsFor(parseStackConfig(values));
            assert.deepEqual(enrollment.priority, [id(9)]);
            assert.deepEqual(enrollment.priorityOrganizationalUnits, [OU_B, OU_A]);
            assert.deepEqual(enrollment.excluded, { macie: [id(4)], detective: [id(5)] });
            const plain = enrollmentSettingsFor(parseStackConfig(readStackConfigValues("dev")));
            assert.equal("priorityOrganizationalUnits" in plain, false);
            assert.equal("excluded" in plain, false);
        });

        it("excuses an excluded account's gap in the coverage report, in that service only", () => {
            const expectation = coverageExpectation(parseStackConfig(values));
            const report = coverageMatrix({
                accounts: accounts(6),
                expectation,
                generatedAt: "2026-12-01T00:00:00Z",
                readings: [
                    { service: "detective", region: "eu-west-1", observations: [] },
                    { service: "macie", region: "eu-west-1", observations: [] },
                ],
            });
            const gapOf = (service: string, account: string) =>
                report.rows.find((r) => r.service === service)?.gaps.find((g) => g.accountId === account);
            assert.deepEqual(gapOf("detective", id(5)), {
                accountId: id(5),
                reason: "not a member: excluded by the stack (detective.excludedAccounts)",
                excused: true,
            });
            assert.equal(gapOf("detective", id(4))?.excused, undefined);
            assert.equal(gapOf("macie", id(4))?.excused, true);
            assert.equal(gapOf("macie", id(5))?.excused, undefined);
        });
    });
});
