import type { EC2Client } from "@aws-sdk/client-ec2";
import type { GuardDutyClient } from "@aws-sdk/client-guardduty";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { readsOrganizationalUnits, type RemediationConfig } from "../../stacks/remediation";
import { reasonOf, rethrowDeadline, type Run } from "../shared/run";
import { blockPublicBuckets, containCredentials } from "./access";
import { confirmFinding } from "./confirm";
import {
    decide,
    isSample,
    SAMPLE_REASON,
    type Decision,
    type FindingDetail,
    type LadderSettings,
} from "./ladder";
import { isolateInstance } from "./isolate";
import { blockLedger, quarantineLedger } from "./ledgers";
import { blockRemoteAddresses, type ActionOutcome } from "./network";
import { keyPart, putRecord, recordExists, type RecordStore } from "./records";

/*
 * The responder's run for one GuardDuty finding event: the ladder's decisions on the finding as the
 * administrator's GuardDuty holds it (confirm.ts), each carried out in the finding's account and region through
 * the member role when its verdict is dry-run or act, each recorded in the findings bucket and told on the alert
 * topic. Decisions are kept per occurrence: GuardDuty keeps a finding's ID when its activity recurs and moves on
 * its count and last-seen time, so a recurrence is decided, carried out against the live state and told again,
 * while a second delivery of the same occurrence (its done/ record exists) is recorded as a repeat and neither
 * taken nor told. A failed decision is retried with the finding's next event.
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
    /** The security account's GuardDuty (the delegated administrator's) in a region. */
    guardduty(region: string): GuardDutyClient;
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
    /** Which occurrence of the finding this is: its count and last-seen time (occurrenceOf). */
    occurrence: string;
    /** How many times GuardDuty has seen the activity. */
    count?: number;
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
    if (record.reason === SAMPLE_REASON) return "SAMPLE FINDING, NOT AN INCIDENT";
    if (record.outcome?.status === "failed") return record.lift === true ? "FAILED TO LIFT" : "FAILED";
    if (record.lift === true) return "LIFTED EXPIRED BLOCK";
    const recurred = (record.count ?? 1) > 1 ? `RECURRED (seen ${record.count} times), ` : "";
    if (record.outcome?.status === "already done") return `${recurred}ALREADY DONE`;
    if (record.outcome?.status === "gone") return `${recurred}TARGET GONE`;
    return `${recurred}${HEADLINES[record.verdict]}`;
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
        ...(record.lift === true ? [] : [`Occurrence: ${record.occurrence}`]),
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
    const now = deps.now();
    const where = { s3: deps.s3, store: settings.records, accountId: account, region, run };
    try {
        const { ec2, iam, s3 } = deps.member(account, region);
        switch (target.action) {
            case "blockRemoteAddress": {
                const hours = settings.remediation.blockRemoteAddress.expiresAfterHours;
                const expiresAt = new Date(now.getTime() + hours * 3_600_000);
                const ledger = blockLedger(where, { id: finding.id ?? "unknown", now, expiresAt });
                return await blockRemoteAddresses(ec2, target, { mode, ledger }, run);
            }
            case "isolateInstance":
                return await isolateInstance(
                    ec2,
                    target,
                    {
                        mode,
                        findingId: finding.id ?? "unknown",
                        stopInstance: settings.remediation.isolateInstance.stopInstance,
                        ledger: quarantineLedger(where, now),
                        now,
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

/**
 * Which occurrence of its finding an event reports: GuardDuty moves a finding's count and last-seen time on
 * when its activity recurs and keeps its ID (GuardDuty user guide, "Finding aggregation"). A repeated delivery of
 * the same occurrence (Lambda's retry, EventBridge's at-least-once delivery) has the same ones.
 */
export function occurrenceOf(finding: FindingDetail, eventId: string): string {
    const { count, eventLastSeen } = finding.service ?? {};
    if (count !== undefined || eventLastSeen !== undefined)
        return keyPart(`${count ?? "x"}-${eventLastSeen ?? "x"}`);
    return keyPart(finding.updatedAt ?? `event-${eventId}`);
}

/** The ladder's decisions on the finding an event reports, confirmed against the administrator's copy. */
async function decideConfirmed(
    reported: FindingDetail,
    settings: ResponderSettings,
    deps: ResponderDependencies,
    run: Run,
): Promise<{ finding: FindingDetail; decisions: Decision[]; unreadable?: string }> {
    const { remediation } = settings;
    let accountOus: string[] | undefined;
    if (readsOrganizationalUnits(remediation) && reported.accountId !== undefined) {
        try {
            accountOus = await deps.accountOus(reported.accountId, run);
        } catch (error) {
            rethrowDeadline(error);
            // Unknown OUs: the ladder refuses to act, and its reason says so.
            accountOus = undefined;
        }
    }
    const ladder: LadderSettings = {
        remediation,
        neverTouch: settings.neverTouch,
        protectedRoles: [settings.memberRoleName],
    };
    const decisions = decide(reported, ladder, { accountOus });
    // A sample, or a finding every rung skips, is recorded on the event's word: nothing is done either way.
    if (isSample(reported) || decisions.every((d) => d.verdict === "skip"))
        return { finding: reported, decisions };
    try {
        const confirmation = await confirmFinding((region) => deps.guardduty(region), reported, run);
        if (confirmation.kind === "confirmed")
            return {
                finding: confirmation.finding,
                decisions: decide(confirmation.finding, ladder, { accountOus }),
            };
        const reason = `not confirmed: ${confirmation.reason}`;
        return {
            finding: reported,
            decisions: decisions.map((d) => ({ action: d.action, mode: d.mode, verdict: "skip", reason })),
        };
    } catch (error) {
        rethrowDeadline(error);
        return {
            finding: reported,
            decisions,
            unreadable: `could not read the finding back from GuardDuty, so nothing was done: ${reasonOf(error)}`,
        };
    }
}

/** Decides, carries out, records and tells every decision the ladder makes for one finding event. */
export async function respondToFinding(
    event: FindingEvent,
    settings: ResponderSettings,
    deps: ResponderDependencies,
    run: Run,
): Promise<DecisionRecord[]> {
    const reported = event.detail ?? {};
    const { finding, decisions, unreadable } = await decideConfirmed(reported, settings, deps, run);
    const now = deps.now();
    const findingId = reported.id ?? "unknown";
    const eventId = event.id ?? `${now.getTime()}`;
    const occurrence = occurrenceOf(reported, eventId);
    const records: DecisionRecord[] = [];
    for (const decision of decisions) {
        const account = keyPart(reported.accountId ?? "unknown");
        const doneKey = `done/${account}/${keyPart(findingId)}/${occurrence}/${decision.action}-${decision.verdict}.json`;
        const key = `decisions/${now.toISOString().slice(0, 10)}/${keyPart(findingId)}/${decision.action}-${decision.verdict}-${keyPart(eventId)}.json`;
        const record: DecisionRecord = {
            ...decision,
            findingId,
            findingType: finding.type,
            severity: finding.severity,
            accountId: finding.accountId,
            region: finding.region,
            eventId,
            occurrence,
            ...(finding.service?.count === undefined ? {} : { count: finding.service.count }),
            decidedAt: now.toISOString(),
            key,
        };
        if (await recordExists(deps.s3, settings.records, doneKey, run)) {
            record.repeat = true;
            await putRecord(deps.s3, settings.records, key, record, run);
            records.push(record);
            continue;
        }
        // Unconfirmed: nothing is done and nothing is told as if it were (not even WOULD ACT).
        if (unreadable !== undefined && decision.verdict !== "skip")
            record.outcome = { status: "failed", details: [unreadable] };
        else if (decision.verdict === "act" || decision.verdict === "dry-run")
            record.outcome = await carryOut(decision, finding, settings, deps, run);
        await putRecord(deps.s3, settings.records, key, record, run);
        if (
            record.outcome?.status !== "failed" &&
            (await putRecord(deps.s3, settings.records, doneKey, record, run, { onlyIfAbsent: true })) ===
                "exists"
        ) {
            // Another run took the same occurrence meanwhile (runs overlap): it tells, this one does not.
            record.repeat = true;
            await putRecord(deps.s3, settings.records, key, record, run);
        }
        if (record.repeat !== true) await publishDecision(record, settings, deps, run);
        records.push(record);
    }
    return records;
}
