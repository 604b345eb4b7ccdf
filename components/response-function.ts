import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DeployedResponderSettings } from "../functions/response/handler";
import { PARTITION } from "../stacks/regions";
import {
    readsOrganizationalUnits,
    REMEDIATION_ACTIONS,
    type RemediationAction,
    type RemediationConfig,
} from "../stacks/remediation";
import type { IdentityPolicyDocument } from "./policy-documents";
import { allWatched, watched, type Watched, type WatchedRule } from "./watched";
import { MEMBER_ROLE_NAME } from "./response-member-role";
import { functionRoleName, logGroupArn, ownLogsStatement, scheduledFunction } from "./scheduled-function";

export const RESPONDER_FUNCTION_NAME = "security-governance-responder";
/** Key prefix of the responder's records in the findings bucket. */
export const RESPONSES_PREFIX = "responses/";
/**
 * Runs at a time. One run at a time decides a burst of 1,000 findings in an hour, not in 15 minutes (`npm run
 * bench -- --responder`); five do, while staying under EC2's mutating-call rate (5 a second per account and
 * region). Overlapping runs are safe: a rule number, a quarantine group and a done/ record are each claimed with
 * S3's conditional write, and the sweep reads a block's record again before it lifts it.
 */
export const RESPONDER_CONCURRENCY = 5;

/** The queue that keeps the events the responder could not handle (see ResponseFunction). */
export const FAILED_EVENTS_QUEUE = `${RESPONDER_FUNCTION_NAME}-failed-events`;
/**
 * How long Lambda keeps retrying an event before it goes to the queue: the most it allows, 6 hours
 * (MaximumEventAgeInSeconds 60 to 21600, PutFunctionEventInvokeConfig); a throttled event (one run at a time)
 * waits in Lambda's queue meanwhile. An event that fails its two retries goes at once.
 */
export const MAXIMUM_EVENT_AGE_SECONDS = 21_600;
/** SQS's longest retention, 14 days (SetQueueAttributes MessageRetentionPeriod: 60 to 1,209,600 seconds). */
export const FAILED_EVENTS_RETENTION_SECONDS = 1_209_600;

/** The responder's execution role, whose ARN alone may write the records (the findings bucket's policy). */
export function responderRoleArn(securityAccountId: string, homeRegion: string): string {
    return `arn:${PARTITION}:iam::${securityAccountId}:role/${functionRoleName(RESPONDER_FUNCTION_NAME, homeRegion)}`;
}

export function failedEventsQueueArn(securityAccountId: string, homeRegion: string): string {
    return `arn:${PARTITION}:sqs:${homeRegion}:${securityAccountId}:${FAILED_EVENTS_QUEUE}`;
}

/** The rungs that may change something in a member account: their mode is dry-run or act. */
export function changingActions(remediation: RemediationConfig): RemediationAction[] {
    return REMEDIATION_ACTIONS.filter((a) => ["dry-run", "act"].includes(remediation[a].mode));
}

/** The finding types the responder is invoked for: those of every rung that is not off. */
export function responseFindingTypes(remediation: RemediationConfig): string[] {
    return [
        ...new Set(
            REMEDIATION_ACTIONS.filter((a) => remediation[a].mode !== "off").flatMap(
                (a) => remediation[a].findingTypes,
            ),
        ),
    ].sort();
}

/**
 * The findings the responder is invoked for, in the home region (where every region's findings arrive on the
 * default bus): GuardDuty findings of a responding rung's types, not archived, and not samples, whose titles
 * begin "[SAMPLE]" (GuardDuty user guide, guardduty_findings: sample findings "are marked with a prefix
 * [SAMPLE]"; "anything-but" with "prefix", EventBridge user guide, eb-create-pattern-operators). The ladder
 * refuses samples too, by either of their marks. Severity is the ladder's rule, per rung, so that a skipped
 * finding is recorded with its reason.
 *
 * With the weekly drill on and its type one of the responding types, the drill's samples (that type alone) are
 * let in too, so that the drill proves the responder records them as samples and does nothing ($or and "prefix",
 * EventBridge user guide, eb-create-pattern-operators).
 */
export function responsePattern(findingTypes: readonly string[], drillFindingType?: string): object {
    const notSample = { title: [{ "anything-but": { prefix: "[SAMPLE]" } }] };
    const drill = drillFindingType !== undefined && findingTypes.includes(drillFindingType);
    return {
        source: ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        detail: drill
            ? {
                  service: { archived: [false] },
                  $or: [
                      { type: [...findingTypes], ...notSample },
                      { type: [drillFindingType], title: [{ prefix: "[SAMPLE]" }] },
                  ],
              }
            : { type: [...findingTypes], ...notSample, service: { archived: [false] } },
    };
}

export interface ResponderRoleParams {
    securityAccountId: string;
    managementAccountId: string;
    homeRegion: string;
    bucketName: string;
    bucketKeyArn: string;
    topicArn: string;
    topicKeyArn: string;
    /** Exempt or scoped OUs are resolved per account with ListParents; without them the role cannot read the tree. */
    readsOrganizationalUnits: boolean;
}

/**
 * The responder's own permissions: assume the member role (only that role name, in any account: each one
 * trusts this role alone), read findings back from the administrator's GuardDuty, keep its records under
 * responses/ of the findings bucket (delete only expired blocks), publish to the alert topic, hand the events it
 * could not handle to its queue, read the OU tree when OUs are exempt or scoped, write its logs.
 */
export function responderRolePolicy(params: ResponderRoleParams): IdentityPolicyDocument {
    const bucket = `arn:${PARTITION}:s3:::${params.bucketName}`;
    const statements: IdentityPolicyDocument["Statement"] = [
        {
            Sid: "AssumeMemberRole",
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Resource: `arn:${PARTITION}:iam::*:role/${MEMBER_ROLE_NAME}`,
        },
        ownLogsStatement(
            logGroupArn(PARTITION, params.homeRegion, params.securityAccountId, RESPONDER_FUNCTION_NAME),
        ),
        {
            // Act only on a finding the administrator holds (functions/response/confirm.ts). Neither call has a
            // resource type (Service Authorization Reference, Amazon GuardDuty), so the resource is "*"; the
            // role holds no credentials beyond the security account's own detectors.
            Sid: "ReadFindingsBack",
            Effect: "Allow",
            Action: ["guardduty:ListDetectors", "guardduty:GetFindings"],
            Resource: "*",
        },
        {
            // The on-failure destination: Lambda sends with the function's role (Lambda developer guide,
            // invocation-async-retain-records).
            Sid: "KeepFailedEvents",
            Effect: "Allow",
            Action: "sqs:SendMessage",
            Resource: failedEventsQueueArn(params.securityAccountId, params.homeRegion),
        },
        {
            Sid: "KeepResponseRecords",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: `${bucket}/${RESPONSES_PREFIX}*`,
        },
        {
            Sid: "ForgetLiftedBlocks",
            Effect: "Allow",
            Action: "s3:DeleteObject",
            Resource: `${bucket}/${RESPONSES_PREFIX}blocks/*`,
        },
        {
            // The sweep lists blocks/; a done/, blocks/ or quarantine/ record is looked for by listing its key, since S3 answers a
            // HeadObject on a missing key 403 to a role without an unconditioned ListBucket
            // (functions/shared/s3-objects.ts). ListObjectsV2 carries its Prefix as s3:prefix.
            Sid: "ListOwnRecords",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: bucket,
            Condition: {
                StringLike: {
                    "s3:prefix": ["blocks/*", "done/*", "quarantine/*"].map((sub) => RESPONSES_PREFIX + sub),
                },
            },
        },
        {
            // SSE-KMS: S3 asks for a data key on write and decrypts on read, on the caller's behalf.
            Sid: "EncryptResponseRecords",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: params.bucketKeyArn,
        },
        { Sid: "TellTheTopic", Effect: "Allow", Action: "sns:Publish", Resource: params.topicArn },
        {
            // Publishing to an encrypted topic needs the topic key (SNS developer guide, sns-key-management).
            Sid: "EncryptMessages",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: params.topicKeyArn,
        },
    ];
    if (params.readsOrganizationalUnits)
        statements.push({
            Sid: "ReadWhichOuAnAccountIsIn",
            Effect: "Allow",
            Action: "organizations:ListParents",
            // ListParents takes an account or an OU (Service Authorization Reference, Organizations).
            Resource: [
                `arn:${PARTITION}:organizations::${params.managementAccountId}:account/o-*/*`,
                `arn:${PARTITION}:organizations::${params.managementAccountId}:ou/o-*/ou-*`,
            ],
        });
    return { Version: "2012-10-17", Statement: statements };
}

export interface ResponseFunctionArgs {
    securityAccountId: string;
    managementAccountId: string;
    homeRegion: string;
    remediation: RemediationConfig;
    /** Accounts never acted on, each with why. */
    neverTouch: Record<string, string>;
    bucketName: pulumi.Input<string>;
    bucketKeyArn: pulumi.Input<string>;
    topicArn: pulumi.Input<string>;
    topicKeyArn: pulumi.Input<string>;
    /** The weekly drill's finding type: its samples reach the responder when a responding rung names it. */
    drillFindingType?: string;
    logRetentionDays?: number;
}

/**
 * The responder (functions/response), in the security account's home region: invoked by an EventBridge rule for
 * the findings of every rung that is not off, and hourly to lift expired network ACL blocks.
 */
export class ResponseFunction extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;
    /** The queue of events the responder could not handle: watched by the alarms, replayed as docs/operations.md says. */
    public readonly failedEventsQueueArn: pulumi.Output<string>;
    /** Its rules, the function and its failed-events queue, for the failure alarms. */
    public readonly watched: Watched;

    constructor(name: string, args: ResponseFunctionArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:response:ResponseFunction", name, {}, opts);
        const region = args.homeRegion;
        const resolved = pulumi
            .all([args.bucketName, args.bucketKeyArn, args.topicArn, args.topicKeyArn])
            .apply(([bucketName, bucketKeyArn, topicArn, topicKeyArn]) => ({
                bucketName,
                bucketKeyArn,
                topicArn,
                topicKeyArn,
            }));
        const settings = resolved.apply((r): DeployedResponderSettings => ({
            remediation: args.remediation,
            neverTouch: args.neverTouch,
            memberRoleName: MEMBER_ROLE_NAME,
            records: { bucket: r.bucketName, prefix: RESPONSES_PREFIX, kmsKeyArn: r.bucketKeyArn },
            topicArn: r.topicArn,
            homeRegion: region,
            partition: PARTITION,
        }));
        const fn = scheduledFunction(name, this, {
            securityAccountId: args.securityAccountId,
            region,
            functionName: RESPONDER_FUNCTION_NAME,
            description: "Responds to GuardDuty findings by the remediation ladder (security-governance)",
            entry: "response/handler",
            rolePolicy: resolved.apply((r) =>
                JSON.stringify(
                    responderRolePolicy({
                        securityAccountId: args.securityAccountId,
                        managementAccountId: args.managementAccountId,
                        homeRegion: region,
                        readsOrganizationalUnits: readsOrganizationalUnits(args.remediation),
                        ...r,
                    }),
                ),
            ),
            policyName: "respond",
            environment: { RESPONDER_SETTINGS: settings.apply((s) => JSON.stringify(s)) },
            // The sweep that lifts expired blocks.
            schedule: "rate(1 hour)",
            logRetentionDays: args.logRetentionDays ?? 365,
            memorySize: 512,
            concurrency: RESPONDER_CONCURRENCY,
            after: [],
            onFailure: "own",
            what: "responds to GuardDuty findings by the remediation ladder and lifts expired blocks hourly",
        });
        const watchedRules: WatchedRule[] = [];
        // No event is lost: one that fails its two retries, or is still waiting (throttled, one run at a time)
        // after six hours, goes to this queue instead of being dropped (Lambda developer guide,
        // invocation-async-retain-records), and so does one EventBridge could not deliver (a target's
        // dead-letter queue, eb-rule-dlq). Encrypted with the alert key, which EventBridge may already use and the
        // responder's role already encrypts with; kept on delete, since deleting a queue deletes its messages
        // (DeleteQueue API reference).
        const queue = new aws.sqs.Queue(
            `${name}-failed-events`,
            {
                region,
                name: FAILED_EVENTS_QUEUE,
                kmsMasterKeyId: args.topicKeyArn,
                messageRetentionSeconds: FAILED_EVENTS_RETENTION_SECONDS,
                tags: { "security-governance:purpose": "responder-failed-events" },
            },
            { parent: this, retainOnDelete: true },
        );
        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-on-failure`,
            {
                region,
                functionName: fn.function.name,
                maximumRetryAttempts: 2,
                maximumEventAgeInSeconds: MAXIMUM_EVENT_AGE_SECONDS,
                destinationConfig: { onFailure: { destination: queue.arn } },
            },
            { parent: this },
        );
        const types = responseFindingTypes(args.remediation);
        if (types.length > 0) {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-findings`,
                {
                    region,
                    name: `${RESPONDER_FUNCTION_NAME}-findings`,
                    description:
                        "GuardDuty findings the remediation ladder responds to (security-governance)",
                    eventPattern: JSON.stringify(responsePattern(types, args.drillFindingType)),
                },
                { parent: this },
            );
            const permission = new aws.lambda.Permission(
                `${name}-findings-permission`,
                {
                    region,
                    action: "lambda:InvokeFunction",
                    function: fn.function.name,
                    principal: "events.amazonaws.com",
                    sourceArn: rule.arn,
                },
                { parent: this },
            );
            const queuePolicy = new aws.sqs.QueuePolicy(
                `${name}-failed-events-policy`,
                {
                    region,
                    queueUrl: queue.url,
                    policy: pulumi.all([queue.arn, rule.arn]).apply(([queueArn, ruleArn]) =>
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                {
                                    // EventBridge user guide, eb-rule-dlq: the rule's service principal sends,
                                    // for this rule only.
                                    Sid: "EventBridgeKeepsUndeliveredFindings",
                                    Effect: "Allow",
                                    Principal: { Service: "events.amazonaws.com" },
                                    Action: "sqs:SendMessage",
                                    Resource: queueArn,
                                    Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
                                },
                            ],
                        }),
                    ),
                },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(
                `${name}-findings-target`,
                { region, rule: rule.name, arn: fn.function.arn, deadLetterConfig: { arn: queue.arn } },
                { parent: this, dependsOn: [permission, queuePolicy] },
            );
            watchedRules.push({
                key: `${RESPONDER_FUNCTION_NAME}-findings`,
                ruleName: rule.name,
                region,
                what: "the findings the responder acts on",
                deadLetterQueue: true,
            });
        }
        this.watched = allWatched(
            fn.watched,
            watched({
                rules: watchedRules,
                queues: [
                    {
                        key: FAILED_EVENTS_QUEUE,
                        queueName: queue.name,
                        region,
                        what: "the finding events the responder could not handle",
                        retentionSeconds: FAILED_EVENTS_RETENTION_SECONDS,
                    },
                ],
            }),
        );
        this.roleArn = fn.role.arn;
        this.failedEventsQueueArn = queue.arn;
        this.registerOutputs({ roleArn: this.roleArn, failedEventsQueueArn: this.failedEventsQueueArn });
    }
}
