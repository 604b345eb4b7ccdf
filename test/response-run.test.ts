import { strict as assert } from "node:assert";
import {
    CreateNetworkAclEntryCommand,
    DeleteNetworkAclEntryCommand,
    DescribeNetworkAclsCommand,
} from "@aws-sdk/client-ec2";
import { ListParentsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { organizationalUnitsOf } from "../functions/response/organization";
import { sweepExpiredBlocks } from "../functions/response/sweep";
import { MEMBER, PUBLIC_IP, maliciousCallerEvent, type Json } from "./helpers/response";
import {
    ACL,
    BUCKET,
    KEY,
    NOW,
    TOPIC,
    ec2Error,
    responderSettings,
    subnetAcl,
    textBody,
    world,
    respondHeld,
} from "./helpers/response-world";
import { testRun } from "./helpers/run";

/** The malicious-caller fixture's occurrence: its count 1 and eventLastSeen 2018-05-11T14:56:39.976Z, ":" escaped. */
const OCCURRENCE = "1-2018-05-11T14_56_39.976Z";

/*
 * The responder's run through the same path the Lambda takes, every AWS call answered by aws-sdk-client-mock in
 * the real shapes: the findings bucket (records, the done/ claim with If-None-Match, blocks), the topic, and
 * the member account's EC2 reached through the member role.
 */

describe("the responder run", () => {
    it("notify (the default): records the decision SSE-KMS, claims it once, tells the topic, touches no member", async () => {
        const w = world();
        const event = maliciousCallerEvent();
        const [record] = await respondHeld(w, event, responderSettings(), testRun());
        assert.equal(record.verdict, "notify");
        assert.deepEqual(w.members, [], "no member account is reached in notify mode");
        const puts = w.puts();
        const findingId = event.detail.id;
        assert.deepEqual(
            puts.map((p) => [p.Key, p.IfNoneMatch, p.ServerSideEncryption, p.SSEKMSKeyId, p.Bucket]),
            [
                [
                    `responses/decisions/2026-12-01/${findingId}/blockRemoteAddress-notify-${event.id}.json`,
                    undefined,
                    "aws:kms",
                    KEY,
                    BUCKET,
                ],
                [
                    `responses/done/${MEMBER}/${findingId}/${OCCURRENCE}/blockRemoteAddress-notify.json`,
                    "*",
                    "aws:kms",
                    KEY,
                    BUCKET,
                ],
            ],
        );
        const stored = JSON.parse(String(puts[0].Body)) as Json;
        assert.equal(stored.findingType, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
        assert.equal(stored.accountId, MEMBER);
        assert.equal(stored.decidedAt, NOW.toISOString());
        const [message] = w.published();
        assert.equal(message.TopicArn, TOPIC);
        assert.equal(
            message.Subject,
            "WOULD ACT (notify mode, nothing changed): blockRemoteAddress UnauthorizedAccess:EC2/MaliciousIPCaller.Custom".slice(
                0,
                99,
            ),
        );
        assert.ok((message.Subject ?? "").length < 100);
        assert.match(
            message.Message ?? "",
            new RegExp(`"addresses":\\["${PUBLIC_IP.replace(/\./g, "\\.")}"\\]`),
        );
        assert.match(message.Message ?? "", /Mode: notify \(remediation\.blockRemoteAddress\.mode\)/);
        assert.match(
            message.Message ?? "",
            new RegExp(
                `Record: s3://${BUCKET}/responses/decisions/2026-12-01/${findingId}/blockRemoteAddress-notify-`,
            ),
        );
    });

    it("act: denies the address in the member's ACL through the member role, and keeps the block until it expires", async () => {
        const w = world();
        subnetAcl(w);
        w.mocks.ec2.on(CreateNetworkAclEntryCommand).resolves({});
        const event = maliciousCallerEvent();
        const [record] = await respondHeld(
            w,
            event,
            responderSettings({ blockRemoteAddress: { mode: "act", expiresAfterHours: 6 } }),
            testRun(),
        );
        assert.equal(record.outcome?.status, "acted");
        assert.deepEqual(w.members, [[MEMBER, event.detail.region]]);
        const created = w.mocks.ec2.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input);
        assert.deepEqual(
            created.map((c) => [c.RuleNumber, c.Egress, c.CidrBlock, c.RuleAction, c.DryRun]),
            [
                [1, false, `${PUBLIC_IP}/32`, "deny", false],
                [1, true, `${PUBLIC_IP}/32`, "deny", false],
            ],
        );
        const blocks = w.puts().filter((p) => p.Key?.startsWith("responses/blocks/"));
        assert.deepEqual(
            blocks.map((b) => b.Key),
            [
                `responses/blocks/${MEMBER}/${event.detail.region}/${ACL}-1-in.json`,
                `responses/blocks/${MEMBER}/${event.detail.region}/${ACL}-1-out.json`,
            ],
        );
        const kept = JSON.parse(String(blocks[0].Body)) as Json;
        assert.equal(kept.expiresAt, "2026-12-01T16:00:00.000Z");
        assert.equal(kept.createdAt, NOW.toISOString());
        assert.ok(w.puts().some((p) => p.Key?.includes("/done/") && p.IfNoneMatch === "*"));
        assert.match(w.published()[0].Subject ?? "", /^ACTED: blockRemoteAddress/);
    });

    it("a repeated finding is recorded as a repeat: nothing acted, nothing told again", async () => {
        const w = world();
        const done = `responses/done/${MEMBER}/${maliciousCallerEvent().detail.id}/${OCCURRENCE}/blockRemoteAddress-act.json`;
        w.mocks.s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: done }], IsTruncated: false });
        const [record] = await respondHeld(
            w,
            maliciousCallerEvent(),
            responderSettings({ blockRemoteAddress: { mode: "act" } }),
            testRun(),
        );
        assert.equal(record.repeat, true);
        assert.equal(record.outcome, undefined);
        assert.deepEqual(w.members, []);
        assert.equal(w.mocks.ec2.calls().length, 0);
        assert.deepEqual(w.published(), []);
        const lookups = w.mocks.s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
        assert.deepEqual(lookups, [done]);
        assert.deepEqual(
            w.puts().map((p) => p.IfNoneMatch),
            [undefined],
            "only the decision record",
        );
    });

    it("a failed action is told, not claimed, so the finding's next event tries again", async () => {
        const w = world();
        subnetAcl(w);
        w.mocks.ec2.on(CreateNetworkAclEntryCommand).rejects(ec2Error("UnauthorizedOperation"));
        const [record] = await respondHeld(
            w,
            maliciousCallerEvent(),
            responderSettings({ blockRemoteAddress: { mode: "act" } }),
            testRun(),
        );
        assert.equal(record.outcome?.status, "failed");
        assert.ok(!w.puts().some((p) => p.Key?.includes("/done/")), "no done record");
        assert.match(w.published()[0].Subject ?? "", /^FAILED: blockRemoteAddress/);
        assert.match(w.published()[0].Message ?? "", /UnauthorizedOperation/);
    });

    it("a member role that cannot be assumed fails the decision with the reason", async () => {
        const w = world();
        w.deps.member = () => {
            throw new Error("AccessDenied: not authorized to perform sts:AssumeRole");
        };
        const [record] = await respondHeld(
            w,
            maliciousCallerEvent(),
            responderSettings({ blockRemoteAddress: { mode: "dry-run" } }),
            testRun(),
        );
        assert.deepEqual(record.outcome, {
            status: "failed",
            details: ["Error: AccessDenied: not authorized to perform sts:AssumeRole"],
        });
    });

    it("dry-run: every change is sent with DryRun and changes nothing; no block is kept", async () => {
        const w = world();
        subnetAcl(w);
        w.mocks.ec2.on(CreateNetworkAclEntryCommand).rejects(ec2Error("DryRunOperation"));
        const [record] = await respondHeld(
            w,
            maliciousCallerEvent(),
            responderSettings({ blockRemoteAddress: { mode: "dry-run" } }),
            testRun(),
        );
        assert.equal(record.outcome?.status, "would act");
        assert.ok(
            w.mocks.ec2
                .commandCalls(CreateNetworkAclEntryCommand)
                .every((c) => c.args[0].input.DryRun === true),
        );
        assert.ok(!w.puts().some((p) => p.Key?.startsWith("responses/blocks/")));
        assert.match(w.published()[0].Subject ?? "", /^DRY RUN: blockRemoteAddress/);
    });

    it("skips the security account with the reason, and says so on the topic", async () => {
        const w = world();
        const settings = responderSettings({ blockRemoteAddress: { mode: "act" } });
        const security = Object.keys(settings.neverTouch).find((a) =>
            /security/.test(settings.neverTouch[a]),
        );
        assert.ok(security);
        const [record] = await respondHeld(
            w,
            maliciousCallerEvent((d) => (d.accountId = security)),
            settings,
            testRun(),
        );
        assert.equal(record.verdict, "skip");
        assert.deepEqual(w.members, []);
        assert.match(
            w.published()[0].Message ?? "",
            new RegExp(`Why skipped: account ${security} is never acted on`),
        );
        assert.match(w.published()[0].Subject ?? "", /^SKIPPED: blockRemoteAddress/);
    });

    it("a skip is claimed under done/ once: the finding's next event is a repeat, told to nobody", async () => {
        // docs/operations.md, "What it leaves behind": skipped decisions are written to done/ like the others, so an
        // update of a skipped finding (GuardDuty sends one each time the activity recurs) is not mailed again.
        const settings = responderSettings({ blockRemoteAddress: { mode: "act" } });
        const security = Object.keys(settings.neverTouch)[0];
        const event = maliciousCallerEvent((d) => (d.accountId = security));
        const first = world();
        const [record] = await respondHeld(first, event, settings, testRun());
        const done = `responses/done/${security}/${event.detail.id}/${OCCURRENCE}/blockRemoteAddress-skip.json`;
        assert.equal(record.verdict, "skip");
        assert.deepEqual(
            first.puts().map((p) => [p.Key, p.IfNoneMatch]),
            [
                [`responses/${record.key}`, undefined],
                [done, "*"],
            ],
        );
        assert.equal(first.published().length, 1);
        const next = world();
        next.mocks.s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: done }], IsTruncated: false });
        const [again] = await respondHeld(next, event, settings, testRun());
        assert.equal(again.repeat, true);
        assert.deepEqual(next.published(), []);
        assert.deepEqual(
            next.puts().map((p) => p.Key),
            [`responses/${again.key}`],
        );
    });

    it("reads the account's OUs only when OUs are exempt, and refuses to act when they cannot be read", async () => {
        const plain = world();
        await respondHeld(
            plain,
            maliciousCallerEvent(),
            responderSettings({ blockRemoteAddress: { mode: "act" } }),
            testRun(),
        );
        assert.deepEqual(plain.ousAsked, []);

        const exempt = {
            exemptOrganizationalUnits: ["ou-ab12-sandbox1"],
            blockRemoteAddress: { mode: "act" },
        };
        const inSandbox = world({ ous: async () => ["ou-ab12-sandbox1", "ou-ab12-parent01"] });
        const [skipped] = await respondHeld(
            inSandbox,
            maliciousCallerEvent(),
            responderSettings(exempt),
            testRun(),
        );
        assert.deepEqual(inSandbox.ousAsked, [MEMBER]);
        assert.equal(
            skipped.reason,
            `account ${MEMBER} is in ou-ab12-sandbox1 (remediation.exemptOrganizationalUnits)`,
        );

        const unreadable = world({
            ous: async () => {
                throw new Error("AccessDenied");
            },
        });
        const [refused] = await respondHeld(
            unreadable,
            maliciousCallerEvent(),
            responderSettings(exempt),
            testRun(),
        );
        assert.equal(refused.verdict, "skip");
        assert.match(refused.reason ?? "", /could not read which OUs/);
        assert.deepEqual(unreadable.members, []);
    });
});

function body(value: unknown) {
    return textBody(JSON.stringify(value));
}

describe("the expiry sweep", () => {
    const block = (ruleNumber: number, expiresAt: string) => ({
        accountId: MEMBER,
        region: "us-east-1",
        block: { networkAclId: ACL, ruleNumber, egress: false, cidr: `${PUBLIC_IP}/32` },
        findingId: "f-1",
        createdAt: "2026-12-01T00:00:00.000Z",
        expiresAt,
    });

    function sweepWorld(records: Record<string, unknown>) {
        const w = world();
        w.mocks.s3.on(ListObjectsV2Command).resolves({
            Contents: Object.keys(records).map((k) => ({ Key: `responses/${k}` })),
            IsTruncated: false,
        });
        for (const [k, v] of Object.entries(records))
            w.mocks.s3.on(GetObjectCommand, { Key: `responses/${k}` }).resolves({ Body: body(v) });
        w.mocks.s3.on(DeleteObjectCommand).resolves({});
        return w;
    }

    it("lifts what has expired (only its own deny), deletes its record, tells the topic; the rest waits", async () => {
        const w = sweepWorld({
            [`blocks/${MEMBER}/us-east-1/${ACL}-1-in.json`]: block(1, "2026-12-01T09:59:59.000Z"),
            [`blocks/${MEMBER}/us-east-1/${ACL}-2-in.json`]: block(2, "2026-12-01T10:00:01.000Z"),
        });
        w.mocks.ec2.on(DescribeNetworkAclsCommand).resolves({
            NetworkAcls: [
                {
                    NetworkAclId: ACL,
                    Entries: [
                        {
                            RuleNumber: 1,
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
        const result = await sweepExpiredBlocks(responderSettings(), w.deps, testRun());
        assert.deepEqual(result, { lifted: 1, waiting: 1, failed: 0 });
        assert.deepEqual(
            w.mocks.ec2.commandCalls(DeleteNetworkAclEntryCommand).map((c) => c.args[0].input),
            [{ NetworkAclId: ACL, RuleNumber: 1, Egress: false }],
        );
        assert.deepEqual(
            w.mocks.s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key),
            [`responses/blocks/${MEMBER}/us-east-1/${ACL}-1-in.json`],
        );
        assert.deepEqual(w.members, [[MEMBER, "us-east-1"]]);
        assert.match(w.published()[0].Subject ?? "", /^LIFTED EXPIRED BLOCK: blockRemoteAddress/);
        assert.match(
            w.published()[0].Message ?? "",
            /acl-0123456789abcdef0 rule 1 \(inbound, deny 185\.220\.101\.7\/32\) deleted/,
        );
    });

    it("settles a block whose network ACL was deleted: the record goes, the topic is told once, nothing fails", async () => {
        // EC2 API reference, error codes: InvalidNetworkAclID.NotFound. Counted as a failure, the record would
        // stay and FAILED TO LIFT would be sent every hour for ever.
        const w = sweepWorld({
            [`blocks/${MEMBER}/us-east-1/${ACL}-1-in.json`]: block(1, "2026-12-01T09:00:00.000Z"),
        });
        w.mocks.ec2.on(DescribeNetworkAclsCommand).rejects(ec2Error("InvalidNetworkAclID.NotFound"));
        const result = await sweepExpiredBlocks(responderSettings(), w.deps, testRun());
        assert.deepEqual(result, { lifted: 1, waiting: 0, failed: 0 });
        assert.equal(w.mocks.ec2.commandCalls(DeleteNetworkAclEntryCommand).length, 0);
        assert.deepEqual(
            w.mocks.s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key),
            [`responses/blocks/${MEMBER}/us-east-1/${ACL}-1-in.json`],
        );
        assert.match(w.published()[0].Subject ?? "", /^LIFTED EXPIRED BLOCK/);
        assert.match(w.published()[0].Message ?? "", /already gone: the network ACL was deleted/);
    });

    it("keeps the record of a block it could not lift, to try again; never deletes someone else's rule", async () => {
        const w = sweepWorld({
            [`blocks/${MEMBER}/us-east-1/${ACL}-1-in.json`]: block(1, "2026-12-01T09:00:00.000Z"),
        });
        w.mocks.ec2.on(DescribeNetworkAclsCommand).rejects(ec2Error("UnauthorizedOperation"));
        const result = await sweepExpiredBlocks(responderSettings(), w.deps, testRun());
        assert.deepEqual(result, { lifted: 0, waiting: 0, failed: 1 });
        assert.equal(w.mocks.s3.commandCalls(DeleteObjectCommand).length, 0);
        assert.match(w.published()[0].Subject ?? "", /^FAILED TO LIFT/);

        const replaced = sweepWorld({
            [`blocks/${MEMBER}/us-east-1/${ACL}-1-in.json`]: block(1, "2026-12-01T09:00:00.000Z"),
        });
        replaced.mocks.ec2.on(DescribeNetworkAclsCommand).resolves({
            NetworkAcls: [
                {
                    NetworkAclId: ACL,
                    Entries: [{ RuleNumber: 1, Egress: false, RuleAction: "allow", CidrBlock: "10.0.0.0/8" }],
                },
            ],
        });
        await sweepExpiredBlocks(responderSettings(), replaced.deps, testRun());
        assert.equal(replaced.mocks.ec2.commandCalls(DeleteNetworkAclEntryCommand).length, 0);
        assert.match(replaced.published()[0].Message ?? "", /now holds someone else's rule/);
    });
});

describe("the expiry sweep, on what else may be under blocks/", () => {
    it("skips a folder object, and counts an unreadable or incomplete record without stopping the others", async () => {
        const w = world();
        const good = {
            accountId: MEMBER,
            region: "us-east-1",
            block: { networkAclId: ACL, ruleNumber: 1, egress: false, cidr: `${PUBLIC_IP}/32` },
            findingId: "f-1",
            createdAt: "2026-12-01T00:00:00.000Z",
            expiresAt: "2026-12-01T01:00:00.000Z",
        };
        const noFinding: Record<string, unknown> = { ...good };
        delete noFinding.findingId;
        w.mocks.s3.on(ListObjectsV2Command).resolves({
            Contents: [
                { Key: "responses/blocks/" },
                { Key: "responses/blocks/broken.json" },
                { Key: "responses/blocks/no-finding.json" },
                { Key: "responses/blocks/good.json" },
            ],
            IsTruncated: false,
        });
        // The S3 console's "Create folder" makes a zero-byte object; a truncated write leaves invalid JSON.
        w.mocks.s3
            .on(GetObjectCommand, { Key: "responses/blocks/broken.json" })
            .resolves({ Body: textBody("{") });
        w.mocks.s3
            .on(GetObjectCommand, { Key: "responses/blocks/no-finding.json" })
            .resolves({ Body: body(noFinding) });
        w.mocks.s3.on(GetObjectCommand, { Key: "responses/blocks/good.json" }).resolves({ Body: body(good) });
        w.mocks.s3.on(DeleteObjectCommand).resolves({});
        w.mocks.ec2
            .on(DescribeNetworkAclsCommand)
            .resolves({ NetworkAcls: [{ NetworkAclId: ACL, Entries: [] }] });
        const result = await sweepExpiredBlocks(responderSettings(), w.deps, testRun());
        assert.deepEqual(result, { lifted: 1, waiting: 0, failed: 2 });
        assert.deepEqual(
            w.mocks.s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key),
            [
                "responses/blocks/broken.json",
                "responses/blocks/no-finding.json",
                "responses/blocks/good.json",
                // Read again just before its lift: a recurrence may have pushed its expiry back meanwhile.
                "responses/blocks/good.json",
            ],
        );
        assert.deepEqual(
            w.mocks.s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key),
            ["responses/blocks/good.json"],
        );
    });
});

describe("the OUs of an account", () => {
    it("walks ListParents up to the root, nearest first, and refuses a cycle", async () => {
        const organizations = new OrganizationsClient({ region: "us-east-1" });
        const mock = mockClient(organizations);
        mock.on(ListParentsCommand, { ChildId: MEMBER }).resolves({
            Parents: [{ Id: "ou-ab12-child001", Type: "ORGANIZATIONAL_UNIT" }],
        });
        mock.on(ListParentsCommand, { ChildId: "ou-ab12-child001" }).resolves({
            Parents: [{ Id: "ou-ab12-parent01", Type: "ORGANIZATIONAL_UNIT" }],
        });
        mock.on(ListParentsCommand, { ChildId: "ou-ab12-parent01" }).resolves({
            Parents: [{ Id: "r-ab12", Type: "ROOT" }],
        });
        assert.deepEqual(await organizationalUnitsOf(organizations, MEMBER, testRun()), [
            "ou-ab12-child001",
            "ou-ab12-parent01",
        ]);
        mock.on(ListParentsCommand, { ChildId: "ou-ab12-parent01" }).resolves({
            Parents: [{ Id: "ou-ab12-child001", Type: "ORGANIZATIONAL_UNIT" }],
        });
        await assert.rejects(
            organizationalUnitsOf(organizations, MEMBER, testRun()),
            /form a cycle at ou-ab12-child001/,
        );
        mock.on(ListParentsCommand, { ChildId: MEMBER }).resolves({ Parents: [] });
        await assert.rejects(
            organizationalUnitsOf(organizations, MEMBER, testRun()),
            /named no parent of 444444444444/,
        );
    });
});
