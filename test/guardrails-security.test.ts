import { strict as assert } from "node:assert";
import {
    BREAK_GLASS,
    BUCKET,
    DEPLOYER,
    configWorld,
    HOME,
    MEMBER,
    SECURITY,
    SECURITY_ANALYST,
    type Call,
    type GuardrailWorld,
} from "./helpers/guardrails";

/*
 * The security account under the prod plan's guardrails, by IAM simulation: a principal there that is not exempt
 * cannot forge an event into the responder, lend a function's role to a function of its own, silence the alert
 * e-mails, lose the responder's failed events, or unlock the findings. The calls are written here.
 */

const RESPONDER = `arn:aws:lambda:${HOME}:${SECURITY}:function:security-governance-responder`;
const TOPIC = `arn:aws:sns:${HOME}:${SECURITY}:finding-alerts-topic-1a2b3c4`;
const PAGING_TOPIC = `arn:aws:sns:${HOME}:${SECURITY}:finding-alerts-paging-topic-5d6e7f8`;
const QUEUE = `arn:aws:sqs:${HOME}:${SECURITY}:security-governance-responder-failed-events`;
const FINDING = `arn:aws:s3:::${BUCKET}/guardduty/AWSLogs/${MEMBER}/GuardDuty/${HOME}/2026/12/07/f.jsonl.gz`;
const TAGGED = { "aws:ResourceTag/Purpose": "security-finding-alerts" };
const SUBSCRIBE: Record<string, string> = { "sns:Protocol": "email", "sns:Endpoint": "x@example.net" };

const TAMPERING: Call[] = [
    // A forged finding event would make the responder act in a member account.
    { principal: SECURITY_ANALYST, action: "lambda:InvokeFunction", resource: RESPONDER },
    { principal: SECURITY_ANALYST, action: "lambda:InvokeAsync", resource: RESPONDER },
    // The on-failure destination and retries.
    { principal: SECURITY_ANALYST, action: "lambda:PutFunctionEventInvokeConfig", resource: RESPONDER },
    { principal: SECURITY_ANALYST, action: "lambda:UpdateFunctionEventInvokeConfig", resource: RESPONDER },
    { principal: SECURITY_ANALYST, action: "lambda:DeleteFunctionEventInvokeConfig", resource: RESPONDER },
    // A function of one's own running with a function's role, or the forwarding role.
    {
        principal: SECURITY_ANALYST,
        action: "iam:PassRole",
        resource: `arn:aws:iam::${SECURITY}:role/security-governance-responder-${HOME}`,
    },
    {
        principal: SECURITY_ANALYST,
        action: "iam:PassRole",
        resource: `arn:aws:iam::${SECURITY}:role/finding-alerts-forwarding-1a2b3c4`,
    },
    // The alert e-mails: an extra subscriber, a removed one, a filter policy that drops every message.
    ...[TOPIC, PAGING_TOPIC].flatMap((topic) =>
        ["sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes"].map((action): Call => ({
            principal: SECURITY_ANALYST,
            action,
            resource: topic,
            context: action === "sns:Subscribe" ? SUBSCRIBE : {},
        })),
    ),
    { principal: SECURITY_ANALYST, action: "sns:SetTopicAttributes", resource: TOPIC, context: TAGGED },
    { principal: SECURITY_ANALYST, action: "sns:DeleteTopic", resource: PAGING_TOPIC, context: TAGGED },
    // The events the responder could not handle.
    ...[
        "sqs:PurgeQueue",
        "sqs:DeleteQueue",
        "sqs:DeleteMessage",
        "sqs:SetQueueAttributes",
        "sqs:AddPermission",
        "sqs:RemovePermission",
    ].map((action) => ({ principal: SECURITY_ANALYST, action, resource: QUEUE })),
    // A locked finding, in GOVERNANCE mode: bypassing the lock.
    { principal: SECURITY_ANALYST, action: "s3:BypassGovernanceRetention", resource: FINDING },
    { principal: SECURITY_ANALYST, action: "s3:PutObjectRetention", resource: FINDING },
];

describe("guardrails: the path from a finding to a person, in the security account (prod plan)", function () {
    this.timeout(300_000);
    let world: GuardrailWorld;

    // Each test builds its own: built in a before hook, a mutant would look static to Stryker.
    beforeEach(() => {
        world = configWorld("prod");
    });

    it("denies a non-exempt principal each way of forging, silencing or losing what alerts and responds", async () => {
        const open: string[] = [];
        for (const call of TAMPERING)
            if ((await world.decide(call)) !== "ExplicitlyDenied")
                open.push(`${call.action} ${call.resource}`);
        assert.deepEqual(open, []);
    });

    it("lets the deployer and the break-glass role do each of them", async () => {
        for (const principal of [DEPLOYER, BREAK_GLASS])
            for (const call of TAMPERING)
                assert.equal(
                    await world.decide({ ...call, principal }),
                    "Allowed",
                    `${principal} ${call.action} ${call.resource}`,
                );
    });

    it("leaves the account's own functions, roles, topics and queues, and reading the failed events, alone", async () => {
        const work: Call[] = [
            {
                principal: SECURITY_ANALYST,
                action: "lambda:InvokeFunction",
                resource: `arn:aws:lambda:${HOME}:${SECURITY}:function:team-report`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "iam:PassRole",
                resource: `arn:aws:iam::${SECURITY}:role/team-report`,
            },
            {
                principal: SECURITY_ANALYST,
                action: "sns:Subscribe",
                resource: `arn:aws:sns:${HOME}:${SECURITY}:team-topic`,
                context: { "sns:Protocol": "email", "sns:Endpoint": "x@example.net" },
            },
            { principal: SECURITY_ANALYST, action: "sqs:ReceiveMessage", resource: QUEUE },
            { principal: SECURITY_ANALYST, action: "sqs:GetQueueAttributes", resource: QUEUE },
            {
                principal: SECURITY_ANALYST,
                action: "sqs:PurgeQueue",
                resource: `arn:aws:sqs:${HOME}:${SECURITY}:team-queue`,
            },
            { principal: SECURITY_ANALYST, action: "lambda:GetFunction", resource: RESPONDER },
        ];
        for (const call of work)
            assert.equal(await world.decide(call), "Allowed", `${call.action} ${call.resource}`);
    });

    it("lets EventBridge invoke the responder through its resource policy, which no SCP limits", async () => {
        const decision = await world.decide({
            principal: "events.amazonaws.com",
            action: "lambda:InvokeFunction",
            resource: RESPONDER,
            resourceAccount: SECURITY,
            context: { "aws:SourceAccount": SECURITY },
            resourcePolicy: {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "Events",
                        Effect: "Allow",
                        Principal: { Service: "events.amazonaws.com" },
                        Action: "lambda:InvokeFunction",
                        Resource: RESPONDER,
                    },
                ],
            },
        });
        assert.equal(decision, "Allowed");
    });
});
