import * as z from "zod";
import { organizationalUnitId, reportDuplicates } from "./schema-parts";
import {
    disabledControlsList,
    standardsList,
    unofferedStandards,
    type SecurityHubConfig,
} from "./security-hub-config";
import { resourceTypesList, type INSPECTOR_RESOURCE_TYPES } from "./inspector-config";

/*
 * `organizationalUnits`: OUs that get their own Security Hub configuration policy or Inspector policy in place of
 * the root's, such as a sandbox OU with a lighter set of standards. The accounts of an OU (nested OUs
 * included) take the nearest configured OU's scope; every other account takes the root's.
 */

/**
 * Central configuration policies: "the delegated administrator can create up to 20 custom configuration
 * policies" (Security Hub CSPM user guide, configuration-policies-overview.html, "Custom configuration policy").
 * The root's policy is one of them.
 */
export const MAX_CONFIGURATION_POLICIES = 20;

/** Used in policy names (Security Hub allows letters, digits and "-", ".", "!", "*", "/") and in the report. */
const scopeName = z
    .string({ error: "a short name such as sandbox: a lowercase letter, then letters, digits or -" })
    .regex(/^[a-z][a-z0-9-]{0,31}$/, {
        error: "a short name such as sandbox: a lowercase letter, then up to 31 lowercase letters, digits or -",
    });

const securityHubScope = z
    .strictObject({
        /** The OU's standards in place of securityHub.standards. Default: the root's. */
        standards: standardsList
            .optional()
            .describe("The OU's standards in place of securityHub.standards. Default: the root's."),
        /** The OU's disabled controls in place of securityHub.disabledControls (not added to them). Default: the root's. */
        disabledControls: disabledControlsList
            .optional()
            .describe(
                "The OU's disabled controls in place of securityHub.disabledControls (not added to them). Default: the root's.",
            ),
    })
    .refine((scope) => scope.standards !== undefined || scope.disabledControls !== undefined, {
        error: "standards, disabledControls or both: without either the OU gets the root's policy; remove securityHub here",
    });

const inspectorScope = z.strictObject({
    /** The scan types the OU's accounts must have in place of inspector.resourceTypes. */
    resourceTypes: resourceTypesList.describe(
        "The scan types the OU's accounts must have in place of inspector.resourceTypes.",
    ),
});

const organizationalUnitScope = z
    .strictObject({
        id: organizationalUnitId.describe("The OU's ID, such as ou-ab12-cd34ef56; each OU once."),
        name: scopeName.describe(
            "A short name (a lowercase letter, then letters, digits or -) used in policy names and the plan's report.",
        ),
        securityHub: securityHubScope
            .optional()
            .describe(
                "The OU's own Security Hub configuration policy; at least one of standards and disabledControls.",
            ),
        inspector: inspectorScope.optional().describe("The OU's own Inspector scan types."),
    })
    .refine((scope) => scope.securityHub !== undefined || scope.inspector !== undefined, {
        error: "securityHub, inspector or both: an OU with neither changes nothing; remove the entry",
    });

export const organizationalUnitsSchema = z.array(organizationalUnitScope).superRefine((scopes, ctx) => {
    const at = (key: string) => (index: number) => [index, key];
    reportDuplicates(
        ctx,
        scopes.map((scope) => scope.id),
        at("id"),
        "each OU once",
    );
    reportDuplicates(
        ctx,
        scopes.map((scope) => scope.name),
        at("name"),
        "a name used by no other OU",
    );
});

export type OrganizationalUnitScope = z.output<typeof organizationalUnitScope>;

type InspectorResourceType = (typeof INSPECTOR_RESOURCE_TYPES)[number];

/** The root's Security Hub configuration policy, as the console shows it; an OU's is `securityhub-<name>`. */
export const SECURITY_HUB_POLICY_NAME = "securityhub";

export function securityHubPolicyName(scope?: string): string {
    return scope === undefined ? SECURITY_HUB_POLICY_NAME : `${SECURITY_HUB_POLICY_NAME}-${scope}`;
}

/** One OU's Security Hub configuration policy, the root's values filled in where it gives none. */
export interface SecurityHubScope extends Pick<SecurityHubConfig, "standards" | "disabledControls"> {
    id: string;
    name: string;
    policyName: string;
}

/** One OU's Inspector scan types. */
export interface InspectorScope {
    id: string;
    name: string;
    resourceTypes: InspectorResourceType[];
}

export function securityHubScopes(
    scopes: readonly OrganizationalUnitScope[],
    root: SecurityHubConfig,
): SecurityHubScope[] {
    return scopes.flatMap(({ id, name, securityHub }) =>
        securityHub === undefined
            ? []
            : [
                  {
                      id,
                      name,
                      policyName: securityHubPolicyName(name),
                      standards: securityHub.standards ?? root.standards,
                      disabledControls: securityHub.disabledControls ?? root.disabledControls,
                  },
              ],
    );
}

export function inspectorScopes(scopes: readonly OrganizationalUnitScope[]): InspectorScope[] {
    return scopes.flatMap(({ id, name, inspector }) =>
        inspector === undefined ? [] : [{ id, name, resourceTypes: inspector.resourceTypes }],
    );
}

/**
 * What the section asks of the rest of the config: Inspector on where an OU names scan types, each OU's
 * standards offered in every governed region (one policy enables them in every linked region), and no more
 * configuration policies than Security Hub allows.
 */
export function organizationalUnitProblems(
    config: {
        organizationalUnits: readonly OrganizationalUnitScope[];
        inspector: { enabled: boolean };
        regions: readonly string[];
    },
    keyPath: (path: readonly PropertyKey[]) => string,
    show: (value: unknown) => string,
): string[] {
    const problems: string[] = [];
    const withPolicies = config.organizationalUnits.filter((scope) => scope.securityHub !== undefined);
    if (withPolicies.length > MAX_CONFIGURATION_POLICIES - 1) {
        problems.push(
            `${keyPath(["organizationalUnits"])} = ${show(config.organizationalUnits)}: expected at most ${MAX_CONFIGURATION_POLICIES - 1} OUs with securityHub, not ${withPolicies.length}: Security Hub allows ${MAX_CONFIGURATION_POLICIES} custom configuration policies and the root has one (configuration-policies-overview.html)`,
        );
    }
    config.organizationalUnits.forEach((scope, index) => {
        if (scope.inspector !== undefined && !config.inspector.enabled) {
            problems.push(
                `${keyPath(["organizationalUnits", index, "inspector"])} = ${show(scope.inspector)}: expected inspector.enabled true: an OU's scan types are an Inspector policy, and Inspector is off`,
            );
        }
        const standards = scope.securityHub?.standards ?? [];
        const path = ["organizationalUnits", index, "securityHub", "standards"];
        problems.push(
            ...unofferedStandards(
                standards,
                config.regions,
                (at) => `${keyPath([...path, at])} = ${show(standards[at])}`,
            ),
        );
    });
    return problems;
}
