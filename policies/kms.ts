import { ResourceValidationPolicy } from "@pulumi/policy";
import {
    UNKNOWN,
    at,
    bool,
    conditionKeys,
    hasWildcardPrincipal,
    num,
    readPolicyDocument,
    servicePrincipals,
    statementActions,
    statementEffect,
    str,
    validateTypes,
} from "./util";

export const KMS_KEY = "aws:kms/key:Key";

/** What KMS uses when a key sets no deletion window. */
const AWS_DEFAULT_DELETION_WINDOW_DAYS = 30;
export const DEFAULT_MIN_DELETION_WINDOW_DAYS = 30;

const CONFUSED_DEPUTY_KEYS = ["aws:sourceaccount", "aws:sourcearn"];

/**
 * The one grant a source condition breaks: EventBridge having SNS encrypt for an encrypted topic. "Adding the
 * aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is not supported for
 * EventBridge-to-encrypted topics" (SNS developer guide, sns-key-management); the topic policy scopes the publisher.
 */
const EVENTBRIDGE_TO_TOPIC_ACTIONS = ["kms:decrypt", "kms:generatedatakey*"];
function isEventBridgeToTopicGrant(services: string[], actions: string[] | typeof UNKNOWN): boolean {
    return (
        services.length === 1 &&
        services[0].toLowerCase() === "events.amazonaws.com" &&
        actions !== UNKNOWN &&
        actions.length > 0 &&
        actions.every((action) => EVENTBRIDGE_TO_TOPIC_ACTIONS.includes(action.toLowerCase()))
    );
}

export const kmsKeyRotationEnabled: ResourceValidationPolicy = {
    name: "kms-key-rotation-enabled",
    description: "Symmetric KMS keys must rotate their key material automatically.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(KMS_KEY, (props, _args, reportViolation) => {
        // KMS rotates symmetric encryption keys only; asymmetric and HMAC keys cannot rotate.
        const spec = str(at(props, "customerMasterKeySpec"));
        // An unknown spec (UNKNOWN is neither) returns here too: the key may be one that cannot rotate.
        if (spec !== undefined && spec !== "SYMMETRIC_DEFAULT") {
            return;
        }
        const rotation = bool(at(props, "enableKeyRotation"));
        if (rotation !== UNKNOWN && rotation !== true) {
            reportViolation(`enableKeyRotation is ${rotation ?? "unset (false)"}; it must be true.`);
        }
    }),
};

export const kmsKeyDeletionWindow: ResourceValidationPolicy = {
    name: "kms-key-deletion-window",
    description: "KMS keys must wait at least the configured number of days before deletion.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minDeletionWindowDays: {
                type: "integer",
                minimum: 7,
                maximum: 30,
                default: DEFAULT_MIN_DELETION_WINDOW_DAYS,
                description:
                    "Fewest days between scheduling a key's deletion and the deletion (KMS allows 7-30).",
            },
        },
    },
    validateResource: validateTypes(KMS_KEY, (props, args, reportViolation) => {
        const { minDeletionWindowDays = DEFAULT_MIN_DELETION_WINDOW_DAYS } = args.getConfig<{
            minDeletionWindowDays?: number;
        }>();
        const configured = num(at(props, "deletionWindowInDays"));
        if (configured === UNKNOWN) {
            return;
        }
        const days = configured ?? AWS_DEFAULT_DELETION_WINDOW_DAYS;
        if (days < minDeletionWindowDays) {
            reportViolation(`deletionWindowInDays is ${days}; it must be at least ${minDeletionWindowDays}.`);
        }
    }),
};

export const kmsKeyPolicyNoWildcardAdmin: ResourceValidationPolicy = {
    name: "kms-key-policy-no-wildcard-admin",
    description: 'KMS key policies must not allow "kms:*" or "*" to a wildcard principal.',
    enforcementLevel: "mandatory",
    validateResource: validateTypes(KMS_KEY, (props, _args, reportViolation) => {
        const document = readPolicyDocument(at(props, "policy"));
        if (document.kind === "invalid") {
            reportViolation(`The key policy is ${document.reason}.`);
            return;
        }
        if (document.kind !== "document") {
            return;
        }
        for (const statement of document.statements) {
            const effect = statementEffect(statement);
            const actions = statementActions(statement);
            if (
                typeof effect === "string" &&
                effect.toLowerCase() === "allow" &&
                hasWildcardPrincipal(statement) === "yes" &&
                actions !== UNKNOWN &&
                (actions.includes("kms:*") || actions.includes("*"))
            ) {
                const sid = str(at(statement, "Sid"));
                reportViolation(
                    `Statement ${typeof sid === "string" ? sid : "(no Sid)"} allows every action on the key to ` +
                        "any principal; grant kms:* only to the account root or named roles.",
                );
            }
        }
    }),
};

export const kmsKeyPolicyServicePrincipalsScoped: ResourceValidationPolicy = {
    name: "kms-key-policy-service-principals-scoped",
    description:
        "KMS key policy grants to AWS service principals must be scoped by aws:SourceAccount or aws:SourceArn.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(KMS_KEY, (props, _args, reportViolation) => {
        const document = readPolicyDocument(at(props, "policy"));
        if (document.kind !== "document") {
            return;
        }
        for (const statement of document.statements) {
            const effect = statementEffect(statement);
            const services = servicePrincipals(statement);
            const conditions = conditionKeys(statement);
            if (
                effect === UNKNOWN ||
                effect?.toLowerCase() !== "allow" ||
                services === UNKNOWN ||
                services.length === 0 ||
                conditions === UNKNOWN
            ) {
                continue;
            }
            if (isEventBridgeToTopicGrant(services, statementActions(statement))) {
                continue;
            }
            if (!CONFUSED_DEPUTY_KEYS.some((key) => conditions.has(key))) {
                const sid = str(at(statement, "Sid"));
                reportViolation(
                    `Statement ${typeof sid === "string" ? sid : "(no Sid)"} grants ${services.join(", ")} without an ` +
                        "aws:SourceAccount or aws:SourceArn condition, leaving the key open to the confused deputy.",
                );
            }
        }
    }),
};

export const kmsPolicies = [
    kmsKeyRotationEnabled,
    kmsKeyDeletionWindow,
    kmsKeyPolicyNoWildcardAdmin,
    kmsKeyPolicyServicePrincipalsScoped,
];
