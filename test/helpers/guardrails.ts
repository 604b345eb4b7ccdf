import type { SimulationOrgPolicies } from "@cloud-copilot/iam-simulate";
import { strict as assert } from "node:assert";
import { policyContent } from "../../components/guardrail-documents";
import { guardrailScps } from "../../components/guardrail-policies";
import type { PolicyDocument } from "../../components/policy-documents";
import { parseStackConfig } from "../../stacks/config";
import { guardrailParams } from "../../stacks/guardrails";
import { readStackConfigValues, type PlanDocument } from "../../tools/plan-runtime";
import { allowEverything, simulate, type Decision } from "./iam";
import { ofType } from "./plan";

/*
 * The guardrails as a plan attaches them, evaluated by IAM simulation (@cloud-copilot/iam-simulate, Strict) with
 * the SCPs and the RCP in force where the plan attaches them. Every caller has administrator rights in its own
 * account, the most a member account can grant itself: whatever is denied here is denied by the guardrails.
 */

export const ORG_ROOT = "r-4696";
export const SECURITY = "333333333333";
export const MANAGEMENT = "888888888888";
export const MEMBER = "444444444444";
export const OUTSIDE = "999999999999";
export const HOME = "us-east-1";
export const BUCKET = `security-governance-findings-${SECURITY}-${HOME}`;
export const MEMBER_ADMIN = `arn:aws:iam::${MEMBER}:role/Admin`;
export const SECURITY_ANALYST = `arn:aws:iam::${SECURITY}:role/SecurityAnalyst`;
export const DEPLOYER = `arn:aws:iam::${SECURITY}:role/SecurityGovernanceDeployer`;
export const BREAK_GLASS = `arn:aws:iam::${SECURITY}:role/SecurityBreakGlass`;

const FULL_ACCESS = {
    name: "FullAWSAccess",
    policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

export interface Call {
    principal: string;
    action: string;
    resource?: string;
    resourceAccount?: string;
    context?: Record<string, string | string[]>;
    resourcePolicy?: PolicyDocument;
}

export interface GuardrailWorld {
    organizationId: string;
    policies: AttachedPolicy[];
    content(name: string): unknown;
    targetsOf(name: string): string[];
    decide(call: Call): Promise<Decision>;
}

/** A policy as the plan attaches it: its logical name, type, document and targets. */
export interface AttachedPolicy {
    name: string;
    type: "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY";
    document: unknown;
    targets: string[];
}

/** The guardrails of a plan (prod's: root target, the security account 333333333333). */
export function guardrailWorld(planned: PlanDocument, rootId = ORG_ROOT): GuardrailWorld {
    const attachments = ofType(planned, "aws:organizations/policyAttachment:PolicyAttachment");
    const policies = ofType(planned, "aws:organizations/policy:Policy")
        .filter(
            (p) => p.inputs.type === "SERVICE_CONTROL_POLICY" || p.inputs.type === "RESOURCE_CONTROL_POLICY",
        )
        .map((p): AttachedPolicy => ({
            name: p.name,
            type: p.inputs.type as AttachedPolicy["type"],
            document: JSON.parse(String(p.inputs.content)),
            // Its attachments are named `<policy>-<target>-attachment` (components/guardrails.ts).
            targets: attachments
                .filter((a) => a.name === `${p.name}-${String(a.inputs.targetId)}-attachment`)
                .map((a) => String(a.inputs.targetId)),
        }));
    return worldOf(policies, planned.organization.id, rootId);
}

/**
 * The guardrails a stack's config makes, built by the functions the plan calls, without planning: fast
 * enough for a mutation run. test/guardrails-iam.test.ts holds them equal to what the prod plan attaches.
 */
export function configWorld(stack = "prod", overrides: Record<string, unknown> = {}): GuardrailWorld {
    const config = parseStackConfig({ ...readStackConfigValues(stack), ...overrides });
    const params = guardrailParams(config.guardrails, {
        securityAccountId: config.accounts.securityAdmin,
        homeRegion: config.homeRegion,
        exemptTag: config.remediation?.exemptTag,
        securityHubV2: config.securityHub.v2.enabled,
    });
    const policies = guardrailScps(params).map((scp): AttachedPolicy => ({
        name: `guardrails-${scp.key}`,
        type: "SERVICE_CONTROL_POLICY",
        document: JSON.parse(policyContent(scp.document)),
        targets: scp.placement === "targets" ? [ORG_ROOT] : [params.securityAccountId],
    }));
    return worldOf(policies, "o-exampleorg1", ORG_ROOT);
}

function worldOf(policies: AttachedPolicy[], organizationId: string, rootId: string): GuardrailWorld {
    const content = (name: string): unknown => {
        const policy = policies.find((p) => p.name === name);
        assert.ok(policy, `no policy ${name}`);
        return policy.document;
    };
    const targetsOf = (name: string): string[] => policies.find((p) => p.name === name)?.targets ?? [];
    const attached = (type: string, target: string) =>
        policies
            .filter((p) => p.type === type && p.targets.includes(target))
            .map((p) => ({ name: p.name, policy: p.document }));
    /** The SCPs in force on an account, as the plan attaches them: the root's, then the account's own. */
    const scpsOf = (account: string): SimulationOrgPolicies[] =>
        [rootId, account].map((target) => ({
            orgIdentifier: target,
            policies: [FULL_ACCESS, ...attached("SERVICE_CONTROL_POLICY", target)],
        }));
    const rcpsOf = (account: string): SimulationOrgPolicies[] => [
        { orgIdentifier: rootId, policies: [] },
        { orgIdentifier: account, policies: attached("RESOURCE_CONTROL_POLICY", account) },
    ];
    const decide = async (call: Call): Promise<Decision> => {
        const principalAccount = /^arn:aws:iam::(\d{12}):/.exec(call.principal)?.[1];
        const isService = principalAccount === undefined;
        const resourceAccount = call.resourceAccount ?? principalAccount ?? SECURITY;
        const outcome = await simulate(
            {
                principal: call.principal,
                action: call.action,
                resource: call.resource ?? "*",
                resourceAccount,
                context: {
                    ...(isService
                        ? { "aws:PrincipalIsAWSService": "true" }
                        : {
                              // AWS sets it on every request by an IAM principal: the role's ARN for its sessions.
                              "aws:PrincipalArn": call.principal,
                              "aws:PrincipalOrgID":
                                  principalAccount === OUTSIDE ? "o-outside000" : organizationId,
                              "aws:PrincipalIsAWSService": "false",
                          }),
                    ...call.context,
                },
                identityPolicies: isService ? [] : [allowEverything("AdministratorAccess", ["*"])],
                serviceControlPolicies:
                    isService || principalAccount === OUTSIDE ? [] : scpsOf(principalAccount ?? SECURITY),
                resourceControlPolicies: rcpsOf(resourceAccount),
            },
            call.resourcePolicy,
        );
        return outcome.decision;
    };
    return { organizationId, content, targetsOf, decide, policies };
}
