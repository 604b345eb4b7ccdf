import type { EC2Client } from "@aws-sdk/client-ec2";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { RemediationConfig } from "../../stacks/remediation";
import { reasonOf, rethrowDeadline, type Run } from "../shared/run";
import { blockPublicBuckets, containCredentials } from "./access";
import { decide, type Decision, type FindingDetail } from "./ladder";
import { isolateInstance } from "./isolate";
import { blockRemoteAddresses, type ActionOutcome, type Block } from "./network";
import { keyPart, putRecord, recordExists, type RecordStore } from "./records";

/*
 * The responder's run for one GuardDuty finding event: the ladder's decisions, each carried out in the
 * finding's account and region through the member role when its verdict is dry-run or act, each recorded in
 * the findings bucket and told on the alert topic. A decision already carried out for this finding (its
 * done/ record exists) is recorded as a repeat and neither taken nor told again; a failed one is retried
 * with the finding's next event.
 */

export interface ResponderSettings {
    remediation: RemediationConfig;
    /** Accounts never acted on, each with why. */
    neverTouch: Record<string, string>;
    /** The role the responder assumes in member accounts; its sessions are never revoked. */
    memberRoleName: string;
    records: RecordStore;
    /** The alert topic every decision is told on. */
    topicArn: string;
}

/** Clients in a member account and region, with the member role's credentials. */
export interface MemberClients {
    ec2: EC2Client;
    iam: IAMClient;
    s3: S3Client;
}

export interface ResponderDependencies {
    /** The security account's S3 and SNS clients, in the home region. */
    s3: S3Client;
    sns: SNSClient;
    member(accountId: string, region: string): MemberClients;
    /** The OUs an account sits in, nearest first (Organizations ListParents up to the root). */
    accountOus(accountId: string, run: Run): Promise<string[]>;
    now(): Date;
}

/** The EventBridge envelope of a "GuardDuty Finding" event (EventBridge user guide, events-ref-guardduty). */
export interface FindingEvent {
    id?: string;
    source?: string;
    "detail-type"?: string;
    detail?: FindingDetail;
}

export interface DecisionRecord extends Decision {
    findingId: string;
    findingType?: string;
    severity?: number;
    accountId?: string;
    region?: string;
    eventId: string;
    decidedAt: string;
    /** True when this decision was already carried out for the finding: nothing was done or told again. */
    repeat?: true;
    outcome?: ActionOutcome;
    /** True for the sweep's lifting of an expired block, which no finding event triggered. */
    lift?: true;
    /** Where this record is, relative to the bucket. */
    key: string;
}

const HEADLINES: Record<string, string> = {
    skip: "SKIPPED",
    notify: "WOULD ACT (notify mode, nothing changed)",
    "dry-run": "DRY RUN",
    act: "ACTED",
};

function headline(record: DecisionRecord): string {
    if (record.outcome?.status === "failed") return record.lift === true ? "FAILED TO LIFT" : "FAILED";
    if (record.lift === true) return "LIFTED EXPIRED BLOCK";
    if (record.outcome?.status === "already done") return "ALREADY DONE";
    if (record.outcome?.status === "gone") return "TARGET GONE";
    return HEADLINES[record.verdict];
}

/** The topic message: what was decided, on what, why, and where the record is. */
export function decisionMessage(
    record: DecisionRecord,
    store: RecordStore,
): { subject: string; message: string } {
    const what = `${headline(record)}: ${record.action}`;
    const lines = [
        `${what} for GuardDuty finding ${record.findingType ?? "(no type)"}`,
        "",
        `Severity: ${record.severity ?? "(missing)"}`,
        `Account: ${record.accountId ?? "(missing)"}`,
        `Region: ${record.region ?? "(missing)"}`,
        `Finding: ${record.findingId}`,
        `Mode: ${record.mode} (remediation.${record.action}.mode)`,
        ...(record.reason === undefined ? [] : [`Why skipped: ${record.reason}`]),
        ...(record.target === undefined ? [] : [`Target: ${JSON.stringify(record.target)}`]),
        ...(record.outcome === undefined
            ? []
            : [`Outcome: ${record.outcome.status}`, ...record.outcome.details.map((d) => `  - ${d}`)]),
        `Record: s3://${store.bucket}/${store.prefix}${record.key}`,
    ];
    if (record.region !== undefined && record.findingId !== "unknown")
        lines.push(
            `Console (security account): https://${record.region}.console.aws.amazon.com/guardduty/home?region=${record.region}#/findings?macros=current&fId=${record.findingId}`,
        );
    // SNS: a subject is ASCII, without line breaks, under 100 characters (Publish API reference).
    const subject = `${what} ${record.findingType ?? ""}`
        .replace(/[^\x20-\x7e]/g, "?")
        .slice(0, 99)
        .trim();
    return { subject, message: lines.join("\n") };
}

async function carryOut(
    decision: Decision,
    finding: FindingDetail,
    settings: ResponderSettings,
    deps: ResponderDependencies,
    run: Run,
): Promise<ActionOutcome> {
    const { target } = decision;
    const mode = decision.verdict === "act" ? "act" : "dry-run";
    const account = finding.accountId;
    const region = finding.region;
    if (target === undefined || account === undefined || region === undefined)
        return { status: "failed", details: ["the finding names no account or region to act in"] };
    try {
        const { ec2, iam, s3 } = deps.member(account, region);
        switch (target.action) {
            case "blockRemoteAddress":
                return await blockRemoteAddresses(ec2, target, mode, run);
            case "isolateInstance":
                return await isolateInstance(
                    ec2,
                    target,
                    {
                        mode,
                        findingId: finding.id ?? "unknown",
                        stopInstance: settings.remediation.isolateInstance.stopInstance,
                    },
                    run,
                );
            case "containCredentials":
                return await containCredentials(iam, target, { mode, now: deps.now() }, run);
            case "blockPublicBucket":
                return await blockPublicBuckets(s3, target, { mode, accountId: account }, run);
        }
    } catch (error) {
        rethrowDeadline(error);
        return { status: "failed", details: [reasonOf(error)] };
    }
}

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

export async function publishDecision(
    record: DecisionRecord,
    settings: ResponderSettings,
    deps: ResponderDependencies,
    run: Run,
): Promise<void> {
    const { subject, message } = decisionMessage(record, settings.records);
    await run.call("sns:Publish", () =>
        deps.sns.send(
            new PublishCommand({ TopicArn: settings.topicArn, Subject: subject, Message: message }),
        ),
    );
}

/** Decides, carries out, records and tells every decision the ladder makes for one finding event. */
export async function respondToFinding(
    event: FindingEvent,
    settings: ResponderSettings,
    deps: ResponderDependencies,
    run: Run,
): Promise<DecisionRecord[]> {
    const finding = event.detail ?? {};
    const { remediation } = settings;
    let accountOus: string[] | undefined;
    if (remediation.exemptOrganizationalUnits.length > 0 && finding.accountId !== undefined) {
        try {
            accountOus = await deps.accountOus(finding.accountId, run);
        } catch (error) {
            rethrowDeadline(error);
            // Unknown OUs: the ladder refuses to act, and its reason says so.
            accountOus = undefined;
        }
    }
    const decisions = decide(
        finding,
        { remediation, neverTouch: settings.neverTouch, protectedRoles: [settings.memberRoleName] },
        { accountOus },
    );
    const now = deps.now();
    const findingId = finding.id ?? "unknown";
    const eventId = event.id ?? `${now.getTime()}`;
    const records: DecisionRecord[] = [];
    for (const decision of decisions) {
        const account = keyPart(finding.accountId ?? "unknown");
        const doneKey = `done/${account}/${keyPart(findingId)}/${decision.action}-${decision.verdict}.json`;
        const key = `decisions/${now.toISOString().slice(0, 10)}/${keyPart(findingId)}/${decision.action}-${decision.verdict}-${keyPart(eventId)}.json`;
        const record: DecisionRecord = {
            ...decision,
            findingId,
            findingType: finding.type,
            severity: finding.severity,
            accountId: finding.accountId,
            region: finding.region,
            eventId,
            decidedAt: now.toISOString(),
            key,
        };
        if (await recordExists(deps.s3, settings.records, doneKey, run)) {
            record.repeat = true;
            await putRecord(deps.s3, settings.records, key, record, run);
            records.push(record);
            continue;
        }
        if (decision.verdict === "act" || decision.verdict === "dry-run") {
            record.outcome = await carryOut(decision, finding, settings, deps, run);
            const hours = remediation.blockRemoteAddress.expiresAfterHours;
            for (const block of record.outcome.blocks ?? []) {
                const kept: BlockRecord = {
                    accountId: finding.accountId ?? "unknown",
                    region: finding.region ?? "unknown",
                    block,
                    findingId,
                    createdAt: now.toISOString(),
                    expiresAt: new Date(now.getTime() + hours * 3_600_000).toISOString(),
                };
                await putRecord(
                    deps.s3,
                    settings.records,
                    blockKey(kept.accountId, kept.region, block),
                    kept,
                    run,
                );
            }
        }
        await putRecord(deps.s3, settings.records, key, record, run);
        if (record.outcome?.status !== "failed")
            await putRecord(deps.s3, settings.records, doneKey, record, run, { onlyIfAbsent: true });
        await publishDecision(record, settings, deps, run);
        records.push(record);
    }
    return records;
}
