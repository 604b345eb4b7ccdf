import type { DelegatedAdministration } from "../../components/delegated-admin";
import { DetectiveOrganization } from "../../components/detective";
import { EnrollmentFunction } from "../../components/enrollment-function";
import type { FindingsExport } from "../../components/findings-export";
import { GuardDutyOrganization } from "../../components/guardduty";
import { InspectorOrganization } from "../../components/inspector";
import { MacieOrganization } from "../../components/macie";
import { SecurityHubOrganization } from "../../components/security-hub";
import { SecurityHubV2 } from "../../components/security-hub-v2";
import { offeredIn, protectionsNotOfferedIn } from "../availability";
import { enrollmentSettingsFor } from "../coverage";
import { inspectorScopes, securityHubPolicyName, securityHubScopes } from "../organizational-units";
import type { Administrators } from "./administrators";
import type { StackContext } from "./context";
import type { QuotaReport } from "./quota-report";

/** The organization-wide configuration of each service, made by its designated administrator. */
export interface ServiceOrganizations {
    securityHub: SecurityHubOrganization;
    securityHubV2?: SecurityHubV2;
    macieOrganization?: MacieOrganization;
    /** The function that enrolls existing accounts, when Macie or Detective is on. */
    enrollment?: EnrollmentFunction;
}

/**
 * Each service configured for the whole organization from the security account, after its designation:
 * GuardDuty, Security Hub (and Security Hub v2 when on), Macie and Detective with the function that enrolls
 * their existing accounts, and Inspector.
 */
export function organizeServices(
    { config, organization, providers }: StackContext,
    administrators: Administrators,
    delegatedAdministration: DelegatedAdministration,
    findingsExport: FindingsExport,
    { split }: QuotaReport,
): ServiceOrganizations {
    const { accounts, regions, homeRegion } = config;
    const { security, management } = providers;
    const { detectors, securityHubAdmin, macieAdmin, detectiveGraphs, inspectorAdmin } = administrators;
    const designations = delegatedAdministration.designations;

    new GuardDutyOrganization(
        "guardduty",
        {
            detectors,
            designations: designations.guardduty ?? {},
            protections: config.guardduty.protections,
            protectionsNotOfferedIn: protectionsNotOfferedIn(config.guardduty.protectionsNotOfferedIn),
            destination: findingsExport,
            homeRegion,
            trustedIps: config.guardduty.trustedIps,
            threatLists: config.guardduty.threatLists,
            suppressionRules: config.guardduty.suppressionRules,
            managementAccount: split.guardduty.members.find((account) => account.id === accounts.management),
            malwareScanAccess: delegatedAdministration.malwareScanAccess,
        },
        { provider: security },
    );

    const securityHubDesignation = designations.securityhub?.[homeRegion];
    if (securityHubDesignation === undefined)
        throw new Error("no Security Hub designation in the home region");
    const securityHub = new SecurityHubOrganization(
        "securityhub",
        {
            admin: securityHubAdmin,
            designation: securityHubDesignation,
            homeRegion,
            regions,
            standards: config.securityHub.standards,
            disabledControls: config.securityHub.disabledControls,
            rootId: organization.rootId,
            policyName: securityHubPolicyName(),
            organizationalUnits: securityHubScopes(config.organizationalUnits, config.securityHub),
        },
        { provider: security },
    );

    const securityHubV2 = config.securityHub.v2.enabled
        ? new SecurityHubV2(
              "securityhub-v2",
              {
                  homeRegion,
                  regions: offeredIn("securityhub", regions),
                  rootId: organization.rootId,
                  designation: securityHubDesignation,
                  managementProvider: management,
                  protectData: config.findingsExport.protectData,
                  features: config.securityHub.v2.features,
              },
              { provider: security },
          )
        : undefined;

    const macieOrganization = macieAdmin
        ? new MacieOrganization(
              "macie",
              { admin: macieAdmin, designations: designations.macie ?? {}, destination: findingsExport },
              { provider: security },
          )
        : undefined;
    const detectiveOrganization = detectiveGraphs
        ? new DetectiveOrganization(
              "detective",
              { graphs: detectiveGraphs, designations: designations.detective ?? {} },
              { provider: security },
          )
        : undefined;
    // Existing accounts of Macie and Detective, which auto-enable never reaches (aws-gotchas 4): enrolled by a
    // function in the security account, on a schedule and on deploy, so no member account is in the state.
    let enrollment: EnrollmentFunction | undefined;
    if (macieOrganization || detectiveOrganization) {
        enrollment = new EnrollmentFunction(
            "enrollment",
            {
                securityAccountId: accounts.securityAdmin,
                homeRegion,
                settings: {
                    // The same settings `npm run coverage -- --repair` enrolls with, in the regions planned here.
                    ...enrollmentSettingsFor(config),
                    regions: {
                        ...(macieOrganization
                            ? { macie: Object.keys(macieOrganization.configurations) }
                            : {}),
                        ...(detectiveOrganization
                            ? { detective: Object.keys(detectiveOrganization.configurations) }
                            : {}),
                    },
                },
                after: [
                    ...Object.values(macieOrganization?.configurations ?? {}),
                    ...Object.values(detectiveOrganization?.configurations ?? {}),
                ],
            },
            { provider: security },
        );
    }
    if (inspectorAdmin) {
        new InspectorOrganization(
            "inspector",
            {
                admin: inspectorAdmin,
                designations: designations.inspector ?? {},
                resourceTypes: config.inspector.resourceTypes,
                rootId: organization.rootId,
                organizationalUnits: inspectorScopes(config.organizationalUnits),
                managementProvider: management,
            },
            { provider: security },
        );
    }
    return { securityHub, securityHubV2, macieOrganization, enrollment };
}
