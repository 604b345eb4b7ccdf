import { strict as assert } from "node:assert";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { DetectiveClient, ListGraphsCommand } from "@aws-sdk/client-detective";
import {
    GetMemberDetectorsCommand,
    GuardDutyClient,
    ListDetectorsCommand,
    ListMembersCommand as ListGuardDutyMembers,
} from "@aws-sdk/client-guardduty";
import {
    BatchGetAccountStatusCommand,
    Inspector2Client,
    type BatchGetAccountStatusCommandInput,
    type ResourceState,
} from "@aws-sdk/client-inspector2";
import { ListMembersCommand as ListMacieMembers, Macie2Client } from "@aws-sdk/client-macie2";
import {
    ListAccountsCommand,
    ListAccountsForParentCommand,
    ListOrganizationalUnitsForParentCommand,
    OrganizationsClient,
    type ListAccountsForParentCommandInput,
    type ListOrganizationalUnitsForParentCommandInput,
} from "@aws-sdk/client-organizations";
import {
    ListConfigurationPoliciesCommand,
    ListConfigurationPolicyAssociationsCommand,
    ListMembersCommand as ListSecurityHubMembers,
    SecurityHubClient,
    type ConfigurationPolicyAssociationSummary,
} from "@aws-sdk/client-securityhub";
import { parseStackConfig } from "../stacks/config";
import { coverageExpectation } from "../stacks/coverage";
import { readStackConfigValues } from "../tools/plan-runtime";
import { awsCoverageDependencies } from "../functions/coverage/aws";
import { runCoverage } from "../functions/coverage/run-coverage";
import type { CoverageReport } from "../functions/coverage/matrix";
import { Run } from "../functions/shared/run";
import { formatCoverage } from "../tools/coverage";

/*
 * The coverage reader knows each account's intended OU scope: the prod config with a nested OU scope, read
 * through the real readers (the code the scheduled function and `npm run coverage` run) against
 * aws-sdk-client-mock answering in the SDK's own response shapes.
 */

const MANAGEMENT = "111111111111";
const ADMIN = "333333333333";
const ROOT_ACCOUNT = "300000000001";
const SANDBOX_ACCOUNT = "300000000002";
const NESTED_ACCOUNT = "300000000003";
const ALL = [MANAGEMENT, ADMIN, ROOT_ACCOUNT, SANDBOX_ACCOUNT, NESTED_ACCOUNT];
const SANDBOX = "ou-ab12-sandbox1";
const NESTED = "ou-ab12-nested01";
const ROOT_POLICY = "11111111-2222-3333-4444-555555555555";
const SANDBOX_POLICY = "66666666-7777-8888-9999-000000000000";

/** The nested OU (under the sandbox) sets Inspector only, and is listed first: nearness, not order, decides. */
const config = parseStackConfig({
    ...readStackConfigValues("prod"),
    "security-governance:organizationalUnits": [
        { id: NESTED, name: "nested", inspector: { resourceTypes: ["EC2"] } },
        {
            id: SANDBOX,
            name: "sandbox",
            securityHub: { standards: ["aws-foundational-security-best-practices/v/1.0.0"] },
            inspector: { resourceTypes: ["EC2", "ECR"] },
        },
    ],
});

let organizations: AwsClientStub<OrganizationsClient>;
let securityhub: AwsClientStub<SecurityHubClient>;
let inspector: AwsClientStub<Inspector2Client>;
let guardduty: AwsClientStub<GuardDutyClient>;
let macie: AwsClientStub<Macie2Client>;
let detective: AwsClientStub<DetectiveClient>;
const all = () => [organizations, securityhub, inspector, guardduty, macie, detective];

const on = { status: "ENABLED" as const, errorCode: undefined, errorMessage: undefined };
const off = { status: "DISABLED" as const, errorCode: undefined, errorMessage: undefined };

function organization(options: { sandboxMissing?: boolean } = {}) {
    organizations.on(ListAccountsCommand).resolves({
        Accounts: ALL.map((Id) => ({ Id, Email: `${Id}@example.com`, State: "ACTIVE" })),
    });
    organizations.on(ListAccountsForParentCommand).callsFake((input: ListAccountsForParentCommandInput) => {
        if (options.sandboxMissing === true && input.ParentId === SANDBOX) {
            throw Object.assign(new Error("You specified a container that doesn't exist."), {
                name: "ParentNotFoundException",
                $metadata: { httpStatusCode: 400 },
            });
        }
        const ids =
            input.ParentId === SANDBOX
                ? [SANDBOX_ACCOUNT]
                : input.ParentId === NESTED
                  ? [NESTED_ACCOUNT]
                  : [];
        return { Accounts: ids.map((Id) => ({ Id, State: "ACTIVE" })) };
    });
    organizations
        .on(ListOrganizationalUnitsForParentCommand)
        .callsFake((input: ListOrganizationalUnitsForParentCommandInput) => ({
            OrganizationalUnits: input.ParentId === SANDBOX ? [{ Id: NESTED, Name: "nested" }] : [],
        }));
}

function services(options: {
    scans: Record<string, ResourceState>;
    policies: Record<string, [string, string?]>;
}) {
    // GuardDuty, Macie and Detective answer "no detector / no member / no graph": their rows are not the point.
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
    guardduty.on(ListGuardDutyMembers).resolves({ Members: [] });
    guardduty.on(GetMemberDetectorsCommand).resolves({ MemberDataSourceConfigurations: [] });
    macie.on(ListMacieMembers).resolves({ members: [] });
    detective.on(ListGraphsCommand).resolves({ GraphList: [] });
    securityhub.on(ListSecurityHubMembers).resolves({
        Members: ALL.filter((id) => id !== ADMIN).map((AccountId) => ({
            AccountId,
            MemberStatus: "Enabled",
        })),
    });
    securityhub.on(ListConfigurationPoliciesCommand).resolves({
        ConfigurationPolicySummaries: [
            { Id: ROOT_POLICY, Name: "securityhub", ServiceEnabled: true },
            { Id: SANDBOX_POLICY, Name: "securityhub-sandbox", ServiceEnabled: true },
        ],
    });
    const associations: ConfigurationPolicyAssociationSummary[] = Object.entries(options.policies).map(
        ([TargetId, [ConfigurationPolicyId, status]]) => ({
            TargetId,
            TargetType: "ACCOUNT",
            ConfigurationPolicyId,
            AssociationType: "INHERITED",
            AssociationStatus: status === undefined ? "SUCCESS" : "FAILED",
            ...(status === undefined ? {} : { AssociationStatusMessage: status }),
        }),
    );
    securityhub.on(ListConfigurationPolicyAssociationsCommand).resolves({
        ConfigurationPolicyAssociationSummaries: [
            {
                TargetId: "r-ab12",
                TargetType: "ROOT",
                ConfigurationPolicyId: ROOT_POLICY,
                AssociationType: "APPLIED",
                AssociationStatus: "SUCCESS",
            },
            {
                TargetId: SANDBOX,
                TargetType: "ORGANIZATIONAL_UNIT",
                ConfigurationPolicyId: SANDBOX_POLICY,
                AssociationType: "APPLIED",
                AssociationStatus: "SUCCESS",
            },
            ...associations,
        ],
    });
    inspector.on(BatchGetAccountStatusCommand).callsFake((input: BatchGetAccountStatusCommandInput) => ({
        accounts: (input.accountIds ?? []).map((accountId) => ({
            accountId,
            state: on,
            resourceState: options.scans[accountId] ?? { ec2: on, ecr: on, lambda: on, lambdaCode: on },
        })),
        failedAccounts: [],
    }));
}

const gapsOf = (report: CoverageReport, service: string, region: string) =>
    Object.fromEntries(
        (report.rows.find((row) => row.service === service && row.region === region)?.gaps ?? []).map(
            (gap) => [gap.accountId, gap.reason],
        ),
    );

async function read(): Promise<CoverageReport> {
    const expectation = coverageExpectation(config);
    return runCoverage(
        expectation,
        awsCoverageDependencies({
            credentials: async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }),
            homeRegion: config.homeRegion,
            securityHubPolicyRegion: expectation.securityHubPolicy?.region,
        }),
        new Run({ deadlineMs: Date.now() + 600_000, backoffMs: () => 0 }),
        () => new Date("2026-12-02T12:00:00Z"),
    );
}

describe("coverage knows each account's OU scope", () => {
    before(() => {
        organizations = mockClient(OrganizationsClient);
        securityhub = mockClient(SecurityHubClient);
        inspector = mockClient(Inspector2Client);
        guardduty = mockClient(GuardDutyClient);
        macie = mockClient(Macie2Client);
        detective = mockClient(DetectiveClient);
    });
    afterEach(() => {
        for (const mock of all()) mock.reset();
    });
    after(() => {
        for (const mock of all()) mock.restore();
    });

    const rightPolicies = (): Record<string, [string, string?]> => ({
        [MANAGEMENT]: [ROOT_POLICY],
        [ADMIN]: [ROOT_POLICY],
        [ROOT_ACCOUNT]: [ROOT_POLICY],
        [SANDBOX_ACCOUNT]: [SANDBOX_POLICY],
        // Security Hub-wise the nested OU is the sandbox's: it sets Inspector only.
        [NESTED_ACCOUNT]: [SANDBOX_POLICY],
    });

    it("judges each account's scan types by its nearest scope, and lists every scope's accounts", async () => {
        organization();
        services({
            scans: {
                [ROOT_ACCOUNT]: { ec2: on, ecr: on, lambda: on, lambdaCode: off },
                [SANDBOX_ACCOUNT]: { ec2: on, ecr: on, lambda: off, lambdaCode: off },
                [NESTED_ACCOUNT]: { ec2: on, ecr: off, lambda: off, lambdaCode: off },
            },
            policies: rightPolicies(),
        });
        const report = await read();
        for (const region of config.regions) {
            assert.deepEqual(gapsOf(report, "inspector", region), {
                [ROOT_ACCOUNT]: "scanning not enabled: lambdaCode DISABLED",
            });
        }
        assert.deepEqual(gapsOf(report, "securityhub", config.homeRegion), {});
        assert.deepEqual(report.scopes, {
            inspector: { nested: [NESTED_ACCOUNT], sandbox: [SANDBOX_ACCOUNT] },
            securityhub: { sandbox: [SANDBOX_ACCOUNT, NESTED_ACCOUNT] },
        });
        assert.equal(report.scopeError, undefined);
        const printed = formatCoverage(report);
        assert.match(
            printed,
            /\n {2}inspector nested: 1 account\n {2}inspector sandbox: 1 account\n {2}securityhub sandbox: 2 accounts\n/,
        );
    });

    it("finds an account under the wrong configuration policy, or one whose association failed", async () => {
        organization();
        const policies = Object.fromEntries(
            Object.entries(rightPolicies()).filter(([account]) => account !== MANAGEMENT),
        );
        policies[SANDBOX_ACCOUNT] = [ROOT_POLICY];
        policies[ROOT_ACCOUNT] = [ROOT_POLICY, "Standard not available in Region"];
        services({ scans: {}, policies });
        const report = await read();
        assert.deepEqual(gapsOf(report, "securityhub", config.homeRegion), {
            [MANAGEMENT]: "no configuration policy association reported, expected securityhub",
            [ROOT_ACCOUNT]:
                "configuration policy securityhub association FAILED (Standard not available in Region)",
            [SANDBOX_ACCOUNT]:
                "configuration policy securityhub applies, expected securityhub-sandbox (OU scope sandbox)",
        });
        // Associations are read in the home region only: a linked region judges membership alone.
        const linked = config.regions.find((region) => region !== config.homeRegion) ?? "";
        assert.deepEqual(gapsOf(report, "securityhub", linked), {});
        assert.equal(
            securityhub.commandCalls(ListConfigurationPolicyAssociationsCommand).length,
            1,
            "one listing, in the home region",
        );
    });

    it("does not judge the scoped rows when an OU cannot be read, and says why", async () => {
        organization({ sandboxMissing: true });
        services({ scans: {}, policies: rightPolicies() });
        const report = await read();
        assert.match(report.scopeError ?? "", /^ou-ab12-sandbox1 \(sandbox\): .*ParentNotFoundException/);
        const inspectorRows = report.rows.filter((row) => row.service === "inspector");
        assert.equal(inspectorRows.length, config.regions.length);
        for (const row of inspectorRows) {
            assert.match(row.error ?? "", /^OU scopes not read: ou-ab12-sandbox1/);
            assert.equal(row.covered, 0);
        }
        const home = report.rows.find(
            (row) => row.service === "securityhub" && row.region === config.homeRegion,
        );
        assert.match(home?.error ?? "", /^OU scopes not read/);
        // Rows that no scope changes are judged as ever.
        const linked = report.rows.find(
            (row) => row.service === "securityhub" && row.region !== config.homeRegion,
        );
        assert.equal(linked?.error, undefined);
        assert.equal(linked?.covered, ALL.length);
        assert.match(formatCoverage(report), /\nOU scopes not read: ou-ab12-sandbox1 \(sandbox\): /);
    });
});
