import type { SimulationOrgPolicies } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../components/policy-documents";
import type { PlanDocument, PlannedResource } from "../../tools/plan-runtime";
import type { Principal } from "./aws-gate";

/*
 * What a plan deploys that IAM decides with: each function's settings and role, the member role of the
 * StackSet's template in every account, the bucket's, keys' and topics' policies, and the guardrails' SCPs and
 * RCPs by the level they are attached at. Read from the plan's resources, never rendered again here.
 */

export function byType(planned: PlanDocument, type: string, name?: RegExp): PlannedResource[] {
    return planned.resources.filter((r) => r.type === type && (name === undefined || name.test(r.name)));
}

export function only(planned: PlanDocument, type: string, name?: RegExp): PlannedResource {
    const found = byType(planned, type, name);
    if (found.length !== 1) throw new Error(`expected one ${type} ${String(name)}, found ${found.length}`);
    return found[0];
}

const json = (value: unknown) =>
    typeof value === "string" ? (JSON.parse(value) as PolicyDocument) : (value as PolicyDocument);

/** Resolves the StackSet template's Fn::Sub for one account. */
function forAccount(value: unknown, account: string): unknown {
    if (Array.isArray(value)) return value.map((v) => forAccount(v, account));
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        if (typeof record["Fn::Sub"] === "string")
            return record["Fn::Sub"].replaceAll("${AWS::AccountId}", account);
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, forAccount(v, account)]));
    }
    return value;
}

export type Fn = "responder" | "coverage" | "enrollment" | "drill";

export const FUNCTIONS = {
    responder: {
        fn: /^response-function$/,
        policy: /^response-permissions$/,
        variable: "RESPONDER_SETTINGS",
    },
    coverage: { fn: /^coverage-function$/, policy: /^coverage-permissions$/, variable: "COVERAGE_SETTINGS" },
    enrollment: {
        fn: /^enrollment-function$/,
        policy: /^enrollment-permissions$/,
        variable: "ENROLLMENT_SETTINGS",
    },
    drill: { fn: /^drill-function$/, policy: /^drill-permissions$/, variable: "DRILL_SETTINGS" },
} as const;

/** A function's environment variables, as planned. */
export function variablesOf(planned: PlanDocument, fn: Fn): Record<string, string> {
    const environment = only(planned, "aws:lambda/function:Function", FUNCTIONS[fn].fn).inputs
        .environment as {
        variables: Record<string, string>;
    };
    return environment.variables;
}

/** A function's planned role, as a principal of the security account. */
export function roleOf(planned: PlanDocument, security: string, fn: Fn): Principal {
    const rolePolicy = only(planned, "aws:iam/rolePolicy:RolePolicy", FUNCTIONS[fn].policy);
    return {
        arn: `arn:aws:iam::${security}:role/${String(rolePolicy.inputs.role)}`,
        account: security,
        policies: [{ name: "permissions", policy: json(rolePolicy.inputs.policy) }],
    };
}

export function plannedAccess(
    planned: PlanDocument,
    ids: { management: string; security: string; workloads: string[]; rootId: string },
) {
    const { management, security, workloads, rootId } = ids;
    const responder = JSON.parse(variablesOf(planned, "responder").RESPONDER_SETTINGS) as {
        records: { bucket: string; kmsKeyArn: string };
        topicArn: string;
    };
    const bucket = responder.records.bucket;
    const findingsKey = responder.records.kmsKeyArn;
    const topicArn = responder.topicArn;
    // The topic is auto-named after its resource, and encrypted with the alert key.
    const topicResource = byType(planned, "aws:sns/topic:Topic").find((t) => topicArn.endsWith(`:${t.name}`));
    const findingsKeyResource = only(planned, "aws:kms/key:Key", /^findings-key$/);
    const alertKeyResource = only(planned, "aws:kms/key:Key", /^finding-alerts-key$/);
    const topicKey = String(topicResource?.inputs.kmsMasterKeyId ?? "");

    const resourcePolicies = new Map<string, PolicyDocument>();
    resourcePolicies.set(
        `arn:aws:s3:::${bucket}`,
        json(only(planned, "aws:s3/bucketPolicy:BucketPolicy", /^findings-policy$/).inputs.policy),
    );
    resourcePolicies.set(findingsKey, json(findingsKeyResource.inputs.policy));
    if (topicKey !== "") resourcePolicies.set(topicKey, json(alertKeyResource.inputs.policy));
    for (const policy of byType(planned, "aws:sns/topicPolicy:TopicPolicy"))
        resourcePolicies.set(String(policy.inputs.arn), json(policy.inputs.policy));
    // The member role, as the StackSet deploys it in every account.
    const template = JSON.parse(
        String(only(planned, "aws:cloudformation/stackSet:StackSet").inputs.templateBody),
    ) as {
        Resources: {
            ResponderRole: {
                Properties: {
                    RoleName: string;
                    AssumeRolePolicyDocument: unknown;
                    Policies: { PolicyDocument: unknown }[];
                };
            };
        };
    };
    const memberRole = template.Resources.ResponderRole.Properties;
    const roles = new Map<string, Principal["policies"]>();
    for (const account of [...workloads, management, security]) {
        const arn = `arn:aws:iam::${account}:role/${memberRole.RoleName}`;
        roles.set(arn, [
            {
                name: "respond",
                policy: forAccount(memberRole.Policies[0].PolicyDocument, account) as PolicyDocument,
            },
        ]);
        resourcePolicies.set(arn, forAccount(memberRole.AssumeRolePolicyDocument, account) as PolicyDocument);
    }

    // The guardrails. Attachments are named `<policy>-<target>-attachment` (components/guardrails.ts). SCPs apply
    // at every level, each needing an allow (FullAWSAccess at a level without one of ours); the root and the
    // account are the only levels this plan attaches to. The management account is under none.
    const fullAccess = {
        name: "FullAWSAccess",
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
    };
    const attachments = byType(planned, "aws:organizations/policyAttachment:PolicyAttachment");
    const attachedAt = (kind: string, target: string) =>
        byType(planned, "aws:organizations/policy:Policy")
            .filter(
                (p) =>
                    p.inputs.type === kind &&
                    attachments.some((a) => a.name === `${p.name}-${target}-attachment`),
            )
            .map((p) => ({ name: p.name, policy: json(p.inputs.content) }));
    const levels = (
        kind: "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY",
        account: string,
    ): SimulationOrgPolicies[] =>
        account === management
            ? []
            : [rootId, account].map((target) => ({
                  orgIdentifier: target,
                  policies: [
                      ...(kind === "SERVICE_CONTROL_POLICY" ? [fullAccess] : []),
                      ...attachedAt(kind, target),
                  ],
              }));
    return {
        bucket,
        findingsKey,
        topicArn,
        topicKey,
        resourcePolicies,
        roles,
        memberRoleName: memberRole.RoleName,
        levels,
    };
}
