import { strict as assert } from "node:assert";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
    GetObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
    S3ServiceException,
    type GetObjectCommandOutput,
    type ListObjectsV2CommandInput,
    type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import type {
    CoverageExpectation,
    CoverageReport,
    CoverageService,
    Observation,
} from "../functions/coverage/matrix";
import { coverageMetrics, putMetrics, type PublishSettings } from "../functions/coverage/publish";
import { datedKey } from "../functions/shared/s3-objects";
import { PUBLISH_RESERVE_MS, runScheduledCoverage } from "../functions/coverage/scheduled";
import type { OrgAccount } from "../functions/enrollment/reconcile";
import { Run } from "../functions/shared/run";

const ADMIN = "222222222222";
const MANAGEMENT = "111111111111";
const W1 = "300000000001";
const KEY = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const PUBLISH: PublishSettings = {
    bucket: "findings-222222222222-eu-west-1",
    prefix: "coverage/",
    kmsKeyArn: KEY,
    topicArn: "arn:aws:sns:eu-west-1:222222222222:security-findings",
    namespace: "SecurityGovernance/Coverage",
};
const EXPECTATION: CoverageExpectation = {
    adminAccountId: ADMIN,
    managementAccountId: MANAGEMENT,
    regions: { macie: ["eu-west-1", "us-east-1"], detective: ["eu-west-1"] },
    guarddutyFeatures: [],
    inspectorScans: [],
    quotas: {},
};
const ACCOUNTS: OrgAccount[] = [MANAGEMENT, ADMIN, W1].map((id) => ({ id, email: "", state: "ACTIVE" }));

// Class mocks, made and restored by the describe block: left in place, they would answer every client of these
// classes in the rest of the run (the integration suite's included).
let s3: AwsClientStub<S3Client>;
let cloudwatch: AwsClientStub<CloudWatchClient>;
let sns: AwsClientStub<SNSClient>;

/**
 * The bucket as S3 keeps it for the coverage role, which may list only coverage/: what was put can be got and
 * listed; a read of anything else is 403 AccessDenied, never NoSuchKey (GetObject API reference: without
 * s3:ListBucket on the bucket, a missing key is 403).
 */
function bucket(): Map<string, PutObjectCommandInput> {
    const objects = new Map<string, PutObjectCommandInput>();
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
        objects.set(String(input.Key), input);
        return {};
    });
    s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
        const prefix = String(input.Prefix);
        assert.ok(prefix.startsWith("coverage/"), `the role may list only coverage/, not ${prefix}`);
        const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
        const shown = keys.slice(0, input.MaxKeys ?? 1000);
        return { Contents: shown.map((Key) => ({ Key })), IsTruncated: shown.length < keys.length };
    });
    s3.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
        const object = objects.get(String(input.Key));
        if (object === undefined)
            throw new S3ServiceException({
                name: "AccessDenied",
                $fault: "client",
                message: "Access Denied",
                $metadata: { httpStatusCode: 403 },
            });
        const text = String(object.Body);
        return { Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput["Body"] };
    });
    return objects;
}

const stored = (objects: Map<string, PutObjectCommandInput>, key: string) =>
    JSON.parse(String(objects.get(key)?.Body)) as CoverageReport;

/** A clock that moves one minute per reading, and a run with `limitMs` on it. */
function world(limitMs = 15 * 60_000) {
    const clock = { now: Date.parse("2026-12-01T10:00:00.000Z") };
    const run = new Run({ deadlineMs: clock.now + limitMs, marginMs: 0, now: () => clock.now });
    return { clock, run, now: () => new Date(clock.now) };
}

type Members = Partial<Record<CoverageService, string[]>>;

function dependencies(w: ReturnType<typeof world>, members: Members, readLog: string[] = []) {
    return {
        clients: { s3: new S3Client({}), cloudwatch: new CloudWatchClient({}), sns: new SNSClient({}) },
        now: w.now,
        listAccounts: async () => ACCOUNTS,
        async read(
            service: CoverageService,
            region: string,
            _accounts: readonly string[],
            run: Run,
        ): Promise<Observation[] | string> {
            // As every adapter call does, through the run: refused once no time is left.
            run.checkDeadline();
            w.clock.now += 60_000;
            readLog.push(`${service}/${region}`);
            if (region === "us-east-1" && service === "detective") return "no graph";
            return (members[service] ?? []).map((accountId) => ({ accountId, status: "ENABLED" }));
        },
    };
}

describe("the scheduled coverage run: rows refreshed stalest first, the matrix in the bucket, metrics, alerts on drops", () => {
    before(() => {
        s3 = mockClient(S3Client);
        cloudwatch = mockClient(CloudWatchClient);
        sns = mockClient(SNSClient);
    });
    after(() => {
        for (const mock of [s3, cloudwatch, sns]) mock.restore();
    });
    afterEach(() => {
        s3.reset();
        cloudwatch.reset();
        sns.reset();
    });

    it("writes each row and the combined matrix, latest and dated, SSE-KMS with the findings key", async () => {
        const objects = bucket();
        const w = world();
        const result = await runScheduledCoverage(
            { expectation: EXPECTATION, publish: PUBLISH },
            dependencies(w, { macie: [MANAGEMENT, W1], detective: [MANAGEMENT] }),
            w.run,
        );
        assert.deepEqual(result.refreshed, ["macie/eu-west-1", "macie/us-east-1", "detective/eu-west-1"]);
        assert.deepEqual(result.notReached, []);
        const keys = [...objects.keys()];
        for (const folder of [
            "coverage/rows/macie/eu-west-1/",
            "coverage/rows/macie/us-east-1/",
            "coverage/rows/detective/eu-west-1/",
            "coverage/",
        ]) {
            assert.ok(keys.includes(`${folder}latest.json`), folder);
            assert.ok(
                keys.some((k) => k.startsWith(`${folder}2026/12/01/`)),
                `${folder} dated copy`,
            );
        }
        for (const object of objects.values()) {
            assert.deepEqual(
                [object.ServerSideEncryption, object.SSEKMSKeyId, object.ContentType],
                ["aws:kms", KEY, "application/json"],
            );
        }
        const combined = stored(objects, "coverage/latest.json");
        assert.equal(combined.stoppedEarly, false);
        assert.deepEqual(
            combined.rows.map((r) => [r.service, r.region, r.covered, r.gaps]),
            [
                ["macie", "eu-west-1", 3, []],
                ["macie", "us-east-1", 3, []],
                ["detective", "eu-west-1", 2, [{ accountId: W1, reason: "not a member" }]],
            ],
        );
        assert.equal(result.keys[0], datedKey("coverage/", combined.generatedAt));
        assert.equal(sns.commandCalls(PublishCommand).length, 0, "a first run has nothing to drop from");
    });

    it("alerts once, naming the row, when coverage falls; not again while it stays down", async () => {
        const objects = bucket();
        const w = world();
        const settings = { expectation: EXPECTATION, publish: PUBLISH };
        await runScheduledCoverage(settings, dependencies(w, { macie: [MANAGEMENT, W1] }), w.run);
        const second = await runScheduledCoverage(
            settings,
            dependencies(w, { macie: [MANAGEMENT] }),
            new Run({ deadlineMs: w.clock.now + 900_000, marginMs: 0, now: () => w.clock.now }),
        );
        assert.deepEqual(second.drops, [
            { row: "macie/eu-west-1", before: 3, after: 2, accounts: [W1] },
            { row: "macie/us-east-1", before: 3, after: 2, accounts: [W1] },
        ]);
        const [alert] = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
        assert.equal(alert.TopicArn, PUBLISH.topicArn);
        assert.equal(alert.Subject, "Threat-detection coverage dropped in 2 service/region row(s)");
        const lines = String(alert.Message).split("\n");
        assert.deepEqual(lines.slice(1), [
            `macie/eu-west-1: 3 -> 2 covered accounts; newly uncovered: ${W1}`,
            `macie/us-east-1: 3 -> 2 covered accounts; newly uncovered: ${W1}`,
            `Every gap and its reason: s3://${PUBLISH.bucket}/${second.keys[0]}`,
        ]);
        assert.ok(objects.has(second.keys[0]));
        sns.reset();
        await runScheduledCoverage(
            settings,
            dependencies(w, { macie: [MANAGEMENT] }),
            new Run({ deadlineMs: w.clock.now + 900_000, marginMs: 0, now: () => w.clock.now }),
        );
        assert.equal(sns.commandCalls(PublishCommand).length, 0);
    });

    it("stops reading in time to publish, and the next run starts with the rows it did not reach", async () => {
        const objects = bucket();
        // Two readings of a minute each fit before the publishing reserve; the third does not.
        const w = world(2 * 60_000 + PUBLISH_RESERVE_MS + 30_000);
        const settings = { expectation: EXPECTATION, publish: PUBLISH };
        const first = await runScheduledCoverage(
            settings,
            dependencies(w, { macie: [MANAGEMENT, W1] }),
            w.run,
        );
        assert.deepEqual(first.refreshed, ["macie/eu-west-1", "macie/us-east-1"]);
        assert.deepEqual(first.notReached, ["detective/eu-west-1"]);
        const combined = stored(objects, "coverage/latest.json");
        assert.equal(combined.stoppedEarly, true, "a row has never been read");
        assert.equal(combined.rows.length, 2);
        assert.equal(cloudwatch.commandCalls(PutMetricDataCommand).length, 1, "published within the reserve");

        const log: string[] = [];
        const next = world();
        next.clock.now = w.clock.now;
        await runScheduledCoverage(
            settings,
            dependencies(next, { macie: [MANAGEMENT, W1] }, log),
            new Run({ deadlineMs: next.clock.now + 900_000, marginMs: 0, now: () => next.clock.now }),
        );
        // Never read first, then the oldest: the eu-west-1 lane reads detective before macie; us-east-1 reads
        // macie beside it.
        assert.deepEqual(
            log,
            ["detective/eu-west-1", "macie/us-east-1", "macie/eu-west-1"],
            "never read first, then the oldest, the regions side by side",
        );
        assert.equal(stored(objects, "coverage/latest.json").stoppedEarly, false);
    });

    it("reads the regions side by side, each region's rows and all the config rows one at a time", async () => {
        const objects = bucket();
        const w = world();
        const expectation: CoverageExpectation = {
            ...EXPECTATION,
            regions: {
                macie: ["eu-west-1", "us-east-1", "ap-south-1"],
                detective: ["eu-west-1", "us-east-1"],
                config: ["eu-west-1", "us-east-1", "ap-south-1"],
            },
        };
        let reading = 0;
        let most = 0;
        const busy = new Map<string, number>();
        const deps = dependencies(w, { macie: [MANAGEMENT, W1], detective: [MANAGEMENT, W1] });
        const result = await runScheduledCoverage(
            { expectation, publish: PUBLISH },
            {
                ...deps,
                async read(service: CoverageService, region: string, accounts: readonly string[], run: Run) {
                    // Config.1 is read from the home region's findings, whatever the row's region.
                    const lane = service === "config" ? "config" : region;
                    assert.equal(busy.get(lane) ?? 0, 0, `${service}/${region} waits for its lane ${lane}`);
                    busy.set(lane, 1);
                    most = Math.max(most, ++reading);
                    // Three turns of the event loop: time enough for every other lane to start its row.
                    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
                    reading--;
                    busy.set(lane, 0);
                    return deps.read(service, region, accounts, run);
                },
            },
            w.run,
        );
        assert.equal(most, 4, "three regions and the config lane at once");
        assert.equal(result.refreshed.length, 8);
        assert.deepEqual(result.notReached, []);
        assert.equal(stored(objects, "coverage/latest.json").rows.length, 8);
    });

    it("a region that cannot be read is a row of gaps with the reason, and the run goes on", async () => {
        const objects = bucket();
        const w = world();
        const deps = dependencies(w, { macie: [MANAGEMENT, W1] });
        const failing = {
            ...deps,
            async read(service: CoverageService, region: string, accounts: readonly string[], run: Run) {
                if (service === "macie" && region === "eu-west-1")
                    throw Object.assign(new Error("denied"), { name: "AccessDeniedException" });
                return deps.read(service, region, accounts, run);
            },
        };
        const result = await runScheduledCoverage(
            { expectation: EXPECTATION, publish: PUBLISH },
            failing,
            w.run,
        );
        assert.equal(result.refreshed.length, 3);
        const row = stored(objects, "coverage/rows/macie/eu-west-1/latest.json").rows[0];
        assert.equal(row.error, "AccessDeniedException: denied");
        assert.equal(row.covered, 0);
    });

    it("fails loudly when the bucket refuses the listing of the stored rows, instead of taking it for a first run", async () => {
        s3.on(ListObjectsV2Command).rejects(
            Object.assign(new Error("Access Denied"), { name: "AccessDenied" }),
        );
        const w = world();
        await assert.rejects(
            runScheduledCoverage({ expectation: EXPECTATION, publish: PUBLISH }, dependencies(w, {}), w.run),
            /Access Denied/,
        );
        assert.equal(s3.commandCalls(PutObjectCommand).length, 0);
    });

    it("fails loudly when a listed row cannot be read (the key refused), instead of taking it for a first run", async () => {
        const objects = bucket();
        const w = world();
        const row = "coverage/rows/macie/eu-west-1/latest.json";
        objects.set(row, { Bucket: PUBLISH.bucket, Key: row, Body: "{}" });
        s3.on(GetObjectCommand).rejects(
            Object.assign(new Error("not authorized to perform kms:Decrypt"), { name: "AccessDenied" }),
        );
        await assert.rejects(
            runScheduledCoverage({ expectation: EXPECTATION, publish: PUBLISH }, dependencies(w, {}), w.run),
            /kms:Decrypt/,
        );
        assert.equal(s3.commandCalls(PutObjectCommand).length, 0);
    });

    it("metrics: covered, uncovered and excused accounts per row, at most 1,000 per PutMetricData call", async () => {
        const at = new Date("2026-12-01T10:00:00.000Z");
        const rows = Array.from({ length: 400 }, (_, i) => ({
            service: "macie" as const,
            region: `r-${i}`,
            expected: 3,
            covered: 1,
            gaps: [
                { accountId: W1, reason: "not a member" },
                { accountId: ADMIN, reason: "quota", excused: true },
            ],
        }));
        const data = coverageMetrics(rows, at);
        assert.deepEqual(
            data
                .slice(0, 3)
                .map((d) => [
                    d.MetricName,
                    d.Value,
                    d.Unit,
                    d.Dimensions?.map((x) => `${x.Name}=${x.Value}`).join(","),
                    d.Timestamp,
                ]),
            [
                ["CoveredAccounts", 1, "Count", "Service=macie,Region=r-0", at],
                ["UncoveredAccounts", 1, "Count", "Service=macie,Region=r-0", at],
                ["ExcusedAccounts", 1, "Count", "Service=macie,Region=r-0", at],
            ],
        );
        const w = world();
        await putMetrics(
            { s3: new S3Client({}), cloudwatch: new CloudWatchClient({}), sns: new SNSClient({}) },
            PUBLISH,
            data,
            w.run,
        );
        const calls = cloudwatch.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
        assert.deepEqual(
            calls.map((c) => [c.Namespace, c.MetricData?.length]),
            [
                [PUBLISH.namespace, 1000],
                [PUBLISH.namespace, 200],
            ],
        );
    });
});
