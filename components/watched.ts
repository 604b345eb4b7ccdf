import type * as pulumi from "@pulumi/pulumi";

/*
 * What can fail silently, as each component declares it, for the failure alarms (components/failure-alarms.ts).
 * A component that creates a rule with a target, a function, a queue of failed events or a topic lists it here;
 * the monitoring capability alarms on every entry, and the policy pack holds the plan to it. Each `key` is the
 * component's own name for the thing, unique in the stack, and names its alarms.
 */

/** An EventBridge rule with a target: its deliveries fail only as the FailedInvocations metric. */
export interface WatchedRule {
    key: string;
    ruleName: pulumi.Input<string>;
    region: string;
    /** What the rule delivers, in words for the alarm's description. */
    what: string;
    /** The target has a dead-letter queue: InvocationsSentToDlq and InvocationsFailedToBeSentToDlq apply. */
    deadLetterQueue: boolean;
}

/** A Lambda function of this program, invoked asynchronously by EventBridge. */
export interface WatchedFunction {
    key: string;
    functionName: string;
    region: string;
    what: string;
    timeoutSeconds: number;
    /**
     * Throttling the function expects and outlives: the responder runs five at a time under a burst, and its
     * throttled events wait in Lambda's queue (MaximumEventAgeInSeconds). Alarmed only when throttled this many
     * five-minute periods in a row. Default 1: a function that runs once at a time is never throttled by its
     * own schedule.
     */
    throttledPeriods?: number;
}

/** A queue that keeps what failed: anything in it waits for a person. */
export interface WatchedQueue {
    key: string;
    queueName: pulumi.Input<string>;
    region: string;
    what: string;
    /** How long SQS keeps a message: the age alarm fires well before a message would be lost. */
    retentionSeconds: number;
}

/** An SNS topic whose deliveries to people can fail. */
export interface WatchedTopic {
    key: string;
    topicName: pulumi.Input<string>;
    region: string;
    what: string;
}

export interface Watched {
    rules: WatchedRule[];
    functions: WatchedFunction[];
    queues: WatchedQueue[];
    topics: WatchedTopic[];
}

export function watched(parts: Partial<Watched> = {}): Watched {
    return {
        rules: parts.rules ?? [],
        functions: parts.functions ?? [],
        queues: parts.queues ?? [],
        topics: parts.topics ?? [],
    };
}

/** Everything several components watch; keys must stay unique, since they name alarms. */
export function allWatched(...parts: Watched[]): Watched {
    const all = watched({
        rules: parts.flatMap((p) => p.rules),
        functions: parts.flatMap((p) => p.functions),
        queues: parts.flatMap((p) => p.queues),
        topics: parts.flatMap((p) => p.topics),
    });
    const keys = [...all.rules, ...all.functions, ...all.queues, ...all.topics].map((w) => w.key);
    const twice = keys.filter((key, i) => keys.indexOf(key) !== i);
    if (twice.length > 0) throw new Error(`watched twice: ${[...new Set(twice)].join(", ")}`);
    return all;
}
