import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RequiredPolicyType } from "../stacks/organization";
import { SECURITY_HUB_V2_FEATURES, type SecurityHubV2Feature } from "../stacks/security-hub-config";

/*
 * The new AWS Security Hub (generally available since December 2025; the original is now Security Hub CSPM).
 * It takes in the findings of GuardDuty, Inspector, Macie and Security Hub CSPM as OCSF and correlates them
 * into exposures, while CSPM keeps the standards and control checks (Security Hub user guide). CSPM stays as it
 * is (components/security-hub.ts); this component adds the new one beside it:
 *
 * - no designation of its own: "If the AWS organization management account designates a delegated
 *   administrator in Security Hub CSPM, that delegated administrator automatically becomes the delegated
 *   administrator in Security Hub" (Security Hub user guide);
 * - an Organizations Security Hub policy (SECURITYHUB_POLICY) on the root that enables it in every governed
 *   region for every account (Organizations user guide, orgs_manage_policies_security_hub.html);
 * - the security account's own enablement in the home region, and the V2 aggregator there, linked to the other
 *   governed regions ("Security Hub V2 must be enabled before creating an aggregator", @pulumi/aws AggregatorV2).
 */

/**
 * Trusted access for securityhub.amazonaws.com first, then the type on the root (Organizations user guide,
 * "Getting started with Security Hub policies").
 */
export const SECURITYHUB_POLICY_TYPE: RequiredPolicyType = {
    type: "SECURITYHUB_POLICY",
    servicePrincipal: "securityhub.amazonaws.com",
    configKey: "security-governance:securityHub.v2.enabled",
};

/**
 * The policy document: "Both enable_in_regions and disable_in_regions lists are required in the policy, though
 * they can be empty", and "disable_in_regions takes precedence". This program never disables, so the second list
 * stays empty; the governed regions are named rather than ALL_SUPPORTED, which "includes both current and future
 * Regions" the stack does not govern (orgs_manage_policies_security_hub_syntax.html).
 */
export function securityHubPolicyDocument(regions: readonly string[]): object {
    return {
        securityhub: {
            enable_in_regions: { "@@assign": [...regions].sort() },
            disable_in_regions: { "@@assign": [] },
        },
    };
}

export interface SecurityHubV2Args {
    homeRegion: string;
    /** Governed regions: the policy enables the new Security Hub in each, the aggregator links the others. */
    regions: string[];
    /** The organization root, `r-xxxx`. */
    rootId: string;
    /** The CSPM designation in the home region, which makes the security account the administrator here too. */
    designation: pulumi.Resource;
    /** Only the management account (or its delegate) creates and attaches Organizations policies. */
    managementProvider: pulumi.ProviderResource;
    /** Protect the security account's own enablement from deletion (default false); it is kept on delete either way. */
    protectData?: boolean;
    /**
     * Opt-in features (`securityHub.v2.features`) for the security account in the home region: true ENABLED, false
     * DISABLED, left out not managed. Default: none.
     */
    features?: Partial<Record<SecurityHubV2Feature, boolean>>;
}

export class SecurityHubV2 extends pulumi.ComponentResource {
    public readonly policy: aws.organizations.Policy;
    /** Regions linked to the home region's V2 aggregator (none for a single-region organization). */
    public readonly linkedRegions: string[];
    /** The security account's hub and its aggregator: V2 automation rules come after both (provider docs). */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: SecurityHubV2Args, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:securityhub:SecurityHubV2", name, {}, opts);
        const home = args.homeRegion;
        // Kept when the stack lets go of it: deleting it would call DisableSecurityHubV2 in the security account.
        const account = new aws.securityhub.AccountV2(
            `${name}-${home}`,
            { region: home },
            {
                parent: this,
                dependsOn: [args.designation],
                protect: args.protectData ?? false,
                retainOnDelete: true,
            },
        );
        this.linkedRegions = args.regions.filter((region) => region !== home).sort();
        this.ready = [account];
        // The security account's own features, through EnableSecurityHubFeatureV2 / DisableSecurityHubFeatureV2 "for
        // the calling account in the current AWS Region" after "the service" is enabled (Security Hub API reference),
        // so after its hub. Members are not reached: the Organizations policy's `features` map would, but its feature
        // keys are not spelled out in what we could read (docs/operations.md, known limits). The policy manages no
        // feature, so these calls are not refused as "managed by an organization policy". Deleting one changes
        // nothing in AWS (@pulumi/aws FeatureV2: "the resource in simply removed from state").
        for (const feature of SECURITY_HUB_V2_FEATURES) {
            const on = args.features?.[feature];
            if (on === undefined) continue;
            new aws.securityhub.FeatureV2(
                `${name}-${home}-${feature.toLowerCase().replace(/_/g, "-")}`,
                { region: home, featureName: feature, featureStatus: on ? "ENABLED" : "DISABLED" },
                { parent: this, dependsOn: [account] },
            );
        }
        if (this.linkedRegions.length > 0) {
            // SPECIFIED_REGIONS with an explicit list: CloudFormation allows no other mode for AggregatorV2
            // (AWS::SecurityHub::AggregatorV2, "Allowed values: SPECIFIED_REGIONS"; 1 to 50 linked regions).
            const aggregator = new aws.securityhub.AggregatorV2(
                `${name}-aggregator`,
                { region: home, regionLinkingMode: "SPECIFIED_REGIONS", linkedRegions: this.linkedRegions },
                { parent: this, retainOnDelete: true, dependsOn: [account] },
            );
            this.ready.push(aggregator);
        }
        // Kept when the stack lets go of it, as the Inspector policy is: whether detaching turns the service off
        // is not documented, and turning detection off is a decision for the organization's owners.
        const management = { parent: this, provider: args.managementProvider, retainOnDelete: true };
        this.policy = new aws.organizations.Policy(
            `${name}-organization-policy`,
            {
                name: "security-governance-securityhub",
                description: "The new AWS Security Hub in every governed region (security-governance)",
                type: SECURITYHUB_POLICY_TYPE.type,
                content: JSON.stringify(securityHubPolicyDocument(args.regions)),
            },
            // The administrator's own hub first: EnableSecurityHubV2 is reported refused ("being managed by a
            // Security Hub policy") in an account a policy already manages; not in an AWS guide.
            { ...management, dependsOn: [account] },
        );
        new aws.organizations.PolicyAttachment(
            `${name}-organization-policy-root`,
            { policyId: this.policy.id, targetId: args.rootId },
            { ...management, dependsOn: [this.policy] },
        );
        this.registerOutputs({ policyId: this.policy.id, linkedRegions: this.linkedRegions });
    }
}
