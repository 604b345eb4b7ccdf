import { enableAdministrators, designateAdministrators } from "./stacks/capabilities/administrators";
import { alertOnFindings } from "./stacks/capabilities/alerts";
import { reportCoverage } from "./stacks/capabilities/coverage";
import { drillAlertPath } from "./stacks/capabilities/drill";
import { discoverGovernedOrganization, type DiscoveryDependencies } from "./stacks/capabilities/discovery";
import { exportFindings } from "./stacks/capabilities/findings-export";
import { guardOrganization } from "./stacks/capabilities/guardrails";
import { watchDetection } from "./stacks/capabilities/monitoring";
import { suppressNoise } from "./stacks/capabilities/noise-rules";
import { stackProviders } from "./stacks/capabilities/providers";
import { reportQuotas } from "./stacks/capabilities/quota-report";
import { respondToFindings } from "./stacks/capabilities/response";
import { organizeServices } from "./stacks/capabilities/service-organizations";
import { loadStackConfig } from "./stacks/load";

/**
 * Entry point. `pulumi up` calls it with no arguments; the offline plan and the tests pass an
 * Organizations client that answers from a fixture.
 *
 * The stack, capability by capability, each in stacks/capabilities/. The order is the order resources are
 * registered in, and it is load-bearing: a service is on in the security account before the security account
 * is designated its administrator, and designated before it configures the organization (aws-gotchas 1).
 */
async function main(dependencies: DiscoveryDependencies = {}) {
    const config = loadStackConfig();
    // Read before any resource: a check that fails here stops the program before the first change.
    const organization = await discoverGovernedOrganization(config, dependencies);
    const stack = { config, organization, providers: stackProviders(config) };

    const administrators = enableAdministrators(stack);
    const delegatedAdministration = designateAdministrators(stack, administrators);
    const quotas = reportQuotas(stack);
    const findingsExport = exportFindings(stack, administrators);
    const services = organizeServices(stack, administrators, delegatedAdministration, findingsExport, quotas);
    suppressNoise(stack, administrators, services);
    const { notifications, pages } = alertOnFindings(stack);
    const coverage = reportCoverage(stack, findingsExport, notifications);
    const response = respondToFindings(stack, findingsExport, notifications);
    const drill = drillAlertPath(stack, administrators, findingsExport, notifications);
    const watch = watchDetection(stack, {
        notifications,
        pages,
        coverage,
        response,
        drill,
        others: [services.enrollment?.watched, response?.watched, drill?.watched].filter(
            (w) => w !== undefined,
        ),
    });
    guardOrganization(stack, findingsExport, notifications);

    return {
        organizationId: organization.id,
        accountsCovered: organization.accounts.length,
        accountsBeyondQuota: quotas.beyondQuota,
        homeRegion: config.homeRegion,
        regions: config.regions,
        guarddutyDetectorIds: administrators.detectors.detectorIds,
        findingsBucketName: findingsExport.bucketName,
        findingsKeyArn: findingsExport.keyArn,
        securityHubAggregatorArn: services.securityHub.aggregatorArn,
        securityHubLinkedRegions: services.securityHub.linkedRegions,
        detectiveGraphArns: administrators.detectiveGraphs?.graphArns ?? {},
        alertTopicArn: notifications.topicArn,
        watchTopicArn: watch.topicArn,
    };
}

export = main;
