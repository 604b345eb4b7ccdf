import { strict as assert } from "node:assert";
import type { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { ofType, plan, single } from "./helpers/plan";
import { decisionLines } from "../functions/response/handler";
import type { DecisionRecord } from "../functions/response/respond";
import { decisionsQuery } from "../components/dashboard";

/*
 * The failure alarms as the plan makes them, judged from the planned resources themselves (the rules that have a
 * target, the functions, the queues, the topics), not from the list the components declare: a rule or function a
 * component forgot to declare fails here.
 */

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const FUNCTION = "aws:lambda/function:Function";
const QUEUE = "aws:sqs/queue:Queue";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";

const nameOf = (r: PlannedResource) => (r.inputs.name as string | undefined) ?? r.name;
const regionOf = (planned: PlanDocument, r: PlannedResource) =>
    (r.inputs.region as string | undefined) ?? planned.homeRegion;
const topicArn = (planned: PlanDocument, r: PlannedResource) =>
    `arn:aws:sns:${regionOf(planned, r)}:${planned.accounts.securityAdmin}:${nameOf(r)}`;

function alarmsOn(
    planned: PlanDocument,
    namespace: string,
    metric: string,
    dimension: string,
    value: string,
) {
    return ofType(planned, ALARM).filter(
        (a) =>
            a.inputs.namespace === namespace &&
            a.inputs.metricName === metric &&
            (a.inputs.dimensions as Record<string, string>)[dimension] === value,
    );
}

function watchTopic(planned: PlanDocument): PlannedResource {
    return single(planned, TOPIC, (t) => t.name === "finding-alerts-watch-topic");
}
function alertTopic(planned: PlanDocument): PlannedResource {
    return single(planned, TOPIC, (t) => t.name === "finding-alerts-topic");
}

describe("detection watches itself: the failure alarms as planned", function () {
    this.timeout(120_000);
    let prod: PlanDocument;
    let dev: PlanDocument;
    before(async () => {
        [prod, dev] = await Promise.all([plan("prod"), plan("dev")]);
    });

    it("alarms on every rule that delivers, in its region, to a watch topic of that region", () => {
        for (const planned of [prod, dev]) {
            const targeted = new Set(ofType(planned, TARGET).map((t) => t.inputs.rule as string));
            const rules = ofType(planned, RULE).filter((r) => targeted.has(nameOf(r)));
            assert.ok(rules.length >= 10, `${planned.stack}: ${rules.length} rules`);
            const watchTopics = ofType(planned, TOPIC).filter((t) =>
                t.name.startsWith("finding-alerts-watch"),
            );
            for (const rule of rules) {
                const [alarm, ...more] = alarmsOn(
                    planned,
                    "AWS/Events",
                    "FailedInvocations",
                    "RuleName",
                    nameOf(rule),
                );
                assert.ok(alarm !== undefined && more.length === 0, `${planned.stack}: ${nameOf(rule)}`);
                assert.equal(alarm.inputs.region, regionOf(planned, rule));
                assert.equal(alarm.inputs.statistic, "Sum");
                assert.equal(alarm.inputs.threshold, 1);
                assert.equal(alarm.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold");
                assert.equal(alarm.inputs.treatMissingData, "notBreaching");
                const [action] = alarm.inputs.alarmActions as string[];
                const topic = watchTopics.find((t) => topicArn(planned, t) === action);
                assert.ok(topic, `${nameOf(rule)} notifies ${action}, not a watch topic`);
                assert.equal(
                    regionOf(planned, topic),
                    regionOf(planned, rule),
                    "an alarm notifies its own region",
                );
            }
        }
    });

    it("alarms on the responder's dead letters, kept and lost", () => {
        const rule = single(prod, RULE, (r) => nameOf(r) === "security-governance-responder-findings");
        for (const metric of ["InvocationsSentToDlq", "InvocationsFailedToBeSentToDlq"])
            assert.equal(alarmsOn(prod, "AWS/Events", metric, "RuleName", nameOf(rule)).length, 1, metric);
    });

    it("alarms on every function's errors, throttles, dropped events, lost failures and runs near their timeout", () => {
        for (const planned of [prod, dev]) {
            const functions = ofType(planned, FUNCTION);
            assert.ok(functions.length >= 2);
            for (const fn of functions) {
                const name = nameOf(fn);
                for (const metric of [
                    "Errors",
                    "Throttles",
                    "AsyncEventsDropped",
                    "DestinationDeliveryFailures",
                ])
                    assert.equal(
                        alarmsOn(planned, "AWS/Lambda", metric, "FunctionName", name).length,
                        1,
                        `${name} ${metric}`,
                    );
                const [duration] = alarmsOn(planned, "AWS/Lambda", "Duration", "FunctionName", name);
                assert.equal(duration.inputs.statistic, "Maximum");
                assert.equal(duration.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold");
                assert.equal(duration.inputs.treatMissingData, "notBreaching");
                const [throttles] = alarmsOn(planned, "AWS/Lambda", "Throttles", "FunctionName", name);
                // The responder runs five at a time and outlives a burst's throttling: 15 minutes running.
                assert.equal(
                    throttles.inputs.evaluationPeriods,
                    (fn.inputs.reservedConcurrentExecutions as number) > 1 ? 3 : 1,
                    name,
                );
                assert.equal(duration.inputs.threshold, (fn.inputs.timeout as number) * 1000 * 0.9);
            }
        }
    });

    it("alarms on every queue of failed work: anything in it, and its oldest at half its retention", () => {
        for (const planned of [prod, dev]) {
            // The drill's inbox holds copies of alerts, not failed work.
            for (const queue of ofType(planned, QUEUE).filter((q) => !nameOf(q).endsWith("-inbox"))) {
                const name = nameOf(queue);
                const [depth] = alarmsOn(
                    planned,
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    name,
                );
                assert.equal(depth?.inputs.threshold, 1, name);
                const [age] = alarmsOn(
                    planned,
                    "AWS/SQS",
                    "ApproximateAgeOfOldestMessage",
                    "QueueName",
                    name,
                );
                assert.equal(
                    age?.inputs.threshold,
                    (queue.inputs.messageRetentionSeconds as number) / 2,
                    name,
                );
                assert.equal(depth.inputs.statistic, "Maximum");
                assert.equal(age.inputs.statistic, "Maximum");
                for (const alarm of [depth, age]) {
                    assert.equal(alarm.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold");
                    assert.equal(
                        alarm.inputs.treatMissingData,
                        "notBreaching",
                        "an idle queue stops reporting",
                    );
                }
            }
        }
    });

    it("gives every scheduled function an on-failure queue and no retry", () => {
        for (const planned of [prod, dev])
            for (const config of ofType(
                planned,
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
            )) {
                const destination = (
                    config.inputs.destinationConfig as { onFailure: { destination: string } }
                ).onFailure.destination;
                assert.match(destination, /^arn:aws:sqs:/);
            }
        const configured = ofType(prod, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").map(
            (c) => c.inputs.functionName,
        );
        for (const fn of ofType(prod, FUNCTION)) assert.ok(configured.includes(nameOf(fn)), nameOf(fn));
    });

    it("never lets a topic's failures alarm to itself: alerts and pages to the watch topic, the watch topic to alerts", () => {
        for (const planned of [prod, dev]) {
            const watch = topicArn(planned, watchTopic(planned));
            const alerts = topicArn(planned, alertTopic(planned));
            const failed = (topic: PlannedResource) =>
                ofType(planned, ALARM).filter(
                    (a) =>
                        a.inputs.metricName === "NumberOfNotificationsFailed" &&
                        (a.inputs.dimensions as Record<string, string>).TopicName === nameOf(topic),
                );
            const [onAlerts] = failed(alertTopic(planned));
            assert.deepEqual(onAlerts.inputs.alarmActions, [watch]);
            const [onWatch] = failed(watchTopic(planned));
            assert.deepEqual(onWatch.inputs.alarmActions, [alerts]);
            // Nothing else alarms to the alert topic: the watch path is the alarms' own.
            const toAlerts = ofType(planned, ALARM).filter((a) =>
                (a.inputs.alarmActions as string[]).includes(alerts),
            );
            assert.deepEqual(
                toAlerts.map((a) => a.name),
                [onWatch.name],
            );
        }
    });

    it("brings other regions' alarms home through a relay the home queue admits, and alarms on that queue", () => {
        const relays = ofType(prod, TOPIC).filter((t) =>
            /^finding-alerts-watch-[a-z]+-[a-z]+-\d-topic$/.test(t.name),
        );
        const others = prod.regions.filter((r) => r !== prod.homeRegion);
        assert.deepEqual(relays.map((t) => regionOf(prod, t)).sort(), [...others].sort());
        const subscriptions = ofType(prod, SUBSCRIPTION).filter(
            (s) => s.inputs.protocol === "sqs" && s.name.startsWith("finding-alerts-watch-"),
        );
        assert.equal(subscriptions.length, others.length);
        const queue = single(prod, QUEUE, (q) => nameOf(q) === "security-governance-regional-alarms");
        assert.equal(queue.inputs.region, prod.homeRegion);
        const queueArn = `arn:aws:sqs:${prod.homeRegion}:${prod.accounts.securityAdmin}:security-governance-regional-alarms`;
        for (const s of subscriptions) assert.equal(s.inputs.endpoint, queueArn);
        const policy = JSON.parse(
            single(prod, QUEUE_POLICY, (p) => p.name.endsWith("-relay")).inputs.policy as string,
        );
        assert.deepEqual(policy.Statement.length, 1);
        const [statement] = policy.Statement;
        assert.equal(statement.Effect, "Allow");
        assert.equal(statement.Action, "sqs:SendMessage");
        assert.equal(statement.Resource, queueArn);
        // prod governs no opt-in region: SNS signs as its global principal alone (sns-cross-region-delivery).
        assert.deepEqual(statement.Principal, { Service: ["sns.amazonaws.com"] });
        assert.deepEqual(
            [...statement.Condition.ArnEquals["aws:SourceArn"]].sort(),
            relays.map((t) => topicArn(prod, t)).sort(),
        );
        const [depth] = alarmsOn(
            prod,
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            nameOf(queue),
        );
        assert.deepEqual(depth.inputs.alarmActions, [topicArn(prod, watchTopic(prod))]);
        // A single-region stack needs no relay.
        assert.equal(
            ofType(dev, QUEUE).filter((q) => nameOf(q).endsWith("regional-alarms")).length,
            dev.regions.length > 1 ? 1 : 0,
        );
    });

    it("keeps the watch path as it keeps the alerts: rotating keys, protected where data is, tagged for the guardrail, in the security account", () => {
        const watch = prod.resources.filter((r) => r.name.startsWith("finding-alerts-watch"));
        const keys = watch.filter((r) => r.type === "aws:kms/key:Key");
        assert.equal(keys.length, prod.regions.length, "a watch key in every governed region");
        for (const key of keys) {
            assert.equal(key.inputs.enableKeyRotation, true, key.name);
            assert.equal(key.protect, true, `${key.name}: prod protects its data keys`);
            assert.equal(key.retainOnDelete, true, key.name);
            assert.deepEqual(key.inputs.tags, { Purpose: "security-finding-alerts" });
            // The documented statements, and no other: the account administers it, CloudWatch encrypts for it.
            assert.deepEqual(JSON.parse(key.inputs.policy as string), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "AdministerFromSecurityAccount",
                        Effect: "Allow",
                        Principal: { AWS: `arn:aws:iam::${prod.accounts.securityAdmin}:root` },
                        Action: "kms:*",
                        Resource: "*",
                    },
                    {
                        Sid: "AlarmsPublishToEncryptedTopic",
                        Effect: "Allow",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceAccount": prod.accounts.securityAdmin } },
                    },
                ],
            });
        }
        for (const topic of watch.filter((r) => r.type === TOPIC)) {
            assert.deepEqual(topic.inputs.tags, { Purpose: "security-finding-alerts" });
            assert.match(
                String(topic.inputs.kmsMasterKeyId),
                new RegExp(`^arn:aws:kms:${regionOf(prod, topic)}:`),
            );
        }
        const relay = single(prod, QUEUE, (q) => nameOf(q) === "security-governance-regional-alarms");
        assert.equal(relay.inputs.sqsManagedSseEnabled, true);
        assert.equal(relay.inputs.messageRetentionSeconds, 4 * 24 * 3600);
        assert.equal(relay.retainOnDelete, true, "its unread notices of failures are kept");
        for (const r of [
            ...watch.filter((r) => r.type.startsWith("aws:")),
            ...ofType(prod, ALARM),
            ...ofType(prod, "aws:cloudwatch/dashboard:Dashboard"),
        ])
            assert.equal(r.provider?.split("::")[3], "security", `${r.type} ${r.name}`);
        const relayPolicy = single(prod, QUEUE_POLICY, (p) => p.name.endsWith("-relay"));
        for (const subscription of watch.filter(
            (r) => r.type === SUBSCRIPTION && r.inputs.protocol === "sqs",
        ))
            assert.ok(
                subscription.dependsOn.includes(relayPolicy.urn),
                "subscribed once the queue admits the topic",
            );
    });

    it("needs no relay in a one-region stack", async () => {
        const one = await plan("dev", {
            configOverrides: { "security-governance:regions": [dev.homeRegion] },
        });
        assert.equal(ofType(one, QUEUE).filter((q) => nameOf(q).endsWith("regional-alarms")).length, 0);
        assert.equal(
            ofType(one, TOPIC).filter((t) => /^finding-alerts-watch-[a-z]+-[a-z]+-\d-topic$/.test(t.name))
                .length,
            0,
        );
        assert.equal(ofType(one, TOPIC).filter((t) => t.name === "finding-alerts-watch-topic").length, 1);
    });

    it("lets only this account's alarms of the topic's region publish to each watch topic", () => {
        for (const topic of ofType(prod, TOPIC).filter((t) => t.name.startsWith("finding-alerts-watch"))) {
            const policy = single(prod, TOPIC_POLICY, (p) => p.name === `${topic.name}-policy`);
            const [statement, ...more] = JSON.parse(policy.inputs.policy as string).Statement;
            assert.equal(more.length, 0);
            assert.deepEqual(statement.Principal, { Service: "cloudwatch.amazonaws.com" });
            assert.equal(statement.Action, "sns:Publish");
            assert.equal(
                statement.Condition.ArnLike["aws:SourceArn"],
                `arn:aws:cloudwatch:${regionOf(prod, topic)}:${prod.accounts.securityAdmin}:alarm:security-governance-*`,
            );
        }
    });

    it("tells the alert and paging addresses by default, and the configured ones instead", async () => {
        const emails = (planned: PlanDocument) =>
            ofType(planned, SUBSCRIPTION)
                .filter((s) => s.name.startsWith("finding-alerts-watch-") && s.inputs.protocol === "email")
                .map((s) => s.inputs.endpoint)
                .sort();
        const alertAndPage = ofType(prod, SUBSCRIPTION)
            .filter((s) => s.inputs.protocol === "email" && !s.name.startsWith("finding-alerts-watch-"))
            .map((s) => s.inputs.endpoint as string);
        assert.deepEqual(emails(prod), [...new Set(alertAndPage)].sort());
        const chosen = await plan("dev", {
            configOverrides: { "security-governance:monitoring": { emails: ["watch@example.com"] } },
        });
        assert.deepEqual(emails(chosen), ["watch@example.com"]);
    });

    it("raises the coverage heartbeat when no report was written for three hours, silence included", () => {
        const [heartbeat] = ofType(prod, ALARM).filter((a) => a.inputs.metricName === "ReportsWritten");
        assert.equal(heartbeat.inputs.namespace, "SecurityGovernance/Coverage");
        assert.equal(heartbeat.inputs.treatMissingData, "breaching");
        assert.equal(heartbeat.inputs.comparisonOperator, "LessThanThreshold");
        assert.equal(
            (heartbeat.inputs.period as number) * (heartbeat.inputs.evaluationPeriods as number),
            3 * 3600,
        );
    });

    it("describes each alarm: what failed, of which thing, and where the guide says what to do", () => {
        const KINDS =
            /^security-governance-(delivery|dead-letters-lost|dead-letters|errors|throttles|duration|async-dropped|destination|queue-depth|queue-age|notifications|heartbeat|drill)-(.+)$/;
        for (const alarm of ofType(prod, ALARM)) {
            const name = nameOf(alarm);
            const [, kind, what] = KINDS.exec(name) ?? [];
            assert.ok(kind, name);
            const description = String(alarm.inputs.alarmDescription);
            assert.ok(description.endsWith(` What to do: docs/operations.md#alarms (${kind}).`), description);
            assert.ok(description.length <= 1024, `${name}: PutMetricAlarm takes at most 1,024 characters`);
            const dimension = Object.values(alarm.inputs.dimensions as Record<string, string>)[0];
            // The thing watched is named: the function, queue or topic itself, or what the rule delivers.
            if (
                [
                    "errors",
                    "throttles",
                    "duration",
                    "async-dropped",
                    "destination",
                    "queue-depth",
                    "queue-age",
                ].includes(kind)
            )
                assert.ok(description.includes(dimension), `${name}: ${description}`);
            assert.ok(name.length <= 255 && what.length > 0, name);
        }
    });

    it("alarms when a weekly drill fails, and not between drills", async () => {
        const [drill, ...more] = ofType(prod, ALARM).filter(
            (a) => a.inputs.namespace === "SecurityGovernance/Drill",
        );
        assert.equal(more.length, 0);
        assert.equal(drill.inputs.metricName, "DrillPassed");
        assert.equal(drill.inputs.statistic, "Minimum");
        assert.equal(drill.inputs.comparisonOperator, "LessThanThreshold");
        assert.equal(drill.inputs.threshold, 1);
        assert.equal(drill.inputs.treatMissingData, "notBreaching");
        assert.deepEqual(drill.inputs.alarmActions, [topicArn(prod, watchTopic(prod))]);
        const off = await plan("dev", {
            configOverrides: { "security-governance:drill": { enabled: false } },
        });
        assert.equal(
            ofType(off, ALARM).filter((a) => a.inputs.namespace === "SecurityGovernance/Drill").length,
            0,
        );
    });

    it("shows every alarm, every coverage row and the responder's decisions on one dashboard", async () => {
        const dashboard = single(prod, "aws:cloudwatch/dashboard:Dashboard");
        const body = JSON.parse(dashboard.inputs.dashboardBody as string) as {
            widgets: { type: string; properties: Record<string, unknown> }[];
        };
        const shown = body.widgets
            .filter((w) => w.type === "alarm")
            .flatMap((w) => w.properties.alarms as string[]);
        const alarms = ofType(prod, ALARM).map(
            (a) => `arn:aws:cloudwatch:${a.inputs.region}:${prod.accounts.securityAdmin}:alarm:${nameOf(a)}`,
        );
        assert.deepEqual([...shown].sort(), [...alarms].sort());
        for (const w of body.widgets.filter((w) => w.type === "alarm"))
            assert.ok((w.properties.alarms as string[]).length <= 100);
        const guardduty = body.widgets.find((w) => String(w.properties.title).startsWith("guardduty"));
        assert.equal((guardduty?.properties.metrics as unknown[]).length, prod.regions.length);
        assert.ok(
            body.widgets.some((w) => w.type === "log"),
            "the responder's decisions",
        );
        const drill = body.widgets.find((w) =>
            JSON.stringify(w.properties.metrics ?? []).includes("DrillPassed"),
        );
        assert.deepEqual(
            (drill?.properties.metrics as unknown[][]).map((row) => row.slice(0, 2)),
            [
                ["SecurityGovernance/Drill", "DrillPassed"],
                ["SecurityGovernance/Drill", "DrillDeliverySeconds"],
            ],
        );
        for (const name of ofType(prod, ALARM).map(nameOf))
            assert.equal(name.split("security-governance-").length, 2, `${name}: the prefix once`);
        const off = await plan("dev", {
            configOverrides: { "security-governance:monitoring": { dashboard: false } },
        });
        assert.equal(ofType(off, "aws:cloudwatch/dashboard:Dashboard").length, 0);
    });

    it("counts each decision the responder logs, by the query the dashboard runs", () => {
        const decision = (verdict: DecisionRecord["verdict"], action: DecisionRecord["action"]) =>
            ({
                verdict,
                action,
                mode: "act",
                findingId: "f",
                eventId: "e",
                occurrence: "1",
                decidedAt: "",
                key: "k",
            }) as DecisionRecord;
        const lines = decisionLines([
            decision("act", "blockRemoteAddress"),
            decision("skip", "isolateInstance"),
        ]);
        // The query's regular expression, as Logs Insights reads it (named groups, first match per line).
        const source = /parse @message \/(.*)\/ \|/.exec(decisionsQuery("/aws/lambda/x"))?.[1];
        assert.ok(source);
        const parsed = lines.map((line) => ({
            ...new RegExp(source).exec(`2026-12-07T00:00:00Z\tid\tINFO\t${line}`)?.groups,
        }));
        assert.deepEqual(parsed, [
            { verdict: "act", action: "blockRemoteAddress" },
            { verdict: "skip", action: "isolateInstance" },
        ]);
    });
});
