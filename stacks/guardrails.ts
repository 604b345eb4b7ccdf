import * as z from "zod";
import { MAX_SCP_CHARACTERS, policyContent } from "../components/guardrail-documents";
import { guardrailScps, type GuardrailParams } from "../components/guardrail-policies";
import { organizationalUnitId, uniqueArray } from "./schema-parts";

/*
 * The `guardrails` section (components/guardrails.ts): the service control policy that keeps member
 * accounts from switching detection off, the one that protects what this stack owns in the security account,
 * and the resource control policy around the findings bucket and keys. And `findingsExport.objectLock`, the
 * other half of "findings that cannot be rewritten".
 */

/**
 * An IAM role ARN with its account: no wildcard anywhere. An exemption by pattern (`role/Admin*`,
 * `iam::*:role/...`) would exempt any role a member administrator creates with a matching name.
 */
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const ROLE_ARN_TEXT =
    "an IAM role ARN without wildcards, such as arn:aws:iam::333333333333:role/SecurityGovernanceDeployer";

export const roleArn = z.string({ error: ROLE_ARN_TEXT }).regex(ROLE_ARN, { error: ROLE_ARN_TEXT });

/** The account a role ARN (already validated) belongs to. */
export function roleAccount(arn: string): string | undefined {
    return ROLE_ARN.exec(arn)?.[1];
}

/** Where the service control policy of detection is attached: the root, or OUs. */
export const ROOT_TARGET = "root";
const TARGET_TEXT = 'root, or an OU ID such as "ou-ab12-cd34ef56"';

export const guardrailsSchema = z
    .strictObject({
        /**
         * Create and attach the guardrails. Default false: an SCP that denies the role running `pulumi up`
         * would lock the next update out, so the exempt roles are named on purpose first.
         */
        enabled: z
            .boolean({ error: "true or false" })
            .default(false)
            .describe(
                "Create and attach the guardrails. Name the exempt roles first: an SCP that denies the role running `pulumi up` locks the next update out.",
            ),
        /**
         * Where the detection SCP is attached: "root" (every account, existing and new) or OU IDs. The
         * security-account SCP and the RCP are attached to the security account itself. Default ["root"].
         */
        targets: uniqueArray(
            z
                .string({ error: TARGET_TEXT })
                .refine(
                    (target) => target === ROOT_TARGET || organizationalUnitId.safeParse(target).success,
                    {
                        error: TARGET_TEXT,
                    },
                ),
            "target",
        )
            .min(1, { error: "at least one target: root, or OU IDs" })
            .default([ROOT_TARGET])
            .describe(
                "Where the member-account guardrails are attached: root (every account, existing and new) or OU IDs. The security account's own SCP and the RCP are attached to it.",
            ),
        /**
         * Roles the guardrails never deny: the roles that run `pulumi up`, `npm run members` and
         * `npm run coverage -- --repair`. Roles of the security account or the management account only.
         */
        exemptRoleArns: uniqueArray(roleArn, "role")
            .default([])
            .describe(
                "Roles the guardrails never deny: those that run `pulumi up`, `npm run members` and `npm run coverage -- --repair`. Roles of the security or management account, no wildcards; the security account's deployer is required when enabled.",
            ),
        /**
         * Roles kept for emergencies, exempt as well: an incident that needs a detector changed by hand must
         * not wait for a policy change. Roles of the security or the management account, named one by one.
         */
        breakGlassRoleArns: uniqueArray(roleArn, "role")
            .default([])
            .describe(
                "Emergency roles, exempt as well: roles of the security or management account, named one by one, no wildcards.",
            ),
        /**
         * Also deny stopping, deleting or narrowing CloudTrail trails in the targets. Default false: GuardDuty
         * reads CloudTrail's events whatever the trails are, and an organization trail is already beyond a
         * member account's reach (docs/guardrails.md).
         */
        protectTrails: z
            .boolean({ error: "true or false" })
            .default(false)
            .describe(
                'Also deny stopping, deleting or narrowing CloudTrail trails in the targets (see "Guardrails").',
            ),
    })
    .superRefine((value, ctx) => {
        if (value.targets.includes(ROOT_TARGET) && value.targets.length > 1) {
            ctx.addIssue({
                code: "custom",
                path: ["targets"],
                input: value.targets,
                message: "either root alone or OU IDs: the root already covers every OU",
            });
        }
    });

export type GuardrailsConfig = z.output<typeof guardrailsSchema>;

/** The IDs the member SCPs are attached to: `root` is the organization's root ID. */
export function guardrailTargetIds(guardrails: GuardrailsConfig, rootId: string): string[] {
    return guardrails.targets.map((target) => (target === ROOT_TARGET ? rootId : target));
}

/** What the guardrails' documents are made from, from the config. */
export function guardrailParams(
    guardrails: GuardrailsConfig,
    context: {
        securityAccountId: string;
        homeRegion: string;
        /** `remediation.exemptTag`, "key=value", when the remediation section is set. */
        exemptTag: string | undefined;
        securityHubV2: boolean;
    },
): GuardrailParams {
    return {
        exemptRoleArns: guardrails.exemptRoleArns,
        breakGlassRoleArns: guardrails.breakGlassRoleArns,
        securityAccountId: context.securityAccountId,
        homeRegion: context.homeRegion,
        exemptTagKey: context.exemptTag?.slice(0, context.exemptTag.indexOf("=")),
        securityHubV2: context.securityHubV2,
        protectTrails: guardrails.protectTrails,
    };
}

/**
 * The exempt roles must be roles of the two governing accounts, and at least one of the security account
 * (where `pulumi up` runs) when the guardrails are on. Checked against `accounts`, so outside the schema.
 */
export function guardrailProblems(
    guardrails: GuardrailsConfig,
    accounts: { management: string; securityAdmin: string },
    params: GuardrailParams,
    keyPath: (path: (string | number)[]) => string,
): string[] {
    const problems: string[] = [];
    if (guardrails.enabled) {
        // Each exempt role is named in every statement: the list is what makes a document too long. One line
        // for the one cause: the longest document is the one to bring under the quota.
        const [longest] = guardrailScps(params)
            .map((scp) => ({ name: scp.name, size: policyContent(scp.document).length }))
            .sort((a, b) => b.size - a.size);
        if (longest.size > MAX_SCP_CHARACTERS) {
            const listed = JSON.stringify(guardrails.exemptRoleArns);
            problems.push(
                `${keyPath(["guardrails", "exemptRoleArns"])} = ${listed.length > 120 ? `${listed.slice(0, 117)}...` : listed}: expected fewer roles: with breakGlassRoleArns, ${guardrails.exemptRoleArns.length + guardrails.breakGlassRoleArns.length} roles make the SCP ${longest.name} ${longest.size} characters; Organizations takes at most ${MAX_SCP_CHARACTERS} (Organizations quotas)`,
            );
        }
    }
    guardrails.exemptRoleArns.forEach((arn, index) => {
        const account = roleAccount(arn);
        if (account !== accounts.securityAdmin && account !== accounts.management) {
            problems.push(
                `${keyPath(["guardrails", "exemptRoleArns", index])} = ${JSON.stringify(arn)}: expected a role of the security account ${accounts.securityAdmin} or the management account ${accounts.management}: a member account's administrator can create a role of that name and be exempt from every guardrail`,
            );
        }
    });
    const deployers = guardrails.exemptRoleArns.filter((arn) => roleAccount(arn) === accounts.securityAdmin);
    if (guardrails.enabled && deployers.length === 0) {
        problems.push(
            `${keyPath(["guardrails", "exemptRoleArns"])} = ${JSON.stringify(guardrails.exemptRoleArns)}: expected the role that runs pulumi up in the security account ${accounts.securityAdmin} when guardrails.enabled is true: the guardrails deny everyone else the changes an update makes`,
        );
    }
    guardrails.breakGlassRoleArns.forEach((arn, index) => {
        const account = roleAccount(arn);
        // A member account's administrator can create a role of any name there, and so be exempt from every
        // guardrail: only the two governing accounts' roles may be exempted.
        if (account !== accounts.securityAdmin && account !== accounts.management) {
            problems.push(
                `${keyPath(["guardrails", "breakGlassRoleArns", index])} = ${JSON.stringify(arn)}: expected a role of the security account ${accounts.securityAdmin} or the management account ${accounts.management}: a member account's administrator can create a role of that name and be exempt from every guardrail`,
            );
        } else if (guardrails.exemptRoleArns.includes(arn)) {
            problems.push(
                `${keyPath(["guardrails", "breakGlassRoleArns", index])} = ${JSON.stringify(arn)}: expected a role not also in guardrails.exemptRoleArns; keep it in one of the two`,
            );
        }
    });
    return problems;
}

/** S3 Object Lock retention modes (S3 API reference, DefaultRetention Mode). */
export const OBJECT_LOCK_MODES = ["GOVERNANCE", "COMPLIANCE"] as const;
export type ObjectLockMode = (typeof OBJECT_LOCK_MODES)[number];

/** S3 user guide, "Configuring S3 Object Lock": a retention period is at most 100 years. */
const MAX_LOCK_DAYS = 36_500;

export const objectLockSchema = z.strictObject({
    /**
     * COMPLIANCE: no one, the account's root user included, can delete or overwrite a locked version before
     * its retention ends. GOVERNANCE: roles with s3:BypassGovernanceRetention can.
     */
    mode: z
        .enum(OBJECT_LOCK_MODES, { error: `one of ${OBJECT_LOCK_MODES.join(", ")}` })
        .describe(
            "COMPLIANCE: no one, the root user included, can delete or overwrite a locked version before its retention ends. GOVERNANCE: roles with s3:BypassGovernanceRetention can.",
        ),
    /** Days each new object version is locked for. At most findingsExport.retentionDays. */
    days: z
        .number({ error: "a whole number of days, at least 1" })
        .int({ error: "a whole number of days, at least 1" })
        .min(1, { error: "at least 1 day" })
        .max(MAX_LOCK_DAYS, { error: `at most ${MAX_LOCK_DAYS} days (100 years)` })
        .describe("Days each new object version is locked for; at most findingsExport.retentionDays."),
});

export type ObjectLockConfig = z.output<typeof objectLockSchema>;
