import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { Run } from "../shared/run";
import { datedKey, readObjectIfPresent } from "../shared/s3-objects";
import { coverageDrops, type CoverageReport, type CoverageRow } from "./matrix";

/** Where the scheduled function leaves its proof, and whom it tells when coverage falls. */
export interface PublishSettings {
    /** The findings bucket. */
    bucket: string;
    /** Key prefix of the reports, ending in "/". */
    prefix: string;
    /** The findings key: reports are written SSE-KMS with it, as the bucket's policy requires of every object. */
    kmsKeyArn: string;
    /** The alert topic. */
    topicArn: string;
    /** CloudWatch namespace of the coverage metrics. */
    namespace: string;
}

/** PutMetricData: "no more than 1000 different metrics" per request (CloudWatch API reference). */
const METRICS_PER_CALL = 1000;
/** SNS Publish `Subject`: at most 100 characters (SNS API reference). */
const SUBJECT_MAX = 100;

export interface PublishClients {
    s3: S3Client;
    cloudwatch: CloudWatchClient;
    sns: SNSClient;
}

/** The folder of one service and region's row: the scheduled runs refresh rows one at a time. */
export function rowFolder(prefix: string, row: Pick<CoverageRow, "service" | "region">): string {
    return `${prefix}rows/${row.service}/${row.region}/`;
}

/**
 * A stored report, or undefined when there is none yet (the first run). The role may list only the reports'
 * prefix, so a missing report is found by listing, never by a read that S3 would answer 403 (s3-objects.ts).
 * Any other failure (access, KMS) is real and thrown.
 */
export async function readReport(
    clients: PublishClients,
    settings: PublishSettings,
    key: string,
    run: Run,
): Promise<CoverageReport | undefined> {
    const text = await readObjectIfPresent(clients.s3, settings.bucket, key, run);
    return text === undefined ? undefined : (JSON.parse(text) as CoverageReport);
}

/** Writes `report` as `<folder>latest.json` and a dated copy, SSE-KMS with the findings key. Returns the keys. */
export async function writeReport(
    clients: PublishClients,
    settings: PublishSettings,
    folder: string,
    report: CoverageReport,
    run: Run,
): Promise<string[]> {
    const body = `${JSON.stringify(report)}\n`;
    const keys = [datedKey(folder, report.generatedAt), `${folder}latest.json`];
    for (const key of keys) {
        await run.call("s3:PutObject", () =>
            clients.s3.send(
                new PutObjectCommand({
                    Bucket: settings.bucket,
                    Key: key,
                    Body: body,
                    ContentType: "application/json",
                    ServerSideEncryption: "aws:kms",
                    SSEKMSKeyId: settings.kmsKeyArn,
                }),
            ),
        );
    }
    return keys;
}

/** Covered, uncovered (unexcused gaps) and excused accounts of each row, dimensioned by service and region. */
export function coverageMetrics(rows: readonly CoverageRow[], at: Date): MetricDatum[] {
    return rows.flatMap((row) => {
        const dimensions = [
            { Name: "Service", Value: row.service },
            { Name: "Region", Value: row.region },
        ];
        const excused = row.gaps.filter((gap) => gap.excused === true).length;
        return [
            { MetricName: "CoveredAccounts", Value: row.covered },
            { MetricName: "UncoveredAccounts", Value: row.gaps.length - excused },
            { MetricName: "ExcusedAccounts", Value: excused },
        ].map((m) => ({ ...m, Dimensions: dimensions, Unit: "Count" as const, Timestamp: at }));
    });
}

/**
 * One datum per combined report written: the heartbeat the stack alarms on when reports stop arriving
 * (components/failure-alarms.ts). No dimensions, so that one alarm watches it.
 */
export const REPORT_WRITTEN_METRIC = "ReportsWritten";

export function reportWrittenMetric(at: Date): MetricDatum {
    return { MetricName: REPORT_WRITTEN_METRIC, Value: 1, Unit: "Count", Timestamp: at };
}

export async function putMetrics(
    clients: PublishClients,
    settings: PublishSettings,
    data: readonly MetricDatum[],
    run: Run,
): Promise<void> {
    for (let i = 0; i < data.length; i += METRICS_PER_CALL) {
        const batch = data.slice(i, i + METRICS_PER_CALL);
        await run.call("cloudwatch:PutMetricData", () =>
            clients.cloudwatch.send(
                new PutMetricDataCommand({ Namespace: settings.namespace, MetricData: batch }),
            ),
        );
    }
}

export type Drop = ReturnType<typeof coverageDrops>[number];

/** One message on the alert topic naming every row that dropped on this run, with where the gaps are listed. */
export async function alertDrops(
    clients: PublishClients,
    settings: PublishSettings,
    drops: readonly Drop[],
    generatedAt: string,
    reportKey: string,
    run: Run,
): Promise<void> {
    if (drops.length === 0) return;
    await run.call("sns:Publish", () =>
        clients.sns.send(
            new PublishCommand({
                TopicArn: settings.topicArn,
                Subject: `Threat-detection coverage dropped in ${drops.length} service/region row(s)`.slice(
                    0,
                    SUBJECT_MAX,
                ),
                Message: [
                    `Coverage run ${generatedAt}: accounts lost coverage since the previous report.`,
                    ...drops.map(
                        (d) =>
                            `${d.row}: ${d.before} -> ${d.after} covered accounts; newly uncovered: ${d.accounts.join(", ")}`,
                    ),
                    `Every gap and its reason: s3://${settings.bucket}/${reportKey}`,
                ].join("\n"),
            }),
        ),
    );
}
