import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PARTITION } from "../stacks/regions";
import { standardArn } from "../stacks/security-hub-standards";

/** A Security Hub control turned off organization-wide, with the reason a reviewer reads. */
export interface DisabledControl {
    /** Security control ID, e.g. "EC2.10". */
    controlId: string;
    /** Why the control is off. */
    reason: string;
}

export interface SecurityHubAdminArgs {
    /** Import the security account's existing hub (its ID is the account ID) rather than create it. */
    adoptAccountId?: string;
    /** Home region: the only region where the administrator's hub is created and the designation made. */
    homeRegion: string;
    /**
     * Protect the hub from deletion by Pulumi (and keep it if removed from the program): it holds the
     * findings of every account and region. Default false.
     */
    protectData?: boolean;
}

/**
 * The security account's own hub in the home region. It must exist before the designation: designating
 * the administrator enables Security Hub in that account, and creating the hub afterwards fails with
 * "Account is already subscribed to Security Hub" (aws-gotchas 1).
 *
 * Only the home region gets one. Central configuration sets the same administrator in every linked region
 * (Security Hub CSPM user guide, "Enabling central configuration": designate the administrator in the
 * intended home Region; "the same delegated administrator is automatically set in all linked Regions"),
 * and the configuration policy associated with the root then enables Security Hub in those regions for
 * every account, this one included. A hub or designation of ours in a linked region would be a second
 * owner of state the policy already manages, and the Security Hub API refuses to remove a designation
 * while central configuration is on.
 */
export class SecurityHubAdmin extends pulumi.ComponentResource {
    public readonly hub: aws.securityhub.Account;
    /** For DelegatedAdministration: the hub, keyed by the home region (the only designation made). */
    public readonly designationPrerequisites: Record<string, pulumi.Resource>;

    constructor(name: string, args: SecurityHubAdminArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:securityhub:SecurityHubAdmin", name, {}, opts);
        const protectData = args.protectData ?? false;
        this.hub = new aws.securityhub.Account(
            `${name}-${args.homeRegion}`,
            {
                region: args.homeRegion,
                // Standards come from the configuration policy alone, for this account as for every other.
                enableDefaultStandards: false,
                // One finding per control whatever the number of standards: disabled controls are security
                // control IDs ("EC2.10"), and alerts are not repeated per standard.
                controlFindingGenerator: "SECURITY_CONTROL",
            },
            { parent: this, protect: protectData, retainOnDelete: protectData, import: args.adoptAccountId },
        );
        this.designationPrerequisites = { [args.homeRegion]: this.hub };
        this.registerOutputs({ hubArn: this.hub.arn });
    }
}

/** One OU's configuration policy: its own standards and disabled controls in place of the root's. */
export interface OrganizationalUnitPolicy {
    /** The OU, `ou-...`. */
    id: string;
    /** Short name, in the report. */
    name: string;
    /** The policy's name as the console shows it. */
    policyName: string;
    standards: readonly string[];
    disabledControls: readonly DisabledControl[];
}

export interface SecurityHubOrganizationArgs {
    /** The administrator's hub (created before the designation). */
    admin: SecurityHubAdmin;
    /** The home-region designation: central configuration can only be turned on after it. */
    designation: pulumi.Resource;
    /** Home region: aggregation region and home of central configuration. */
    homeRegion: string;
    /** Governed regions; every one other than the home region is linked to the aggregator. */
    regions: string[];
    /** Standards enabled in every account and linked region ("aws-foundational-security-best-practices/v/1.0.0"). */
    standards: readonly string[];
    /** Controls turned off organization-wide. Default: none. */
    disabledControls?: readonly DisabledControl[];
    /** The organization root (`r-xxxx`) the configuration policy is associated with. */
    rootId: pulumi.Input<string>;
    /**
     * OUs with a configuration policy of their own, applied to the OU: "Application takes precedence over
     * inheritance", and the OU's accounts and nested OUs inherit it from "the closest parent that has a
     * configuration policy" (Security Hub CSPM user guide, configuration-policies-overview.html). Default: none.
     */
    organizationalUnits?: readonly OrganizationalUnitPolicy[];
    /** Name of the root's configuration policy as shown in the console. Default: the component name. */
    policyName?: string;
}

/**
 * Security Hub central configuration (aws-gotchas 5): a finding aggregator in the home region linked
 * to exactly the governed regions, the organization switched to CENTRAL with the local auto-enable
 * switches off, and one configuration policy (standards, disabled controls) associated with the root, so
 * that every existing and future account is covered in every governed region; an OU given its own policy
 * (stack config `organizationalUnits`) has it applied in place of the root's.
 */
export class SecurityHubOrganization extends pulumi.ComponentResource {
    public readonly aggregatorArn: pulumi.Output<string>;
    public readonly policyArn: pulumi.Output<string>;
    public readonly policyId: pulumi.Output<string>;
    /** Regions aggregated into the home region (empty for a single-region organization). */
    public readonly linkedRegions: string[];
    /** The configuration policy of each OU given one, by OU ID. */
    public readonly organizationalUnitPolicyIds: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: SecurityHubOrganizationArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:securityhub:SecurityHubOrganization", name, {}, opts);
        const region = args.homeRegion;
        this.linkedRegions = args.regions.filter((governed) => governed !== region);

        // SPECIFIED_REGIONS rather than ALL_REGIONS: ALL_REGIONS would also link (and, through the policy,
        // enable Security Hub in) regions this stack does not govern, as well as every region AWS adds.
        const aggregator = new aws.securityhub.FindingAggregator(
            `${name}-aggregator`,
            this.linkedRegions.length > 0
                ? { region, linkingMode: "SPECIFIED_REGIONS", specifiedRegions: this.linkedRegions }
                : { region, linkingMode: "NO_REGIONS" },
            // Kept, like the organization configuration and the root's policy and association below: their
            // deletes end aggregation or central configuration (stacks/delete-effects.ts). An OU's policy and
            // association are not: deleting them returns the OU to the root's policy.
            { parent: this, retainOnDelete: true, dependsOn: [args.admin.hub] },
        );

        const organizationConfiguration = new aws.securityhub.OrganizationConfiguration(
            `${name}-organization`,
            {
                region,
                // CENTRAL refuses the local switches: the policy associated with the root decides instead.
                autoEnable: false,
                autoEnableStandards: "NONE",
                organizationConfiguration: { configurationType: "CENTRAL" },
            },
            { parent: this, retainOnDelete: true, dependsOn: [args.designation, aggregator] },
        );

        const policyName = args.policyName ?? name;
        const policy = configurationPolicy(
            `${name}-policy`,
            policyName,
            args.standards,
            args.disabledControls ?? [],
            {
                region,
                parent: this,
                retainOnDelete: true,
                dependsOn: [organizationConfiguration],
            },
        );
        new aws.securityhub.ConfigurationPolicyAssociation(
            `${name}-root`,
            { region, targetId: args.rootId, policyId: policy.id },
            // Named as well as referenced, so the plan records which policy the root gets.
            { parent: this, retainOnDelete: true, dependsOn: [policy] },
        );
        // Keyed by OU ID, so renaming a scope renames its policy in place. Removing one disassociates it, and
        // "an affected target inherits the configuration policy ... of the closest parent"
        // (disassociate-policy.html): the OU's accounts go back to the root's policy, never to none.
        this.organizationalUnitPolicyIds = {};
        for (const ou of args.organizationalUnits ?? []) {
            const ouPolicy = configurationPolicy(
                `${name}-policy-${ou.id}`,
                ou.policyName,
                ou.standards,
                ou.disabledControls,
                { region, parent: this, dependsOn: [organizationConfiguration] },
            );
            new aws.securityhub.ConfigurationPolicyAssociation(
                `${name}-${ou.id}`,
                { region, targetId: ou.id, policyId: ouPolicy.id },
                { parent: this, dependsOn: [ouPolicy] },
            );
            this.organizationalUnitPolicyIds[ou.id] = ouPolicy.id;
        }

        this.aggregatorArn = aggregator.arn;
        this.policyArn = policy.arn;
        this.policyId = policy.id;
        this.registerOutputs({
            aggregatorArn: this.aggregatorArn,
            policyArn: this.policyArn,
            linkedRegions: this.linkedRegions,
        });
    }
}

/**
 * A configuration policy that keeps Security Hub on and enables exactly `standards`. The disabled controls are
 * an explicit (possibly empty) deny-list: every other control, including controls AWS releases later, stays
 * enabled.
 */
function configurationPolicy(
    resourceName: string,
    policyName: string,
    standards: readonly string[],
    disabledControls: readonly DisabledControl[],
    opts: { region: string } & pulumi.CustomResourceOptions,
): aws.securityhub.ConfigurationPolicy {
    const { region, ...resourceOptions } = opts;
    return new aws.securityhub.ConfigurationPolicy(
        resourceName,
        {
            region,
            name: policyName,
            description: policyDescription(standards, disabledControls),
            configurationPolicy: {
                serviceEnabled: true,
                enabledStandardArns: standards.map((id) => standardArn(PARTITION, region, id)),
                securityControlsConfiguration: {
                    disabledControlIdentifiers: disabledControls.map((control) => control.controlId),
                },
            },
        },
        resourceOptions,
    );
}

/** Security Hub allows 512 characters; the full reasons stay in the stack config. */
function policyDescription(standards: readonly string[], disabled: readonly DisabledControl[]): string {
    const text = [
        "Managed by security-governance (Pulumi).",
        `Standards: ${standards.join(", ")}.`,
        disabled.length > 0
            ? `Disabled: ${disabled.map((control) => `${control.controlId} (${control.reason})`).join("; ")}.`
            : "No controls disabled.",
    ].join(" ");
    return text.length <= 512 ? text : `${text.slice(0, 509)}...`;
}
