import { PutMetricDataCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
    CreateSampleFindingsCommand,
    ListDetectorsCommand,
    type GuardDutyClient,
} from "@aws-sdk/client-guardduty";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { RecordStore } from "../response/records";
import { reasonOf, rethrowDeadline, type Run } from "../shared/run";
import { datedKey, readObjectIfPresent } from "../shared/s3-objects";
import {
    checkSubscribers,
    confirmSample,
    diagnoseMissingAlert,
    judgeResponder,
    responderDecisions,
} from "./checks";
import { deleteMessage, findDelivery } from "./inbox";

/*
 * The weekly drill. A start (the drill's schedule) makes one GuardDuty sample finding of the configured type in
 * the home region and remembers when; each check (every few minutes) reads the inbox subscribed to the alert
 * topic for the copy of the sample's e-mail, reads the finding back, reads the responder's decisions on it, and
 * decides once everything is in or the bound has passed. A drill can therefore outlast one Lambda run: GuardDuty
 * may send a repeated sample at the detector's publishing frequency (drill-config.ts). The verdict is a report
 * in the findings bucket (coverage/drill/), metrics, and, when it failed, a failed invocation.
 */

export interface DrillSettings {
    findingType: string;
    /** Minutes from the sample to its e-mail (and the responder's record) before the drill fails. */
    boundMinutes: number;
    topicArn: string;
    inboxUrl: string;
    /** Where the drill keeps its state and reports: the findings bucket, coverage/drill/, the findings key. */
    store: RecordStore;
    /** The responder's records, when the responder is invoked for the drill's type. */
    responder?: RecordStore;
    /** Why the responder is not checked, when it is not. */
    responderNote?: string;
    /** CloudWatch namespace of DrillPassed and DrillDeliverySeconds. */
    namespace: string;
}

export interface DrillClients {
    guardduty: GuardDutyClient;
    sqs: SQSClient;
    s3: S3Client;
    sns: SNSClient;
    cloudwatch: CloudWatchClient;
}

export interface Check {
    step: "sample" | "alert" | "finding" | "responder" | "people";
    ok: boolean;
    detail: string;
}

/** What the drill keeps between runs, at `<store.prefix>state.json`. */
export interface DrillState {
    phase: "waiting" | "done";
    findingType: string;
    detectorId: string;
    startedAt: string;
    /** When CreateSampleFindings returned: the delivery time is measured from here. */
    createdAt: string;
    /** startedAt plus the bound. */
    deadline: string;
    findingId?: string;
    deliverySeconds?: number;
    checks: Check[];
}

export interface DrillReport {
    passed: boolean;
    findingType: string;
    boundMinutes: number;
    startedAt: string;
    finishedAt: string;
    findingId?: string;
    deliverySeconds?: number;
    /** The first failed check's words, when it failed. */
    failure?: string;
    checks: Check[];
}

export type DrillResult =
    | { status: "idle" }
    | { status: "waiting"; state: DrillState }
    | { status: "finished"; report: DrillReport; keys: string[] };

export const METRICS = { passed: "DrillPassed", deliverySeconds: "DrillDeliverySeconds" } as const;

/** Raised after a failed drill is recorded, so that the invocation fails and the function's Errors alarm fires. */
export class DrillFailed extends Error {
    override name = "DrillFailed";
}

const STATE = "state.json";

export async function readState(
    clients: DrillClients,
    settings: DrillSettings,
    run: Run,
): Promise<DrillState | undefined> {
    const { bucket, prefix } = settings.store;
    const text = await readObjectIfPresent(clients.s3, bucket, `${prefix}${STATE}`, run);
    return text === undefined ? undefined : (JSON.parse(text) as DrillState);
}

async function put(clients: DrillClients, store: RecordStore, key: string, body: unknown, run: Run) {
    await run.call("s3:PutObject", () =>
        clients.s3.send(
            new PutObjectCommand({
                Bucket: store.bucket,
                Key: `${store.prefix}${key}`,
                Body: `${JSON.stringify(body, null, 2)}\n`,
                ContentType: "application/json",
                ServerSideEncryption: "aws:kms",
                SSEKMSKeyId: store.kmsKeyArn,
            }),
        ),
    );
}

/** One drill step: `start` makes the sample and checks once; `check` carries on the drill in progress, if any. */
export async function runDrill(
    kind: "start" | "check",
    settings: DrillSettings,
    clients: DrillClients,
    now: () => Date,
    run: Run,
): Promise<DrillResult> {
    let state: DrillState;
    if (kind === "start") {
        const started = await start(settings, clients, now, run);
        if ("failed" in started) return finish(started.failed, settings, clients, now, run);
        state = started.state;
    } else {
        const stored = await readState(clients, settings, run);
        if (stored === undefined || stored.phase === "done") return { status: "idle" };
        state = stored;
    }
    return advance(state, settings, clients, now, run);
}

async function start(
    settings: DrillSettings,
    clients: DrillClients,
    now: () => Date,
    run: Run,
): Promise<{ state: DrillState } | { failed: DrillState }> {
    const startedAt = now();
    const state: DrillState = {
        phase: "waiting",
        findingType: settings.findingType,
        detectorId: "",
        startedAt: startedAt.toISOString(),
        createdAt: startedAt.toISOString(),
        deadline: new Date(startedAt.getTime() + settings.boundMinutes * 60_000).toISOString(),
        checks: [],
    };
    try {
        const listed = await run.call("guardduty:ListDetectors", () =>
            clients.guardduty.send(new ListDetectorsCommand({})),
        );
        const detectorId = listed.DetectorIds?.[0];
        if (detectorId === undefined) {
            state.checks.push({
                step: "sample",
                ok: false,
                detail: "the security account has no GuardDuty detector in the home region: nothing can raise a finding there (run pulumi up)",
            });
            return { failed: state };
        }
        state.detectorId = detectorId;
        // CreateSampleFindings takes the caller's own detector (API reference: the input detectorId must be
        // "owned by the current account"); it answers with an empty body, so the sample is found by its e-mail.
        await run.call("guardduty:CreateSampleFindings", () =>
            clients.guardduty.send(
                new CreateSampleFindingsCommand({
                    DetectorId: detectorId,
                    FindingTypes: [settings.findingType],
                }),
            ),
        );
    } catch (error) {
        rethrowDeadline(error);
        state.checks.push({
            step: "sample",
            ok: false,
            detail: `GuardDuty refused the sample: ${reasonOf(error)}. A BadRequestException names a finding type GuardDuty no longer takes (drill.findingType) or a detector that is not this account's`,
        });
        return { failed: state };
    }
    state.createdAt = now().toISOString();
    state.checks.push({
        step: "sample",
        ok: true,
        detail: `CreateSampleFindings made a ${settings.findingType} sample on detector ${state.detectorId}`,
    });
    await put(clients, settings.store, STATE, state, run);
    return { state };
}

async function advance(
    state: DrillState,
    settings: DrillSettings,
    clients: DrillClients,
    now: () => Date,
    run: Run,
): Promise<DrillResult> {
    const startedAtMs = Date.parse(state.startedAt);
    const deadlineMs = Date.parse(state.deadline);
    const boundMinutes = settings.boundMinutes;
    if (state.findingId === undefined) {
        const { delivery } = await findDelivery(
            clients.sqs,
            {
                queueUrl: settings.inboxUrl,
                topicArn: settings.topicArn,
                findingType: state.findingType,
                sinceMs: startedAtMs,
            },
            run,
        );
        if (delivery === undefined) {
            if (now().getTime() < deadlineMs) return wait(state, settings, clients, run);
            const detail = await diagnoseMissingAlert(
                clients.guardduty,
                { detectorId: state.detectorId, findingType: state.findingType, startedAtMs, boundMinutes },
                run,
            );
            state.checks.push({ step: "alert", ok: false, detail });
            return finish(state, settings, clients, now, run);
        }
        const seconds = Math.max(0, Math.round((delivery.sentAtMs - Date.parse(state.createdAt)) / 1000));
        state.findingId = delivery.findingId;
        state.deliverySeconds = seconds;
        const late = delivery.sentAtMs > deadlineMs;
        state.checks.push({
            step: "alert",
            ok: !late,
            detail: late
                ? `the e-mail of sample ${delivery.findingId} reached the inbox after ${seconds} s, later than the bound of ${boundMinutes} minutes (drill.deliveryBoundMinutes; GuardDuty sends a repeated sample at guardduty.publishingFrequency)`
                : `the e-mail of sample ${delivery.findingId} reached the inbox ${seconds} s after the sample was made`,
        });
        const confirmed = await confirmSample(
            clients.guardduty,
            {
                detectorId: state.detectorId,
                findingId: delivery.findingId,
                findingType: state.findingType,
                startedAtMs,
            },
            run,
        );
        state.checks.push({ step: "finding", ...confirmed });
        await deleteMessage(clients.sqs, settings.inboxUrl, delivery.receiptHandle, run);
        if (late || !confirmed.ok) return finish(state, settings, clients, now, run);
    }
    if (settings.responder !== undefined && !state.checks.some((c) => c.step === "responder")) {
        const records = await responderDecisions(
            clients.s3,
            settings.responder,
            { findingId: state.findingId, startedAtMs, nowMs: now().getTime() },
            run,
        );
        const verdict = judgeResponder(records);
        if (verdict === undefined) {
            if (now().getTime() < deadlineMs) return wait(state, settings, clients, run);
            state.checks.push({
                step: "responder",
                ok: false,
                detail: `the responder recorded no decision on sample ${state.findingId} within ${boundMinutes} minutes: check its findings rule (security-governance-responder-findings) admits drill samples, its Errors metric and its failed-events queue (docs/operations.md)`,
            });
            return finish(state, settings, clients, now, run);
        }
        state.checks.push({ step: "responder", ...verdict });
        if (!verdict.ok) return finish(state, settings, clients, now, run);
    }
    state.checks.push({ step: "people", ...(await checkSubscribers(clients.sns, settings.topicArn, run)) });
    return finish(state, settings, clients, now, run);
}

async function wait(
    state: DrillState,
    settings: DrillSettings,
    clients: DrillClients,
    run: Run,
): Promise<DrillResult> {
    await put(clients, settings.store, STATE, state, run);
    return { status: "waiting", state };
}

async function finish(
    state: DrillState,
    settings: DrillSettings,
    clients: DrillClients,
    now: () => Date,
    run: Run,
): Promise<DrillResult> {
    const finishedAt = now();
    const failed = state.checks.find((c) => !c.ok);
    const report: DrillReport = {
        passed: failed === undefined,
        findingType: state.findingType,
        boundMinutes: settings.boundMinutes,
        startedAt: state.startedAt,
        finishedAt: finishedAt.toISOString(),
        ...(state.findingId === undefined ? {} : { findingId: state.findingId }),
        ...(state.deliverySeconds === undefined ? {} : { deliverySeconds: state.deliverySeconds }),
        ...(failed === undefined ? {} : { failure: failed.detail }),
        checks: [
            ...state.checks,
            ...(settings.responder === undefined && settings.responderNote !== undefined
                ? [{ step: "responder" as const, ok: true, detail: `not checked: ${settings.responderNote}` }]
                : []),
        ],
    };
    const keys = [datedKey("", report.finishedAt), "latest.json"];
    for (const key of keys) await put(clients, settings.store, key, report, run);
    await put(clients, settings.store, STATE, { ...state, phase: "done" }, run);
    // One datum per run that decides: DrillPassed 1 or 0, and the delivery time when the e-mail came.
    await run.call("cloudwatch:PutMetricData", () =>
        clients.cloudwatch.send(
            new PutMetricDataCommand({
                Namespace: settings.namespace,
                MetricData: [
                    {
                        MetricName: METRICS.passed,
                        Value: report.passed ? 1 : 0,
                        Unit: "Count",
                        Timestamp: finishedAt,
                    },
                    ...(report.deliverySeconds === undefined
                        ? []
                        : [
                              {
                                  MetricName: METRICS.deliverySeconds,
                                  Value: report.deliverySeconds,
                                  Unit: "Seconds" as const,
                                  Timestamp: finishedAt,
                              },
                          ]),
                ],
            }),
        ),
    );
    const written = keys.map((key) => `${settings.store.prefix}${key}`);
    if (!report.passed)
        throw new DrillFailed(
            `the drill failed: ${report.failure}. Report: s3://${settings.store.bucket}/${written[1]}`,
        );
    return { status: "finished", report, keys: written };
}
