import { strict as assert } from "node:assert";
import type { PolicyDocument } from "../components/policy-documents";
import {
    BREAK_GLASS,
    BUCKET,
    DEPLOYER,
    configWorld,
    HOME,
    MEMBER,
    SECURITY,
    SECURITY_ANALYST,
    type Call,
    type GuardrailWorld,
} from "./helpers/guardrails";

/*
 * The security account under the prod plan's guardrails, by IAM simulation: a principal there that is not exempt
 * cannot forge an event into the responder, lend a function's role to a function of its own, silence the alert
 * e-mails, lose the responder's failed events, or unlock the findings. The calls are written here.
 */

const RESPONDER = `arn:aws:lambda:${HOME}:${SECURITY}:function:security-governance-responder`;
const TOPIC = `arn:aws:sns:${HOME}:${SECURITY}:finding-alerts-topic-1a2b3c4`;
const PAGING_TOPIC = `arn:aws:sns:${HOME}:${SECURITY}:finding-alerts-paging-topic-5d6e7f8`;
const QUEUE = `arn:aws:sqs:${HOME}:${SECURITY}:security-governance-responder-failed-events`;
const FINDING = `arn:aws:s3:::${BUCKET}/guardduty/AWSLogs/${MEMBER}/GuardDuty/${HOME}/2026/12/07/f.jsonl.gz`;
const TAGGED = { "aws:ResourceTag/Purpose": "security-finding-alerts" };
/** The findings bucket's server access logs (components/access-logs.ts). */
const LOG_BUCKET = `security-governance-access-logs-${SECURITY}-${HOME}`;
const ACCESS_LOG = `arn:aws:s3:::${LOG_BUCKET}/${BUCKET}/2026-12-07-10-00-00-0123456789ABCDEF`;
const LIST = `arn:aws:s3:::${BUCKET}/guardduty-lists/trusted/trusted-ips-0.txt`;
const DECISION = `arn:aws:s3:::${BUCKET}/responses/decisions/2026-12-07/f1/blockRemoteAddress.json`;
const KEY = `arn:aws:kms:${HOME}:${SECURITY}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
/** The KMS default key policy: the account's IAM policies decide. */
const KEY_POLICY: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "Account",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${SECURITY}:root` },
            Action: "kms:*",
            Resource: "*",
        },
    ],
};
const SUBSCRIBE: Record<string, string> = { "sns:Protocol": "email", "sns:Endpoint": "x@example.net" };

const TAMPERING: Call[] = [
    // A forged finding event would make the responder act in a member account.
    { principal: SECURITY_ANALYST, action: "lambda:InvokeFunction", resource: RESPONDER },
    { principal: SECURITY_ANALYST, action: "lambda:InvokeAsync", resource: RESPONDER },
    // The on-failure destination and retries.
    { principal: SECURITY_ANALYST, action: "lambda:PutFunctionEventInvokeConfig", resource: RESPONDER },
    { principal: SECURITY_ANALYST, action: "lambda:UpdateFunctionEventInvokeConfig", resource: RESPONDER },
    { principal: SECURITY_ANALYST, action: "lambda:DeleteFunctionEventInvokeConfig", resource: RESPONDER },
    // A function of one's own running with a function's role, or the forwarding role.
    {
        principal: SECURITY_ANALYST,
        action: "iam:PassRole",
        resource: `arn:aws:iam::${SECURITY}:role/security-governance-responder-${HOME}`,
    },
    {
        principal: SECURITY_ANALYST,
        action: "iam:PassRole",
        resource: `arn:aws:iam::${SECURITY}:role/finding-alerts-forwarding-1a2b3c4`,
    },
    // The alert e-mails: an extra subscriber, a removed one, a filter policy that drops every message.
    ...[TOPIC, PAGING_TOPIC].flatMap((topic) =>
        ["sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes"].map((action): Call => ({
            principal: SECURITY_ANALYST,
            action,
            resource: topic,
            context: action === "sns:Subscribe" ? SUBSCRIBE : {},
        })),
    ),
    { principal: SECURITY_ANALYST, action: "sns:SetTopicAttributes", resource: TOPIC, context: TAGGED },
    { principal: SECURITY_ANALYST, action: "sns:DeleteTopic", resource: PAGING_TOPIC, context: TAGGED },
    // The events the responder could not handle.
    ...[
        "sqs:PurgeQueue",
        "sqs:DeleteQueue",
        "sqs:DeleteMessage",
        "sqs:SetQueueAttributes",
        "sqs:AddPermission",
        "sqs:RemovePermission",
    ].flatMap((action) =>
        [QUEUE, `arn:aws:sqs:${HOME}:${SECURITY}:security-governance-coverage-failed-runs`].map(
            (resource) => ({
                principal: SECURITY_ANALYST,
                action,
                resource,
            }),
        ),
    ),
    // The findings: the bucket's settings, a finding, a list GuardDuty reads, a decision of the responder.
    ...[
        "s3:DeleteBucket",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketAcl",
        "s3:PutBucketVersioning",
        "s3:PutLifecycleConfiguration",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketLogging",
        "s3:PutBucketRequestPayment",
    ].flatMap((action) =>
        [BUCKET, LOG_BUCKET].map((bucket) => ({
            principal: SECURITY_ANALYST,
            action,
            resource: `arn:aws:s3:::${bucket}`,
        })),
    ),
    // Who read or changed the findings: the access logs are neither deleted nor forged.
    ...["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"].map((action) => ({
        principal: SECURITY_ANALYST,
        action,
        resource: ACCESS_LOG,
    })),
    ...[
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObjectRetention",
        "s3:PutObjectLegalHold",
        "s3:BypassGovernanceRetention",
    ].flatMap((action) =>
        [FINDING, LIST, DECISION].map((resource) => ({ principal: SECURITY_ANALYST, action, resource })),
    ),
    // A forged finding or list: only the services and the deployer write these.
    { principal: SECURITY_ANALYST, action: "s3:PutObject", resource: FINDING },
    { principal: SECURITY_ANALYST, action: "s3:PutObject", resource: LIST },
    {
        principal: SECURITY_ANALYST,
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${BUCKET}/macie/AWSLogs/x`,
    },
    // The keys and topics by their Purpose tags.
    ...[
        "kms:ScheduleKeyDeletion",
        "kms:DisableKey",
        "kms:DisableKeyRotation",
        "kms:PutKeyPolicy",
        "kms:TagResource",
        "kms:UntagResource",
    ].flatMap((action) =>
        ["security-findings-export", "security-finding-alerts"].map((purpose): Call => ({
            principal: SECURITY_ANALYST,
            action,
            resource: KEY,
            context: { "aws:ResourceTag/Purpose": purpose },
            resourcePolicy: KEY_POLICY,
        })),
    ),
    ...[
        "sns:DeleteTopic",
        "sns:AddPermission",
        "sns:RemovePermission",
        "sns:TagResource",
        "sns:UntagResource",
    ].map((action) => ({ principal: SECURITY_ANALYST, action, resource: TOPIC, context: TAGGED })),
    // The rules and log groups of the alerts and the functions.
    ...[
        `arn:aws:events:eu-west-1:${SECURITY}:rule/finding-alerts-eu-west-1-1a2b3c4`,
        `arn:aws:events:${HOME}:${SECURITY}:rule/security-governance-coverage-schedule`,
    ].flatMap((rule) =>
        [
            "events:DeleteRule",
            "events:DisableRule",
            "events:PutRule",
            "events:PutTargets",
            "events:RemoveTargets",
        ].map((action) => ({ principal: SECURITY_ANALYST, action, resource: rule })),
    ),
    ...["logs:DeleteLogGroup", "logs:PutRetentionPolicy"].map((action) => ({
        principal: SECURITY_ANALYST,
        action,
        resource: `arn:aws:logs:${HOME}:${SECURITY}:log-group:/aws/lambda/security-governance-responder`,
    })),
    // The failure alarms, at home and in another region: deleted, muted or repointed, the watch is silent.
    ...[
        `arn:aws:cloudwatch:${HOME}:${SECURITY}:alarm:security-governance-errors-responder`,
        `arn:aws:cloudwatch:eu-west-1:${SECURITY}:alarm:security-governance-delivery-finding-alerts-eu-west-1`,
    ].flatMap((alarm) =>
        ["cloudwatch:DeleteAlarms", "cloudwatch:DisableAlarmActions", "cloudwatch:PutMetricAlarm"].map(
            (action) => ({ principal: SECURITY_ANALYST, action, resource: alarm }),
        ),
    ),
];

describe("guardrails: the path from a finding to a person, in the security account (prod plan)", function () {
    this.timeout(300_000);
    let world: GuardrailWorld;

    // Each test builds its own: built in a before hook, a mutant would look static to Stryker.
    beforeEach(() => {
        world = configWorld("prod");
    });

    it("denies a non-exempt principal each way of forging, silencing or losing what alerts and responds", async () => {
        const open: string[] = [];
        for (const call of TAMPERING)
            if ((await world.decide(call)) !== "ExplicitlyDenied")
                open.push(`${call.action} ${call.resource}`);
        assert.deepEqual(open, []);
    });

    it("lets the deployer and the break-glass role do each of them", async () => {
        for (const principal of [DEPLOYER, BREAK_GLASS])
            for (const call of TAMPERING)
                assert.equal(
                    await world.decide({ ...call, principal }),
                    "Allowed",
                    `${principal} ${call.action} ${call.resource}`,
                );
    });

    it("leaves the account's own functions, roles, topics and queues, and reading the failed events, alone", async () => {
        const work: Call[] = [
            {
                principal: SECURITY_ANALYST,
                action: "lambda:InvokeFunction",
                resource: `arn:aws:lambda:${HOME}:${SECURITY}:function:team-report`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "iam:PassRole",
                resource: `arn:aws:iam::${SECURITY}:role/team-report`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "sns:Subscribe",
                resource: `arn:aws:sns:${HOME}:${SECURITY}:team-topic`,
                context: { "sns:Protocol": "email", "sns:Endpoint": "x@example.net" },
            },
            { principal: SECURITY_ANALYST, action: "sqs:ReceiveMessage", resource: QUEUE },
            { principal: SECURITY_ANALYST, action: "sqs:GetQueueAttributes", resource: QUEUE },
            // The drill deletes the alert copies it has read from its own inbox.
            {
                principal: SECURITY_ANALYST,
                action: "sqs:DeleteMessage",
                resource: `arn:aws:sqs:${HOME}:${SECURITY}:security-governance-drill-inbox`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "sqs:PurgeQueue",
                resource: `arn:aws:sqs:${HOME}:${SECURITY}:team-queue`,
            },
            { principal: SECURITY_ANALYST, action: "lambda:GetFunction", resource: RESPONDER },
            { principal: SECURITY_ANALYST, action: "s3:GetObject", resource: FINDING },
            {
                principal: SECURITY_ANALYST,
                action: "s3:DeleteObject",
                resource: `arn:aws:s3:::${BUCKET}/coverage/latest.json`,
            },
            // Keys and topics of other purposes are the account's.
            {
                principal: SECURITY_ANALYST,
                action: "kms:ScheduleKeyDeletion",
                resource: KEY,
                context: { "aws:ResourceTag/Purpose": "app" },
                resourcePolicy: KEY_POLICY,
            },
            {
                principal: SECURITY_ANALYST,
                action: "sns:DeleteTopic",
                resource: `arn:aws:sns:${HOME}:${SECURITY}:team-topic`,
                context: { "aws:ResourceTag/Purpose": "app" },
            },
            {
                principal: SECURITY_ANALYST,
                action: "events:DisableRule",
                resource: `arn:aws:events:${HOME}:${SECURITY}:rule/team-rule`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "cloudwatch:DeleteAlarms",
                resource: `arn:aws:cloudwatch:${HOME}:${SECURITY}:alarm:team-alarm`,
            },
            {
                // Silencing an alarm's state for a test is not muting it: its actions still run on the next change.
                principal: SECURITY_ANALYST,
                action: "cloudwatch:SetAlarmState",
                resource: `arn:aws:cloudwatch:${HOME}:${SECURITY}:alarm:security-governance-errors-responder`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "logs:DeleteLogGroup",
                resource: `arn:aws:logs:${HOME}:${SECURITY}:log-group:/aws/lambda/team-report`,
            },
        ];
        for (const call of work)
            assert.equal(await world.decide(call), "Allowed", `${call.action} ${call.resource}`);
    });

    it("lets EventBridge invoke the responder through its resource policy, which no SCP limits", async () => {
        const decision = await world.decide({
            principal: "events.amazonaws.com",
            action: "lambda:InvokeFunction",
            resource: RESPONDER,
            resourceAccount: SECURITY,
            context: { "aws:SourceAccount": SECURITY },
            resourcePolicy: {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "Events",
                        Effect: "Allow",
                        Principal: { Service: "events.amazonaws.com" },
                        Action: "lambda:InvokeFunction",
                        Resource: RESPONDER,
                    },
                ],
            },
        });
        assert.equal(decision, "Allowed");
    });
});
