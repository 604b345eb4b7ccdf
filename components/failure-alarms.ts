import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ALARM_NAME_PREFIX } from "./alert-topic";
import type { Watched } from "./watched";

/*
 * One alarm per way the path from a finding to a person can fail without a word, on the metric AWS already
 * publishes for it. Metric names, dimensions and statistics are AWS's:
 * - EventBridge (AWS/Events): FailedInvocations, "invocations that failed permanently" (after up to 24 hours of
 *   retries); InvocationsSentToDlq and InvocationsFailedToBeSentToDlq where the target has a dead-letter queue.
 *   Count, "sent only if it isn't zero"; "metrics that specify only the RuleName dimension refer to the default
 *   event bus", where every rule of this program is (EventBridge user guide, eb-monitoring; eb-troubleshooting).
 * - Lambda (AWS/Lambda, dimension FunctionName, one-minute intervals): Errors (timeouts included), Throttles,
 *   Duration in milliseconds, DestinationDeliveryFailures; AsyncEventsDropped, "events dropped without
 *   successfully executing the function" (Lambda developer guide, monitoring-metrics-types; AWS Compute blog,
 *   "Introducing new asynchronous invocation metrics for AWS Lambda").
 * - SQS (AWS/SQS, only dimension QueueName, one-minute intervals): ApproximateNumberOfMessagesVisible (Count) and
 *   ApproximateAgeOfOldestMessage (Seconds); a queue that holds messages stays "active" and keeps reporting
 *   (SQS developer guide, sqs-available-cloudwatch-metrics, sqs-monitoring-using-cloudwatch).
 * - SNS (AWS/SNS, dimension TopicName): NumberOfNotificationsFailed, e-mail deliveries included (SNS developer
 *   guide, sns-monitoring-using-cloudwatch).
 * Counts are alarmed from the first failure. A metric nobody emits (nothing failed, an idle queue) is missing
 * data, which is not a failure (notBreaching); only a heartbeat treats silence as the failure it watches for.
 * A period under an hour may be evaluated over at most a day; hourly periods over up to 7 days (PutMetricAlarm,
 * EvaluationPeriods).
 */

export { ALARM_NAME_PREFIX };

/** Five minutes: the period of every count alarm. */
export const ALARM_PERIOD_SECONDS = 300;
/** A run this close to its timeout is a run that will soon be cut off. */
export const DURATION_ALARM_FRACTION = 0.9;
/** Half a queue's retention: time left to replay what it holds before SQS deletes it. */
export const QUEUE_AGE_FRACTION = 0.5;

/** Where docs/operations.md says what each alarm means and what to do. */
export const ALARMS_GUIDE = "docs/operations.md#alarms";

/** Every kind of alarm: the word after ALARM_NAME_PREFIX in an alarm's name. */
export const ALARM_KINDS = [
    "delivery",
    "dead-letters",
    "dead-letters-lost",
    "errors",
    "throttles",
    "duration",
    "async-dropped",
    "destination",
    "queue-depth",
    "queue-age",
    "notifications",
    "heartbeat",
    "drill",
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

export interface AlarmSpec {
    kind: AlarmKind;
    /** The alarm's name: ALARM_NAME_PREFIX, the kind, the watched thing's key. */
    name: string;
    region: string;
    description: string;
    namespace: string;
    metricName: string;
    dimensions: Record<string, pulumi.Input<string>>;
    statistic: "Sum" | "Maximum" | "Minimum";
    period: number;
    evaluationPeriods: number;
    threshold: number;
    comparison: "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
    treatMissingData: "notBreaching" | "breaching";
}

/** `<prefix><kind>-<key>`, the key without the prefix when it already has it (function names do). */
export function alarmName(kind: AlarmKind, key: string): string {
    const short = key.startsWith(ALARM_NAME_PREFIX) ? key.slice(ALARM_NAME_PREFIX.length) : key;
    return `${ALARM_NAME_PREFIX}${kind}-${short}`;
}

function countAlarm(
    kind: AlarmKind,
    key: string,
    region: string,
    namespace: string,
    metricName: string,
    dimensions: Record<string, pulumi.Input<string>>,
    description: string,
    periods = 1,
): AlarmSpec {
    return {
        kind,
        name: alarmName(kind, key),
        region,
        description: `${description} What to do: ${ALARMS_GUIDE} (${kind}).`,
        namespace,
        metricName,
        dimensions,
        statistic: "Sum",
        period: ALARM_PERIOD_SECONDS,
        evaluationPeriods: periods,
        threshold: 1,
        comparison: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
    };
}

/** The alarms every watched thing gets. */
export function failureAlarmSpecs(w: Watched): AlarmSpec[] {
    const specs: AlarmSpec[] = [];
    for (const rule of w.rules) {
        const dims = { RuleName: rule.ruleName };
        specs.push(
            countAlarm(
                "delivery",
                rule.key,
                rule.region,
                "AWS/Events",
                "FailedInvocations",
                dims,
                `EventBridge could not deliver ${rule.what}: a target, its policy, its key or its role refuses it.`,
            ),
        );
        if (rule.deadLetterQueue)
            specs.push(
                countAlarm(
                    "dead-letters",
                    rule.key,
                    rule.region,
                    "AWS/Events",
                    "InvocationsSentToDlq",
                    dims,
                    `Events of ${rule.what} went to the dead-letter queue instead of their target.`,
                ),
                countAlarm(
                    "dead-letters-lost",
                    rule.key,
                    rule.region,
                    "AWS/Events",
                    "InvocationsFailedToBeSentToDlq",
                    dims,
                    `Events of ${rule.what} failed and could not even be kept in the dead-letter queue: they are lost.`,
                ),
            );
    }
    for (const fn of w.functions) {
        const dims = { FunctionName: fn.functionName };
        const at = (kind: AlarmKind, metric: string, what: string, periods = 1) =>
            countAlarm(kind, fn.key, fn.region, "AWS/Lambda", metric, dims, what, periods);
        specs.push(
            at("errors", "Errors", `${fn.functionName} (${fn.what}) failed a run.`),
            at(
                "throttles",
                "Throttles",
                `${fn.functionName} (${fn.what}) was throttled${
                    (fn.throttledPeriods ?? 1) > 1
                        ? ` for ${(fn.throttledPeriods ?? 1) * 5} minutes running`
                        : ""
                }: its runs wait or are lost.`,
                fn.throttledPeriods ?? 1,
            ),
            at(
                "async-dropped",
                "AsyncEventsDropped",
                `Lambda dropped events meant for ${fn.functionName} (${fn.what}) without running them.`,
            ),
            at(
                "destination",
                "DestinationDeliveryFailures",
                `Lambda could not hand the failed runs of ${fn.functionName} to their on-failure queue: they are lost.`,
            ),
            {
                kind: "duration",
                name: alarmName("duration", fn.key),
                region: fn.region,
                description: `A run of ${fn.functionName} (${fn.what}) came within ${Math.round(
                    (1 - DURATION_ALARM_FRACTION) * 100,
                )}% of its ${fn.timeoutSeconds}-second timeout: soon it will be cut off. What to do: ${ALARMS_GUIDE} (duration).`,
                namespace: "AWS/Lambda",
                metricName: "Duration",
                dimensions: dims,
                statistic: "Maximum",
                period: ALARM_PERIOD_SECONDS,
                evaluationPeriods: 1,
                threshold: fn.timeoutSeconds * 1000 * DURATION_ALARM_FRACTION,
                comparison: "GreaterThanOrEqualToThreshold",
                treatMissingData: "notBreaching",
            },
        );
    }
    for (const queue of w.queues) {
        const dims = { QueueName: queue.queueName };
        specs.push(
            {
                ...countAlarm(
                    "queue-depth",
                    queue.key,
                    queue.region,
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    dims,
                    `${queue.what} are waiting in ${queue.key}: each one is work that did not happen.`,
                ),
                statistic: "Maximum",
            },
            {
                kind: "queue-age",
                name: alarmName("queue-age", queue.key),
                region: queue.region,
                description: `The oldest of ${queue.what} in ${queue.key} is half as old as SQS keeps it: replay it before it is deleted. What to do: ${ALARMS_GUIDE} (queue-age).`,
                namespace: "AWS/SQS",
                metricName: "ApproximateAgeOfOldestMessage",
                dimensions: dims,
                statistic: "Maximum",
                period: ALARM_PERIOD_SECONDS,
                evaluationPeriods: 1,
                threshold: Math.floor(queue.retentionSeconds * QUEUE_AGE_FRACTION),
                comparison: "GreaterThanOrEqualToThreshold",
                treatMissingData: "notBreaching",
            },
        );
    }
    for (const topic of w.topics)
        specs.push(
            countAlarm(
                "notifications",
                topic.key,
                topic.region,
                "AWS/SNS",
                "NumberOfNotificationsFailed",
                { TopicName: topic.topicName },
                `SNS could not deliver ${topic.what} to a subscriber.`,
            ),
        );
    return specs;
}

/** A metric a function publishes on every successful run: silence for `hours` is the failure. */
export function heartbeatAlarmSpec(params: {
    key: string;
    region: string;
    namespace: string;
    metricName: string;
    hours: number;
    what: string;
}): AlarmSpec {
    return {
        kind: "heartbeat",
        name: alarmName("heartbeat", params.key),
        region: params.region,
        description: `No ${params.what} for ${params.hours} hours. What to do: ${ALARMS_GUIDE} (heartbeat).`,
        namespace: params.namespace,
        metricName: params.metricName,
        dimensions: {},
        statistic: "Sum",
        period: 3600,
        evaluationPeriods: params.hours,
        threshold: 1,
        comparison: "LessThanThreshold",
        treatMissingData: "breaching",
    };
}

export interface FailureAlarmsArgs {
    specs: AlarmSpec[];
    /** The topic each region's alarms notify: a path that does not depend on what they watch. */
    actionIn: (region: string) => pulumi.Input<string>;
}

/** The alarms, each notifying its region's watch topic. */
export class FailureAlarms extends pulumi.ComponentResource {
    public readonly alarms: aws.cloudwatch.MetricAlarm[];

    constructor(name: string, args: FailureAlarmsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:monitoring:FailureAlarms", name, {}, opts);
        const names = args.specs.map((spec) => `${spec.region}/${spec.name}`);
        const twice = names.filter((n, i) => names.indexOf(n) !== i);
        if (twice.length > 0) throw new Error(`alarm named twice: ${twice.join(", ")}`);
        this.alarms = args.specs.map(
            (spec) =>
                new aws.cloudwatch.MetricAlarm(
                    `${spec.name}-${spec.region}`,
                    {
                        region: spec.region,
                        name: spec.name,
                        alarmDescription: spec.description,
                        namespace: spec.namespace,
                        metricName: spec.metricName,
                        dimensions: spec.dimensions,
                        statistic: spec.statistic,
                        period: spec.period,
                        evaluationPeriods: spec.evaluationPeriods,
                        threshold: spec.threshold,
                        comparisonOperator: spec.comparison,
                        treatMissingData: spec.treatMissingData,
                        alarmActions: [args.actionIn(spec.region)],
                    },
                    { parent: this },
                ),
        );
        this.registerOutputs({});
    }
}
