import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { designationIn } from "./delegated-admin";
import type { RequiredPolicyType } from "../stacks/organization";
import type { ResourceScanType } from "@aws-sdk/client-inspector2";

/** Inspector scan types: the SDK's own enum. */
export type InspectorResourceType = ResourceScanType;

export interface InspectorAdminArgs {
    /** Governed regions: Inspector is enabled for the security account in each. */
    regions: string[];
    /** The security account. */
    adminAccountId: string;
    /** Scan types enabled for the security account itself. */
    resourceTypes: InspectorResourceType[];
    /**
     * Protect the enablers (default false): deleting one calls Inspector `Disable`, which deletes the
     * security account's findings, filters and suppression rules (Inspector user guide,
     * deactivating-best-practices.html).
     */
    protectData?: boolean;
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
                {
                    parent: this,
                    protect: args.protectData ?? false,
                    retainOnDelete: args.protectData ?? false,
                },
            );
        }
        this.registerOutputs({ regions: Object.keys(this.enablers) });
    }
}

/**
 * The Inspector policy type: trusted access for inspector2.amazonaws.com must come first, then the type is
 * enabled on the root ("To enable INSPECTOR_POLICY, awsServiceAccessPrincipals must include
 * inspector2.amazonaws.com", @pulumi/aws organizations.Organization).
 */
export const INSPECTOR_POLICY_TYPE: RequiredPolicyType = {
    type: "INSPECTOR_POLICY",
    servicePrincipal: "inspector2.amazonaws.com",
    configKey: "security-governance:inspector.enabled",
};

/**
 * The scan types of an Amazon Inspector policy (Organizations user guide, "Amazon Inspector policy syntax and
 * examples", orgs_manage_policies_inspector_syntax.html): `ec2_scanning`, `ecr_scanning`,
 * `lambda_standard_scanning` with `lambda_code_scanning` nested inside it, as the guide's example nests it,
 * and `code_repository_scanning`.
 */
export const INSPECTOR_POLICY_SCAN_KEYS: Record<Exclude<InspectorResourceType, "LAMBDA_CODE">, string> = {
    EC2: "ec2_scanning",
    ECR: "ecr_scanning",
    LAMBDA: "lambda_standard_scanning",
    CODE_REPOSITORY: "code_repository_scanning",
};

interface ScanRegions {
    enable_in_regions: { "@@assign": string[] };
    disable_in_regions: { "@@assign": string[] };
}

type ScanBlock = ScanRegions & { lambda_code_scanning?: ScanRegions };

/**
 * The INSPECTOR_POLICY document that enables `resourceTypes` in `regions` for every account it is attached
 * to. "Both enable_in_regions and disable_in_regions lists are required for each scan type", and
 * disable_in_regions stays empty: "disable_in_regions takes precedence", and deactivating a scan type deletes
 * its findings (Inspector user guide, deactivating-best-practices.html), which this program never does. A scan
 * type or region dropped from the config is therefore no longer enforced, but not switched off.
 *
 * `unenforced` are scan types an OU's policy lists with no region: "@@assign" in a child policy replaces the
 * value it inherits (Organizations user guide, orgs_manage_policies_inheritance_mgmt.html), so an OU's policy
 * names every scan type, or it inherits the ones it leaves out from the nearest policy above.
 */
export function inspectorPolicyDocument(
    regions: readonly string[],
    resourceTypes: readonly InspectorResourceType[],
    unenforced: readonly InspectorResourceType[] = [],
): { inspector: { enablement: Record<string, ScanBlock> } } {
    const scan = (type: InspectorResourceType): ScanRegions => ({
        enable_in_regions: { "@@assign": resourceTypes.includes(type) ? [...regions].sort() : [] },
        disable_in_regions: { "@@assign": [] },
    });
    const listed = (type: InspectorResourceType) => resourceTypes.includes(type) || unenforced.includes(type);
    const enablement: Record<string, ScanBlock> = {};
    for (const [type, key] of Object.entries(INSPECTOR_POLICY_SCAN_KEYS)) {
        if (!listed(type as InspectorResourceType)) continue;
        enablement[key] = scan(type as InspectorResourceType);
    }
    // The config refuses LAMBDA_CODE without LAMBDA, so where code scanning is enforced the standard block
    // exists; where it is only unenforced the standard block is listed too, enforced or not.
    if (listed("LAMBDA_CODE")) {
        const lambda = INSPECTOR_POLICY_SCAN_KEYS.LAMBDA;
        enablement[lambda] ??= scan("LAMBDA");
        enablement[lambda].lambda_code_scanning = scan("LAMBDA_CODE");
    }
    return { inspector: { enablement } };
}

/** Every scan type an Inspector policy document can name (INSPECTOR_POLICY_SCAN_KEYS and Lambda code scanning). */
const ALL_SCAN_TYPES: InspectorResourceType[] = [
    ...(Object.keys(INSPECTOR_POLICY_SCAN_KEYS) as InspectorResourceType[]),
    "LAMBDA_CODE",
];

/** One OU's scan types, attached to the OU in place of the root's. */
export interface InspectorOrganizationalUnitPolicy {
    /** The OU, `ou-...`. */
    id: string;
    /** Short name: the policy is named `security-governance-inspector-<name>`. */
    name: string;
    resourceTypes: readonly InspectorResourceType[];
}

export interface InspectorOrganizationArgs {
    /** The administrator's enablement, by region. */
    admin: InspectorAdmin;
    /** The administrator designation per region: organization settings can only be made after it. */
    designations: Record<string, pulumi.Resource>;
    /** Scan types enabled in every account through the Inspector policy, and auto-enabled for new ones. */
    resourceTypes: InspectorResourceType[];
    /** The organization root, `r-xxxx`, that the Inspector policy is attached to. */
    rootId: string;
    /** OUs given scan types of their own. Default: none. */
    organizationalUnits?: readonly InspectorOrganizationalUnitPolicy[];
    /**
     * The management account's provider: only the management account (or an account it delegates policy
     * management to) may create and attach Organizations policies (Organizations API reference, CreatePolicy).
     */
    managementProvider: pulumi.ProviderResource;
}

/**
 * Organization-wide Inspector: an Amazon Inspector policy (INSPECTOR_POLICY) attached to the root enables the
 * chosen scan types in every account of the organization, existing and new, and links them to the delegated
 * administrator (Organizations user guide, orgs_manage_policies_inspector.html); while it is attached those
 * scan types cannot be switched off through Inspector, nor the accounts disassociated (Inspector user guide,
 * deactivating-best-practices.html, disassociating-member-accounts.html). No account is enrolled one by one.
 * The administrator's auto-enable stays on as well, so new accounts are covered even if the policy is
 * detached by hand. The policy and its attachment are kept when the stack lets go of them: detaching is a
 * decision for the organization's owners, not a side effect of `pulumi destroy`.
 */
export class InspectorOrganization extends pulumi.ComponentResource {
    public readonly policy: aws.organizations.Policy;
    public readonly attachment: aws.organizations.PolicyAttachment;

    constructor(name: string, args: InspectorOrganizationArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:inspector:InspectorOrganization", name, {}, opts);
        const types = new Set(args.resourceTypes);
        const regions = Object.keys(args.admin.enablers);
        const configurations: pulumi.Resource[] = [];
        for (const region of regions) {
            const designation = designationIn(args.designations, region, "InspectorOrganization");
            configurations.push(
                new aws.inspector2.OrganizationConfiguration(
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
                    // Kept: its delete turns auto-enable off for new members (stacks/delete-effects.ts).
                    { parent: this, retainOnDelete: true, dependsOn: [designation] },
                ),
            );
        }
        const management = { parent: this, provider: args.managementProvider, retainOnDelete: true };
        this.policy = new aws.organizations.Policy(
            `${name}-organization-policy`,
            {
                name: "security-governance-inspector",
                description: "Amazon Inspector scanning in every governed region (security-governance)",
                type: INSPECTOR_POLICY_TYPE.type,
                content: JSON.stringify(inspectorPolicyDocument(regions, args.resourceTypes)),
            },
            // Linked to the administrator first: accounts the policy enables are linked to it on arrival.
            { ...management, dependsOn: Object.values(args.designations) },
        );
        this.attachment = new aws.organizations.PolicyAttachment(
            `${name}-organization-policy-root`,
            { policyId: this.policy.id, targetId: args.rootId },
            // The policy is named as well as referenced, so the plan records which policy the root gets.
            { ...management, dependsOn: [...configurations, this.policy] },
        );
        // An OU's policy is deleted with its scope: detaching leaves Inspector "enabled in previously covered
        // accounts" (Organizations user guide, orgs_manage_policies_inspector.html, "Detachment behavior"), and
        // a policy kept after its scope was removed would go on overriding the root's for that OU.
        for (const ou of args.organizationalUnits ?? []) {
            const ouPolicy = new aws.organizations.Policy(
                `${name}-organization-policy-${ou.id}`,
                {
                    name: `security-governance-inspector-${ou.name}`,
                    description: `Amazon Inspector scanning for the OU ${ou.id} (security-governance)`,
                    type: INSPECTOR_POLICY_TYPE.type,
                    content: JSON.stringify(
                        inspectorPolicyDocument(
                            regions,
                            ou.resourceTypes,
                            // Every scan type the OU does not enforce is listed with no region: a type left out
                            // would be inherited from the nearest policy above, which may be another OU's.
                            ALL_SCAN_TYPES.filter((type) => !ou.resourceTypes.includes(type)),
                        ),
                    ),
                },
                {
                    parent: this,
                    provider: args.managementProvider,
                    dependsOn: Object.values(args.designations),
                },
            );
            new aws.organizations.PolicyAttachment(
                `${name}-organization-policy-${ou.id}-attachment`,
                { policyId: ouPolicy.id, targetId: ou.id },
                { parent: this, provider: args.managementProvider, dependsOn: [this.attachment, ouPolicy] },
            );
        }
        this.registerOutputs({ policyId: this.policy.id, targetId: args.rootId });
    }
}
