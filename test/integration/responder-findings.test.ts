import { strict as assert } from "node:assert";
import {
    CreateOrganizationalUnitCommand,
    DeleteOrganizationalUnitCommand,
    ListParentsCommand,
    MoveAccountCommand,
    OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { handler } from "../../functions/response/handler";
import { PUBLIC_IP } from "../helpers/response";
import { blockEvent, published, recurrence, sampleOf } from "./events";
import { callsIn, CONTEXT as context, onlyDecision, SWEEP, toldAbout } from "./runs";
import { aclOf, entries, expire, findingId, inbox, network, records, type Inbox } from "./seed";
import { gatedWorld } from "./gated-world";
import { HOME, type Deployed, type World } from "./world";

/*
 * Which findings the responder acts on, through the real handler under the planned roles: never a sample; a
 * finding's recurrence again, its repeated delivery never; only a finding the administrator's GuardDuty holds as
 * the event says; only in the accounts a rung is scoped to. Outcomes are read through the emulator's API.
 */

const CUSTOMER_RULE = "in 50 deny 203.0.113.99/32";

describe("integration: which findings the responder acts on, under its planned roles", function () {
    this.timeout(120_000);
    const opened = gatedWorld();
    let w: World;
    let responder: Deployed;
    let bucket: string;
    let mail: Inbox;
    const member = () => w.workloads[0];
    const blocksOf = async (aclId: string) =>
        Object.keys(await records(w, bucket, `responses/blocks/${member()}/${HOME}/${aclId}-`)).sort();

    before(async () => {
        w = opened();
        responder = await w.deploy("responder");
        const settings = responder.settings as { records: { bucket: string }; topicArn: string };
        bucket = settings.records.bucket;
        mail = await inbox(w, settings.topicArn);
    });

    it("a sample finding, by either of its marks, is never acted on in act mode: no call in the member account, recorded as skipped, told as a sample", async () => {
        const net = await network(w, member(), "10.31");
        const samples = [
            sampleOf(blockEvent(member(), findingId("sample-info"), net), { additionalInfo: true }),
            sampleOf(blockEvent(member(), findingId("sample-title"), net), { title: true }),
            // An event without the marks, of a finding the administrator holds as a sample: its copy decides.
            published(w, blockEvent(member(), findingId("sample-held"), net), (held) => {
                held.service = { ...held.service, additionalInfo: { sample: true } };
            }),
        ];
        for (const event of samples) {
            const id = String(event.detail.id);
            w.gate.calls.splice(0);
            const decision = onlyDecision(await responder.run(() => handler(event, context)));
            assert.deepEqual(
                [decision.verdict, decision.outcome, decision.repeat],
                ["skip", undefined, undefined],
                id,
            );
            assert.match(String(decision.reason), /sample finding/);
            assert.deepEqual(callsIn(w.gate, member()), [], `${id}: no AssumeRole, no call in the member`);
            assert.deepEqual(entries((await aclOf(w, member(), net.subnetId)).Entries), [CUSTOMER_RULE]);
            const kept = await records(w, bucket, `responses/${decision.key}`);
            assert.equal(kept[`responses/${decision.key}`]?.verdict, "skip", id);
            const told = await toldAbout(mail, id);
            assert.deepEqual(
                told.map((m) => m.subject.split(":")[0]),
                ["SAMPLE FINDING, NOT AN INCIDENT"],
                id,
            );
            assert.match(told[0].message, /Why skipped: a sample finding/);
        }
    });

    it("a recurrence of a lifted block blocks again and is told again; its second delivery is a repeat; a recurrence while blocked renews the block", async () => {
        const net = await network(w, member(), "10.32");
        const id = findingId("recur");
        const first = published(w, blockEvent(member(), id, net));
        assert.equal(
            onlyDecision(await responder.run(() => handler(first, context))).outcome?.status,
            "acted",
        );
        const blocks = await blocksOf(net.aclId);
        assert.equal(blocks.length, 2);
        for (const key of blocks) await expire(w, bucket, key);
        await responder.run(() => handler(SWEEP, context));
        assert.deepEqual(entries((await aclOf(w, member(), net.subnetId)).Entries), [CUSTOMER_RULE]);
        assert.deepEqual((await toldAbout(mail, id)).map((m) => m.subject.split(":")[0]).sort(), [
            "ACTED",
            "LIFTED EXPIRED BLOCK",
            "LIFTED EXPIRED BLOCK",
        ]);

        // The activity recurs: GuardDuty keeps the finding's ID, counts it again and moves its last-seen time on.
        const lastSeen = Date.parse(String(first.detail.service?.eventLastSeen));
        const second = published(w, recurrence(first, new Date(lastSeen + 3_600_000)));
        const again = onlyDecision(await responder.run(() => handler(second, context)));
        assert.deepEqual([again.outcome?.status, again.count, again.repeat], ["acted", 2, undefined]);
        assert.deepEqual(entries((await aclOf(w, member(), net.subnetId)).Entries), [
            `in 1 deny ${PUBLIC_IP}/32`,
            CUSTOMER_RULE,
            `out 1 deny ${PUBLIC_IP}/32`,
        ]);
        const told = await toldAbout(mail, id);
        assert.deepEqual(
            told.map((m) => m.subject.split(": ")[0]),
            ["RECURRED (seen 2 times), ACTED"],
        );
        const done = Object.keys(await records(w, bucket, `responses/done/${member()}/${id}/`));
        assert.equal(done.length, 2, JSON.stringify(done));

        // The same occurrence delivered a second time: a repeat, neither acted on nor told.
        w.gate.calls.splice(0);
        const duplicate = onlyDecision(
            await responder.run(() => handler({ ...second, id: "redelivered" }, context)),
        );
        assert.equal(duplicate.repeat, true);
        assert.deepEqual(
            w.gate.calls.filter((c) => c.service === "EC2"),
            [],
        );
        assert.deepEqual(await toldAbout(mail, id), []);

        // Recurring again while blocked: the responder's own denies (its records say so) are kept longer.
        for (const key of blocks) await expire(w, bucket, key);
        const third = published(w, recurrence(second, new Date(lastSeen + 7_200_000)));
        const renewed = onlyDecision(await responder.run(() => handler(third, context)));
        assert.equal(renewed.outcome?.status, "already done", JSON.stringify(renewed));
        const kept = await records(w, bucket, `responses/blocks/${member()}/${HOME}/${net.aclId}-`);
        assert.deepEqual(Object.keys(kept).sort(), blocks);
        for (const record of Object.values(kept))
            assert.ok(Date.parse(String(record.expiresAt)) > Date.now(), "the expiry starts again");
        assert.deepEqual(
            (await toldAbout(mail, id)).map((m) => m.subject.split(": ")[0]),
            ["RECURRED (seen 3 times), ALREADY DONE"],
        );
        await responder.run(() => handler(SWEEP, context));
        assert.equal(entries((await aclOf(w, member(), net.subnetId)).Entries).length, 3, "not lifted");
        assert.deepEqual(await toldAbout(mail, id), []);
    });

    it("an event the administrator's GuardDuty does not confirm acts on nothing: a finding it does not hold, or holds in another account", async () => {
        const net = await network(w, member(), "10.33");
        const other = w.workloads[1];
        const unheld = blockEvent(member(), findingId("unheld"), net);
        const elsewhere = published(w, blockEvent(member(), findingId("elsewhere"), net), (held) => {
            held.accountId = other;
        });
        const expected = [
            `GuardDuty's administrator holds no finding ${String(unheld.detail.id)} in ${HOME}`,
            `accountId is "${member()}" in the event, "${other}" in GuardDuty`,
        ];
        for (const [i, event] of [unheld, elsewhere].entries()) {
            const id = String(event.detail.id);
            w.gate.calls.splice(0);
            const decision = onlyDecision(await responder.run(() => handler(event, context)));
            // Not held: a failure (the finding's next event tries again). Held elsewhere: a settled skip.
            const reason = i === 0 ? String(decision.outcome?.details[0]) : String(decision.reason);
            assert.equal(decision.verdict, i === 0 ? "act" : "skip", id);
            if (i === 0) assert.equal(decision.outcome?.status, "failed");
            assert.ok(
                reason.startsWith(
                    i === 0 ? "could not read the finding back from GuardDuty" : "not confirmed: ",
                ),
                reason,
            );
            assert.ok(reason.includes(expected[i]), reason);
            // Read back under the responder's role, then nothing in either account.
            assert.deepEqual(
                w.gate.calls.filter((c) => c.command === "GetFindings").map((c) => c.outcome),
                ["ok"],
            );
            assert.deepEqual([...callsIn(w.gate, member()), ...callsIn(w.gate, other)], []);
            assert.deepEqual(entries((await aclOf(w, member(), net.subnetId)).Entries), [CUSTOMER_RULE]);
            assert.deepEqual(await blocksOf(net.aclId), []);
            const kept = await records(w, bucket, `responses/${decision.key}`);
            assert.equal(kept[`responses/${decision.key}`]?.verdict, decision.verdict);
            const told = await toldAbout(mail, id);
            assert.deepEqual(
                told.map((m) => m.subject.split(":")[0]),
                [i === 0 ? "FAILED" : "SKIPPED"],
            );
            assert.match(
                told[0].message,
                i === 0 ? /could not read the finding back/ : /Why skipped: not confirmed: /,
            );
        }
    });

    it("a rung scoped to an OU acts in its accounts, nested OUs included, and skips any other account, naming the key", async () => {
        const scoped = await w.deploy("responder", (s) => {
            const rung = (s.remediation as Record<string, Record<string, unknown>>).blockRemoteAddress;
            rung.organizationalUnits = [w.scopedOu];
        });
        const key = `remediation.blockRemoteAddress.organizationalUnits (${w.scopedOu})`;
        const outside = await network(w, member(), "10.34");
        const out = published(w, blockEvent(member(), findingId("scope-out"), outside));
        w.gate.calls.splice(0);
        const skipped = onlyDecision(await scoped.run(() => handler(out, context)));
        assert.equal(skipped.verdict, "skip");
        assert.equal(skipped.reason, `account ${member()} is not in ${key}`);
        assert.deepEqual(callsIn(w.gate, member()), []);
        assert.deepEqual(entries((await aclOf(w, member(), outside.subnetId)).Entries), [CUSTOMER_RULE]);
        assert.match(
            (await toldAbout(mail, String(out.detail.id)))[0]?.message ?? "",
            /is not in remediation/,
        );

        // The scoped OU's account, first in the OU itself, then in an OU nested under it.
        const inside = w.workloads[1];
        const organizations = await w.client(OrganizationsClient, w.management, HOME);
        for (const nested of [false, true]) {
            let child: string | undefined;
            if (nested) {
                const made = await organizations.send(
                    new CreateOrganizationalUnitCommand({ ParentId: w.scopedOu, Name: "sandbox-team" }),
                );
                child = String(made.OrganizationalUnit?.Id);
                await organizations.send(
                    new MoveAccountCommand({
                        AccountId: inside,
                        SourceParentId: w.scopedOu,
                        DestinationParentId: child,
                    }),
                );
                const parents = await organizations.send(new ListParentsCommand({ ChildId: inside }));
                assert.deepEqual(
                    parents.Parents?.map((p) => p.Id),
                    [child],
                );
            }
            try {
                const net = await network(w, inside, nested ? "10.36" : "10.35");
                const event = published(w, blockEvent(inside, findingId("scope-in"), net));
                const acted = onlyDecision(await scoped.run(() => handler(event, context)));
                assert.equal(acted.outcome?.status, "acted", JSON.stringify(acted));
                assert.deepEqual(entries((await aclOf(w, inside, net.subnetId)).Entries), [
                    `in 1 deny ${PUBLIC_IP}/32`,
                    CUSTOMER_RULE,
                    `out 1 deny ${PUBLIC_IP}/32`,
                ]);
            } finally {
                // The world's accounts stay where the plan put them.
                if (child !== undefined) {
                    await organizations.send(
                        new MoveAccountCommand({
                            AccountId: inside,
                            SourceParentId: child,
                            DestinationParentId: w.scopedOu,
                        }),
                    );
                    await organizations.send(
                        new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: child }),
                    );
                }
            }
        }
        await mail.read();
    });
});
