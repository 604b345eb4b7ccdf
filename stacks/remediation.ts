import * as z from "zod";
import { accountId, findingType, organizationalUnitId, uniqueArray } from "./schema-parts";

/*
 * The `remediation` section: the response ladder of the seed documents (SEC206: pick the action by the
 * resource, start by notifying, move deliberately towards isolation), opt-in and notify-first. Without the
 * section nothing responds; with it, every action notifies unless its mode says otherwise.
 */

/** A rung of the ladder: off, say what it would do (notify), work it out fully without acting, act. */
export const REMEDIATION_MODES = ["off", "notify", "dry-run", "act"] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

export const REMEDIATION_ACTIONS = [
    "blockRemoteAddress",
    "isolateInstance",
    "containCredentials",
    "blockPublicBucket",
] as const;
export type RemediationAction = (typeof REMEDIATION_ACTIONS)[number];

/**
 * What each action acts on, as the resource part of a GuardDuty finding type names it
 * (`ThreatPurpose:ResourceTypeAffected/ThreatFamilyName...`, GuardDuty user guide, "GuardDuty finding
 * format"): a type of another resource cannot give the action its target.
 */
export const ACTION_RESOURCES: Record<RemediationAction, readonly string[]> = {
    // The network ACL of the affected instance's subnet.
    blockRemoteAddress: ["EC2"],
    // An EC2 instance; Runtime Monitoring findings name the instance when it runs on EC2.
    isolateInstance: ["EC2", "Runtime"],
    // Access keys and role sessions are IAMUser findings (userType IAMUser or AssumedRole).
    containCredentials: ["IAMUser"],
    blockPublicBucket: ["S3"],
};

/**
 * The defaults, from the seed documents: the workshop blocks `MaliciousIPCaller.Custom` callers in the
 * subnet's network ACL; the Detective talk contains crypto-mining (almost always stolen access) by isolating
 * the instance and revoking its credentials; exfiltrated instance credentials are contained; a bucket opened
 * to the public is closed. The severities are this project's choice, not AWS facts: crypto-mining and
 * exfiltration findings are HIGH, and a public bucket is closed whatever the finding's severity.
 */
export const ACTION_DEFAULTS: Record<RemediationAction, { findingTypes: string[]; minSeverity: number }> = {
    blockRemoteAddress: { findingTypes: ["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"], minSeverity: 4 },
    isolateInstance: {
        findingTypes: [
            "CryptoCurrency:EC2/BitcoinTool.B",
            "CryptoCurrency:EC2/BitcoinTool.B!DNS",
            "CryptoCurrency:Runtime/BitcoinTool.B",
            "CryptoCurrency:Runtime/BitcoinTool.B!DNS",
        ],
        minSeverity: 4,
    },
    containCredentials: {
        findingTypes: [
            "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
            "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        ],
        minSeverity: 4,
    },
    blockPublicBucket: {
        findingTypes: [
            "Policy:S3/BucketAnonymousAccessGranted",
            "Policy:S3/BucketBlockPublicAccessDisabled",
            "Policy:S3/BucketPublicAccessGranted",
        ],
        minSeverity: 1,
    },
};

/** The resource part of a finding type: "EC2" of "CryptoCurrency:EC2/BitcoinTool.B". */
export function resourceOfType(type: string): string {
    return type.slice(type.indexOf(":") + 1).split("/")[0];
}

const severity = z
    .number({ error: "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)" })
    .min(1, { error: "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)" })
    .max(10, { error: "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)" });

function actionSchema<T extends z.ZodRawShape>(action: RemediationAction, extra: T) {
    const allowed = ACTION_RESOURCES[action];
    return z.strictObject({
        /** Default notify: the action is described on the topic, nothing is changed. */
        mode: z
            .enum(REMEDIATION_MODES, { error: `one of ${REMEDIATION_MODES.join(", ")}` })
            .default("notify"),
        /** The finding types that trigger it. */
        findingTypes: uniqueArray(
            findingType.refine((type) => allowed.includes(resourceOfType(type)), {
                error: `a finding type of ${allowed.map((r) => `${r}/`).join(" or ")} resources, which ${action} acts on`,
            }),
            "finding type",
        )
            .min(1, { error: "at least one finding type" })
            .default([...ACTION_DEFAULTS[action].findingTypes]),
        /** The lowest severity that triggers it. */
        minSeverity: severity.default(ACTION_DEFAULTS[action].minSeverity),
        /**
         * Where it may dry-run or act: accounts in these OUs, nested OUs included. Left out: the whole
         * organization. The exemptions apply within it. The member role is deployed only where some rung may
         * change something.
         */
        organizationalUnits: uniqueArray(organizationalUnitId, "OU")
            .min(1, {
                error: "at least one OU; leave organizationalUnits out to cover the whole organization",
            })
            .optional(),
        ...extra,
    });
}

const exemptTag = z
    .string({ error: 'a tag as "key=value", such as "security-governance:remediation=exempt"' })
    .regex(/^[^=]{1,128}=[^=]{0,256}$/, {
        error: 'a tag as "key=value" (key 1-128 characters, value up to 256), such as "security-governance:remediation=exempt"',
    });

const blockRemoteAddress = actionSchema("blockRemoteAddress", {
    /** Hours after which the block is lifted. Default 24. */
    expiresAfterHours: z
        .number({ error: "whole hours from 1 to 720 (30 days)" })
        .int({ error: "whole hours from 1 to 720 (30 days)" })
        .min(1, { error: "whole hours from 1 to 720 (30 days)" })
        .max(720, { error: "whole hours from 1 to 720 (30 days)" })
        .default(24),
});
const isolateInstance = actionSchema("isolateInstance", {
    /** Also stop the instance once isolated (its memory is lost). Default false. */
    stopInstance: z.boolean({ error: "true or false" }).default(false),
});
const containCredentials = actionSchema("containCredentials", {});
const blockPublicBucket = actionSchema("blockPublicBucket", {});

export const remediationSchema = z.strictObject({
    /** Resources carrying this tag are never acted on (EC2 instances by their tags). */
    exemptTag: exemptTag.default("security-governance:remediation=exempt"),
    /** Accounts never acted on, besides the management and security accounts, which never are. */
    exemptAccounts: uniqueArray(accountId, "account").default([]),
    /** OUs whose accounts (nested OUs included) are never acted on. */
    exemptOrganizationalUnits: uniqueArray(organizationalUnitId, "OU").default([]),
    /** 1. Deny the remote address of a network finding in the network ACL of the instance's subnets. */
    blockRemoteAddress: blockRemoteAddress.default(() => blockRemoteAddress.parse({})),
    /** 2. Snapshot the instance's volumes, then swap its security groups for a quarantine group. */
    isolateInstance: isolateInstance.default(() => isolateInstance.parse({})),
    /** 3. Deactivate an IAM user's access key, or revoke a role's sessions issued before now. */
    containCredentials: containCredentials.default(() => containCredentials.parse({})),
    /** 4. Turn on the bucket's public access block. */
    blockPublicBucket: blockPublicBucket.default(() => blockPublicBucket.parse({})),
});

export type RemediationConfig = z.output<typeof remediationSchema>;

/** Whether the ladder needs to know which OUs a finding's account is in: some OU is exempt or scoped. */
export function readsOrganizationalUnits(remediation: RemediationConfig): boolean {
    return (
        remediation.exemptOrganizationalUnits.length > 0 ||
        REMEDIATION_ACTIONS.some((action) => remediation[action].organizationalUnits !== undefined)
    );
}
