import { GetTopicAttributesCommand, type SNSClient } from "@aws-sdk/client-sns";
import {
    GetFindingsCommand,
    ListFindingsCommand,
    type Finding,
    type GuardDutyClient,
} from "@aws-sdk/client-guardduty";
import type { S3Client } from "@aws-sdk/client-s3";
import { detailOf } from "../response/confirm";
import { isSample, SAMPLE_REASON } from "../response/ladder";
import { keyPart, listRecords, readRecord, type RecordStore } from "../response/records";
import type { DecisionRecord } from "../response/respond";
import type { Run } from "../shared/run";

/*
 * What the drill checks once its sample's e-mail arrived, and how it explains a sample that never did: each
 * answer is a sentence a person can act on.
 */

/** A finding's updatedAt may lag the drill's clock by this much and still count as this drill's (clock skew). */
export const CLOCK_SKEW_MS = 60_000;

export type Verdict = { ok: true; detail: string } | { ok: false; detail: string };

/** The finding the e-mail names, read back: a sample of the drill's type, not archived, updated after the drill began. */
export async function confirmSample(
    guardduty: GuardDutyClient,
    params: { detectorId: string; findingId: string; findingType: string; startedAtMs: number },
    run: Run,
): Promise<Verdict> {
    const got = await run.call("guardduty:GetFindings", () =>
        guardduty.send(
            new GetFindingsCommand({ DetectorId: params.detectorId, FindingIds: [params.findingId] }),
        ),
    );
    const finding = got.Findings?.find((f) => f.Id === params.findingId);
    if (finding === undefined)
        return {
            ok: false,
            detail: `the alert named finding ${params.findingId}, which the home detector ${params.detectorId} does not hold: the message did not come from this drill's sample`,
        };
    return judgeSample(finding, params);
}

export function judgeSample(finding: Finding, params: { findingType: string; startedAtMs: number }): Verdict {
    const detail = detailOf(finding);
    if (detail.type !== params.findingType)
        return {
            ok: false,
            detail: `finding ${detail.id} is of type ${detail.type}, not ${params.findingType}`,
        };
    if (!isSample(detail))
        return {
            ok: false,
            detail: `finding ${detail.id} is not marked as a sample (no "[SAMPLE]" title, no service.additionalInfo.sample): a real finding was taken for the drill's`,
        };
    const updated = Date.parse(detail.updatedAt ?? "");
    if (!Number.isFinite(updated) || updated < params.startedAtMs - CLOCK_SKEW_MS)
        return {
            ok: false,
            detail: `sample ${detail.id} was last updated ${detail.updatedAt ?? "(never)"}, before this drill began: the alert was an earlier sample's`,
        };
    if (detail.service?.archived === true)
        return {
            ok: false,
            detail: `sample ${detail.id} is archived: a suppression rule (guardduty.suppressionRules) or a person archived it`,
        };
    return { ok: true, detail: `sample ${detail.id} of ${params.findingType}, updated ${detail.updatedAt}` };
}

/**
 * Why no e-mail came, from GuardDuty's side: the newest sample of the type, if any (ListFindings by type and
 * `service.additionalInfo.sample`, the attribute the GuardDuty guide filters samples by, newest update first).
 */
export async function diagnoseMissingAlert(
    guardduty: GuardDutyClient,
    params: { detectorId: string; findingType: string; startedAtMs: number; boundMinutes: number },
    run: Run,
): Promise<string> {
    const listed = await run.call("guardduty:ListFindings", () =>
        guardduty.send(
            new ListFindingsCommand({
                DetectorId: params.detectorId,
                FindingCriteria: {
                    Criterion: {
                        type: { Equals: [params.findingType] },
                        "service.additionalInfo.sample": { Equals: ["true"] },
                    },
                },
                SortCriteria: { AttributeName: "updatedAt", OrderBy: "DESC" },
                MaxResults: 1,
            }),
        ),
    );
    const id = listed.FindingIds?.[0];
    const none = `no e-mail of the sample reached the inbox within ${params.boundMinutes} minutes`;
    if (id === undefined)
        return `${none}, and GuardDuty holds no sample of ${params.findingType}: CreateSampleFindings was accepted but made none; run the drill again and, if it repeats, ask AWS Support`;
    const got = await run.call("guardduty:GetFindings", () =>
        guardduty.send(new GetFindingsCommand({ DetectorId: params.detectorId, FindingIds: [id] })),
    );
    const finding = got.Findings?.[0];
    if (finding === undefined) return `${none}; GuardDuty listed sample ${id} but did not return it`;
    const verdict = judgeSample(finding, params);
    if (!verdict.ok) {
        if (finding.Service?.Archived === true)
            return `${none}: sample ${id} is archived, and GuardDuty sends no event for an archived finding. A suppression rule (guardduty.suppressionRules) that matches ${params.findingType} archives it: narrow the rule, or choose another drill.findingType`;
        return `${none}: ${verdict.detail}`;
    }
    return `${none}, though GuardDuty updated sample ${id} (${finding.UpdatedAt}): the alert path lost it. Check, in the home region, that the rule finding-alerts-<region>-samples is enabled and its FailedInvocations metric, the alert topic's policy and key (docs/operations.md, "The weekly drill failed")`;
}

/** The alert reaches people only through confirmed subscriptions other than the drill's own inbox. */
export async function checkSubscribers(sns: SNSClient, topicArn: string, run: Run): Promise<Verdict> {
    const got = await run.call("sns:GetTopicAttributes", () =>
        sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn })),
    );
    // GetTopicAttributes: SubscriptionsConfirmed and SubscriptionsPending, "the number of confirmed subscriptions"
    // and "of subscriptions pending confirmation" (SNS API reference). One confirmed one is the drill's inbox.
    const confirmed = Number(got.Attributes?.SubscriptionsConfirmed ?? "0") - 1;
    const pending = Number(got.Attributes?.SubscriptionsPending ?? "0");
    if (confirmed > 0)
        return { ok: true, detail: `${confirmed} confirmed subscription(s) besides the drill's inbox` };
    return {
        ok: false,
        detail:
            pending > 0
                ? `the alert reached the topic, but no person would have read it: ${pending} subscription(s) still wait for confirmation; each address must open the "AWS Notification - Subscription Confirmation" e-mail and confirm (notifications.emails)`
                : "the alert reached the topic, but no person would have read it: the topic has no confirmed subscription besides the drill's inbox; add notifications.emails and confirm each subscription",
    };
}

/** The responder's decisions on the finding made since the drill began, by listing each day's folder since. */
export async function responderDecisions(
    s3: S3Client,
    store: RecordStore,
    params: { findingId: string; startedAtMs: number; nowMs: number },
    run: Run,
): Promise<DecisionRecord[]> {
    const days = new Set<string>();
    for (let t = params.startedAtMs; t <= params.nowMs + 86_400_000; t += 86_400_000)
        days.add(new Date(Math.min(t, params.nowMs)).toISOString().slice(0, 10));
    const records: DecisionRecord[] = [];
    for (const day of days) {
        // responses/decisions/<day>/<finding>/<action>-<verdict>-<event>.json (functions/response/records.ts).
        const keys = await listRecords(s3, store, `decisions/${day}/${keyPart(params.findingId)}/`, run);
        for (const key of keys) {
            const record = (await readRecord(s3, store, key, run)) as DecisionRecord;
            if (Date.parse(record.decidedAt) >= params.startedAtMs - CLOCK_SKEW_MS) records.push(record);
        }
    }
    return records;
}

/** The responder must have decided on the sample, and skipped it as a sample in every decision. */
export function judgeResponder(records: readonly DecisionRecord[]): Verdict | undefined {
    if (records.length === 0) return undefined;
    const wrong = records.filter(
        (r) => r.verdict !== "skip" || r.reason !== SAMPLE_REASON || r.outcome !== undefined,
    );
    if (wrong.length > 0)
        return {
            ok: false,
            detail: `the responder did not treat the sample as one: ${wrong
                .map(
                    (r) =>
                        `${r.action} ${r.verdict}${r.outcome ? ` (${r.outcome.status})` : ""}: ${r.reason ?? "no reason"} [${r.key}]`,
                )
                .join("; ")}. A sample must never be acted on: see functions/response/ladder.ts`,
        };
    return {
        ok: true,
        detail: `the responder recorded ${records.length} decision(s), each skipped as a sample: ${records.map((r) => r.action).join(", ")}`,
    };
}
