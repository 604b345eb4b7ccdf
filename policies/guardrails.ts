import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ORGANIZATIONS_POLICY } from "./inspector";
import { describeBucket, FINDINGS_BUCKET_INPUT_TYPES, findingsBuckets, subResourceLinks } from "./storage";
import {
    Plain,
    PlainObject,
    StackResource,
    UNKNOWN,
    at,
    dependenciesOf,
    isObject,
    num,
    oneOrMany,
    readPolicyDocument,
    stackResources,
    statementActions,
    statementEffect,
    str,
    validateTypes,
} from "./util";

export const POLICY_ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment";
export const OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration";

/**
 * The switches a guardrail must hold, one per service: deleting or disabling each detector and leaving its
 * administrator. A stack may deny more; one that denies less is not a guardrail of detection.
 */
export const REQUIRED_DENIED_ACTIONS = [
    "guardduty:DeleteDetector",
    "guardduty:DisassociateFromAdministratorAccount",
    "securityhub:DisableSecurityHub",
    "securityhub:DisassociateFromAdministratorAccount",
    "macie2:DisableMacie",
    "macie2:DisassociateFromAdministratorAccount",
    "detective:DisassociateMembership",
    "inspector2:Disable",
];

/**
 * IAM's wildcard matching, `*` any run of characters and `?` one: case-insensitive for actions, case-sensitive
 * for ARNs and strings (IAM user guide, "IAM JSON policy elements: Condition operators": ArnLike and StringLike
 * are case-sensitive), so an exemption spelt in another case exempts nobody.
 */
function wildcardMatches(pattern: string, value: string, caseSensitive: boolean): boolean {
    const fold = (text: string) => (caseSensitive ? text : text.toLowerCase());
    const regex = fold(pattern)
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${regex}$`).test(fold(value));
}

function actionMatches(pattern: string, action: string): boolean {
    return wildcardMatches(pattern, action, false);
}

function denyStatements(content: Plain | undefined): PlainObject[] | typeof UNKNOWN {
    const read = readPolicyDocument(content);
    if (read.kind === "unknown") return UNKNOWN;
    if (read.kind !== "document") return [];
    return read.statements.filter((s) => statementEffect(s) === "Deny");
}

/** Whether the attachment attaches `policy` (by its policyId input's dependency). */
function attaches(attachment: StackResource, policy: StackResource): boolean {
    return dependenciesOf(attachment, "policyId").has(policy.urn);
}

export const guardrailsAttached: StackValidationPolicy = {
    name: "guardrails-attached",
    description:
        "The stack must attach a service control policy that keeps detection on and a resource control policy around the findings.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            required: {
                type: "boolean",
                default: false,
                description: "Require the guardrails (set true for production organizations).",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const { required = false } = args.getConfig<{ required?: boolean }>();
        if (!required) {
            args.notApplicable("guardrails are not required by this stack's pack config");
        }
        const resources = stackResources(args, [ORGANIZATIONS_POLICY, POLICY_ATTACHMENT]);
        const policies = resources.filter((r) => r.type === ORGANIZATIONS_POLICY);
        const attachments = resources.filter((r) => r.type === POLICY_ATTACHMENT);
        const attached = (policy: StackResource) => attachments.some((a) => attaches(a, policy));

        const scps = policies.filter((p) => str(at(p.props, "type")) === "SERVICE_CONTROL_POLICY");
        const holding = scps.filter((p) => {
            const statements = denyStatements(at(p.props, "content"));
            // Content not yet known (preview of a new stack): it is judged once it is.
            if (statements === UNKNOWN) return true;
            const denied = statements.flatMap((s) => {
                const actions = statementActions(s);
                return actions === UNKNOWN ? [] : actions;
            });
            return REQUIRED_DENIED_ACTIONS.every((action) => denied.some((d) => actionMatches(d, action)));
        });
        if (holding.length === 0) {
            reportViolation(
                `No service control policy denies ${REQUIRED_DENIED_ACTIONS.join(", ")}: member accounts could switch detection off. Set security-governance:guardrails.enabled to true.`,
            );
        } else if (!holding.some(attached)) {
            reportViolation(
                `The service control policy ${holding.map((p) => p.name).join(", ")} is attached to nothing: it protects no account.`,
            );
        }
        const rcps = policies.filter((p) => str(at(p.props, "type")) === "RESOURCE_CONTROL_POLICY");
        if (!rcps.some(attached)) {
            reportViolation(
                "No resource control policy is attached: the findings bucket and keys are not kept inside the organization.",
            );
        }
    },
};

/** The values of every negated aws:PrincipalArn condition of a statement: the principals it exempts. */
function exemptedPrincipals(statement: PlainObject): string[] | typeof UNKNOWN {
    const condition = at(statement, "Condition");
    if (condition === UNKNOWN) return UNKNOWN;
    if (!isObject(condition)) return [];
    const exempted: string[] = [];
    for (const [operator, keys] of Object.entries(condition)) {
        // Only operators that exempt what they list; ...IfExists changes nothing here (the key always exists).
        if (!/^(ArnNotLike|ArnNotEquals|StringNotLike|StringNotEquals)(IfExists)?$/i.test(operator)) continue;
        if (!isObject(keys)) continue;
        for (const [key, value] of Object.entries(keys)) {
            if (key.toLowerCase() !== "aws:principalarn") continue;
            const values = oneOrMany(value);
            if (values === UNKNOWN) return UNKNOWN;
            exempted.push(...values.filter((v): v is string => typeof v === "string"));
        }
    }
    return exempted;
}

export const guardrailsExemptDeployer: ResourceValidationPolicy = {
    name: "guardrails-exempt-deployer",
    description:
        "Every deny statement of a service control policy must exempt the deployer roles, or the next update is locked out.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            deployerRoleArns: {
                type: "array",
                items: { type: "string", pattern: "^arn:aws:iam::[0-9]{12}:role/" },
                description: "Roles that run pulumi up. Unset: the policy does not apply.",
            },
        },
    },
    validateResource: validateTypes(ORGANIZATIONS_POLICY, (props, args, reportViolation) => {
        if (str(at(props, "type")) !== "SERVICE_CONTROL_POLICY") return;
        const { deployerRoleArns = [] } = args.getConfig<{ deployerRoleArns?: string[] }>();
        if (deployerRoleArns.length === 0) {
            args.notApplicable("deployerRoleArns is not configured");
        }
        const statements = denyStatements(at(props, "content"));
        if (statements === UNKNOWN) return;
        statements.forEach((statement, index) => {
            const exempted = exemptedPrincipals(statement);
            if (exempted === UNKNOWN) return;
            const denied = deployerRoleArns.filter(
                (arn) => !exempted.some((pattern) => wildcardMatches(pattern, arn, true)),
            );
            if (denied.length > 0) {
                const sid = str(at(statement, "Sid"));
                reportViolation(
                    `Statement ${typeof sid === "string" ? sid : index} denies the deployer ${denied.join(", ")}: add it to security-governance:guardrails.exemptRoleArns.`,
                );
            }
        });
    }),
};

export const findingsBucketObjectLock: StackValidationPolicy = {
    name: "findings-bucket-object-lock",
    description: "Buckets receiving findings must lock every new object version (S3 Object Lock).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requiredMode: {
                type: "string",
                enum: ["GOVERNANCE", "COMPLIANCE"],
                description:
                    "The mode required: COMPLIANCE admits only COMPLIANCE; GOVERNANCE admits either. Unset: the policy does not apply.",
            },
            minDays: {
                type: "integer",
                minimum: 1,
                default: 1,
                description: "Fewest days of default retention.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const { requiredMode, minDays = 1 } = args.getConfig<{ requiredMode?: string; minDays?: number }>();
        if (requiredMode === undefined) {
            args.notApplicable("requiredMode is not configured");
        }
        const resources = stackResources(args, [...FINDINGS_BUCKET_INPUT_TYPES, OBJECT_LOCK]);
        for (const fb of findingsBuckets(resources)) {
            const links = subResourceLinks(resources, [OBJECT_LOCK], fb);
            if (links.yes.length === 0) {
                if (!links.maybe) {
                    reportViolation(
                        `${describeBucket(fb)} has no Object Lock configuration: findings can be deleted or overwritten. Set security-governance:findingsExport.objectLock.`,
                        fb.resource?.urn,
                    );
                }
                continue;
            }
            for (const lock of links.yes) {
                const mode = str(at(lock.props, "rule", "defaultRetention", "mode"));
                const days = num(at(lock.props, "rule", "defaultRetention", "days"));
                const years = num(at(lock.props, "rule", "defaultRetention", "years"));
                if (mode === UNKNOWN || days === UNKNOWN || years === UNKNOWN) continue;
                if (mode === undefined) {
                    reportViolation(`${describeBucket(fb)}: Object Lock has no default retention.`, lock.urn);
                } else if (requiredMode === "COMPLIANCE" && mode !== "COMPLIANCE") {
                    reportViolation(
                        `${describeBucket(fb)}: Object Lock is in ${mode} mode; COMPLIANCE is required.`,
                        lock.urn,
                    );
                }
                const total = (days ?? 0) + 365 * (years ?? 0);
                if (mode !== undefined && total < minDays) {
                    reportViolation(
                        `${describeBucket(fb)}: Object Lock retains ${total} days; at least ${minDays} are required.`,
                        lock.urn,
                    );
                }
            }
        }
    },
};

export const guardrailPolicies = [guardrailsAttached, guardrailsExemptDeployer, findingsBucketObjectLock];
