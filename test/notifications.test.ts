import { strict as assert } from "node:assert";
import { matches } from "./helpers/event-pattern";
import { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { DEFAULT_ALWAYS_ALERT_ON } from "../stacks/config";
import {
    ALERT_INPUT_PATHS,
    ALERT_INPUT_TEMPLATES,
    drillSampleTemplate,
    findingAlertPattern,
} from "../components/notifications";
import type { PolicyDocument, PolicyStatement } from "../components/policy-documents";
import { inRegion, ofType, plan, single } from "./helpers/plan";

const KEY = "aws:kms/key:Key";
const TOPIC = "aws:sns/topic:Topic";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const ROLE = "aws:iam/role:Role";
/** The notification component's resources, not the enrollment function's schedule and role. */
/** GuardDuty's alert resources: the other services' are named finding-alerts-<service>-* (test/service-alerts). */
const ofAlerts = (r: PlannedResource) =>
    r.name.startsWith("finding-alerts") &&
    !/^finding-alerts-(macie|inspector|securityhub|paging|watch)-/.test(r.name);
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

type Pattern = Record<string, unknown>;

function finding(
    severity: number,
    type: string,
    source = "aws.guardduty",
    service: { archived: boolean; count: number } = { archived: false, count: 1 },
): Record<string, unknown> {
    return {
        source,
        "detail-type": "GuardDuty Finding",
        region: "us-east-2",
        detail: { severity, type, accountId: "444444444444", region: "us-east-2", id: "abc", service },
    };
}

function statements(policy: unknown): PolicyStatement[] {
    return (JSON.parse(policy as string) as PolicyDocument).Statement;
}

function providerName(resource: PlannedResource): string | undefined {
    return resource.provider?.split("::")[3];
}

describe("finding notifications", () => {
    describe("the alert pattern", () => {
        const pattern = findingAlertPattern(7, DEFAULT_ALWAYS_ALERT_ON) as Pattern;

        it("alerts on GuardDuty findings at or above the minimum severity", () => {
            assert.ok(matches(pattern, finding(7, "Recon:EC2/Portscan")));
            assert.ok(matches(pattern, finding(8.5, "Recon:EC2/Portscan")));
            assert.ok(!matches(pattern, finding(6.9, "Recon:EC2/Portscan")));
            assert.ok(!matches(pattern, finding(9, "Recon:EC2/Portscan", "aws.securityhub")));
        });

        it("alerts on every always-alert type whatever its severity, and on nothing similar", () => {
            for (const type of DEFAULT_ALWAYS_ALERT_ON) assert.ok(matches(pattern, finding(2, type)), type);
            assert.ok(!matches(pattern, finding(2, "CryptoCurrency:EC2/BitcoinTool.B!DNSX")));
            assert.ok(!matches(pattern, finding(2, "UnauthorizedAccess:EC2/MaliciousIPCaller")));
        });

        it("never pages again for a finding an analyst archived, whatever its severity or type", () => {
            const archived = { archived: true, count: 5 };
            assert.ok(!matches(pattern, finding(8, "Recon:EC2/Portscan", "aws.guardduty", archived)));
            assert.ok(!matches(pattern, finding(8, DEFAULT_ALWAYS_ALERT_ON[1], "aws.guardduty", archived)));
            assert.ok(
                matches(
                    pattern,
                    finding(8, "Recon:EC2/Portscan", "aws.guardduty", { archived: false, count: 5 }),
                ),
            );
        });

        it("alerts on every hit of the organization's own threat lists (*.Custom) below HIGH", () => {
            for (const type of [
                "Recon:IAMUser/MaliciousIPCaller.Custom",
                "Discovery:S3/MaliciousIPCaller.Custom",
                "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
            ]) {
                assert.ok(matches(pattern, finding(2, type)), type);
            }
            assert.ok(!matches(pattern, finding(2, "Recon:IAMUser/MaliciousIPCaller")));
        });

        it("adds alwaysAlertOn to the high-priority defaults instead of replacing them", () => {
            const extended = findingAlertPattern(9, ["Recon:EC2/Portscan"]) as Pattern;
            assert.ok(matches(extended, finding(2, "Recon:EC2/Portscan")));
            for (const type of DEFAULT_ALWAYS_ALERT_ON) assert.ok(matches(extended, finding(2, type)), type);
            assert.ok(!matches(extended, finding(8, "Recon:EC2/PortProbeUnprotectedPort")));
        });
    });

    describe("the e-mail", () => {
        it("fills every placeholder from the finding, one readable line each", () => {
            for (const template of Object.values(ALERT_INPUT_TEMPLATES)) {
                const placeholders = [...template.matchAll(/<([A-Za-z]+)>/g)].map((m) => m[1]);
                assert.deepEqual([...new Set(placeholders)].sort(), Object.keys(ALERT_INPUT_PATHS).sort());
                for (const name of Object.keys(ALERT_INPUT_PATHS)) assert.ok(!/^aws/i.test(name), name);
                for (const line of template.split("\n")) {
                    assert.equal(typeof JSON.parse(line), "string", `each line is one JSON string: ${line}`);
                }
                for (const field of ["Severity", "Type", "Account", "Region", "Resource", "Console"]) {
                    assert.match(template, new RegExp(`"${field}`));
                }
                assert.match(
                    template,
                    /https:\/\/<region>\.console\.aws\.amazon\.com\/guardduty\/.*fId=<findingId>/,
                );
            }
            assert.match(ALERT_INPUT_TEMPLATES.new, /^"NEW GuardDuty finding: <title>"\n/);
            assert.match(
                ALERT_INPUT_TEMPLATES.update,
                /^"UPDATED GuardDuty finding, occurrence <count>: <title>"\n/,
            );
        });
    });

    describe("in the planned stacks", () => {
        let dev: PlanDocument;
        let prod: PlanDocument;
        let singleRegion: PlanDocument;
        before(async () => {
            dev = await plan("dev");
            prod = await plan("prod");
            singleRegion = await plan("dev", {
                configOverrides: { "security-governance:regions": ["eu-west-1"] },
            });
        });

        const alertKey = (planned: PlanDocument) =>
            single(planned, KEY, (r) => r.name === "finding-alerts-key");
        const homeRule = (planned: PlanDocument, occurrence: "new" | "update" | "sample" = "new") =>
            single(
                planned,
                RULE,
                (r) =>
                    r.name ===
                    `finding-alerts-${planned.homeRegion}${{ new: "", update: "-updates", sample: "-samples" }[occurrence]}`,
            );

        it("encrypts the topic with its own rotating, protected key that EventBridge may use for our account", () => {
            for (const planned of [dev, prod]) {
                const key = alertKey(planned);
                assert.equal(key.inputs.region, planned.homeRegion);
                assert.equal(key.inputs.enableKeyRotation, true);
                assert.equal(key.protect, true);
                assert.equal(key.retainOnDelete, true);
                const admin = planned.accounts.securityAdmin;
                assert.deepEqual(JSON.parse(key.inputs.policy as string), {
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "AdministerFromSecurityAccount",
                            Effect: "Allow",
                            Principal: { AWS: `arn:aws:iam::${admin}:root` },
                            Action: "kms:*",
                            Resource: "*",
                        },
                        {
                            // No source condition: SNS does not support one for EventBridge (sns-key-management).
                            Sid: "EventBridgePublishesToEncryptedTopic",
                            Effect: "Allow",
                            Principal: { Service: "events.amazonaws.com" },
                            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                            Resource: "*",
                        },
                        {
                            // The watch topic's own failed deliveries alarm to this topic.
                            Sid: "AlarmsPublishToEncryptedTopic",
                            Effect: "Allow",
                            Principal: { Service: "cloudwatch.amazonaws.com" },
                            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                            Resource: "*",
                            Condition: { StringEquals: { "aws:SourceAccount": admin } },
                        },
                    ],
                });
                const events = statements(key.inputs.policy).find(
                    (s) => s.Sid === "EventBridgePublishesToEncryptedTopic",
                );
                assert.deepEqual(events?.Principal, { Service: "events.amazonaws.com" });
                assert.deepEqual(events?.Action, ["kms:Decrypt", "kms:GenerateDataKey*"]);
                assert.equal(events?.Condition, undefined);
                const topic = single(planned, TOPIC, ofAlerts);
                assert.equal(topic.inputs.region, planned.homeRegion);
                assert.match(topic.inputs.kmsMasterKeyId as string, /^arn:aws:kms:[a-z0-9-]+:\d{12}:key\//);
                assert.equal(providerName(topic), "security");
            }
        });

        it("lets only EventBridge, for our home-region alert rules in our account, publish to the topic", () => {
            for (const planned of [dev, prod]) {
                const topic = single(planned, TOPIC, ofAlerts);
                const policy = single(planned, TOPIC_POLICY, ofAlerts);
                // GuardDuty's three (new, updates, samples), then one per other service, in the order made.
                const others = ["macie", "inspector", "securityhub"].map((service) =>
                    single(
                        planned,
                        RULE,
                        (r) => r.name === `finding-alerts-${service}-${planned.homeRegion}`,
                    ),
                );
                const ruleArn = [
                    homeRule(planned, "new"),
                    homeRule(planned, "update"),
                    homeRule(planned, "sample"),
                    ...others,
                ].map(
                    (rule) =>
                        `arn:aws:events:${planned.homeRegion}:${planned.accounts.securityAdmin}:rule/${rule.name}`,
                );
                const topicArn = `arn:aws:sns:${planned.homeRegion}:${planned.accounts.securityAdmin}:${topic.name}`;
                assert.equal(policy.inputs.arn, topicArn);
                assert.deepEqual(statements(policy.inputs.policy), [
                    {
                        Sid: "EventBridgePublishesFindingAlerts",
                        Effect: "Allow",
                        Principal: { Service: "events.amazonaws.com" },
                        Action: "sns:Publish",
                        Resource: topicArn,
                        Condition: {
                            StringEquals: { "aws:SourceAccount": planned.accounts.securityAdmin },
                            ArnEquals: { "aws:SourceArn": ruleArn },
                        },
                    },
                    {
                        // The one alarm on the watch topic's own deliveries, in the home region.
                        Sid: "AlarmsPublish",
                        Effect: "Allow",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: "sns:Publish",
                        Resource: topicArn,
                        Condition: {
                            ArnLike: {
                                "aws:SourceArn": `arn:aws:cloudwatch:${planned.homeRegion}:${planned.accounts.securityAdmin}:alarm:security-governance-*`,
                            },
                        },
                    },
                ]);
            }
        });

        it("subscribes every configured address by e-mail", () => {
            const subscriptions = ofType(prod, SUBSCRIPTION).filter(ofAlerts);
            assert.deepEqual(subscriptions.map((s) => s.inputs.endpoint).sort(), [
                "secops@example.com",
                "security-oncall@example.com",
            ]);
            for (const subscription of subscriptions) {
                assert.equal(subscription.inputs.protocol, "email");
                assert.equal(
                    subscription.inputs.topic,
                    `arn:aws:sns:${prod.homeRegion}:${prod.accounts.securityAdmin}:${single(prod, TOPIC, ofAlerts).name}`,
                );
            }
            assert.deepEqual(
                ofType(dev, SUBSCRIPTION)
                    .filter(ofAlerts)
                    .filter((s) => s.inputs.protocol === "email")
                    .map((s) => s.inputs.endpoint),
                ["secops-dev@example.com"],
            );
        });

        it("matches the configured findings in every governed region, new and updated apart at home", () => {
            for (const planned of [dev, prod]) {
                const rules = ofType(planned, RULE).filter(ofAlerts);
                const expected = [...planned.regions, planned.homeRegion, planned.homeRegion].sort();
                assert.deepEqual(rules.map((r) => r.inputs.region).sort(), expected);
                for (const rule of rules) {
                    const pattern = JSON.parse(rule.inputs.eventPattern as string) as Pattern;
                    const service = (pattern.detail as Pattern).service;
                    if (rule.inputs.region !== planned.homeRegion) {
                        assert.deepEqual(service, { archived: [false] });
                    }
                    for (const [count, sampled] of [
                        [1, false],
                        [2, false],
                        [1, true],
                        [2, true],
                    ] as const) {
                        const here = {
                            archived: false,
                            count,
                            ...(sampled ? { additionalInfo: { sample: true } } : {}),
                        };
                        // A rule matches an event, new, update or sample, exactly when its occurrence says so.
                        const home = rule.inputs.region === planned.homeRegion;
                        const wanted =
                            !home ||
                            (rule.name.endsWith("-samples")
                                ? sampled
                                : !sampled && (rule.name.endsWith("-updates") ? count > 1 : count === 1));
                        const custom = finding(
                            2,
                            "Recon:IAMUser/MaliciousIPCaller.Custom",
                            "aws.guardduty",
                            here,
                        );
                        assert.equal(
                            matches(pattern, custom),
                            wanted,
                            `${rule.name} count ${count} sampled ${sampled}`,
                        );
                        assert.equal(
                            matches(pattern, finding(7, "Recon:EC2/Portscan", "aws.guardduty", here)),
                            wanted,
                            `${rule.name} count ${count} sample ${sampled}`,
                        );
                        assert.ok(!matches(pattern, finding(6, "Recon:EC2/Portscan", "aws.guardduty", here)));
                    }
                }
            }
        });

        it("sends the home region's new findings and updates to the topic, each with its own e-mail", () => {
            for (const planned of [dev, prod]) {
                const topic = single(planned, TOPIC, ofAlerts);
                for (const occurrence of ["new", "update", "sample"] as const) {
                    const rule = homeRule(planned, occurrence);
                    const target = single(
                        planned,
                        TARGET,
                        (t) => t.inputs.region === planned.homeRegion && t.inputs.rule === rule.name,
                    );
                    assert.equal(
                        target.inputs.arn,
                        `arn:aws:sns:${planned.homeRegion}:${planned.accounts.securityAdmin}:${topic.name}`,
                    );
                    assert.deepEqual(target.inputs.inputTransformer, {
                        inputPaths: ALERT_INPUT_PATHS,
                        // Both stacks run the weekly drill: its type's samples say a drill makes them.
                        inputTemplate:
                            occurrence === "sample"
                                ? drillSampleTemplate("CryptoCurrency:EC2/BitcoinTool.B")
                                : ALERT_INPUT_TEMPLATES[occurrence],
                    });
                    assert.ok(target.dependsOn.includes(single(planned, TOPIC_POLICY, ofAlerts).urn));
                }
                assert.equal(
                    ofType(planned, TARGET).filter((r) => ofAlerts(r) && inRegion(planned.homeRegion)(r))
                        .length,
                    3,
                );
            }
        });

        it("forwards every other region's matches to the home region's default bus through one role", () => {
            for (const planned of [dev, prod]) {
                const admin = planned.accounts.securityAdmin;
                const bus = `arn:aws:events:${planned.homeRegion}:${admin}:event-bus/default`;
                const role = single(planned, ROLE, ofAlerts);
                const trust = statements(role.inputs.assumeRolePolicy)[0];
                assert.deepEqual(trust.Principal, { Service: "events.amazonaws.com" });
                assert.deepEqual(trust.Condition, { StringEquals: { "aws:SourceAccount": admin } });
                const rolePolicy = single(planned, ROLE_POLICY, ofAlerts);
                assert.deepEqual(statements(rolePolicy.inputs.policy), [
                    { Effect: "Allow", Action: "events:PutEvents", Resource: bus },
                ]);
                const others = planned.regions.filter((region) => region !== planned.homeRegion);
                for (const region of others) {
                    const target = single(planned, TARGET, (r) => ofAlerts(r) && inRegion(region)(r));
                    assert.equal(target.inputs.arn, bus);
                    assert.equal(target.inputs.roleArn, `arn:aws:iam::${admin}:role/${role.name}`);
                    assert.equal(
                        target.inputs.rule,
                        single(planned, RULE, (r) => ofAlerts(r) && inRegion(region)(r)).name,
                    );
                    assert.ok(target.dependsOn.includes(rolePolicy.urn));
                }
                assert.equal(ofType(planned, TARGET).filter(ofAlerts).length, planned.regions.length + 2);
            }
        });

        it("needs no forwarding rule or role in a single-region organization", () => {
            assert.equal(ofType(singleRegion, RULE).filter(ofAlerts).length, 3);
            assert.equal(ofType(singleRegion, TARGET).filter(ofAlerts).length, 3);
            assert.equal(ofType(singleRegion, ROLE).filter(ofAlerts).length, 0);
        });

        it("follows the configured threshold and types", async () => {
            const custom = await plan("dev", {
                configOverrides: {
                    "security-governance:notifications": {
                        emails: [],
                        minSeverity: 9,
                        alwaysAlertOn: ["Recon:EC2/Portscan"],
                    },
                },
            });
            const types = [...DEFAULT_ALWAYS_ALERT_ON, "Recon:EC2/Portscan"].sort();
            for (const rule of ofType(custom, RULE).filter(ofAlerts)) {
                const count =
                    rule.inputs.region !== custom.homeRegion
                        ? {}
                        : rule.name.endsWith("-samples")
                          ? { additionalInfo: { sample: [true] } }
                          : {
                                count: [{ numeric: rule.name.endsWith("-updates") ? [">", 1] : ["=", 1] }],
                                additionalInfo: { sample: [{ exists: false }, false] },
                            };
                assert.deepEqual(JSON.parse(rule.inputs.eventPattern as string), {
                    source: ["aws.guardduty"],
                    "detail-type": ["GuardDuty Finding"],
                    detail: {
                        service: { archived: [false], ...count },
                        $or: [
                            { severity: [{ numeric: [">=", 9] }] },
                            { type: [...types, { suffix: ".Custom" }] },
                        ],
                    },
                });
            }
            assert.equal(
                ofType(custom, SUBSCRIPTION)
                    .filter(ofAlerts)
                    .filter((s) => s.inputs.protocol === "email").length,
                0,
            );
            assert.equal(
                ofType(custom, TOPIC).filter(ofAlerts).length,
                1,
                "the topic stays for other subscribers",
            );
        });
    });
});
