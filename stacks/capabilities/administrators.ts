import { DelegatedAdministration, type DesignationPrerequisites } from "../../components/delegated-admin";
import { DetectiveGraphs } from "../../components/detective";
import { GuardDutyDetectors } from "../../components/guardduty";
import { InspectorAdmin } from "../../components/inspector";
import { MacieAdmin } from "../../components/macie";
import { SecurityHubAdmin } from "../../components/security-hub";
import { offeredIn, protectionsNotOfferedIn } from "../availability";
import type { StackContext } from "./context";

/** Each service turned on in the security account, the administrator's own enablement. */
export interface Administrators {
    detectors: GuardDutyDetectors;
    securityHubAdmin: SecurityHubAdmin;
    macieAdmin?: MacieAdmin;
    detectiveGraphs?: DetectiveGraphs;
    inspectorAdmin?: InspectorAdmin;
}

/** GuardDuty, Security Hub and each enabled service on in the security account, where each is offered. */
export function enableAdministrators({ config, providers }: StackContext): Administrators {
    const { accounts, regions, homeRegion } = config;
    const { security } = providers;
    // Each service only where it exists: a graph planned where Detective has no endpoint fails the up.
    const macieRegions = offeredIn("macie", regions);
    const detectiveRegions = offeredIn("detective", regions);
    const inspectorRegions = offeredIn("inspector", regions);

    const protectData = config.findingsExport.protectData;
    const detectors = new GuardDutyDetectors(
        "guardduty",
        {
            regions,
            publishingFrequency: config.guardduty.publishingFrequency,
            protections: config.guardduty.protections,
            protectionsNotOfferedIn: protectionsNotOfferedIn(config.guardduty.protectionsNotOfferedIn),
            protectData,
            importIds: config.adopt.guarddutyDetectors,
        },
        { provider: security },
    );

    // Each administrator's own enablement comes before its designation (aws-gotchas 1).
    const securityHubAdmin = new SecurityHubAdmin(
        "securityhub",
        {
            homeRegion,
            protectData,
            adoptAccountId: config.adopt.securityHubHub ? accounts.securityAdmin : undefined,
        },
        { provider: security },
    );
    const macieAdmin = config.macie.enabled
        ? new MacieAdmin(
              "macie",
              {
                  regions: macieRegions,
                  publishingFrequency: config.macie.publishingFrequency,
                  protectData,
                  adoptIn: config.adopt.macieAccounts,
                  accountId: accounts.securityAdmin,
              },
              { provider: security },
          )
        : undefined;
    const detectiveGraphs = config.detective.enabled
        ? new DetectiveGraphs(
              "detective",
              {
                  regions: detectiveRegions,
                  guardDutyDetectors: detectors.detectors,
                  protectData,
                  importArns: config.adopt.detectiveGraphs,
              },
              { provider: security },
          )
        : undefined;
    const inspectorAdmin = config.inspector.enabled
        ? new InspectorAdmin(
              "inspector",
              {
                  regions: inspectorRegions,
                  adminAccountId: accounts.securityAdmin,
                  resourceTypes: config.inspector.resourceTypes,
                  protectData,
              },
              { provider: security },
          )
        : undefined;
    return { detectors, securityHubAdmin, macieAdmin, detectiveGraphs, inspectorAdmin };
}

/**
 * The security account designated administrator of each service, from the management account, once each
 * service is on there.
 */
export function designateAdministrators(
    { config, providers }: StackContext,
    administrators: Administrators,
): DelegatedAdministration {
    const { detectors, securityHubAdmin, macieAdmin, detectiveGraphs, inspectorAdmin } = administrators;
    // The service designations also turn on each service's trusted access in Organizations, so the
    // organization resource itself is left alone.
    const services: DesignationPrerequisites = {
        guardduty: detectors.detectors,
        securityhub: securityHubAdmin.designationPrerequisites,
    };
    if (macieAdmin) services.macie = macieAdmin.accounts;
    if (detectiveGraphs) services.detective = detectiveGraphs.graphs;
    if (inspectorAdmin) services.inspector = inspectorAdmin.enablers;
    return new DelegatedAdministration(
        "delegated-admin",
        {
            adminAccountId: config.accounts.securityAdmin,
            services,
            malwareScanAccess: config.guardduty.protections.includes("EBS_MALWARE_PROTECTION"),
        },
        { provider: providers.management },
    );
}
