import { strict as assert } from "node:assert";
import {
    CreateNetworkAclEntryCommand,
    CreateSnapshotsCommand,
    CreateTagsCommand,
    DeleteNetworkAclEntryCommand,
    DescribeInstancesCommand,
    DescribeNetworkAclsCommand,
    DescribeSecurityGroupsCommand,
    ModifyNetworkInterfaceAttributeCommand,
    StopInstancesCommand,
    type CreateNetworkAclEntryCommandInput,
} from "@aws-sdk/client-ec2";
import {
    ListParentsCommand,
    OrganizationsClient,
    type ListParentsCommandInput,
} from "@aws-sdk/client-organizations";
import {
    DeleteObjectCommand,
    GetObjectCommand,
    GetPublicAccessBlockCommand,
    HeadObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    PutPublicAccessBlockCommand,
    S3Client,
    type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { organizationalUnitsOf } from "../functions/response/organization";
import {
    deleteRecord,
    keyPart,
    listRecords,
    putRecord,
    readRecord,
    recordExists,
} from "../functions/response/records";
import { decisionMessage, type DecisionRecord } from "../functions/response/respond";
import { sweepExpiredBlocks } from "../functions/response/sweep";
import { DeadlineReached } from "../functions/shared/run";
import {
    INSTANCE,
    MEMBER,
    PUBLIC_IP,
    findingEvent,
    maliciousCallerEvent,
    type Json,
} from "./helpers/response";
import {
    ACL,
    BUCKET,
    ec2Error,
    NOW,
    doneLookupOf,
    publishOf,
    putOf,
    refused,
    responderSettings,
    ROLE,
    s3Error,
    STORE,
    SUBNET,
    subnetAcl,
    textBody,
    TOPIC,
    world,
    respondHeld,
} from "./helpers/response-world";
import type { BlockRecord } from "../functions/response/ledgers";
import { testRun } from "./helpers/run";

/** The malicious-caller fixture's occurrence: its count 1 and eventLastSeen 2018-05-11T14:56:39.976Z, ":" escaped. */
const OCCURRENCE = "1-2018-05-11T14_56_39.976Z";

/*
 * The details of the responder's run that test/response-run.test.ts leaves open: every line of the topic
 * message, the exact record bodies and keys, the record store's S3 calls and their error handling, the
 * sweep's handling of what is not a block record, and the deadline, which must stop the run instead of being
 * recorded as one decision's failure. S3, SNS, EC2 and Organizations are aws-sdk-client-mock instance mocks
 * answering in the SDK's shapes.
 */

async function logged<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
    const lines: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
    };
    try {
        return { value: await fn(), lines };
    } finally {
        console.log = original;
    }
}

const TARGET = { action: "blockRemoteAddress" as const, addresses: [PUBLIC_IP], subnets: ["subnet-1"] };
const MALICIOUS = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom";

describe("the responder's topic message", () => {
    it("a full record: every line, in order, with the console link", () => {
        const record: DecisionRecord = {
            action: "blockRemoteAddress",
            mode: "act",
            verdict: "act",
            target: TARGET,
            findingId: "f-1",
            findingType: MALICIOUS,
            severity: 5,
            accountId: MEMBER,
            region: "us-east-1",
            eventId: "e-1",
            occurrence: "o-1",
            decidedAt: NOW.toISOString(),
            key: "decisions/2026-12-01/f-1/blockRemoteAddress-act-e-1.json",
            outcome: {
                status: "acted",
                details: [
                    `${ACL}: rule 1 denies all traffic inbound from ${PUBLIC_IP}`,
                    `${ACL}: rule 1 denies all traffic outbound to ${PUBLIC_IP}`,
                ],
            },
        };
        // Catches a dropped or reworded line, a missing separator, fields swapped for their fallbacks.
        assert.deepEqual(decisionMessage(record, STORE), {
            subject: `ACTED: blockRemoteAddress ${MALICIOUS}`,
            message: [
                `ACTED: blockRemoteAddress for GuardDuty finding ${MALICIOUS}`,
                "",
                "Severity: 5",
                `Account: ${MEMBER}`,
                "Region: us-east-1",
                "Finding: f-1",
                "Occurrence: o-1",
                "Mode: act (remediation.blockRemoteAddress.mode)",
                `Target: {"action":"blockRemoteAddress","addresses":["${PUBLIC_IP}"],"subnets":["subnet-1"]}`,
                "Outcome: acted",
                `  - ${ACL}: rule 1 denies all traffic inbound from ${PUBLIC_IP}`,
                `  - ${ACL}: rule 1 denies all traffic outbound to ${PUBLIC_IP}`,
                `Record: s3://${BUCKET}/responses/decisions/2026-12-01/f-1/blockRemoteAddress-act-e-1.json`,
                "Console (security account): https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=f-1",
            ].join("\n"),
        });
    });

    it("a bare skip: fallbacks for every missing field, no target, outcome or console lines", () => {
        const record: DecisionRecord = {
            action: "containCredentials",
            mode: "notify",
            verdict: "skip",
            reason: "the finding names no account",
            findingId: "unknown",
            eventId: "e-2",
            occurrence: "o-2",
            decidedAt: NOW.toISOString(),
            key: "decisions/2026-12-01/unknown/containCredentials-skip-e-2.json",
        };
        // Catches an empty placeholder list printed as a line, "undefined" in place of "(missing)", and a
        // subject left with the trailing space of the missing type.
        assert.deepEqual(decisionMessage(record, STORE), {
            subject: "SKIPPED: containCredentials",
            message: [
                "SKIPPED: containCredentials for GuardDuty finding (no type)",
                "",
                "Severity: (missing)",
                "Account: (missing)",
                "Region: (missing)",
                "Finding: unknown",
                "Occurrence: o-2",
                "Mode: notify (remediation.containCredentials.mode)",
                "Why skipped: the finding names no account",
                `Record: s3://${BUCKET}/responses/decisions/2026-12-01/unknown/containCredentials-skip-e-2.json`,
            ].join("\n"),
        });
    });

    it("links the console only with both a region and a known finding ID", () => {
        const base: DecisionRecord = {
            action: "blockRemoteAddress",
            mode: "dry-run",
            verdict: "dry-run",
            findingId: "f-3",
            findingType: MALICIOUS,
            severity: 8,
            accountId: MEMBER,
            eventId: "e-3",
            occurrence: "o-3",
            decidedAt: NOW.toISOString(),
            key: "decisions/2026-12-01/f-3/blockRemoteAddress-dry-run-e-3.json",
            outcome: { status: "failed", details: ["the finding names no account or region to act in"] },
        };
        const lastLine = (r: DecisionRecord) => decisionMessage(r, STORE).message.split("\n").at(-1);
        const record = `Record: s3://${BUCKET}/responses/${base.key}`;
        // No region: a link to "undefined.console.aws.amazon.com" would be useless.
        assert.equal(lastLine(base), record);
        // An unknown finding: a link to fId=unknown finds nothing.
        assert.equal(lastLine({ ...base, region: "eu-west-1", findingId: "unknown" }), record);
        assert.equal(
            lastLine({ ...base, region: "eu-west-1" }),
            "Console (security account): https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings?macros=current&fId=f-3",
        );
        assert.deepEqual(decisionMessage(base, STORE).message.split("\n").slice(0, 11), [
            `FAILED: blockRemoteAddress for GuardDuty finding ${MALICIOUS}`,
            "",
            "Severity: 8",
            `Account: ${MEMBER}`,
            "Region: (missing)",
            "Finding: f-3",
            "Occurrence: o-3",
            "Mode: dry-run (remediation.blockRemoteAddress.mode)",
            "Outcome: failed",
            "  - the finding names no account or region to act in",
            record,
        ]);
    });

    it("heads the subject with what happened: each verdict, already done, gone, failed, lifted", () => {
        const record = (edit: Partial<DecisionRecord>): DecisionRecord => ({
            action: "blockRemoteAddress",
            mode: "act",
            verdict: "act",
            findingId: "f-4",
            findingType: MALICIOUS,
            eventId: "e-4",
            occurrence: "o-4",
            decidedAt: NOW.toISOString(),
            key: "decisions/k.json",
            ...edit,
        });
        const subjects = [
            record({ verdict: "skip", reason: "r" }),
            record({ verdict: "notify", mode: "notify" }),
            record({ verdict: "dry-run", outcome: { status: "would act", details: [] } }),
            record({ outcome: { status: "acted", details: [] } }),
            // "already done" is its own headline, not ACTED: nothing was changed this time.
            record({ outcome: { status: "already done", details: [] } }),
            record({ outcome: { status: "gone", details: [] } }),
            record({ outcome: { status: "failed", details: [] } }),
            record({ lift: true, outcome: { status: "acted", details: [] } }),
            record({ lift: true, outcome: { status: "failed", details: [] } }),
        ].map((r) => decisionMessage(r, STORE).subject);
        assert.deepEqual(subjects, [
            `SKIPPED: blockRemoteAddress ${MALICIOUS}`,
            // The longest headline: the type is cut at the 99th character.
            "WOULD ACT (notify mode, nothing changed): blockRemoteAddress UnauthorizedAccess:EC2/MaliciousIPCall",
            `DRY RUN: blockRemoteAddress ${MALICIOUS}`,
            `ACTED: blockRemoteAddress ${MALICIOUS}`,
            `ALREADY DONE: blockRemoteAddress ${MALICIOUS}`,
            `TARGET GONE: blockRemoteAddress ${MALICIOUS}`,
            `FAILED: blockRemoteAddress ${MALICIOUS}`,
            `LIFTED EXPIRED BLOCK: blockRemoteAddress ${MALICIOUS}`,
            `FAILED TO LIFT: blockRemoteAddress ${MALICIOUS}`,
        ]);
        const [first] = decisionMessage(
            record({ outcome: { status: "already done", details: ["x"] } }),
            STORE,
        ).message.split("\n");
        assert.equal(first, `ALREADY DONE: blockRemoteAddress for GuardDuty finding ${MALICIOUS}`);
    });

    it("keeps the subject SNS-valid: ASCII only, no line breaks, cut to 99 characters and trimmed", () => {
        const withType = (findingType: string) =>
            decisionMessage(
                {
                    action: "blockPublicBucket",
                    mode: "act",
                    verdict: "act",
                    findingId: "f-5",
                    findingType,
                    eventId: "e-5",
                    occurrence: "o-5",
                    decidedAt: NOW.toISOString(),
                    key: "decisions/k.json",
                },
                STORE,
            );
        // "ACTED: blockPublicBucket " is 25 characters, "Policy:S3/" 10: 64 more make 99.
        const long = withType(`Policy:S3/${"x".repeat(100)}`);
        assert.equal(long.subject, `ACTED: blockPublicBucket Policy:S3/${"x".repeat(64)}`);
        assert.equal(long.subject.length, 99);
        // SNS refuses a subject with a line break or a non-ASCII character: each UTF-16 unit becomes "?".
        const odd = withType("Policy:S3/B\u00fccket\nPublic\t\u{1f600}");
        assert.equal(odd.subject, "ACTED: blockPublicBucket Policy:S3/B?cket?Public???");
        // The message keeps the type as it is.
        assert.equal(
            odd.message.split("\n").slice(0, 2).join("\n"),
            "ACTED: blockPublicBucket for GuardDuty finding Policy:S3/B\u00fccket\nPublic\t\u{1f600}",
        );
        // A cut that ends on a space is trimmed: 25 + 10 + 63 puts the space at index 98.
        const spaced = withType(`Policy:S3/${"y".repeat(63)} tail`);
        assert.equal(spaced.subject, `ACTED: blockPublicBucket Policy:S3/${"y".repeat(63)}`);
        assert.equal(spaced.subject.length, 98);
    });
});

describe("the record store", () => {
    const EXPLICIT_KEY = "done/444444444444/f-1/${OCCURRENCE}/blockRemoteAddress-act.json";

    function store() {
        const s3 = new S3Client({ region: "eu-west-1" });
        return { s3, mock: mockClient(s3) };
    }

    it("keyPart keeps letters, digits and . _ = -, and replaces every other UTF-16 unit with _", () => {
        assert.deepEqual(["AZaz09._=-", "a/b c:d", "f/1 +x", "caf\u00e9", "\u{1f600}", ""].map(keyPart), [
            "AZaz09._=-",
            "a_b_c_d",
            "f_1__x",
            "caf_",
            "__",
            "",
        ]);
    });

    it("putRecord writes pretty JSON SSE-KMS under the prefix; only-if-absent adds If-None-Match *", async () => {
        const { s3, mock } = store();
        mock.on(PutObjectCommand).resolves({ ETag: '"e"' });
        const value = { a: 1, b: ["x"] };
        assert.equal(await putRecord(s3, STORE, "decisions/k.json", value, testRun()), "written");
        assert.equal(
            await putRecord(s3, STORE, EXPLICIT_KEY, value, testRun(), { onlyIfAbsent: true }),
            "written",
        );
        assert.equal(
            await putRecord(s3, STORE, "decisions/j.json", value, testRun(), { onlyIfAbsent: false }),
            "written",
        );
        assert.deepEqual(
            mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input),
            [
                putOf("decisions/k.json", value),
                putOf(EXPLICIT_KEY, value, true),
                putOf("decisions/j.json", value),
            ],
        );
    });

    it("putRecord only-if-absent answers exists on 412 (key exists) and 409 (concurrent write), once each", async () => {
        for (const [name, status] of [
            ["PreconditionFailed", 412],
            ["ConditionalRequestConflict", 409],
        ] as const) {
            const { s3, mock } = store();
            mock.on(PutObjectCommand).rejects(s3Error(name, status));
            assert.equal(
                await putRecord(s3, STORE, EXPLICIT_KEY, {}, testRun(), { onlyIfAbsent: true }),
                "exists",
                name,
            );
            assert.equal(mock.commandCalls(PutObjectCommand).length, 1, `${name} is not retried`);
        }
    });

    it("putRecord rethrows every other error, and a 412 or 409 of an unconditional write", async () => {
        // A denied write, an error with no HTTP status, a taken key without onlyIfAbsent: none is "exists".
        const cases: [Error, { onlyIfAbsent?: boolean }][] = [
            [s3Error("AccessDenied", 403), { onlyIfAbsent: true }],
            [new Error("socket closed"), { onlyIfAbsent: true }],
            [s3Error("PreconditionFailed", 412), {}],
            [s3Error("ConditionalRequestConflict", 409), { onlyIfAbsent: false }],
        ];
        for (const [error, options] of cases) {
            const { s3, mock } = store();
            mock.on(PutObjectCommand).rejects(error);
            await assert.rejects(
                putRecord(s3, STORE, EXPLICIT_KEY, {}, testRun(), options),
                (thrown) => thrown === error,
                `${error.name} ${JSON.stringify(options)}`,
            );
        }
    });

    it("recordExists: true only when the listing of its key starts with that very key", async () => {
        const cases: [{ Key?: string }[] | undefined, boolean][] = [
            [[{ Key: `responses/${EXPLICIT_KEY}` }], true],
            [[], false],
            [undefined, false],
            // A longer key that the record's key prefixes is another object, not the record.
            [[{ Key: `responses/${EXPLICIT_KEY}.bak` }], false],
            [[{}], false],
        ];
        for (const [contents, expected] of cases) {
            const { s3, mock } = store();
            mock.on(ListObjectsV2Command).resolves({ Contents: contents, IsTruncated: false });
            assert.equal(
                await recordExists(s3, STORE, EXPLICIT_KEY, testRun()),
                expected,
                JSON.stringify(contents),
            );
            assert.deepEqual(
                mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input),
                [{ Bucket: BUCKET, Prefix: `responses/${EXPLICIT_KEY}`, MaxKeys: 1 }],
            );
            assert.equal(mock.commandCalls(HeadObjectCommand).length, 0, "never a read S3 may answer 403");
        }
    });

    it("recordExists rethrows every failure: a denied or broken listing must not look like a new finding", async () => {
        for (const error of [
            s3Error("AccessDenied", 403),
            s3Error("NoSuchBucket", 404),
            new Error("socket closed"),
        ]) {
            const { s3, mock } = store();
            mock.on(ListObjectsV2Command).rejects(error);
            await assert.rejects(
                recordExists(s3, STORE, EXPLICIT_KEY, testRun()),
                (thrown) => thrown === error,
                error.name,
            );
        }
    });

    it("readRecord parses the object's JSON; an empty body is a JSON error, not a crash on the body", async () => {
        const { s3, mock } = store();
        mock.on(GetObjectCommand, { Key: "responses/blocks/a.json" }).resolves({
            Body: textBody('{"x":[1,"two"],"y":null}'),
        });
        mock.on(GetObjectCommand, { Key: "responses/blocks/empty.json" }).resolves({});
        assert.deepEqual(await readRecord(s3, STORE, "blocks/a.json", testRun()), { x: [1, "two"], y: null });
        await assert.rejects(readRecord(s3, STORE, "blocks/empty.json", testRun()), {
            name: "SyntaxError",
            message: "Unexpected end of JSON input",
        });
        assert.deepEqual(
            mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input),
            [
                { Bucket: BUCKET, Key: "responses/blocks/a.json" },
                { Bucket: BUCKET, Key: "responses/blocks/empty.json" },
            ],
        );
    });

    it("deleteRecord deletes the key under the prefix", async () => {
        const { s3, mock } = store();
        mock.on(DeleteObjectCommand).resolves({});
        assert.equal(await deleteRecord(s3, STORE, "blocks/a.json", testRun()), undefined);
        assert.deepEqual(
            mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input),
            [{ Bucket: BUCKET, Key: "responses/blocks/a.json" }],
        );
    });

    it("listRecords follows ContinuationToken while IsTruncated, and returns keys relative to the prefix", async () => {
        const { s3, mock } = store();
        mock.on(ListObjectsV2Command)
            .resolvesOnce({
                Contents: [
                    { Key: "responses/blocks/a.json" },
                    { Size: 0 },
                    { Key: "responses/blocks/b.json" },
                ],
                IsTruncated: true,
                NextContinuationToken: "token-2",
                KeyCount: 3,
            })
            .resolvesOnce({
                Contents: [{ Key: "responses/blocks/c.json" }],
                // IsTruncated decides: a token beside IsTruncated false is not followed.
                IsTruncated: false,
                NextContinuationToken: "stray",
                KeyCount: 1,
            })
            .resolves({ Contents: [{ Key: "responses/blocks/never.json" }], IsTruncated: false });
        assert.deepEqual(await listRecords(s3, STORE, "blocks/", testRun()), [
            "blocks/a.json",
            "blocks/b.json",
            "blocks/c.json",
        ]);
        assert.deepEqual(
            mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input),
            [
                { Bucket: BUCKET, Prefix: "responses/blocks/", ContinuationToken: undefined },
                { Bucket: BUCKET, Prefix: "responses/blocks/", ContinuationToken: "token-2" },
            ],
        );
    });

    it("listRecords stops at a truncated page without a token, and takes an empty listing", async () => {
        const { s3, mock } = store();
        mock.on(ListObjectsV2Command)
            .resolvesOnce({ KeyCount: 0, IsTruncated: true })
            .resolves({ Contents: [{ Key: "responses/blocks/never.json" }], IsTruncated: false });
        assert.deepEqual(await listRecords(s3, STORE, "blocks/", testRun()), []);
        assert.equal(mock.commandCalls(ListObjectsV2Command).length, 1);
    });

    it("every store call stops at the deadline, naming the call, and is never read as absent or taken", async () => {
        const { s3, mock } = store();
        mock.on(PutObjectCommand).resolves({});
        const late = () => testRun(0);
        await assert.rejects(putRecord(s3, STORE, EXPLICIT_KEY, {}, late()), refused("s3:PutObject"));
        await assert.rejects(
            putRecord(s3, STORE, EXPLICIT_KEY, {}, late(), { onlyIfAbsent: true }),
            refused("s3:PutObject"),
        );
        await assert.rejects(recordExists(s3, STORE, EXPLICIT_KEY, late()), refused("s3:ListObjectsV2"));
        await assert.rejects(readRecord(s3, STORE, EXPLICIT_KEY, late()), refused("s3:GetObject"));
        await assert.rejects(deleteRecord(s3, STORE, EXPLICIT_KEY, late()), refused("s3:DeleteObject"));
        await assert.rejects(listRecords(s3, STORE, "blocks/", late()), refused("s3:ListObjectsV2"));
        assert.equal(mock.calls().length, 0);
    });
});

describe("the responder run's records", () => {
    it("keys escape the finding and event IDs; both records carry the whole decision; the message matches", async () => {
        const w = world();
        const event = maliciousCallerEvent((d) => (d.id = "f/1 +x"));
        event.id = "evt:1/2";
        const records = await respondHeld(w, event, responderSettings(), testRun());
        const record: DecisionRecord = {
            action: "blockRemoteAddress",
            mode: "notify",
            verdict: "notify",
            target: { action: "blockRemoteAddress", addresses: [PUBLIC_IP], subnets: [SUBNET] },
            findingId: "f/1 +x",
            findingType: MALICIOUS,
            severity: 5,
            accountId: MEMBER,
            region: "us-east-1",
            eventId: "evt:1/2",
            occurrence: OCCURRENCE,
            count: 1,
            decidedAt: NOW.toISOString(),
            key: "decisions/2026-12-01/f_1__x/blockRemoteAddress-notify-evt_1_2.json",
        };
        assert.deepEqual(records, [record]);
        assert.deepEqual(w.doneLookups(), [
            doneLookupOf(`done/${MEMBER}/f_1__x/${OCCURRENCE}/blockRemoteAddress-notify.json`),
        ]);
        assert.deepEqual(w.puts(), [
            putOf(record.key, record),
            putOf(`done/${MEMBER}/f_1__x/${OCCURRENCE}/blockRemoteAddress-notify.json`, record, true),
        ]);
        assert.deepEqual(w.published(), [
            {
                TopicArn: TOPIC,
                Subject:
                    "WOULD ACT (notify mode, nothing changed): blockRemoteAddress UnauthorizedAccess:EC2/MaliciousIPCall",
                Message: [
                    `WOULD ACT (notify mode, nothing changed): blockRemoteAddress for GuardDuty finding ${MALICIOUS}`,
                    "",
                    "Severity: 5",
                    `Account: ${MEMBER}`,
                    "Region: us-east-1",
                    "Finding: f/1 +x",
                    `Occurrence: ${OCCURRENCE}`,
                    "Mode: notify (remediation.blockRemoteAddress.mode)",
                    `Target: {"action":"blockRemoteAddress","addresses":["${PUBLIC_IP}"],"subnets":["${SUBNET}"]}`,
                    `Record: s3://${BUCKET}/responses/${record.key}`,
                    "Console (security account): https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=f/1 +x",
                ].join("\n"),
            },
        ]);
        assert.deepEqual(w.members, []);
    });

    it("a finding without an ID is 'unknown', an event without one is named by the time", async () => {
        const w = world();
        const event = maliciousCallerEvent((d) => delete d.id);
        delete event.id;
        const [record] = await respondHeld(w, event, responderSettings(), testRun());
        // 1796119200000 is NOW in epoch milliseconds. Without an ID the finding cannot be read back from
        // GuardDuty, so even a notification is refused: nothing unconfirmed is told as an incident.
        const key = "decisions/2026-12-01/unknown/blockRemoteAddress-skip-1796119200000.json";
        assert.deepEqual([record.findingId, record.eventId, record.key], ["unknown", "1796119200000", key]);
        assert.equal(
            record.reason,
            "not confirmed: the event names no finding ID or region to read it back from",
        );
        assert.equal(w.mocks.guardduty.calls().length, 0);
        assert.deepEqual(w.doneLookups(), [
            doneLookupOf(`done/${MEMBER}/unknown/${OCCURRENCE}/blockRemoteAddress-skip.json`),
        ]);
        assert.deepEqual(
            w.puts().map((p) => p.Key),
            [
                `responses/${key}`,
                `responses/done/${MEMBER}/unknown/${OCCURRENCE}/blockRemoteAddress-skip.json`,
            ],
        );
        assert.deepEqual(w.published(), [publishOf(record)]);
        assert.ok(!(w.published()[0].Message ?? "").includes("Console"), "no link to fId=unknown");
    });

    it("a finding without an account is skipped under done/unknown/, and its OUs are not asked for", async () => {
        const w = world({ ous: async () => ["ou-ab12-sandbox1"] });
        const event = maliciousCallerEvent((d) => delete d.accountId);
        const settings = responderSettings({
            exemptOrganizationalUnits: ["ou-ab12-sandbox1"],
            blockRemoteAddress: { mode: "act" },
        });
        const records = await respondHeld(w, event, settings, testRun());
        const findingId = event.detail.id ?? "";
        const record: DecisionRecord = {
            action: "blockRemoteAddress",
            mode: "act",
            verdict: "skip",
            reason: "the finding names no account",
            findingId,
            findingType: MALICIOUS,
            severity: 5,
            accountId: undefined,
            region: "us-east-1",
            eventId: event.id ?? "",
            occurrence: OCCURRENCE,
            count: 1,
            decidedAt: NOW.toISOString(),
            key: `decisions/2026-12-01/${findingId}/blockRemoteAddress-skip-${event.id}.json`,
        };
        assert.deepEqual(records, [record]);
        // No account to look up: ListParents of undefined would only fail.
        assert.deepEqual(w.ousAsked, []);
        assert.deepEqual(w.doneLookups(), [
            doneLookupOf(`done/unknown/${findingId}/${OCCURRENCE}/blockRemoteAddress-skip.json`),
        ]);
        assert.deepEqual(w.puts(), [
            putOf(record.key, record),
            putOf(`done/unknown/${findingId}/${OCCURRENCE}/blockRemoteAddress-skip.json`, record, true),
        ]);
        assert.deepEqual(w.published(), [publishOf(record)]);
        assert.equal((w.published()[0].Message ?? "").split("\n")[3], "Account: (missing)");
        assert.deepEqual(w.members, []);
    });

    it("an act on a finding without a region is never confirmed, so never reaches the member", async () => {
        const w = world();
        const event = maliciousCallerEvent((d) => delete d.region);
        const [record] = await respondHeld(
            w,
            event,
            responderSettings({ blockRemoteAddress: { mode: "act" } }),
            testRun(),
        );
        assert.equal(record.verdict, "skip");
        assert.equal(
            record.reason,
            "not confirmed: the event names no finding ID or region to read it back from",
        );
        assert.equal(record.outcome, undefined);
        assert.equal(record.region, undefined);
        assert.deepEqual(w.members, []);
        assert.equal(w.mocks.ec2.calls().length, 0);
        assert.deepEqual(w.published(), [publishOf(record)]);
        const lines = (w.published()[0].Message ?? "").split("\n");
        assert.equal(lines[0], `SKIPPED: blockRemoteAddress for GuardDuty finding ${MALICIOUS}`);
        assert.equal(lines[4], "Region: (missing)");
        assert.equal(lines.at(-1), `Record: s3://${BUCKET}/responses/${record.key}`);
    });

    it("act keeps one block record per ACL entry created, before the decision and its claim", async () => {
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
        const blocks = [false, true].map((egress) => ({
            networkAclId: ACL,
            ruleNumber: 1,
            egress,
            cidr: `${PUBLIC_IP}/32`,
        }));
        assert.deepEqual(record.outcome, {
            status: "acted",
            details: [
                `${ACL}: rule 1 denies all traffic inbound from ${PUBLIC_IP}`,
                `${ACL}: rule 1 denies all traffic outbound to ${PUBLIC_IP}`,
            ],
            blocks,
        });
        const kept = (block: (typeof blocks)[number]): BlockRecord => ({
            accountId: MEMBER,
            region: "us-east-1",
            block,
            findingId: event.detail.id ?? "",
            createdAt: NOW.toISOString(),
            expiresAt: "2026-12-01T16:00:00.000Z",
        });
        assert.deepEqual(w.puts(), [
            // Claimed: written only if no record is at the key (another run's claim of the number).
            putOf(`blocks/${MEMBER}/us-east-1/${ACL}-1-in.json`, kept(blocks[0]), true),
            putOf(`blocks/${MEMBER}/us-east-1/${ACL}-1-out.json`, kept(blocks[1]), true),
            putOf(record.key, record),
            putOf(
                `done/${MEMBER}/${event.detail.id}/${OCCURRENCE}/blockRemoteAddress-act.json`,
                record,
                true,
            ),
        ]);
        assert.deepEqual(w.published(), [publishOf(record)]);
    });

    it("act with nothing to create keeps no block; a partly failed act keeps the block it made, unclaimed", async () => {
        const done = world();
        // Denies someone else made (not recorded as the responder's), deciding before the allow at 100.
        subnetAcl(done, [
            { RuleNumber: 50, Egress: false },
            { RuleNumber: 50, Egress: true },
        ]);
        const settings = responderSettings({ blockRemoteAddress: { mode: "act" } });
        const [already] = await respondHeld(done, maliciousCallerEvent(), settings, testRun());
        const foreign = (direction: string) =>
            `${ACL}: ${direction} ${PUBLIC_IP} already denied by rule 50 (deny ${PUBLIC_IP}/32, protocol -1) (not the responder's: left as it is, never lifted)`;
        assert.deepEqual(already.outcome, {
            status: "already done",
            details: [foreign("inbound from"), foreign("outbound to")],
        });
        assert.deepEqual(
            done.puts().map((p) => [p.Key, p.IfNoneMatch]),
            [
                [`responses/${already.key}`, undefined],
                [
                    `responses/done/${MEMBER}/${maliciousCallerEvent().detail.id}/${OCCURRENCE}/blockRemoteAddress-act.json`,
                    "*",
                ],
            ],
        );
        assert.equal(done.published()[0].Subject, `ALREADY DONE: blockRemoteAddress ${MALICIOUS}`);

        const partial = world();
        subnetAcl(partial);
        partial.mocks.ec2
            .on(CreateNetworkAclEntryCommand)
            .callsFake(async (input: CreateNetworkAclEntryCommandInput) => {
                if (input.Egress === true) throw ec2Error("NetworkAclEntryLimitExceeded");
                return {};
            });
        const [half] = await respondHeld(partial, maliciousCallerEvent(), settings, testRun());
        const inbound = { networkAclId: ACL, ruleNumber: 1, egress: false, cidr: `${PUBLIC_IP}/32` };
        assert.deepEqual(half.outcome, {
            status: "failed",
            details: [
                `${ACL}: rule 1 denies all traffic inbound from ${PUBLIC_IP}`,
                `${ACL}: the network ACL is full (its rules-per-network-ACL quota); outbound to ${PUBLIC_IP} NOT blocked`,
            ],
            blocks: [inbound],
        });
        // The deny that was made must still expire, even though the decision failed; the record written
        // before the refused one is deleted again.
        assert.deepEqual(
            partial.puts().map((p) => [p.Key, p.IfNoneMatch]),
            [
                [`responses/blocks/${MEMBER}/us-east-1/${ACL}-1-in.json`, "*"],
                [`responses/blocks/${MEMBER}/us-east-1/${ACL}-1-out.json`, "*"],
                [`responses/${half.key}`, undefined],
            ],
        );
        assert.deepEqual(
            partial.mocks.s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key),
            [`responses/blocks/${MEMBER}/us-east-1/${ACL}-1-out.json`],
        );
    });
});

describe("the responder run's other actions", () => {
    const mining = (edit: (d: Json) => void = () => undefined) =>
        findingEvent("CryptoCurrency:EC2/BitcoinTool.B!DNS", edit);

    function instance(w: ReturnType<typeof world>) {
        w.mocks.ec2.on(DescribeInstancesCommand).resolves({
            Reservations: [
                {
                    Instances: [
                        {
                            InstanceId: INSTANCE,
                            NetworkInterfaces: [
                                {
                                    NetworkInterfaceId: "eni-bfcffe88",
                                    Groups: [{ GroupId: "sg-0app0000000000000", GroupName: "app" }],
                                },
                            ],
                        },
                    ],
                },
            ],
        });
        w.mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
        // EC2's answer to a DryRun call that would succeed.
        w.mocks.ec2.on(CreateSnapshotsCommand).rejects(ec2Error("DryRunOperation"));
        w.mocks.ec2.on(ModifyNetworkInterfaceAttributeCommand).rejects(ec2Error("DryRunOperation"));
        w.mocks.ec2.on(CreateTagsCommand).rejects(ec2Error("DryRunOperation"));
    }

    it("isolateInstance rehearses in the finding's account and region, tagging the evidence with the finding", async () => {
        for (const id of ["26b6396cc2a7b63020d30bc0606267af"]) {
            const w = world();
            instance(w);
            const event = mining();
            const [record] = await respondHeld(
                w,
                event,
                responderSettings({ isolateInstance: { mode: "dry-run" } }),
                testRun(),
            );
            const tag = id;
            assert.deepEqual(record.outcome, {
                status: "would act",
                details: [
                    `snapshots of every volume of ${INSTANCE}, tagged security-governance:finding=${tag}`,
                    "eni-bfcffe88: security groups sg-0app0000000000000 would be replaced by security-governance-quarantine (made by the first act; the move is rehearsed once the group exists)",
                ],
            });
            assert.deepEqual(w.members, [[MEMBER, "us-west-2"]]);
            assert.deepEqual(
                w.mocks.ec2.commandCalls(CreateSnapshotsCommand).map((c) => c.args[0].input),
                [
                    {
                        InstanceSpecification: { InstanceId: INSTANCE },
                        Description: `Evidence for GuardDuty finding ${tag}`,
                        CopyTagsFromSource: "volume",
                        TagSpecifications: [
                            {
                                ResourceType: "snapshot",
                                Tags: [{ Key: "security-governance:finding", Value: tag }],
                            },
                        ],
                        DryRun: true,
                    },
                ],
            );
            // stopInstance is false by default.
            assert.equal(w.mocks.ec2.commandCalls(StopInstancesCommand).length, 0);
        }
    });

    it("containCredentials rehearses a role's revocation as of now; the responder's own role is never a target", async () => {
        const exfiltration = (userName: string) =>
            findingEvent("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
                d.type = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS";
                const key = d.resource?.accessKeyDetails;
                assert.ok(key);
                key.userType = "AssumedRole";
                key.userName = userName;
            });
        const settings = responderSettings({ containCredentials: { mode: "dry-run" } });
        const w = world();
        const [app] = await respondHeld(w, exfiltration("app-role"), settings, testRun());
        assert.deepEqual(app.outcome, {
            status: "would act",
            details: ["sessions of role app-role issued before 2026-12-01T10:00:00.000Z would be revoked"],
        });
        assert.deepEqual(w.members, [[MEMBER, "us-west-2"]]);
        assert.equal(w.mocks.iam.calls().length, 0, "a dry run reads nothing and changes nothing");

        const own = world();
        const event = exfiltration(ROLE);
        const records = await respondHeld(own, event, settings, testRun());
        assert.deepEqual(records, [
            {
                action: "containCredentials",
                mode: "dry-run",
                verdict: "skip",
                reason: `${ROLE} is the responder's own role: revoking it would stop every later response`,
                findingId: event.detail.id,
                findingType: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                severity: 5,
                accountId: MEMBER,
                region: "us-west-2",
                eventId: event.id,
                // The fixture's count 54 and eventLastSeen 2018-02-20T21:59:26Z, ":" escaped.
                occurrence: "54-2018-02-20T21_59_26Z",
                count: 54,
                decidedAt: NOW.toISOString(),
                key: `decisions/2026-12-01/${event.detail.id}/containCredentials-skip-${event.id}.json`,
            },
        ]);
        assert.deepEqual(own.members, []);
    });

    it("blockPublicBucket rehearses on the member's bucket, checking it is still the member's", async () => {
        const w = world();
        w.mocks.memberS3.on(GetPublicAccessBlockCommand).resolves({
            PublicAccessBlockConfiguration: {
                BlockPublicAcls: true,
                IgnorePublicAcls: true,
                BlockPublicPolicy: false,
                RestrictPublicBuckets: false,
            },
        });
        const event = findingEvent("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
            d.type = "Policy:S3/BucketPublicAccessGranted";
            d.resource = { resourceType: "S3Bucket", s3BucketDetails: [{ name: "b-one" }] };
        });
        const [record] = await respondHeld(
            w,
            event,
            responderSettings({ blockPublicBucket: { mode: "dry-run" } }),
            testRun(),
        );
        assert.deepEqual(record.outcome, {
            status: "would act",
            details: ["b-one: would turn on BlockPublicPolicy, RestrictPublicBuckets"],
        });
        assert.deepEqual(
            w.mocks.memberS3.commandCalls(GetPublicAccessBlockCommand).map((c) => c.args[0].input),
            [{ Bucket: "b-one", ExpectedBucketOwner: MEMBER }],
        );
        assert.equal(w.mocks.memberS3.commandCalls(PutPublicAccessBlockCommand).length, 0);
        assert.deepEqual(w.members, [[MEMBER, "us-west-2"]]);
    });
});

describe("the responder run at its deadline", () => {
    it("a deadline in the member action stops the run; it is not recorded as the decision's failure", async () => {
        const w = world();
        const run = testRun(1_000);
        // The clock reaches the deadline while the done/ record is looked up.
        w.mocks.s3.on(ListObjectsV2Command).callsFake(async () => {
            run.clock.now = 1_000;
            return { KeyCount: 0, IsTruncated: false };
        });
        await assert.rejects(
            respondHeld(
                w,
                maliciousCallerEvent(),
                responderSettings({ blockRemoteAddress: { mode: "act" } }),
                run,
            ),
            refused("ec2:DescribeNetworkAcls"),
        );
        assert.deepEqual(w.members, [[MEMBER, "us-east-1"]]);
        assert.deepEqual(w.puts(), []);
        assert.deepEqual(w.published(), []);
    });

    it("a deadline before the topic stops the run, naming sns:Publish", async () => {
        const w = world();
        const run = testRun(1_000);
        w.mocks.s3.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
            if (input.IfNoneMatch === "*") run.clock.now = 1_000;
            return {};
        });
        await assert.rejects(
            respondHeld(w, maliciousCallerEvent(), responderSettings(), run),
            refused("sns:Publish"),
        );
        assert.equal(w.puts().length, 2);
        assert.deepEqual(w.published(), []);
    });

    it("a deadline while reading the account's OUs stops the run instead of skipping the finding", async () => {
        const deadline = new DeadlineReached(
            "stopped before the time limit, before organizations:ListParents; the next run resumes",
        );
        const w = world({
            ous: async () => {
                throw deadline;
            },
        });
        await assert.rejects(
            respondHeld(
                w,
                maliciousCallerEvent(),
                responderSettings({
                    exemptOrganizationalUnits: ["ou-ab12-sandbox1"],
                    blockRemoteAddress: { mode: "act" },
                }),
                testRun(),
            ),
            (thrown) => thrown === deadline,
        );
        assert.deepEqual(w.ousAsked, [MEMBER]);
        assert.equal(w.mocks.s3.calls().length, 0);
        assert.deepEqual(w.published(), []);
    });
});

describe("the expiry sweep's details", () => {
    const BLOCK_KEY = `blocks/${MEMBER}/us-east-1/${ACL}-3-out.json`;
    const kept = (edit: Json = {}): Json => ({
        accountId: MEMBER,
        region: "us-east-1",
        block: { networkAclId: ACL, ruleNumber: 3, egress: true, cidr: `${PUBLIC_IP}/32` },
        findingId: "f/1",
        createdAt: "2026-11-30T10:00:00.000Z",
        expiresAt: NOW.toISOString(),
        ...edit,
    });

    function sweepWorld(records: Record<string, string>) {
        const w = world();
        w.mocks.s3.on(ListObjectsV2Command).resolves({
            Contents: Object.keys(records).map((k) => ({ Key: `responses/${k}` })),
            IsTruncated: false,
        });
        for (const [k, v] of Object.entries(records))
            w.mocks.s3.on(GetObjectCommand, { Key: `responses/${k}` }).resolves({ Body: textBody(v) });
        w.mocks.s3.on(DeleteObjectCommand).resolves({});
        return w;
    }

    /** The lift's decision record, as the sweep must write it. */
    const lift = (outcome: DecisionRecord["outcome"]): DecisionRecord => ({
        action: "blockRemoteAddress",
        mode: "act",
        verdict: "act",
        findingId: "f/1",
        accountId: MEMBER,
        region: "us-east-1",
        eventId: "sweep-1796119200000",
        occurrence: "sweep",
        decidedAt: NOW.toISOString(),
        key: `decisions/2026-12-01/f_1/liftBlock-${MEMBER}_us-east-1_${ACL}-3-out.json`,
        lift: true,
        outcome,
    });

    const settings = () => responderSettings({ blockRemoteAddress: { mode: "act" } });

    it("lifts a block expiring exactly now; writes and tells the lift record exactly", async () => {
        const w = sweepWorld({ [BLOCK_KEY]: JSON.stringify(kept()) });
        w.mocks.ec2.on(DescribeNetworkAclsCommand).resolves({
            NetworkAcls: [
                {
                    NetworkAclId: ACL,
                    Entries: [
                        {
                            RuleNumber: 3,
                            Egress: true,
                            RuleAction: "deny",
                            Protocol: "-1",
                            CidrBlock: `${PUBLIC_IP}/32`,
                        },
                    ],
                },
            ],
        });
        w.mocks.ec2.on(DeleteNetworkAclEntryCommand).resolves({});
        const result = await sweepExpiredBlocks(settings(), w.deps, testRun());
        assert.deepEqual(result, { lifted: 1, waiting: 0, failed: 0 });
        assert.deepEqual(
            w.mocks.s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input),
            [{ Bucket: BUCKET, Prefix: "responses/blocks/", ContinuationToken: undefined }],
        );
        assert.deepEqual(
            w.mocks.ec2.commandCalls(DeleteNetworkAclEntryCommand).map((c) => c.args[0].input),
            [{ NetworkAclId: ACL, RuleNumber: 3, Egress: true }],
        );
        assert.deepEqual(
            w.mocks.s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input),
            [{ Bucket: BUCKET, Key: `responses/${BLOCK_KEY}` }],
        );
        const record = lift({
            status: "acted",
            details: [`expired ${NOW.toISOString()}: ${ACL} rule 3 (outbound, deny ${PUBLIC_IP}/32) deleted`],
        });
        assert.deepEqual(w.puts(), [putOf(record.key, record)]);
        assert.deepEqual(w.published(), [
            {
                TopicArn: TOPIC,
                Subject: "LIFTED EXPIRED BLOCK: blockRemoteAddress",
                Message: [
                    "LIFTED EXPIRED BLOCK: blockRemoteAddress for GuardDuty finding (no type)",
                    "",
                    "Severity: (missing)",
                    `Account: ${MEMBER}`,
                    "Region: us-east-1",
                    "Finding: f/1",
                    "Mode: act (remediation.blockRemoteAddress.mode)",
                    "Outcome: acted",
                    `  - expired ${NOW.toISOString()}: ${ACL} rule 3 (outbound, deny ${PUBLIC_IP}/32) deleted`,
                    `Record: s3://${BUCKET}/responses/${record.key}`,
                    "Console (security account): https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=f/1",
                ].join("\n"),
            },
        ]);
    });

    it("a block someone already deleted is recorded as gone, and its record deleted", async () => {
        const w = sweepWorld({ [BLOCK_KEY]: JSON.stringify(kept()) });
        w.mocks.ec2
            .on(DescribeNetworkAclsCommand)
            .resolves({ NetworkAcls: [{ NetworkAclId: ACL, Entries: [] }] });
        assert.deepEqual(await sweepExpiredBlocks(settings(), w.deps, testRun()), {
            lifted: 1,
            waiting: 0,
            failed: 0,
        });
        const record = lift({
            status: "acted",
            details: [
                `expired ${NOW.toISOString()}: ${ACL} rule 3 (outbound, deny ${PUBLIC_IP}/32) already gone: someone deleted it`,
            ],
        });
        assert.deepEqual(w.puts(), [putOf(record.key, record)]);
        assert.equal(w.mocks.ec2.commandCalls(DeleteNetworkAclEntryCommand).length, 0);
        assert.equal(w.mocks.s3.commandCalls(DeleteObjectCommand).length, 1);
    });

    it("a failed lift is recorded with the reason and keeps the block record", async () => {
        const w = sweepWorld({ [BLOCK_KEY]: JSON.stringify(kept()) });
        w.mocks.ec2.on(DescribeNetworkAclsCommand).rejects(ec2Error("UnauthorizedOperation"));
        assert.deepEqual(await sweepExpiredBlocks(settings(), w.deps, testRun()), {
            lifted: 0,
            waiting: 0,
            failed: 1,
        });
        const record = lift({
            status: "failed",
            details: [
                `expired ${NOW.toISOString()}: ${ACL} rule 3 (outbound, deny ${PUBLIC_IP}/32) not lifted, tried again next sweep: UnauthorizedOperation: UnauthorizedOperation`,
            ],
        });
        assert.deepEqual(w.puts(), [putOf(record.key, record)]);
        assert.deepEqual(w.published(), [publishOf(record)]);
        assert.equal(w.published()[0].Subject, "FAILED TO LIFT: blockRemoteAddress");
        assert.equal(w.mocks.s3.commandCalls(DeleteObjectCommand).length, 0);
    });

    it("a deadline during a lift stops the sweep: no record of a failure, the block record kept", async () => {
        const w = sweepWorld({ [BLOCK_KEY]: JSON.stringify(kept()) });
        const run = testRun(1_000);
        // The time runs out while the record is read again just before the lift.
        w.mocks.s3
            .on(GetObjectCommand)
            .resolvesOnce({ Body: textBody(JSON.stringify(kept())) })
            .callsFake(async () => {
                run.clock.now = 1_000;
                return { Body: textBody(JSON.stringify(kept())) };
            });
        await assert.rejects(sweepExpiredBlocks(settings(), w.deps, run), refused("ec2:DescribeNetworkAcls"));
        assert.deepEqual(w.puts(), []);
        assert.deepEqual(w.published(), []);
        assert.equal(w.mocks.s3.commandCalls(DeleteObjectCommand).length, 0);
    });

    // Each is one field away from a block record (or no object at all): read as one, it would send the
    // member role after undefined accounts, lift rules it never made, or crash the sweep.
    const notBlocks: [string, unknown][] = [
        ["null", null],
        ["a string", "blocks"],
        ["an array", []],
        ["no accountId", kept({ accountId: undefined })],
        ["a numeric region", kept({ region: 1 })],
        ["no expiresAt", kept({ expiresAt: undefined })],
        ["no block", kept({ block: undefined })],
        [
            "a block without its ACL",
            kept({ block: { ruleNumber: 3, egress: true, cidr: `${PUBLIC_IP}/32` } }),
        ],
        ["a numeric ACL", kept({ block: { networkAclId: 5, ruleNumber: 3, egress: true, cidr: "x" } })],
        [
            "a text rule number",
            kept({ block: { networkAclId: ACL, ruleNumber: "3", egress: true, cidr: "x" } }),
        ],
        ["no direction", kept({ block: { networkAclId: ACL, ruleNumber: 3, cidr: `${PUBLIC_IP}/32` } })],
        [
            "a text direction",
            kept({ block: { networkAclId: ACL, ruleNumber: 3, egress: "true", cidr: "x" } }),
        ],
        ["no address", kept({ block: { networkAclId: ACL, ruleNumber: 3, egress: true } })],
    ];
    for (const [what, value] of notBlocks) {
        it(`leaves a record with ${what} as it is, counted failed and logged`, async () => {
            const key = `blocks/${MEMBER}/us-east-1/odd.json`;
            const w = sweepWorld({ [key]: JSON.stringify(value) });
            const { value: result, lines } = await logged(() =>
                sweepExpiredBlocks(settings(), w.deps, testRun()),
            );
            assert.deepEqual(result, { lifted: 0, waiting: 0, failed: 1 });
            assert.deepEqual(lines, [`${key}: not a block record; left as it is`]);
            assert.deepEqual(w.members, []);
            assert.equal(w.mocks.ec2.calls().length, 0);
            assert.deepEqual(w.puts(), []);
            assert.deepEqual(w.published(), []);
            assert.equal(w.mocks.s3.commandCalls(DeleteObjectCommand).length, 0);
        });
    }

    it("a bad record does not stop the next one", async () => {
        const w = sweepWorld({
            [`blocks/${MEMBER}/us-east-1/odd.json`]: "null",
            [BLOCK_KEY]: JSON.stringify(kept({ expiresAt: "2026-12-01T10:00:00.001Z" })),
        });
        const { value: result } = await logged(() => sweepExpiredBlocks(settings(), w.deps, testRun()));
        assert.deepEqual(result, { lifted: 0, waiting: 1, failed: 1 });
    });
});

describe("the OUs of an account, at the limits", () => {
    /** A chain account -> ou 1 -> ... -> ou n -> root, answered by ListParents. */
    function chain(n: number) {
        const organizations = new OrganizationsClient({ region: "us-east-1" });
        const mock = mockClient(organizations);
        const ou = (i: number) => `ou-ab12-${String(i).padStart(8, "0")}`;
        mock.on(ListParentsCommand).callsFake(async (input: ListParentsCommandInput) => {
            const at = input.ChildId === MEMBER ? 0 : Number(input.ChildId?.slice("ou-ab12-".length));
            return at === n
                ? { Parents: [{ Id: "r-ab12", Type: "ROOT" }] }
                : { Parents: [{ Id: ou(at + 1), Type: "ORGANIZATIONAL_UNIT" }] };
        });
        return { organizations, mock, ou };
    }

    it("walks 20 OUs up to the root", async () => {
        const { organizations, mock, ou } = chain(20);
        assert.deepEqual(
            await organizationalUnitsOf(organizations, MEMBER, testRun()),
            Array.from({ length: 20 }, (_, i) => ou(i + 1)),
        );
        assert.equal(mock.commandCalls(ListParentsCommand).length, 21);
    });

    it("refuses a 21st OU: no organization nests that deep", async () => {
        const { organizations, mock } = chain(25);
        await assert.rejects(organizationalUnitsOf(organizations, MEMBER, testRun()), {
            message: `more than 20 OUs above ${MEMBER}`,
        });
        assert.equal(mock.commandCalls(ListParentsCommand).length, 21);
    });

    it("an answer without Parents is an error naming the child; the deadline names ListParents", async () => {
        const organizations = new OrganizationsClient({ region: "us-east-1" });
        const mock = mockClient(organizations);
        mock.on(ListParentsCommand).resolves({});
        await assert.rejects(organizationalUnitsOf(organizations, MEMBER, testRun()), {
            name: "Error",
            message: `ListParents named no parent of ${MEMBER}`,
        });
        await assert.rejects(
            organizationalUnitsOf(organizations, MEMBER, testRun(0)),
            refused("organizations:ListParents"),
        );
        assert.deepEqual(
            mock.commandCalls(ListParentsCommand).map((c) => c.args[0].input),
            [{ ChildId: MEMBER }],
        );
    });
});
