import { strict as assert } from "node:assert";
import {
    CreateNetworkAclEntryCommand,
    DeleteNetworkAclEntryCommand,
    DescribeNetworkAclsCommand,
    EC2Client,
    EC2ServiceException,
    type DescribeNetworkAclsCommandOutput,
    type NetworkAclEntry,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { blockRemoteAddresses, liftBlock, type Block } from "../functions/response/network";
import { blockOptions, memoryLedger } from "./helpers/response-world";
import { testRun } from "./helpers/run";

/*
 * Where a deny goes and when it is the responder's: the entry that decides an address (VPC user guide, "Network
 * ACL rules": lowest number first, first match applies), entries EC2 may describe oddly, numbers other runs
 * claimed, creates whose answer was lost, and the lift's own range. EC2 as an aws-sdk-client-mock instance mock.
 */

const ATTACKER = "185.220.101.7";
const ACL = "acl-0123456789abcdef0";
const SUBNET = "subnet-0123456789abcdef0";
const target = { action: "blockRemoteAddress" as const, addresses: [ATTACKER], subnets: [SUBNET] };
const BY_SUBNET = { Filters: [{ Name: "association.subnet-id", Values: [SUBNET] }] };

const entry = (
    RuleNumber: number | undefined,
    Egress: boolean,
    RuleAction: "allow" | "deny",
    cidr?: string,
) => ({
    ...(RuleNumber === undefined ? {} : { RuleNumber }),
    Protocol: "-1",
    RuleAction,
    Egress,
    ...(cidr === undefined ? {} : { CidrBlock: cidr }),
});
const both = (make: (egress: boolean) => NetworkAclEntry[]) => [...make(false), ...make(true)];
const described = (Entries: NetworkAclEntry[]): DescribeNetworkAclsCommandOutput => ({
    NetworkAcls: [{ NetworkAclId: ACL, Entries }],
    $metadata: {},
});
const ec2Error = (name: string) =>
    new EC2ServiceException({ name, $fault: "client", message: name, $metadata: {} });

function ec2With(entries: NetworkAclEntry[]) {
    const ec2 = new EC2Client({ region: "us-east-1" });
    const mock = mockClient(ec2);
    mock.on(DescribeNetworkAclsCommand).resolves(described(entries));
    mock.on(CreateNetworkAclEntryCommand).resolves({});
    return { ec2, mock };
}
const numbers = (mock: ReturnType<typeof ec2With>["mock"]) =>
    mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input.RuleNumber);

describe("where the responder's deny goes", () => {
    it("an ACL that denies everything already blocks the address: the default rule is named as such", async () => {
        const { ec2, mock } = ec2With(both((e) => [entry(32767, e, "deny", "0.0.0.0/0")]));
        const outcome = await blockRemoteAddresses(ec2, target, blockOptions("act"), testRun());
        assert.equal(outcome.status, "already done");
        assert.equal(
            outcome.details[0],
            `${ACL}: inbound from ${ATTACKER} already denied by rule * (32767, the default) (deny 0.0.0.0/0, protocol -1) (not the responder's: left as it is, never lifted)`,
        );
        assert.deepEqual(numbers(mock), []);
    });

    it("ignores entries without a number, a CIDR or a readable CIDR, and says ? for what an allow lacks", async () => {
        const odd = both((e) => [
            entry(undefined, e, "allow", "0.0.0.0/0"),
            entry(3, e, "allow"),
            entry(4, e, "allow", "not a cidr"),
            { RuleNumber: 5, RuleAction: "allow", Egress: e, CidrBlock: "185.220.0.0/16" },
        ]);
        const { ec2, mock } = ec2With([
            ...odd,
            entry(1, false, "allow", "10.0.0.0/8"),
            entry(2, false, "allow", "10.1.0.0/16"),
        ]);
        const outcome = await blockRemoteAddresses(ec2, target, blockOptions("act"), testRun());
        // Inbound: 1-4 taken, 5 (no protocol given: it may allow anything) decides; nothing free below it.
        assert.equal(
            outcome.details[0],
            `${ACL}: inbound from ${ATTACKER} NOT blocked: rule 5 (allow 185.220.0.0/16, protocol ?) allows it first and no rule number below it is free in 1-99`,
        );
        // Outbound: 3 and 4 taken, 1 free below 5.
        assert.deepEqual(numbers(mock), [1]);
    });

    it("with no entry matching and 1-99 all taken, says no number is free, naming no rule", async () => {
        const taken = Array.from({ length: 99 }, (_, i) => entry(i + 1, false, "allow", `10.0.${i}.0/24`));
        const { ec2 } = ec2With(taken);
        const outcome = await blockRemoteAddresses(ec2, target, blockOptions("act"), testRun());
        assert.equal(
            outcome.details[0],
            `${ACL}: inbound from ${ATTACKER} NOT blocked: no free rule number in 1-99`,
        );
    });

    it("a wider deny at a number its record names is still not the responder's own block of the address", async () => {
        const own: Block = { networkAclId: ACL, ruleNumber: 50, egress: false, cidr: `${ATTACKER}/32` };
        const { ec2 } = ec2With(
            both((e) => [entry(50, e, "deny", "185.220.0.0/16"), entry(100, e, "allow", "0.0.0.0/0")]),
        );
        const ledger = memoryLedger([own]);
        const outcome = await blockRemoteAddresses(
            ec2,
            target,
            { mode: "act", ledger: ledger.ledger },
            testRun(),
        );
        assert.ok(!("blocks" in outcome));
        assert.deepEqual(ledger.kept, []);
        assert.match(outcome.details[0], /already denied by rule 50 .*not the responder's/);
    });

    it("a rehearsal finds its own deny and says its expiry would start again, keeping nothing", async () => {
        const own: Block = { networkAclId: ACL, ruleNumber: 7, egress: false, cidr: `${ATTACKER}/32` };
        const { ec2 } = ec2With([
            entry(7, false, "deny", `${ATTACKER}/32`),
            ...both((e) => [entry(100, e, "allow", "0.0.0.0/0")]),
        ]);
        const ledger = memoryLedger([own]);
        const outcome = await blockRemoteAddresses(
            ec2,
            target,
            { mode: "dry-run", ledger: ledger.ledger },
            testRun(),
        );
        assert.equal(
            outcome.details[0],
            `${ACL}: inbound from ${ATTACKER} already denied by the responder's rule 7; its expiry would start again`,
        );
        assert.deepEqual([ledger.kept, ledger.claimed], [[], []]);
    });

    it("blocks once per ACL when several subnets share it", async () => {
        const { ec2, mock } = ec2With(both((e) => [entry(100, e, "allow", "0.0.0.0/0")]));
        const outcome = await blockRemoteAddresses(
            ec2,
            { ...target, subnets: ["subnet-a", "subnet-b"] },
            blockOptions("act"),
            testRun(),
        );
        assert.equal(outcome.status, "acted");
        assert.deepEqual(numbers(mock), [1, 1]);
    });

    it("a rehearsal whose create is refused neither reads the ACL again nor forgets a record", async () => {
        const { ec2, mock } = ec2With(both((e) => [entry(100, e, "allow", "0.0.0.0/0")]));
        mock.on(CreateNetworkAclEntryCommand).rejects(ec2Error("UnauthorizedOperation"));
        const ledger = memoryLedger();
        const outcome = await blockRemoteAddresses(
            ec2,
            target,
            { mode: "dry-run", ledger: ledger.ledger },
            testRun(),
        );
        assert.equal(
            outcome.details[0],
            `${ACL}: inbound from ${ATTACKER} NOT blocked: UnauthorizedOperation: UnauthorizedOperation`,
        );
        assert.equal(mock.commandCalls(DescribeNetworkAclsCommand).length, 1);
        assert.deepEqual(ledger.forgotten, []);
    });
});

describe("a create whose outcome is unclear", () => {
    const afterFailure = (now: NetworkAclEntry[] | "no ACL" | "no list") => {
        const { ec2, mock } = ec2With(both((e) => [entry(100, e, "allow", "0.0.0.0/0")]));
        mock.on(DescribeNetworkAclsCommand, { NetworkAclIds: [ACL] }).resolves(
            now === "no ACL" ? { NetworkAcls: [] } : now === "no list" ? {} : described(now),
        );
        mock.on(DescribeNetworkAclsCommand, BY_SUBNET).resolves(
            described(both((e) => [entry(100, e, "allow", "0.0.0.0/0")])),
        );
        mock.on(CreateNetworkAclEntryCommand)
            .rejectsOnce(ec2Error("NetworkAclEntryAlreadyExists"))
            .resolves({});
        return { ec2, mock };
    };

    it("someone else's rule at the number: forgotten, and the next number tried", async () => {
        for (const [name, found] of [
            ["an allow of the address", entry(1, false, "allow", `${ATTACKER}/32`)],
            ["a deny of another address", entry(1, false, "deny", "203.0.113.9/32")],
        ] as const) {
            const { ec2, mock } = afterFailure([found]);
            const ledger = memoryLedger();
            const outcome = await blockRemoteAddresses(
                ec2,
                target,
                { mode: "act", ledger: ledger.ledger },
                testRun(),
            );
            assert.equal(outcome.status, "acted", name);
            assert.deepEqual(numbers(mock), [1, 2, 1], name);
            assert.deepEqual(
                ledger.forgotten.map((b) => b.ruleNumber),
                [1],
                name,
            );
        }
    });

    it("nothing at the number, or no ACL at all, or only the other direction's entry: forgotten and failed", async () => {
        for (const now of [[], "no ACL", "no list", [entry(1, true, "deny", `${ATTACKER}/32`)]] as const) {
            const { ec2 } = afterFailure(typeof now === "string" ? now : [...now]);
            const ledger = memoryLedger();
            const outcome = await blockRemoteAddresses(
                ec2,
                target,
                { mode: "act", ledger: ledger.ledger },
                testRun(),
            );
            assert.equal(outcome.status, "failed");
            assert.equal(
                outcome.details[0],
                `${ACL}: inbound from ${ATTACKER} NOT blocked: NetworkAclEntryAlreadyExists: NetworkAclEntryAlreadyExists`,
            );
            assert.deepEqual(
                ledger.forgotten.map((b) => b.ruleNumber),
                [1],
            );
        }
    });

    it("gives up after five numbers other runs claimed, saying so", async () => {
        const { ec2, mock } = ec2With(both((e) => [entry(100, e, "allow", "0.0.0.0/0")]));
        const ledger = memoryLedger(
            [],
            Array.from({ length: 99 }, (_, i) => i + 1),
        );
        const outcome = await blockRemoteAddresses(
            ec2,
            target,
            { mode: "act", ledger: ledger.ledger },
            testRun(),
        );
        assert.equal(
            outcome.details[0],
            `${ACL}: inbound from ${ATTACKER} NOT blocked: 5 free numbers were taken by others meanwhile`,
        );
        assert.deepEqual(numbers(mock), []);
        // Five numbers tried in each direction, 1 to 5: never a sixth.
        assert.deepEqual(
            ledger.attempted.map((b) => `${b.egress ? "out" : "in"} ${b.ruleNumber}`),
            [1, 2, 3, 4, 5].map((n) => `in ${n}`).concat([1, 2, 3, 4, 5].map((n) => `out ${n}`)),
        );
    });
});

describe("the lift's own range", () => {
    it("never touches a rule numbered outside 1-99, whatever its record says; 1 and 99 are its own", async () => {
        for (const ruleNumber of [0, 100, 150, 32766]) {
            const { ec2, mock } = ec2With([entry(ruleNumber, false, "deny", `${ATTACKER}/32`)]);
            const block = { networkAclId: ACL, ruleNumber, egress: false, cidr: `${ATTACKER}/32` };
            assert.equal(await liftBlock(ec2, block, testRun()), "not the responder's");
            assert.equal(mock.calls().length, 0, String(ruleNumber));
        }
        for (const ruleNumber of [1, 99]) {
            const { ec2, mock } = ec2With([entry(ruleNumber, false, "deny", `${ATTACKER}/32`)]);
            mock.on(DeleteNetworkAclEntryCommand).resolves({});
            const block = { networkAclId: ACL, ruleNumber, egress: false, cidr: `${ATTACKER}/32` };
            assert.equal(await liftBlock(ec2, block, testRun()), "lifted");
        }
    });

    it("leaves a deny of some protocols only at its number: it is not the deny of everything the responder made", async () => {
        const { ec2, mock } = ec2With([{ ...entry(2, false, "deny", `${ATTACKER}/32`), Protocol: "6" }]);
        const block = { networkAclId: ACL, ruleNumber: 2, egress: false, cidr: `${ATTACKER}/32` };
        assert.equal(await liftBlock(ec2, block, testRun()), "replaced");
        assert.equal(mock.commandCalls(DeleteNetworkAclEntryCommand).length, 0);
    });

    it("runs out of time reading the ACL again after a failed create: the run stops there, naming the read", async () => {
        const { ec2, mock } = ec2With(both((e) => [entry(100, e, "allow", "0.0.0.0/0")]));
        const run = testRun(1_000);
        mock.on(CreateNetworkAclEntryCommand).callsFake(() => {
            run.clock.now = 1_000;
            throw ec2Error("InternalError");
        });
        await assert.rejects(blockRemoteAddresses(ec2, target, blockOptions("act"), run), {
            name: "DeadlineReached",
            message: "stopped before the time limit, before ec2:DescribeNetworkAcls; the next run resumes",
        });
    });
});
