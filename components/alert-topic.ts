import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROTECTED_NAMES } from "./guardrail-documents";
import { PARTITION } from "../stacks/regions";
import type { PolicyDocument } from "./policy-documents";

/*
 * What the alert topic and the paging topic share: the key policy that lets EventBridge encrypt for this
 * account, the topic policy that lets only our rules publish (aws-gotchas 8), the topic and its subscriptions.
 */

/** The alert key's policy: the account administers it; EventBridge may use it for our account only (aws-gotchas 8). */
export function alertKeyPolicy(securityAccountId: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AdministerFromSecurityAccount",
                Effect: "Allow",
                Principal: { AWS: `arn:${PARTITION}:iam::${securityAccountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            {
                // Without it SNS cannot encrypt what EventBridge publishes, and deliveries are dropped silently.
                Sid: "EventBridgePublishesToEncryptedTopic",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                Resource: "*",
                Condition: { StringEquals: { "aws:SourceAccount": securityAccountId } },
            },
        ],
    };
}

/** The topic's policy: EventBridge may publish for our alert rules only; nothing else is granted. */
export function alertTopicPolicy(params: {
    securityAccountId: string;
    topicArn: string;
    ruleArns: string[];
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
                    JSON.stringify(alertTopicPolicy({ securityAccountId, topicArn, ruleArns })),
                ),
        },
        { parent },
    );
}
