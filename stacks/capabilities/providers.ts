import * as aws from "@pulumi/aws";
import type { StackConfig } from "../config";
import type { Providers } from "./context";

/** The security and management providers, from aws:region, aws:profile and the accounts section. */
export function stackProviders(config: StackConfig): Providers {
    const { accounts, homeRegion } = config;
    // allowedAccountIds makes the provider refuse to touch any other account: running this stack with
    // credentials of the wrong account fails before anything is changed.
    // Explicit providers read no aws: stack config, so the profile is passed on by hand (and every other
    // aws: key is refused by the config check rather than silently ignored).
    const security = new aws.Provider("security", {
        region: homeRegion,
        profile: config.awsProfile,
        allowedAccountIds: [accounts.securityAdmin],
    });
    const management = new aws.Provider("management", {
        region: homeRegion,
        profile: config.awsProfile,
        allowedAccountIds: [accounts.management],
        assumeRoles: [{ roleArn: accounts.managementRoleArn, sessionName: "security-governance" }],
    });
    return { security, management };
}
