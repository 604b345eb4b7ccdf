import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { designationIn } from "./delegated-admin";
import {
    MemberEnrollment,
    memberCountsOf,
    type InspectorResourceType,
    type MemberAccount,
} from "./member-enrollment";

export interface InspectorAdminArgs {
    /** Governed regions: Inspector is enabled for the security account in each. */
    regions: string[];
    /** The security account. */
    adminAccountId: string;
    /** Scan types enabled for the security account itself. */
    resourceTypes: InspectorResourceType[];
}

/**
 * Inspector scanning of the security account's own resources in every governed region, set up before the
 * designation like every other service's administrator (aws-gotchas 1): the designation then finds
 * Inspector already on and the scan types this program chose.
 */
export class InspectorAdmin extends pulumi.ComponentResource {
    /** Enabler per region. */
    public readonly enablers: Record<string, aws.inspector2.Enabler>;

    constructor(name: string, args: InspectorAdminArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:inspector:InspectorAdmin", name, {}, opts);
        this.enablers = {};
        for (const region of args.regions) {
            this.enablers[region] = new aws.inspector2.Enabler(
                `${name}-${region}`,
                { region, accountIds: [args.adminAccountId], resourceTypes: args.resourceTypes },
                { parent: this },
            );
        }
        this.registerOutputs({ regions: Object.keys(this.enablers) });
    }
}

export interface InspectorOrganizationArgs {
    /** The administrator's enablement, by region. */
    admin: InspectorAdmin;
    /** The administrator designation per region: organization settings can only be made after it. */
    designations: Record<string, pulumi.Resource>;
    /** The security account (never enrolled as its own member). */
    adminAccountId: string;
    /** The organization's existing accounts, enrolled as members in every region. */
    members: pulumi.Input<pulumi.Input<MemberAccount>[]>;
    /** Scan types auto-enabled for new accounts and enabled in existing ones. */
    resourceTypes: InspectorResourceType[];
}

/**
 * Organization-wide Inspector in every governed region: the chosen scan types auto-enabled for new
 * accounts, and existing accounts associated and enabled with the same scan types.
 */
export class InspectorOrganization extends pulumi.ComponentResource {
    /** Member enrollment per region. */
    public readonly enrollments: Record<string, MemberEnrollment>;

    constructor(name: string, args: InspectorOrganizationArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:inspector:InspectorOrganization", name, {}, opts);
        const types = new Set(args.resourceTypes);
        this.enrollments = {};
        for (const region of Object.keys(args.admin.enablers)) {
            const designation = designationIn(args.designations, region, "InspectorOrganization");
            const organizationConfiguration = new aws.inspector2.OrganizationConfiguration(
                `${name}-${region}`,
                {
                    region,
                    autoEnable: {
                        ec2: types.has("EC2"),
                        ecr: types.has("ECR"),
                        lambda: types.has("LAMBDA"),
                        lambdaCode: types.has("LAMBDA_CODE"),
                        codeRepository: types.has("CODE_REPOSITORY"),
                    },
                },
                { parent: this, dependsOn: [designation] },
            );
            this.enrollments[region] = new MemberEnrollment(
                `${name}-${region}-members`,
                {
                    service: "inspector",
                    region,
                    adminAccountId: args.adminAccountId,
                    accounts: args.members,
                    resourceTypes: args.resourceTypes,
                },
                { parent: this, dependsOn: [designation, organizationConfiguration] },
            );
        }
        this.registerOutputs({
            memberCounts: memberCountsOf(this.enrollments),
        });
    }
}
