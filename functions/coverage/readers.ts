import {
    GetMemberDetectorsCommand,
    GuardDutyClient,
    ListDetectorsCommand,
    ListMembersCommand as ListGuardDutyMembers,
} from "@aws-sdk/client-guardduty";
import { BatchGetAccountStatusCommand, Inspector2Client, type State } from "@aws-sdk/client-inspector2";
import {
    GetFindingsCommand,
    ListConfigurationPoliciesCommand,
    ListConfigurationPolicyAssociationsCommand,
    ListMembersCommand as ListSecurityHubMembers,
    SecurityHubClient,
} from "@aws-sdk/client-securityhub";
import { paged, type Run } from "../shared/run";
import type { MemberService } from "../enrollment/adapters";
import { ASSOCIATION_ONLY, type Observation } from "./matrix";

/*
 * Read-only adapters: each turns one service's member APIs into the observations matrix.ts judges, with the
 * page and batch sizes its API reference documents, every call through the run (shared retry budget,
 * deadline). Nothing here writes: the coverage function's role can only read.
 */

/** GuardDuty ListMembers and ListDetectors `MaxResults`: "The maximum value is 50" (@aws-sdk/client-guardduty; botocore guardduty MaxResults max 50). */
const GUARDDUTY_PAGE = 50;
/** GuardDuty GetMemberDetectors `AccountIds`: at most 50 (botocore guardduty service-2.json, AccountIds max 50). */
const GUARDDUTY_DETECTOR_BATCH = 50;
/** Security Hub ListMembers `MaxResults`: at most 50 (botocore securityhub CrossAccountMaxResults max 50). */
const SECURITYHUB_PAGE = 50;
/**
 * ListConfigurationPolicies and ListConfigurationPolicyAssociations `MaxResults`: "A valid range for MaxResults
 * is between 1 and 100" (@aws-sdk/client-securityhub models).
 */
const SECURITYHUB_POLICY_PAGE = 100;
/** Inspector BatchGetAccountStatus `accountIds`: "Maximum number of 100 items" (API reference; botocore AccountIdSet max 100). */
const INSPECTOR_BATCH = 100;

const upper = (value: unknown) => String(value ?? "UNKNOWN").toUpperCase();

/** The administrator's detector in the client's region, or undefined when GuardDuty is off there. */
export async function guarddutyDetectorId(client: GuardDutyClient, run: Run): Promise<string | undefined> {
    const ids = await paged("guardduty:ListDetectors", async (token) => {
        const page = await run.call("guardduty:ListDetectors", () =>
            client.send(new ListDetectorsCommand({ MaxResults: GUARDDUTY_PAGE, NextToken: token })),
        );
        return { items: page.DetectorIds ?? [], next: page.NextToken };
    });
    return ids[0];
}

/** GuardDuty members with their relationship status and, for enabled members, each protection plan's status. */
export async function readGuardDuty(
    client: GuardDutyClient,
    detectorId: string,
    run: Run,
): Promise<Observation[]> {
    const members = await paged("guardduty:ListMembers", async (token) => {
        const page = await run.call("guardduty:ListMembers", () =>
            client.send(
                // OnlyAssociated is a string; "false" lists members not yet invited or disassociated as well.
                new ListGuardDutyMembers({
                    DetectorId: detectorId,
                    MaxResults: GUARDDUTY_PAGE,
                    NextToken: token,
                    OnlyAssociated: "false",
                }),
            ),
        );
        return { items: page.Members ?? [], next: page.NextToken };
    });
    const observations = new Map<string, Observation>();
    for (const member of members) {
        if (member.AccountId === undefined) continue;
        observations.set(member.AccountId, {
            accountId: member.AccountId,
            status: upper(member.RelationshipStatus),
        });
    }
    const enabled = [...observations.values()].filter((o) => o.status === "ENABLED").map((o) => o.accountId);
    for (let i = 0; i < enabled.length; i += GUARDDUTY_DETECTOR_BATCH) {
        const batch = enabled.slice(i, i + GUARDDUTY_DETECTOR_BATCH);
        const response = await run.call("guardduty:GetMemberDetectors", () =>
            client.send(new GetMemberDetectorsCommand({ DetectorId: detectorId, AccountIds: batch })),
        );
        for (const configuration of response.MemberDataSourceConfigurations ?? []) {
            const observation =
                configuration.AccountId === undefined ? undefined : observations.get(configuration.AccountId);
            if (observation === undefined) continue;
            // Names are kept as the strings GuardDuty sent, whatever the SDK's enum knows: the pinned
            // @aws-sdk/client-guardduty 3.1048.0 has no AI_PROTECTION in `OrgFeature`, yet its schema types
            // `Features[].name` as a plain string (dist-cjs/schemas/schemas_0.js, MemberFeaturesConfigurationResult$)
            // and @smithy/core's JSON deserializer returns a string as it came (JsonShapeDeserializer2._read). The
            // enum is a compile-time union only, so the plan names are compared as strings, never narrowed to it.
            observation.plans = Object.fromEntries(
                (configuration.Features ?? [])
                    .filter((f) => f.Name !== undefined)
                    .map((f): [string, string] => [String(f.Name), upper(f.Status)]),
            );
        }
        for (const unprocessed of response.UnprocessedAccounts ?? []) {
            const observation =
                unprocessed.AccountId === undefined ? undefined : observations.get(unprocessed.AccountId);
            if (observation !== undefined)
                observation.detail = `plans not read: ${unprocessed.Result ?? "no reason given"}`;
        }
    }
    return [...observations.values()];
}

/** Security Hub members and their MemberStatus ("Enabled": the member account is currently active). */
export async function readSecurityHub(client: SecurityHubClient, run: Run): Promise<Observation[]> {
    const members = await paged("securityhub:ListMembers", async (token) => {
        const page = await run.call("securityhub:ListMembers", () =>
            client.send(
                new ListSecurityHubMembers({
                    MaxResults: SECURITYHUB_PAGE,
                    NextToken: token,
                    OnlyAssociated: false,
                }),
            ),
        );
        return { items: page.Members ?? [], next: page.NextToken };
    });
    return members
        .filter((m) => m.AccountId !== undefined)
        .map((m) => ({ accountId: String(m.AccountId), status: upper(m.MemberStatus) }));
}

/**
 * `members` with the configuration policy that applies to each account, as central configuration reports it
 * in its home region (only the delegated administrator can call either API, from the home region: Security
 * Hub API reference). An account with an association but no membership (the administrator itself) is added
 * with the status ASSOCIATION_ONLY. Policies are named as the stack names them; a policy the list does not
 * hold, or self-managed behaviour, keeps the ID Security Hub gives.
 */
export async function withSecurityHubPolicies(
    client: SecurityHubClient,
    members: Observation[],
    run: Run,
): Promise<Observation[]> {
    const policies = await paged("securityhub:ListConfigurationPolicies", async (token) => {
        const page = await run.call("securityhub:ListConfigurationPolicies", () =>
            client.send(
                new ListConfigurationPoliciesCommand({
                    MaxResults: SECURITYHUB_POLICY_PAGE,
                    NextToken: token,
                }),
            ),
        );
        return { items: page.ConfigurationPolicySummaries ?? [], next: page.NextToken };
    });
    const names = new Map(policies.flatMap((p) => (p.Id === undefined ? [] : [[p.Id, p.Name ?? p.Id]])));
    const associations = await paged("securityhub:ListConfigurationPolicyAssociations", async (token) => {
        const page = await run.call("securityhub:ListConfigurationPolicyAssociations", () =>
            client.send(
                new ListConfigurationPolicyAssociationsCommand({
                    MaxResults: SECURITYHUB_POLICY_PAGE,
                    NextToken: token,
                }),
            ),
        );
        return { items: page.ConfigurationPolicyAssociationSummaries ?? [], next: page.NextToken };
    });
    const byAccount = new Map(members.map((member) => [member.accountId, { ...member }]));
    for (const association of associations) {
        if (association.TargetType !== "ACCOUNT" || association.TargetId === undefined) continue;
        const id = association.ConfigurationPolicyId ?? "none";
        const policy = {
            name: names.get(id) ?? id,
            status: upper(association.AssociationStatus),
            ...(association.AssociationStatusMessage === undefined
                ? {}
                : { detail: association.AssociationStatusMessage }),
        };
        const observation = byAccount.get(association.TargetId);
        if (observation !== undefined) observation.policy = policy;
        else
            byAccount.set(association.TargetId, {
                accountId: association.TargetId,
                status: ASSOCIATION_ONLY,
                policy,
            });
    }
    return [...byAccount.values()];
}

/** GetFindings `MaxResults`: 100 per page (botocore securityhub MaxResults; not stated in the SDK's own doc). */
const FINDINGS_PAGE = 100;

/** The control whose finding says whether AWS Config records: "AWS Config should be enabled" (CSPM controls reference). */
export const CONFIG_RECORDING_CONTROL = "Config.1";

/**
 * Whether AWS Config records in each account of `region`, as Security Hub CSPM's Config.1 finding says: read
 * from the home region, whose findings include every linked region's (cross-Region aggregation). The
 * observation's status is the finding's Compliance.Status (PASSED, FAILED, WARNING, NOT_AVAILABLE).
 */
export async function readConfigRecording(
    client: SecurityHubClient,
    region: string,
    run: Run,
): Promise<Observation[]> {
    const findings = await paged(
        `securityhub:GetFindings ${CONFIG_RECORDING_CONTROL} ${region}`,
        async (token) => {
            const page = await run.call("securityhub:GetFindings", () =>
                client.send(
                    new GetFindingsCommand({
                        Filters: {
                            ComplianceSecurityControlId: [
                                { Value: CONFIG_RECORDING_CONTROL, Comparison: "EQUALS" },
                            ],
                            Region: [{ Value: region, Comparison: "EQUALS" }],
                            RecordState: [{ Value: "ACTIVE", Comparison: "EQUALS" }],
                        },
                        MaxResults: FINDINGS_PAGE,
                        NextToken: token,
                    }),
                ),
            );
            return { items: page.Findings ?? [], next: page.NextToken };
        },
    );
    // An account may have several Config.1 findings (one per standard's control ARN when consolidated control
    // findings are off: CSPM user guide, consolidated control findings). Each is returned as it is: matrix.ts
    // merges them (mergeVerdicts), a failing one never hidden by a passing one, whatever the order.
    return findings.flatMap((finding): Observation[] =>
        finding.AwsAccountId === undefined
            ? []
            : [
                  {
                      accountId: finding.AwsAccountId,
                      status: upper(finding.Compliance?.Status),
                      ...(finding.Compliance?.StatusReasons?.[0]?.Description === undefined
                          ? {}
                          : { detail: finding.Compliance.StatusReasons[0].Description }),
                  },
              ],
    );
}

/** Macie and Detective members, read through the enrollment adapters' own listing (read-only). */
export async function readMembers(service: MemberService, run: Run): Promise<Observation[]> {
    const members = await service.listMembers(run);
    return members.map((m) => ({
        accountId: m.accountId,
        status: upper(m.status),
        ...(m.detail === undefined ? {} : { detail: m.detail }),
    }));
}

/** Inspector's `resourceState` keys, by the scan types the stack config names (INSPECTOR_RESOURCE_TYPES). */
export const INSPECTOR_SCAN_KEYS: Record<string, string> = {
    EC2: "ec2",
    ECR: "ecr",
    LAMBDA: "lambda",
    LAMBDA_CODE: "lambdaCode",
    CODE_REPOSITORY: "codeRepository",
};

/** Every account's Inspector status per scan type; failed accounts carry Inspector's error code and message. */
export async function readInspector(
    client: Inspector2Client,
    accountIds: readonly string[],
    run: Run,
): Promise<Observation[]> {
    const observations: Observation[] = [];
    for (let i = 0; i < accountIds.length; i += INSPECTOR_BATCH) {
        const batch = accountIds.slice(i, i + INSPECTOR_BATCH);
        const response = await run.call("inspector2:BatchGetAccountStatus", () =>
            client.send(new BatchGetAccountStatusCommand({ accountIds: [...batch] })),
        );
        for (const account of response.accounts ?? []) {
            if (account.accountId === undefined) continue;
            const states: Record<string, State | undefined> = { ...account.resourceState };
            observations.push({
                accountId: account.accountId,
                status: upper(account.state?.status),
                plans: Object.fromEntries(
                    Object.entries(states)
                        .filter((entry): entry is [string, State] => entry[1] !== undefined)
                        .map(([key, state]) => [key, upper(state.status)]),
                ),
            });
        }
        for (const failed of response.failedAccounts ?? []) {
            if (failed.accountId === undefined) continue;
            observations.push({
                accountId: failed.accountId,
                status: upper(failed.status),
                detail: `status not read: ${String(failed.errorCode ?? "no error code")}: ${failed.errorMessage ?? ""}`.trim(),
            });
        }
    }
    return observations;
}
