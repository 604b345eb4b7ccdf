import { ResourceValidationPolicy } from "@pulumi/policy";
import { Plain, UNKNOWN, at, bool, isObject, str, toPlain, validateTypes } from "./util";

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

export const ORGANIZATIONS_POLICY = "aws:organizations/policy:Policy";

/** The regions a listed value names: a list, one value, or none for null. */
function items(value: Plain): Plain[] {
    if (value === null) return [];
    return Array.isArray(value) ? value : [value];
}

/**
 * Every `disable_in_regions` block of an Inspector or Security Hub policy document that names regions, by the
 * path to it (the scan type, or none).
 */
export function disabledRegions(value: Plain, path: string[] = []): { scan: string; regions: Plain[] }[] {
    if (!isObject(value)) return [];
    const found: { scan: string; regions: Plain[] }[] = [];
    for (const [key, child] of Object.entries(value)) {
        if (key === "disable_in_regions") {
            // The operators that put a region in the list (@@assign, @@append) disable there; @@remove and the
            // child-control operators (@@operators_allowed_for_child_policies) name none. A bare list or value is
            // not the documented syntax, and is read the safe way: as regions to disable.
            const regions = isObject(child)
                ? Object.entries(child)
                      .filter(
                          ([operator]) =>
                              operator === "@@assign" ||
                              operator === "@@append" ||
                              !operator.startsWith("@@"),
                      )
                      .flatMap(([, listed]) => items(listed))
                : items(child);
            if (regions.length > 0) found.push({ scan: path.join("."), regions });
        } else {
            found.push(...disabledRegions(child, [...path, key]));
        }
    }
    return found;
}

/**
 * The document of an Organizations policy of `type`, parsed; undefined for another type or while the content is
 * unknown, and "invalid" (reported) when it is not JSON. `what` names the document in the message.
 */
export function organizationsPolicyDocument(
    props: Plain,
    type: string,
    what: string,
    reportViolation: (message: string) => void,
): Plain | undefined {
    if (str(at(props, "type")) !== type) return undefined;
    const content = str(at(props, "content"));
    if (content === UNKNOWN || content === undefined) return undefined;
    try {
        return toPlain(JSON.parse(content));
    } catch {
        reportViolation(`content is not JSON: ${what} is a JSON object.`);
        return undefined;
    }
}

export const inspectorPolicyNeverDisables: ResourceValidationPolicy = {
    name: "inspector-policy-never-disables",
    description:
        "An Inspector organization policy may enable scan types but never list regions to disable: deactivating a scan type deletes its findings.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(ORGANIZATIONS_POLICY, (props, _args, reportViolation) => {
        const document = organizationsPolicyDocument(
            props,
            "INSPECTOR_POLICY",
            "an Inspector policy document",
            reportViolation,
        );
        if (document === undefined) return;
        const disabled = disabledRegions(at(document, "inspector", "enablement") ?? null);
        if (disabled.length > 0) {
            reportViolation(
                `disable_in_regions is not empty (${disabled
                    .map(({ scan, regions }) => `${scan}: ${regions.map(String).join(", ")}`)
                    .join("; ")}): Inspector deletes the findings of a deactivated scan type ` +
                    "(Inspector user guide, deactivating-best-practices.html); drop the region from enable_in_regions instead.",
            );
        }
    }),
};

export const inspectorPolicies = [inspectorOrganizationAutoEnable, inspectorPolicyNeverDisables];
