import * as assert from "node:assert/strict";
import {
    TOPIC_ARN,
    UNKNOWN_VALUE,
    compliantStack,
    resource,
    urnOf,
    withInputs,
    withResource,
    without,
} from "./helpers/policy-fixtures";
import { PlannedResource } from "../tools/policy-driver";
import {
    analyze,
    byPolicy,
    notApplicableReasons,
    policySession,
    violationsOf,
} from "./helpers/policy-session";

/**
 * The notification policies' exact answers, and how the finding path is traced from rule to target to
 * topic when names, ARNs or patterns are not known yet.
 */

const PATH = "findings-notification-path";
const NO_PATH =
    "No EventBridge rule matching source aws.guardduty or aws.securityhub targets an SNS topic: nobody is " +
    "told about findings.";
const RULE_URN = urnOf("aws:cloudwatch/eventRule:EventRule", "findings-rule");
const TOPIC_URN = urnOf("aws:sns/topic:Topic", "findings-topic");

const said = violationsOf;

const pattern = (value: unknown) =>
    withInputs(compliantStack(), "findings-rule", {
        eventPattern: typeof value === "string" || value === UNKNOWN_VALUE ? value : JSON.stringify(value),
    });
const target = (change: (r: PlannedResource) => PlannedResource) =>
    withResource(compliantStack(), "findings-target", change);
const otherRule = (name = "other-rule") =>
    resource("aws:cloudwatch/eventRule:EventRule", name, {
        name,
        eventPattern: JSON.stringify({ source: ["aws.ec2"] }),
    });

describe("notification policies: exact messages and how the path is traced", function () {
    before(async function () {
        this.timeout(120_000);
        await policySession();
    });

    it("sns-topic-kms-encrypted says why an unset or AWS managed key fails, and waits for an unknown one", async () => {
        const topic = (kmsMasterKeyId: unknown) =>
            withInputs(compliantStack(), "findings-topic", { kmsMasterKeyId });
        const P = "sns-topic-kms-encrypted";
        assert.deepEqual(await said(topic(""), P), [
            "kmsMasterKeyId is not set: messages are stored unencrypted.",
        ]);
        assert.deepEqual(await said(topic(undefined), P), [
            "kmsMasterKeyId is not set: messages are stored unencrypted.",
        ]);
        const managed = "arn:aws:kms:eu-west-1:222222222222:alias/aws/sns";
        assert.deepEqual(await said(topic(managed), P), [
            `kmsMasterKeyId ${managed} is the AWS managed key; EventBridge cannot publish to it.`,
        ]);
        assert.deepEqual(await said(topic(UNKNOWN_VALUE), P), []);
    });

    describe(PATH, () => {
        it("says nobody is told, as an advisory", async () => {
            const found = byPolicy(await analyze(pattern({ source: ["aws.ec2"] })), PATH);
            assert.deepEqual(
                found.map((d) => [d.level, d.message.split("\n")[1]]),
                [["advisory", NO_PATH]],
            );
        });

        it("matches either finding source, given as one string or among others", async () => {
            for (const value of [
                { source: "aws.securityhub" },
                { source: ["aws.ec2", "aws.guardduty"] },
                { source: [5, "aws.securityhub"] },
            ]) {
                assert.deepEqual(await said(pattern(value), PATH), [], JSON.stringify(value));
            }
        });

        it("does not match a missing, unreadable or sourceless pattern; waits for an unknown one", async () => {
            for (const value of [undefined, "{not json", "null", { "detail-type": ["GuardDuty Finding"] }]) {
                assert.deepEqual(await said(pattern(value), PATH), [NO_PATH], String(value));
            }
            assert.deepEqual(await said(pattern(UNKNOWN_VALUE), PATH), []);
        });

        it("a target bound to another rule does not carry this rule's findings, whatever its name input", async () => {
            const stack = [
                ...target((r) => ({
                    ...r,
                    dependsOn: [urnOf("aws:cloudwatch/eventRule:EventRule", "other-rule")],
                })),
                otherRule(),
            ];
            assert.deepEqual(await said(stack, PATH), [NO_PATH]);
        });

        it("a rule named by its name, the topic through a dependency: a path", async () => {
            const stack = target((r) => ({
                ...r,
                inputs: { ...r.inputs, arn: "topic-mock-arn" },
                dependsOn: [TOPIC_URN],
            }));
            assert.deepEqual(await said(stack, PATH), []);
        });

        it("compares rule names when both are known, and waits when the rule's name is unknown", async () => {
            assert.deepEqual(
                await said(withInputs(compliantStack(), "findings-target", { rule: "another" }), PATH),
                [NO_PATH],
            );
            assert.deepEqual(
                await said(withInputs(compliantStack(), "findings-rule", { name: UNKNOWN_VALUE }), PATH),
                [],
            );
        });

        it("a target's ARN: an SNS ARN, a topic it depends on, or unknown without dependencies", async () => {
            // Depending on the rule is not depending on a topic: an SQS target stays no path.
            const sqs = target((r) => ({
                ...r,
                inputs: { ...r.inputs, arn: "arn:aws:sqs:eu-west-1:222222222222:q" },
                dependsOn: [RULE_URN],
            }));
            assert.deepEqual(await said(sqs, PATH), [NO_PATH]);
            const unknownArn = (dependsOn: string[]) =>
                target((r) => ({ ...r, inputs: { ...r.inputs, arn: UNKNOWN_VALUE }, dependsOn }));
            assert.deepEqual(await said(unknownArn([]), PATH), []);
            assert.deepEqual(await said(unknownArn([RULE_URN]), PATH), [NO_PATH]);
            assert.deepEqual(
                await said(withInputs(compliantStack(), "findings-target", { arn: TOPIC_ARN }), PATH),
                [],
            );
        });

        it("follows the target's own rule and arn inputs when the engine names each property's dependencies", async () => {
            // The target was created after the findings rule (dependsOn), but its rule input is another rule.
            const bound = (rule: string, arn: string[]) => [
                ...target((r) => ({
                    ...r,
                    inputs: { ...r.inputs, rule: UNKNOWN_VALUE, arn: UNKNOWN_VALUE },
                    dependsOn: [
                        RULE_URN,
                        urnOf("aws:cloudwatch/eventRule:EventRule", "other-rule"),
                        TOPIC_URN,
                    ],
                    propertyDependencies: { rule: [rule], arn },
                })),
                otherRule(),
            ];
            assert.deepEqual(
                await said(
                    bound(urnOf("aws:cloudwatch/eventRule:EventRule", "other-rule"), [TOPIC_URN]),
                    PATH,
                ),
                [NO_PATH],
            );
            assert.deepEqual(await said(bound(RULE_URN, [TOPIC_URN]), PATH), []);
            // Its arn comes from the rule, not from a topic: no path, though the target depends on the topic.
            assert.deepEqual(await said(bound(RULE_URN, [RULE_URN]), PATH), [NO_PATH]);
        });

        it("an auto-named rule (no name input) leaves a target naming a rule open within its region", async () => {
            const stack = withInputs(
                withInputs(compliantStack(), "findings-rule", { name: undefined }),
                "findings-target",
                { rule: "findings-rule-1a2b3c4" },
            ).map((r) => (r.name === "findings-target" ? { ...r, dependsOn: [TOPIC_URN] } : r));
            assert.deepEqual(await said(stack, PATH), []);
        });

        it("an SNS target is known by an ARN, not by a string that merely has sns in third place", async () => {
            const notArn = target((r) => ({
                ...r,
                inputs: { ...r.inputs, arn: "urn:aws:sns:eu-west-1:222222222222:security-findings" },
                dependsOn: [RULE_URN],
            }));
            assert.deepEqual(await said(notArn, PATH), [NO_PATH]);
        });

        it("a target that depends on one of two topics reaches a topic", async () => {
            const stack = [
                ...target((r) => ({
                    ...r,
                    inputs: { ...r.inputs, arn: "topic-mock-arn" },
                    dependsOn: [TOPIC_URN],
                })),
                resource("aws:sns/topic:Topic", "other-topic", { kmsMasterKeyId: "alias/other" }),
            ];
            assert.deepEqual(await said(stack, PATH), []);
        });

        it("only an EventBridge target carries findings: a rule that depends on the topic is no path", async () => {
            const stack = without(compliantStack(), "findings-target").map((r) =>
                r.urn === RULE_URN ? { ...r, dependsOn: [TOPIC_URN] } : r,
            );
            assert.deepEqual(await said(stack, PATH), [NO_PATH]);
        });

        it("an open path stays open when a later rule has none", async () => {
            const stack = [...pattern(UNKNOWN_VALUE), otherRule()];
            assert.deepEqual(await said(stack, PATH), []);
        });

        it("says it does not apply to a stack without GuardDuty and Security Hub", async () => {
            const neither = compliantStack().filter(
                (r) => !r.type.startsWith("aws:guardduty/") && !r.type.startsWith("aws:securityhub/"),
            );
            assert.deepEqual(await notApplicableReasons(neither, PATH), [
                "the stack manages neither GuardDuty nor Security Hub",
            ]);
            assert.deepEqual(await notApplicableReasons(compliantStack(), PATH), []);
        });

        it("applies to a stack with only Security Hub, or only GuardDuty", async () => {
            for (const keep of ["aws:securityhub/", "aws:guardduty/"]) {
                const drop = keep === "aws:guardduty/" ? "aws:securityhub/" : "aws:guardduty/";
                const stack = compliantStack().filter(
                    (r) => !r.type.startsWith(drop) && r.type !== "aws:cloudwatch/eventRule:EventRule",
                );
                assert.deepEqual(await said(stack, PATH), [NO_PATH], keep);
            }
        });
    });
});
