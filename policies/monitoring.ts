import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { EVENT_RULE, EVENT_TARGET } from "./notifications";
import {
    PlainObject,
    StackResource,
    Tri,
    UNKNOWN,
    Unknown,
    at,
    dependenciesOf,
    list,
    regionOfResource,
    sameRegion,
    stackResources,
    str,
    validateTypes,
} from "./util";

/*
 * Whatever runs on its own fails silently unless something watches it (docs/operations.md#alarms):
 * - EventBridge reports a delivery that failed for good only as the AWS/Events metric FailedInvocations, per
 *   RuleName (EventBridge user guide, eb-monitoring: "metrics that specify only the RuleName dimension refer to
 *   the default event bus").
 * - Lambda counts a run that failed, timeouts included, as AWS/Lambda Errors per FunctionName (Lambda developer
 *   guide, monitoring-metrics-types).
 * - A function invoked asynchronously (EventBridge, SNS, S3: Lambda developer guide, invocation-async and
 *   invocation-async-retain-records) has the failed event dropped after its retries unless it has an on-failure
 *   destination or a dead-letter queue.
 * An alarm notifies nobody without an action (PutMetricAlarm, AlarmActions), so an alarm counts only with one.
 *
 * Names: the analyzer sees a resource's inputs as the provider's Check returned them (pulumi/pulumi,
 * pkg/resource/deploy/step_generator.go, continueStepsFromImport: `inputs = resp.Properties`, then analyzers),
 * and pulumi-aws's Check auto-names a rule's or function's `name` (provider/resources.go, tfbridge.AutoName). So
 * under `pulumi preview`/`up` an absent `name` does not reach the pack. The offline plan records the program's
 * own inputs, and its mock provider names an unnamed rule after its logical name (tools/plan-runtime.ts): the
 * logical name stands in for the absent name.
 */

export const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const LAMBDA_FUNCTION = "aws:lambda/function:Function";
export const LAMBDA_PERMISSION = "aws:lambda/permission:Permission";
export const INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";

/**
 * Service principals that invoke Lambda asynchronously: EventBridge (invocation-async-retain-records), SNS and
 * S3 (invocation-async: "Several AWS services, such as Amazon S3 and Amazon SNS, invoke functions
 * asynchronously"); also in their regional form, `<service>.<region>.amazonaws.com`, as opt-in regions sign.
 */
export const ASYNC_INVOKERS = ["events", "sns", "s3"];

function physicalName(r: StackResource): string | Unknown {
    const name = str(at(r.props, "name"));
    return name === undefined || name === "" ? r.name : name;
}

function all(answers: Tri[]): Tri {
    if (answers.includes("no")) return "no";
    return answers.every((a) => a === "yes") ? "yes" : "maybe";
}

function equals(value: string | Unknown | undefined, wanted: string): Tri {
    if (value === UNKNOWN) return "maybe";
    return value === wanted ? "yes" : "no";
}

/** Whether `value`, the input `property` of `holder`, names `target` (by its name, or by dependency). */
function names(
    holder: StackResource,
    property: string,
    value: string | Unknown | undefined,
    target: StackResource,
    name: string | Unknown,
    others: StackResource[],
): Tri {
    const deps = dependenciesOf(holder, property);
    if (deps.has(target.urn)) return "yes";
    if (others.some((o) => o !== target && deps.has(o.urn))) return "no";
    if (value === undefined) return "no";
    if (value === UNKNOWN || name === UNKNOWN) return "maybe";
    return value === name ? "yes" : "no";
}

function sameRegionAs(a: StackResource, b: StackResource): Tri {
    return sameRegion(regionOfResource(a), regionOfResource(b));
}

/** At least one alarm action: "yes", "no", or "maybe" while the list is unknown. */
function notifies(alarm: StackResource): Tri {
    if (at(alarm.props, "actionsEnabled") === false) return "no";
    const actions = list(at(alarm.props, "alarmActions"));
    if (actions === UNKNOWN) return "maybe";
    return actions !== undefined && actions.some((a) => a === UNKNOWN || (typeof a === "string" && a !== ""))
        ? "yes"
        : "no";
}

interface Watch {
    namespace: string;
    metricName: string;
    dimension: string;
}

const DELIVERY: Watch = { namespace: "AWS/Events", metricName: "FailedInvocations", dimension: "RuleName" };
const ERRORS: Watch = { namespace: "AWS/Lambda", metricName: "Errors", dimension: "FunctionName" };

/** Whether `alarm` watches `watch` for `subject`, in its region; whether it notifies is asked apart. */
function watches(alarm: StackResource, watch: Watch, subject: StackResource, peers: StackResource[]): Tri {
    const dimension = str(at(alarm.props, "dimensions", watch.dimension));
    return all([
        equals(str(at(alarm.props, "namespace")), watch.namespace),
        equals(str(at(alarm.props, "metricName")), watch.metricName),
        names(alarm, "dimensions", dimension, subject, physicalName(subject), peers),
        // An alarm watches the metric of its own region only.
        sameRegionAs(alarm, subject),
    ]);
}

/**
 * The violation for `subject` when no alarm may watch it and notify; undefined when one does or may. An alarm
 * that watches it but notifies nobody is named.
 */
function missingAlarm(
    subject: StackResource,
    what: string,
    watch: Watch,
    alarms: StackResource[],
    peers: StackResource[],
): string | undefined {
    const name = physicalName(subject);
    const region = regionOfResource(subject);
    const watching = alarms.filter((a) => watches(a, watch, subject, peers) !== "no");
    if (watching.some((a) => notifies(a) !== "no")) return undefined;
    const shown = name === UNKNOWN ? "(name unknown)" : name;
    const where = region === UNKNOWN ? "" : ` in ${region}`;
    const add = `a CloudWatch MetricAlarm on ${watch.namespace} ${watch.metricName} with dimension ${watch.dimension}=${shown}${where}`;
    const silent = watching.map((a) => physicalName(a)).filter((n): n is string => typeof n === "string");
    if (silent.length > 0)
        return `${what} ${shown}${where}: its ${watch.metricName} alarm ${silent.join(", ")} notifies nobody. Add an alarm action (alarmActions, actionsEnabled not false).`;
    return `${what} ${shown}${where} has no alarm on ${watch.metricName}: its failures go unnoticed. Add ${add} and an alarm action.`;
}

/** Whether `target` delivers the events of `rule`. */
function targetsRule(target: StackResource, rule: StackResource, rules: StackResource[]): Tri {
    const bus = (r: StackResource) => str(at(r.props, "eventBusName")) ?? "default";
    const onBus = (a: string | Unknown, b: string | Unknown): Tri =>
        a === UNKNOWN || b === UNKNOWN ? "maybe" : a === b ? "yes" : "no";
    return all([
        names(target, "rule", str(at(target.props, "rule")), rule, physicalName(rule), rules),
        sameRegionAs(target, rule),
        onBus(bus(target), bus(rule)),
    ]);
}

export const deliveryFailuresAlarmed: StackValidationPolicy = {
    name: "delivery-failures-alarmed",
    description:
        "Every EventBridge rule with a target has a FailedInvocations alarm in its region that notifies someone.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = stackResources(args, [EVENT_RULE, EVENT_TARGET, METRIC_ALARM]);
        const rules = resources.filter((r) => r.type === EVENT_RULE);
        if (rules.length === 0) args.notApplicable("the stack has no EventBridge rule");
        const targets = resources.filter((r) => r.type === EVENT_TARGET);
        const alarms = resources.filter((r) => r.type === METRIC_ALARM);
        for (const rule of rules) {
            // Only a rule known to deliver is held to it: a rule without a target fails no delivery.
            if (!targets.some((t) => targetsRule(t, rule, rules) === "yes")) continue;
            const missing = missingAlarm(rule, "EventBridge rule", DELIVERY, alarms, rules);
            if (missing !== undefined) reportViolation(missing, rule.urn);
        }
    },
};

export const functionErrorsAlarmed: StackValidationPolicy = {
    name: "function-errors-alarmed",
    description: "Every Lambda function has an Errors alarm in its region that notifies someone.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = stackResources(args, [LAMBDA_FUNCTION, METRIC_ALARM]);
        const functions = resources.filter((r) => r.type === LAMBDA_FUNCTION);
        if (functions.length === 0) args.notApplicable("the stack has no Lambda function");
        const alarms = resources.filter((r) => r.type === METRIC_ALARM);
        for (const fn of functions) {
            const missing = missingAlarm(fn, "Lambda function", ERRORS, alarms, functions);
            if (missing !== undefined) reportViolation(missing, fn.urn);
        }
    },
};

/** The function name in a function reference: a name, `<account>:function:<name>`, or a function ARN. */
export function functionNameIn(reference: string): string {
    const match = /(?:^|:)function:([^:]+)/.exec(reference);
    return match ? match[1] : reference;
}

/** The region of a function ARN, when the reference is one. */
function regionInArn(reference: string): string | undefined {
    const parts = reference.split(":");
    return reference.startsWith("arn:") && parts.length >= 7 ? parts[3] : undefined;
}

/** Whether a function reference (`function`, `functionName`, a target's `arn`) of `holder` names `fn`. */
function refersTo(
    holder: StackResource,
    property: string,
    fn: StackResource,
    functions: StackResource[],
): Tri {
    const value = str(at(holder.props, property));
    const name = physicalName(fn);
    const byName = names(
        holder,
        property,
        typeof value === "string" ? functionNameIn(value) : value,
        fn,
        name,
        functions,
    );
    // A full ARN names its region; any other reference is resolved where its holder lives.
    const arnRegion = typeof value === "string" ? regionInArn(value) : undefined;
    const region =
        arnRegion === undefined ? sameRegionAs(holder, fn) : sameRegion(arnRegion, regionOfResource(fn));
    return all([byName, region]);
}

function isAsyncInvoker(principal: string | Unknown | undefined): principal is string {
    if (typeof principal !== "string") return false;
    const match = /^([a-z0-9-]+)(?:\.[a-z0-9-]+)?\.amazonaws\.com$/.exec(principal.toLowerCase());
    return match !== null && ASYNC_INVOKERS.includes(match[1]);
}

function invokes(action: string | Unknown | undefined): boolean {
    return typeof action === "string" && /^lambda:(invoke|\*)/i.test(action);
}

/** Who invokes `fn` asynchronously, in words; empty when nothing is known to. */
function asyncInvokers(fn: StackResource, resources: StackResource[], functions: StackResource[]): string[] {
    const who: string[] = [];
    for (const r of resources) {
        if (r.type === EVENT_TARGET && refersTo(r, "arn", fn, functions) === "yes")
            who.push(`EventBridge target ${r.name}`);
        const principal = str(at(r.props, "principal"));
        if (
            r.type === LAMBDA_PERMISSION &&
            isAsyncInvoker(principal) &&
            invokes(str(at(r.props, "action"))) &&
            refersTo(r, "function", fn, functions) === "yes"
        )
            who.push(`${principal} (permission ${r.name})`);
    }
    return who;
}

function keepsFailures(config: StackResource): Tri {
    const destination = str(at(config.props, "destinationConfig", "onFailure", "destination"));
    if (destination === UNKNOWN) return "maybe";
    return destination !== undefined && destination !== "" ? "yes" : "no";
}

function hasDeadLetterQueue(props: PlainObject): boolean {
    const target = str(at(props, "deadLetterConfig", "targetArn"));
    return target === UNKNOWN || (target !== undefined && target !== "");
}

export const asyncFunctionsKeepFailures: StackValidationPolicy = {
    name: "async-functions-keep-failures",
    description:
        "Every Lambda function invoked asynchronously has an on-failure destination or a dead-letter queue.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = stackResources(args, [
            LAMBDA_FUNCTION,
            LAMBDA_PERMISSION,
            EVENT_TARGET,
            INVOKE_CONFIG,
        ]);
        const functions = resources.filter((r) => r.type === LAMBDA_FUNCTION);
        if (functions.length === 0) args.notApplicable("the stack has no Lambda function");
        const configs = resources.filter((r) => r.type === INVOKE_CONFIG);
        for (const fn of functions) {
            const who = asyncInvokers(fn, resources, functions);
            if (who.length === 0 || hasDeadLetterQueue(fn.props)) continue;
            const kept = configs.some(
                (c) => all([refersTo(c, "functionName", fn, functions), keepsFailures(c)]) !== "no",
            );
            if (kept) continue;
            const name = physicalName(fn);
            const shown = name === UNKNOWN ? "(name unknown)" : name;
            reportViolation(
                `Lambda function ${shown} is invoked asynchronously (by ${who.join(", ")}) and has no on-failure destination: an event that fails its retries is dropped. Add an aws.lambda.FunctionEventInvokeConfig for ${shown} with destinationConfig.onFailure.destination (or a deadLetterConfig on the function).`,
                fn.urn,
            );
        }
    },
};

export const alarmsNotifySomeone: ResourceValidationPolicy = {
    name: "alarms-notify-someone",
    description: "Every CloudWatch metric alarm has at least one alarm action.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(METRIC_ALARM, (props, args, reportViolation) => {
        const name = str(at(props, "name"));
        const shown = typeof name === "string" && name !== "" ? name : args.name;
        if (at(props, "actionsEnabled") === false) {
            reportViolation(
                `Alarm ${shown} has actionsEnabled false: when it fires nobody is told. Remove actionsEnabled or set it to true.`,
            );
            return;
        }
        const actions = list(at(props, "alarmActions"));
        if (actions === UNKNOWN) return;
        if (
            actions === undefined ||
            !actions.some((a) => a === UNKNOWN || (typeof a === "string" && a !== ""))
        )
            reportViolation(
                `Alarm ${shown} has no alarmActions: when it fires nobody is told. Add an SNS topic (or another action) to alarmActions.`,
            );
    }),
};

export const monitoringPolicies = [
    deliveryFailuresAlarmed,
    functionErrorsAlarmed,
    asyncFunctionsKeepFailures,
    alarmsNotifySomeone,
];
