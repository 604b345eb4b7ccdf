import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    StackResource,
    Tri,
    UNKNOWN,
    at,
    dependenciesOf,
    regionOfResource,
    sameRegion,
    stackResources,
    str,
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

function matchesFindings(rule: StackResource): Tri {
    const pattern = str(at(rule.props, "eventPattern"));
    if (pattern === UNKNOWN) {
        return "maybe";
    }
    if (pattern === undefined) {
        return "no";
    }
    try {
        const parsed: unknown = JSON.parse(pattern);
        const source =
            typeof parsed === "object" && parsed !== null
                ? (parsed as Record<string, unknown>).source
                : undefined;
        const sources = Array.isArray(source) ? source : [source];
        return sources.some((s) => typeof s === "string" && FINDING_SOURCES.includes(s)) ? "yes" : "no";
    } catch {
        return "no";
    }
}

function and(...answers: Tri[]): Tri {
    if (answers.includes("no")) {
        return "no";
    }
    return answers.includes("maybe") ? "maybe" : "yes";
}

function targetsRule(target: StackResource, rule: StackResource, rules: StackResource[]): Tri {
    const deps = dependenciesOf(target, "rule");
    if (deps.has(rule.urn)) {
        return "yes";
    }
    if (rules.some((r) => deps.has(r.urn))) {
        return "no";
    }
    const given = str(at(target.props, "rule"));
    const name = str(at(rule.props, "name"));
    if (typeof given === "string" && typeof name === "string") {
        return given === name ? "yes" : "no";
    }
    // An unknown or auto-generated rule name leaves the link open within the rule's region.
    return sameRegion(regionOfResource(target), regionOfResource(rule)) === "no" ? "no" : "maybe";
}

function targetsTopic(target: StackResource, topics: StackResource[]): Tri {
    const arn = str(at(target.props, "arn"));
    if (typeof arn === "string" && arn.startsWith("arn:") && arn.split(":")[2] === "sns") {
        return "yes";
    }
    const deps = dependenciesOf(target, "arn");
    if (topics.some((t) => deps.has(t.urn))) {
        return "yes";
    }
    return arn === UNKNOWN && deps.size === 0 ? "maybe" : "no";
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
        let path: Tri = "no";
        for (const rule of rules) {
            for (const target of targets) {
                const answer = and(
                    matchesFindings(rule),
                    targetsRule(target, rule, rules),
                    targetsTopic(target, topics),
                );
                if (answer === "yes" || (answer === "maybe" && path === "no")) {
                    path = answer;
                }
            }
        }
        if (path === "no") {
            reportViolation(
                `No EventBridge rule matching source ${FINDING_SOURCES.join(" or ")} targets an SNS topic: nobody is told about findings.`,
            );
        }
    },
};

export const notificationPolicies = [snsTopicKmsEncrypted, findingsNotificationPath];
