import { strict as assert } from "node:assert";
import {
    DeleteObjectCommand,
    GetObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { blockLedger, quarantineLedger } from "../functions/response/ledgers";
import { BUCKET, KEY, s3Error, STORE, textBody } from "./helpers/response-world";
import { testRun } from "./helpers/run";

/*
 * The responder's records of what it made are its only proof of ownership: a block is its own only when the
 * record at the block's key names that very entry, a quarantine group only when the record names that VPC in
 * that account and region. S3 is an aws-sdk-client-mock instance mock answering as S3 does: a conditional write
 * (If-None-Match "*") onto an existing key is 412 (PutObject API reference).
 */

const ACCOUNT = "444444444444";
const REGION = "us-east-1";
const BLOCK = {
    networkAclId: "acl-0123456789abcdef0",
    ruleNumber: 7,
    egress: true,
    cidr: "185.220.101.7/32",
};
const KEY_OF_BLOCK = `responses/blocks/${ACCOUNT}/${REGION}/acl-0123456789abcdef0-7-out.json`;
const NOW = new Date("2026-12-01T10:00:00.000Z");

function s3With(objects: Record<string, unknown>) {
    const s3 = new S3Client({ region: "eu-west-1" });
    const mock = mockClient(s3);
    mock.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => {
        const keys = Object.keys(objects).filter((k) => k.startsWith(input.Prefix ?? ""));
        return { Contents: keys.map((Key) => ({ Key })), KeyCount: keys.length };
    });
    for (const [key, body] of Object.entries(objects))
        mock.on(GetObjectCommand, { Key: key }).resolves({
            Body: textBody(typeof body === "string" ? body : JSON.stringify(body)),
        });
    mock.on(PutObjectCommand).resolves({});
    mock.on(DeleteObjectCommand).resolves({});
    return { s3, mock };
}

const where = (s3: S3Client) => ({ s3, store: STORE, accountId: ACCOUNT, region: REGION, run: testRun() });
const finding = { id: "f-1", now: NOW, expiresAt: new Date("2026-12-02T10:00:00.000Z") };
const record = (edit: Record<string, unknown> = {}) => ({
    accountId: ACCOUNT,
    region: REGION,
    block: BLOCK,
    findingId: "f-0",
    createdAt: "2026-11-30T10:00:00.000Z",
    expiresAt: "2026-12-01T10:00:00.000Z",
    ...edit,
});

describe("the responder's ledgers", () => {
    it("a block is its own only when the record at its key names that very entry", async () => {
        assert.equal(
            await blockLedger(where(s3With({ [KEY_OF_BLOCK]: record() }).s3), finding).isOwn(BLOCK),
            true,
        );
        for (const [name, edit] of [
            ["another account", { accountId: "555555555555" }],
            ["another region", { region: "eu-west-1" }],
            ["another address", { block: { ...BLOCK, cidr: "203.0.113.9/32" } }],
            ["another number", { block: { ...BLOCK, ruleNumber: 8 } }],
            ["another direction", { block: { ...BLOCK, egress: false } }],
            ["another ACL", { block: { ...BLOCK, networkAclId: "acl-0fff" } }],
            ["no finding", { findingId: undefined }],
        ] as const) {
            const { s3 } = s3With({ [KEY_OF_BLOCK]: record(edit) });
            assert.equal(await blockLedger(where(s3), finding).isOwn(BLOCK), false, name);
        }
        assert.equal(await blockLedger(where(s3With({}).s3), finding).isOwn(BLOCK), false, "no record");
        const garbled = s3With({ [KEY_OF_BLOCK]: "{not json" });
        assert.equal(await blockLedger(where(garbled.s3), finding).isOwn(BLOCK), false, "not JSON");
    });

    it("claims with a conditional write, keeps with an overwrite, forgets by deleting: each at the block's key", async () => {
        const { s3, mock } = s3With({});
        const ledger = blockLedger(where(s3), finding);
        assert.equal(await ledger.claim(BLOCK), true);
        await ledger.keep(BLOCK);
        await ledger.forget(BLOCK);
        const puts = mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
        const written = {
            accountId: ACCOUNT,
            region: REGION,
            block: BLOCK,
            findingId: "f-1",
            createdAt: NOW.toISOString(),
            expiresAt: "2026-12-02T10:00:00.000Z",
        };
        const put = {
            Bucket: BUCKET,
            Key: KEY_OF_BLOCK,
            Body: JSON.stringify(written, null, 2),
            ContentType: "application/json",
            ServerSideEncryption: "aws:kms",
            SSEKMSKeyId: KEY,
        };
        assert.deepEqual(puts, [{ ...put, IfNoneMatch: "*" }, put]);
        assert.deepEqual(
            mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input),
            [{ Bucket: BUCKET, Key: KEY_OF_BLOCK }],
        );
        // Another run's record at the key: S3 answers 412, and the number is not claimed.
        const taken = s3With({});
        taken.mock.on(PutObjectCommand).rejects(s3Error("PreconditionFailed", 412));
        assert.equal(await blockLedger(where(taken.s3), finding).claim(BLOCK), false);
    });

    it("a quarantine group is the recorded one only for its account, region and VPC; a first record is conditional", async () => {
        const key = `responses/quarantine/${ACCOUNT}/${REGION}/vpc-1.json`;
        const kept = { accountId: ACCOUNT, region: REGION, vpcId: "vpc-1", groupId: "sg-1", createdAt: "x" };
        assert.equal(
            await quarantineLedger(where(s3With({ [key]: kept }).s3), NOW).recorded("vpc-1"),
            "sg-1",
        );
        for (const [name, edit] of [
            ["another account", { accountId: "555555555555" }],
            ["another region", { region: "eu-west-1" }],
            ["another VPC", { vpcId: "vpc-2" }],
            ["no group", { groupId: undefined }],
            ["a numeric group", { groupId: 5 }],
        ] as const) {
            const ledger = quarantineLedger(where(s3With({ [key]: { ...kept, ...edit } }).s3), NOW);
            assert.equal(await ledger.recorded("vpc-1"), undefined, name);
        }
        const { s3, mock } = s3With({});
        const ledger = quarantineLedger(where(s3), NOW);
        assert.equal(await ledger.record("vpc-1", "sg-1"), true);
        assert.equal(await ledger.record("vpc-1", "sg-2", "sg-1"), true);
        const puts = mock
            .commandCalls(PutObjectCommand)
            .map((c) => [
                c.args[0].input.Key,
                c.args[0].input.IfNoneMatch,
                JSON.parse(String(c.args[0].input.Body)) as unknown,
            ]);
        const body = (groupId: string) => ({
            accountId: ACCOUNT,
            region: REGION,
            vpcId: "vpc-1",
            groupId,
            createdAt: NOW.toISOString(),
        });
        assert.deepEqual(puts, [
            [key, "*", body("sg-1")],
            [key, undefined, body("sg-2")],
        ]);
        const raced = s3With({});
        raced.mock.on(PutObjectCommand).rejects(s3Error("PreconditionFailed", 412));
        assert.equal(await quarantineLedger(where(raced.s3), NOW).record("vpc-1", "sg-3"), false);
    });
});
