import type { S3Client } from "@aws-sdk/client-s3";
import type { Run } from "../shared/run";
import type { QuarantineLedger } from "./isolate";
import type { Block, BlockLedger } from "./network";
import { deleteRecord, keyPart, putRecord, readRecordIfPresent, type RecordStore } from "./records";

/*
 * What the responder made in member accounts, kept in its records in the findings bucket, where only its role
 * may write under the records' prefix (the bucket policy denies every other principal): the network ACL entries
 * to lift (blocks/) and the quarantine group of each VPC (quarantine/). These records, never a rule number, name
 * or tag a member could set, are how the responder knows what is its own.
 */

/** The record of a block to lift, and where it is kept until then. */
export interface BlockRecord {
    accountId: string;
    region: string;
    block: Block;
    findingId: string;
    createdAt: string;
    expiresAt: string;
}

export function blockKey(accountId: string, region: string, block: Block): string {
    const direction = block.egress ? "out" : "in";
    return `blocks/${keyPart(accountId)}/${keyPart(region)}/${keyPart(block.networkAclId)}-${block.ruleNumber}-${direction}.json`;
}

export function isBlockRecord(value: unknown): value is BlockRecord {
    const r = value as Partial<BlockRecord> | null;
    return (
        typeof r === "object" &&
        r !== null &&
        typeof r.accountId === "string" &&
        typeof r.region === "string" &&
        typeof r.expiresAt === "string" &&
        typeof r.findingId === "string" &&
        typeof r.block?.networkAclId === "string" &&
        typeof r.block.ruleNumber === "number" &&
        typeof r.block.egress === "boolean" &&
        typeof r.block.cidr === "string"
    );
}

interface Where {
    s3: S3Client;
    store: RecordStore;
    accountId: string;
    region: string;
    run: Run;
}

/** The blocks of one finding in one account and region, each kept until `expiresAt`. */
export function blockLedger(where: Where, finding: { id: string; now: Date; expiresAt: Date }): BlockLedger {
    const { s3, store, accountId, region, run } = where;
    const record = (block: Block): BlockRecord => ({
        accountId,
        region,
        block,
        findingId: finding.id,
        createdAt: finding.now.toISOString(),
        expiresAt: finding.expiresAt.toISOString(),
    });
    return {
        async isOwn(block) {
            const kept = await readRecordIfPresent(s3, store, blockKey(accountId, region, block), run);
            return (
                isBlockRecord(kept) &&
                kept.accountId === accountId &&
                kept.region === region &&
                kept.block.networkAclId === block.networkAclId &&
                kept.block.ruleNumber === block.ruleNumber &&
                kept.block.egress === block.egress &&
                kept.block.cidr === block.cidr
            );
        },
        async claim(block) {
            const written = await putRecord(
                s3,
                store,
                blockKey(accountId, region, block),
                record(block),
                run,
                {
                    onlyIfAbsent: true,
                },
            );
            return written === "written";
        },
        async keep(block) {
            await putRecord(s3, store, blockKey(accountId, region, block), record(block), run);
        },
        async forget(block) {
            await deleteRecord(s3, store, blockKey(accountId, region, block), run);
        },
    };
}

interface QuarantineRecord {
    accountId: string;
    region: string;
    vpcId: string;
    groupId: string;
    createdAt: string;
}

export function quarantineKey(accountId: string, region: string, vpcId: string): string {
    return `quarantine/${keyPart(accountId)}/${keyPart(region)}/${keyPart(vpcId)}.json`;
}

/** The quarantine groups the responder made in one account and region, by VPC. */
export function quarantineLedger(where: Where, now: Date): QuarantineLedger {
    const { s3, store, accountId, region, run } = where;
    return {
        async recorded(vpcId) {
            const kept = (await readRecordIfPresent(
                s3,
                store,
                quarantineKey(accountId, region, vpcId),
                run,
            )) as Partial<QuarantineRecord> | undefined;
            const ok =
                kept?.accountId === accountId &&
                kept.region === region &&
                kept.vpcId === vpcId &&
                typeof kept.groupId === "string";
            return ok ? kept.groupId : undefined;
        },
        async record(vpcId, groupId, replaces) {
            const record: QuarantineRecord = {
                accountId,
                region,
                vpcId,
                groupId,
                createdAt: now.toISOString(),
            };
            // The first group of a VPC is recorded only if no other run recorded one meanwhile; a replacement
            // (the recorded group gained rules or went) overwrites.
            const written = await putRecord(s3, store, quarantineKey(accountId, region, vpcId), record, run, {
                onlyIfAbsent: replaces === undefined,
            });
            return written === "written";
        },
    };
}
