import {
    ListPoliciesForTargetCommand,
    type ListPoliciesForTargetCommandOutput,
    type PolicySummary,
} from "@aws-sdk/client-organizations";
import { GUARDRAIL_POLICY_NAMES, scpsPer } from "../components/guardrail-policies";
import {
    callOrganizations,
    DiscoveryError,
    organizationsClient,
    type DiscoveryOptions,
} from "./organization";

/**
 * Organizations user guide, "Quotas and service limits": a root, an OU or an account takes at most five
 * service control policies attached directly, FullAWSAccess included; five resource control policies likewise
 * (RCPFullAWSAccess included: third-party sources only). The count is what ListPoliciesForTarget lists for the
 * target, AWS managed policies included.
 */
export const MAX_POLICIES_PER_TARGET = 5;

export type GuardrailPolicyType = "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY";

/** What the guardrails add to one target, beside what is attached there already. */
export interface TargetAttachments {
    targetId: string;
    /** The config key that chose the target. */
    configKey: string;
    type: GuardrailPolicyType;
    /** The names of the policies of that type attached now that are not this stack's. */
    attached: string[];
    /** How many of this stack's policies of that type go there. */
    adding: number;
}

const OURS = new Set<string>(Object.values(GUARDRAIL_POLICY_NAMES));
/** ListPoliciesForTarget rejects MaxResults above 20 (Organizations API reference). */
const PAGE_SIZE = 20;

async function attachedNames(
    options: DiscoveryOptions,
    targetId: string,
    type: GuardrailPolicyType,
    configKey: string,
): Promise<string[]> {
    const client = organizationsClient(options);
    const policies: PolicySummary[] = [];
    let nextToken: string | undefined;
    do {
        const token = nextToken;
        let page: ListPoliciesForTargetCommandOutput;
        try {
            page = await callOrganizations(options, "ListPoliciesForTarget", () =>
                client.send(
                    new ListPoliciesForTargetCommand({
                        TargetId: targetId,
                        Filter: type,
                        MaxResults: PAGE_SIZE,
                        NextToken: token,
                    }),
                ),
            );
        } catch (error) {
            if (error instanceof Error && error.name === "TargetNotFoundException")
                throw new DiscoveryError(
                    `${configKey} names ${targetId}, which the organization does not have (ListPoliciesForTarget: TargetNotFoundException); name the root or an existing OU ID`,
                    { cause: error },
                );
            throw error;
        }
        policies.push(...(page.Policies ?? []));
        nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return policies.map((policy) => policy.Name ?? policy.Id ?? "?").filter((name) => !OURS.has(name));
}

/**
 * Reads, through the management role, what each guardrail target has attached: the targets take the two
 * target SCPs, the security account the security account's SCPs and the RCP.
 */
export async function guardrailAttachments(
    options: DiscoveryOptions,
    targets: readonly string[],
    securityAccountId: string,
): Promise<TargetAttachments[]> {
    const wanted: Omit<TargetAttachments, "attached">[] = [
        ...targets.map((targetId) => ({
            targetId,
            configKey: "security-governance:guardrails.targets",
            type: "SERVICE_CONTROL_POLICY" as const,
            adding: scpsPer("targets"),
        })),
        {
            targetId: securityAccountId,
            configKey: "security-governance:accounts.securityAdmin",
            type: "SERVICE_CONTROL_POLICY",
            adding: scpsPer("security-account"),
        },
        {
            targetId: securityAccountId,
            configKey: "security-governance:accounts.securityAdmin",
            type: "RESOURCE_CONTROL_POLICY",
            adding: 1,
        },
    ];
    const found: TargetAttachments[] = [];
    for (const want of wanted)
        found.push({
            ...want,
            attached: await attachedNames(options, want.targetId, want.type, want.configKey),
        });
    return found;
}

const KIND: Record<GuardrailPolicyType, string> = {
    SERVICE_CONTROL_POLICY: "SCP",
    RESOURCE_CONTROL_POLICY: "RCP",
};

/** One line per target: what the stack adds, what is there, and the total against the quota. */
export function describeAttachments(found: TargetAttachments): string {
    const there = found.attached.length === 0 ? "none attached" : found.attached.join(", ");
    return `${found.targetId} takes ${found.adding} ${KIND[found.type]}(s) + ${there} = ${found.adding + found.attached.length} of ${MAX_POLICIES_PER_TARGET}`;
}

/** The targets where the guardrails would pass the quota, each as one line naming the key that chose it. */
export function attachmentProblems(found: readonly TargetAttachments[]): string[] {
    return found
        .filter((target) => target.adding + target.attached.length > MAX_POLICIES_PER_TARGET)
        .map(
            (target) =>
                `${target.configKey}: ${target.targetId} has ${target.attached.length} ${KIND[target.type]}(s) attached (${target.attached.join(", ")}) and the guardrails add ${target.adding}: Organizations takes at most ${MAX_POLICIES_PER_TARGET} per root, OU or account; detach or merge ${target.adding + target.attached.length - MAX_POLICIES_PER_TARGET} there, or attach the guardrails to other OUs`,
        );
}
