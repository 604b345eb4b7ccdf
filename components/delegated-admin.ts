import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Services whose administration is delegated to the security account. */
export type DelegatedService = "guardduty" | "securityhub" | "macie" | "detective" | "inspector";

/** Per service: region -> the resource in the security account that must exist before the designation. */
export type DesignationPrerequisites = Partial<Record<DelegatedService, Record<string, pulumi.Resource>>>;

export interface DelegatedAdministrationArgs {
    /** The account designated administrator of every service (the security account). */
    adminAccountId: string;
    /**
     * Services to designate, each in the regions it is keyed by, after the resource it maps to. The
     * designations are regional (aws-gotchas 2), and each needs the administrator's own enablement
     * first (aws-gotchas 1).
     */
    services: DesignationPrerequisites;
    /**
     * Let GuardDuty start malware scans in member accounts: with a delegated administrator other than the
     * management account, "the management account must enable GuardDuty-initiated malware scan for their
     * organization" so that the administrator can create the Malware Protection service-linked role in
     * members (GuardDuty user guide, configure-malware-protection-guardduty-initiated-multi-account.html).
     * The setting is trusted access for MALWARE_PROTECTION_PRINCIPAL, as the Landing Zone Accelerator and
     * the Security Reference Architecture set it (EnableAWSServiceAccess). Default false.
     */
    malwareScanAccess?: boolean;
}

/** The service principal of GuardDuty Malware Protection (Organizations user guide, services that work with Organizations). */
export const MALWARE_PROTECTION_PRINCIPAL = "malware-protection.guardduty.amazonaws.com";

/**
 * Designations made from the management account (its provider is passed in `opts.provider`): the
 * only resources this program creates there.
 */
export class DelegatedAdministration extends pulumi.ComponentResource {
    /** Designation per service and region, for ordering the administrator's organization settings. */
    public readonly designations: Partial<Record<DelegatedService, Record<string, pulumi.Resource>>>;
    /** Trusted access for GuardDuty's malware scans, when asked for. */
    public readonly malwareScanAccess?: aws.organizations.AwsServiceAccess;

    constructor(name: string, args: DelegatedAdministrationArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:organization:DelegatedAdministration", name, {}, opts);
        this.designations = {};
        for (const [service, prerequisites] of Object.entries(args.services) as [
            DelegatedService,
            Record<string, pulumi.Resource>,
        ][]) {
            const byRegion: Record<string, pulumi.Resource> = {};
            for (const [region, prerequisite] of Object.entries(prerequisites)) {
                byRegion[region] = designate(
                    service,
                    `${name}-${service}-${region}`,
                    region,
                    args.adminAccountId,
                    // Kept: removing a designation ends the region's administration, and Detective's "Deletes
                    // the organization behavior graph" (stacks/delete-effects.ts).
                    { parent: this, retainOnDelete: true, dependsOn: [prerequisite] },
                );
            }
            this.designations[service] = byRegion;
        }
        if (args.malwareScanAccess === true) {
            // Kept on delete: turning trusted access off would stop the scans in every member account.
            this.malwareScanAccess = new aws.organizations.AwsServiceAccess(
                `${name}-malware-protection`,
                { servicePrincipal: MALWARE_PROTECTION_PRINCIPAL },
                { parent: this, retainOnDelete: true },
            );
        }
        this.registerOutputs({ adminAccountId: args.adminAccountId });
    }
}

function designate(
    service: DelegatedService,
    name: string,
    region: string,
    adminAccountId: string,
    opts: pulumi.CustomResourceOptions,
): pulumi.Resource {
    switch (service) {
        case "guardduty":
            return new aws.guardduty.OrganizationAdminAccount(name, { region, adminAccountId }, opts);
        case "securityhub":
            return new aws.securityhub.OrganizationAdminAccount(name, { region, adminAccountId }, opts);
        case "macie":
            return new aws.macie2.OrganizationAdminAccount(name, { region, adminAccountId }, opts);
        case "detective":
            return new aws.detective.OrganizationAdminAccount(
                name,
                { region, accountId: adminAccountId },
                opts,
            );
        case "inspector":
            return new aws.inspector2.DelegatedAdminAccount(
                name,
                { region, accountId: adminAccountId },
                opts,
            );
    }
}

/**
 * The designation in `region`, which a service's organization settings there must wait for. A missing
 * one is a wiring mistake in the program, not a user error.
 */
export function designationIn(
    designations: Record<string, pulumi.Resource>,
    region: string,
    component: string,
): pulumi.Resource {
    const designation = designations[region];
    if (designation === undefined) {
        throw new Error(`${component}: no administrator designation for region ${region}`);
    }
    return designation;
}
