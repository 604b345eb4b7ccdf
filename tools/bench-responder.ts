/**
 * The responder under a burst: `npm run bench -- --responder`. A worm reaching 500 instances makes hundreds of
 * findings in minutes; the goal (the issue): 1,000 findings arriving within 10 minutes are all decided, none
 * dropped to the failed-events queue, each within 15 minutes of its event, with p50 and p95 of the time from
 * event to decision reported.
 *
 * The real responder (functions/response: respondToFinding, its confirmation, ladder, network and isolation
 * rungs, records and messages) runs with the real dependency wiring of functions/response/aws.ts, one set per
 * execution environment as the handler keeps it, whose clients are answered by simulated services
 * (tools/bench-responder-aws.ts, -ec2.ts) on a virtual clock (tools/bench-sim.ts): the run's deadline, its
 * backoff and `deps.now()` all read that clock, so an hour of burst takes seconds. Around it, Lambda's
 * asynchronous invocation as the stack plans it: reserved concurrency, the 900 s timeout, the event queue.
 */
import { awsResponderDependencies } from "../functions/response/aws";
import { settingsFromEnvironment, type DeployedResponderSettings } from "../functions/response/handler";
import { blockKey, isBlockRecord } from "../functions/response/ledgers";
import { respondToFinding, type DecisionRecord } from "../functions/response/respond";
import { reasonOf, Run } from "../functions/shared/run";
import { MEMBER_ROLE_NAME } from "../components/response-member-role";
import { RESPONDER_FUNCTION_NAME, RESPONSES_PREFIX } from "../components/response-function";
import { parseStackConfig } from "../stacks/config";
import { REMEDIATION_ACTIONS } from "../stacks/remediation";
import { SimulatedAws, type Caller } from "./bench-responder-aws";
import {
    burstArrivals,
    layOut,
    BURST_WORKLOAD,
    type Arrival,
    type BurstWorkload,
} from "./bench-responder-workload";
import { percentile, VirtualTime } from "./bench-sim";
import { planStack, readStackConfigValues } from "./plan-runtime";

/** The goal. */
export const RESPONDER_TARGETS = { maxDelaySeconds: 15 * 60, dropped: 0 };

/** What Lambda does around the handler, as the stack deploys it. */
export interface LambdaModel {
    /** Invocations at once (reservedConcurrentExecutions). */
    reservedConcurrency: number;
    timeoutSeconds: number;
    /** Retries of an invocation that failed (FunctionEventInvokeConfig). */
    maximumRetryAttempts: number;
    /** How long an event may wait, throttled or between retries, before it goes to the on-failure queue. */
    maximumEventAgeSeconds: number;
    /** Where these numbers come from, for the report. */
    source: string;
}

/**
 * Lambda's asynchronous invocation (Lambda developer guide, invocation-async-error-handling.html): a throttled
 * event returns to the queue and is tried again "from 1 second after the first attempt to a maximum of 5
 * minutes", increasing exponentially (the exact schedule is not documented: doubling, no jitter, assumed); a
 * failed invocation is retried "with a one-minute wait between the first two attempts, and two minutes between
 * the second and third". A new execution environment's start-up (init) is assumed to take COLD_START_MS.
 */
export const THROTTLED_RETRY_MS = { first: 1_000, max: 300_000 };
export const FAILED_RETRY_MS = [60_000, 120_000];
export const COLD_START_MS = 1_500;
/** The virtual clock's 0: what the responder's `now()` reads when the burst starts. */
const EPOCH_MS = Date.parse("2026-12-01T10:00:00.000Z");

export interface Deployment {
    settings: DeployedResponderSettings;
    lambda: LambdaModel;
}

/** The stack's remediation section with every rung in act mode: the burst is answered, not only told. */
function actEverywhere(stack: string): Record<string, unknown> {
    const section = (readStackConfigValues(stack)["security-governance:remediation"] ?? {}) as Record<
        string,
        Record<string, unknown> | undefined
    >;
    return {
        ...section,
        ...Object.fromEntries(REMEDIATION_ACTIONS.map((a) => [a, { ...(section[a] ?? {}), mode: "act" }])),
    };
}

/**
 * The responder as the stack deploys it, every rung in act mode: its settings (the RESPONDER_SETTINGS the
 * function is planned with, read by the handler's own parser) and Lambda's numbers, all from the offline plan.
 */
export async function deploymentFromPlan(stack: string): Promise<Deployment> {
    const { plan } = await planStack({
        stack,
        configOverrides: { "security-governance:remediation": actEverywhere(stack) },
    });
    const fn = plan.resources.find(
        (r) => r.type === "aws:lambda/function:Function" && r.inputs.name === RESPONDER_FUNCTION_NAME,
    );
    const invoke = plan.resources.find(
        (r) =>
            r.type === "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig" &&
            r.inputs.functionName === RESPONDER_FUNCTION_NAME,
    );
    if (fn === undefined || invoke === undefined)
        throw new Error(
            `the ${stack} stack's plan has no ${RESPONDER_FUNCTION_NAME} function or its invoke config`,
        );
    const number = (value: unknown, what: string): number => {
        if (typeof value !== "number") throw new Error(`${RESPONDER_FUNCTION_NAME}: no ${what} in the plan`);
        return value;
    };
    const variables = (fn.inputs.environment as { variables?: Record<string, string> } | undefined)
        ?.variables;
    return {
        settings: settingsFromEnvironment(variables ?? {}),
        lambda: {
            reservedConcurrency: number(
                fn.inputs.reservedConcurrentExecutions,
                "reservedConcurrentExecutions",
            ),
            timeoutSeconds: number(fn.inputs.timeout, "timeout"),
            maximumRetryAttempts: number(invoke.inputs.maximumRetryAttempts, "maximumRetryAttempts"),
            maximumEventAgeSeconds: number(
                invoke.inputs.maximumEventAgeInSeconds,
                "maximumEventAgeInSeconds",
            ),
            source: `planned for the ${stack} stack`,
        },
    };
}

/** The responder's settings built from a stack's config as index.ts builds them, without planning (tests). */
export function deploymentFromConfig(stack: string, lambda: LambdaModel): Deployment {
    const config = parseStackConfig({
        ...readStackConfigValues(stack),
        "security-governance:remediation": actEverywhere(stack),
    });
    if (config.remediation === undefined) throw new Error(`the ${stack} stack has no remediation section`);
    const { management, securityAdmin } = config.accounts;
    const home = config.homeRegion;
    return {
        settings: {
            remediation: config.remediation,
            neverTouch: {
                [management]: "the management account",
                [securityAdmin]: "the security account, where the responder runs",
            },
            memberRoleName: MEMBER_ROLE_NAME,
            records: {
                bucket: `security-governance-findings-${securityAdmin}-${home}`,
                prefix: RESPONSES_PREFIX,
                kmsKeyArn: `arn:aws:kms:${home}:${securityAdmin}:key/00000000-0000-0000-0000-000000000000`,
            },
            topicArn: `arn:aws:sns:${home}:${securityAdmin}:finding-alerts-topic`,
            homeRegion: home,
            partition: "aws",
        },
        lambda,
    };
}

export interface EventResult {
    arrival: Arrival;
    /** Virtual ms at which the invocation that decided it returned: every decision recorded and told. */
    decidedAt?: number;
    /** Why it went to the on-failure queue instead. */
    dropped?: "retries exhausted" | "too old";
    invocations: number;
    throttled: number;
    errors: string[];
    records: DecisionRecord[];
}

export interface BurstResult {
    deployment: Deployment;
    workload: BurstWorkload;
    events: EventResult[];
    aws: SimulatedAws;
    invocations: number;
    throttledInvocations: number;
    timeouts: number;
    coldStarts: number;
    /** Retries of throttled or failed calls within the runs (functions/shared/run.ts). */
    callRetries: number;
    /** Virtual ms the invocations ran, summed (cold starts excluded). */
    invocationMs: number;
    wallMs: number;
}

interface Environment {
    caller: Caller;
    deps: ReturnType<SimulatedAws["wire"]>;
    busy: boolean;
    cold: boolean;
}

/** The burst against the deployment: every event through Lambda's queue to the responder, on the virtual clock. */
export async function simulateBurst(
    deployment: Deployment,
    workload: BurstWorkload = BURST_WORKLOAD,
): Promise<BurstResult> {
    const started = process.hrtime.bigint();
    const { settings, lambda } = deployment;
    // No heap samples: this benchmark reports none, and each is a full collection.
    const time = new VirtualTime({ heapSampleEvery: 0 });
    const aws = new SimulatedAws(time, {
        homeRegion: settings.homeRegion,
        bucket: settings.records.bucket,
        epochMs: EPOCH_MS,
        accountOu: () => "ou-sim0-workloads",
    });
    const admin = settings.topicArn.split(":")[4];
    const arrivals = burstArrivals(workload, layOut(aws, workload), EPOCH_MS, admin);
    const result: BurstResult = {
        deployment,
        workload,
        events: [],
        aws,
        invocations: 0,
        throttledInvocations: 0,
        timeouts: 0,
        coldStarts: 0,
        callRetries: 0,
        invocationMs: 0,
        wallMs: 0,
    };
    const environments: Environment[] = [];
    const timeoutMs = lambda.timeoutSeconds * 1000;

    /** An idle environment, or a new one while fewer than the reserved concurrency exist; else throttled. */
    const acquire = (): Environment | undefined => {
        let env = environments.find((e) => !e.busy);
        if (env === undefined && environments.length < lambda.reservedConcurrency) {
            const caller = { killed: false };
            // As the handler: the dependencies are made once per environment and kept while it is warm.
            env = {
                caller,
                deps: aws.wire(awsResponderDependencies(settings), caller),
                busy: false,
                cold: true,
            };
            environments.push(env);
        }
        if (env !== undefined) env.busy = true;
        return env;
    };

    const invoke = async (env: Environment, arrival: Arrival) => {
        if (env.cold) {
            result.coldStarts++;
            await time.sleep(COLD_START_MS);
            env.cold = false;
        }
        result.invocations++;
        const began = time.now;
        // As the handler: a Run whose deadline is now + context.getRemainingTimeInMillis(), here on the virtual clock.
        const run = new Run({
            deadlineMs: time.now + timeoutMs,
            now: () => time.now,
            sleep: (ms) => time.sleep(ms),
        });
        type Outcome = { records: DecisionRecord[] } | { error: string; timedOut?: true };
        const work = respondToFinding(arrival.event, settings, env.deps, run).then(
            (records): Outcome => ({ records }),
            (error: unknown): Outcome => ({ error: reasonOf(error) }),
        );
        const limit = time.sleep(timeoutMs).then((): Outcome => ({
            error: `Task timed out after ${lambda.timeoutSeconds} seconds`,
            timedOut: true,
        }));
        const outcome = await Promise.race([work, limit]);
        result.callRetries += run.retries;
        result.invocationMs += time.now - began;
        if ("timedOut" in outcome) {
            // Lambda stops a timed-out invocation and discards its environment; its calls in flight fail.
            result.timeouts++;
            env.caller.killed = true;
            environments.splice(environments.indexOf(env), 1);
        }
        env.busy = false;
        return outcome;
    };

    const deliver = async (arrival: Arrival, event: EventResult) => {
        await time.sleep(arrival.at - time.now);
        const held = aws.findings.get(arrival.region) ?? new Map();
        held.set(arrival.event.detail.id, arrival.finding);
        aws.findings.set(arrival.region, held);
        let wait = THROTTLED_RETRY_MS.first;
        let failures = 0;
        for (;;) {
            if (time.now - arrival.at > lambda.maximumEventAgeSeconds * 1000) {
                event.dropped = "too old";
                return;
            }
            const env = acquire();
            if (env === undefined) {
                event.throttled++;
                result.throttledInvocations++;
                await time.sleep(wait);
                wait = Math.min(wait * 2, THROTTLED_RETRY_MS.max);
                continue;
            }
            event.invocations++;
            const outcome = await invoke(env, arrival);
            if ("records" in outcome) {
                event.decidedAt = time.now;
                event.records = outcome.records;
                return;
            }
            event.errors.push(outcome.error);
            if (failures >= lambda.maximumRetryAttempts) {
                event.dropped = "retries exhausted";
                return;
            }
            await time.sleep(FAILED_RETRY_MS[Math.min(failures, FAILED_RETRY_MS.length - 1)]);
            failures++;
        }
    };

    result.events = arrivals.map((arrival) => ({
        arrival,
        invocations: 0,
        throttled: 0,
        errors: [],
        records: [],
    }));
    await time.drive(() => Promise.all(result.events.map((event) => deliver(event.arrival, event))));
    result.wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    return result;
}

export interface BurstSummary {
    events: number;
    decided: number;
    dropped: number;
    delaysSeconds: { p50: number; p95: number; max: number; last: number };
    /** Block decisions not carried out because the ACL was full or had no free number. */
    notBlockedFull: number;
    blocked: number;
    alreadyBlocked: number;
    isolated: number;
    failedOther: number;
    /** Entries numbered 1-99 in the members' ACLs without the blocks/ record the sweep lifts them by. */
    unrecordedEntries: number;
    simulatedMinutes: number;
}

export function summarize(result: BurstResult): BurstSummary {
    const decided = result.events.filter((e) => e.decidedAt !== undefined);
    const delays = decided.map((e) => ((e.decidedAt ?? 0) - e.arrival.at) / 1000).sort((a, b) => a - b);
    const lastDecided = [...decided].sort((a, b) => (b.decidedAt ?? 0) - (a.decidedAt ?? 0))[0];
    const records = decided.flatMap((e) => e.records);
    const outcome = (action: string, status: string) =>
        records.filter((r) => r.action === action && r.repeat !== true && r.outcome?.status === status);
    const full = outcome("blockRemoteAddress", "failed").filter((r) =>
        r.outcome?.details.some(
            (d) => d.includes("network ACL is full") || d.includes("no free rule number"),
        ),
    );
    const failed = records.filter((r) => r.outcome?.status === "failed").length - full.length;
    const { aws } = result;
    let unrecorded = 0;
    for (const world of aws.ec2.values())
        for (const entry of world.responderEntries()) {
            const [acl, rule, way, cidr] = entry.split(" ");
            const region = [...aws.ec2.entries()].find(([, w]) => w === world)?.[0].split("/")[1] ?? "";
            const block = { networkAclId: acl, ruleNumber: Number(rule), egress: way === "out", cidr };
            const key = RESPONSES_PREFIX + blockKey(world.accountId, region, block);
            const text = aws.objects.texts.get(key);
            const record = text === undefined ? undefined : (JSON.parse(text) as unknown);
            if (!isBlockRecord(record) || record.block.cidr !== cidr) unrecorded++;
        }
    return {
        events: result.events.length,
        decided: decided.length,
        dropped: result.events.filter((e) => e.dropped !== undefined).length,
        delaysSeconds: {
            p50: percentile(delays, 0.5),
            p95: percentile(delays, 0.95),
            max: delays[delays.length - 1] ?? NaN,
            last:
                lastDecided === undefined
                    ? NaN
                    : ((lastDecided.decidedAt ?? 0) - lastDecided.arrival.at) / 1000,
        },
        notBlockedFull: full.length,
        blocked: outcome("blockRemoteAddress", "acted").length,
        alreadyBlocked: outcome("blockRemoteAddress", "already done").length,
        isolated: outcome("isolateInstance", "acted").length,
        failedOther: failed,
        unrecordedEntries: unrecorded,
        simulatedMinutes: Math.max(0, ...decided.map((e) => e.decidedAt ?? 0)) / 60_000,
    };
}
