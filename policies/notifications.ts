import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    StackResource,
    UNKNOWN,
    at,
    isObject,
    dependenciesOf,
    regionOfResource,
    sameRegion,
    stackResources,
    str,
    toPlain,
    validateTypes,
} from "./util";

export const SNS_TOPIC = "aws:sns/topic:Topic";
export const EVENT_RULE = "aws:cloudwatch/eventRule:EventRule";
export const EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget";

const FINDING_SOURCES = ["aws.guardduty", "aws.securityhub"];

export const snsTopicKmsEncrypted: ResourceValidationPolicy = {
    name: "sns-topic-kms-encrypted",
    description: "SNS topics must be encrypted with a customer-managed KMS key.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(SNS_TOPIC, (props, _args, reportViolation) => {
        const key = str(at(props, "kmsMasterKeyId"));
        if (key === undefined || key === "") {
            reportViolation("kmsMasterKeyId is not set: messages are stored unencrypted.");
        } else if (key !== UNKNOWN && /(^|:)alias\/aws\/sns$/.test(key)) {
            // EventBridge cannot use the AWS managed key, so finding notifications would be dropped.
            reportViolation(
                `kmsMasterKeyId ${key} is the AWS managed key; EventBridge cannot publish to it.`,
            );
        }
    }),
};

/*
 * The path is traced with one question per link: "could this link carry findings?". A link whose inputs
 * are unknown at preview could, so the policy only reports a stack in which no rule, target and topic can
 * ever line up; a known "yes" and an open "maybe" lead to the same verdict, so they are one answer here.
 */

function mayMatchFindings(rule: StackResource): boolean {
    const pattern = str(at(rule.props, "eventPattern"));
    if (pattern === UNKNOWN) {
        return true;
    }
    let parsed: unknown;
    try {
        // A missing pattern (undefined) is not JSON either.
        parsed = JSON.parse(pattern ?? "");
    } catch {
        return false;
    }
    const source = isObject(toPlain(parsed)) ? (parsed as Record<string, unknown>).source : undefined;
    const sources: unknown[] = Array.isArray(source) ? source : [source];
    return sources.some((s) => (FINDING_SOURCES as readonly unknown[]).includes(s));
}

function mayTargetRule(target: StackResource, rule: StackResource, rules: StackResource[]): boolean {
    const deps = dependenciesOf(target, "rule");
    if (deps.has(rule.urn)) {
        return true;
    }
    if (rules.some((r) => deps.has(r.urn))) {
        return false;
    }
    const given = str(at(target.props, "rule"));
    const name = str(at(rule.props, "name"));
    if (typeof given === "string" && typeof name === "string") {
        return given === name;
    }
    // An unknown or auto-generated rule name leaves the link open within the rule's region.
    return sameRegion(regionOfResource(target), regionOfResource(rule)) !== "no";
}

function mayTargetTopic(target: StackResource, topics: StackResource[]): boolean {
    const arn = str(at(target.props, "arn"));
    if (typeof arn === "string" && arn.startsWith("arn:") && arn.split(":")[2] === "sns") {
        return true;
    }
    const deps = dependenciesOf(target, "arn");
    if (topics.some((t) => deps.has(t.urn))) {
        return true;
    }
    return arn === UNKNOWN && deps.size === 0;
}

export const findingsNotificationPath: StackValidationPolicy = {
    name: "findings-notification-path",
    description: "GuardDuty or Security Hub findings should reach an SNS topic through an EventBridge rule.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const governed = args.resources.some(
            (r) => r.type.startsWith("aws:guardduty/") || r.type.startsWith("aws:securityhub/"),
        );
        if (!governed) {
            args.notApplicable("the stack manages neither GuardDuty nor Security Hub");
        }
        const resources = stackResources(args, [EVENT_RULE, EVENT_TARGET, SNS_TOPIC]);
        const rules = resources.filter((r) => r.type === EVENT_RULE);
        const targets = resources.filter((r) => r.type === EVENT_TARGET);
        const topics = resources.filter((r) => r.type === SNS_TOPIC);
        const path = rules.some(
            (rule) =>
                mayMatchFindings(rule) &&
                targets.some(
                    (target) => mayTargetRule(target, rule, rules) && mayTargetTopic(target, topics),
                ),
        );
        if (!path) {
            reportViolation(
                `No EventBridge rule matching source ${FINDING_SOURCES.join(" or ")} targets an SNS topic: nobody is told about findings.`,
            );
        }
    },
};

export const notificationPolicies = [snsTopicKmsEncrypted, findingsNotificationPath];
