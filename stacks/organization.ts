import {
    DescribeOrganizationCommand,
    ListAccountsCommand,
    ListRootsCommand,
    OrganizationsClient,
    type Account,
} from "@aws-sdk/client-organizations";
import { fromIni, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { withAwsRetry, type AwsRetryOptions } from "./aws-retry";

/** One ACTIVE member account of the organization. */
export interface OrganizationAccount {
    /** 12-digit account ID. */
    id: string;
    /** The account's friendly name ("" if Organizations returned none). */
    name: string;
    /** The account's root email address ("" if Organizations returned none). */
    email: string;
}

/** The organization as discovered through the management account, validated against the stack config. */
export interface Organization {
    /** Organization ID, `o-xxxxxxxxxx`. */
    id: string;
    arn: string;
    managementAccountId: string;
    /** The single root, `r-xxxx`, that organization-wide policies (e.g. Security Hub configuration) attach to. */
    rootId: string;
    /** The Organizations policy types ENABLED on that root (ListRoots `PolicyTypes`), sorted. */
    enabledPolicyTypes: string[];
    /** ACTIVE accounts only, sorted by ID. */
    accounts: OrganizationAccount[];
}

export interface DiscoveryOptions {
    /** Role in the management account, assumed from the security account, that can read the organization. */
    managementRoleArn: string;
    /** Home region for the Organizations client (the endpoint itself is global per partition). */
    region: string;
    /** `aws:profile`: the profile the role is assumed from. Default: the SDK's default credential chain. */
    profile?: string;
    /** Account IDs from the stack config, checked against what Organizations reports. */
    expectedAccounts: { management: string; securityAdmin: string };
    /** Injected in tests and the offline plan; otherwise one is built with the assumed-role credentials. */
    client?: OrganizationsClient;
    retry?: AwsRetryOptions;
    /** Receives progress lines on large organizations; default writes nothing. */
    progress?: (message: string) => void;
}

/** A discovery failure the user can act on; the entry point prints its message as-is, without a stack trace. */
export class DiscoveryError extends Error {
    override name = "DiscoveryError";
}

const ROLE_SESSION_NAME = "security-governance-discovery";
/** ListAccounts rejects MaxResults above 20. */
const PAGE_SIZE = 20;
/** 50 pages are 1,000 accounts: a line every few seconds on a throttled real organization. */
const PROGRESS_EVERY_PAGES = 50;
const MANAGEMENT_KEY = "security-governance:accounts.management";
const SECURITY_ADMIN_KEY = "security-governance:accounts.securityAdmin";
const REQUIRED_PERMISSIONS = [
    "organizations:DescribeOrganization",
    "organizations:ListRoots",
    "organizations:ListAccounts",
    // With guardrails.enabled: how many policies each guardrail target already has (stacks/guardrail-quotas.ts).
    "organizations:ListPoliciesForTarget",
    // Who administers each service already: a second stack over this organization (stacks/one-organization.ts).
    "organizations:ListDelegatedAdministrators",
];
/** Organizations' own denial, STS's denial of AssumeRole, and a management role outside any organization. */
const ACCESS_ERROR_NAMES = new Set([
    "AccessDeniedException",
    "AccessDenied",
    "AWSOrganizationsNotInUseException",
]);

const numberFormat = new Intl.NumberFormat("en-US");

function buildClient(options: DiscoveryOptions): OrganizationsClient {
    return new OrganizationsClient({
        region: options.region,
        // withAwsRetry owns retries; the client's own 3 attempts would multiply them.
        maxAttempts: 1,
        credentials: fromTemporaryCredentials({
            params: { RoleArn: options.managementRoleArn, RoleSessionName: ROLE_SESSION_NAME },
            masterCredentials: sourceCredentials(options.profile),
            clientConfig: { region: options.region },
        }),
    });
}

/**
 * What discovery assumes the management role from: the stack's `aws:profile` when set, as the providers
 * do; otherwise undefined, which leaves the SDK's default chain (AWS_* variables, AWS_PROFILE, ...).
 */
export function sourceCredentials(profile: string | undefined) {
    return profile === undefined ? undefined : fromIni({ profile });
}

function errorName(error: unknown): string | undefined {
    if (typeof error === "object" && error !== null && "name" in error && typeof error.name === "string") {
        return error.name;
    }
    return undefined;
}

function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

function accessError(operation: string, roleArn: string, error: unknown): DiscoveryError {
    const name = errorName(error) ?? "Error";
    const what =
        name === "AWSOrganizationsNotInUseException"
            ? `the account of role ${roleArn} is not in an AWS Organization; the role must be in the organization's management account`
            : name === "AccessDenied"
              ? `role ${roleArn} could not be assumed`
              : `role ${roleArn} is not allowed to call ${operation}`;
    return new DiscoveryError(
        `Organization discovery failed at ${operation} (${name}: ${errorMessage(error)}): ${what}. ` +
            `The role must be assumable from the security account (its trust policy must allow the ` +
            `deployment principal sts:AssumeRole) and must allow ${REQUIRED_PERMISSIONS.join(", ")}.`,
        { cause: error },
    );
}

/**
 * Whether the account is ACTIVE. `State` is the current field and distinguishes more lifecycle
 * phases (PENDING_ACTIVATION, CLOSED); `Status` is deprecated (retired September 2026) but still the
 * only field in older responses and fixtures.
 */
function isActive(account: Account): boolean {
    return (account.State ?? account.Status) === "ACTIVE";
}

/**
 * Reads the organization (DescribeOrganization, ListRoots, every page of ListAccounts) through the
 * management role and checks it against the stack config, so that a wrong account ID fails here with
 * the config key to fix rather than deep inside a delegated-admin registration.
 */
/** The client discovery uses: the injected one, or one built with the management role's credentials. */
export function organizationsClient(options: DiscoveryOptions): OrganizationsClient {
    return options.client ?? buildClient(options);
}

/** One Organizations call through the management role, retried, its access errors said as what to fix. */
export async function callOrganizations<T>(
    options: DiscoveryOptions,
    operation: string,
    send: () => Promise<T>,
): Promise<T> {
    try {
        return await withAwsRetry(`organizations:${operation}`, send, options.retry);
    } catch (error) {
        const name = errorName(error);
        if (name !== undefined && ACCESS_ERROR_NAMES.has(name))
            throw accessError(operation, options.managementRoleArn, error);
        throw error;
    }
}

export async function discoverOrganization(options: DiscoveryOptions): Promise<Organization> {
    const client = organizationsClient(options);
    const roleArn = options.managementRoleArn;
    const progress = options.progress ?? ((): void => undefined);
    const call = <T>(operation: string, send: () => Promise<T>) =>
        callOrganizations(options, operation, send);

    const described = await call("DescribeOrganization", () =>
        client.send(new DescribeOrganizationCommand({})),
    );
    const org = described.Organization;
    if (org?.Id === undefined || org.Arn === undefined || org.MasterAccountId === undefined) {
        throw new DiscoveryError(
            `DescribeOrganization through role ${roleArn} returned no organization ID, ARN or management account.`,
        );
    }
    const expected = options.expectedAccounts;
    if (org.MasterAccountId !== expected.management) {
        throw new DiscoveryError(
            `${MANAGEMENT_KEY} is ${expected.management}, but the management account of organization ` +
                `${org.Id} (reached through role ${roleArn}) is ${org.MasterAccountId}. ` +
                `Set ${MANAGEMENT_KEY} to ${org.MasterAccountId}, or point the role at the intended organization.`,
        );
    }

    const listedRoots = await call("ListRoots", () => client.send(new ListRootsCommand({})));
    const roots = listedRoots.Roots ?? [];
    const rootIds = roots.map((root) => root.Id).filter((id): id is string => id !== undefined);
    // A NextToken means more roots than this page shows, which is just as unexpected as two on it.
    if (rootIds.length !== 1 || roots.length !== 1 || listedRoots.NextToken !== undefined) {
        throw new DiscoveryError(
            `ListRoots for organization ${org.Id} returned ${roots.length} roots ` +
                `(${rootIds.join(", ") || "none with an ID"}); exactly one root was expected.`,
        );
    }
    const rootId = rootIds[0];
    // PENDING_ENABLE is not yet usable: AttachPolicy needs the type "enabled for that root" (SDK, PolicyTypeSummary).
    const enabledPolicyTypes = (roots[0].PolicyTypes ?? [])
        .filter((policyType) => policyType.Status === "ENABLED" && policyType.Type !== undefined)
        .map((policyType) => String(policyType.Type))
        .sort();

    // A Map rather than an array: a page boundary that shifts while accounts join must not double-count.
    const active = new Map<string, OrganizationAccount>();
    const seenTokens = new Set<string>();
    let listed = 0;
    let pages = 0;
    let nextToken: string | undefined;
    do {
        const token = nextToken;
        const page = await call("ListAccounts", () =>
            client.send(new ListAccountsCommand({ MaxResults: PAGE_SIZE, NextToken: token })),
        );
        pages += 1;
        for (const account of page.Accounts ?? []) {
            listed += 1;
            if (!isActive(account)) continue;
            if (account.Id === undefined) {
                throw new DiscoveryError(
                    `ListAccounts page ${pages} of organization ${org.Id} returned an ACTIVE account without an ID.`,
                );
            }
            active.set(account.Id, { id: account.Id, name: account.Name ?? "", email: account.Email ?? "" });
        }
        nextToken = page.NextToken;
        if (nextToken !== undefined) {
            // A repeated token would loop forever against a misbehaving endpoint or mock.
            if (seenTokens.has(nextToken)) {
                throw new DiscoveryError(
                    `ListAccounts for organization ${org.Id} returned the same NextToken twice (page ${pages}).`,
                );
            }
            seenTokens.add(nextToken);
        }
        if (pages % PROGRESS_EVERY_PAGES === 0) {
            progress(
                `discovering organization: ${numberFormat.format(listed)} accounts (${numberFormat.format(pages)} pages)`,
            );
        }
    } while (nextToken !== undefined);

    for (const [id, key] of [
        [expected.management, MANAGEMENT_KEY],
        [expected.securityAdmin, SECURITY_ADMIN_KEY],
    ] as const) {
        if (!active.has(id)) {
            throw new DiscoveryError(
                `${key} is ${id}, but that account is not an ACTIVE member of organization ${org.Id} ` +
                    `(${numberFormat.format(active.size)} active of ${numberFormat.format(listed)} listed accounts). ` +
                    `Check the account ID, or whether the account is suspended or closed.`,
            );
        }
    }

    // Account IDs are fixed-width digit strings, so code-unit order is numeric order.
    const accounts = [...active.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (pages >= PROGRESS_EVERY_PAGES) {
        progress(
            `discovered organization ${org.Id}: ${numberFormat.format(accounts.length)} active accounts ` +
                `(${numberFormat.format(listed)} listed, ${numberFormat.format(pages)} pages)`,
        );
    }
    return {
        id: org.Id,
        arn: org.Arn,
        managementAccountId: org.MasterAccountId,
        rootId,
        enabledPolicyTypes,
        accounts,
    };
}

/**
 * A suppression rule naming an account outside the organization archives nothing for it: most likely a
 * typo, or an account that has left. Warned, not refused: the organization changes without the config.
 */
export function foreignRuleAccounts(
    rules: readonly { name: string; accountIds?: string[] }[],
    accounts: readonly { id: string }[],
): { rule: string; accountIds: string[] }[] {
    const known = new Set(accounts.map((account) => account.id));
    return rules
        .map((rule) => ({
            rule: rule.name,
            accountIds: (rule.accountIds ?? []).filter((id) => !known.has(id)),
        }))
        .filter((found) => found.accountIds.length > 0);
}

/** An Organizations policy type the program attaches, and the service that needs it. */
export interface RequiredPolicyType {
    type: string;
    /**
     * The service principal whose trusted access the type needs first (EnablePolicyType fails otherwise).
     * None for the authorization policies (SCPs, RCPs).
     */
    servicePrincipal?: string;
    /** The config key that turns the need off. */
    configKey: string;
}

/**
 * Refuses, before any resource is planned, an organization whose root lacks a policy type the program will
 * attach. The program does not manage the organization resource (the only one in the provider that calls
 * EnablePolicyType), so enabling a type is a one-time step of the management account, spelt out here:
 * trusted access first, or EnablePolicyType fails with SERVICE_ACCESS_NOT_ENABLED (Organizations API
 * reference, ConstraintViolationException).
 */
export function requirePolicyTypes(
    organization: Organization,
    required: readonly RequiredPolicyType[],
): void {
    const missing = required.filter((need) => !organization.enabledPolicyTypes.includes(need.type));
    if (missing.length === 0) return;
    const steps = missing
        .map(
            (need) =>
                (need.servicePrincipal === undefined
                    ? ""
                    : `aws organizations enable-aws-service-access --service-principal ${need.servicePrincipal} && `) +
                `aws organizations enable-policy-type --root-id ${organization.rootId} --policy-type ${need.type}`,
        )
        .join(" && ");
    throw new DiscoveryError(
        `the root ${organization.rootId} of organization ${organization.id} does not have the policy type ` +
            `${missing.map((need) => need.type).join(", ")} enabled (it has: ` +
            `${organization.enabledPolicyTypes.join(", ") || "none"}); from the management account run: ${steps}; ` +
            `or set ${[...new Set(missing.map((need) => need.configKey))].join(", ")} to false.`,
    );
}
