import {
    CUSTOMER_RECORDER_ACTIONS,
    DETECTION_DENIED_ACTIONS,
    ROLE_CHANGING_ACTIONS,
    SECURITY_HUB_RECORDERS,
    SERVICE_LINKED_RECORDER_ACTIONS,
    SERVICE_TRUSTED_TAG_KEYS,
    STACK_CHANGING_ACTIONS,
    STACKSETS_EXECUTION_ROLE,
    TAGGING_ACTIONS,
    TRAIL_CHANGING_ACTIONS,
} from "./guardrail-actions";
import { PARTITION } from "../stacks/regions";
import type { IdentityPolicyDocument } from "./policy-documents";

/*
 * The guardrails of member accounts, as pure functions of the config so that tests simulate exactly what the
 * plan attaches: what they deny is data in guardrail-actions.ts; the security account's are in
 * guardrail-security-account.ts.
 */

/**
 * Organizations user guide, "Quotas and service limits" (orgs_reference_limits.html): a service control
 * policy and a resource control policy document are each at most 5,120 characters.
 */
export const MAX_SCP_CHARACTERS = 5120;
export const MAX_RCP_CHARACTERS = 5120;

/**
 * The names the security-account guardrail protects by, and which the components use: the `Purpose` tags of
 * the keys and the topic, the prefix of every function's name (its role, log group and rules too), and the
 * prefix of the alert and forwarding rules (named after their component in index.ts).
 */
export const PROTECTED_NAMES = {
    findingsPurposeTag: "security-findings-export",
    alertsPurposeTag: "security-finding-alerts",
    functionNamePrefix: "security-governance-",
    alertsComponentName: "finding-alerts",
} as const;

/**
 * The program's own roles, stack sets and tags in every account (the responder's member role
 * `security-governance-responder` and its StackSet, the quarantine and finding tags `security-governance:...`).
 * In member accounts no one but StackSets and the exempt roles may create or change such a role, so a role of
 * that name is the program's and may set the tags the responder and the services trust.
 */
const PROGRAM_ROLES = "security-governance-*";
const PROGRAM_STACKS = "StackSet-security-governance-*";
const PROGRAM_TAG_KEYS = "security-governance:*";

export interface ExemptRoles {
    /** Deployer roles (security and management account). */
    exemptRoleArns: readonly string[];
    /** Break-glass roles (security and management account). */
    breakGlassRoleArns: readonly string[];
}

function exempt(roles: ExemptRoles): string[] {
    return [...roles.exemptRoleArns, ...roles.breakGlassRoleArns];
}

/**
 * The one condition of every guardrail statement: the caller is none of the exempt roles. aws:PrincipalArn
 * of a role session is the role's ARN (IAM user guide, "AWS global condition context keys"), so one ARN
 * exempts every session of the role, and nothing else. `alsoExempt` are role-name patterns of every account
 * that the same documents keep anyone else from creating or changing.
 */
export function exemptionCondition(
    roles: ExemptRoles,
    alsoExempt: readonly string[] = [],
): Record<string, Record<string, string[]>> {
    const patterns = alsoExempt.map((name) => `arn:${PARTITION}:iam::*:role/${name}`);
    return { ArnNotLike: { "aws:PrincipalArn": [...exempt(roles), ...patterns] } };
}

/** The first SCP on the configured targets: detection stays on. */
export function detectionGuardrailPolicy(roles: ExemptRoles): IdentityPolicyDocument {
    const actions = Object.entries(DETECTION_DENIED_ACTIONS).flatMap(([service, names]) =>
        names.map((name) => `${service}:${name}`),
    );
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "KeepDetectionOn",
                Effect: "Deny",
                Action: actions,
                Resource: "*",
                Condition: exemptionCondition(roles),
            },
        ],
    };
}

export interface FootingGuardrailParams extends ExemptRoles {
    /** The key of `remediation.exemptTag`, when set: an instance carrying it is never acted on. */
    exemptTagKey: string | undefined;
    /** `securityHub.v2.enabled`: with it, Security Hub CSPM records through its own service-linked recorder. */
    securityHubV2: boolean;
    /** `guardrails.protectTrails`. */
    protectTrails: boolean;
}

/** The exempt tag's key, unless the program's own tag keys already cover it (the default does). */
function exemptTagKeys(params: FootingGuardrailParams): string[] {
    const key = params.exemptTagKey;
    return key === undefined || key.startsWith(PROGRAM_TAG_KEYS.slice(0, -1)) ? [] : [key];
}

/**
 * The second SCP on the targets: what detection and response stand on in each account. The responder's member
 * role and its StackSet's stack, changed only by StackSets itself; the tags GuardDuty, Inspector and the
 * responder trust; AWS Config recording where Security Hub CSPM's controls read it; and, when asked, the trails.
 */
export function footingGuardrailPolicy(params: FootingGuardrailParams): IdentityPolicyDocument {
    const role = (name: string) => `arn:${PARTITION}:iam::*:role/${name}`;
    const statements: IdentityPolicyDocument["Statement"] = [
        {
            // What only the exempt roles may change: the StackSets execution role that the next statement
            // exempts (no one else may create or change one), Security Hub's recorders and, when asked, the
            // trails. IAM authorizes each action against its own service's resources only, so one statement
            // holds the three, and names the exempt roles once.
            Sid: "KeepFooting",
            Effect: "Deny",
            Action: [
                ...ROLE_CHANGING_ACTIONS,
                ...SERVICE_LINKED_RECORDER_ACTIONS,
                ...(params.protectTrails ? TRAIL_CHANGING_ACTIONS : []),
            ],
            Resource: [
                role(STACKSETS_EXECUTION_ROLE),
                `arn:${PARTITION}:config:*:*:configuration-recorder/${SECURITY_HUB_RECORDERS}`,
                ...(params.protectTrails ? [`arn:${PARTITION}:cloudtrail:*:*:trail/*`] : []),
            ],
            Condition: exemptionCondition(params),
        },
        {
            // The member role and its StackSet's stack (a stack instance of a service-managed StackSet is named
            // StackSet-<stack set>-<id>), changed only by StackSets. Each action applies to its own resource
            // type only, so one statement holds both.
            Sid: "KeepResponderFooting",
            Effect: "Deny",
            Action: [...ROLE_CHANGING_ACTIONS, ...STACK_CHANGING_ACTIONS],
            Resource: [role(PROGRAM_ROLES), `arn:${PARTITION}:cloudformation:*:*:stack/${PROGRAM_STACKS}`],
            Condition: exemptionCondition(params, [STACKSETS_EXECUTION_ROLE]),
        },
        {
            // aws:TagKeys holds the keys a request sets or removes (IAM user guide, "Controlling access during
            // AWS requests"): a request that touches any of these is denied, whatever else it tags.
            Sid: "KeepTrustedTags",
            Effect: "Deny",
            Action: TAGGING_ACTIONS,
            Resource: "*",
            Condition: {
                ...exemptionCondition(params, [PROGRAM_ROLES]),
                "ForAnyValue:StringLike": {
                    "aws:TagKeys": [...SERVICE_TRUSTED_TAG_KEYS, PROGRAM_TAG_KEYS, ...exemptTagKeys(params)],
                },
            },
        },
    ];
    if (!params.securityHubV2)
        statements.push({
            // DeleteDeliveryChannel takes no resource (iam-data, config): the statement is on "*".
            Sid: "KeepConfigRecording",
            Effect: "Deny",
            Action: CUSTOMER_RECORDER_ACTIONS,
            Resource: "*",
            Condition: exemptionCondition(params),
        });
    return { Version: "2012-10-17", Statement: statements };
}

/** The document as Organizations stores it: minified, and so counted (whitespace counts toward the size). */
export function policyContent(document: object): string {
    return JSON.stringify(document);
}
