import { strict as assert } from "node:assert";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
    BadRequestException,
    CreateSampleFindingsCommand,
    GetFindingsCommand,
    GuardDutyClient,
    ListDetectorsCommand,
    ListFindingsCommand,
    type Finding,
} from "@aws-sdk/client-guardduty";
import {
    GetObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
    type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { GetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { drillSampleTemplate, ALERT_INPUT_PATHS } from "../components/notifications";
import { sampleAlertFindingId } from "../functions/drill/inbox";
import {
    runDrill,
    type DrillReport,
    type DrillResult,
    type DrillSettings,
    type DrillState,
} from "../functions/drill/drill";
import { SAMPLE_REASON } from "../functions/response/ladder";
import { Run } from "../functions/shared/run";
import { render } from "./helpers/event-pattern";
import { textBody } from "./helpers/response-world";

/*
 * The drill's logic against the SDK's own shapes (aws-sdk-client-mock): a start, the checks that follow, and each
 * way a drill fails, with the words it leaves for a person.
 */

const HOME = "eu-west-1";
const ACCOUNT = "222222222222";
const TYPE = "CryptoCurrency:EC2/BitcoinTool.B";
const DETECTOR = "12abc34d567e8fa901bc2d34e56789f0";
const FINDING = "a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1";
const TOPIC = `arn:aws:sns:${HOME}:${ACCOUNT}:finding-alerts-topic-1234567`;
const INBOX = `https://sqs.${HOME}.amazonaws.com/${ACCOUNT}/security-governance-drill-inbox`;
const BUCKET = `security-governance-findings-${ACCOUNT}-${HOME}`;
const KEY = `arn:aws:kms:${HOME}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const START = Date.parse("2026-03-02T09:00:00.000Z");
const MINUTE = 60_000;

function settings(responder = true): DrillSettings {
    return {
        findingType: TYPE,
        boundMinutes: 20,
        topicArn: TOPIC,
        inboxUrl: INBOX,
        store: { bucket: BUCKET, prefix: "coverage/drill/", kmsKeyArn: KEY },
        ...(responder ? { responder: { bucket: BUCKET, prefix: "responses/", kmsKeyArn: KEY } } : {}),
        namespace: "SecurityGovernance/Drill",
    };
}

const clients = {
    guardduty: new GuardDutyClient({ region: HOME }),
    sqs: new SQSClient({ region: HOME }),
    s3: new S3Client({ region: HOME }),
    sns: new SNSClient({ region: HOME }),
    cloudwatch: new CloudWatchClient({ region: HOME }),
};
// These instances only: a class mock would answer every other test file's clients of the same worker too.
const guardduty = mockClient(clients.guardduty);
const sqs = mockClient(clients.sqs);
const s3 = mockClient(clients.s3);
const sns = mockClient(clients.sns);
const cloudwatch = mockClient(clients.cloudwatch);

/** The bucket, in memory: PutObject stores, ListObjectsV2 lists by prefix, GetObject reads. */
let objects: Map<string, string>;
let clock: number;
/** The inbox's messages not yet deleted. */
let inbox: Message[];

function installBucket() {
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
        assert.equal(input.ServerSideEncryption, "aws:kms");
        assert.equal(input.SSEKMSKeyId, KEY);
        objects.set(input.Key ?? "", String(input.Body));
        return {};
    });
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; MaxKeys?: number }) => {
        const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix ?? "")).sort();
        return { Contents: keys.slice(0, input.MaxKeys ?? 1000).map((Key) => ({ Key })), IsTruncated: false };
    });
    s3.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
        const text = objects.get(input.Key ?? "");
        if (text === undefined) throw Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" });
        return { Body: textBody(text) };
    });
    sqs.on(ReceiveMessageCommand).callsFake(() => ({ Messages: inbox.slice(0, 10) }));
    sqs.on(DeleteMessageCommand).callsFake((input: { ReceiptHandle?: string }) => {
        inbox = inbox.filter((m) => m.ReceiptHandle !== input.ReceiptHandle);
        return {};
    });
}

/** The e-mail GuardDuty's event becomes through the planned sample rule's template, as SQS keeps the copy. */
function alertCopy(options: { type?: string; id?: string; sentAt: number; topic?: string }): Message {
    const event = {
        detail: {
            severity: 8,
            type: options.type ?? TYPE,
            accountId: ACCOUNT,
            region: HOME,
            resource: { resourceType: "Instance" },
            title: "[SAMPLE] EC2 instance i-99999999 is querying a domain name that is associated with Bitcoin-related activity.",
            id: options.id ?? FINDING,
            service: { count: 2, eventFirstSeen: "x", eventLastSeen: "y" },
            createdAt: "2026-02-23T09:00:02.000Z",
            updatedAt: new Date(START + 30_000).toISOString(),
        },
    };
    const text = render(
        { inputPaths: ALERT_INPUT_PATHS, inputTemplate: drillSampleTemplate(TYPE) },
        event,
    ).join("\n");
    const body = JSON.stringify({
        Type: "Notification",
        MessageId: `m-${options.sentAt}`,
        TopicArn: options.topic ?? TOPIC,
        Message: text,
        Timestamp: new Date(options.sentAt).toISOString(),
    });
    return {
        MessageId: `m-${options.sentAt}`,
        ReceiptHandle: `r-${options.sentAt}-${options.type ?? TYPE}`,
        Body: body,
        Attributes: { SentTimestamp: String(options.sentAt) },
    };
}

function sample(overrides: Partial<Finding> = {}, archived = false): Finding {
    return {
        AccountId: ACCOUNT,
        Arn: `arn:aws:guardduty:${HOME}:${ACCOUNT}:detector/${DETECTOR}/finding/${FINDING}`,
        CreatedAt: "2026-02-23T09:00:02.000Z",
        Id: FINDING,
        Region: HOME,
        Resource: { ResourceType: "Instance", InstanceDetails: { InstanceId: "i-99999999" } },
        SchemaVersion: "2.0",
        Severity: 8,
        Title: "[SAMPLE] EC2 instance i-99999999 is querying a domain name that is associated with Bitcoin-related activity.",
        Type: TYPE,
        UpdatedAt: new Date(START + 30_000).toISOString(),
        Service: {
            Archived: archived,
            Count: 2,
            AdditionalInfo: { Value: '{"sample":true}', Type: "default" },
            DetectorId: DETECTOR,
            ServiceName: "guardduty",
        },
        ...overrides,
    };
}

function decision(verdict: string, reason: string | undefined, decidedAt: number) {
    const key = `decisions/${new Date(decidedAt).toISOString().slice(0, 10)}/${FINDING}/isolateInstance-${verdict}-e1.json`;
    objects.set(
        `responses/${key}`,
        JSON.stringify({
            action: "isolateInstance",
            mode: "act",
            verdict,
            ...(reason === undefined ? {} : { reason }),
            ...(verdict === "act" ? { outcome: { status: "done", details: [] } } : {}),
            findingId: FINDING,
            eventId: "e1",
            occurrence: "2-y",
            decidedAt: new Date(decidedAt).toISOString(),
            key,
        }),
    );
}

async function step(kind: "start" | "check", options: { responder?: boolean } = {}): Promise<DrillResult> {
    const run = new Run({ deadlineMs: clock + 4 * MINUTE, now: () => clock, sleep: async () => {} });
    return runDrill(kind, settings(options.responder ?? true), clients, () => new Date(clock), run);
}

const report = () => JSON.parse(objects.get("coverage/drill/latest.json") ?? "null") as DrillReport | null;
const state = () => JSON.parse(objects.get("coverage/drill/state.json") ?? "null") as DrillState | null;
const metrics = () =>
    cloudwatch
        .commandCalls(PutMetricDataCommand)
        .flatMap((c) =>
            (c.args[0].input.MetricData ?? []).map((d) => [c.args[0].input.Namespace, d.MetricName, d.Value]),
        );

describe("drill: the weekly sample down the alert path", () => {
    beforeEach(() => {
        for (const mock of [guardduty, sqs, s3, sns, cloudwatch]) mock.reset();
        objects = new Map();
        inbox = [];
        clock = START;
        installBucket();
        guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
        guardduty.on(CreateSampleFindingsCommand).resolves({});
        guardduty.on(GetFindingsCommand).resolves({ Findings: [sample()] });
        sns.on(GetTopicAttributesCommand).resolves({
            Attributes: { SubscriptionsConfirmed: "2", SubscriptionsPending: "0" },
        });
        cloudwatch.on(PutMetricDataCommand).resolves({});
    });

    it("reads its own sample's e-mail out of the rendered template, and nothing else", () => {
        const text = JSON.parse(alertCopy({ sentAt: START }).Body ?? "") as { Message: string };
        assert.equal(sampleAlertFindingId(text.Message, TYPE), FINDING);
        assert.equal(sampleAlertFindingId(text.Message, "Recon:EC2/PortProbeUnprotectedPort"), undefined);
        assert.equal(
            sampleAlertFindingId(text.Message.replace("SAMPLE GuardDuty", "NEW GuardDuty"), TYPE),
            undefined,
        );
    });

    it("passes: sample made, e-mail in the inbox, sample confirmed, skipped by the responder, a person subscribed", async () => {
        const started = await step("start");
        assert.equal(started.status, "waiting");
        const made = guardduty.commandCalls(CreateSampleFindingsCommand)[0].args[0].input;
        assert.deepEqual(made, { DetectorId: DETECTOR, FindingTypes: [TYPE] });
        assert.equal(state()?.phase, "waiting");
        assert.equal(state()?.deadline, new Date(START + 20 * MINUTE).toISOString());

        // A real alert and last week's copy wait there too: both are deleted as read.
        inbox = [
            alertCopy({ type: "UnauthorizedAccess:EC2/TorClient", sentAt: START + 60_000 }),
            alertCopy({ sentAt: START - 7 * 24 * 60 * MINUTE }),
            alertCopy({ sentAt: START + 4 * MINUTE }),
        ];
        clock = START + 5 * MINUTE;
        decision("skip", SAMPLE_REASON, START + 4 * MINUTE + 5_000);
        const done = await step("check");
        assert.equal(done.status, "finished");
        const r = report();
        assert.equal(r?.passed, true, JSON.stringify(r));
        assert.equal(r?.findingId, FINDING);
        assert.equal(r?.deliverySeconds, 240);
        assert.deepEqual(
            r?.checks.map((c) => [c.step, c.ok]),
            [
                ["sample", true],
                ["alert", true],
                ["finding", true],
                ["responder", true],
                ["people", true],
            ],
        );
        assert.equal(inbox.length, 0, "every copy read is deleted");
        assert.deepEqual(metrics(), [
            ["SecurityGovernance/Drill", "DrillPassed", 1],
            ["SecurityGovernance/Drill", "DrillDeliverySeconds", 240],
        ]);
        assert.ok(
            [...objects.keys()].some((k) => /^coverage\/drill\/2026\/03\/02\/2026-03-02T09:05/.test(k)),
        );
        assert.equal(state()?.phase, "done");
        // Nothing in progress: a later check does nothing.
        assert.deepEqual(await step("check"), { status: "idle" });
    });

    it("fails when the e-mail came after the bound, with the time it took, and fails the invocation", async () => {
        await step("start");
        inbox = [alertCopy({ sentAt: START + 25 * MINUTE })];
        clock = START + 27 * MINUTE;
        await assert.rejects(
            step("check"),
            /DrillFailed|the drill failed: the e-mail of sample .* after 1500 s, later than the bound of 20 minutes/,
        );
        assert.equal(report()?.passed, false);
        assert.deepEqual(metrics(), [
            ["SecurityGovernance/Drill", "DrillPassed", 0],
            ["SecurityGovernance/Drill", "DrillDeliverySeconds", 1500],
        ]);
    });

    it("waits while no e-mail came within the bound, then names an archived sample as the cause", async () => {
        await step("start");
        clock = START + 10 * MINUTE;
        assert.equal((await step("check")).status, "waiting");
        assert.deepEqual(metrics(), [], "no datum before the drill is decided");
        guardduty.on(ListFindingsCommand).resolves({ FindingIds: [FINDING] });
        guardduty.on(GetFindingsCommand).resolves({ Findings: [sample({}, true)] });
        clock = START + 21 * MINUTE;
        await assert.rejects(
            step("check"),
            /sample .* is archived, and GuardDuty sends no event for an archived finding/,
        );
        const listed = guardduty.commandCalls(ListFindingsCommand)[0].args[0].input;
        assert.deepEqual(listed.FindingCriteria?.Criterion?.type, { Equals: [TYPE] });
        assert.deepEqual(listed.FindingCriteria?.Criterion?.["service.additionalInfo.sample"], {
            Equals: ["true"],
        });
        assert.deepEqual(metrics(), [["SecurityGovernance/Drill", "DrillPassed", 0]]);
    });

    it("blames the alert path when GuardDuty updated the sample but no e-mail came", async () => {
        await step("start");
        guardduty.on(ListFindingsCommand).resolves({ FindingIds: [FINDING] });
        clock = START + 21 * MINUTE;
        await assert.rejects(step("check"), /the alert path lost it/);
        assert.match(report()?.failure ?? "", /-samples is enabled/);
    });

    it("takes no copy of another type or from another topic for its own", async () => {
        await step("start");
        inbox = [
            alertCopy({ type: "UnauthorizedAccess:EC2/TorClient", sentAt: START + MINUTE }),
            alertCopy({ topic: `arn:aws:sns:${HOME}:${ACCOUNT}:other`, sentAt: START + MINUTE }),
        ];
        clock = START + 3 * MINUTE;
        assert.equal((await step("check")).status, "waiting");
        assert.equal(inbox.length, 0);
        assert.equal(guardduty.commandCalls(GetFindingsCommand).length, 0);
    });

    it("fails when the e-mail names a finding that is archived or is an earlier sample's", async () => {
        await step("start");
        guardduty.on(GetFindingsCommand).resolves({ Findings: [sample({}, true)] });
        inbox = [alertCopy({ sentAt: START + 2 * MINUTE })];
        clock = START + 3 * MINUTE;
        await assert.rejects(step("check"), /is archived: a suppression rule/);

        clock = START;
        await step("start");
        guardduty.on(GetFindingsCommand).resolves({
            Findings: [sample({ UpdatedAt: new Date(START - 7 * 24 * 60 * MINUTE).toISOString() })],
        });
        inbox = [alertCopy({ sentAt: START + 2 * MINUTE })];
        clock = START + 3 * MINUTE;
        await assert.rejects(step("check"), /before this drill began/);
    });

    it("fails when the responder acted on the sample, and when it recorded nothing within the bound", async () => {
        await step("start");
        inbox = [alertCopy({ sentAt: START + 2 * MINUTE })];
        decision("act", undefined, START + 2 * MINUTE + 1_000);
        clock = START + 3 * MINUTE;
        await assert.rejects(
            step("check"),
            /the responder did not treat the sample as one: isolateInstance act \(done\)/,
        );

        objects = new Map();
        clock = START;
        await step("start");
        inbox = [alertCopy({ sentAt: START + 2 * MINUTE })];
        clock = START + 3 * MINUTE;
        assert.equal((await step("check")).status, "waiting", "the responder has until the bound");
        assert.equal(state()?.findingId, FINDING);
        clock = START + 21 * MINUTE;
        await assert.rejects(step("check"), /the responder recorded no decision on sample/);
    });

    it("leaves the responder out when the stack has none, and says why", async () => {
        await step("start", { responder: false });
        inbox = [alertCopy({ sentAt: START + 2 * MINUTE })];
        clock = START + 3 * MINUTE;
        const result = await step("check", { responder: false });
        assert.equal(result.status, "finished");
        assert.equal(report()?.passed, true);
    });

    it("fails when no person would have read the alert (subscriptions unconfirmed)", async () => {
        sns.on(GetTopicAttributesCommand).resolves({
            Attributes: { SubscriptionsConfirmed: "1", SubscriptionsPending: "2" },
        });
        await step("start", { responder: false });
        inbox = [alertCopy({ sentAt: START + 2 * MINUTE })];
        await assert.rejects(
            step("check", { responder: false }),
            /2 subscription\(s\) still wait for confirmation/,
        );
    });

    it("fails at once, recorded and counted, when GuardDuty refuses the sample or has no detector", async () => {
        guardduty
            .on(CreateSampleFindingsCommand)
            .rejects(new BadRequestException({ message: "The request is rejected.", $metadata: {} }));
        await assert.rejects(step("start"), /GuardDuty refused the sample: BadRequestException/);
        assert.equal(report()?.passed, false);
        assert.deepEqual(metrics(), [["SecurityGovernance/Drill", "DrillPassed", 0]]);

        guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
        await assert.rejects(step("start"), /no GuardDuty detector in the home region/);
    });
});
