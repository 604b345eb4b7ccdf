import { strict as assert } from "node:assert";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
    GetObjectCommand,
    NoSuchKey,
    PutObjectCommand,
    S3Client,
    type GetObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { coverageMatrix, type CoverageReport, type RegionReading } from "../functions/coverage/matrix";
import { datedKey, publishCoverage, type PublishSettings } from "../functions/coverage/publish";
import { Run } from "../functions/shared/run";

const ADMIN = "222222222222";
const W1 = "300000000001";
const KEY = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SETTINGS: PublishSettings = {
    bucket: "findings-222222222222-eu-west-1",
    prefix: "coverage/",
    kmsKeyArn: KEY,
    topicArn: "arn:aws:sns:eu-west-1:222222222222:security-findings",
    namespace: "SecurityGovernance/Coverage",
};

function report(
    members: string[],
    options: { at?: string; regions?: string[]; stoppedEarly?: boolean } = {},
): CoverageReport {
    const readings: RegionReading[] = (options.regions ?? ["eu-west-1"]).map((region) => ({
        service: "macie",
        region,
        observations: members.map((accountId) => ({ accountId, status: "ENABLED" })),
    }));
    return coverageMatrix({
        accounts: [ADMIN, W1].map((id) => ({ id, email: "", state: "ACTIVE" })),
        expectation: {
            adminAccountId: ADMIN,
            managementAccountId: "111111111111",
            regions: {},
            guarddutyFeatures: [],
            inspectorScans: [],
            quotas: {},
        },
        readings,
        generatedAt: options.at ?? "2026-12-01T10:00:00.000Z",
        stoppedEarly: options.stoppedEarly,
    });
}

const body = (value: unknown) =>
    ({ transformToString: async () => JSON.stringify(value) }) as unknown as GetObjectCommandOutput["Body"];

describe("publishing coverage: the report in the bucket, metrics, an alert when coverage drops", () => {
    const s3 = mockClient(S3Client);
    const cloudwatch = mockClient(CloudWatchClient);
    const sns = mockClient(SNSClient);
    const clients = () => ({
        s3: new S3Client({}),
        cloudwatch: new CloudWatchClient({}),
        sns: new SNSClient({}),
    });
    const run = () => new Run({ deadlineMs: Date.now() + 600_000 });
    afterEach(() => {
        s3.reset();
        cloudwatch.reset();
        sns.reset();
    });

    it("writes a dated copy and latest.json, SSE-KMS with the findings key as the bucket policy demands", async () => {
        s3.on(GetObjectCommand).rejects(
            new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} }),
        );
        const current = report([W1]);
        const result = await publishCoverage(current, SETTINGS, clients(), run());
        assert.deepEqual(result.keys, [
            "coverage/2026/12/01/2026-12-01T10:00:00.000Z.json",
            "coverage/latest.json",
        ]);
        const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
        assert.deepEqual(
            puts.map((p) => [p.Bucket, p.Key, p.ServerSideEncryption, p.SSEKMSKeyId, p.ContentType]),
            result.keys.map((key) => [SETTINGS.bucket, key, "aws:kms", KEY, "application/json"]),
        );
        assert.deepEqual(JSON.parse(String(puts[1].Body)), current);
        assert.equal(sns.commandCalls(PublishCommand).length, 0, "a first report has nothing to drop from");
    });

    it("publishes covered, uncovered and excused counts per service and region", async () => {
        s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: "none", $metadata: {} }));
        await publishCoverage(
            report([], { regions: ["eu-west-1", "us-east-1"] }),
            SETTINGS,
            clients(),
            run(),
        );
        const [call] = cloudwatch.commandCalls(PutMetricDataCommand);
        assert.equal(call.args[0].input.Namespace, "SecurityGovernance/Coverage");
        const data = call.args[0].input.MetricData ?? [];
        assert.deepEqual(
            data.map((d) => [d.MetricName, d.Dimensions?.map((x) => x.Value).join("/"), d.Value, d.Unit]),
            [
                ["CoveredAccounts", "macie/eu-west-1", 1, "Count"],
                ["UncoveredAccounts", "macie/eu-west-1", 1, "Count"],
                ["ExcusedAccounts", "macie/eu-west-1", 0, "Count"],
                ["CoveredAccounts", "macie/us-east-1", 1, "Count"],
                ["UncoveredAccounts", "macie/us-east-1", 1, "Count"],
                ["ExcusedAccounts", "macie/us-east-1", 0, "Count"],
            ],
        );
        assert.deepEqual(data[0].Timestamp, new Date("2026-12-01T10:00:00.000Z"));
    });

    it("sends no more than 1,000 metrics per PutMetricData call", async () => {
        s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: "none", $metadata: {} }));
        const regions = Array.from({ length: 400 }, (_, i) => `r-${i}`);
        await publishCoverage(report([W1], { regions }), SETTINGS, clients(), run());
        assert.deepEqual(
            cloudwatch.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData?.length),
            [1000, 200],
        );
    });

    it("alerts once when a row covers fewer accounts than the last report, and not again while it stays so", async () => {
        s3.on(GetObjectCommand).resolves({ Body: body(report([W1])) });
        const dropped = report([], { at: "2026-12-01T11:00:00.000Z" });
        const result = await publishCoverage(dropped, SETTINGS, clients(), run());
        assert.deepEqual(result.drops, [{ row: "macie/eu-west-1", before: 2, after: 1 }]);
        const [publish] = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
        assert.equal(publish.TopicArn, SETTINGS.topicArn);
        assert.equal(publish.Subject, "Threat-detection coverage dropped in 1 service/region row(s)");
        assert.equal(
            publish.Message,
            [
                "Coverage report 2026-12-01T11:00:00.000Z: fewer accounts covered than in the previous report.",
                "macie/eu-west-1: 2 -> 1 covered accounts",
                `Every gap and its reason: s3://${SETTINGS.bucket}/${datedKey("coverage/", "2026-12-01T11:00:00.000Z")}`,
            ].join("\n"),
        );
        sns.reset();
        s3.on(GetObjectCommand).resolves({ Body: body(dropped) });
        await publishCoverage(report([], { at: "2026-12-01T12:00:00.000Z" }), SETTINGS, clients(), run());
        assert.equal(sns.commandCalls(PublishCommand).length, 0);
    });

    it("a report cut short is kept as a dated copy only, and alerts on nothing", async () => {
        s3.on(GetObjectCommand).resolves({ Body: body(report([W1])) });
        const partial = { ...report([]), rows: [], stoppedEarly: true };
        const result = await publishCoverage(partial, SETTINGS, clients(), run());
        assert.deepEqual(result.keys, ["coverage/2026/12/01/2026-12-01T10:00:00.000Z.json"]);
        assert.equal(s3.commandCalls(GetObjectCommand).length, 0);
        assert.equal(sns.commandCalls(PublishCommand).length, 0);
    });

    it("fails on a refused read of the last report instead of treating it as the first run", async () => {
        s3.on(GetObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
        await assert.rejects(publishCoverage(report([W1]), SETTINGS, clients(), run()), /Access Denied/);
        assert.equal(s3.commandCalls(PutObjectCommand).length, 0);
    });
});
