import type { CoverageExpectation } from "../functions/coverage/matrix";
import type { CoverageScope } from "../functions/coverage/scopes";
import { securityHubPolicyName } from "./organizational-units";
import type { EnrollmentSettings } from "../functions/enrollment/run-enrollment";
import { CONFIG_RECORDING_CONTROL, INSPECTOR_SCAN_KEYS } from "../functions/coverage/readers";
import { offeredIn, protectionsNotOfferedIn } from "./availability";
import type { StackConfig } from "./config";
import { MEMBER_QUOTAS } from "./quotas";

/**
 * What the stack asks for, as the coverage reader judges it: every governed service in every governed region
 * where it exists (as index.ts deploys them), the protection plans and scan types the config turns on, and
 * the member quotas past which a gap is excused. The scheduled function and `npm run coverage` both start here.
 */
export function coverageExpectation(config: StackConfig): CoverageExpectation {
    const { regions, accounts } = config;
    const notOffered = protectionsNotOfferedIn(config.guardduty.protectionsNotOfferedIn);
    return {
        adminAccountId: accounts.securityAdmin,
        managementAccountId: accounts.management,
        regions: {
            guardduty: offeredIn("guardduty", regions),
            securityhub: offeredIn("securityhub", regions),
            ...(config.macie.enabled ? { macie: offeredIn("macie", regions) } : {}),
            ...(config.detective.enabled ? { detective: offeredIn("detective", regions) } : {}),
            ...(config.inspector.enabled ? { inspector: offeredIn("inspector", regions) } : {}),
            // Config.1 reports where AWS Config records, unless the stack turned the control off.
            ...(config.securityHub.disabledControls.some((c) => c.controlId === CONFIG_RECORDING_CONTROL)
                ? {}
                : { config: offeredIn("securityhub", regions) }),
        },
        guarddutyFeatures: [...config.guardduty.protections],
        // A plan GuardDuty lacks in a region is not managed there (components/guardduty.ts), nor judged.
        guarddutyFeaturesNotOfferedIn: Object.fromEntries(
            config.guardduty.protections
                .map((protection) => [
                    protection,
                    regions.filter((region) => (notOffered[protection] ?? []).includes(region)),
                ])
                .filter(([, lacking]) => lacking.length > 0),
        ),
        inspectorScans: config.inspector.enabled
            ? config.inspector.resourceTypes.map((t) => INSPECTOR_SCAN_KEYS[t])
            : [],
        excluded: excludedSettings(config)?.excluded ?? {},
        scopes: coverageScopes(config),
        // Central configuration and its associations live in the home region (components/security-hub.ts).
        securityHubPolicy: { region: config.homeRegion, name: securityHubPolicyName() },
        // With the new Security Hub on, Config.1 passes by design: the config row cannot be proven (matrix.ts).
        securityHubV2: config.securityHub.v2.enabled,
        quotas: Object.fromEntries(
            Object.entries(MEMBER_QUOTAS).map(([service, quota]) => [service, quota.members]),
        ),
    };
}

/** Each OU scope as the reader judges it: its scan types (while Inspector is on) and its policy's name. */
function coverageScopes(config: StackConfig): CoverageScope[] {
    return config.organizationalUnits.map(({ id, name, securityHub, inspector }) => ({
        id,
        name,
        ...(inspector !== undefined && config.inspector.enabled
            ? { inspectorScans: inspector.resourceTypes.map((t) => INSPECTOR_SCAN_KEYS[t]) }
            : {}),
        ...(securityHub !== undefined ? { securityHubPolicy: securityHubPolicyName(name) } : {}),
        ...((securityHub?.disabledControls ?? config.securityHub.disabledControls).some(
            (control) => control.controlId === CONFIG_RECORDING_CONTROL,
        ) && securityHub !== undefined
            ? { configRecordingOff: true as const }
            : {}),
    }));
}

/**
 * The enrollment function's settings for this config, as index.ts deploys them: `npm run coverage --repair`
 * enrolls with exactly these, so a repair from a laptop does what the scheduled function would.
 */
export function enrollmentSettingsFor(config: StackConfig): EnrollmentSettings {
    const { regions, accounts } = config;
    return {
        adminAccountId: accounts.securityAdmin,
        managementAccountId: accounts.management,
        regions: {
            ...(config.macie.enabled ? { macie: offeredIn("macie", regions) } : {}),
            ...(config.detective.enabled ? { detective: offeredIn("detective", regions) } : {}),
        },
        quotas: { macie: MEMBER_QUOTAS.macie.members, detective: MEMBER_QUOTAS.detective.members },
        ...(config.detective.priorityAccounts.length > 0
            ? { priority: config.detective.priorityAccounts }
            : {}),
        ...(config.detective.priorityOrganizationalUnits.length > 0
            ? { priorityOrganizationalUnits: config.detective.priorityOrganizationalUnits }
            : {}),
        ...(excludedSettings(config) ?? {}),
    };
}

/** `<service>.excludedAccounts` of the reconciled services that exclude any, or undefined when none does. */
function excludedSettings(config: StackConfig): Pick<EnrollmentSettings, "excluded"> | undefined {
    const excluded: NonNullable<EnrollmentSettings["excluded"]> = {};
    if (config.macie.excludedAccounts.length > 0) excluded.macie = config.macie.excludedAccounts;
    if (config.detective.excludedAccounts.length > 0) excluded.detective = config.detective.excludedAccounts;
    return Object.keys(excluded).length > 0 ? { excluded } : undefined;
}
