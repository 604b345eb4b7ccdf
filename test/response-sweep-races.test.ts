import { strict as assert } from "node:assert";
import { DeleteNetworkAclEntryCommand, DescribeNetworkAclsCommand } from "@aws-sdk/client-ec2";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { sweepExpiredBlocks } from "../functions/response/sweep";
import { MEMBER, PUBLIC_IP } from "./helpers/response";
import { ACL, refused, responderSettings, textBody, world } from "./helpers/response-world";
import { testRun } from "./helpers/run";

/*
 * The sweep beside overlapping runs and forged records: a record read again just before its lift (a
 * recurrence may have pushed its expiry back), a record naming a rule outside the responder's numbers, and the
 * deadline while a record is read. S3 and EC2 as aws-sdk-client-mock instance mocks.
 */

const KEY = `blocks/${MEMBER}/us-east-1/${ACL}-3-in.json`;
const record = (ruleNumber: number, expiresAt: string) => ({
    accountId: MEMBER,
    region: "us-east-1",
    block: { networkAclId: ACL, ruleNumber, egress: false, cidr: `${PUBLIC_IP}/32` },
    findingId: "f-1",
    createdAt: "2026-11-30T10:00:00.000Z",
    expiresAt,
});
const EXPIRED = "2026-12-01T09:00:00.000Z";
const LATER = "2026-12-02T09:00:00.000Z";

function sweepWorld(bodies: unknown[]) {
    const w = world();
    w.mocks.s3
        .on(ListObjectsV2Command)
        .resolves({ Contents: [{ Key: `responses/${KEY}` }], IsTruncated: false });
    const get = w.mocks.s3.on(GetObjectCommand);
    for (const body of bodies) get.resolvesOnce({ Body: textBody(JSON.stringify(body)) });
    w.mocks.s3.on(DeleteObjectCommand).resolves({});
    w.mocks.ec2.on(DescribeNetworkAclsCommand).resolves({
        NetworkAcls: [
            {
                NetworkAclId: ACL,
                Entries: [
                    {
                        RuleNumber: 3,
                        Egress: false,
                        RuleAction: "deny",
                        Protocol: "-1",
                        CidrBlock: `${PUBLIC_IP}/32`,
                    },
                ],
            },
        ],
    });
    w.mocks.ec2.on(DeleteNetworkAclEntryCommand).resolves({});
    return w;
}

describe("the expiry sweep beside overlapping runs", () => {
    it("a block still waiting is read once and left", async () => {
        const w = sweepWorld([record(3, LATER)]);
        assert.deepEqual(await sweepExpiredBlocks(responderSettings(), w.deps, testRun()), {
            lifted: 0,
            waiting: 1,
            failed: 0,
        });
        assert.equal(w.mocks.s3.commandCalls(GetObjectCommand).length, 1);
        assert.deepEqual(w.members, []);
    });

    it("a block whose expiry a recurrence pushed back since the listing is left: nothing lifted, nothing told", async () => {
        const w = sweepWorld([record(3, EXPIRED), record(3, LATER)]);
        assert.deepEqual(await sweepExpiredBlocks(responderSettings(), w.deps, testRun()), {
            lifted: 0,
            waiting: 1,
            failed: 0,
        });
        assert.equal(w.mocks.ec2.commandCalls(DeleteNetworkAclEntryCommand).length, 0);
        assert.equal(w.mocks.s3.commandCalls(DeleteObjectCommand).length, 0);
        assert.deepEqual(w.published(), []);
    });

    it("a record naming a rule outside 1-99 lifts nothing, is dropped, and is told once as a failure", async () => {
        const w = sweepWorld([record(150, EXPIRED), record(150, EXPIRED)]);
        assert.deepEqual(await sweepExpiredBlocks(responderSettings(), w.deps, testRun()), {
            lifted: 0,
            waiting: 0,
            failed: 1,
        });
        assert.equal(w.mocks.ec2.calls().length, 0);
        assert.deepEqual(
            w.mocks.s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key),
            [`responses/${KEY}`],
        );
        const [told] = w.published();
        assert.match(told.Subject ?? "", /^FAILED TO LIFT: /);
        assert.ok(
            (told.Message ?? "").includes(
                `  - expired ${EXPIRED}: ${ACL} rule 150 (inbound, deny ${PUBLIC_IP}/32) not deleted: outside the responder's rule numbers 1-99, so not a rule it made; the record is dropped`,
            ),
        );
    });

    it("runs out of time while reading a record: the sweep stops, naming the read", async () => {
        const w = sweepWorld([]);
        const run = testRun(1_000);
        w.mocks.s3.on(ListObjectsV2Command).callsFake(() => {
            run.clock.now = 1_000;
            return { Contents: [{ Key: `responses/${KEY}` }], IsTruncated: false };
        });
        await assert.rejects(sweepExpiredBlocks(responderSettings(), w.deps, run), refused("s3:GetObject"));
    });
});
