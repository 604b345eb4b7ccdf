import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROTECTED_NAMES } from "./guardrail-documents";
import { PARTITION } from "../stacks/regions";
import type { PolicyDocument } from "./policy-documents";

/*
 * What the alert topic and the paging topic share: the key policy that lets EventBridge have SNS encrypt, the
 * topic policy that lets only our rules publish (aws-gotchas 8), the topic and its subscriptions.
 */

/**
 * The alert key's policy: the account administers it; EventBridge may have SNS encrypt with it and CloudWatch alarms
 * too (aws-gotchas 8). Who may publish at all is the topic policy's business (alertTopicPolicy).
 */
export function alertKeyPolicy(securityAccountId: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            administerFromAccount(securityAccountId),
            eventBridgeUsesKeyStatement(),
            alarmsUseKeyStatement(securityAccountId),
        ],
    };
}

/** A key policy's first statement: the security account administers the key through IAM. */
export function administerFromAccount(securityAccountId: string): PolicyDocument["Statement"][number] {
    return {
        Sid: "AdministerFromSecurityAccount",
        Effect: "Allow",
        Principal: { AWS: `arn:${PARTITION}:iam::${securityAccountId}:root` },
        Action: "kms:*",
        Resource: "*",
    };
}

/** Every alarm of this program is named with this prefix (components/failure-alarms.ts). */
export const ALARM_NAME_PREFIX = PROTECTED_NAMES.functionNamePrefix;

/**
 * CloudWatch alarms publish to an encrypted topic only if its key lets them: a customer managed key granting
 * cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* (SNS developer guide, sns-key-management,
 * "compatibility between event sources from AWS services and encrypted topics"; AWS Knowledge Center,
 * cloudwatch-configure-alarm-sns: with the AWS managed key the alarm "does not have authorization to access the
 * SNS topic encryption key"), limited to this account's alarms by aws:SourceAccount: the same SNS page's step 3,
 * "Add the aws:SourceAccount and aws:SourceArn condition keys to the KMS resource policy to further protect the KMS
 * key from confused deputy attacks", makes an exception for EventBridge alone (eventBridgeUsesKeyStatement).
 */
export function alarmsUseKeyStatement(securityAccountId: string): PolicyDocument["Statement"][number] {
    return serviceUsesKey("AlarmsPublishToEncryptedTopic", "cloudwatch.amazonaws.com", securityAccountId);
}

/**
 * EventBridge may have SNS encrypt what its rules publish with the key: kms:Decrypt and kms:GenerateDataKey*, with
 * no condition. Without it SNS cannot encrypt what EventBridge publishes and deliveries fail (FailedInvocations).
 * A source condition here would fail every delivery just as surely: "Adding the aws:SourceAccount, aws:SourceArn,
 * and aws:SourceOrgID to a AWS KMS policy is not supported for EventBridge-to-encrypted topics" (SNS developer
 * guide, sns-key-management, "Enable compatibility between event sources from AWS services and encrypted topics";
 * landing-zone-accelerator-on-aws issue 407 saw exactly those failures). The confused-deputy guard is the topic
 * policy (alertTopicPolicy): only our rules may publish, so no other account's rule can make SNS use the key for
 * our topics. What stays open is another account's EventBridge using this key for a topic of its own that names
 * it; the key guards only alerts in transit, and the SNS guide offers no narrower statement for EventBridge.
 */
export function eventBridgeUsesKeyStatement(): PolicyDocument["Statement"][number] {
    return {
        Sid: "EventBridgePublishesToEncryptedTopic",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
    };
}

/**
 * An AWS service may have SNS encrypt what it publishes for this account with the key: kms:GenerateDataKey* and
 * kms:Decrypt (SNS developer guide, sns-key-management), for this account alone (aws:SourceAccount).
 */
function serviceUsesKey(
    sid: string,
    service: string,
    securityAccountId: string,
): PolicyDocument["Statement"][number] {
    return {
        Sid: sid,
        Effect: "Allow",
        Principal: { Service: service },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": securityAccountId } },
    };
}

/**
 * This program's alarms of `region` may publish to a topic, and no other alarm (AWS Knowledge Center,
 * cloudwatch-receive-sns-for-alarm-trigger: principal cloudwatch.amazonaws.com, narrowed by aws:SourceArn).
 */
export function alarmsPublishStatement(
    securityAccountId: string,
    region: string,
    topicArn: string,
): PolicyDocument["Statement"][number] {
    return {
        Sid: "AlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: {
            ArnLike: {
                "aws:SourceArn": `arn:${PARTITION}:cloudwatch:${region}:${securityAccountId}:alarm:${ALARM_NAME_PREFIX}*`,
            },
        },
    };
}

/**
 * The topic's policy: EventBridge may publish for our alert rules only, and, in the home region, this program's
 * alarms (the one on the watch topic's own deliveries: each path watches the other); nothing else is granted.
 */
export function alertTopicPolicy(params: {
    securityAccountId: string;
    topicArn: string;
    ruleArns: string[];
    homeRegion: string;
}): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "EventBridgePublishesFindingAlerts",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sns:Publish",
                Resource: params.topicArn,
                Condition: {
                    StringEquals: { "aws:SourceAccount": params.securityAccountId },
                    ArnEquals: { "aws:SourceArn": params.ruleArns },
                },
            },
            alarmsPublishStatement(params.securityAccountId, params.homeRegion, params.topicArn),
        ],
    };
}

/** An alert topic in the home region, encrypted with the alert key and tagged for the security-account guardrail. */
export function alertTopic(
    resourceName: string,
    home: string,
    displayName: string,
    keyArn: pulumi.Input<string>,
    parent: pulumi.Resource,
): aws.sns.Topic {
    return new aws.sns.Topic(
        resourceName,
        {
            region: home,
            displayName,
            kmsMasterKeyId: keyArn,
            tags: { Purpose: PROTECTED_NAMES.alertsPurposeTag },
        },
        { parent },
    );
}

/** One e-mail subscription per address (each must confirm it), named `<name>-<address>`. */
export function subscribeByEmail(
    name: string,
    home: string,
    topic: aws.sns.Topic,
    emails: readonly string[],
    parent: pulumi.Resource,
): void {
    for (const email of [...new Set(emails)]) {
        new aws.sns.TopicSubscription(
            `${name}-${email}`,
            { region: home, topic: topic.arn, protocol: "email", endpoint: email },
            { parent },
        );
    }
}

/** The topic's policy resource: EventBridge may publish for `rules` only (alertTopicPolicy). */
export function publishOnlyFrom(
    resourceName: string,
    home: string,
    securityAccountId: string,
    topic: aws.sns.Topic,
    rules: readonly aws.cloudwatch.EventRule[],
    parent: pulumi.Resource,
): aws.sns.TopicPolicy {
    return new aws.sns.TopicPolicy(
        resourceName,
        {
            region: home,
            arn: topic.arn,
            policy: pulumi
                .all([topic.arn, ...rules.map((rule) => rule.arn)])
                .apply(([topicArn, ...ruleArns]) =>
                    JSON.stringify(
                        alertTopicPolicy({ securityAccountId, topicArn, ruleArns, homeRegion: home }),
                    ),
                ),
        },
        { parent },
    );
}
