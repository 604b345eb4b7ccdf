import { strict as assert } from "node:assert";
import {
    CreateNetworkAclEntryCommand,
    DeleteNetworkAclEntryCommand,
    DescribeNetworkAclsCommand,
    EC2Client,
    EC2ServiceException,
    type CreateNetworkAclEntryCommandInput,
    type DeleteNetworkAclEntryCommandInput,
    type DescribeNetworkAclsCommandInput,
    type DescribeNetworkAclsCommandOutput,
    type NetworkAclEntry,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { blockRemoteAddresses, liftBlock, type Block } from "../functions/response/network";
import { blockOptions, memoryLedger } from "./helpers/response-world";
import { testRun } from "./helpers/run";

/*
 * The details test/response-actions.test.ts leaves open: the exact lines of every outcome, the exact input of
 * every EC2 call and their order, the answers EC2 may give with fields missing, and the name each call carries
 * into a deadline message. Names of the quarantine group and its tag are spelled out here, not imported, so a
 * change to them is seen: they are what the member role's policy and the operators' runbooks refer to.
 */

const ATTACKER = "185.220.101.7";
const ATTACKER6 = "2a00:1450:4001:81b::200e";
const ACL = "acl-0123456789abcdef0";
const SUBNET = "subnet-0123456789abcdef0";
const LIMIT = 600_000;

function ec2Error(name: string): EC2ServiceException {
    return new EC2ServiceException({ name, $fault: "client", message: name, $metadata: {} });
}

function newEc2() {
    const ec2 = new EC2Client({ region: "us-east-1" });
    const mock = mockClient(ec2);
    return { ec2, mock };
}

type Ec2Mock = ReturnType<typeof newEc2>["mock"];

/** The commands sent, by name, in order. */
function sent(mock: Ec2Mock): string[] {
    return mock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ""));
}

/** The message Run.checkDeadline gives when no time is left before `scope`. */
function deadline(scope: string) {
    return {
        name: "DeadlineReached",
        message: `stopped before the time limit, before ${scope}; the next run resumes`,
    };
}

/** An ACL with the default allow at 100 and the `*` deny, in both directions, plus `extra`. */
function acl(extra: NetworkAclEntry[] = []): DescribeNetworkAclsCommandOutput {
    const base: NetworkAclEntry[] = [false, true].flatMap((Egress) => [
        { RuleNumber: 100, Protocol: "-1", RuleAction: "allow", Egress, CidrBlock: "0.0.0.0/0" },
        { RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress, CidrBlock: "0.0.0.0/0" },
    ]);
    return { NetworkAcls: [{ NetworkAclId: ACL, Entries: [...base, ...extra] }], $metadata: {} };
}

function entry(
    RuleNumber: number,
    Egress: boolean,
    RuleAction: "allow" | "deny",
    CidrBlock: string,
): NetworkAclEntry {
    return { RuleNumber, Protocol: "-1", RuleAction, Egress, CidrBlock };
}

function creation(
    RuleNumber: number,
    Egress: boolean,
    address: string,
    DryRun = false,
): CreateNetworkAclEntryCommandInput {
    return {
        NetworkAclId: ACL,
        RuleNumber,
        Protocol: "-1",
        RuleAction: "deny",
        Egress,
        ...(address.includes(":") ? { Ipv6CidrBlock: `${address}/128` } : { CidrBlock: `${address}/32` }),
        DryRun,
    };
}

const target = { action: "blockRemoteAddress" as const, addresses: [ATTACKER], subnets: [SUBNET] };

describe("the network response actions, in detail", () => {
    describe("blockRemoteAddresses", () => {
        it("denies IPv4 and IPv6 addresses inbound first, then outbound, and says so line by line", async () => {
            // Catches a wrong or empty direction word, a wrong rule line, or rule numbers not shared by IPv4
            // and IPv6 in one direction (EC2 numbers them together).
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand).resolves(acl());
            mock.on(CreateNetworkAclEntryCommand).resolves({});
            const outcome = await blockRemoteAddresses(
                ec2,
                { ...target, addresses: [ATTACKER, ATTACKER6] },
                blockOptions("act"),
                testRun(),
            );
            assert.deepEqual(outcome, {
                status: "acted",
                details: [
                    `${ACL}: rule 1 denies all traffic inbound from ${ATTACKER}`,
                    `${ACL}: rule 2 denies all traffic inbound from ${ATTACKER6}`,
                    `${ACL}: rule 1 denies all traffic outbound to ${ATTACKER}`,
                    `${ACL}: rule 2 denies all traffic outbound to ${ATTACKER6}`,
                ],
                blocks: [
                    { networkAclId: ACL, ruleNumber: 1, egress: false, cidr: `${ATTACKER}/32` },
                    { networkAclId: ACL, ruleNumber: 2, egress: false, cidr: `${ATTACKER6}/128` },
                    { networkAclId: ACL, ruleNumber: 1, egress: true, cidr: `${ATTACKER}/32` },
                    { networkAclId: ACL, ruleNumber: 2, egress: true, cidr: `${ATTACKER6}/128` },
                ],
            });
            assert.deepEqual(
                mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input),
                [
                    creation(1, false, ATTACKER),
                    creation(2, false, ATTACKER6),
                    creation(1, true, ATTACKER),
                    creation(2, true, ATTACKER6),
                ],
            );
            assert.deepEqual(sent(mock), [
                "DescribeNetworkAcls",
                "CreateNetworkAclEntry",
                "CreateNetworkAclEntry",
                "CreateNetworkAclEntry",
                "CreateNetworkAclEntry",
            ]);
        });

        it("a deny in one direction only leaves the other direction to block", async () => {
            // Catches a check for "already denied" that ignores the direction: an inbound deny does not stop
            // the instance from calling out to the address. The inbound deny at 50 decides before the allow at 100.
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand).resolves(acl([entry(50, false, "deny", `${ATTACKER}/32`)]));
            mock.on(CreateNetworkAclEntryCommand).resolves({});
            const outcome = await blockRemoteAddresses(ec2, target, blockOptions("act"), testRun());
            assert.deepEqual(outcome, {
                status: "acted",
                details: [
                    `${ACL}: inbound from ${ATTACKER} already denied by rule 50 (deny ${ATTACKER}/32, protocol -1) (not the responder's: left as it is, never lifted)`,
                    `${ACL}: rule 1 denies all traffic outbound to ${ATTACKER}`,
                ],
                blocks: [{ networkAclId: ACL, ruleNumber: 1, egress: true, cidr: `${ATTACKER}/32` }],
            });
            assert.deepEqual(
                mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input),
                [creation(1, true, ATTACKER)],
            );
        });

        it("an allow of the address that decides first is reported NOT blocked; a deny of another address is no deny of it", async () => {
            // Catches a deny placed after an allow that matches first (traffic would still flow while the team
            // reads ACTED), and a check that counts a deny of another address as the block in place.
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand).resolves(
                acl([entry(1, false, "allow", `${ATTACKER}/32`), entry(1, true, "deny", "198.51.100.9/32")]),
            );
            mock.on(CreateNetworkAclEntryCommand).resolves({});
            const outcome = await blockRemoteAddresses(ec2, target, blockOptions("act"), testRun());
            assert.deepEqual(outcome, {
                status: "failed",
                details: [
                    `${ACL}: inbound from ${ATTACKER} NOT blocked: rule 1 (allow ${ATTACKER}/32, protocol -1) allows it first and no rule number below it is free in 1-99`,
                    `${ACL}: rule 2 denies all traffic outbound to ${ATTACKER}`,
                ],
                blocks: [{ networkAclId: ACL, ruleNumber: 2, egress: true, cidr: `${ATTACKER}/32` }],
            });
            assert.deepEqual(
                mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input),
                [creation(2, true, ATTACKER)],
            );
        });

        it("the deny goes below the first allow that matches, even one of a wider range, and a partial deny does not count", async () => {
            // Catches the lowest free number chosen without regard to the deciding allow: 1-4 are taken, 5 allows
            // 185.220.0.0/16 (which holds the address) and 3 denies TCP only, so the deny must be at... nowhere:
            // no number below 5 is free. With 4 free it goes to 4.
            const partial = { ...entry(3, false, "deny", `${ATTACKER}/32`), Protocol: "6" };
            const taken = [1, 2, 4].map((n) => entry(n, false, "allow", `10.0.${n}.0/24`));
            const wide = entry(5, false, "allow", "185.220.0.0/16");
            const full = newEc2();
            full.mock.on(DescribeNetworkAclsCommand).resolves(acl([...taken, partial, wide]));
            const refused = await blockRemoteAddresses(
                full.ec2,
                { ...target },
                blockOptions("act"),
                testRun(),
            );
            assert.equal(refused.status, "failed");
            assert.equal(
                refused.details[0],
                `${ACL}: inbound from ${ATTACKER} NOT blocked: rule 5 (allow 185.220.0.0/16, protocol -1) allows it first and no rule number below it is free in 1-99`,
            );
            const room = newEc2();
            room.mock.on(DescribeNetworkAclsCommand).resolves(acl([...taken.slice(0, 2), partial, wide]));
            room.mock.on(CreateNetworkAclEntryCommand).resolves({});
            const placed = await blockRemoteAddresses(room.ec2, target, blockOptions("act"), testRun());
            assert.equal(placed.status, "acted");
            assert.deepEqual(
                room.mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input.RuleNumber),
                [4, 1],
            );
            // IPv6: an IPv4 allow of 0.0.0.0/0 does not match; the IPv6 one at 101 does, so 1 is below it.
            const six = newEc2();
            six.mock.on(DescribeNetworkAclsCommand).resolves(
                acl([
                    {
                        RuleNumber: 101,
                        Protocol: "-1",
                        RuleAction: "allow",
                        Egress: false,
                        Ipv6CidrBlock: "::/0",
                    },
                ]),
            );
            six.mock.on(CreateNetworkAclEntryCommand).resolves({});
            await blockRemoteAddresses(
                six.ec2,
                { ...target, addresses: [ATTACKER6] },
                blockOptions("act"),
                testRun(),
            );
            assert.deepEqual(
                six.mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input.RuleNumber),
                [1, 1],
            );
        });

        it("uses rule 99, the last responder number, when 1-98 are taken", async () => {
            // Catches an off-by-one in the "no free rule number" bound.
            const { ec2, mock } = newEc2();
            const taken = Array.from({ length: 98 }, (_, i) =>
                entry(i + 1, false, "allow", `10.0.${i}.0/24`),
            );
            mock.on(DescribeNetworkAclsCommand).resolves(acl(taken));
            mock.on(CreateNetworkAclEntryCommand).resolves({});
            const outcome = await blockRemoteAddresses(ec2, target, blockOptions("act"), testRun());
            assert.deepEqual(outcome, {
                status: "acted",
                details: [
                    `${ACL}: rule 99 denies all traffic inbound from ${ATTACKER}`,
                    `${ACL}: rule 1 denies all traffic outbound to ${ATTACKER}`,
                ],
                blocks: [
                    { networkAclId: ACL, ruleNumber: 99, egress: false, cidr: `${ATTACKER}/32` },
                    { networkAclId: ACL, ruleNumber: 1, egress: true, cidr: `${ATTACKER}/32` },
                ],
            });
            assert.deepEqual(
                mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input),
                [creation(99, false, ATTACKER), creation(1, true, ATTACKER)],
            );
        });

        it("a deny in the responder's numbers is its own only when its record says so; its own is kept again", async () => {
            // Catches any deny in 1-99 adopted as the responder's (a network team's permanent rule, later deleted
            // by the sweep): only a deny its ledger records is kept again, with a new expiry.
            const denies = acl([
                entry(99, false, "deny", `${ATTACKER}/32`),
                entry(1, true, "deny", `${ATTACKER}/32`),
            ]);
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand).resolves(denies);
            const foreign = await blockRemoteAddresses(ec2, target, blockOptions("act"), testRun());
            assert.deepEqual(foreign, {
                status: "already done",
                details: [
                    `${ACL}: inbound from ${ATTACKER} already denied by rule 99 (deny ${ATTACKER}/32, protocol -1) (not the responder's: left as it is, never lifted)`,
                    `${ACL}: outbound to ${ATTACKER} already denied by rule 1 (deny ${ATTACKER}/32, protocol -1) (not the responder's: left as it is, never lifted)`,
                ],
            });
            assert.deepEqual(sent(mock), ["DescribeNetworkAcls"]);
            const own: Block = { networkAclId: ACL, ruleNumber: 99, egress: false, cidr: `${ATTACKER}/32` };
            const ledger = memoryLedger([own]);
            const mine = await blockRemoteAddresses(
                ec2,
                target,
                { mode: "act", ledger: ledger.ledger },
                testRun(),
            );
            assert.deepEqual(mine.blocks, [own]);
            assert.equal(
                mine.details[0],
                `${ACL}: inbound from ${ATTACKER} already denied by the responder's rule 99; its expiry starts again`,
            );
            assert.deepEqual(ledger.kept, [own]);
            // In a dry run nothing is kept: nothing will need lifting.
            const dryLedger = memoryLedger([own]);
            const dry = await blockRemoteAddresses(
                ec2,
                target,
                { mode: "dry-run", ledger: dryLedger.ledger },
                testRun(),
            );
            assert.ok(!("blocks" in dry));
            assert.deepEqual(dryLedger.kept, []);
        });

        it("an address denied both ways by someone else's rules is already done, with no blocks key at all", async () => {
            // Catches `blocks: []` in an outcome that created nothing: the caller writes a record per block,
            // and an empty list must not read as "blocks to lift".
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand).resolves(
                acl([entry(50, false, "deny", "185.220.0.0/16"), entry(60, true, "deny", `${ATTACKER}/32`)]),
            );
            const outcome = await blockRemoteAddresses(ec2, target, blockOptions("act"), testRun());
            assert.deepEqual(outcome, {
                status: "already done",
                details: [
                    `${ACL}: inbound from ${ATTACKER} already denied by rule 50 (deny 185.220.0.0/16, protocol -1) (not the responder's: left as it is, never lifted)`,
                    `${ACL}: outbound to ${ATTACKER} already denied by rule 60 (deny ${ATTACKER}/32, protocol -1) (not the responder's: left as it is, never lifted)`,
                ],
            });
            assert.ok(!("blocks" in outcome));
            assert.deepEqual(sent(mock), ["DescribeNetworkAcls"]);
        });

        it("the record is claimed before the entry is made, and forgotten when it could not be made", async () => {
            // Catches a record written after the change (a run stopped between leaves an unrecorded rule), a
            // claim that overwrites (two runs would share a number) and a record left for an entry never made.
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand).resolves(acl());
            const order: string[] = [];
            const ledger = memoryLedger();
            const traced = {
                ...ledger.ledger,
                claim: async (b: Block) => {
                    order.push(`claim ${b.ruleNumber} ${b.egress ? "out" : "in"}`);
                    return ledger.ledger.claim(b);
                },
            };
            mock.on(CreateNetworkAclEntryCommand)
                .callsFakeOnce(() => {
                    order.push("create in");
                    return {};
                })
                .callsFake(() => {
                    order.push("create out");
                    throw ec2Error("NetworkAclEntryLimitExceeded");
                });
            const outcome = await blockRemoteAddresses(
                ec2,
                target,
                { mode: "act", ledger: traced },
                testRun(),
            );
            assert.deepEqual(order, ["claim 1 in", "create in", "claim 1 out", "create out"]);
            assert.deepEqual(ledger.kept, []);
            assert.deepEqual(ledger.forgotten, [
                { networkAclId: ACL, ruleNumber: 1, egress: true, cidr: `${ATTACKER}/32` },
            ]);
            assert.equal(outcome.status, "failed");
            assert.deepEqual(outcome.blocks, [
                { networkAclId: ACL, ruleNumber: 1, egress: false, cidr: `${ATTACKER}/32` },
            ]);
            // The ACL was read again by ID to see whether the entry was made after all: it was not.
            assert.deepEqual(
                mock.commandCalls(DescribeNetworkAclsCommand).map((c) => c.args[0].input),
                [
                    { Filters: [{ Name: "association.subnet-id", Values: [SUBNET] }] },
                    { NetworkAclIds: [ACL] },
                ],
            );
        });

        it("a number another run claimed is stepped over; a create that failed but made the entry is the block", async () => {
            // Catches two overlapping runs taking one number (the second would fail, and forget the first's
            // record), and a lost answer to a create that EC2 carried out being reported NOT blocked.
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand, { NetworkAclIds: [ACL] }).resolves(
                acl([entry(2, true, "deny", `${ATTACKER}/32`)]),
            );
            mock.on(DescribeNetworkAclsCommand, {
                Filters: [{ Name: "association.subnet-id", Values: [SUBNET] }],
            }).resolves(acl());
            mock.on(CreateNetworkAclEntryCommand, { Egress: false }).resolves({});
            mock.on(CreateNetworkAclEntryCommand, { Egress: true }).rejects(ec2Error("InternalError"));
            const ledger = memoryLedger([], [1]);
            const outcome = await blockRemoteAddresses(
                ec2,
                target,
                { mode: "act", ledger: ledger.ledger },
                testRun(),
            );
            assert.equal(outcome.status, "acted");
            assert.deepEqual(
                mock
                    .commandCalls(CreateNetworkAclEntryCommand)
                    .map((c) => [c.args[0].input.Egress, c.args[0].input.RuleNumber]),
                [
                    [false, 2],
                    [true, 2],
                ],
            );
            assert.deepEqual(ledger.forgotten, []);
            assert.deepEqual(
                outcome.blocks?.map((b) => `${b.egress ? "out" : "in"} ${b.ruleNumber}`),
                ["in 2", "out 2"],
            );
        });

        it("is gone only when every subnet is gone: one gone beside one already denied is already done", async () => {
            // The subnets were deleted: nothing is left to block (settled, not retried). One of two gone is not
            // the whole target gone.
            const gone = newEc2();
            gone.mock.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [] });
            const all = await blockRemoteAddresses(
                gone.ec2,
                { ...target, subnets: ["subnet-a", "subnet-b"] },
                blockOptions("act"),
                testRun(),
            );
            assert.equal(all.status, "gone");
            assert.equal(all.details.length, 2);
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand)
                .resolvesOnce({ NetworkAcls: [] })
                .resolves(
                    acl([
                        entry(7, false, "deny", `${ATTACKER}/32`),
                        entry(7, true, "deny", `${ATTACKER}/32`),
                    ]),
                );
            const one = await blockRemoteAddresses(
                ec2,
                { ...target, subnets: ["subnet-a", "subnet-b"] },
                blockOptions("act"),
                testRun(),
            );
            assert.equal(one.status, "already done");
            assert.equal(mock.commandCalls(CreateNetworkAclEntryCommand).length, 0);
        });

        it("a subnet with no network ACL is gone, one without an ID fails, and the next subnets are still blocked", async () => {
            // EC2 may answer without NetworkAcls, with none (the subnet was deleted: every subnet has one ACL),
            // or with one lacking its ID: each must be reported, not crash the action (losing the blocks made)
            // nor pass as success. An ACL without Entries is simply empty.
            const { ec2, mock } = newEc2();
            const subnets = ["subnet-a", "subnet-b", "subnet-c", "subnet-d"];
            mock.on(DescribeNetworkAclsCommand)
                .resolvesOnce({})
                .resolvesOnce({ NetworkAcls: [] })
                .resolvesOnce({ NetworkAcls: [{ Entries: [] }] })
                .resolvesOnce({ NetworkAcls: [{ NetworkAclId: ACL }] });
            mock.on(CreateNetworkAclEntryCommand).resolves({});
            const outcome = await blockRemoteAddresses(
                ec2,
                { ...target, subnets },
                blockOptions("act"),
                testRun(),
            );
            assert.deepEqual(outcome, {
                status: "failed",
                details: [
                    "subnet subnet-a: no network ACL found: the subnet no longer exists",
                    "subnet subnet-b: no network ACL found: the subnet no longer exists",
                    "subnet subnet-c: the network ACL was described without its ID",
                    `${ACL}: rule 1 denies all traffic inbound from ${ATTACKER}`,
                    `${ACL}: rule 1 denies all traffic outbound to ${ATTACKER}`,
                ],
                blocks: [
                    { networkAclId: ACL, ruleNumber: 1, egress: false, cidr: `${ATTACKER}/32` },
                    { networkAclId: ACL, ruleNumber: 1, egress: true, cidr: `${ATTACKER}/32` },
                ],
            });
            assert.deepEqual(
                mock.commandCalls(DescribeNetworkAclsCommand).map((c) => c.args[0].input),
                subnets.map((subnet): DescribeNetworkAclsCommandInput => ({
                    Filters: [{ Name: "association.subnet-id", Values: [subnet] }],
                })),
            );
            assert.deepEqual(
                mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input),
                [creation(1, false, ATTACKER), creation(1, true, ATTACKER)],
            );
        });

        it("in act mode a DryRunOperation answer is a failure, never taken for success", async () => {
            // Catches change() accepting DryRunOperation whatever the mode: an act that EC2 did not carry out
            // would be reported as a block in place.
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand).resolves(acl());
            mock.on(CreateNetworkAclEntryCommand).rejects(ec2Error("DryRunOperation"));
            const outcome = await blockRemoteAddresses(ec2, target, blockOptions("act"), testRun());
            assert.deepEqual(outcome, {
                status: "failed",
                details: [
                    `${ACL}: inbound from ${ATTACKER} NOT blocked: DryRunOperation: DryRunOperation`,
                    `${ACL}: outbound to ${ATTACKER} NOT blocked: DryRunOperation: DryRunOperation`,
                ],
            });
            assert.deepEqual(
                mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input),
                [creation(1, false, ATTACKER), creation(1, true, ATTACKER)],
            );
        });

        it("with no time left, stops before DescribeNetworkAcls and names it", async () => {
            // Catches a call sent with the wrong scope: the deadline message tells the operator where the run
            // stopped.
            const { ec2, mock } = newEc2();
            await assert.rejects(
                blockRemoteAddresses(ec2, target, blockOptions("act"), testRun(0)),
                deadline("ec2:DescribeNetworkAcls"),
            );
            assert.deepEqual(sent(mock), []);
        });

        it("with the time running out after the read, stops the run before CreateNetworkAclEntry", async () => {
            // Catches a deadline recorded as the entry's failure: the run must stop (and its event be retried)
            // rather than report a failed block and carry on.
            const { ec2, mock } = newEc2();
            const run = testRun(LIMIT);
            mock.on(DescribeNetworkAclsCommand).callsFake(() => {
                run.clock.now = LIMIT;
                return acl();
            });
            await assert.rejects(
                blockRemoteAddresses(ec2, target, blockOptions("act"), run),
                deadline("ec2:CreateNetworkAclEntry"),
            );
            assert.deepEqual(sent(mock), ["DescribeNetworkAcls"]);
        });
    });

    describe("liftBlock", () => {
        const mine: Block = { networkAclId: ACL, ruleNumber: 2, egress: false, cidr: `${ATTACKER}/32` };

        it("reads the block's own ACL by ID and deletes the entry of the block's direction", async () => {
            // The outbound rule of the same number comes first in the answer: a lookup by number alone would
            // take it, call the block replaced and leave the inbound deny in place for ever.
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand).resolves({
                NetworkAcls: [
                    {
                        NetworkAclId: ACL,
                        Entries: [
                            entry(2, true, "allow", "10.0.0.0/8"),
                            entry(2, false, "deny", `${ATTACKER}/32`),
                        ],
                    },
                ],
            });
            mock.on(DeleteNetworkAclEntryCommand).resolves({});
            assert.equal(await liftBlock(ec2, mine, testRun()), "lifted");
            assert.deepEqual(
                mock.commandCalls(DescribeNetworkAclsCommand).map((c) => c.args[0].input),
                [{ NetworkAclIds: [ACL] }] satisfies DescribeNetworkAclsCommandInput[],
            );
            assert.deepEqual(
                mock.commandCalls(DeleteNetworkAclEntryCommand).map((c) => c.args[0].input),
                [
                    { NetworkAclId: ACL, RuleNumber: 2, Egress: false },
                ] satisfies DeleteNetworkAclEntryCommandInput[],
            );
            assert.deepEqual(sent(mock), ["DescribeNetworkAcls", "DeleteNetworkAclEntry"]);
        });

        it("lifts an IPv6 block by its Ipv6CidrBlock", async () => {
            const { ec2, mock } = newEc2();
            const v6: Block = { networkAclId: ACL, ruleNumber: 3, egress: true, cidr: `${ATTACKER6}/128` };
            mock.on(DescribeNetworkAclsCommand).resolves({
                NetworkAcls: [
                    {
                        NetworkAclId: ACL,
                        Entries: [
                            {
                                RuleNumber: 3,
                                Protocol: "-1",
                                RuleAction: "deny",
                                Egress: true,
                                Ipv6CidrBlock: `${ATTACKER6}/128`,
                            },
                        ],
                    },
                ],
            });
            mock.on(DeleteNetworkAclEntryCommand).resolves({});
            assert.equal(await liftBlock(ec2, v6, testRun()), "lifted");
            assert.deepEqual(
                mock.commandCalls(DeleteNetworkAclEntryCommand).map((c) => c.args[0].input),
                [{ NetworkAclId: ACL, RuleNumber: 3, Egress: true }],
            );
        });

        it("the same number in the other direction is not the block: gone, nothing deleted", async () => {
            // The responder makes rule 1 in and rule 1 out; if someone removed the inbound one, lifting it must
            // not delete the outbound one in its stead.
            const { ec2, mock } = newEc2();
            mock.on(DescribeNetworkAclsCommand).resolves(acl([entry(2, true, "deny", `${ATTACKER}/32`)]));
            mock.on(DeleteNetworkAclEntryCommand).resolves({});
            assert.equal(await liftBlock(ec2, mine, testRun()), "gone");
            assert.deepEqual(sent(mock), ["DescribeNetworkAcls"]);
        });

        it("a deny of another address, or an allow of the same one, at the block's number is someone else's", async () => {
            // Catches a check that needs both the action and the address changed (`&&`), or ignores the
            // address: either would delete a rule the responder did not make.
            for (const theirs of [
                entry(2, false, "deny", "198.51.100.9/32"),
                entry(2, false, "allow", `${ATTACKER}/32`),
            ]) {
                const { ec2, mock } = newEc2();
                mock.on(DescribeNetworkAclsCommand).resolves(acl([theirs]));
                mock.on(DeleteNetworkAclEntryCommand).resolves({});
                assert.equal(await liftBlock(ec2, mine, testRun()), "replaced", JSON.stringify(theirs));
                assert.deepEqual(sent(mock), ["DescribeNetworkAcls"]);
            }
        });

        it("an answer with no ACL, or an ACL with no entries, means the block is gone", async () => {
            // Catches a crash on the missing fields: the sweep would retry a lift for ever.
            const answers: DescribeNetworkAclsCommandOutput[] = [
                { $metadata: {} },
                { NetworkAcls: [], $metadata: {} },
                { NetworkAcls: [{ NetworkAclId: ACL }], $metadata: {} },
            ];
            for (const answer of answers) {
                const { ec2, mock } = newEc2();
                mock.on(DescribeNetworkAclsCommand).resolves(answer);
                assert.equal(await liftBlock(ec2, mine, testRun()), "gone", JSON.stringify(answer));
                assert.deepEqual(sent(mock), ["DescribeNetworkAcls"]);
            }
        });

        it("a deleted ACL, or an entry deleted between the read and the delete, settles the block", async () => {
            // EC2 API reference, error codes: InvalidNetworkAclID.NotFound and InvalidNetworkAclEntry.NotFound.
            // Thrown, the sweep would keep the record and say FAILED TO LIFT every hour for ever.
            const deleted = newEc2();
            deleted.mock.on(DescribeNetworkAclsCommand).rejects(ec2Error("InvalidNetworkAclID.NotFound"));
            assert.equal(await liftBlock(deleted.ec2, mine, testRun()), "acl gone");
            assert.deepEqual(sent(deleted.mock), ["DescribeNetworkAcls"]);
            for (const [code, expected] of [
                ["InvalidNetworkAclEntry.NotFound", "gone"],
                ["InvalidNetworkAclID.NotFound", "acl gone"],
            ] as const) {
                const { ec2, mock } = newEc2();
                mock.on(DescribeNetworkAclsCommand).resolves(
                    acl([entry(2, false, "deny", `${ATTACKER}/32`)]),
                );
                mock.on(DeleteNetworkAclEntryCommand).rejects(ec2Error(code));
                assert.equal(await liftBlock(ec2, mine, testRun()), expected, code);
            }
            // Any other answer is a failure to lift, tried again at the next sweep.
            for (const code of ["UnauthorizedOperation", "InvalidNetworkAclID.Malformed"]) {
                const { ec2, mock } = newEc2();
                mock.on(DescribeNetworkAclsCommand).resolves(
                    acl([entry(2, false, "deny", `${ATTACKER}/32`)]),
                );
                mock.on(DeleteNetworkAclEntryCommand).rejects(ec2Error(code));
                await assert.rejects(liftBlock(ec2, mine, testRun()), (e: Error) => e.name === code);
            }
        });

        it("names the call it stops before when time runs out: the read, then the delete", async () => {
            const first = newEc2();
            await assert.rejects(liftBlock(first.ec2, mine, testRun(0)), deadline("ec2:DescribeNetworkAcls"));
            assert.deepEqual(sent(first.mock), []);

            const { ec2, mock } = newEc2();
            const run = testRun(LIMIT);
            mock.on(DescribeNetworkAclsCommand).callsFake(() => {
                run.clock.now = LIMIT;
                return acl([entry(2, false, "deny", `${ATTACKER}/32`)]);
            });
            await assert.rejects(liftBlock(ec2, mine, run), deadline("ec2:DeleteNetworkAclEntry"));
            assert.deepEqual(sent(mock), ["DescribeNetworkAcls"]);
        });
    });
});
