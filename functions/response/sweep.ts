import { reasonOf, rethrowDeadline, type Run } from "../shared/run";
import { isBlockRecord } from "./ledgers";
import type { DecisionRecord, ResponderDependencies, ResponderSettings } from "./respond";
import { publishDecision } from "./respond";
import { liftBlock, RESPONDER_RULES } from "./network";
import { deleteRecord, keyPart, listRecords, putRecord, readRecord } from "./records";

/*
 * The hourly sweep: every network ACL block whose expiry has passed is lifted (only while it is still the
 * responder's own deny, see liftBlock), its blocks/ record deleted, and the lift recorded and told like any
 * decision. A block that cannot be lifted keeps its record and is tried again at the next sweep.
 */

export interface SweepResult {
    lifted: number;
    /** Not expired yet. */
    waiting: number;
    failed: number;
}

const LIFTED: Record<Awaited<ReturnType<typeof liftBlock>>, string> = {
    lifted: "deleted",
    gone: "already gone: someone deleted it",
    "acl gone": "already gone: the network ACL was deleted",
    replaced: "not deleted: the rule number now holds someone else's rule",
    "not the responder's": `not deleted: outside the responder's rule numbers ${RESPONDER_RULES.first}-${RESPONDER_RULES.last}, so not a rule it made; the record is dropped`,
};

export async function sweepExpiredBlocks(
    settings: ResponderSettings,
    deps: ResponderDependencies,
    run: Run,
): Promise<SweepResult> {
    const result: SweepResult = { lifted: 0, waiting: 0, failed: 0 };
    const now = deps.now();
    for (const key of await listRecords(deps.s3, settings.records, "blocks/", run)) {
        // A "folder" object (the S3 console makes a zero-byte key ending in /) holds no block.
        if (key.endsWith("/")) continue;
        let kept: unknown;
        try {
            kept = await readRecord(deps.s3, settings.records, key, run);
        } catch (error) {
            // One unreadable object must not stop every later block from being lifted (kept stays undefined).
            rethrowDeadline(error);
        }
        if (!isBlockRecord(kept)) {
            result.failed++;
            console.log(`${key}: not a block record; left as it is`);
            continue;
        }
        if (Date.parse(kept.expiresAt) > now.getTime()) {
            result.waiting++;
            continue;
        }
        const { block } = kept;
        const entry = `${block.networkAclId} rule ${block.ruleNumber} (${block.egress ? "outbound" : "inbound"}, deny ${block.cidr})`;
        const record: DecisionRecord = {
            action: "blockRemoteAddress",
            mode: settings.remediation.blockRemoteAddress.mode,
            verdict: "act",
            findingId: kept.findingId,
            accountId: kept.accountId,
            region: kept.region,
            eventId: `sweep-${now.getTime()}`,
            occurrence: "sweep",
            decidedAt: now.toISOString(),
            key: `decisions/${now.toISOString().slice(0, 10)}/${keyPart(kept.findingId)}/liftBlock-${keyPart(key.replace(/^blocks\//, ""))}`,
            lift: true,
        };
        try {
            // Read again just before the lift: a recurrence may have pushed the expiry back since the listing
            // (runs overlap), and then the block stays.
            const again: unknown = await readRecord(deps.s3, settings.records, key, run);
            if (isBlockRecord(again) && Date.parse(again.expiresAt) > now.getTime()) {
                result.waiting++;
                continue;
            }
            const lifted = await liftBlock(deps.member(kept.accountId, kept.region).ec2, block, run);
            record.outcome = {
                // A record naming a rule the responder cannot have made is told as a failure, once.
                status: lifted === "not the responder's" ? "failed" : "acted",
                details: [`expired ${kept.expiresAt}: ${entry} ${LIFTED[lifted]}`],
            };
            await deleteRecord(deps.s3, settings.records, key, run);
            if (lifted === "not the responder's") result.failed++;
            else result.lifted++;
        } catch (error) {
            rethrowDeadline(error);
            record.outcome = {
                status: "failed",
                details: [
                    `expired ${kept.expiresAt}: ${entry} not lifted, tried again next sweep: ${reasonOf(error)}`,
                ],
            };
            result.failed++;
        }
        await putRecord(deps.s3, settings.records, record.key, record, run);
        await publishDecision(record, settings, deps, run);
    }
    return result;
}
