/*
 * The Security Hub CSPM controls of the stack's default standards (stacks/security-hub-standards.ts,
 * DEFAULT_SECURITY_HUB_STANDARDS: AWS Foundational Security Best Practices v1.0.0 and CIS AWS Foundations Benchmark
 * v3.0.0) that judge a resource type the program creates, written from the Security Hub CSPM user guide's controls
 * reference (s3-controls, kms-controls, sns-controls, sqs-controls, lambda-controls, iam-controls,
 * eventbridge-controls) and the AWS Config rule each names, never from the code under test. Which standards hold a
 * control: the reference's "Applicable standards" as scraped in GitHub iainelder/security-hub-controls at
 * a0fcd0888c98067e3bb986b45b16b6370083b4a7 (2026-03-10), the source of stacks/data/securityhub-control-ids.json.
 *
 * Controls of these standards looked at and left out, because they judge no resource the program creates:
 * S3.1 (AWS::::Account, account-level Block Public Access), S3.22/S3.23 (AWS::::Account, CloudTrail data events),
 * S3.19/S3.24/S3.25 (access points, Multi-Region Access Points, directory buckets), IAM.2-IAM.9, IAM.15, IAM.16,
 * IAM.18, IAM.22, IAM.26-IAM.28 (users, root, password policy, support role, certificates, Access Analyzer),
 * CloudTrail.1/2/4/5/7 (the stack creates no trail). No CloudWatch or CloudWatch Logs control is in FSBP or CIS
 * v3.0.0 (CloudWatch.1-14 are CIS v1.2.0/v1.4.0, CloudWatch.15-17 NIST), nor SNS.1 (NIST) nor Lambda.3 (PCI, NIST).
 */

import type { PlannedResource } from "../../tools/plan-runtime";
import {
    type Control,
    type Exemption,
    type Statement,
    type Verdict,
    context,
    covers,
    many,
    publicAllows,
    sample,
    statements,
} from "./own-standards-checks";
import { S3_CONTROLS } from "./own-standards-s3";

export type { Control, Exemption, Verdict } from "./own-standards-checks";

const KEY = "aws:kms/key:Key";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const MANAGED_POLICY = "aws:iam/policy:Policy";
const alone = (resource: PlannedResource) => ({ resource, plan: context([resource]) });

/** A role's inline policies: its RolePolicy resources and its `inlinePolicies` input. */
function inlinePolicies(resource: PlannedResource): unknown[] {
    if (resource.type === ROLE_POLICY) return [resource.inputs.policy];
    const inline = (resource.inputs.inlinePolicies as { policy?: unknown }[] | undefined) ?? [];
    return inline.map((p) => p.policy);
}

/** KMS.1/KMS.2: an Allow of kms:Decrypt or kms:ReEncryptFrom on every key ("*" or a key wildcard). */
function decryptsAnyKey(policies: unknown[]): Verdict {
    const blocked = ["kms:Decrypt", "kms:ReEncryptFrom"];
    const broad = policies
        .flatMap(statements)
        .filter(
            (s: Statement) =>
                s.Effect === "Allow" &&
                blocked.some((a) => covers(many(s.Action), a)) &&
                (s.NotResource !== undefined ||
                    many(s.Resource).some(
                        (r) => r === "*" || /:key\/\*$/.test(r) || /^arn:[^:]+:kms:\*/.test(r),
                    )),
        );
    return broad.length === 0 ? true : `allows ${blocked.join(" or ")} on every key`;
}

/** Lambda runtimes not deprecated on 2026-12-07: Lambda developer guide, "Building Lambda functions with Node.js". */
const SUPPORTED_NODE_RUNTIMES = ["nodejs24.x", "nodejs22.x"];

const SERVICE_CONTROLS: Control[] = [
    {
        id: "KMS.1",
        title: "IAM customer managed policies should not allow decryption actions on all KMS keys",
        standards: ["FSBP v1.0.0"],
        rule: "iam-customer-policy-blocked-kms-actions, blockedActionsPatterns: kms:ReEncryptFrom, kms:Decrypt",
        types: [MANAGED_POLICY],
        check: (policy) => decryptsAnyKey([policy.inputs.policy]),
        failing: () =>
            alone(
                sample(MANAGED_POLICY, "decrypt-all", {
                    policy: JSON.stringify({
                        Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }],
                    }),
                }),
            ),
    },
    {
        id: "KMS.2",
        title: "IAM principals should not have IAM inline policies that allow decryption actions on all KMS keys",
        standards: ["FSBP v1.0.0"],
        rule: "iam-inline-policy-blocked-kms-actions, blockedActionsPatterns: kms:ReEncryptFrom, kms:Decrypt",
        types: [ROLE, ROLE_POLICY],
        check: (resource) => decryptsAnyKey(inlinePolicies(resource)),
        failing: () =>
            alone(
                sample(ROLE_POLICY, "decrypt-all", {
                    policy: JSON.stringify({
                        Statement: [
                            {
                                Effect: "Allow",
                                Action: ["kms:Decrypt"],
                                Resource: "arn:aws:kms:*:333333333333:key/*",
                            },
                        ],
                    }),
                }),
            ),
    },
    {
        id: "KMS.3",
        title: "AWS KMS keys should not be deleted unintentionally",
        standards: ["FSBP v1.0.0"],
        rule: "kms-cmk-not-scheduled-for-deletion: no key scheduled for deletion; the stack schedules one only when Pulumi deletes it",
        types: [KEY],
        check: (key) => (key.protect ? true : "not protected: a destroy or a removal schedules its deletion"),
        failing: () => alone(sample(KEY, "unprotected", { enableKeyRotation: true })),
    },
    {
        id: "KMS.4",
        title: "AWS KMS key rotation should be enabled",
        standards: ["CIS v3.0.0"],
        rule: "cmk-backing-key-rotation-enabled: automatic rotation on for every customer managed symmetric key",
        types: [KEY],
        check: (key) => {
            const spec = key.inputs.customerMasterKeySpec ?? key.inputs.keySpec ?? "SYMMETRIC_DEFAULT";
            if (spec !== "SYMMETRIC_DEFAULT")
                return `key spec ${String(spec)}: rotation is for symmetric keys`;
            return key.inputs.enableKeyRotation === true ? true : "rotation is off";
        },
        failing: () => alone(sample(KEY, "no-rotation", {})),
    },
    {
        id: "KMS.5",
        title: "KMS keys should not be publicly accessible",
        standards: ["FSBP v1.0.0"],
        rule: "kms-key-policy-no-public-access: the key policy grants no public access",
        types: [KEY],
        check: (key) =>
            publicAllows(key.inputs.policy).length === 0 ? true : "the key policy allows everyone",
        failing: () =>
            alone(
                sample(KEY, "public", {
                    policy: JSON.stringify({
                        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*" }],
                    }),
                }),
            ),
    },
    {
        id: "SNS.4",
        title: "SNS topic access policies should not allow public access",
        standards: ["FSBP v1.0.0"],
        rule: "sns-topic-no-public-access: the topic policy grants no public access",
        types: ["aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy"],
        check: (resource) =>
            publicAllows(resource.inputs.policy).length === 0 ? true : "the topic policy allows everyone",
        failing: () =>
            alone(
                sample("aws:sns/topicPolicy:TopicPolicy", "public", {
                    policy: JSON.stringify({
                        Statement: [{ Effect: "Allow", Principal: "*", Action: "sns:Publish" }],
                    }),
                }),
            ),
    },
    {
        id: "SQS.1",
        title: "Amazon SQS queues should be encrypted at rest",
        standards: ["FSBP v1.0.0"],
        rule: "sqs-queue-encrypted (Security Hub managed): SSE-SQS or SSE-KMS on",
        types: ["aws:sqs/queue:Queue"],
        check: (queue) =>
            queue.inputs.sqsManagedSseEnabled === true ||
            (typeof queue.inputs.kmsMasterKeyId === "string" && queue.inputs.kmsMasterKeyId !== "")
                ? true
                : "not encrypted at rest",
        failing: () => alone(sample("aws:sqs/queue:Queue", "plain", { sqsManagedSseEnabled: false })),
    },
    {
        id: "SQS.3",
        title: "SQS queue access policies should not allow public access",
        standards: ["FSBP v1.0.0"],
        rule: "sqs-queue-no-public-access: the queue policy grants no public access",
        types: ["aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy"],
        check: (resource) =>
            publicAllows(resource.inputs.policy).length === 0 ? true : "the queue policy allows everyone",
        failing: () =>
            alone(
                sample("aws:sqs/queuePolicy:QueuePolicy", "public", {
                    policy: JSON.stringify({
                        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sqs:*" }],
                    }),
                }),
            ),
    },
    {
        id: "Lambda.1",
        title: "Lambda function policies should prohibit public access",
        standards: ["FSBP v1.0.0"],
        rule:
            "lambda-function-public-access-prohibited: no wildcard principal; a service principal confined by a " +
            "source (the rule names AWS:SourceAccount for Amazon S3)",
        types: ["aws:lambda/permission:Permission"],
        check: (permission) => {
            const principal = String(permission.inputs.principal ?? "");
            if (principal === "" || principal.includes("*")) return `principal ${principal || "(empty)"}`;
            if (
                principal.endsWith(".amazonaws.com") &&
                !permission.inputs.sourceArn &&
                !permission.inputs.sourceAccount
            )
                return `${principal} from any source`;
            return true;
        },
        failing: () =>
            alone(
                sample("aws:lambda/permission:Permission", "s3-any", {
                    principal: "s3.amazonaws.com",
                    action: "lambda:InvokeFunction",
                }),
            ),
    },
    {
        id: "Lambda.2",
        title: "Lambda functions should use supported runtimes",
        standards: ["FSBP v1.0.0"],
        rule: "lambda-function-settings-check, runtime: the Lambda runtimes not deprecated",
        types: ["aws:lambda/function:Function"],
        check: (fn) => {
            const runtime = String(fn.inputs.runtime ?? "");
            return SUPPORTED_NODE_RUNTIMES.includes(runtime)
                ? true
                : `runtime ${runtime || "(none)"} is not supported`;
        },
        failing: () => alone(sample("aws:lambda/function:Function", "old", { runtime: "nodejs20.x" })),
    },
    {
        id: "Lambda.5",
        title: "VPC Lambda functions should operate in multiple Availability Zones",
        standards: ["FSBP v1.0.0"],
        rule: "lambda-vpc-multi-az-check: a function in a VPC has subnets in at least 2 Availability Zones",
        types: ["aws:lambda/function:Function"],
        check: (fn) => {
            const vpc = fn.inputs.vpcConfig as { subnetIds?: string[] } | undefined;
            // Outside a VPC the control does not apply. Subnets stand in for zones: the plan knows no zones.
            return vpc === undefined || (vpc.subnetIds ?? []).length >= 2 ? true : "one subnet";
        },
        failing: () =>
            alone(
                sample("aws:lambda/function:Function", "one-az", {
                    runtime: "nodejs24.x",
                    vpcConfig: { subnetIds: ["subnet-1"] },
                }),
            ),
    },
    {
        id: "IAM.1",
        title: 'IAM policies should not allow full "*" administrative privileges',
        standards: ["FSBP v1.0.0"],
        rule: 'iam-policy-no-statements-with-admin-access (customer managed policies): no Allow of "*" on "*"',
        types: [MANAGED_POLICY],
        check: (policy) =>
            statements(policy.inputs.policy).some(
                (s) => s.Effect === "Allow" && many(s.Action).includes("*") && many(s.Resource).includes("*"),
            )
                ? 'allows "*" on "*"'
                : true,
        failing: () =>
            alone(
                sample(MANAGED_POLICY, "admin", {
                    policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }),
                }),
            ),
    },
    {
        id: "IAM.21",
        title: "IAM customer managed policies that you create should not allow wildcard actions for services",
        standards: ["FSBP v1.0.0"],
        rule: 'iam-policy-no-statements-with-full-access, excludePermissionBoundaryPolicy: true: no Allow of "service:*"',
        types: [MANAGED_POLICY],
        check: (policy) =>
            statements(policy.inputs.policy).some(
                (s) =>
                    s.Effect === "Allow" &&
                    many(s.Action).some((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a)),
            )
                ? "allows every action of a service"
                : true,
        failing: () =>
            alone(
                sample(MANAGED_POLICY, "s3-all", {
                    policy: JSON.stringify({
                        Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b" }],
                    }),
                }),
            ),
    },
    {
        id: "EventBridge.3",
        title: "EventBridge custom event buses should have a resource-based policy attached",
        standards: ["FSBP v1.0.0"],
        rule: "custom-eventbus-policy-attached: every custom event bus has a resource-based policy",
        types: ["aws:cloudwatch/eventBus:EventBus"],
        check: (bus, planned) =>
            planned.resources.some(
                (r) =>
                    r.type === "aws:cloudwatch/eventBusPolicy:EventBusPolicy" &&
                    r.inputs.eventBusName === bus.inputs.name,
            )
                ? true
                : "no resource-based policy",
        failing: () => alone(sample("aws:cloudwatch/eventBus:EventBus", "custom", { name: "custom" })),
    },
];

export const CONTROLS: Control[] = [...S3_CONTROLS, ...SERVICE_CONTROLS];

/** The access-log bucket, by the Purpose tag the component gives it (components/access-logs.ts). */
const isAccessLogBucket = (bucket: PlannedResource) =>
    (bucket.inputs.tags as Record<string, string> | undefined)?.Purpose === "security-access-logs";

export const EXEMPTIONS: Exemption[] = [
    {
        control: "S3.9",
        applies: isAccessLogBucket,
        reason:
            "The access-log bucket is the target of the findings bucket's server access logs: the S3 user guide " +
            '("Enabling Amazon S3 server access logging") says a target "should not have server access logging ' +
            'enabled" and that logging a bucket to itself causes "an infinite loop of logs and is not recommended". ' +
            "Its finding is accepted. securityHub.disabledControls would turn S3.9 off for every bucket of the " +
            "organization, so rather a noiseRules entry (service securityhub, controlIds [S3.9], accountIds [the " +
            "security account], severities [MEDIUM]) if the finding must be hidden.",
    },
    {
        control: "S3.20",
        applies: () => true,
        reason:
            'MFA delete cannot be set by the stack: the S3 user guide ("Configuring MFA delete") says "only the ' +
            'bucket owner (root account) can enable MFA delete" and "You cannot use MFA delete with lifecycle ' +
            "configurations\", while FSBP's S3.13 asks for a lifecycle and the findings retention needs one. The " +
            "findings bucket is kept by protect, the security account's SCP and, when configured, Object Lock. To " +
            "turn the control off: securityHub.disabledControls [{controlId: S3.20, reason: ...}] (CIS v3.0.0 only).",
    },
];
