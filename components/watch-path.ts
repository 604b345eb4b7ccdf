import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROTECTED_NAMES } from "./guardrail-documents";
import { servicePrincipals } from "../stacks/regions";
import {
    administerFromAccount,
    ALARM_NAME_PREFIX,
    alarmsPublishStatement,
    alarmsUseKeyStatement,
    subscribeByEmail,
} from "./alert-topic";
import type { PolicyDocument } from "./policy-documents";
import type { WatchedQueue } from "./watched";

/*
 * The path the failure alarms take to people, apart from the path they watch: its own topic, its own key and its
 * own publisher (CloudWatch, not EventBridge), so that a key policy that refuses EventBridge, a deleted alert
 * topic or a broken forwarding role cannot silence the alarm that says so. The alert topic in turn carries the
 * one alarm on this topic's own deliveries (stacks/capabilities/monitoring.ts): each path watches the other.
 *
 * An alarm notifies a topic of its own region. PutMetricAlarm's reference lists the SNS action as
 * arn:aws:sns:<region>:... and says nothing of a topic in another region (searched 2026-12-07: API reference,
 * CloudWatch user guide), so nothing here relies on one: the alarms of the other governed regions (their
 * forwarding rules) notify a relay topic there, which SNS delivers to one queue in the home region (SNS developer
 * guide, sns-cross-region-delivery: SQS subscriptions may be in another region); an alarm on that queue notifies
 * the watch topic. So each address confirms one subscription,
 * not one per region, and nothing on the way is EventBridge.
 */

/** Messages from the regions' relay topics: long enough to be read after a weekend. */
export const RELAY_RETENTION_SECONDS = 4 * 24 * 3600;

/** The key of a topic CloudWatch alarms publish to: the account administers it; CloudWatch may encrypt with it. */
export function watchKeyPolicy(securityAccountId: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [administerFromAccount(securityAccountId), alarmsUseKeyStatement(securityAccountId)],
    };
}

export interface WatchPathArgs {
    securityAccountId: string;
    homeRegion: string;
    /** Every region an alarm lives in; each one but the home region gets a relay topic. */
    regions: string[];
    /** Who is told when the path breaks (each confirms one subscription). */
    emails: string[];
    kmsDeletionWindowDays: number;
    /** Protect the keys from deletion by Pulumi, as the alert key (findingsExport.protectData). */
    protectData: boolean;
}

/** The watch topic in the home region, and the relays that bring the other regions' alarms to it. */
export class WatchPath extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    public readonly topicName: pulumi.Output<string>;
    /** The queue the relays deliver to; its depth alarm tells the watch topic. */
    public readonly relayQueue: WatchedQueue | undefined;
    private readonly topics = new Map<string, pulumi.Output<string>>();

    constructor(name: string, args: WatchPathArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:monitoring:WatchPath", name, {}, opts);
        const home = args.homeRegion;
        const topic = this.encryptedTopic(`${name}`, home, args, "Security governance failures");
        subscribeByEmail(name, home, topic, args.emails, this);
        this.topicArn = topic.arn;
        this.topicName = topic.name;
        this.topics.set(home, topic.arn);

        const others = [...new Set(args.regions)].filter((region) => region !== home).sort();
        if (others.length > 0) {
            const queueName = `${ALARM_NAME_PREFIX}regional-alarms`;
            const queue = new aws.sqs.Queue(
                `${name}-relay`,
                {
                    region: home,
                    name: queueName,
                    // SSE-SQS, as the drill's inbox (components/drill-function.ts): no key for SNS to be granted.
                    sqsManagedSseEnabled: true,
                    messageRetentionSeconds: RELAY_RETENTION_SECONDS,
                    tags: { "security-governance:purpose": "regional-alarms" },
                },
                // Kept on delete: DeleteQueue deletes the notices of failures nobody has read yet.
                { parent: this, retainOnDelete: true },
            );
            const relays = others.map((region) => ({
                region,
                topic: this.encryptedTopic(
                    `${name}-${region}`,
                    region,
                    args,
                    `Security governance failures in ${region}`,
                ),
            }));
            const queuePolicy = new aws.sqs.QueuePolicy(
                `${name}-relay`,
                {
                    region: home,
                    queueUrl: queue.url,
                    policy: pulumi
                        .all([queue.arn, ...relays.map((r) => r.topic.arn)])
                        .apply(([queueArn, ...topicArns]) =>
                            JSON.stringify({
                                Version: "2012-10-17",
                                Statement: [
                                    {
                                        // Opt-in regions' SNS signs as its regional principal (sns-cross-region-delivery).
                                        Sid: "RelayTopicsDeliver",
                                        Effect: "Allow",
                                        Principal: { Service: servicePrincipals("sns", others) },
                                        Action: "sqs:SendMessage",
                                        Resource: queueArn,
                                        Condition: { ArnEquals: { "aws:SourceArn": topicArns } },
                                    },
                                ],
                            }),
                        ),
                },
                { parent: this },
            );
            for (const { region, topic: relay } of relays) {
                this.topics.set(region, relay.arn);
                new aws.sns.TopicSubscription(
                    `${name}-${region}-relay`,
                    { region, topic: relay.arn, protocol: "sqs", endpoint: queue.arn },
                    { parent: this, dependsOn: [queuePolicy] },
                );
            }
            this.relayQueue = {
                key: queueName,
                queueName,
                region: home,
                what: "alarms of other governed regions",
                retentionSeconds: RELAY_RETENTION_SECONDS,
            };
        }
        this.registerOutputs({ topicArn: this.topicArn });
    }

    /** The topic the alarms of `region` notify. */
    public topicIn(region: string): pulumi.Output<string> {
        const arn = this.topics.get(region);
        if (arn === undefined) throw new Error(`no watch topic in ${region}`);
        return arn;
    }

    private encryptedTopic(
        name: string,
        region: string,
        args: WatchPathArgs,
        displayName: string,
    ): aws.sns.Topic {
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                region,
                description: "Encrypts the alarms that say the path from a finding to a person broke",
                enableKeyRotation: true,
                deletionWindowInDays: args.kmsDeletionWindowDays,
                policy: JSON.stringify(watchKeyPolicy(args.securityAccountId)),
                tags: { Purpose: PROTECTED_NAMES.alertsPurposeTag },
            },
            { parent: this, protect: args.protectData, retainOnDelete: args.protectData },
        );
        const topic = new aws.sns.Topic(
            `${name}-topic`,
            {
                region,
                displayName,
                kmsMasterKeyId: key.arn,
                tags: { Purpose: PROTECTED_NAMES.alertsPurposeTag },
            },
            { parent: this },
        );
        new aws.sns.TopicPolicy(
            `${name}-topic-policy`,
            {
                region,
                arn: topic.arn,
                policy: topic.arn.apply((arn) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [alarmsPublishStatement(args.securityAccountId, region, arn)],
                    }),
                ),
            },
            { parent: this },
        );
        return topic;
    }
}
