import { strict as assert } from "node:assert";
import type { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { coverageExpectation } from "../stacks/coverage";
import { parseStackConfig } from "../stacks/config";
import { readStackConfigValues } from "../tools/plan-runtime";
import { ofType, plan, single } from "./helpers/plan";

/*
 * OU scopes through the plan, as `npm run plan` and `pulumi up` run the program: prod gives its sandbox OU a
 * lighter Security Hub policy and Inspector policy (Pulumi.prod.yaml, organizationalUnits).
 */

const SH_POLICY = "aws:securityhub/configurationPolicy:ConfigurationPolicy";
const SH_ASSOCIATION = "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation";
const ORG_POLICY = "aws:organizations/policy:Policy";
const ORG_ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment";
const SANDBOX = "ou-ab12-sandbox1";
const FSBP = "aws-foundational-security-best-practices/v/1.0.0";

interface ScanRegions {
    enable_in_regions: { "@@assign": string[] };
    disable_in_regions: { "@@assign": string[] };
}
type Enablement = Record<string, ScanRegions & { lambda_code_scanning?: ScanRegions }>;

const named = (fragment: string) => (r: PlannedResource) => r.name.includes(fragment);
const inspectorPolicy = (planned: PlanDocument, fragment: string) =>
    single(planned, ORG_POLICY, (r) => r.inputs.type === "INSPECTOR_POLICY" && r.name.endsWith(fragment));
const enablement = (policy: PlannedResource) =>
    (JSON.parse(String(policy.inputs.content)) as { inspector: { enablement: Enablement } }).inspector
        .enablement;

describe("OU scopes (organizationalUnits)", () => {
    let prod: PlanDocument;
    before(async () => {
        prod = await plan("prod");
    });

    it("gives the sandbox OU its own Security Hub policy, on and with the root's disabled controls, applied to the OU", () => {
        const root = single(prod, SH_POLICY, (r) => !r.name.includes(SANDBOX));
        const policy = single(prod, SH_POLICY, named(SANDBOX));
        assert.equal(policy.inputs.name, "securityhub-sandbox");
        assert.equal(policy.inputs.region, prod.homeRegion);
        const inputs = policy.inputs.configurationPolicy as {
            serviceEnabled: boolean;
            enabledStandardArns: string[];
            securityControlsConfiguration: { disabledControlIdentifiers: string[] };
        };
        assert.equal(inputs.serviceEnabled, true);
        assert.deepEqual(inputs.enabledStandardArns, [
            `arn:aws:securityhub:${prod.homeRegion}::standards/${FSBP}`,
        ]);
        // Not given for the OU, so the root's: Macie.1 stays off in the sandbox as everywhere.
        assert.deepEqual(inputs.securityControlsConfiguration.disabledControlIdentifiers, ["Macie.1"]);
        // Made after central configuration, as the root's is.
        assert.deepEqual(policy.dependsOn, root.dependsOn);

        const association = single(prod, SH_ASSOCIATION, named(SANDBOX));
        assert.equal(association.inputs.targetId, SANDBOX);
        assert.equal(association.inputs.region, prod.homeRegion);
        assert.deepEqual(association.dependsOn, [policy.urn]);
        // The root keeps its own association; the OU's is applied beside it, not instead of it.
        const rootAssociation = single(prod, SH_ASSOCIATION, (r) => !r.name.includes(SANDBOX));
        assert.equal(rootAssociation.inputs.targetId, prod.organization.rootId);
        assert.deepEqual(rootAssociation.dependsOn, [root.urn]);
    });

    it("takes the root's standards for an OU that only disables controls", async () => {
        const planned = await plan("dev", {
            configOverrides: {
                "security-governance:organizationalUnits": [
                    {
                        id: "ou-ab12-workload",
                        name: "workloads",
                        securityHub: {
                            disabledControls: [
                                { controlId: "EC2.10", reason: "No VPC endpoints in workloads" },
                            ],
                        },
                    },
                ],
            },
        });
        const root = single(planned, SH_POLICY, (r) => !r.name.includes("ou-")).inputs
            .configurationPolicy as {
            enabledStandardArns: string[];
        };
        const ou = single(planned, SH_POLICY, named("ou-ab12-workload")).inputs.configurationPolicy as {
            enabledStandardArns: string[];
            securityControlsConfiguration: { disabledControlIdentifiers: string[] };
        };
        assert.equal(root.enabledStandardArns.length, 2);
        assert.deepEqual(ou.enabledStandardArns, root.enabledStandardArns);
        assert.deepEqual(ou.securityControlsConfiguration.disabledControlIdentifiers, ["EC2.10"]);
        // Security Hub only: no Inspector policy for this OU.
        assert.equal(ofType(planned, ORG_POLICY).filter(named("ou-ab12-workload")).length, 0);
    });

    it("attaches the sandbox's Inspector policy to the OU: EC2 and ECR enforced, Lambda no longer enforced, nothing disabled", () => {
        const regions = [...prod.regions].sort();
        const root = enablement(inspectorPolicy(prod, "organization-policy"));
        const sandbox = enablement(inspectorPolicy(prod, SANDBOX));
        const enforced = {
            enable_in_regions: { "@@assign": regions },
            disable_in_regions: { "@@assign": [] },
        };
        const unenforced = { enable_in_regions: { "@@assign": [] }, disable_in_regions: { "@@assign": [] } };
        assert.deepEqual(sandbox, {
            ec2_scanning: enforced,
            ecr_scanning: enforced,
            // Listed with no region: @@assign replaces the inherited list for the OU; leaving it out would inherit it.
            lambda_standard_scanning: { ...unenforced, lambda_code_scanning: unenforced },
            code_repository_scanning: unenforced,
        });
        assert.deepEqual(Object.keys(root).sort(), [
            "ec2_scanning",
            "ecr_scanning",
            "lambda_standard_scanning",
        ]);
        for (const block of Object.values(sandbox) as Enablement[string][]) {
            assert.deepEqual(block.disable_in_regions, { "@@assign": [] });
            assert.deepEqual(block.lambda_code_scanning?.disable_in_regions ?? { "@@assign": [] }, {
                "@@assign": [],
            });
        }

        const attachment = single(prod, ORG_ATTACHMENT, named(`inspector-organization-policy-${SANDBOX}`));
        assert.equal(attachment.inputs.targetId, SANDBOX);
        assert.equal(attachment.provider?.split("::")[3], "management");
        // After the root's attachment; deleted with its scope (detaching leaves scanning on), unlike the root's.
        const rootAttachment = single(
            prod,
            ORG_ATTACHMENT,
            (r) => r.name === "inspector-organization-policy-root",
        );
        assert.ok(attachment.dependsOn.includes(rootAttachment.urn));
        assert.equal(attachment.retainOnDelete, false);
        assert.equal(rootAttachment.retainOnDelete, true);
    });

    it("lists every scan type in a nested OU's policy, so it inherits nothing from the OU above it", async () => {
        const planned = await plan("dev", {
            configOverrides: {
                "security-governance:inspector": { resourceTypes: ["EC2"] },
                "security-governance:organizationalUnits": [
                    {
                        id: "ou-ab12-platform",
                        name: "platform",
                        inspector: { resourceTypes: ["EC2", "ECR", "CODE_REPOSITORY"] },
                    },
                    {
                        id: "ou-ab12-platsand",
                        name: "platform-sandbox",
                        inspector: { resourceTypes: ["EC2"] },
                    },
                ],
            },
        });
        const nested = enablement(inspectorPolicy(planned, "ou-ab12-platsand"));
        const enforcedIn = (document: Enablement) =>
            Object.entries(document)
                .flatMap(([key, block]) => [
                    [key, block.enable_in_regions["@@assign"].length] as const,
                    ...(block.lambda_code_scanning
                        ? [
                              [
                                  "lambda_code_scanning",
                                  block.lambda_code_scanning.enable_in_regions["@@assign"].length,
                              ] as const,
                          ]
                        : []),
                ])
                .filter(([, count]) => count > 0)
                .map(([key]) => key);
        assert.deepEqual(enforcedIn(nested), ["ec2_scanning"]);
        // Whatever the OU above enforces is listed here with no region, not left to be inherited.
        assert.deepEqual(Object.keys(nested).sort(), [
            "code_repository_scanning",
            "ec2_scanning",
            "ecr_scanning",
            "lambda_standard_scanning",
        ]);
    });

    it("enforces in an OU a scan type the root does not", async () => {
        const planned = await plan("dev", {
            configOverrides: {
                "security-governance:organizationalUnits": [
                    {
                        id: "ou-ab12-platform",
                        name: "platform",
                        inspector: {
                            resourceTypes: ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE", "CODE_REPOSITORY"],
                        },
                    },
                ],
            },
        });
        const ou = enablement(inspectorPolicy(planned, "ou-ab12-platform"));
        const root = enablement(inspectorPolicy(planned, "organization-policy"));
        assert.ok(!("code_repository_scanning" in root));
        assert.deepEqual(ou.code_repository_scanning.enable_in_regions, {
            "@@assign": [...planned.regions].sort(),
        });
        assert.deepEqual(
            ou.lambda_standard_scanning.lambda_code_scanning?.enable_in_regions,
            root.lambda_standard_scanning.lambda_code_scanning?.enable_in_regions,
        );
    });

    it("tells the coverage reader the names the plan gives the policies, and each scope's scan types", () => {
        const config = parseStackConfig(readStackConfigValues("prod"));
        const expectation = coverageExpectation(config);
        const policyNames = ofType(prod, SH_POLICY)
            .map((r) => r.inputs.name)
            .sort();
        assert.deepEqual(
            [
                expectation.securityHubPolicy?.name,
                ...(expectation.scopes ?? []).map((s) => s.securityHubPolicy),
            ].sort(),
            policyNames,
        );
        assert.equal(expectation.securityHubPolicy?.region, prod.homeRegion);
        assert.deepEqual(expectation.scopes, [
            {
                id: SANDBOX,
                name: "sandbox",
                inspectorScans: ["ec2", "ecr"],
                securityHubPolicy: "securityhub-sandbox",
            },
        ]);
    });
});
