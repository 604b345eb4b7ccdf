import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    DescribeOrganizationCommand,
    ListAccountsCommand,
    ListRootsCommand,
    OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { discoverOrganization } from "../stacks/organization";
import {
    FixtureError,
    generateOrganization,
    loadOrgFixture,
    mockOrganizationsClient,
} from "../tools/org-fixture";

const IDS = { management: "111111111111", securityAdmin: "222222222222" };
const EXAMPLE = join(__dirname, "fixtures", "org", "example-org.json");
const NO_WAIT = { backoffMs: (): number => 0, sleep: async (): Promise<void> => undefined };

function assertFixtureError(fn: () => unknown, ...fragments: string[]): void {
    assert.throws(fn, (error: unknown) => {
        assert.ok(error instanceof FixtureError, `expected FixtureError, got ${String(error)}`);
        for (const fragment of fragments) {
            assert.ok(error.message.includes(fragment), `"${fragment}" not in: ${error.message}`);
        }
        return true;
    });
}

describe("generateOrganization", () => {
    it("is deterministic", () => {
        assert.deepEqual(generateOrganization(250, IDS), generateOrganization(250, IDS));
    });

    it("makes exactly `count` distinct ACTIVE accounts including the configured two", () => {
        const fixture = generateOrganization(1234, IDS);
        const ids = fixture.accounts.map((account) => account.Id);

        assert.equal(fixture.accounts.length, 1234);
        assert.equal(new Set(ids).size, 1234);
        assert.ok(ids.includes(IDS.management));
        assert.ok(ids.includes(IDS.securityAdmin));
        assert.ok(ids.every((id) => id !== undefined && /^\d{12}$/.test(id)));
        assert.ok(fixture.accounts.every((account) => account.State === "ACTIVE"));
        assert.equal(fixture.managementAccountId, IDS.management);
        assert.match(fixture.organizationId, /^o-[a-z0-9]{10,32}$/);
        assert.match(fixture.rootId, /^r-[0-9a-z]{4,32}$/);
        assert.deepEqual(fixture.accounts[2], {
            Id: "900000000000",
            Arn: `arn:aws:organizations::${IDS.management}:account/${fixture.organizationId}/900000000000`,
            Email: "aws+workload-0001@example.com",
            Name: "workload-0001",
            State: "ACTIVE",
            Status: "ACTIVE",
            JoinedMethod: "CREATED",
            JoinedTimestamp: new Date("2020-01-01T00:00:00Z"),
        });
    });

    it("never derives a workload ID equal to a configured one", () => {
        const ids = { management: "900000000001", securityAdmin: "900000000003" };
        const fixture = generateOrganization(10, ids);
        const accountIds = fixture.accounts.map((account) => account.Id);

        assert.equal(fixture.accounts.length, 10);
        assert.equal(new Set(accountIds).size, 10);
    });

    for (const bad of [1, 0, -5, 2.5, 100_001, Number.NaN]) {
        it(`rejects --accounts ${bad}`, () => {
            assertFixtureError(
                () => generateOrganization(bad, IDS),
                "--accounts",
                String(bad),
                "2 to 100000",
            );
        });
    }

    it("accepts the bounds 2 and 100000", () => {
        assert.equal(generateOrganization(2, IDS).accounts.length, 2);
        assert.equal(generateOrganization(100_000, IDS).accounts.length, 100_000);
    });
});

describe("loadOrgFixture", () => {
    let dir: string;

    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "org-fixture-"));
    });

    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    function write(name: string, content: string): string {
        const path = join(dir, name);
        writeFileSync(path, content);
        return path;
    }

    it("loads the committed example", () => {
        const fixture = loadOrgFixture(EXAMPLE, IDS);

        assert.equal(fixture.organizationId, "o-exampleorgid");
        assert.equal(fixture.rootId, "r-examplerootid");
        assert.equal(fixture.managementAccountId, "111111111111");
        assert.deepEqual(
            fixture.accounts.map((account) => [account.Id, account.State ?? account.Status]),
            [
                ["111111111111", "ACTIVE"],
                ["222222222222", "ACTIVE"],
                ["333333333333", "ACTIVE"],
                ["444444444444", "SUSPENDED"],
                ["555555555555", "ACTIVE"],
            ],
        );
        // Both timestamp formats the CLI prints come back as the same kind of Date the SDK returns.
        assert.deepEqual(fixture.accounts[0].JoinedTimestamp, new Date("2020-01-01T00:00:00Z"));
        assert.deepEqual(fixture.accounts[1].JoinedTimestamp, new Date("2020-01-02T00:00:00Z"));
    });

    it("defaults organization-level fields deterministically", () => {
        const path = write(
            "plain.json",
            JSON.stringify({
                Accounts: [
                    { Id: "111111111111", Email: "a@example.com", Name: "a", Status: "ACTIVE" },
                    { Id: "222222222222", Email: "b@example.com", Name: "b", State: "ACTIVE" },
                ],
            }),
        );

        const fixture = loadOrgFixture(path, IDS);

        assert.equal(fixture.managementAccountId, IDS.management);
        assert.match(fixture.organizationId, /^o-[a-z0-9]{10,32}$/);
        assert.match(fixture.rootId, /^r-[0-9a-z]{4,32}$/);
        assert.deepEqual(loadOrgFixture(path, IDS), fixture);
    });

    it("names --org and the path when the file is missing", () => {
        const path = join(dir, "nope.json");
        assertFixtureError(() => loadOrgFixture(path, IDS), "--org", path, "file not found", '"Accounts"');
    });

    it("names --org and the path when the file cannot be read", () => {
        assertFixtureError(() => loadOrgFixture(dir, IDS), "--org", dir, "cannot read file");
    });

    it("names --org and the path when the file is not JSON", () => {
        const path = write("broken.json", '{ "Accounts": [ ');
        assertFixtureError(() => loadOrgFixture(path, IDS), "--org", path, "not valid JSON");
    });

    it("names the field, the expectation and the bad value when the shape is wrong", () => {
        const accounts = [
            { Id: "111111111111", Email: "a@example.com", Name: "a", State: "ACTIVE" },
            { Id: "222222222222", Email: "b@example.com", Name: "b", State: "ACTIVE" },
            { Id: "333333333333", Email: "c@example.com", Name: "c", State: "ACTIVE" },
            { Id: "12", Email: "d@example.com", Name: "d", State: "ACTIVE" },
        ];
        const path = write("shape.json", JSON.stringify({ Accounts: accounts }));

        assertFixtureError(
            () => loadOrgFixture(path, IDS),
            "--org",
            path,
            'Accounts[3].Id: expected a 12-digit account ID, got "12"',
        );
    });

    for (const [label, content, fragment] of [
        ["a top-level array", "[]", "(top level): expected an object"],
        ["no Accounts", "{}", "Accounts: expected an array of accounts, got nothing"],
        [
            "an unknown State",
            '{"Accounts":[{"Id":"111111111111","Email":"a","Name":"a","State":"GONE"}]}',
            'Accounts[0].State: expected one of ACTIVE, CLOSED, PENDING_ACTIVATION, PENDING_CLOSURE, SUSPENDED, got "GONE"',
        ],
        [
            "neither State nor Status",
            '{"Accounts":[{"Id":"111111111111","Email":"a","Name":"a"}]}',
            "Accounts[0]: expected a State (or the deprecated Status) field",
        ],
        [
            "a numeric Id",
            '{"Accounts":[{"Id":111111111111,"Email":"a","Name":"a","State":"ACTIVE"}]}',
            "Accounts[0].Id: expected a 12-digit account ID, got 111111111111",
        ],
        [
            "a bad OrganizationId",
            '{"OrganizationId":"org-1","Accounts":[]}',
            'OrganizationId: expected an organization ID like o-a1b2c3d4e5, got "org-1"',
        ],
        [
            "a duplicate account",
            '{"Accounts":[{"Id":"111111111111","Email":"a","Name":"a","State":"ACTIVE"},' +
                '{"Id":"111111111111","Email":"b","Name":"b","State":"ACTIVE"}]}',
            'Accounts[1].Id: duplicate account ID "111111111111" (also Accounts[0])',
        ],
    ] as const) {
        it(`rejects ${label}`, () => {
            const path = write("bad.json", content);
            assertFixtureError(() => loadOrgFixture(path, IDS), "--org", path, fragment);
        });
    }
});

describe("mockOrganizationsClient", () => {
    it("returns a new, separately stubbed client each time", async () => {
        const first = mockOrganizationsClient(generateOrganization(2, IDS));
        const second = mockOrganizationsClient(generateOrganization(3, IDS));
        const other = new OrganizationsClient({
            region: "us-east-1",
            credentials: { accessKeyId: "AKIATEST", secretAccessKey: "test" },
        });

        assert.notEqual(first, second);
        assert.ok(first instanceof OrganizationsClient);
        assert.equal((await first.send(new ListAccountsCommand({}))).Accounts?.length, 2);
        assert.equal((await second.send(new ListAccountsCommand({}))).Accounts?.length, 3);
        // The class itself is not stubbed, so a real client would still go to AWS.
        assert.notEqual(other.send, first.send);
    });

    it("answers DescribeOrganization and ListRoots from the fixture", async () => {
        const fixture = loadOrgFixture(EXAMPLE, IDS);
        const client = mockOrganizationsClient(fixture);

        const described = await client.send(new DescribeOrganizationCommand({}));
        const roots = await client.send(new ListRootsCommand({}));

        assert.equal(described.Organization?.Id, "o-exampleorgid");
        assert.equal(described.Organization?.MasterAccountId, "111111111111");
        assert.equal(described.Organization?.MasterAccountEmail, "management@example.com");
        assert.deepEqual(
            roots.Roots?.map((root) => root.Id),
            ["r-examplerootid"],
        );
    });

    it("pages ListAccounts by 20 and honours the request's NextToken and MaxResults", async () => {
        const fixture = generateOrganization(45, IDS);
        const client = mockOrganizationsClient(fixture);

        const first = await client.send(new ListAccountsCommand({ MaxResults: 20 }));
        const second = await client.send(
            new ListAccountsCommand({ MaxResults: 20, NextToken: first.NextToken }),
        );
        const third = await client.send(
            new ListAccountsCommand({ MaxResults: 20, NextToken: second.NextToken }),
        );
        const small = await client.send(new ListAccountsCommand({ MaxResults: 7 }));

        assert.equal(first.Accounts?.length, 20);
        assert.equal(second.Accounts?.length, 20);
        assert.equal(third.Accounts?.length, 5);
        assert.equal(third.NextToken, undefined);
        assert.deepEqual(
            [...(first.Accounts ?? []), ...(second.Accounts ?? []), ...(third.Accounts ?? [])],
            fixture.accounts,
        );
        assert.equal(small.Accounts?.length, 7);
        await assert.rejects(client.send(new ListAccountsCommand({ NextToken: "bogus" })), {
            name: "InvalidInputException",
        });
        await assert.rejects(client.send(new ListAccountsCommand({ MaxResults: 21 })), {
            name: "InvalidInputException",
        });
    });

    it("serves the example to discovery, which drops the suspended account", async () => {
        const org = await discoverOrganization({
            managementRoleArn: "arn:aws:iam::111111111111:role/Discovery",
            region: "us-east-1",
            expectedAccounts: IDS,
            client: mockOrganizationsClient(loadOrgFixture(EXAMPLE, IDS)),
            retry: NO_WAIT,
        });

        assert.deepEqual(
            org.accounts.map((account) => account.id),
            ["111111111111", "222222222222", "333333333333", "555555555555"],
        );
        assert.equal(org.rootId, "r-examplerootid");
    });

    it("feeds discoverOrganization a generated organization of 1000 accounts end to end", async () => {
        const fixture = generateOrganization(1000, IDS);

        const org = await discoverOrganization({
            managementRoleArn: "arn:aws:iam::111111111111:role/Discovery",
            region: "us-east-1",
            expectedAccounts: IDS,
            client: mockOrganizationsClient(fixture),
            retry: NO_WAIT,
        });

        assert.equal(org.accounts.length, 1000);
        assert.equal(org.id, fixture.organizationId);
        assert.equal(org.rootId, fixture.rootId);
        assert.equal(org.managementAccountId, IDS.management);
        assert.deepEqual(
            org.accounts.map((account) => account.id),
            fixture.accounts.map((account) => account.Id).sort(),
        );
    });
});
