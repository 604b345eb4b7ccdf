import * as z from "zod";
import { accountId, isAccountId } from "./schema-parts";

/*
 * The `accounts` section: the management account, the security account that administers every service,
 * and the role the program assumes in the management account.
 */

export const accountsSchema = z
    .strictObject({
        /** The organization's management account. Only delegated-admin designations are made there. */
        management: accountId.describe(
            "The organization's management account ID (12 digits, quoted): only delegated-administrator designations and organization policies are made there.",
        ),
        /** The security account: delegated administrator of every service, where `pulumi up` runs. */
        securityAdmin: accountId.describe(
            "The security account ID: delegated administrator of every service, where `pulumi up` runs; not the management account.",
        ),
        /** Role in the management account that the program assumes to designate administrators. */
        managementRoleArn: z
            .string({
                error: "an IAM role ARN such as arn:aws:iam::111111111111:role/SecurityGovernanceDeployer",
            })
            .regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
                error: "an IAM role ARN such as arn:aws:iam::111111111111:role/SecurityGovernanceDeployer",
            })
            .describe(
                "The role in the management account that the program assumes to designate administrators.",
            ),
    })
    .superRefine((accounts, ctx) => {
        // A malformed management ID is reported once, by its own rule, not again through the others.
        if (!isAccountId(accounts.management)) return;
        if (accounts.securityAdmin === accounts.management) {
            ctx.addIssue({
                code: "custom",
                path: ["securityAdmin"],
                input: accounts.securityAdmin,
                message:
                    "an account other than accounts.management: AWS recommends against, and Security Hub central configuration refuses, the management account as delegated administrator",
            });
        }
        const roleAccount = /^arn:aws:iam::(\d{12}):/.exec(accounts.managementRoleArn)?.[1];
        if (roleAccount !== undefined && roleAccount !== accounts.management) {
            ctx.addIssue({
                code: "custom",
                path: ["managementRoleArn"],
                input: accounts.managementRoleArn,
                message: `a role in the management account ${accounts.management}`,
            });
        }
    });

export type AccountsConfig = z.output<typeof accountsSchema>;
