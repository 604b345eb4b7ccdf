import { strict as assert } from "node:assert";
import { bundleFunction } from "../components/function-bundle";
import type { DeployedResponderSettings } from "../functions/response/handler";
import type { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { matches } from "./helpers/event-pattern";
import { memberRoleTargets } from "../components/response-member-role";
import { plan, single, ofFindingsBucket } from "./helpers/plan";
import { responderSettings } from "./helpers/response-world";
import { findingEvent, sampleEvent } from "./helpers/response";

/*
 * The responder as `npm run plan` deploys it (index.ts under the mock runtime): which findings reach it, the
 * forwarding that brings them to the home region, the settings it runs with, and the member role's StackSet.
 */

const FUNCTION = "aws:lambda/function:Function";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const STACK_SET = "aws:cloudformation/stackSet:StackSet";
const RESPONSE = (r: PlannedResource) => r.name.startsWith("response");

function settingsOf(fn: PlannedResource): DeployedResponderSettings {
    const variables = (fn.inputs.environment as { variables?: Record<string, unknown> }).variables ?? {};
    assert.equal(typeof variables.RESPONDER_SETTINGS, "string");
    return JSON.parse(variables.RESPONDER_SETTINGS as string) as DeployedResponderSettings;
}

const pattern = (r: PlannedResource) => JSON.parse(String(r.inputs.eventPattern)) as Record<string, unknown>;
const detailTypes = (r: PlannedResource): unknown[] => {
    const detail = pattern(r).detail as { $or?: { type?: unknown[] }[]; type?: unknown[] };
    return detail.type ?? detail.$or?.flatMap((branch) => branch.type ?? []) ?? [];
};

/** The prod stack's rungs (Pulumi.prod.yaml): dry-run for addresses and buckets, notify for the rest. */
const PROD_TYPES = [
    "CryptoCurrency:EC2/BitcoinTool.B",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "CryptoCurrency:Runtime/BitcoinTool.B",
    "CryptoCurrency:Runtime/BitcoinTool.B!DNS",
    "Policy:S3/BucketAnonymousAccessGranted",
    "Policy:S3/BucketBlockPublicAccessDisabled",
    "Policy:S3/BucketPublicAccessGranted",
    "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
];

describe("the responder, as the plan deploys it", () => {
    let dev: PlanDocument;
    let prod: PlanDocument;
    before(async () => {
        dev = await plan("dev");
        prod = await plan("prod");
    });

    it("is not deployed without a remediation section: nothing responds", () => {
        assert.deepEqual(
            dev.resources.filter(RESPONSE).map((r) => r.name),
            [],
        );
        assert.ok(!dev.resources.some((r) => r.type === STACK_SET));
    });

    it("runs the bundled responder in the home region, five runs at a time, hourly for the expiry sweep", () => {
        const fn = single(prod, FUNCTION, RESPONSE);
        assert.equal(fn.inputs.name, "security-governance-responder");
        assert.equal(fn.inputs.region, prod.homeRegion);
        // Five: one at a time decides a burst of 1,000 findings in an hour (npm run bench -- --responder).
        assert.equal(fn.inputs.reservedConcurrentExecutions, 5);
        const bundle = bundleFunction("response/handler");
        assert.equal(fn.inputs.sourceCodeHash, Buffer.from(bundle.sha256, "hex").toString("base64"));
        const schedule = single(prod, RULE, (r) => r.name === "response-schedule");
        assert.equal(schedule.inputs.scheduleExpression, "rate(1 hour)");
    });

    it("is invoked for every responding rung's findings, not archived, whatever their severity", () => {
        const rule = single(prod, RULE, (r) => r.name === "response-findings");
        assert.equal(rule.inputs.region, prod.homeRegion);
        assert.deepEqual(pattern(rule), {
            source: ["aws.guardduty"],
            "detail-type": ["GuardDuty Finding"],
            detail: {
                service: { archived: [false] },
                $or: [
                    { type: PROD_TYPES, title: [{ "anything-but": { prefix: "[SAMPLE]" } }] },
                    // The weekly drill's samples, of its type alone (docs/operations.md, "The weekly drill").
                    { type: ["CryptoCurrency:EC2/BitcoinTool.B"], title: [{ prefix: "[SAMPLE]" }] },
                ],
            },
        });
        // Through EventBridge's matching: a sample (its title "[SAMPLE] ...") never invokes the responder; the
        // same finding with a real title does.
        const real = findingEvent("CryptoCurrency:EC2/BitcoinTool.B!DNS") as unknown as Record<
            string,
            unknown
        >;
        assert.ok(matches(pattern(rule), real));
        const sample = sampleEvent("CryptoCurrency:EC2/BitcoinTool.B!DNS", (d) => {
            d.title = `[SAMPLE] ${d.title ?? ""}`;
        }) as unknown as Record<string, unknown>;
        assert.ok(!matches(pattern(rule), sample));
        // The drill's type as a sample does reach it (the ladder records it as a sample and does nothing).
        const drill = sampleEvent("CryptoCurrency:EC2/BitcoinTool.B!DNS", (d) => {
            d.type = "CryptoCurrency:EC2/BitcoinTool.B";
            d.title = `[SAMPLE] ${d.title ?? ""}`;
        }) as unknown as Record<string, unknown>;
        assert.ok(matches(pattern(rule), drill));
        const target = single(
            prod,
            "aws:cloudwatch/eventTarget:EventTarget",
            (r) => r.name === "response-findings-target",
        );
        assert.equal(target.inputs.rule, rule.inputs.name);
        const permission = single(
            prod,
            "aws:lambda/permission:Permission",
            (r) => r.name === "response-findings-permission",
        );
        assert.equal(permission.inputs.principal, "events.amazonaws.com");
        assert.ok(target.dependsOn.includes(permission.urn));
    });

    it("every other region forwards the responder's findings to the home region; the alerts stay as they were", () => {
        const forwarders = prod.resources.filter(
            (r) =>
                r.type === RULE &&
                r.name.startsWith("finding-alerts-") &&
                // GuardDuty's forwarders; Macie's and Inspector's carry their service in the name.
                !/^finding-alerts-(macie|inspector)-/.test(r.name) &&
                r.inputs.region !== prod.homeRegion,
        );
        assert.equal(forwarders.length, prod.regions.length - 1);
        for (const forwarder of forwarders) {
            const types = detailTypes(forwarder);
            for (const type of PROD_TYPES)
                assert.ok(types.includes(type), `${String(forwarder.inputs.region)} forwards ${type}`);
        }
        // The home rules alert: crypto-mining is not among prod's always-alert types, so it is not alerted below 7.
        const alerts = prod.resources.filter(
            (r) =>
                r.type === RULE &&
                r.name.startsWith("finding-alerts-") &&
                !/^finding-alerts-(macie|inspector|securityhub|paging)-/.test(r.name) &&
                r.inputs.region === prod.homeRegion,
        );
        // New findings, updates, samples.
        assert.equal(alerts.length, 3);
        for (const alert of alerts)
            assert.ok(!detailTypes(alert).includes("Policy:S3/BucketPublicAccessGranted"));
    });

    it("runs with the stack's ladder, never touching the management and security accounts, recording in the findings bucket", () => {
        const settings = settingsOf(single(prod, FUNCTION, RESPONSE));
        assert.equal(settings.remediation.blockRemoteAddress.mode, "dry-run");
        assert.equal(settings.remediation.isolateInstance.mode, "notify");
        assert.deepEqual(settings.remediation.exemptOrganizationalUnits, ["ou-ab12-manualir"]);
        assert.deepEqual(
            Object.keys(settings.neverTouch).sort(),
            [prod.accounts.management, prod.accounts.securityAdmin].sort(),
        );
        assert.equal(settings.records.prefix, "responses/");
        assert.equal(settings.memberRoleName, "security-governance-responder");
        const bucket = single(prod, "aws:s3/bucket:Bucket", ofFindingsBucket);
        assert.equal(settings.records.bucket, bucket.inputs.bucket);
    });

    it("deploys the member role to every account through a service-managed StackSet of the management account", () => {
        const stackSet = single(prod, STACK_SET);
        assert.equal(stackSet.inputs.permissionModel, "SERVICE_MANAGED");
        assert.deepEqual(stackSet.inputs.autoDeployment, {
            enabled: true,
            retainStacksOnAccountRemoval: false,
        });
        assert.deepEqual(stackSet.inputs.capabilities, ["CAPABILITY_NAMED_IAM"]);
        assert.deepEqual(stackSet.ignoreChanges, ["administrationRoleArn"]);
        const management = prod.resources.find(
            (r) => r.type === "pulumi:providers:aws" && r.name === "management",
        );
        assert.ok(management);
        assert.ok(stackSet.provider?.startsWith(`${management.urn}::`));
        const instance = single(prod, "aws:cloudformation/stackSetInstance:StackSetInstance");
        assert.equal(instance.inputs.stackSetInstanceRegion, prod.homeRegion);
        assert.deepEqual(instance.inputs.deploymentTargets, {
            organizationalUnitIds: [prod.organization.rootId],
        });
        assert.ok(instance.provider?.startsWith(`${management.urn}::`));
        // The template grants only what prod's dry-run rungs need.
        const template = JSON.parse(String(stackSet.inputs.templateBody)) as {
            Resources: {
                ResponderRole: {
                    Properties: { Policies: { PolicyDocument: { Statement: { Sid: string }[] } }[] };
                };
            };
        };
        assert.deepEqual(
            template.Resources.ResponderRole.Properties.Policies[0].PolicyDocument.Statement.map(
                (s) => s.Sid,
            ),
            ["ReadNetwork", "BlockAddressesInNetworkAcls", "BlockPublicBuckets"],
        );
    });

    it("no member role while every rung only notifies, and no findings rule while every rung is off", async () => {
        const notifyOnly = await plan("prod", {
            configOverrides: { "security-governance:remediation": {} },
        });
        assert.ok(!notifyOnly.resources.some((r) => r.type === STACK_SET));
        assert.ok(notifyOnly.resources.some((r) => r.name === "response-findings"));
        const off = { mode: "off" };
        const allOff = await plan("prod", {
            configOverrides: {
                "security-governance:remediation": {
                    blockRemoteAddress: off,
                    isolateInstance: off,
                    containCredentials: off,
                    blockPublicBucket: off,
                },
            },
        });
        assert.ok(!allOff.resources.some((r) => r.name === "response-findings"));
        // The sweep stays: blocks made earlier are still lifted when they expire.
        assert.ok(allOff.resources.some((r) => r.name === "response-schedule"));
    });
});

describe("the responder's safety nets, as planned", () => {
    let planned: PlanDocument;
    before(async () => {
        planned = await plan("prod");
    });

    it("an event it cannot handle goes to an encrypted queue kept on delete, from Lambda and from EventBridge", () => {
        const queue = single(planned, "aws:sqs/queue:Queue", RESPONSE);
        assert.equal(queue.inputs.name, "security-governance-responder-failed-events");
        // SQS's longest retention, 14 days; the alert key, which EventBridge and the responder may use.
        assert.equal(queue.inputs.messageRetentionSeconds, 1_209_600);
        assert.ok(String(queue.inputs.kmsMasterKeyId).length > 0);
        assert.equal(queue.retainOnDelete, true);
        const config = single(
            planned,
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
            RESPONSE,
        );
        assert.equal(config.inputs.maximumRetryAttempts, 2);
        assert.equal(config.inputs.maximumEventAgeInSeconds, 21_600);
        const target = single(
            planned,
            "aws:cloudwatch/eventTarget:EventTarget",
            (r) => r.name === "response-findings-target",
        );
        assert.ok(
            target.inputs.deadLetterConfig !== undefined,
            "the findings rule's target has a dead-letter queue",
        );
        const policy = JSON.parse(
            String(single(planned, "aws:sqs/queuePolicy:QueuePolicy", RESPONSE).inputs.policy),
        ) as {
            Statement: { Principal: unknown; Action: string; Condition: Record<string, unknown> }[];
        };
        assert.deepEqual(
            policy.Statement.map((s) => [s.Principal, s.Action]),
            [[{ Service: "events.amazonaws.com" }, "sqs:SendMessage"]],
        );
        assert.ok("ArnEquals" in policy.Statement[0].Condition, "only the findings rule may send");
    });

    it("only the responder's role may write or delete under responses/ of the findings bucket", () => {
        const bucketPolicy = single(planned, "aws:s3/bucketPolicy:BucketPolicy", ofFindingsBucket);
        const document = JSON.parse(String(bucketPolicy.inputs.policy)) as {
            Statement: {
                Sid: string;
                Effect: string;
                Action: string[];
                Resource: string;
                Condition: unknown;
            }[];
        };
        const deny = document.Statement.find((s) => s.Sid === "OnlyTheResponderWritesItsRecords");
        assert.ok(deny);
        assert.equal(deny.Effect, "Deny");
        assert.ok(deny.Resource.endsWith("/responses/*"));
        for (const action of ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"])
            assert.ok(deny.Action.includes(action), action);
        const role = single(planned, "aws:iam/role:Role", (r) => r.name === "response-role");
        const condition = (deny.Condition as { ArnNotEquals: Record<string, string> }).ArnNotEquals;
        assert.deepEqual(Object.keys(condition), ["aws:PrincipalArn"]);
        // The role as planned: its name, in the security account (the account of the planned topic's ARN).
        assert.match(
            condition["aws:PrincipalArn"],
            new RegExp(`^arn:aws:iam::\\d{12}:role/${String(role.inputs.name)}$`),
        );
    });
});

describe("the member role's reach", () => {
    const remediation = (edit: Record<string, unknown>) => responderSettings(edit).remediation;

    it("is the root unless every rung that may change something is scoped to OUs; then exactly those OUs", () => {
        const a = "ou-ab12-pilot001";
        const b = "ou-ab12-pilot002";
        assert.deepEqual(
            memberRoleTargets(
                remediation({ blockRemoteAddress: { mode: "act" } }),
                ["blockRemoteAddress"],
                "r-root",
            ),
            ["r-root"],
        );
        const scoped = remediation({
            blockRemoteAddress: { mode: "act", organizationalUnits: [b] },
            isolateInstance: { mode: "dry-run", organizationalUnits: [a, b] },
            // A rung that only notifies reaches no member: its scope does not matter.
            containCredentials: { mode: "notify" },
        });
        assert.deepEqual(memberRoleTargets(scoped, ["blockRemoteAddress", "isolateInstance"], "r-root"), [
            a,
            b,
        ]);
        const mixed = remediation({
            blockRemoteAddress: { mode: "act", organizationalUnits: [a] },
            isolateInstance: { mode: "act" },
        });
        assert.deepEqual(memberRoleTargets(mixed, ["blockRemoteAddress", "isolateInstance"], "r-root"), [
            "r-root",
        ]);
    });
});
