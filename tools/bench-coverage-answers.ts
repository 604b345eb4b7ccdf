/**
 * The simulated services' answers to the coverage function's calls, in each API's response shape, paged as the
 * caller asks (never beyond the API's documented maximum, which the function's own page sizes respect).
 */
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { ListGraphsCommand, ListMembersCommand as ListDetectiveMembers } from "@aws-sdk/client-detective";
import {
    GetMemberDetectorsCommand,
    ListDetectorsCommand,
    ListMembersCommand as ListGuardDutyMembers,
} from "@aws-sdk/client-guardduty";
import { BatchGetAccountStatusCommand } from "@aws-sdk/client-inspector2";
import { ListMembersCommand as ListMacieMembers } from "@aws-sdk/client-macie2";
import {
    ListAccountsCommand,
    ListAccountsForParentCommand,
    ListOrganizationalUnitsForParentCommand,
} from "@aws-sdk/client-organizations";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import {
    GetFindingsCommand,
    ListConfigurationPoliciesCommand,
    ListConfigurationPolicyAssociationsCommand,
    ListMembersCommand as ListSecurityHubMembers,
} from "@aws-sdk/client-securityhub";
import { PublishCommand } from "@aws-sdk/client-sns";
import type { mockClient } from "aws-sdk-client-mock";
import type { SimulatedAws } from "./bench-coverage-aws";
import {
    accountId,
    accountState,
    configCompliance,
    memberCount,
    memberIndex,
    memberStatus,
    pageOf,
    scopeOf,
} from "./bench-coverage-world";

type Mock = ReturnType<typeof mockClient>;
/** The client a call was sent through: its region is all the answers read. */
type GetClient = () => { config: unknown };

async function regionOf(getClient: GetClient): Promise<string> {
    const { region } = getClient().config as { region?: unknown };
    return typeof region === "function" ? String(await (region as () => Promise<string>)()) : String(region);
}

export function answerOrganizations(aws: SimulatedAws, mock: Mock): void {
    const { world } = aws;
    mock.on(ListAccountsCommand).callsFake((input: { NextToken?: string; MaxResults?: number }) =>
        aws.call("organizations:ListAccounts", "global", "global", () => {
            const { positions, next } = pageOf(world.accounts, input.NextToken, input.MaxResults ?? 20);
            return {
                Accounts: positions.map((i) => ({
                    Id: accountId(world, i),
                    Arn: `arn:aws:organizations::${world.expectation.managementAccountId}:account/o-sim/${accountId(world, i)}`,
                    Email: `account-${i}@example.com`,
                    Name: `account-${i}`,
                    State: accountState(i),
                })),
                NextToken: next,
            };
        }),
    );
    const scopes = world.expectation.scopes ?? [];
    mock.on(ListAccountsForParentCommand).callsFake(
        (input: { ParentId?: string; NextToken?: string; MaxResults?: number }) =>
            aws.call("organizations:ListAccountsForParent", "global", "global", () => {
                const k = scopes.findIndex((scope) => scope.id === input.ParentId);
                // The accounts of scope k: every SANDBOX_SPREAD-th account from index k + 3.
                const inScope = Array.from({ length: world.accounts }, (_, i) => i).filter(
                    (i) => k >= 0 && scopeOf(world, i) === k,
                );
                const { positions, next } = pageOf(inScope.length, input.NextToken, input.MaxResults ?? 20);
                return {
                    Accounts: positions.map((p) => ({ Id: accountId(world, inScope[p]) })),
                    NextToken: next,
                };
            }),
    );
    mock.on(ListOrganizationalUnitsForParentCommand).callsFake(() =>
        aws.call("organizations:ListOrganizationalUnitsForParent", "global", "global", () => ({
            OrganizationalUnits: [],
        })),
    );
}

export function answerMembers(
    aws: SimulatedAws,
    mocks: { guardduty: Mock; macie: Mock; detective: Mock; inspector: Mock },
): void {
    const { world } = aws;
    const { adminAccountId } = world.expectation;
    mocks.guardduty.on(ListDetectorsCommand).callsFake(async (_input: unknown, getClient: GetClient) => {
        const region = await regionOf(getClient);
        return aws.call("guardduty:ListDetectors", region, region, () => ({
            DetectorIds: [`det-${region}`],
        }));
    });
    mocks.guardduty
        .on(ListGuardDutyMembers)
        .callsFake(async (input: { NextToken?: string; MaxResults?: number }, getClient: GetClient) => {
            const region = await regionOf(getClient);
            return aws.call("guardduty:ListMembers", region, region, () => {
                const { positions, next } = pageOf(
                    memberCount(world, "guardduty"),
                    input.NextToken,
                    input.MaxResults ?? 50,
                );
                return {
                    Members: positions.map(memberIndex).map((i) => ({
                        AccountId: accountId(world, i),
                        DetectorId: `det-${i}`,
                        MasterId: adminAccountId,
                        AdministratorId: adminAccountId,
                        Email: `account-${i}@example.com`,
                        RelationshipStatus: memberStatus("guardduty", i),
                        InvitedAt: "2026-01-01T00:00:00.000Z",
                        UpdatedAt: "2026-01-01T00:00:00.000Z",
                    })),
                    NextToken: next,
                };
            });
        });
    mocks.guardduty
        .on(GetMemberDetectorsCommand)
        .callsFake(async (input: { AccountIds?: string[] }, getClient: GetClient) => {
            const region = await regionOf(getClient);
            return aws.call("guardduty:GetMemberDetectors", region, region, () => ({
                MemberDataSourceConfigurations: (input.AccountIds ?? []).map((AccountId) => ({
                    AccountId,
                    Features: world.expectation.guarddutyFeatures.map((Name) => ({
                        Name,
                        Status: "ENABLED",
                        UpdatedAt: new Date(0),
                    })),
                })),
                UnprocessedAccounts: [],
            }));
        });
    mocks.macie
        .on(ListMacieMembers)
        .callsFake(async (input: { nextToken?: string; maxResults?: number }, getClient: GetClient) => {
            const region = await regionOf(getClient);
            return aws.call("macie2:ListMembers", region, region, () => {
                const { positions, next } = pageOf(
                    memberCount(world, "macie"),
                    input.nextToken,
                    input.maxResults ?? 25,
                );
                return {
                    members: positions.map(memberIndex).map((i) => ({
                        accountId: accountId(world, i),
                        administratorAccountId: adminAccountId,
                        arn: `arn:aws:macie2:${region}:${adminAccountId}:member/${accountId(world, i)}`,
                        email: `account-${i}@example.com`,
                        relationshipStatus: memberStatus("macie", i),
                        updatedAt: new Date(0),
                    })),
                    nextToken: next,
                };
            });
        });
    mocks.detective.on(ListGraphsCommand).callsFake(async (_input: unknown, getClient: GetClient) => {
        const region = await regionOf(getClient);
        return aws.call("detective:ListGraphs", region, region, () => ({
            GraphList: [{ Arn: `arn:aws:detective:${region}:${adminAccountId}:graph:${"0".repeat(32)}` }],
        }));
    });
    mocks.detective
        .on(ListDetectiveMembers)
        .callsFake(async (input: { NextToken?: string; MaxResults?: number }, getClient: GetClient) => {
            const region = await regionOf(getClient);
            return aws.call("detective:ListMembers", region, region, () => {
                const { positions, next } = pageOf(
                    memberCount(world, "detective"),
                    input.NextToken,
                    input.MaxResults ?? 100,
                );
                return {
                    MemberDetails: positions.map(memberIndex).map((i) => ({
                        AccountId: accountId(world, i),
                        AdministratorId: adminAccountId,
                        EmailAddress: `account-${i}@example.com`,
                        Status: memberStatus("detective", i),
                        InvitationType: "ORGANIZATION",
                    })),
                    NextToken: next,
                };
            });
        });
    mocks.inspector
        .on(BatchGetAccountStatusCommand)
        .callsFake(async (input: { accountIds?: string[] }, getClient: GetClient) => {
            const region = await regionOf(getClient);
            const enabled = { status: "ENABLED" };
            return aws.call("inspector2:BatchGetAccountStatus", region, region, () => ({
                accounts: (input.accountIds ?? []).map((accountId) => ({
                    accountId,
                    state: enabled,
                    resourceState: {
                        ec2: enabled,
                        ecr: enabled,
                        lambda: enabled,
                        lambdaCode: enabled,
                        codeRepository: enabled,
                    },
                })),
                failedAccounts: [],
            }));
        });
}

export function answerSecurityHub(aws: SimulatedAws, mock: Mock): void {
    const { world } = aws;
    const { adminAccountId, securityHubPolicy } = world.expectation;
    const scopes = world.expectation.scopes ?? [];
    mock.on(ListSecurityHubMembers).callsFake(
        async (input: { NextToken?: string; MaxResults?: number }, getClient: GetClient) => {
            const region = await regionOf(getClient);
            return aws.call("securityhub:ListMembers", region, region, () => {
                const { positions, next } = pageOf(
                    memberCount(world, "securityhub"),
                    input.NextToken,
                    input.MaxResults ?? 50,
                );
                return {
                    Members: positions.map(memberIndex).map((i) => ({
                        AccountId: accountId(world, i),
                        Email: `account-${i}@example.com`,
                        AdministratorId: adminAccountId,
                        MemberStatus: memberStatus("securityhub", i),
                        InvitedAt: new Date(0),
                        UpdatedAt: new Date(0),
                    })),
                    NextToken: next,
                };
            });
        },
    );
    // The root's policy is "policy-root"; the k-th OU scope's, "policy-k".
    const policies = [
        { Id: "policy-root", Name: securityHubPolicy?.name ?? "root" },
        ...scopes.map((scope, k) => ({ Id: `policy-${k}`, Name: scope.securityHubPolicy ?? scope.name })),
    ];
    mock.on(ListConfigurationPoliciesCommand).callsFake(async (_input: unknown, getClient: GetClient) => {
        const region = await regionOf(getClient);
        return aws.call("securityhub:ListConfigurationPolicies", region, region, () => ({
            ConfigurationPolicySummaries: policies.map((p) => ({ ...p, ServiceEnabled: true })),
        }));
    });
    mock.on(ListConfigurationPolicyAssociationsCommand).callsFake(
        async (input: { NextToken?: string; MaxResults?: number }, getClient: GetClient) => {
            const region = await regionOf(getClient);
            return aws.call("securityhub:ListConfigurationPolicyAssociations", region, region, () => {
                const { positions, next } = pageOf(world.accounts, input.NextToken, input.MaxResults ?? 100);
                return {
                    ConfigurationPolicyAssociationSummaries: positions.map((i) => {
                        const k = scopeOf(world, i);
                        return {
                            ConfigurationPolicyId: k === undefined ? "policy-root" : `policy-${k}`,
                            TargetId: accountId(world, i),
                            TargetType: "ACCOUNT",
                            AssociationType: "INHERITED",
                            AssociationStatus: "SUCCESS",
                            UpdatedAt: new Date(0),
                        };
                    }),
                    NextToken: next,
                };
            });
        },
    );
    mock.on(GetFindingsCommand).callsFake(
        async (
            input: { NextToken?: string; MaxResults?: number; Filters?: { Region?: { Value?: string }[] } },
            getClient: GetClient,
        ) => {
            const region = await regionOf(getClient);
            const of = input.Filters?.Region?.[0]?.Value ?? region;
            return aws.call("securityhub:GetFindings", region, region, () => {
                const { positions, next } = pageOf(world.accounts, input.NextToken, input.MaxResults ?? 100);
                return {
                    Findings: positions.map((i) => {
                        const account = accountId(world, i);
                        const status = configCompliance(i);
                        return {
                            SchemaVersion: "2018-10-08",
                            Id: `arn:aws:securityhub:${of}:${account}:security-control/Config.1/finding/${i}`,
                            ProductArn: `arn:aws:securityhub:${of}::product/aws/securityhub`,
                            GeneratorId: "security-control/Config.1",
                            AwsAccountId: account,
                            Region: of,
                            CreatedAt: "2026-01-01T00:00:00.000Z",
                            UpdatedAt: "2026-01-01T00:00:00.000Z",
                            Title: "AWS Config should be enabled and use the service-linked role for resource recording",
                            Description:
                                "This control checks whether AWS Config is enabled in your account in the current AWS Region and records all resources that correspond to controls that are enabled in the current Region.",
                            Resources: [{ Type: "AwsAccount", Id: `AWS::::Account:${account}`, Region: of }],
                            Compliance: {
                                Status: status,
                                SecurityControlId: "Config.1",
                                ...(status === "FAILED"
                                    ? {
                                          StatusReasons: [
                                              {
                                                  ReasonCode: "CONFIG_RECORDER_DISABLED",
                                                  Description: "AWS Config is not recording",
                                              },
                                          ],
                                      }
                                    : {}),
                            },
                            RecordState: "ACTIVE",
                            Workflow: { Status: status === "PASSED" ? "RESOLVED" : "NEW" },
                        };
                    }),
                    NextToken: next,
                };
            });
        },
    );
}

/**
 * The findings bucket holds each row's latest.json and the combined report; dated copies are counted, not kept
 * (the function never reads them back). The function lists only exact keys (s3-objects.ts), so a listing
 * answers whether that key is held.
 */
export function answerStorage(aws: SimulatedAws, mocks: { s3: Mock; cloudwatch: Mock; sns: Mock }): void {
    const home = aws.world.homeRegion;
    const folder = (key: string) => key.slice(0, key.lastIndexOf("/") + 1);
    mocks.s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) =>
        aws.call("s3:ListObjectsV2", home, folder(String(input.Prefix)), () => ({
            Contents: aws.objects.has(String(input.Prefix)) ? [{ Key: input.Prefix }] : [],
            KeyCount: aws.objects.has(String(input.Prefix)) ? 1 : 0,
        })),
    );
    mocks.s3.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
        const text = aws.objects.get(String(input.Key)) ?? "";
        return aws.call(
            "s3:GetObject",
            home,
            folder(String(input.Key)),
            () => ({ Body: { transformToString: async () => text } }),
            text.length,
        );
    });
    mocks.s3.on(PutObjectCommand).callsFake((input: { Key?: string; Body?: unknown }) => {
        const key = String(input.Key);
        const text = String(input.Body);
        return aws.call(
            "s3:PutObject",
            home,
            folder(key),
            () => {
                aws.stored(key, text);
                return { ETag: `"${key.length}"` };
            },
            text.length,
        );
    });
    mocks.cloudwatch
        .on(PutMetricDataCommand)
        .callsFake(() => aws.call("cloudwatch:PutMetricData", home, home, () => ({})));
    mocks.sns.on(PublishCommand).callsFake(() =>
        aws.call("sns:Publish", home, home, () => ({
            MessageId: "00000000-0000-0000-0000-000000000000",
        })),
    );
}
