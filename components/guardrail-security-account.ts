import { PARTITION } from "../stacks/regions";
import { ROLE_CHANGING_ACTIONS } from "./guardrail-actions";
import { exemptionCondition, PROTECTED_NAMES, type ExemptRoles } from "./guardrail-documents";
import { failedRunsQueueName } from "./scheduled-function";

/** The responder's failed-events queue (components/response-function.ts, FAILED_EVENTS_QUEUE; a test holds them equal). */
export const FAILED_EVENTS_QUEUE_NAME = `${PROTECTED_NAMES.functionNamePrefix}responder-failed-events`;
import {
    accessLogBucketName,
    EXPORT_PREFIXES,
    findingsBucketName,
    IP_LIST_PREFIX,
    type IdentityPolicyDocument,
} from "./policy-documents";

/*
 * The guardrails of the security account, as pure functions of the config so that tests simulate exactly what
 * the plan attaches: two SCPs, what the stack keeps there and the path from a finding to a person (the RCP
 * around the findings is in guardrail-perimeter.ts).
 */

export interface SecurityAccountGuardrailParams extends ExemptRoles {
    securityAccountId: string;
    homeRegion: string;
}

/**
 * The first SCP of the security account, its data: the findings bucket, the exported findings, the lists
 * GuardDuty reads, the responder's decisions, the two keys and the alert topics can be changed only by the
 * exempt roles, through `pulumi up`. Other principals of the account (analysts, the stack's own functions) keep
 * reading findings, and the functions keep writing their records.
 */
export function securityAccountGuardrailPolicy(
    params: SecurityAccountGuardrailParams,
): IdentityPolicyDocument {
    const account = params.securityAccountId;
    const bucket = `arn:${PARTITION}:s3:::${findingsBucketName(account, params.homeRegion)}`;
    // The findings bucket's server access logs: who read or changed findings. Only S3's log delivery writes them,
    // as a service principal no SCP limits ("SCPs affect only IAM users and roles", Organizations user guide).
    const logs = `arn:${PARTITION}:s3:::${accessLogBucketName(account, params.homeRegion)}`;
    const condition = exemptionCondition(params);
    // Exported findings and the lists GuardDuty reads: written only by the services and the deployer.
    const written = [...Object.values(EXPORT_PREFIXES), IP_LIST_PREFIX].map(
        (prefix) => `${bucket}/${prefix}/*`,
    );
    // The responder's decisions: written by the responder, deleted by no one.
    const decisions = `${bucket}/responses/decisions/*`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "KeepFindingsBucket",
                Effect: "Deny",
                Action: [
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
                    // Requester Pays on a log target stops server access logging (S3 user guide,
                    // enable-server-access-logging: the target "must also not have Requester Pays enabled").
                    "s3:PutBucketRequestPayment",
                ],
                Resource: [bucket, logs],
                Condition: condition,
            },
            {
                Sid: "KeepFindings",
                Effect: "Deny",
                Action: [
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                    "s3:PutObjectRetention",
                    "s3:PutObjectLegalHold",
                    "s3:BypassGovernanceRetention",
                ],
                Resource: [...written, decisions, `${logs}/*`],
                Condition: condition,
            },
            {
                // The responder writes its decisions itself; only the services and the deployer write these.
                Sid: "NoForgedFindings",
                Effect: "Deny",
                Action: "s3:PutObject",
                Resource: [...written, `${logs}/*`],
                Condition: condition,
            },
            {
                Sid: "KeepKeysAndTopic",
                Effect: "Deny",
                Action: [
                    "kms:ScheduleKeyDeletion",
                    "kms:DisableKey",
                    "kms:DisableKeyRotation",
                    "kms:PutKeyPolicy",
                    "kms:TagResource",
                    "kms:UntagResource",
                    "sns:DeleteTopic",
                    "sns:SetTopicAttributes",
                    "sns:AddPermission",
                    "sns:RemovePermission",
                    "sns:TagResource",
                    "sns:UntagResource",
                ],
                Resource: [`arn:${PARTITION}:kms:*:${account}:key/*`, `arn:${PARTITION}:sns:*:${account}:*`],
                Condition: {
                    ...condition,
                    StringEquals: {
                        "aws:ResourceTag/Purpose": [
                            PROTECTED_NAMES.findingsPurposeTag,
                            PROTECTED_NAMES.alertsPurposeTag,
                        ],
                    },
                },
            },
        ],
    };
}

/**
 * The second SCP of the security account, the path from a finding to a person: the alert, forwarding and
 * schedule rules, the functions, their roles and log groups, the alert e-mails' subscriptions and the
 * responder's failed-events queue change only through the exempt roles. No one else may invoke a function (a
 * forged event would make the responder act), or pass a function's role to a function of their own.
 * EventBridge invokes the functions as events.amazonaws.com through their resource policies, which no SCP
 * limits ("SCPs affect only IAM users and roles", Organizations user guide).
 */
export function securityAccountFunctionsGuardrailPolicy(
    params: SecurityAccountGuardrailParams,
): IdentityPolicyDocument {
    const account = params.securityAccountId;
    const home = params.homeRegion;
    const condition = exemptionCondition(params);
    const prefix = PROTECTED_NAMES.functionNamePrefix;
    const alerts = PROTECTED_NAMES.alertsComponentName;
    const rulePrefixes = [`${alerts}-`, prefix];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "KeepRulesAndFunctions",
                Effect: "Deny",
                Action: [
                    "lambda:InvokeFunction",
                    "lambda:InvokeAsync",
                    "iam:PassRole",
                    "events:DeleteRule",
                    "events:DisableRule",
                    "events:PutRule",
                    "events:PutTargets",
                    "events:RemoveTargets",
                    "lambda:DeleteFunction",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "lambda:PutFunctionConcurrency",
                    "lambda:DeleteFunctionConcurrency",
                    "lambda:AddPermission",
                    "lambda:RemovePermission",
                    // The responder's on-failure destination and retries (Lambda API reference,
                    // PutFunctionEventInvokeConfig).
                    "lambda:PutFunctionEventInvokeConfig",
                    "lambda:UpdateFunctionEventInvokeConfig",
                    "lambda:DeleteFunctionEventInvokeConfig",
                    "logs:DeleteLogGroup",
                    "logs:PutRetentionPolicy",
                    // The failure alarms (components/failure-alarms.ts): deleting one, muting its actions or
                    // pointing it elsewhere silences the path's watch. Each requires the alarm resource (Service
                    // Authorization Reference, Amazon CloudWatch), so it matches only the alarm ARN below.
                    "cloudwatch:DeleteAlarms",
                    "cloudwatch:DisableAlarmActions",
                    "cloudwatch:PutMetricAlarm",
                    ...ROLE_CHANGING_ACTIONS,
                ],
                Resource: [
                    ...rulePrefixes.map((name) => `arn:${PARTITION}:events:*:${account}:rule/${name}*`),
                    `arn:${PARTITION}:lambda:${home}:${account}:function:${prefix}*`,
                    `arn:${PARTITION}:logs:${home}:${account}:log-group:/aws/lambda/${prefix}*`,
                    `arn:${PARTITION}:iam::${account}:role/${prefix}*`,
                    `arn:${PARTITION}:cloudwatch:*:${account}:alarm:${prefix}*`,
                    // The forwarding role, auto-named after the alert component.
                    `arn:${PARTITION}:iam::${account}:role/${alerts}-*`,
                    // The exempt roles themselves: a role that could rewrite one could exempt itself. They are
                    // roles of this account or of the management account, where no SCP applies.
                    ...params.exemptRoleArns,
                    ...params.breakGlassRoleArns,
                ],
                Condition: condition,
            },
            {
                // SNS has no subscription resource: Subscribe, Unsubscribe and SetSubscriptionAttributes (a filter
                // policy that drops every message) are authorized on the topic (iam-data, sns). The topics are
                // auto-named after the alert component. An e-mail's own unsubscribe link is unauthenticated, so
                // no SCP reaches it (docs/guardrails.md).
                Sid: "KeepAlertSubscriptions",
                Effect: "Deny",
                Action: ["sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes"],
                Resource: `arn:${PARTITION}:sns:${home}:${account}:${alerts}-*`,
                Condition: condition,
            },
            {
                // The events the responder could not handle: purging, deleting a message, or shortening the
                // retention ("will impact existing messages in the queue", SQS API reference, SetQueueAttributes)
                // loses them. Replaying them is an exempt role's work (docs/operations.md, "No event is lost").
                // The same for the scheduled functions' failed runs. Those queues alone: the drill deletes the
                // alert copies it reads from its own inbox.
                Sid: "KeepFailedEvents",
                Effect: "Deny",
                Action: [
                    "sqs:PurgeQueue",
                    "sqs:DeleteQueue",
                    "sqs:DeleteMessage",
                    "sqs:SetQueueAttributes",
                    "sqs:AddPermission",
                    "sqs:RemovePermission",
                ],
                Resource: [
                    `arn:${PARTITION}:sqs:${home}:${account}:${FAILED_EVENTS_QUEUE_NAME}`,
                    `arn:${PARTITION}:sqs:${home}:${account}:${failedRunsQueueName(`${prefix}*`)}`,
                ],
                Condition: condition,
            },
        ],
    };
}
