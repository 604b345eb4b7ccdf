import { strict as assert } from "node:assert";
import { CreateNetworkAclEntryCommand } from "@aws-sdk/client-ec2";
import { GetFindingsCommand } from "@aws-sdk/client-guardduty";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { occurrenceOf, respondToFinding } from "../functions/response/respond";
import { MEMBER, PUBLIC_IP, maliciousCallerEvent, sampleEvent } from "./helpers/response";
import {
    DETECTOR,
    respondHeld,
    responderSettings,
    s3Error,
    subnetAcl,
    world,
} from "./helpers/response-world";
import { testRun } from "./helpers/run";

/*
 * The responder can never be turned against the organization: a sample is never acted on or told as an
 * incident, an event is acted on only as the administrator's GuardDuty holds its finding, a recurrence is
 * answered and told every time, and a rung scoped to OUs acts only there. Each through respondToFinding with
 * real-shaped events (test/helpers/response.ts), AWS as aws-sdk-client-mock instance mocks.
 */

const ACT = { blockRemoteAddress: { mode: "act" } };
const OU = "ou-ab12-pilot001";

describe("the responder's safety", () => {
    it("a sample finding, by either mark, never reaches a member account and is told as a sample", async () => {
        for (const mark of ["flag", "title"] as const) {
            const w = world();
            subnetAcl(w);
            const event = maliciousCallerEvent((d) => {
                if (mark === "flag") d.service = { ...d.service, additionalInfo: { sample: true } };
                else d.title = "[SAMPLE] 198.51.100.0 is performing SSH brute force attacks";
            });
            const [record] = await respondHeld(w, event, responderSettings(ACT), testRun());
            assert.equal(record.verdict, "skip", mark);
            assert.match(record.reason ?? "", /^a sample finding \(CreateSampleFindings\)/, mark);
            assert.deepEqual(w.members, [], mark);
            assert.equal(w.mocks.guardduty.calls().length, 0, mark);
            assert.equal(
                w.published()[0].Subject,
                "SAMPLE FINDING, NOT AN INCIDENT: blockRemoteAddress UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
            );
        }
        // The fixture as GuardDuty published it (sample: true, i-99999999): refused in act mode too.
        const w = world();
        const [record] = await respondHeld(
            w,
            sampleEvent("CryptoCurrency:EC2/BitcoinTool.B!DNS"),
            responderSettings({ isolateInstance: { mode: "act" } }),
            testRun(),
        );
        assert.equal(record.verdict, "skip");
        assert.deepEqual(w.members, []);
    });

    it("acts on the administrator's copy of the finding: its severity, archived state and resource", async () => {
        const w = world();
        subnetAcl(w);
        w.mocks.ec2.on(CreateNetworkAclEntryCommand).resolves({});
        const event = maliciousCallerEvent();
        // GuardDuty holds it archived since: the event's word (not archived) is not taken.
        w.hold({ ...event.detail, service: { ...event.detail.service, archived: true } });
        const [archived] = await respondToFinding(event, responderSettings(ACT), w.deps, testRun());
        assert.equal(archived.verdict, "skip");
        assert.equal(archived.reason, "the finding is archived");
        assert.deepEqual(w.members, []);
        const calls = w.mocks.guardduty.commandCalls(GetFindingsCommand).map((c) => c.args[0].input);
        assert.deepEqual(calls, [{ DetectorId: DETECTOR, FindingIds: [event.detail.id] }]);
        // In the finding's region, with the security account's own GuardDuty.
        assert.deepEqual(w.guarddutyRegions, ["us-east-1"]);

        const other = world();
        subnetAcl(other);
        other.mocks.ec2.on(CreateNetworkAclEntryCommand).resolves({});
        // The event names an attacker the finding does not: the block is of GuardDuty's address.
        const forged = maliciousCallerEvent((d) => {
            const remote = d.service?.action?.networkConnectionAction?.remoteIpDetails;
            if (remote !== undefined) remote.ipAddressV4 = "203.0.113.200";
        });
        other.hold(maliciousCallerEvent().detail);
        const [acted] = await respondToFinding(forged, responderSettings(ACT), other.deps, testRun());
        assert.equal(acted.outcome?.status, "acted");
        const cidrs = other.mocks.ec2
            .commandCalls(CreateNetworkAclEntryCommand)
            .map((c) => c.args[0].input.CidrBlock);
        assert.deepEqual(cidrs, [`${PUBLIC_IP}/32`, `${PUBLIC_IP}/32`]);
    });

    it("an event GuardDuty does not hold, or of another account, region or type, is recorded and told, never acted on", async () => {
        const event = maliciousCallerEvent();
        const cases: [string, (held: ReturnType<typeof maliciousCallerEvent>["detail"]) => void, RegExp][] = [
            [
                "account",
                (d) => (d.accountId = "555555555555"),
                /accountId is "444444444444" in the event, "555555555555" in GuardDuty/,
            ],
            [
                "region",
                (d) => (d.region = "eu-west-1"),
                /region is "us-east-1" in the event, "eu-west-1" in GuardDuty/,
            ],
            ["type", (d) => (d.type = "Recon:EC2/PortProbeUnprotectedPort"), /type is .* in GuardDuty/],
        ];
        for (const [name, edit, reason] of cases) {
            const w = world();
            subnetAcl(w);
            const held = structuredClone(event.detail);
            edit(held);
            w.hold(held);
            const [record] = await respondToFinding(event, responderSettings(ACT), w.deps, testRun());
            assert.equal(record.verdict, "skip", name);
            assert.match(record.reason ?? "", /^not confirmed: /, name);
            assert.match(record.reason ?? "", reason, name);
            assert.deepEqual(w.members, [], name);
            assert.equal(w.published().length, 1, name);
        }
    });

    it("an event whose finding GuardDuty does not hold fails: nothing is done, told, and the next event tries again", async () => {
        const w = world();
        subnetAcl(w);
        const [record] = await respondToFinding(
            maliciousCallerEvent(),
            responderSettings(ACT),
            w.deps,
            testRun(),
        );
        assert.equal(record.outcome?.status, "failed");
        assert.match(
            record.outcome?.details[0] ?? "",
            /^could not read the finding back from GuardDuty, so nothing was done: Error: GuardDuty's administrator holds no finding \w+ in us-east-1$/,
        );
        assert.deepEqual(w.members, []);
        assert.ok(w.puts().every((p) => !(p.Key ?? "").includes("/done/")));
        // A notification is not told on the event's word either.
        const notify = world();
        const [told] = await respondToFinding(
            maliciousCallerEvent(),
            responderSettings(),
            notify.deps,
            testRun(),
        );
        assert.equal(told.outcome?.status, "failed");
        assert.match(notify.published()[0].Subject ?? "", /^FAILED: /);
    });

    it("a GuardDuty that cannot be read fails the decision: nothing is done, it is told, not claimed", async () => {
        const w = world();
        w.mocks.guardduty.on(GetFindingsCommand).rejects(new Error("AccessDeniedException: not authorized"));
        const [record] = await respondToFinding(
            maliciousCallerEvent(),
            responderSettings(ACT),
            w.deps,
            testRun(),
        );
        assert.equal(record.outcome?.status, "failed");
        assert.match(
            record.outcome?.details[0] ?? "",
            /^could not read the finding back from GuardDuty, so nothing was done: /,
        );
        assert.deepEqual(w.members, []);
        assert.ok(w.puts().every((p) => !(p.Key ?? "").includes("/done/")));
        assert.match(w.published()[0].Subject ?? "", /^FAILED: /);
    });

    it("a recurrence (count and last-seen moved on) is decided again and told; the same occurrence again is a repeat", async () => {
        const first = maliciousCallerEvent();
        const again = maliciousCallerEvent((d) => {
            d.service = { ...d.service, count: 2, eventLastSeen: "2018-05-12T09:00:00.000Z" };
        });
        const w = world();
        subnetAcl(w);
        w.mocks.ec2.on(CreateNetworkAclEntryCommand).resolves({});
        await respondHeld(w, first, responderSettings(ACT), testRun());
        const [recurred] = await respondHeld(w, again, responderSettings(ACT), testRun());
        assert.equal(recurred.repeat, undefined);
        assert.equal(recurred.occurrence, "2-2018-05-12T09_00_00.000Z");
        assert.equal(w.published().length, 2);
        assert.equal(
            w.published()[1].Subject,
            "RECURRED (seen 2 times), ACTED: blockRemoteAddress UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
        );
        const done = w
            .puts()
            .map((p) => p.Key)
            .filter((k) => (k ?? "").includes("/done/"));
        assert.deepEqual(done, [
            `responses/done/${MEMBER}/${first.detail.id}/1-2018-05-11T14_56_39.976Z/blockRemoteAddress-act.json`,
            `responses/done/${MEMBER}/${first.detail.id}/2-2018-05-12T09_00_00.000Z/blockRemoteAddress-act.json`,
        ]);
        // The same occurrence delivered again (Lambda's retry): its done/ record exists, so nothing is done or told.
        const repeat = world();
        const key = `responses/done/${MEMBER}/${first.detail.id}/2-2018-05-12T09_00_00.000Z/blockRemoteAddress-act.json`;
        repeat.mocks.s3
            .on(ListObjectsV2Command, { Prefix: key })
            .resolves({ Contents: [{ Key: key }], KeyCount: 1 });
        const [twice] = await respondHeld(repeat, again, responderSettings(ACT), testRun());
        assert.equal(twice.repeat, true);
        assert.deepEqual(repeat.published(), []);
        assert.deepEqual(repeat.members, []);
    });

    it("a rung scoped to OUs acts only in accounts under them, and says why elsewhere", async () => {
        const settings = responderSettings({
            blockRemoteAddress: { mode: "act", organizationalUnits: [OU, "ou-ab12-pilot002"] },
        });
        const outside = world({ ous: async () => ["ou-ab12-other001"] });
        subnetAcl(outside);
        const [skipped] = await respondHeld(outside, maliciousCallerEvent(), settings, testRun());
        assert.equal(skipped.verdict, "skip");
        assert.equal(
            skipped.reason,
            `account ${MEMBER} is not in remediation.blockRemoteAddress.organizationalUnits (${OU}, ou-ab12-pilot002)`,
        );
        assert.deepEqual(outside.members, []);
        // Nested: the account's OU sits under the scoped one.
        const inside = world({ ous: async () => ["ou-ab12-team0001", OU] });
        subnetAcl(inside);
        inside.mocks.ec2.on(CreateNetworkAclEntryCommand).resolves({});
        const [acted] = await respondHeld(inside, maliciousCallerEvent(), settings, testRun());
        assert.equal(acted.outcome?.status, "acted");
        const unknown = world({
            ous: async () => {
                throw new Error("AccessDenied");
            },
        });
        const [refused] = await respondHeld(unknown, maliciousCallerEvent(), settings, testRun());
        assert.match(
            refused.reason ?? "",
            /^could not read which OUs account 444444444444 is in, so cannot tell/,
        );
    });

    it("keys an occurrence by count and last-seen time, either alone, else by the finding's update time, else the event", () => {
        const at = (service: Record<string, unknown>, updatedAt?: string) =>
            occurrenceOf({ service, ...(updatedAt === undefined ? {} : { updatedAt }) }, "e/1");
        assert.equal(at({ count: 4, eventLastSeen: "2026-12-01T08:00:00Z" }), "4-2026-12-01T08_00_00Z");
        assert.equal(at({ count: 4 }), "4-x");
        assert.equal(at({ eventLastSeen: "2026-12-01T08:00:00Z" }), "x-2026-12-01T08_00_00Z");
        assert.equal(at({}, "2026-12-01T09:00:00Z"), "2026-12-01T09_00_00Z");
        assert.equal(at({}), "event-e_1");
    });

    it("a finding every rung skips is recorded on the event's word: GuardDuty is not asked", async () => {
        const w = world();
        // Severity 5 is below the rung's 7: a skip whatever GuardDuty holds.
        const [record] = await respondHeld(
            w,
            maliciousCallerEvent(),
            responderSettings({ blockRemoteAddress: { mode: "act", minSeverity: 7 } }),
            testRun(),
        );
        assert.equal(record.verdict, "skip");
        assert.equal(w.mocks.guardduty.calls().length, 0);
        assert.equal(w.published().length, 1);
    });

    it("an unreadable GuardDuty fails the rungs that would act, and leaves a skipped rung a plain skip", async () => {
        const w = world();
        w.mocks.guardduty.on(GetFindingsCommand).rejects(new Error("ThrottlingException"));
        const type = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom";
        const settings = responderSettings({
            blockRemoteAddress: { mode: "off" },
            isolateInstance: { mode: "act", findingTypes: [type] },
        });
        const [block, isolate] = await respondToFinding(maliciousCallerEvent(), settings, w.deps, testRun());
        assert.deepEqual(
            [block.action, block.verdict, block.outcome],
            ["blockRemoteAddress", "skip", undefined],
        );
        assert.equal(isolate.outcome?.status, "failed");
        assert.match(isolate.outcome?.details[0] ?? "", /^could not read the finding back from GuardDuty/);
        assert.deepEqual(w.members, [], "one skipped rung does not excuse the other from the read-back");
        assert.deepEqual(
            w.puts().map((p) => (p.Key ?? "").split("/")[1]),
            ["decisions", "done", "decisions"],
            "the skip is claimed under done/, the failure is not",
        );
    });

    it("an occurrence another run claimed first is a repeat: its decision is rewritten as one, and nothing is told", async () => {
        const w = world();
        w.mocks.s3.on(PutObjectCommand, { IfNoneMatch: "*" }).rejects(s3Error("PreconditionFailed", 412));
        const [record] = await respondHeld(w, maliciousCallerEvent(), responderSettings(), testRun());
        assert.equal(record.repeat, true);
        assert.deepEqual(w.published(), []);
        const decisions = w.puts().filter((p) => (p.Key ?? "").includes("/decisions/"));
        assert.equal(decisions.length, 2);
        assert.equal((JSON.parse(String(decisions[1].Body)) as { repeat?: boolean }).repeat, true);
        // A finding without service details (so without a count) is recorded without one, and does not fail.
        const serviceless = world();
        const [none] = await respondHeld(
            serviceless,
            maliciousCallerEvent((d) => delete d.service),
            responderSettings(),
            testRun(),
        );
        assert.equal(none.verdict, "skip");
        assert.ok(!("count" in none));
        // A finding without a count has none in its record.
        const bare = world();
        const [uncounted] = await respondHeld(
            bare,
            maliciousCallerEvent((d) => {
                if (d.service !== undefined) delete d.service.count;
            }),
            responderSettings(),
            testRun(),
        );
        assert.ok(!("count" in uncounted));
    });
});
