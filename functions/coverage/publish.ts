import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { Run } from "../shared/run";
import { coverageDrops, type CoverageReport } from "./matrix";

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

/** The dated copy's key: one per run, sortable, under a day folder so lifecycle rules and people can find it. */
export function datedKey(prefix: string, generatedAt: string): string {
    return `${prefix}${generatedAt.slice(0, 10).replaceAll("-", "/")}/${generatedAt}.json`;
}

async function previousReport(clients: PublishClients, settings: PublishSettings, run: Run) {
    try {
        const object = await run.call("s3:GetObject", () =>
            clients.s3.send(
                new GetObjectCommand({ Bucket: settings.bucket, Key: `${settings.prefix}latest.json` }),
            ),
        );
        const text = await object.Body?.transformToString();
        return text === undefined ? undefined : (JSON.parse(text) as CoverageReport);
    } catch (error) {
        // The first run finds no report; anything else (access, KMS) is a real failure.
        if (error instanceof Error && error.name === "NoSuchKey") return undefined;
        throw error;
    }
}

function metrics(report: CoverageReport): MetricDatum[] {
    const timestamp = new Date(report.generatedAt);
    return report.rows.flatMap((row) => {
        const dimensions = [
            { Name: "Service", Value: row.service },
            { Name: "Region", Value: row.region },
        ];
        const excused = row.gaps.filter((gap) => gap.excused === true).length;
        return [
            { MetricName: "CoveredAccounts", Value: row.covered },
            { MetricName: "UncoveredAccounts", Value: row.gaps.length - excused },
            { MetricName: "ExcusedAccounts", Value: excused },
        ].map((m) => ({ ...m, Dimensions: dimensions, Unit: "Count" as const, Timestamp: timestamp }));
    });
}

/**
 * Leaves the run's proof and tells people when it got worse: the report as JSON in the findings bucket
 * (latest.json and a dated copy), three metrics per service and region, and one message on the alert topic
 * when a row covers fewer accounts than the previous report did. A gap that persists alerts once, when it
 * appears, not on every run. A report cut short by the time limit is stored but neither compared nor alerted
 * on: its missing rows are not drops.
 */
export async function publishCoverage(
    report: CoverageReport,
    settings: PublishSettings,
    clients: PublishClients,
    run: Run,
): Promise<{ keys: string[]; drops: ReturnType<typeof coverageDrops> }> {
    const previous = report.stoppedEarly ? undefined : await previousReport(clients, settings, run);
    const body = `${JSON.stringify(report)}\n`;
    const keys = [datedKey(settings.prefix, report.generatedAt)];
    if (!report.stoppedEarly) keys.push(`${settings.prefix}latest.json`);
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
    const data = metrics(report);
    for (let i = 0; i < data.length; i += METRICS_PER_CALL) {
        const batch = data.slice(i, i + METRICS_PER_CALL);
        await run.call("cloudwatch:PutMetricData", () =>
            clients.cloudwatch.send(
                new PutMetricDataCommand({ Namespace: settings.namespace, MetricData: batch }),
            ),
        );
    }
    const drops = coverageDrops(previous, report);
    if (drops.length > 0) {
        const lines = drops.map((d) => `${d.row}: ${d.before} -> ${d.after} covered accounts`);
        await run.call("sns:Publish", () =>
            clients.sns.send(
                new PublishCommand({
                    TopicArn: settings.topicArn,
                    Subject:
                        `Threat-detection coverage dropped in ${drops.length} service/region row(s)`.slice(
                            0,
                            SUBJECT_MAX,
                        ),
                    Message: [
                        `Coverage report ${report.generatedAt}: fewer accounts covered than in the previous report.`,
                        ...lines,
                        `Every gap and its reason: s3://${settings.bucket}/${keys[0]}`,
                    ].join("\n"),
                }),
            ),
        );
    }
    return { keys, drops };
}
