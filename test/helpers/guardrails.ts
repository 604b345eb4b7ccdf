import type { SimulationOrgPolicies } from "@cloud-copilot/iam-simulate";
import { strict as assert } from "node:assert";
import type { PolicyDocument } from "../../components/policy-documents";
import type { PlanDocument } from "../../tools/plan-runtime";
import { allowEverything, simulate, type Decision } from "./iam";
import { ofType } from "./plan";

/*
 * The guardrails as a plan attaches them, evaluated by IAM simulation (@cloud-copilot/iam-simulate, Strict) with
 * the SCPs and the RCP in force where the plan attaches them. Every caller has administrator rights in its own
 * account, the most a member account can grant itself: whatever is denied here is denied by the guardrails.
 */

export const ORG_ROOT = "r-lj42";
export const SECURITY = "333333333333";
export const MANAGEMENT = "111111111111";
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
    content(name: string): unknown;
    targetsOf(name: string): string[];
    decide(call: Call): Promise<Decision>;
}

/** The guardrails of a plan (prod's: root target, the security account 333333333333). */
export function guardrailWorld(planned: PlanDocument, rootId = ORG_ROOT): GuardrailWorld {
    const organizationId = planned.organization.id;
    const content = (name: string): unknown => {
        const policy = ofType(planned, "aws:organizations/policy:Policy").find((r) => r.name === name);
        assert.ok(policy, `the plan has no policy ${name}`);
        return JSON.parse(String(policy.inputs.content));
    };
    /** Where the plan attaches a policy: its attachments are named `<policy>-<target>-attachment`. */
    const targetsOf = (name: string): string[] =>
        ofType(planned, "aws:organizations/policyAttachment:PolicyAttachment")
            .filter((a) => a.name === `${name}-${String(a.inputs.targetId)}-attachment`)
            .map((a) => String(a.inputs.targetId));
    const attached = (type: string, target: string) =>
        ofType(planned, "aws:organizations/policy:Policy")
            .filter((p) => p.inputs.type === type && targetsOf(p.name).includes(target))
            .map((p) => ({ name: p.name, policy: JSON.parse(String(p.inputs.content)) as unknown }));
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
    return { organizationId, content, targetsOf, decide };
}
