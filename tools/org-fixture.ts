import { readFileSync } from "node:fs";
import {
    AccountJoinedMethod,
    AccountState,
    PolicyType,
    PolicyTypeStatus,
    AccountStatus,
    DescribeOrganizationCommand,
    InvalidInputException,
    InvalidInputExceptionReason,
    ListAccountsCommand,
    ListDelegatedAdministratorsCommand,
    ListPoliciesForTargetCommand,
    type ListDelegatedAdministratorsCommandInput,
    type ListDelegatedAdministratorsCommandOutput,
    ListRootsCommand,
    OrganizationsClient,
    type ListPoliciesForTargetCommandInput,
    type ListPoliciesForTargetCommandOutput,
    type Account,
    type ListAccountsCommandInput,
    type ListAccountsCommandOutput,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { z } from "zod";

/** An organization for the offline plan, in the shapes the Organizations API returns. */
/**
 * The policy types a fixture organization has enabled unless its file says otherwise: an organization made
 * ready for this program (docs/deploying.md, "The organization, once"), so the offline plan shows what `pulumi up`
 * would do there.
 */
export const READY_POLICY_TYPES: readonly PolicyType[] = [
    "SERVICE_CONTROL_POLICY",
    "RESOURCE_CONTROL_POLICY",
    "INSPECTOR_POLICY",
    "SECURITYHUB_POLICY",
];

export interface OrgFixture {
    organizationId: string;
    managementAccountId: string;
    rootId: string;
    /** The policy types ENABLED on the root. */
    policyTypes: PolicyType[];
    /** As ListAccounts returns them, in list order. */
    accounts: Account[];
    /** The organization's own policies attached to each target, beside the AWS managed ones. */
    attachedPolicies?: Record<string, { Name: string; Type: PolicyType }[]>;
    /** Service principal -> the accounts registered as its delegated administrators. */
    delegatedAdministrators?: Record<string, string[]>;
}

/** A bad `--accounts` or `--org` value; the message names the flag, the value and what is allowed. */
export class FixtureError extends Error {
    override name = "FixtureError";
}

export interface FixtureAccountIds {
    management: string;
    securityAdmin: string;
}

const MIN_ACCOUNTS = 2;
const MAX_ACCOUNTS = 100_000;
/** Fixed so that generated fixtures, and the plans built from them, are byte-for-byte reproducible. */
const JOINED = new Date("2020-01-01T00:00:00Z");
/** Synthetic workload IDs start here, well away from the IDs in AWS documentation (111111111111, ...). */
const WORKLOAD_ID_BASE = 900_000_000_000;
const PAGE_SIZE = 20;

/** FNV-1a: a stable, dependency-free way to derive IDs that look like AWS's from an account ID. */
function fnv1a(text: string): number {
    let hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
        hash ^= text.charCodeAt(i);
        hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash;
}

function base36(value: number, width: number): string {
    return value.toString(36).padStart(width, "0").slice(-width);
}

function defaultOrganizationId(managementAccountId: string): string {
    // 10 characters: the shortest an organization ID can be (o-[a-z0-9]{10,32}).
    return `o-${base36(fnv1a(`org:${managementAccountId}`), 5)}${base36(fnv1a(`id:${managementAccountId}`), 5)}`;
}

function defaultRootId(organizationId: string): string {
    return `r-${base36(fnv1a(`root:${organizationId}`), 4)}`;
}

function accountArn(managementAccountId: string, organizationId: string, accountId: string): string {
    return `arn:aws:organizations::${managementAccountId}:account/${organizationId}/${accountId}`;
}

function activeAccount(
    id: string,
    name: string,
    joinedMethod: AccountJoinedMethod,
    managementAccountId: string,
    organizationId: string,
): Account {
    return {
        Id: id,
        Arn: accountArn(managementAccountId, organizationId, id),
        Email: `aws+${name}@example.com`,
        Name: name,
        // Both fields, as ListAccounts returns them until Status is retired.
        State: AccountState.ACTIVE,
        Status: AccountStatus.ACTIVE,
        JoinedMethod: joinedMethod,
        JoinedTimestamp: JOINED,
    };
}

/**
 * A synthetic organization of exactly `count` ACTIVE accounts: the management and security admin
 * accounts from the config plus `workload-NNNN` accounts. Deterministic, so two plans of the same
 * size can be diffed.
 */
export function generateOrganization(count: number, ids: FixtureAccountIds): OrgFixture {
    if (!Number.isInteger(count) || count < MIN_ACCOUNTS || count > MAX_ACCOUNTS) {
        throw new FixtureError(
            `--accounts ${String(count)}: expected an integer from ${MIN_ACCOUNTS} to ${MAX_ACCOUNTS} ` +
                `(the total number of accounts, management and security admin included).`,
        );
    }
    const organizationId = defaultOrganizationId(ids.management);
    const accounts: Account[] = [
        activeAccount(
            ids.management,
            "management",
            AccountJoinedMethod.INVITED,
            ids.management,
            organizationId,
        ),
    ];
    if (ids.securityAdmin !== ids.management) {
        accounts.push(
            activeAccount(
                ids.securityAdmin,
                "security",
                AccountJoinedMethod.CREATED,
                ids.management,
                organizationId,
            ),
        );
    }
    const reserved = new Set([ids.management, ids.securityAdmin]);
    let candidate = WORKLOAD_ID_BASE;
    for (let n = 1; accounts.length < count; n++) {
        let id = String(candidate++);
        while (reserved.has(id)) id = String(candidate++);
        const name = `workload-${String(n).padStart(4, "0")}`;
        accounts.push(activeAccount(id, name, AccountJoinedMethod.CREATED, ids.management, organizationId));
    }
    return {
        organizationId,
        managementAccountId: ids.management,
        rootId: defaultRootId(organizationId),
        policyTypes: [...READY_POLICY_TYPES],
        accounts,
    };
}

const accountId = z.string({ error: "expected a 12-digit account ID" }).regex(/^\d{12}$/, {
    error: "expected a 12-digit account ID",
});

function oneOf(values: Record<string, string>): string {
    return `expected one of ${Object.values(values).join(", ")}`;
}

/**
 * The JSON `aws organizations list-accounts` prints, plus optional organization-level fields. Unknown
 * keys are ignored so that output from newer CLI versions still loads.
 */
const fixtureFileSchema = z.object(
    {
        Accounts: z.array(
            z
                .object(
                    {
                        Id: accountId,
                        Arn: z.string({ error: "expected an account ARN string" }).optional(),
                        Email: z.string({ error: "expected an email address string" }),
                        Name: z.string({ error: "expected an account name string" }),
                        State: z.enum(AccountState, { error: oneOf(AccountState) }).optional(),
                        Status: z.enum(AccountStatus, { error: oneOf(AccountStatus) }).optional(),
                        JoinedMethod: z
                            .enum(AccountJoinedMethod, { error: oneOf(AccountJoinedMethod) })
                            .optional(),
                        // The CLI prints ISO 8601 text or epoch seconds depending on cli_timestamp_format.
                        JoinedTimestamp: z
                            .union([z.iso.datetime({ offset: true }), z.number()], {
                                error: "expected an ISO 8601 date-time or epoch seconds",
                            })
                            .optional(),
                        Paths: z.array(z.string(), { error: "expected an array of path strings" }).optional(),
                    },
                    { error: "expected an account object" },
                )
                .refine((account) => account.State !== undefined || account.Status !== undefined, {
                    error: "expected a State (or the deprecated Status) field",
                }),
            { error: "expected an array of accounts" },
        ),
        OrganizationId: z
            .string({ error: "expected an organization ID like o-a1b2c3d4e5" })
            .regex(/^o-[a-z0-9]{10,32}$/, { error: "expected an organization ID like o-a1b2c3d4e5" })
            .optional(),
        RootId: z
            .string({ error: "expected a root ID like r-a1b2" })
            .regex(/^r-[0-9a-z]{4,32}$/, { error: "expected a root ID like r-a1b2" })
            .optional(),
        ManagementAccountId: accountId.optional(),
        // The policy types enabled on the root (aws organizations list-roots, Roots[0].PolicyTypes[].Type).
        PolicyTypes: z.array(z.enum(PolicyType, { error: oneOf(PolicyType) })).optional(),
        // The organization's own policies attached to a root, OU or account, by target ID (aws organizations
        // list-policies-for-target); FullAWSAccess and RCPFullAWSAccess are attached everywhere besides.
        AttachedPolicies: z
            .record(
                z.string(),
                z.array(
                    z.object({
                        Name: z.string({ error: "expected a policy name" }),
                        Type: z.enum(PolicyType, { error: oneOf(PolicyType) }),
                    }),
                ),
            )
            .optional(),
        // The accounts registered as a service's delegated administrator, by service principal (aws organizations
        // list-delegated-administrators --service-principal guardduty.amazonaws.com, DelegatedAdministrators[].Id).
        DelegatedAdministrators: z.record(z.string(), z.array(accountId)).optional(),
    },
    {
        error: 'expected an object like { "Accounts": [...] } (the output of aws organizations list-accounts)',
    },
);

type FixtureFile = z.infer<typeof fixtureFileSchema>;

function formatPath(path: readonly PropertyKey[]): string {
    let text = "";
    for (const key of path) {
        text += typeof key === "number" ? `[${key}]` : text === "" ? String(key) : `.${String(key)}`;
    }
    return text === "" ? "(top level)" : text;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
    let value = data;
    for (const key of path) {
        if (typeof value !== "object" || value === null) return undefined;
        value = (value as Record<PropertyKey, unknown>)[key];
    }
    return value;
}

function describeValue(value: unknown): string {
    if (value === undefined) return "nothing";
    if (Array.isArray(value)) return "an array";
    if (typeof value === "object" && value !== null) return "an object";
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const MAX_REPORTED_ISSUES = 5;

function shapeError(path: string, data: unknown, issues: readonly z.core.$ZodIssue[]): FixtureError {
    const lines = issues
        .slice(0, MAX_REPORTED_ISSUES)
        .map(
            (issue) =>
                `${formatPath(issue.path)}: ${issue.message}, got ${describeValue(valueAt(data, issue.path))}`,
        );
    const more =
        issues.length > MAX_REPORTED_ISSUES ? ` (and ${issues.length - MAX_REPORTED_ISSUES} more)` : "";
    return new FixtureError(
        `--org ${JSON.stringify(path)}: not an organization fixture: ${lines.join("; ")}${more}`,
    );
}

function toAccount(account: FixtureFile["Accounts"][number]): Account {
    const { JoinedTimestamp: joined, ...rest } = account;
    if (joined === undefined) return rest;
    return {
        ...rest,
        JoinedTimestamp: typeof joined === "number" ? new Date(joined * 1000) : new Date(joined),
    };
}

/**
 * Reads an organization fixture in the shape `aws organizations list-accounts` prints, so that a real
 * organization's listing can be planned offline. Organization-level fields default deterministically.
 */
export function loadOrgFixture(path: string, ids: FixtureAccountIds): OrgFixture {
    const expected = 'a JSON file like { "Accounts": [...] } (the output of aws organizations list-accounts)';
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (error) {
        const code =
            typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
        const reason =
            code === "ENOENT"
                ? "file not found"
                : `cannot read file (${error instanceof Error ? error.message : String(error)})`;
        throw new FixtureError(`--org ${JSON.stringify(path)}: ${reason}; expected ${expected}.`, {
            cause: error,
        });
    }
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (error) {
        throw new FixtureError(
            `--org ${JSON.stringify(path)}: not valid JSON (${error instanceof Error ? error.message : String(error)}); expected ${expected}.`,
            { cause: error },
        );
    }
    const parsed = fixtureFileSchema.safeParse(data);
    if (!parsed.success) throw shapeError(path, data, parsed.error.issues);
    const file = parsed.data;
    // `aws organizations list-accounts --max-items N` stops early and says so with a NextToken: planning
    // that page alone would count a part of the organization as the whole.
    const nextToken = (data as { NextToken?: unknown }).NextToken;
    if (nextToken !== undefined && nextToken !== null) {
        throw new FixtureError(
            `--org ${JSON.stringify(path)}: NextToken ${JSON.stringify(nextToken)}: the listing was cut short; expected every account (run aws organizations list-accounts without --max-items).`,
        );
    }

    const firstIndex = new Map<string, number>();
    file.Accounts.forEach((account, index) => {
        const previous = firstIndex.get(account.Id);
        if (previous !== undefined) {
            throw new FixtureError(
                `--org ${JSON.stringify(path)}: Accounts[${index}].Id: duplicate account ID "${account.Id}" ` +
                    `(also Accounts[${previous}]); expected each account once.`,
            );
        }
        firstIndex.set(account.Id, index);
    });

    const managementAccountId = file.ManagementAccountId ?? ids.management;
    // The program would stop at discovery on these (index.ts); said here, they name the fixture's field.
    if (managementAccountId !== ids.management) {
        throw new FixtureError(
            `--org ${JSON.stringify(path)}: ManagementAccountId: expected the stack's security-governance:accounts.management ` +
                `${ids.management}, got "${managementAccountId}".`,
        );
    }
    for (const [key, id] of [
        ["accounts.management", ids.management],
        ["accounts.securityAdmin", ids.securityAdmin],
    ] as const) {
        const account = file.Accounts.find((candidate) => candidate.Id === id);
        const state = account === undefined ? undefined : (account.State ?? account.Status);
        if (state !== AccountState.ACTIVE) {
            throw new FixtureError(
                `--org ${JSON.stringify(path)}: Accounts: expected an ACTIVE account ${id} (the stack's security-governance:${key}), ` +
                    `got ${state === undefined ? "none" : `one in state ${state}`}.`,
            );
        }
    }
    const organizationId = file.OrganizationId ?? defaultOrganizationId(managementAccountId);
    return {
        organizationId,
        managementAccountId,
        rootId: file.RootId ?? defaultRootId(organizationId),
        policyTypes: file.PolicyTypes ?? [...READY_POLICY_TYPES],
        accounts: file.Accounts.map(toAccount),
        attachedPolicies: file.AttachedPolicies,
        delegatedAdministrators: file.DelegatedAdministrators,
    };
}

const TOKEN_PREFIX = "fixture-offset-";

/**
 * A new OrganizationsClient whose `send` answers DescribeOrganization, ListRoots and ListAccounts from
 * the fixture, paging as the real API does. Only this instance is stubbed, so real clients elsewhere in
 * the process are unaffected.
 */
export function mockOrganizationsClient(fixture: OrgFixture): OrganizationsClient {
    const client = new OrganizationsClient({
        region: "us-east-1",
        // Static dummy credentials: nothing is looked up in the environment even if the stub is bypassed.
        credentials: { accessKeyId: "AKIAFIXTURE", secretAccessKey: "fixture" },
    });
    const { organizationId, managementAccountId, rootId, policyTypes, accounts } = fixture;
    const management = accounts.find((account) => account.Id === managementAccountId);
    const mock = mockClient(client);
    mock.on(DescribeOrganizationCommand).resolves({
        Organization: {
            Id: organizationId,
            Arn: `arn:aws:organizations::${managementAccountId}:organization/${organizationId}`,
            FeatureSet: "ALL",
            MasterAccountId: managementAccountId,
            MasterAccountArn: accountArn(managementAccountId, organizationId, managementAccountId),
            MasterAccountEmail: management?.Email,
            AvailablePolicyTypes: policyTypes.map((type) => ({
                Type: type,
                Status: PolicyTypeStatus.ENABLED,
            })),
        },
    });
    mock.on(ListRootsCommand).resolves({
        Roots: [
            {
                Id: rootId,
                Arn: `arn:aws:organizations::${managementAccountId}:root/${organizationId}/${rootId}`,
                Name: "Root",
                PolicyTypes: policyTypes.map((type) => ({ Type: type, Status: PolicyTypeStatus.ENABLED })),
            },
        ],
    });
    mock.on(ListAccountsCommand).callsFake((input: ListAccountsCommandInput): ListAccountsCommandOutput => {
        const pageSize = input.MaxResults ?? PAGE_SIZE;
        // The real API rejects these too; accepting them would hide a paging bug until it meets AWS.
        if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > PAGE_SIZE) {
            throw new InvalidInputException({
                message: `MaxResults must be 1..${PAGE_SIZE}, got ${pageSize}`,
                Reason:
                    pageSize > PAGE_SIZE
                        ? InvalidInputExceptionReason.MAX_VALUE_EXCEEDED
                        : InvalidInputExceptionReason.MIN_VALUE_EXCEEDED,
                $metadata: { httpStatusCode: 400 },
            });
        }
        let offset = 0;
        if (input.NextToken !== undefined) {
            offset = input.NextToken.startsWith(TOKEN_PREFIX)
                ? Number(input.NextToken.slice(TOKEN_PREFIX.length))
                : NaN;
            if (!Number.isInteger(offset) || offset <= 0 || offset >= accounts.length) {
                throw new InvalidInputException({
                    message: `Invalid NextToken ${JSON.stringify(input.NextToken)}`,
                    Reason: InvalidInputExceptionReason.INVALID_PAGINATION_TOKEN,
                    $metadata: { httpStatusCode: 400 },
                });
            }
        }
        const end = offset + pageSize;
        return {
            Accounts: accounts.slice(offset, end).map((account) => ({ ...account })),
            NextToken: end < accounts.length ? `${TOKEN_PREFIX}${end}` : undefined,
            $metadata: { httpStatusCode: 200 },
        };
    });
    // The AWS managed policy of each type, attached to every root, OU and account while the type is enabled.
    const managed: Partial<Record<PolicyType, string>> = {
        SERVICE_CONTROL_POLICY: "FullAWSAccess",
        RESOURCE_CONTROL_POLICY: "RCPFullAWSAccess",
    };
    mock.on(ListPoliciesForTargetCommand).callsFake(
        (input: ListPoliciesForTargetCommandInput): ListPoliciesForTargetCommandOutput => {
            const type = input.Filter;
            const own = (fixture.attachedPolicies?.[input.TargetId ?? ""] ?? []).filter(
                (p) => p.Type === type,
            );
            const name = type === undefined || !policyTypes.includes(type) ? undefined : managed[type];
            return {
                Policies: [
                    ...(name === undefined
                        ? []
                        : [{ Id: `p-${name}`, Name: name, Type: type, AwsManaged: true }]),
                    ...own.map((p, i) => ({
                        Id: `p-own${i}`,
                        Name: p.Name,
                        Type: p.Type,
                        AwsManaged: false,
                    })),
                ],
                $metadata: { httpStatusCode: 200 },
            };
        },
    );
    // One administrator a page, so that a reader which ignores NextToken misses the second.
    mock.on(ListDelegatedAdministratorsCommand).callsFake(
        (input: ListDelegatedAdministratorsCommandInput): ListDelegatedAdministratorsCommandOutput => {
            const ids = fixture.delegatedAdministrators?.[input.ServicePrincipal ?? ""] ?? [];
            const offset =
                input.NextToken === undefined ? 0 : Number(input.NextToken.slice(TOKEN_PREFIX.length));
            return {
                DelegatedAdministrators: ids.slice(offset, offset + 1).map((id) => ({ Id: id })),
                NextToken: offset + 1 < ids.length ? `${TOKEN_PREFIX}${offset + 1}` : undefined,
                $metadata: { httpStatusCode: 200 },
            };
        },
    );
    return client;
}
