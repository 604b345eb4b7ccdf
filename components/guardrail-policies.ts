import {
    detectionGuardrailPolicy,
    footingGuardrailPolicy,
    type FootingGuardrailParams,
} from "./guardrail-documents";
import {
    securityAccountFunctionsGuardrailPolicy,
    securityAccountGuardrailPolicy,
    type SecurityAccountGuardrailParams,
} from "./guardrail-security-account";
import type { IdentityPolicyDocument } from "./policy-documents";

/*
 * Which service control policies the guardrails attach where. Each document stays under Organizations'
 * 5,120 characters, and each target takes at most five SCPs, FullAWSAccess and the organization's own
 * included (Organizations user guide, "Quotas and service limits"): so the documents are split by what they
 * protect, two on the targets and two on the security account, and the plan counts what is already attached
 * (stacks/guardrail-quotas.ts).
 */

export type GuardrailParams = SecurityAccountGuardrailParams & FootingGuardrailParams;

/** Where an SCP goes: `guardrails.targets` (the root or OUs), or the security account alone. */
export type Placement = "targets" | "security-account";

export interface GuardrailScp {
    /** The logical name's suffix in the plan (`guardrails-<key>`). */
    key: ScpKey;
    /** As the Organizations console lists it. */
    name: string;
    description: string;
    placement: Placement;
    document: IdentityPolicyDocument;
}

/** Names of the policies, as the Organizations console lists them. */
export const GUARDRAIL_POLICY_NAMES = {
    detection: "security-governance-keep-detection-on",
    footing: "security-governance-keep-response-footing",
    "security-account": "security-governance-security-account",
    "security-functions": "security-governance-security-functions",
    perimeter: "security-governance-findings-perimeter",
} as const;

type ScpKey = Exclude<keyof typeof GUARDRAIL_POLICY_NAMES, "perimeter">;

const PLACEMENTS: Record<ScpKey, Placement> = {
    detection: "targets",
    footing: "targets",
    "security-account": "security-account",
    "security-functions": "security-account",
};

/** The SCPs, in the order they are created. */
export function guardrailScps(params: GuardrailParams): GuardrailScp[] {
    const roles = { exemptRoleArns: params.exemptRoleArns, breakGlassRoleArns: params.breakGlassRoleArns };
    return [
        {
            key: "detection",
            name: GUARDRAIL_POLICY_NAMES.detection,
            description:
                "Member accounts cannot switch off or blind GuardDuty, Security Hub, Macie, Detective, Inspector (security-governance)",
            placement: PLACEMENTS["detection"],
            document: detectionGuardrailPolicy(roles),
        },
        {
            key: "footing",
            name: GUARDRAIL_POLICY_NAMES.footing,
            description:
                "Member accounts cannot remove the responder's role and stack, the tags detection trusts, or Security Hub's recording (security-governance)",
            placement: PLACEMENTS["footing"],
            document: footingGuardrailPolicy(params),
        },
        {
            key: "security-account",
            name: GUARDRAIL_POLICY_NAMES["security-account"],
            description:
                "Only the deployer and break-glass roles change the findings bucket, findings, keys and topics (security-governance)",
            placement: PLACEMENTS["security-account"],
            document: securityAccountGuardrailPolicy(params),
        },
        {
            key: "security-functions",
            name: GUARDRAIL_POLICY_NAMES["security-functions"],
            description:
                "Only the deployer and break-glass roles change or invoke the rules, functions, subscriptions and failed-events queue (security-governance)",
            placement: PLACEMENTS["security-functions"],
            document: securityAccountFunctionsGuardrailPolicy(params),
        },
    ];
}

/** How many SCPs the guardrails attach to each kind of target. */
export function scpsPer(placement: Placement): number {
    return Object.values(PLACEMENTS).filter((where) => where === placement).length;
}
