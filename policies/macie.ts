import { ResourceValidationPolicy } from "@pulumi/policy";
import { UNKNOWN, at, bool, str, validateTypes } from "./util";

export const MACIE_ACCOUNT = "aws:macie2/account:Account";
export const MACIE_ORGANIZATION_CONFIGURATION =
    "aws:macie2/organizationConfiguration:OrganizationConfiguration";
export const CLASSIFICATION_EXPORT =
    "aws:macie2/classificationExportConfiguration:ClassificationExportConfiguration";

export const macieAccountEnabled: ResourceValidationPolicy = {
    name: "macie-account-enabled",
    description: "Macie must be ENABLED, not paused.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(MACIE_ACCOUNT, (props, _args, reportViolation) => {
        // An absent status means ENABLED: the provider defaults it.
        const status = str(at(props, "status"));
        if (status !== UNKNOWN && status !== undefined && status !== "ENABLED") {
            reportViolation(`status is ${status}; it must be ENABLED.`);
        }
    }),
};

export const macieOrganizationAutoEnable: ResourceValidationPolicy = {
    name: "macie-organization-auto-enable",
    description: "Macie must be auto-enabled for new organization accounts.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(MACIE_ORGANIZATION_CONFIGURATION, (props, _args, reportViolation) => {
        const autoEnable = bool(at(props, "autoEnable"));
        if (autoEnable !== UNKNOWN && autoEnable !== true) {
            reportViolation(`autoEnable is ${autoEnable ?? "unset"}; it must be true.`);
        }
    }),
};

export const macieExportKmsEncrypted: ResourceValidationPolicy = {
    name: "macie-export-kms-encrypted",
    description: "Macie must export sensitive-data findings encrypted with a KMS key.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(CLASSIFICATION_EXPORT, (props, _args, reportViolation) => {
        const key = str(at(props, "s3Destination", "kmsKeyArn"));
        if (key === undefined || key === "") {
            reportViolation(
                "s3Destination.kmsKeyArn is not set: exported findings must be encrypted with a KMS key.",
            );
        }
    }),
};

export const maciePolicies = [macieAccountEnabled, macieOrganizationAutoEnable, macieExportKmsEncrypted];
