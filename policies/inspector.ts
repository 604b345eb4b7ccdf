import { ResourceValidationPolicy } from "@pulumi/policy";
import { UNKNOWN, at, bool, validateTypes } from "./util";

export const INSPECTOR_ORGANIZATION_CONFIGURATION =
    "aws:inspector2/organizationConfiguration:OrganizationConfiguration";

/** Keys of the provider's `autoEnable` block. */
export const INSPECTOR_RESOURCE_TYPES = ["ec2", "ecr", "lambda", "lambdaCode", "codeRepository"];
export const DEFAULT_REQUIRED_RESOURCE_TYPES = ["ec2", "ecr", "lambda"];

export const inspectorOrganizationAutoEnable: ResourceValidationPolicy = {
    name: "inspector-organization-auto-enable",
    description:
        "Inspector must auto-enable scanning of the required resource types for new organization accounts.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requiredResourceTypes: {
                type: "array",
                items: { type: "string", enum: INSPECTOR_RESOURCE_TYPES },
                default: DEFAULT_REQUIRED_RESOURCE_TYPES,
                description: "autoEnable keys that must be true.",
            },
        },
    },
    validateResource: validateTypes(INSPECTOR_ORGANIZATION_CONFIGURATION, (props, args, reportViolation) => {
        const { requiredResourceTypes = DEFAULT_REQUIRED_RESOURCE_TYPES } = args.getConfig<{
            requiredResourceTypes?: string[];
        }>();
        const off = requiredResourceTypes.filter((type) => {
            const value = bool(at(props, "autoEnable", type));
            return value !== UNKNOWN && value !== true;
        });
        if (off.length > 0) {
            reportViolation(`autoEnable is not true for ${off.join(", ")}.`);
        }
    }),
};

export const inspectorPolicies = [inspectorOrganizationAutoEnable];
