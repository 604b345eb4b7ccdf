import type * as aws from "@pulumi/aws";
import type { StackConfig } from "../config";
import type { Organization } from "../organization";

/*
 * What every capability of the stack is wired from: the validated config, the organization as discovered
 * before any resource, and the two providers. Each capability file under stacks/capabilities/ takes this
 * and the components of the capabilities wired before it.
 */

/** The two accounts the program acts in, each through a provider that refuses any other account. */
export interface Providers {
    /** The security account: every service's administrator, where `pulumi up` runs. */
    security: aws.Provider;
    /** The management account, through the management role: designations and organization policies only. */
    management: aws.Provider;
}

export interface StackContext {
    config: StackConfig;
    organization: Organization;
    providers: Providers;
}
