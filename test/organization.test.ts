import assert from "node:assert/strict";
import {
    AccessDeniedException,
    AWSOrganizationsNotInUseException,
    ConcurrentModificationException,
    DescribeOrganizationCommand,
    ListAccountsCommand,
    ListRootsCommand,
    OrganizationsClient,
    TooManyRequestsException,
    type Account,
    type ListAccountsCommandInput,
} from "@aws-sdk/client-organizations";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import {
    DiscoveryError,
    discoverOrganization,
    foreignRuleAccounts,
    type DiscoveryOptions,
} from "../stacks/organization";

const MANAGEMENT = "111111111111";
const SECURITY = "222222222222";
const ROLE = "arn:aws:iam::111111111111:role/SecurityGovernanceDiscovery";
const ORG_ID = "o-exampleorgid";
const NO_WAIT = { backoffMs: (): number => 0, sleep: async (): Promise<void> => undefined };

function account(id: string, state: Account["State"] = "ACTIVE"): Account {
    return { Id: id, Name: `account-${id}`, Email: `aws+${id}@example.com`, State: state, Status: "ACTIVE" };
}

/** Serves `accounts` in pages of 20 with "p<n>" tokens, the way ListAccounts does. */
function servePages(mock: AwsClientStub<OrganizationsClient>, accounts: Account[]): void {
    mock.on(ListAccountsCommand).callsFake((input: ListAccountsCommandInput) => {
        const page = input.NextToken === undefined ? 0 : Number(input.NextToken.slice(1));
        const start = page * 20;
        const end = start + 20;
        return {
            Accounts: accounts.slice(start, end),
            NextToken: end < accounts.length ? `p${page + 1}` : undefined,
        };
    });
}

describe("discoverOrganization", () => {
    let client: OrganizationsClient;
    let mock: AwsClientStub<OrganizationsClient>;

    beforeEach(() => {
        client = new OrganizationsClient({
            region: "us-east-1",
            credentials: { accessKeyId: "AKIATEST", secretAccessKey: "test" },
        });
        mock = mockClient(client);
        mock.on(DescribeOrganizationCommand).resolves({
            Organization: {
                Id: ORG_ID,
                Arn: `arn:aws:organizations::${MANAGEMENT}:organization/${ORG_ID}`,
                MasterAccountId: MANAGEMENT,
            },
        });
        mock.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-ab12", Name: "Root" }] });
    });

    afterEach(() => mock.restore());

    function options(overrides: Partial<DiscoveryOptions> = {}): DiscoveryOptions {
        return {
            managementRoleArn: ROLE,
            region: "us-east-1",
            expectedAccounts: { management: MANAGEMENT, securityAdmin: SECURITY },
            client,
            retry: NO_WAIT,
            ...overrides,
        };
    }

    it("joins every ListAccounts page, sorted by ID, with organization and root", async () => {
        const ids = Array.from({ length: 45 }, (_, i) => String(300000000000 + (44 - i)));
        servePages(mock, [account(SECURITY), ...ids.map((id) => account(id)), account(MANAGEMENT)]);

        const org = await discoverOrganization(options());

        assert.equal(mock.commandCalls(ListAccountsCommand).length, 3);
        assert.deepEqual(
            mock.commandCalls(ListAccountsCommand).map((call) => call.args[0].input),
            [
                { MaxResults: 20, NextToken: undefined },
                { MaxResults: 20, NextToken: "p1" },
                { MaxResults: 20, NextToken: "p2" },
            ],
        );
        assert.equal(org.id, ORG_ID);
        assert.equal(org.arn, `arn:aws:organizations::${MANAGEMENT}:organization/${ORG_ID}`);
        assert.equal(org.managementAccountId, MANAGEMENT);
        assert.equal(org.rootId, "r-ab12");
        assert.deepEqual(
            org.accounts.map((a) => a.id),
            [MANAGEMENT, SECURITY, ...[...ids].sort()],
        );
        assert.deepEqual(org.accounts[0], {
            id: MANAGEMENT,
            name: `account-${MANAGEMENT}`,
            email: `aws+${MANAGEMENT}@example.com`,
        });
    });

    it("retries a throttled ListAccounts call and then succeeds", async () => {
        const accounts = [account(MANAGEMENT), account(SECURITY)];
        mock.on(ListAccountsCommand)
            .rejectsOnce(new TooManyRequestsException({ message: "Rate exceeded", $metadata: {} }))
            .resolves({ Accounts: accounts });

        const org = await discoverOrganization(options());

        assert.equal(mock.commandCalls(ListAccountsCommand).length, 2);
        assert.equal(mock.commandCalls(DescribeOrganizationCommand).length, 1);
        assert.deepEqual(
            org.accounts.map((a) => a.id),
            [MANAGEMENT, SECURITY],
        );
    });

    it("gives up on throttling after retry.maxAttempts and surfaces the AWS error", async () => {
        mock.on(ListAccountsCommand).rejects(
            new TooManyRequestsException({ message: "Rate exceeded", $metadata: {} }),
        );

        await assert.rejects(discoverOrganization(options({ retry: { ...NO_WAIT, maxAttempts: 3 } })), {
            name: "TooManyRequestsException",
        });
        assert.equal(mock.commandCalls(ListAccountsCommand).length, 3);
    });

    it("does not retry errors that are not throttling or transient", async () => {
        mock.on(ListAccountsCommand).rejects(
            new ConcurrentModificationException({ message: "busy", $metadata: { httpStatusCode: 400 } }),
        );

        await assert.rejects(discoverOrganization(options()), (error: unknown) => {
            assert.ok(error instanceof ConcurrentModificationException);
            assert.ok(!(error instanceof DiscoveryError));
            return true;
        });
        assert.equal(mock.commandCalls(ListAccountsCommand).length, 1);
    });

    it("drops accounts whose State is not ACTIVE, preferring State over the deprecated Status", async () => {
        servePages(mock, [
            account(MANAGEMENT),
            account(SECURITY),
            account("333333333333", "SUSPENDED"),
            account("444444444444", "CLOSED"),
            account("555555555555", "PENDING_CLOSURE"),
            // Older responses carry only Status.
            { Id: "666666666666", Name: "status-only", Email: "a@example.com", Status: "ACTIVE" },
            { Id: "777777777777", Name: "suspended", Email: "b@example.com", Status: "SUSPENDED" },
            // State wins when the two disagree.
            {
                Id: "888888888888",
                Name: "closing",
                Email: "c@example.com",
                State: "SUSPENDED",
                Status: "ACTIVE",
            },
            { Id: "999999999999", Name: "neither", Email: "d@example.com" },
        ]);

        const org = await discoverOrganization(options());

        assert.deepEqual(
            org.accounts.map((a) => a.id),
            [MANAGEMENT, SECURITY, "666666666666"],
        );
    });

    for (const [name, make] of [
        [
            "AccessDeniedException",
            (): Error =>
                new AccessDeniedException({ message: "not authorized", $metadata: { httpStatusCode: 403 } }),
        ],
        [
            "AWSOrganizationsNotInUseException",
            (): Error =>
                new AWSOrganizationsNotInUseException({
                    message: "not in an organization",
                    $metadata: { httpStatusCode: 400 },
                }),
        ],
        [
            "AccessDenied",
            // STS's denial of AssumeRole surfaces from send() as a plain error with this name.
            (): Error =>
                Object.assign(new Error("User is not authorized to perform: sts:AssumeRole"), {
                    name: "AccessDenied",
                }),
        ],
    ] as const) {
        it(`turns ${name} into a DiscoveryError naming the role and the permissions`, async () => {
            mock.on(DescribeOrganizationCommand).rejects(make());

            await assert.rejects(discoverOrganization(options()), (error: unknown) => {
                assert.ok(error instanceof DiscoveryError, `expected DiscoveryError, got ${String(error)}`);
                assert.match(error.message, new RegExp(ROLE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
                assert.match(error.message, /DescribeOrganization/);
                assert.match(error.message, new RegExp(name));
                for (const permission of [
                    "organizations:DescribeOrganization",
                    "organizations:ListRoots",
                    "organizations:ListAccounts",
                ]) {
                    assert.ok(error.message.includes(permission), `missing ${permission}: ${error.message}`);
                }
                assert.match(error.message, /assumable from the security account/);
                return true;
            });
            assert.equal(mock.commandCalls(DescribeOrganizationCommand).length, 1);
        });
    }

    it("reports access denied on a later page with the operation that failed", async () => {
        mock.on(ListAccountsCommand)
            .resolvesOnce({ Accounts: [account(MANAGEMENT)], NextToken: "p1" })
            .rejects(new AccessDeniedException({ message: "denied", $metadata: { httpStatusCode: 403 } }));

        await assert.rejects(discoverOrganization(options()), (error: unknown) => {
            assert.ok(error instanceof DiscoveryError);
            assert.match(error.message, /ListAccounts/);
            return true;
        });
    });

    it("fails when the organization's management account is not the configured one", async () => {
        mock.on(DescribeOrganizationCommand).resolves({
            Organization: {
                Id: ORG_ID,
                Arn: "arn:aws:organizations::999999999999:organization/x",
                MasterAccountId: "999999999999",
            },
        });
        servePages(mock, [account(MANAGEMENT), account(SECURITY)]);

        await assert.rejects(discoverOrganization(options()), (error: unknown) => {
            assert.ok(error instanceof DiscoveryError);
            assert.match(error.message, /security-governance:accounts\.management/);
            assert.match(error.message, /111111111111/);
            assert.match(error.message, /999999999999/);
            return true;
        });
        // The mismatch is caught before paying for a full account listing.
        assert.equal(mock.commandCalls(ListAccountsCommand).length, 0);
    });

    it("fails when the security admin account is not in the organization", async () => {
        servePages(mock, [account(MANAGEMENT), account("333333333333")]);

        await assert.rejects(discoverOrganization(options()), (error: unknown) => {
            assert.ok(error instanceof DiscoveryError);
            assert.match(error.message, /security-governance:accounts\.securityAdmin/);
            assert.match(error.message, /222222222222/);
            return true;
        });
    });

    it("fails when the security admin account is suspended", async () => {
        servePages(mock, [account(MANAGEMENT), account(SECURITY, "SUSPENDED")]);

        await assert.rejects(discoverOrganization(options()), (error: unknown) => {
            assert.ok(error instanceof DiscoveryError);
            assert.match(error.message, /security-governance:accounts\.securityAdmin is 222222222222/);
            assert.match(error.message, /not an ACTIVE member/);
            return true;
        });
    });

    it("fails unless ListRoots returns exactly one root", async () => {
        mock.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-ab12" }, { Id: "r-cd34" }] });
        servePages(mock, [account(MANAGEMENT), account(SECURITY)]);

        await assert.rejects(discoverOrganization(options()), (error: unknown) => {
            assert.ok(error instanceof DiscoveryError);
            assert.match(error.message, /exactly one root/);
            assert.match(error.message, /r-ab12, r-cd34/);
            return true;
        });
    });

    it("stops on a NextToken that repeats instead of looping forever", async () => {
        mock.on(ListAccountsCommand).resolves({ Accounts: [account(MANAGEMENT)], NextToken: "same" });

        await assert.rejects(discoverOrganization(options()), (error: unknown) => {
            assert.ok(error instanceof DiscoveryError);
            assert.match(error.message, /same NextToken twice/);
            return true;
        });
        assert.equal(mock.commandCalls(ListAccountsCommand).length, 2);
    });

    it("reads 10,000 accounts in 500 pages quickly and reports progress", async () => {
        const accounts = [account(MANAGEMENT), account(SECURITY)];
        for (let i = 0; accounts.length < 10_000; i++) accounts.push(account(String(500000000000 + i)));
        servePages(mock, accounts);
        const messages: string[] = [];

        const cpuBefore = process.cpuUsage();
        const org = await discoverOrganization(options({ progress: (message) => messages.push(message) }));
        const cpu = process.cpuUsage(cpuBefore);
        const cpuMs = (cpu.user + cpu.system) / 1000;

        assert.equal(org.accounts.length, 10_000);
        assert.equal(mock.commandCalls(ListAccountsCommand).length, 500);
        assert.equal(messages.length, 11);
        assert.equal(messages[3], "discovering organization: 4,000 accounts (200 pages)");
        assert.equal(messages[9], "discovering organization: 10,000 accounts (500 pages)");
        assert.equal(
            messages[10],
            `discovered organization ${ORG_ID}: 10,000 active accounts (10,000 listed, 500 pages)`,
        );
        // Generous against slow CI; a quadratic join or per-page sort of 10,000 accounts would blow it.
        assert.ok(cpuMs < 1000, `took ${cpuMs.toFixed(0)} ms of CPU`);
    });

    it("writes no progress for a small organization unless asked", async () => {
        servePages(mock, [account(MANAGEMENT), account(SECURITY)]);
        const messages: string[] = [];

        await discoverOrganization(options({ progress: (message) => messages.push(message) }));

        assert.deepEqual(messages, []);
    });
});

describe("suppression rules and the organization", () => {
    it("names, per rule, the accountIds that are not ACTIVE accounts of the organization", () => {
        const accounts = [{ id: "111111111111" }, { id: "222222222222" }];
        assert.deepEqual(
            foreignRuleAccounts(
                [
                    { name: "scanner", accountIds: ["111111111111", "999999999999"] },
                    { name: "bastion" },
                    { name: "all-known", accountIds: ["222222222222"] },
                    { name: "typos", accountIds: ["22222222222 ", "333333333333"] },
                ],
                accounts,
            ),
            [
                { rule: "scanner", accountIds: ["999999999999"] },
                { rule: "typos", accountIds: ["22222222222 ", "333333333333"] },
            ],
        );
    });
});
