import { ResourceValidationPolicy } from "@pulumi/policy";
import { UNKNOWN, at, bool, validateTypes } from "./util";

export const DETECTIVE_ORGANIZATION_CONFIGURATION =
    "aws:detective/organizationConfiguration:OrganizationConfiguration";

export const detectiveOrganizationAutoEnable: ResourceValidationPolicy = {
    name: "detective-organization-auto-enable",
    description: "Detective must be auto-enabled for new organization accounts.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(DETECTIVE_ORGANIZATION_CONFIGURATION, (props, _args, reportViolation) => {
        const autoEnable = bool(at(props, "autoEnable"));
        if (autoEnable !== UNKNOWN && autoEnable !== true) {
            reportViolation(`autoEnable is ${autoEnable ?? "unset"}; it must be true.`);
        }
    }),
};

export const detectivePolicies = [detectiveOrganizationAutoEnable];
