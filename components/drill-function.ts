import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DrillSettings } from "../functions/drill/drill";
import { PARTITION } from "../stacks/regions";
import { COVERAGE_PREFIX } from "./coverage-function";
import type { IdentityPolicyDocument, PolicyDocument } from "./policy-documents";
import { RESPONSES_PREFIX } from "./response-function";
import { logGroupArn, ownLogsStatement, scheduledFunction } from "./scheduled-function";
import { allWatched, watched, type Watched } from "./watched";

export const DRILL_FUNCTION_NAME = "security-governance-drill";
/** The queue subscribed to the alert topic, where the drill finds the copy of its sample's e-mail. */
export const DRILL_INBOX_QUEUE = `${DRILL_FUNCTION_NAME}-inbox`;
/** Where the drill keeps its state and reports in the findings bucket; the coverage report includes latest.json. */
export const DRILL_PREFIX = `${COVERAGE_PREFIX}drill/`;
/** The drill's metrics: one datum per decided drill, no dimensions (for the watch alarms). */
export const DRILL_NAMESPACE = "SecurityGovernance/Drill";
/** 1 when a drill passed, 0 when it failed. */
export const DRILL_PASSED_METRIC = "DrillPassed";
/** Seconds from CreateSampleFindings to the e-mail's copy in the inbox (SQS SentTimestamp). */
export const DRILL_DELIVERY_SECONDS_METRIC = "DrillDeliverySeconds";
/**
 * The check that carries a drill on, every five minutes at 2, 7, 12, ... past the hour, so that it does not meet a
 * start on the hour (the function runs one at a time; a run that met another would be throttled).
 */
export const DRILL_CHECK_SCHEDULE = "cron(2/5 * * * ? *)";
/** SQS keeps a message at most 14 days (SetQueueAttributes MessageRetentionPeriod: 60 to 1,209,600 seconds). */
const MAX_RETENTION_SECONDS = 1_209_600;

export interface DrillRoleParams {
    securityAccountId: string;
    homeRegion: string;
    bucketName: string;
    bucketKeyArn: string;
    topicArn: string;
    /** Whether the drill reads the responder's decisions (the responder is invoked for the drill's type). */
    readsResponder: boolean;
}

export function inboxArn(securityAccountId: string, homeRegion: string): string {
    return `arn:${PARTITION}:sqs:${homeRegion}:${securityAccountId}:${DRILL_INBOX_QUEUE}`;
}

/**
 * The drill's permissions: make one sample on the home detector and read findings back there, read and delete
 * its inbox's messages, keep its state and reports under coverage/drill/, read the responder's decisions, count
 * the topic's subscriptions, publish its own metrics, write its logs. Nothing else: it changes no setting.
 */
export function drillRolePolicy(params: DrillRoleParams): IdentityPolicyDocument {
    const bucket = `arn:${PARTITION}:s3:::${params.bucketName}`;
    const home = { StringEquals: { "aws:RequestedRegion": params.homeRegion } };
    const statements: IdentityPolicyDocument["Statement"] = [
        ownLogsStatement(
            logGroupArn(PARTITION, params.homeRegion, params.securityAccountId, DRILL_FUNCTION_NAME),
        ),
        {
            // None of these has a resource type (Service Authorization Reference, Amazon GuardDuty), so the resource
            // is "*", held to the home region; CreateSampleFindings takes only the caller's own detector.
            Sid: "MakeOneSampleAtHome",
            Effect: "Allow",
            Action: [
                "guardduty:ListDetectors",
                "guardduty:CreateSampleFindings",
                "guardduty:GetFindings",
                "guardduty:ListFindings",
            ],
            Resource: "*",
            Condition: home,
        },
        {
            Sid: "ReadTheInbox",
            Effect: "Allow",
            Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
            Resource: inboxArn(params.securityAccountId, params.homeRegion),
        },
        {
            Sid: "KeepDrillReports",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: `${bucket}/${DRILL_PREFIX}*`,
        },
        {
            // The state is looked for by listing its key (functions/shared/s3-objects.ts), the responder's
            // decisions by listing their folder; ListObjectsV2 carries its Prefix as s3:prefix.
            Sid: "FindDrillRecords",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: bucket,
            Condition: {
                StringLike: {
                    "s3:prefix": [
                        `${DRILL_PREFIX}*`,
                        ...(params.readsResponder ? [`${RESPONSES_PREFIX}decisions/*`] : []),
                    ],
                },
            },
        },
        ...(params.readsResponder
            ? [
                  {
                      Sid: "ReadResponderDecisions",
                      Effect: "Allow" as const,
                      Action: "s3:GetObject",
                      Resource: `${bucket}/${RESPONSES_PREFIX}decisions/*`,
                  },
              ]
            : []),
        {
            // SSE-KMS: S3 asks for a data key on write and decrypts on read, on the caller's behalf.
            Sid: "EncryptDrillReports",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: params.bucketKeyArn,
        },
        {
            // SubscriptionsConfirmed and SubscriptionsPending: whether a person would have read the alert.
            Sid: "CountSubscribers",
            Effect: "Allow",
            Action: "sns:GetTopicAttributes",
            Resource: params.topicArn,
        },
        {
            Sid: "PublishDrillMetrics",
            Effect: "Allow",
            // PutMetricData has no resource-level permissions; the namespace condition keeps it to its own.
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": DRILL_NAMESPACE } },
        },
    ];
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The inbox's policy: the alert topic may send (SNS developer guide, subscribe-sqs-queue-to-sns-topic: the queue
 * policy allows sns.amazonaws.com sqs:SendMessage with aws:SourceArn the topic), and no one else, whatever their
 * own policies say: a message sent by anyone else could pass for the alert.
 */
export function inboxPolicy(queueArn: string, topicArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AlertTopicSends",
                Effect: "Allow",
                Principal: { Service: "sns.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queueArn,
                Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
            },
            {
                Sid: "NoOneElseSends",
                Effect: "Deny",
                Principal: "*",
                Action: "sqs:SendMessage",
                Resource: queueArn,
                Condition: { ArnNotEquals: { "aws:SourceArn": topicArn } },
            },
        ],
    };
}

export interface DrillFunctionArgs {
    securityAccountId: string;
    homeRegion: string;
    findingType: string;
    /** When the drill starts (EventBridge schedule expression). */
    schedule: string;
    boundMinutes: number;
    bucketName: pulumi.Input<string>;
    bucketKeyArn: pulumi.Input<string>;
    topicArn: pulumi.Input<string>;
    /** True when the responder is invoked for `findingType`: the drill then checks its decisions. */
    checksResponder: boolean;
    /** Why the responder is not checked, when it is not (shown in the report). */
    responderNote?: string;
    logRetentionDays?: number;
    /** The home detector: the sample is made there. */
    after?: pulumi.Resource[];
}

/**
 * The weekly drill (functions/drill) in the security account's home region: its inbox subscribed to the alert
 * topic, the function, its start schedule and its check every five minutes.
 */
export class DrillFunction extends pulumi.ComponentResource {
    /** The drill function: watched by the alarms (Errors fires on a failed drill). */
    public readonly function: aws.lambda.Function;
    /** Its schedules, the function and its failed-runs queue, for the failure alarms. */
    public readonly watched: Watched;
    /** The inbox queue's ARN. */
    public readonly inboxArn: pulumi.Output<string>;

    constructor(name: string, args: DrillFunctionArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:drill:DrillFunction", name, {}, opts);
        const region = args.homeRegion;
        const queue = new aws.sqs.Queue(
            `${name}-inbox`,
            {
                region,
                name: DRILL_INBOX_QUEUE,
                // SSE-SQS: encrypted at rest with a key SQS owns, so there is no key policy to grant SNS anything
                // (a queue under a customer key needs sns.amazonaws.com in that key's policy; SQS developer guide,
                // sqs-key-management). That SNS delivers to an SSE-SQS queue with no grant is inferred from this,
                // not stated in the SQS or SNS guides (searched 2026-12-07); the weekly drill proves it on the
                // first run. The topic's own key stays the topic's (SNS decrypts before delivery).
                sqsManagedSseEnabled: true,
                // A drill reads what came since it began: older copies need not outlive the bound by much.
                messageRetentionSeconds: Math.min(MAX_RETENTION_SECONDS, (args.boundMinutes + 60) * 60),
                tags: { "security-governance:purpose": "drill-inbox" },
            },
            { parent: this },
        );
        const queuePolicy = new aws.sqs.QueuePolicy(
            `${name}-inbox-policy`,
            {
                region,
                queueUrl: queue.url,
                policy: pulumi
                    .all([queue.arn, args.topicArn])
                    .apply(([queueArn, topicArn]) => JSON.stringify(inboxPolicy(queueArn, topicArn))),
            },
            { parent: this },
        );
        new aws.sns.TopicSubscription(
            `${name}-inbox-subscription`,
            { region, topic: args.topicArn, protocol: "sqs", endpoint: queue.arn },
            { parent: this, dependsOn: [queuePolicy] },
        );
        const resolved = pulumi
            .all([args.bucketName, args.bucketKeyArn, args.topicArn, queue.url])
            .apply(([bucketName, bucketKeyArn, topicArn, inboxUrl]) => ({
                bucketName,
                bucketKeyArn,
                topicArn,
                inboxUrl,
            }));
        const settings = resolved.apply((r): DrillSettings => ({
            findingType: args.findingType,
            boundMinutes: args.boundMinutes,
            topicArn: r.topicArn,
            inboxUrl: r.inboxUrl,
            store: { bucket: r.bucketName, prefix: DRILL_PREFIX, kmsKeyArn: r.bucketKeyArn },
            ...(args.checksResponder
                ? { responder: { bucket: r.bucketName, prefix: RESPONSES_PREFIX, kmsKeyArn: r.bucketKeyArn } }
                : {}),
            ...(args.responderNote === undefined ? {} : { responderNote: args.responderNote }),
            namespace: DRILL_NAMESPACE,
        }));
        const fn = scheduledFunction(name, this, {
            securityAccountId: args.securityAccountId,
            region,
            functionName: DRILL_FUNCTION_NAME,
            description:
                "Sends a GuardDuty sample finding down the alert path each week and checks it arrived (security-governance)",
            entry: "drill/handler",
            rolePolicy: resolved.apply((r) =>
                JSON.stringify(
                    drillRolePolicy({
                        securityAccountId: args.securityAccountId,
                        homeRegion: region,
                        bucketName: r.bucketName,
                        bucketKeyArn: r.bucketKeyArn,
                        topicArn: r.topicArn,
                        readsResponder: args.checksResponder,
                    }),
                ),
            ),
            policyName: "drill",
            environment: { DRILL_SETTINGS: settings.apply((s) => JSON.stringify(s)) },
            schedule: args.schedule,
            scheduleInput: JSON.stringify({ drill: "start" }),
            logRetentionDays: args.logRetentionDays ?? 365,
            memorySize: 256,
            after: [queuePolicy, ...(args.after ?? [])],
            what: "sends a GuardDuty sample down the alert path each week and checks it arrived",
        });
        const check = new aws.cloudwatch.EventRule(
            `${name}-check`,
            {
                region,
                name: `${DRILL_FUNCTION_NAME}-check`,
                description: `Carries on a drill in progress (security-governance)`,
                scheduleExpression: DRILL_CHECK_SCHEDULE,
            },
            { parent: this },
        );
        const permission = new aws.lambda.Permission(
            `${name}-check-permission`,
            {
                region,
                action: "lambda:InvokeFunction",
                function: fn.function.name,
                principal: "events.amazonaws.com",
                sourceArn: check.arn,
            },
            { parent: this },
        );
        new aws.cloudwatch.EventTarget(
            `${name}-check-target`,
            { region, rule: check.name, arn: fn.function.arn, input: JSON.stringify({ drill: "check" }) },
            { parent: this, dependsOn: [permission] },
        );
        this.function = fn.function;
        this.watched = allWatched(
            fn.watched,
            watched({
                rules: [
                    {
                        key: `${DRILL_FUNCTION_NAME}-check`,
                        ruleName: check.name,
                        region,
                        what: "the checks of a drill in progress",
                        deadLetterQueue: false,
                    },
                ],
            }),
        );
        this.inboxArn = queue.arn;
        this.registerOutputs({ inboxArn: this.inboxArn });
    }
}
