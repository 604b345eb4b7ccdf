import * as assert from "node:assert/strict";
import { PlannedResource } from "../tools/policy-driver";
import { policyConfigFile } from "../tools/plan-policies";
import { plan } from "./helpers/plan";
import { UNKNOWN_VALUE, resource, urnOf, withInputs, withResource, without } from "./helpers/policy-fixtures";
import {
    analyze,
    byPolicy,
    notApplicableReasons,
    policySession,
    violationText,
    withConfig,
} from "./helpers/policy-session";

/**
 * The monitoring policies: every rule that delivers has its failed deliveries alarmed, every function its errors,
 * every function invoked asynchronously keeps what fails, and every alarm tells someone. Judged on the planned
 * prod and dev stacks as they are, then on the prod plan with one alarm or invoke config taken away or pointed
 * elsewhere.
 */

const DELIVERY = "delivery-failures-alarmed";
const ERRORS = "function-errors-alarmed";
const ASYNC = "async-functions-keep-failures";
const NOTIFY = "alarms-notify-someone";
const MONITORING = [DELIVERY, ERRORS, ASYNC, NOTIFY];

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const FUNCTION = "aws:lambda/function:Function";

const COVERAGE_SCHEDULE_ALARM = "security-governance-delivery-coverage-schedule-us-east-1";
const FORWARDER_ALARM = "security-governance-delivery-finding-alerts-eu-west-1-eu-west-1";
const COVERAGE_ERRORS_ALARM = "security-governance-errors-coverage-us-east-1";

async function prod(): Promise<PlannedResource[]> {
    return structuredClone((await plan("prod")).resources);
}

function urnNamed(resources: PlannedResource[], name: string): string {
    const found = resources.filter((r) => r.name === name);
    assert.equal(found.length, 1, name);
    return found[0].urn;
}

/** The violations of `policy`, each as [the resource's name, the text], under the prod pack config. */
async function reported(resources: PlannedResource[], policy: string): Promise<[string, string][]> {
    const found = await withConfig(policyConfigFile("prod") ?? {}, () => analyze(resources));
    const byUrn = new Map(resources.map((r) => [r.urn, r.name]));
    return byPolicy(found, policy).map((d) => {
        assert.equal(d.level, "mandatory", d.message);
        return [byUrn.get(d.urn) ?? d.urn, violationText(d)];
    });
}

const noAlarm = (rule: string, region: string) =>
    `EventBridge rule ${rule} in ${region} has no alarm on FailedInvocations: its failures go unnoticed. Add a ` +
    `CloudWatch MetricAlarm on AWS/Events FailedInvocations with dimension RuleName=${rule} in ${region} and an alarm action.`;

const noErrorsAlarm = (fn: string, region: string) =>
    `Lambda function ${fn} in ${region} has no alarm on Errors: its failures go unnoticed. Add a CloudWatch ` +
    `MetricAlarm on AWS/Lambda Errors with dimension FunctionName=${fn} in ${region} and an alarm action.`;

const dropped = (fn: string, by: string) =>
    `Lambda function ${fn} is invoked asynchronously (by ${by}) and has no on-failure destination: an event that ` +
    `fails its retries is dropped. Add an aws.lambda.FunctionEventInvokeConfig for ${fn} with ` +
    `destinationConfig.onFailure.destination (or a deadLetterConfig on the function).`;

describe("monitoring policies: what fails silently is alarmed", function () {
    this.timeout(180_000);

    before(async () => {
        await policySession();
    });

    for (const stack of ["prod", "dev"]) {
        it(`finds every rule, function and alarm of the ${stack} plan watched`, async () => {
            const planned = await plan(stack);
            const configFile = policyConfigFile(stack);
            assert.ok(configFile);
            const found = await withConfig(configFile, () => analyze(planned.resources));
            assert.deepEqual(
                found.filter((d) => MONITORING.includes(d.policy)),
                [],
            );
            // Judged, not skipped: the plan has what these policies look at.
            for (const policy of [DELIVERY, ERRORS, ASYNC])
                assert.deepEqual(await notApplicableReasons(planned.resources, policy), [], policy);
            assert.ok(planned.resources.filter((r) => r.type === FUNCTION).length >= 2);
        });
    }

    describe(DELIVERY, () => {
        it("names a schedule rule whose alarm is gone, and an auto-named forwarding rule whose alarm watches another rule", async () => {
            const resources = withResource(
                without(await prod(), COVERAGE_SCHEDULE_ALARM),
                FORWARDER_ALARM,
                (r) => ({
                    ...r,
                    inputs: { ...r.inputs, dimensions: { RuleName: "finding-alerts-eu-west-2" } },
                }),
            );
            assert.deepEqual(await reported(resources, DELIVERY), [
                ["coverage-schedule", noAlarm("security-governance-coverage-schedule", "us-east-1")],
                ["finding-alerts-eu-west-1", noAlarm("finding-alerts-eu-west-1", "eu-west-1")],
            ]);
        });

        it("does not count an alarm in another region than its rule's", async () => {
            const resources = withInputs(await prod(), FORWARDER_ALARM, { region: "us-east-1" });
            assert.deepEqual(await reported(resources, DELIVERY), [
                ["finding-alerts-eu-west-1", noAlarm("finding-alerts-eu-west-1", "eu-west-1")],
            ]);
        });

        it("does not count an alarm on another metric or namespace", async () => {
            for (const change of [{ metricName: "Invocations" }, { namespace: "AWS/Lambda" }]) {
                const resources = withInputs(await prod(), COVERAGE_SCHEDULE_ALARM, change);
                assert.deepEqual(
                    await reported(resources, DELIVERY),
                    [["coverage-schedule", noAlarm("security-governance-coverage-schedule", "us-east-1")]],
                    JSON.stringify(change),
                );
            }
        });

        it("names the alarm that notifies nobody", async () => {
            for (const change of [
                { alarmActions: [] },
                { alarmActions: undefined },
                { actionsEnabled: false },
            ]) {
                const resources = withInputs(await prod(), COVERAGE_SCHEDULE_ALARM, change);
                assert.deepEqual(
                    await reported(resources, DELIVERY),
                    [
                        [
                            "coverage-schedule",
                            "EventBridge rule security-governance-coverage-schedule in us-east-1: its FailedInvocations " +
                                "alarm security-governance-delivery-coverage-schedule notifies nobody. " +
                                "Add an alarm action (alarmActions, actionsEnabled not false).",
                        ],
                    ],
                    JSON.stringify(change),
                );
            }
        });

        it("holds a rule without a target to nothing", async () => {
            const resources = without(await prod(), COVERAGE_SCHEDULE_ALARM, "coverage-schedule-target");
            assert.deepEqual(await reported(resources, DELIVERY), []);
        });

        it("waits while the alarm's rule name or actions are unknown", async () => {
            for (const change of [
                { dimensions: { RuleName: UNKNOWN_VALUE } },
                { alarmActions: UNKNOWN_VALUE },
            ]) {
                const resources = withInputs(await prod(), COVERAGE_SCHEDULE_ALARM, change);
                assert.deepEqual(await reported(resources, DELIVERY), [], JSON.stringify(change));
            }
        });

        it("counts an alarm that depends on its rule through its dimensions, whatever their value", async () => {
            const resources = await prod();
            const rule = urnNamed(resources, "coverage-schedule");
            const linked = withResource(resources, COVERAGE_SCHEDULE_ALARM, (r) => ({
                ...r,
                inputs: { ...r.inputs, dimensions: { RuleName: UNKNOWN_VALUE } },
                propertyDependencies: { dimensions: [rule] },
            }));
            assert.deepEqual(await reported(linked, DELIVERY), []);
            // The same dependency does not make an alarm of another region count.
            const elsewhere = withInputs(linked, COVERAGE_SCHEDULE_ALARM, { region: "eu-west-1" });
            assert.deepEqual(await reported(elsewhere, DELIVERY), [
                ["coverage-schedule", noAlarm("security-governance-coverage-schedule", "us-east-1")],
            ]);
        });
    });

    describe(ERRORS, () => {
        it("names a function whose Errors alarm is gone or watches another function", async () => {
            assert.deepEqual(await reported(without(await prod(), COVERAGE_ERRORS_ALARM), ERRORS), [
                ["coverage-function", noErrorsAlarm("security-governance-coverage", "us-east-1")],
            ]);
            const renamed = withInputs(await prod(), COVERAGE_ERRORS_ALARM, {
                dimensions: { FunctionName: "security-governance-enrollment" },
            });
            assert.deepEqual(await reported(renamed, ERRORS), [
                ["coverage-function", noErrorsAlarm("security-governance-coverage", "us-east-1")],
            ]);
        });

        it("does not count a Throttles alarm, nor one in another region", async () => {
            for (const change of [{ metricName: "Throttles" }, { region: "eu-west-1" }]) {
                const resources = withInputs(await prod(), COVERAGE_ERRORS_ALARM, change);
                assert.deepEqual(
                    await reported(resources, ERRORS),
                    [["coverage-function", noErrorsAlarm("security-governance-coverage", "us-east-1")]],
                    JSON.stringify(change),
                );
            }
        });
    });

    describe(ASYNC, () => {
        it("names a scheduled function and the responder without their on-failure destination, and who invokes them", async () => {
            const resources = without(await prod(), "coverage-on-failure", "response-on-failure");
            assert.deepEqual(await reported(resources, ASYNC), [
                [
                    "coverage-function",
                    dropped(
                        "security-governance-coverage",
                        "events.amazonaws.com (permission coverage-schedule-permission)",
                    ),
                ],
                [
                    "response-function",
                    dropped(
                        "security-governance-responder",
                        "events.amazonaws.com (permission response-findings-permission), " +
                            "events.amazonaws.com (permission response-schedule-permission)",
                    ),
                ],
            ]);
        });

        it("does not count an invoke config without onFailure, for another function or in another region", async () => {
            for (const change of [
                { destinationConfig: undefined },
                { destinationConfig: { onSuccess: { destination: "arn:aws:sqs:us-east-1:333333333333:q" } } },
                { functionName: "security-governance-enrollment" },
                { region: "eu-west-1" },
            ]) {
                const resources = withInputs(await prod(), "coverage-on-failure", change);
                assert.deepEqual(
                    await reported(resources, ASYNC),
                    [
                        [
                            "coverage-function",
                            dropped(
                                "security-governance-coverage",
                                "events.amazonaws.com (permission coverage-schedule-permission)",
                            ),
                        ],
                    ],
                    JSON.stringify(change),
                );
            }
        });

        it("accepts the function's ARN in the invoke config, or a dead-letter queue on the function", async () => {
            const byArn = withInputs(await prod(), "coverage-on-failure", {
                functionName: "arn:aws:lambda:us-east-1:333333333333:function:security-governance-coverage",
            });
            assert.deepEqual(await reported(byArn, ASYNC), []);
            const dlq = withInputs(without(await prod(), "coverage-on-failure"), "coverage-function", {
                deadLetterConfig: { targetArn: "arn:aws:sqs:us-east-1:333333333333:coverage-dlq" },
            });
            assert.deepEqual(await reported(dlq, ASYNC), []);
        });

        describe("who invokes asynchronously", () => {
            const fn = (name: string) =>
                resource(FUNCTION, name, { name, region: "eu-west-1", role: "arn:aws:iam::1:role/r" });
            const permission = (name: string, principal: string, functionName: string) =>
                resource("aws:lambda/permission:Permission", name, {
                    region: "eu-west-1",
                    action: "lambda:InvokeFunction",
                    function: functionName,
                    principal,
                });
            const alone = async (resources: PlannedResource[]) =>
                byPolicy(await analyze(resources), ASYNC).map((d) => [d.urn, violationText(d)]);

            it("not a function invoked only synchronously, nor one nobody invokes", async () => {
                assert.deepEqual(
                    await alone([
                        fn("api"),
                        permission("api-gateway", "apigateway.amazonaws.com", "api"),
                        fn("idle"),
                    ]),
                    [],
                );
            });

            it("a function an SNS topic, S3 or an EventBridge target invokes", async () => {
                const target = resource("aws:cloudwatch/eventTarget:EventTarget", "t", {
                    region: "eu-west-1",
                    rule: "r",
                    arn: "arn:aws:lambda:eu-west-1:222222222222:function:by-target",
                });
                assert.deepEqual(
                    await alone([
                        fn("by-sns"),
                        permission("p-sns", "sns.amazonaws.com", "by-sns"),
                        fn("by-s3"),
                        permission(
                            "p-s3",
                            "s3.amazonaws.com",
                            "arn:aws:lambda:eu-west-1:222222222222:function:by-s3",
                        ),
                        fn("by-target"),
                        target,
                    ]),
                    [
                        [
                            urnOf(FUNCTION, "by-sns"),
                            dropped("by-sns", "sns.amazonaws.com (permission p-sns)"),
                        ],
                        [urnOf(FUNCTION, "by-s3"), dropped("by-s3", "s3.amazonaws.com (permission p-s3)")],
                        [urnOf(FUNCTION, "by-target"), dropped("by-target", "EventBridge target t")],
                    ],
                );
            });
        });
    });

    describe(NOTIFY, () => {
        it("names an alarm without actions or with its actions off", async () => {
            const resources = withInputs(
                withInputs(await prod(), COVERAGE_ERRORS_ALARM, { alarmActions: [] }),
                COVERAGE_SCHEDULE_ALARM,
                { actionsEnabled: false },
            );
            assert.deepEqual(await reported(resources, NOTIFY), [
                [
                    COVERAGE_SCHEDULE_ALARM,
                    "Alarm security-governance-delivery-coverage-schedule has actionsEnabled false: " +
                        "when it fires nobody is told. Remove actionsEnabled or set it to true.",
                ],
                [
                    COVERAGE_ERRORS_ALARM,
                    "Alarm security-governance-errors-coverage has no alarmActions: when it fires " +
                        "nobody is told. Add an SNS topic (or another action) to alarmActions.",
                ],
            ]);
            const unknown = withInputs(await prod(), COVERAGE_ERRORS_ALARM, { alarmActions: UNKNOWN_VALUE });
            assert.deepEqual(await reported(unknown, NOTIFY), []);
            assert.ok((await prod()).filter((r) => r.type === ALARM).length > 20);
        });
    });
});
