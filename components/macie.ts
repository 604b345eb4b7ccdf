import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { designationIn } from "./delegated-admin";
import { EXPORT_PREFIXES } from "./policy-documents";

export interface MacieAdminArgs {
    /** Regions where the security account's Macie account exists already and is imported. Default: none. */
    adoptIn?: string[];
    /** The security account: a Macie account's import ID. Required with `adoptIn`. */
    accountId?: string;
    /** Governed regions: Macie is enabled for the security account in each. */
    regions: string[];
    /** How often finding updates are published (to Security Hub and EventBridge). */
    publishingFrequency: string;
    /**
     * Protect the Macie accounts from deletion by Pulumi (and keep them if removed from the program):
     * deleting one disables Macie in that region and deletes its findings and discovery data. Default false.
     */
    protectData?: boolean;
}

/**
 * Macie enabled for the security account in every governed region, before the designation: the
 * administrator must be a Macie account already (aws-gotchas 1).
 */
export class MacieAdmin extends pulumi.ComponentResource {
    /** Macie account per region. */
    public readonly accounts: Record<string, aws.macie2.Account>;

    constructor(name: string, args: MacieAdminArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:macie:MacieAdmin", name, {}, opts);
        const protectData = args.protectData ?? false;
        this.accounts = {};
        for (const region of args.regions) {
            this.accounts[region] = new aws.macie2.Account(
                `${name}-${region}`,
                { region, status: "ENABLED", findingPublishingFrequency: args.publishingFrequency },
                {
                    parent: this,
                    protect: protectData,
                    retainOnDelete: protectData,
                    import: args.adoptIn?.includes(region) ? args.accountId : undefined,
                },
            );
        }
        this.registerOutputs({ regions: Object.keys(this.accounts) });
    }
}

/** Where Macie writes its sensitive data discovery results. */
export interface MacieExportDestination {
    bucketName: pulumi.Input<string>;
    keyArn: pulumi.Input<string>;
    /** Resources (bucket policy, encryption) that must be in place: Macie checks it can write when configured. */
    ready: pulumi.Resource[];
    /** The bucket is kept on delete: so is the export configuration that writes to it. Default false. */
    protectsData?: boolean;
}

export interface MacieOrganizationArgs {
    /** The administrator's Macie accounts, by region. */
    admin: MacieAdmin;
    /** The administrator designation per region: organization settings can only be made after it. */
    designations: Record<string, pulumi.Resource>;
    /** The findings bucket and key (one for every region, in the home region). */
    destination: MacieExportDestination;
}

/**
 * Organization-wide Macie in every governed region: new accounts auto-enabled (existing accounts, which
 * auto-enable never reaches, aws-gotchas 4, are enrolled by the enrollment function), and the administrator's
 * sensitive data discovery results kept in the encrypted findings bucket under `macie/` (Macie itself
 * keeps them 90 days).
 */
export class MacieOrganization extends pulumi.ComponentResource {
    /** The organization configuration per region: enrollment waits for it. */
    public readonly configurations: Record<string, aws.macie2.OrganizationConfiguration>;

    constructor(name: string, args: MacieOrganizationArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:macie:MacieOrganization", name, {}, opts);
        this.configurations = {};
        for (const [region, account] of Object.entries(args.admin.accounts)) {
            const designation = designationIn(args.designations, region, "MacieOrganization");
            this.configurations[region] = new aws.macie2.OrganizationConfiguration(
                `${name}-${region}`,
                { region, autoEnable: true },
                { parent: this, dependsOn: [designation] },
            );
            new aws.macie2.ClassificationExportConfiguration(
                `${name}-${region}-export`,
                {
                    region,
                    s3Destination: {
                        bucketName: args.destination.bucketName,
                        keyPrefix: EXPORT_PREFIXES.macie,
                        kmsKeyArn: args.destination.keyArn,
                    },
                },
                // Kept with the bucket: deleting it empties the configuration, and results stop being kept.
                {
                    parent: this,
                    retainOnDelete: args.destination.protectsData,
                    dependsOn: [account, ...args.destination.ready],
                },
            );
        }
        this.registerOutputs({ regions: Object.keys(this.configurations) });
    }
}
