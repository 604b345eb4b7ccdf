import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import { DelegatedAdministration, type DesignationPrerequisites } from "./components/delegated-admin";
import { DetectiveGraphs, DetectiveOrganization } from "./components/detective";
import { FindingsExport } from "./components/findings-export";
import { PROTECTED_NAMES } from "./components/guardrail-documents";
import { GUARDRAIL_POLICY_TYPES, Guardrails } from "./components/guardrails";
import { GuardDutyDetectors, GuardDutyOrganization } from "./components/guardduty";
import { INSPECTOR_POLICY_TYPE, InspectorAdmin, InspectorOrganization } from "./components/inspector";
import { MacieAdmin, MacieOrganization } from "./components/macie";
import { CoverageFunction } from "./components/coverage-function";
import { EnrollmentFunction } from "./components/enrollment-function";
import { FindingNotifications } from "./components/notifications";
import {
    changingActions,
    responderRoleArn,
    responseFindingTypes,
    ResponseFunction,
    RESPONSES_PREFIX,
} from "./components/response-function";
import { memberRoleTargets, ResponseMemberRole } from "./components/response-member-role";
import type { ExportingService } from "./components/policy-documents";
import { inspectorScopes, securityHubPolicyName, securityHubScopes } from "./stacks/organizational-units";
import { FindingPages } from "./components/paging";
import { SECURITYHUB_POLICY_TYPE, SecurityHubV2 } from "./components/security-hub-v2";
import { NoiseRules } from "./components/noise-rules";
import { serviceAlerts } from "./components/service-alerts";
import { SecurityHubAdmin, SecurityHubOrganization } from "./components/security-hub";
import { GOVERNED_SERVICES, offeredIn, type GovernedService } from "./stacks/availability";
import { coverageExpectation, enrollmentSettingsFor } from "./stacks/coverage";
import { guardrailParams, guardrailTargetIds } from "./stacks/guardrails";
import { loadStackConfig } from "./stacks/load";
import {
    DiscoveryError,
    discoverOrganization,
    foreignRuleAccounts,
    organizationsClient,
    requirePolicyTypes,
    type DiscoveryOptions,
    type OrganizationAccount,
} from "./stacks/organization";
import { attachmentProblems, describeAttachments, guardrailAttachments } from "./stacks/guardrail-quotas";
import {
    administratorProblems,
    delegatedAdministrators,
    designatedServices,
} from "./stacks/one-organization";
import { MEMBER_QUOTAS, membersWithinQuota, type QuotaSplit } from "./stacks/quotas";
import { PARTITION } from "./stacks/regions";

/**
 * Entry point. `pulumi up` calls it with no arguments; the offline plan and the tests pass an
 * Organizations client that answers from a fixture.
 */
async function main(
    dependencies: { organizationsClient?: OrganizationsClient; progress?: (message: string) => void } = {},
) {
    const config = loadStackConfig();
    const { accounts, regions, homeRegion } = config;
    // Each service only where it exists: a graph planned where Detective has no endpoint fails the up.
    const macieRegions = offeredIn("macie", regions);
    const detectiveRegions = offeredIn("detective", regions);
    const inspectorRegions = offeredIn("inspector", regions);

    let organization;
    try {
        const discovery: DiscoveryOptions = {
            managementRoleArn: accounts.managementRoleArn,
            region: homeRegion,
            profile: config.awsProfile,
            expectedAccounts: { management: accounts.management, securityAdmin: accounts.securityAdmin },
            client: dependencies.organizationsClient,
            progress: dependencies.progress ?? ((message) => pulumi.log.info(message)),
        };
        // One client for every call: the management role is assumed once.
        discovery.client = organizationsClient(discovery);
        organization = await discoverOrganization(discovery);
        requirePolicyTypes(organization, [
            ...(config.inspector.enabled ? [INSPECTOR_POLICY_TYPE] : []),
            ...(config.securityHub.v2.enabled ? [SECURITYHUB_POLICY_TYPE] : []),
            ...(config.guardrails.enabled ? GUARDRAIL_POLICY_TYPES : []),
        ]);
        // Before any resource: another administrator of a service this stack designates means a second stack
        // (or an earlier setup) over this organization, and the designation would fail halfway through.
        const administrators = await delegatedAdministrators(discovery, designatedServices(config));
        const others = administratorProblems(administrators, accounts.securityAdmin, organization.id);
        if (others.length > 0) throw new DiscoveryError(others.join("\n"));
        if (config.guardrails.enabled) {
            // Before any resource: a target already full refuses the attachment halfway through an update.
            const found = await guardrailAttachments(
                discovery,
                guardrailTargetIds(config.guardrails, organization.rootId),
                accounts.securityAdmin,
            );
            const problems = attachmentProblems(found);
            if (problems.length > 0) throw new DiscoveryError(problems.join("\n"));
            for (const target of found) pulumi.log.info(`guardrails: ${describeAttachments(target)}`);
        }
    } catch (error) {
        if (error instanceof DiscoveryError) throw new pulumi.RunError(error.message);
        throw error;
    }

    // allowedAccountIds makes the provider refuse to touch any other account: running this stack with
    // credentials of the wrong account fails before anything is changed.
    // Explicit providers read no aws: stack config, so the profile is passed on by hand (and every other
    // aws: key is refused by the config check rather than silently ignored).
    const security = new aws.Provider("security", {
        region: homeRegion,
        profile: config.awsProfile,
        allowedAccountIds: [accounts.securityAdmin],
    });
    const management = new aws.Provider("management", {
        region: homeRegion,
        profile: config.awsProfile,
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

    // The service designations also turn on each service's trusted access in Organizations, so the
    // organization resource itself is left alone.
    const services: DesignationPrerequisites = {
        guardduty: detectors.detectors,
        securityhub: securityHubAdmin.designationPrerequisites,
    };
    if (macieAdmin) services.macie = macieAdmin.accounts;
    if (detectiveGraphs) services.detective = detectiveGraphs.graphs;
    if (inspectorAdmin) services.inspector = inspectorAdmin.enablers;
    const delegatedAdministration = new DelegatedAdministration(
        "delegated-admin",
        {
            adminAccountId: accounts.securityAdmin,
            services,
            malwareScanAccess: config.guardduty.protections.includes("EBS_MALWARE_PROTECTION"),
        },
        { provider: management },
    );
    const designations = delegatedAdministration.designations;

    // What each service's quota lets it cover, as the enrollment function will decide it at run time: the
    // plan reports the rest now, before anything is deployed.
    const discovered = organization.accounts;
    const split = Object.fromEntries(
        GOVERNED_SERVICES.map((service) => [
            service,
            membersWithinQuota(service, discovered, accounts.securityAdmin, accounts.management),
        ]),
    ) as Record<GovernedService, QuotaSplit<OrganizationAccount>>;
    warnOfForeignAccounts(config.guardduty.suppressionRules, discovered);
    const beyondQuota = reportBeyondQuota(split, {
        macie: config.macie.enabled,
        detective: config.detective.enabled,
        inspector: config.inspector.enabled,
    });

    const exportingServices: ExportingService[] = config.macie.enabled
        ? ["guardduty", "macie"]
        : ["guardduty"];
    const findingsExport = new FindingsExport(
        "findings",
        {
            securityAccountId: accounts.securityAdmin,
            homeRegion,
            regions,
            services: exportingServices,
            retentionDays: config.findingsExport.retentionDays,
            archiveAfterDays: config.findingsExport.archiveAfterDays,
            kmsDeletionWindowDays: config.findingsExport.kmsDeletionWindowDays,
            protectData,
            keyPolicyDependsOn: [detectors.detectors[homeRegion]],
            objectLock: config.findingsExport.objectLock,
            // The responder's records: only its role may write them, whether or not it is deployed.
            records: {
                prefix: RESPONSES_PREFIX,
                writerArn: responderRoleArn(accounts.securityAdmin, homeRegion),
            },
        },
        { provider: security },
    );

    new GuardDutyOrganization(
        "guardduty",
        {
            detectors,
            designations: designations.guardduty ?? {},
            protections: config.guardduty.protections,
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
                  protectData,
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
    if (macieOrganization || detectiveOrganization) {
        new EnrollmentFunction(
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

    if (config.noiseRules.length > 0) {
        new NoiseRules(
            "noise",
            {
                regions: {
                    securityhub: offeredIn("securityhub", regions),
                    inspector: inspectorAdmin ? Object.keys(inspectorAdmin.enablers) : [],
                    macie: macieAdmin ? Object.keys(macieAdmin.accounts) : [],
                },
                rules: config.noiseRules,
                securityHubV2: securityHubV2 ? { homeRegion, after: securityHubV2.ready } : undefined,
                after: {
                    securityhub: [securityHub],
                    inspector: inspectorAdmin ? [inspectorAdmin] : [],
                    macie: macieOrganization ? [macieOrganization] : [],
                },
            },
            { provider: security },
        );
    }

    // Named as the security-account guardrail expects its rules to be named.
    const notifications = new FindingNotifications(
        PROTECTED_NAMES.alertsComponentName,
        {
            securityAccountId: accounts.securityAdmin,
            homeRegion,
            regions,
            emails: config.notifications.emails,
            minSeverity: config.notifications.minSeverity,
            alwaysAlertOn: config.notifications.alwaysAlertOn,
            // The same regions each service is governed in (offeredIn, as its organization settings).
            services: serviceAlerts(
                config.notifications,
                { macie: config.macie.enabled, inspector: config.inspector.enabled },
                homeRegion,
            ).map((alert) => ({ alert, regions: offeredIn(alert.service, regions) })),
            forwardAlsoTypes: config.remediation ? responseFindingTypes(config.remediation) : [],
            kmsDeletionWindowDays: config.findingsExport.kmsDeletionWindowDays,
            protectData,
        },
        { provider: security },
    );
    const { paging } = config.notifications;
    if (paging !== undefined) {
        // Named under the alert component's prefix, so the security-account guardrail keeps its rules too.
        new FindingPages(
            `${PROTECTED_NAMES.alertsComponentName}-paging`,
            {
                securityAccountId: accounts.securityAdmin,
                homeRegion,
                keyArn: notifications.keyArn,
                level: paging.minSeverity,
                minSeverity: config.notifications.minSeverity,
                services: serviceAlerts(
                    config.notifications,
                    { macie: config.macie.enabled, inspector: config.inspector.enabled },
                    homeRegion,
                    paging.minSeverity,
                ),
                emails: paging.emails,
            },
            { provider: security },
        );
    }

    // The proof a security team owes its auditors: which accounts every service covers, read hourly by a
    // read-only function and left in the findings bucket, with metrics and an alert when coverage drops.
    new CoverageFunction(
        "coverage",
        {
            securityAccountId: accounts.securityAdmin,
            homeRegion,
            expectation: coverageExpectation(config),
            bucketName: findingsExport.bucketName,
            bucketKeyArn: findingsExport.keyArn,
            topicArn: notifications.topicArn,
            topicKeyArn: notifications.keyArn,
        },
        { provider: security },
    );

    // The response ladder, only when the stack has a remediation section: the responder in the security
    // account, and the role it acts through in members once a rung may change something (dry-run or act).
    if (config.remediation) {
        const response = new ResponseFunction(
            "response",
            {
                securityAccountId: accounts.securityAdmin,
                managementAccountId: accounts.management,
                homeRegion,
                remediation: config.remediation,
                neverTouch: {
                    [accounts.management]: "the management account",
                    [accounts.securityAdmin]: "the security account, where the responder runs",
                },
                bucketName: findingsExport.bucketName,
                bucketKeyArn: findingsExport.keyArn,
                topicArn: notifications.topicArn,
                topicKeyArn: notifications.keyArn,
            },
            { provider: security },
        );
        const actions = changingActions(config.remediation);
        if (actions.length > 0)
            new ResponseMemberRole("response-member-role", {
                partition: PARTITION,
                securityAccountId: accounts.securityAdmin,
                organizationId: organization.id,
                targetIds: memberRoleTargets(config.remediation, actions, organization.rootId),
                homeRegion,
                responderRoleArn: response.roleArn,
                actions,
                stopInstance: config.remediation.isolateInstance.stopInstance,
                managementProvider: management,
            });
    }

    if (config.guardrails.enabled) {
        const { guardrails } = config;
        new Guardrails(
            "guardrails",
            {
                organizationId: organization.id,
                targetIds: guardrailTargetIds(guardrails, organization.rootId),
                ...guardrailParams(guardrails, {
                    securityAccountId: accounts.securityAdmin,
                    homeRegion,
                    exemptTag: config.remediation?.exemptTag,
                    securityHubV2: config.securityHub.v2.enabled,
                }),
                keyArns: [findingsExport.keyArn, notifications.keyArn],
                managementProvider: management,
            },
            { provider: security },
        );
    }

    return {
        organizationId: organization.id,
        accountsCovered: organization.accounts.length,
        accountsBeyondQuota: beyondQuota,
        homeRegion,
        regions,
        guarddutyDetectorIds: detectors.detectorIds,
        findingsBucketName: findingsExport.bucketName,
        findingsKeyArn: findingsExport.keyArn,
        securityHubAggregatorArn: securityHub.aggregatorArn,
        securityHubLinkedRegions: securityHub.linkedRegions,
        detectiveGraphArns: detectiveGraphs?.graphArns ?? {},
        alertTopicArn: notifications.topicArn,
    };
}

function warnOfForeignAccounts(
    rules: readonly { name: string; accountIds?: string[] }[],
    accounts: readonly { id: string }[],
): void {
    for (const { rule, accountIds } of foreignRuleAccounts(rules, accounts)) {
        pulumi.log.warn(
            `security-governance:guardduty.suppressionRules ${rule}: accountIds ${accountIds.join(", ")} not in the organization's ACTIVE accounts; the rule archives nothing for them`,
        );
    }
}

/**
 * Warns, once per service, about the accounts its member quota leaves out, and returns their number as a
 * stack output (no account ID: nothing about member accounts goes into the state).
 */
function reportBeyondQuota(
    split: Record<GovernedService, QuotaSplit<OrganizationAccount>>,
    enabled: Partial<Record<GovernedService, boolean>>,
): Partial<Record<GovernedService, { count: number }>> {
    const report: Partial<Record<GovernedService, { count: number }>> = {};
    for (const service of GOVERNED_SERVICES) {
        const beyond = split[service].beyond;
        if (beyond.length === 0 || enabled[service] === false) continue;
        const first = beyond.slice(0, 10).map((account) => account.id);
        report[service] = { count: beyond.length };
        const { members, source } = MEMBER_QUOTAS[service];
        pulumi.log.warn(
            `${service}: ${beyond.length} account(s) beyond its quota of ${members} members per administrator and region (${source}) are not covered, from ${first.join(", ")}`,
        );
    }
    return report;
}

export = main;
