import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import { DelegatedAdministration } from "./components/delegated-admin";
import { FindingsExport } from "./components/findings-export";
import { GuardDutyDetectors, GuardDutyOrganization } from "./components/guardduty";
import { loadStackConfig } from "./stacks/load";
import { DiscoveryError, discoverOrganization } from "./stacks/organization";

/**
 * Entry point. `pulumi up` calls it with no arguments; the offline plan and the tests pass an
 * Organizations client that answers from a fixture.
 */
async function main(
    dependencies: { organizationsClient?: OrganizationsClient; progress?: (message: string) => void } = {},
) {
    const config = loadStackConfig();
    const { accounts, regions, homeRegion } = config;

    let organization;
    try {
        organization = await discoverOrganization({
            managementRoleArn: accounts.managementRoleArn,
            region: homeRegion,
            expectedAccounts: { management: accounts.management, securityAdmin: accounts.securityAdmin },
            client: dependencies.organizationsClient,
            progress: dependencies.progress ?? ((message) => pulumi.log.info(message)),
        });
    } catch (error) {
        if (error instanceof DiscoveryError) throw new pulumi.RunError(error.message);
        throw error;
    }

    // allowedAccountIds makes the provider refuse to touch any other account: running this stack with
    // credentials of the wrong account fails before anything is changed.
    const security = new aws.Provider("security", {
        region: homeRegion,
        allowedAccountIds: [accounts.securityAdmin],
    });
    const management = new aws.Provider("management", {
        region: homeRegion,
        allowedAccountIds: [accounts.management],
        assumeRoles: [{ roleArn: accounts.managementRoleArn, sessionName: "security-governance" }],
    });

    const protectData = config.findingsExport.protectData;
    const detectors = new GuardDutyDetectors(
        "guardduty",
        {
            regions,
            publishingFrequency: config.guardduty.publishingFrequency,
            protections: config.guardduty.protections,
            protectData,
        },
        { provider: security },
    );

    const delegatedAdministration = new DelegatedAdministration(
        "delegated-admin",
        { adminAccountId: accounts.securityAdmin, services: { guardduty: detectors.detectors } },
        { provider: management },
    );

    const findingsExport = new FindingsExport(
        "findings",
        {
            securityAccountId: accounts.securityAdmin,
            homeRegion,
            regions,
            services: ["guardduty"],
            retentionDays: config.findingsExport.retentionDays,
            archiveAfterDays: config.findingsExport.archiveAfterDays,
            kmsDeletionWindowDays: config.findingsExport.kmsDeletionWindowDays,
            protectData,
            keyPolicyDependsOn: [detectors.detectors[homeRegion]],
        },
        { provider: security },
    );

    new GuardDutyOrganization(
        "guardduty",
        {
            detectors,
            designations: delegatedAdministration.designations.guardduty ?? {},
            protections: config.guardduty.protections,
            destination: findingsExport,
            homeRegion,
            trustedIps: config.guardduty.trustedIps,
            threatLists: config.guardduty.threatLists,
            suppressionRules: config.guardduty.suppressionRules,
        },
        { provider: security },
    );

    return {
        organizationId: organization.id,
        accountsCovered: organization.accounts.length,
        homeRegion,
        regions,
        guarddutyDetectorIds: detectors.detectorIds,
        findingsBucketName: findingsExport.bucketName,
        findingsKeyArn: findingsExport.keyArn,
    };
}

export = main;
