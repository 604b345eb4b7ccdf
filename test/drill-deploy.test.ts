import { strict as assert } from "node:assert";
import {
    DRILL_CHECK_SCHEDULE,
    DRILL_DELIVERY_SECONDS_METRIC,
    DRILL_FUNCTION_NAME,
    DRILL_NAMESPACE,
    DRILL_PASSED_METRIC,
    inboxPolicy,
} from "../components/drill-function";
import type { IdentityPolicyDocument, PolicyDocument } from "../components/policy-documents";
import { FAILED_EVENTS_QUEUE } from "../components/response-function";
import { FAILED_EVENTS_QUEUE_NAME } from "../components/guardrail-security-account";
import { METRICS, type DrillSettings } from "../functions/drill/drill";
import type { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { emails, fixtureSamples, type Json } from "./helpers/event-pattern";
import { simulate, type Decision } from "./helpers/iam";
import { ofType, plan, single } from "./helpers/plan";

/*
 * The drill as planned: its resources in prod and dev and none without it, its settings, and its role and inbox
 * policies by IAM simulation (@cloud-copilot/iam-simulate): the calls the drill makes are allowed, and no other.
 */

const byName = (planned: PlanDocument, type: string, name: RegExp) =>
    ofType(planned, type).filter((r) => name.test(r.name));

function drillResources(planned: PlanDocument): PlannedResource[] {
    return planned.resources.filter((r) => /^drill(-|$)/.test(r.name));
}

function settingsOf(planned: PlanDocument): DrillSettings {
    const fn = single(planned, "aws:lambda/function:Function", (r) => r.inputs.name === DRILL_FUNCTION_NAME);
    const environment = fn.inputs.environment as { variables: Record<string, string> };
    return JSON.parse(environment.variables.DRILL_SETTINGS) as DrillSettings;
}

describe("drill: planned", function () {
    this.timeout(120_000);
    let prod: PlanDocument;
    let dev: PlanDocument;
    let off: PlanDocument;
    before(async () => {
        prod = await plan("prod");
        dev = await plan("dev");
        off = await plan("prod", { configOverrides: { "security-governance:drill": { enabled: false } } });
    });

    it("names its metrics as the alarms expect them", () => {
        assert.equal(DRILL_NAMESPACE, "SecurityGovernance/Drill");
        assert.equal(DRILL_PASSED_METRIC, METRICS.passed);
        assert.equal(DRILL_DELIVERY_SECONDS_METRIC, METRICS.deliverySeconds);
        assert.equal(FAILED_EVENTS_QUEUE_NAME, FAILED_EVENTS_QUEUE);
    });

    for (const stack of ["prod", "dev"] as const) {
        it(`${stack}: the function, its inbox subscribed to the alert topic, its start and its check`, () => {
            const planned = stack === "prod" ? prod : dev;
            const home = planned.homeRegion;
            const types = drillResources(planned)
                .map((r) => r.type)
                .sort();
            assert.deepEqual(types, [
                "aws:cloudwatch/eventRule:EventRule",
                "aws:cloudwatch/eventRule:EventRule",
                "aws:cloudwatch/eventTarget:EventTarget",
                "aws:cloudwatch/eventTarget:EventTarget",
                "aws:cloudwatch/logGroup:LogGroup",
                "aws:iam/role:Role",
                "aws:iam/rolePolicy:RolePolicy",
                // Its failed runs' queue, the role's leave to send there, and the on-failure destination.
                "aws:iam/rolePolicy:RolePolicy",
                "aws:lambda/function:Function",
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
                "aws:lambda/permission:Permission",
                "aws:lambda/permission:Permission",
                "aws:sns/topicSubscription:TopicSubscription",
                "aws:sqs/queue:Queue",
                "aws:sqs/queue:Queue",
                "aws:sqs/queuePolicy:QueuePolicy",
                "security-governance:drill:DrillFunction",
            ]);
            const queue = single(planned, "aws:sqs/queue:Queue", (r) => r.name === "drill-inbox");
            assert.equal(queue.inputs.sqsManagedSseEnabled, true);
            assert.equal(queue.inputs.region, home);
            const subscription = single(planned, "aws:sns/topicSubscription:TopicSubscription", (r) =>
                r.name.startsWith("drill-"),
            );
            assert.equal(subscription.inputs.protocol, "sqs");
            assert.equal(subscription.inputs.topic, settingsOf(planned).topicArn);
            assert.match(String(subscription.inputs.topic), /:finding-alerts-topic$/);
            const targets = byName(planned, "aws:cloudwatch/eventTarget:EventTarget", /^drill-/).map(
                (t) => JSON.parse(String(t.inputs.input)) as unknown,
            );
            assert.deepEqual(targets.sort(), [{ drill: "check" }, { drill: "start" }].sort());
            const rules = byName(planned, "aws:cloudwatch/eventRule:EventRule", /^drill-/).map(
                (r) => r.inputs.scheduleExpression,
            );
            assert.deepEqual(rules.sort(), ["cron(0 9 ? * MON *)", DRILL_CHECK_SCHEDULE].sort());
            const settings = settingsOf(planned);
            assert.equal(settings.findingType, "CryptoCurrency:EC2/BitcoinTool.B");
            assert.equal(settings.boundMinutes, 20, "FIFTEEN_MINUTES plus 5");
            assert.equal(settings.store.prefix, "coverage/drill/");
        });
    }

    it("checks the responder in prod (isolateInstance names the type) and says why not in dev (no remediation)", () => {
        assert.equal(settingsOf(prod).responder?.prefix, "responses/");
        assert.equal(settingsOf(dev).responder, undefined);
        assert.match(settingsOf(dev).responderNote ?? "", /no remediation section/);
        // The responder's rule lets the drill's samples in, of that type alone.
        const rule = single(
            prod,
            "aws:cloudwatch/eventRule:EventRule",
            (r) => r.name === "response-findings",
        );
        const pattern = JSON.parse(String(rule.inputs.eventPattern)) as { detail: { $or?: unknown[] } };
        assert.deepEqual(pattern.detail.$or?.[1], {
            type: ["CryptoCurrency:EC2/BitcoinTool.B"],
            title: [{ prefix: "[SAMPLE]" }],
        });
    });

    it("is absent with drill.enabled false, and the other rules are as before it", () => {
        assert.deepEqual(drillResources(off), []);
        // Everything else is as before, but the drill's failure alarms and the dashboard that lists them.
        const rest = (planned: PlanDocument) =>
            planned.resources
                .filter((r) => !drillResources(planned).includes(r))
                .filter(
                    (r) =>
                        ![
                            "aws:cloudwatch/metricAlarm:MetricAlarm",
                            "aws:cloudwatch/dashboard:Dashboard",
                        ].includes(r.type),
                )
                .map((r) => `${r.type} ${r.name}`)
                .sort();
        assert.deepEqual(rest(off), rest(prod));
        const alarms = (planned: PlanDocument) =>
            planned.resources
                .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
                .map((r) => r.name);
        assert.deepEqual(
            alarms(off),
            alarms(prod).filter((name) => !name.includes("drill")),
        );
        const rule = single(off, "aws:cloudwatch/eventRule:EventRule", (r) => r.name === "response-findings");
        assert.equal(
            Object.hasOwn((JSON.parse(String(rule.inputs.eventPattern)) as { detail: object }).detail, "$or"),
            false,
        );
        const samples = single(off, "aws:cloudwatch/eventRule:EventRule", (r) => r.name.endsWith("-samples"));
        assert.doesNotMatch(String(samples.inputs.eventPattern), /"CryptoCurrency:EC2\/BitcoinTool.B"\]/);
    });

    it("alerts a sample of the drill's type whatever its severity, and says a drill makes such samples", async () => {
        const type = "Recon:EC2/PortProbeUnprotectedPort";
        const drilled = await plan("dev", {
            configOverrides: { "security-governance:drill": { findingType: type } },
        });
        const event = structuredClone(fixtureSamples("guardduty-events.json")[0].event);
        const low = (planned: PlanDocument): Json => {
            const copy = structuredClone(event);
            copy.region = planned.homeRegion;
            Object.assign(copy.detail as Json, { region: planned.homeRegion, type, severity: 2 });
            ((copy.detail as Json).service as Json).additionalInfo = { sample: true };
            return copy;
        };
        const mails = emails(drilled, low(drilled));
        assert.equal(mails.length, 1);
        assert.match(
            mails[0][0],
            /^SAMPLE GuardDuty finding \(DRILL or test, not an incident: the weekly drill makes a Recon:EC2\/PortProbeUnprotectedPort sample/,
        );
        // Below dev's threshold and of no always-alert type: without the drill, no e-mail.
        assert.deepEqual(emails(dev, low(dev)), []);
    });

    describe("its role, by IAM simulation, as planned in prod", () => {
        let policy: IdentityPolicyDocument;
        let settings: DrillSettings;
        let security: string;
        before(() => {
            const rolePolicy = single(
                prod,
                "aws:iam/rolePolicy:RolePolicy",
                (r) => r.name === "drill-permissions",
            );
            policy = JSON.parse(String(rolePolicy.inputs.policy)) as IdentityPolicyDocument;
            settings = settingsOf(prod);
            security = settings.inboxUrl.split("/")[3];
        });

        async function asDrill(
            action: string,
            resource: string,
            context: Record<string, string> = {},
        ): Promise<Decision> {
            // A key decides with its key policy: here one that lets the account's IAM policies decide.
            const keyPolicy: PolicyDocument = {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "Account",
                        Effect: "Allow",
                        Principal: { AWS: `arn:aws:iam::${security}:root` },
                        Action: "kms:*",
                        Resource: "*",
                    },
                ],
            };
            const outcome = await simulate(
                {
                    principal: `arn:aws:iam::${security}:role/${DRILL_FUNCTION_NAME}-${prod.homeRegion}`,
                    action,
                    resource,
                    resourceAccount: security,
                    context,
                    identityPolicies: [{ name: "drill", policy }],
                },
                action.startsWith("kms:") ? keyPolicy : undefined,
            );
            return outcome.decision;
        }

        it("allows exactly the drill's own calls", async () => {
            const home = prod.homeRegion;
            const bucket = `arn:aws:s3:::${settings.store.bucket}`;
            const inbox = `arn:aws:sqs:${home}:${security}:security-governance-drill-inbox`;
            const inHome = { "aws:RequestedRegion": home };
            const allowed: [string, string, Record<string, string>][] = [
                ["guardduty:ListDetectors", "*", inHome],
                ["guardduty:CreateSampleFindings", "*", inHome],
                ["guardduty:GetFindings", "*", inHome],
                ["guardduty:ListFindings", "*", inHome],
                ["sqs:ReceiveMessage", inbox, {}],
                ["sqs:DeleteMessage", inbox, {}],
                ["s3:PutObject", `${bucket}/coverage/drill/latest.json`, {}],
                ["s3:GetObject", `${bucket}/coverage/drill/state.json`, {}],
                ["s3:ListBucket", bucket, { "s3:prefix": "coverage/drill/state.json" }],
                ["s3:ListBucket", bucket, { "s3:prefix": "responses/decisions/2026-03-02/f1/" }],
                [
                    "s3:GetObject",
                    `${bucket}/responses/decisions/2026-03-02/f1/isolateInstance-skip-e.json`,
                    {},
                ],
                ["kms:GenerateDataKey", settings.store.kmsKeyArn, {}],
                ["sns:GetTopicAttributes", settings.topicArn, {}],
                ["cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": DRILL_NAMESPACE }],
            ];
            for (const [action, resource, context] of allowed)
                assert.equal(await asDrill(action, resource, context), "Allowed", `${action} ${resource}`);
            const denied: [string, string, Record<string, string>][] = [
                ["guardduty:CreateSampleFindings", "*", { "aws:RequestedRegion": "eu-west-1" }],
                ["guardduty:UpdateFindingsFeedback", "*", inHome],
                ["guardduty:ArchiveFindings", "*", inHome],
                ["sqs:SendMessage", inbox, {}],
                ["sqs:DeleteMessage", `arn:aws:sqs:${home}:${security}:${FAILED_EVENTS_QUEUE}`, {}],
                ["s3:PutObject", `${bucket}/coverage/latest.json`, {}],
                ["s3:PutObject", `${bucket}/responses/decisions/2026-03-02/f1/x.json`, {}],
                ["s3:GetObject", `${bucket}/responses/done/x.json`, {}],
                ["s3:ListBucket", bucket, { "s3:prefix": "responses/done/" }],
                ["sns:Publish", settings.topicArn, {}],
                ["cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "SecurityGovernance/Coverage" }],
            ];
            for (const [action, resource, context] of denied)
                assert.equal(
                    await asDrill(action, resource, context),
                    "ImplicitlyDenied",
                    `${action} ${resource}`,
                );
        });

        it("lets only the alert topic send to the inbox", async () => {
            const home = prod.homeRegion;
            const inbox = `arn:aws:sqs:${home}:${security}:security-governance-drill-inbox`;
            const document = inboxPolicy(inbox, settings.topicArn);
            const queuePolicy = single(
                prod,
                "aws:sqs/queuePolicy:QueuePolicy",
                (r) => r.name === "drill-inbox-policy",
            );
            assert.deepEqual(JSON.parse(String(queuePolicy.inputs.policy)), document);
            const send = async (
                principal: string,
                sourceArn?: string,
                policies: IdentityPolicyDocument[] = [],
            ) =>
                (
                    await simulate(
                        {
                            principal,
                            action: "sqs:SendMessage",
                            resource: inbox,
                            resourceAccount: security,
                            context:
                                sourceArn === undefined
                                    ? {}
                                    : { "aws:SourceArn": sourceArn, "aws:SourceAccount": security },
                            identityPolicies: policies.map((p, i) => ({ name: `p${i}`, policy: p })),
                        },
                        document,
                    )
                ).decision;
            assert.equal(await send("sns.amazonaws.com", settings.topicArn), "Allowed");
            assert.equal(
                await send("sns.amazonaws.com", `arn:aws:sns:${home}:${security}:other`),
                "ExplicitlyDenied",
            );
            const everything: IdentityPolicyDocument = {
                Version: "2012-10-17",
                Statement: [{ Sid: "Everything", Effect: "Allow", Action: "sqs:*", Resource: "*" }],
            };
            assert.equal(
                await send(`arn:aws:iam::${security}:role/SecurityAnalyst`, undefined, [everything]),
                "ExplicitlyDenied",
                "an administrator of the account cannot forge the alert's copy",
            );
        });
    });
});
