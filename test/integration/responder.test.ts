import { strict as assert } from "node:assert";
import {
    CreateNetworkAclCommand,
    DeleteNetworkAclCommand,
    DescribeNetworkAclsCommand,
    EC2Client,
    ReplaceNetworkAclAssociationCommand,
} from "@aws-sdk/client-ec2";
import { handler } from "../../functions/response/handler";
import { PUBLIC_IP } from "../helpers/response";
import { blockEvent, published } from "./events";
import { CONTEXT as context, SWEEP } from "./runs";
import { aclOf, entries, expire, findingId, inbox, network, records, type Inbox } from "./seed";
import { gatedWorld } from "./gated-world";
import { HOME, type Deployed, type World } from "./world";

/*
 * The responder's real handler, deployed as planned (its settings and role from the plan, the member role from
 * the StackSet's template), against the emulator through AWS_ENDPOINT_URL, each call simulated under those
 * roles first. Each event is one GuardDuty sends for a finding its administrator holds (events.ts). Outcomes are
 * read through the emulator's API: the ACLs, the bucket, the topic's messages.
 */

describe("integration: the responder's network ACL blocks, under its planned roles", function () {
    this.timeout(120_000);
    const opened = gatedWorld();
    let w: World;
    let responder: Deployed;
    let bucket: string;
    let mail: Inbox;
    const member = () => w.workloads[0];

    before(async () => {
        w = opened();
        responder = await w.deploy("responder");
        const settings = responder.settings as { records: { bucket: string }; topicArn: string };
        bucket = settings.records.bucket;
        mail = await inbox(w, settings.topicArn);
    });

    it("a first event acts: both denies in the subnet's ACL, a customer's rule untouched, recorded, told once; a repeat does nothing", async () => {
        const net = await network(w, member(), "10.11");
        const id = findingId("block");
        const event = published(w, blockEvent(member(), id, net));
        const result = await responder.run(() => handler(event, context));
        assert.equal(result.kind, "finding");
        // Read back first, from the administrator's GuardDuty, with the security account's own credentials.
        // The detector's ID is listed once per warm environment (an earlier test may have listed it already).
        const readBack = w.gate.calls.filter((c) => c.service === "GuardDuty" && c.command === "GetFindings");
        assert.deepEqual(
            readBack.map((c) => `${c.principal} ${c.command} ${c.region} ${c.outcome}`),
            [`${responder.roleArn} GetFindings ${HOME} ok`],
        );
        assert.ok(
            w.gate.calls
                .filter((c) => c.service === "GuardDuty")
                .every((c) => c.principal === responder.roleArn && c.outcome === "ok"),
        );
        // Each deny's record is kept before the deny is made: a run stopped in between leaves no unrecorded rule.
        const order = w.gate.calls
            .filter(
                (c) =>
                    c.command === "CreateNetworkAclEntry" ||
                    (c.command === "PutObject" && String(c.input.Key).includes("/blocks/")),
            )
            .map((c) =>
                c.command === "PutObject"
                    ? `record ${String(c.input.Key).replace(/^.*-(\d+-(in|out))\.json$/, "$1")}`
                    : `deny ${String(c.input.RuleNumber)}-${c.input.Egress === true ? "out" : "in"}`,
            );
        assert.deepEqual(order, ["record 1-in", "deny 1-in", "record 1-out", "deny 1-out"]);
        const acl = await aclOf(w, member(), net.subnetId);
        assert.deepEqual(entries(acl.Entries), [
            `in 1 deny ${PUBLIC_IP}/32`,
            "in 50 deny 203.0.113.99/32",
            `out 1 deny ${PUBLIC_IP}/32`,
        ]);
        // The first event of a finding: no done/ record existed, and the role may not list the bucket's keys
        // beyond its own prefixes, so S3's 403-for-missing-keys rule was in force (the gate applies it).
        const lookups = w.gate.calls.filter(
            (c) => c.command === "ListObjectsV2" || c.command === "HeadObject",
        );
        assert.deepEqual(
            lookups.map((c) => `${c.command} ${c.outcome}`),
            ["ListObjectsV2 ok"],
        );
        const kept = await records(w, bucket, "responses/");
        const decision = Object.entries(kept).find(
            ([k]) => k.startsWith(`responses/decisions/`) && k.includes(`/${id}/`),
        );
        assert.ok(decision, "the decision is recorded");
        assert.equal((decision[1].outcome as { status: string }).status, "acted");
        // Done per occurrence: the finding's count and last-seen time name it.
        const occurrence = `1-${String(event.detail.service?.eventLastSeen).replaceAll(":", "_")}`;
        assert.deepEqual(
            Object.keys(kept).filter((k) => k.startsWith(`responses/done/${member()}/${id}/`)),
            [`responses/done/${member()}/${id}/${occurrence}/blockRemoteAddress-act.json`],
        );
        const blocks = Object.keys(kept).filter((k) =>
            k.startsWith(`responses/blocks/${member()}/${HOME}/${net.aclId}-1-`),
        );
        assert.deepEqual(blocks.sort(), [
            `responses/blocks/${member()}/${HOME}/${net.aclId}-1-in.json`,
            `responses/blocks/${member()}/${HOME}/${net.aclId}-1-out.json`,
        ]);
        const told = (await mail.read()).filter((m) => m.message.includes(id));
        assert.deepEqual(
            told.map((m) => m.subject),
            ["ACTED: blockRemoteAddress UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"],
        );

        // The same occurrence delivered again (EventBridge delivers at least once; Lambda retries): a repeat.
        const again = await responder.run(() => handler({ ...event, id: "second-event" }, context));
        assert.equal(again.kind === "finding" && again.decisions[0].repeat, true);
        assert.deepEqual(entries((await aclOf(w, member(), net.subnetId)).Entries).length, 3);
        assert.deepEqual(
            (await mail.read()).filter((m) => m.message.includes(id)),
            [],
        );
    });

    it("dry-run sends every change with DryRun, records no block, and says DRY RUN", async () => {
        const rehearsal = await w.deploy("responder", (s) => {
            (s.remediation as { blockRemoteAddress: { mode: string } }).blockRemoteAddress.mode = "dry-run";
        });
        const net = await network(w, member(), "10.12");
        const id = findingId("block-dry");
        await rehearsal.run(() => handler(published(w, blockEvent(member(), id, net)), context));
        const creates = w.gate.calls.filter((c) => c.command === "CreateNetworkAclEntry");
        assert.equal(creates.length, 2);
        assert.ok(creates.every((c) => c.input.DryRun === true));
        // moto ignores DryRun on network ACL calls and makes the entry (AWS answers DryRunOperation and
        // changes nothing): the ACL itself is not checked here; the mocked tests hold the DryRunOperation path.
        const kept = await records(w, bucket, `responses/blocks/${member()}/${HOME}/${net.aclId}`);
        assert.deepEqual(Object.keys(kept), []);
        const told = (await mail.read()).filter((m) => m.message.includes(id));
        assert.deepEqual(
            told.map((m) => m.subject.split(":")[0]),
            ["DRY RUN"],
        );
    });

    it("the sweep keeps a block until it expires, then lifts only its own rules, forgets it and says so", async () => {
        const net = await network(w, member(), "10.13");
        const id = findingId("sweep");
        await responder.run(() => handler(published(w, blockEvent(member(), id, net)), context));
        await mail.read();
        const before = await responder.run(() => handler(SWEEP, context));
        assert.equal(before.kind, "sweep");
        assert.deepEqual(entries((await aclOf(w, member(), net.subnetId)).Entries).length, 3);
        for (const direction of ["in", "out"])
            await expire(w, bucket, `responses/blocks/${member()}/${HOME}/${net.aclId}-1-${direction}.json`);
        const after = await responder.run(() => handler(SWEEP, context));
        assert.ok(after.kind === "sweep" && after.sweep.lifted >= 2, JSON.stringify(after));
        assert.deepEqual(entries((await aclOf(w, member(), net.subnetId)).Entries), [
            "in 50 deny 203.0.113.99/32",
        ]);
        assert.deepEqual(
            Object.keys(await records(w, bucket, `responses/blocks/${member()}/${HOME}/${net.aclId}`)),
            [],
        );
        const told = (await mail.read()).filter((m) => m.message.includes(id));
        assert.deepEqual(
            told.map((m) => m.subject.split(":")[0]),
            ["LIFTED EXPIRED BLOCK", "LIFTED EXPIRED BLOCK"],
        );
    });

    it("the sweep settles a block whose network ACL was deleted meanwhile, once, instead of failing every hour", async () => {
        const net = await network(w, member(), "10.14");
        const ec2 = await w.client(EC2Client, member(), HOME);
        // A custom ACL of the subnet, which its owner later deletes after moving the subnet back.
        const custom = await ec2.send(new CreateNetworkAclCommand({ VpcId: net.vpcId }));
        const customId = String(custom.NetworkAcl?.NetworkAclId);
        const association = (await aclOf(w, member(), net.subnetId)).Associations?.find(
            (a) => a.SubnetId === net.subnetId,
        );
        const moved = await ec2.send(
            new ReplaceNetworkAclAssociationCommand({
                AssociationId: association?.NetworkAclAssociationId,
                NetworkAclId: customId,
            }),
        );
        const id = findingId("deleted-acl");
        await responder.run(() => handler(published(w, blockEvent(member(), id, net)), context));
        await mail.read();
        const blocks = Object.keys(
            await records(w, bucket, `responses/blocks/${member()}/${HOME}/${customId}`),
        );
        assert.equal(blocks.length, 2);
        await ec2.send(
            new ReplaceNetworkAclAssociationCommand({
                AssociationId: moved.NewAssociationId,
                NetworkAclId: net.aclId,
            }),
        );
        await ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: customId }));
        await assert.rejects(ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [customId] })));
        for (const key of blocks) await expire(w, bucket, key);
        const sweep = await responder.run(() => handler(SWEEP, context));
        assert.ok(sweep.kind === "sweep" && sweep.sweep.failed === 0, JSON.stringify(sweep));
        assert.deepEqual(
            Object.keys(await records(w, bucket, `responses/blocks/${member()}/${HOME}/${customId}`)),
            [],
        );
        const told = (await mail.read()).filter((m) => m.message.includes(id));
        assert.equal(told.length, 2);
        assert.ok(
            told.every((m) => m.message.includes("already gone: the network ACL was deleted")),
            told[0]?.message,
        );
        // The next sweep has nothing left of it to say.
        await responder.run(() => handler(SWEEP, context));
        assert.deepEqual(
            (await mail.read()).filter((m) => m.message.includes(id)),
            [],
        );
    });
});
