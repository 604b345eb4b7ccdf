import * as pulumi from "@pulumi/pulumi";
import type { DetectiveClient } from "@aws-sdk/client-detective";
import type { Inspector2Client, ResourceScanType } from "@aws-sdk/client-inspector2";
import type { Macie2Client } from "@aws-sdk/client-macie2";
import { withAwsRetry, type AwsRetryOptions } from "../stacks/aws-retry";

/*
 * Organization auto-enable reaches only accounts that join AFTER it is turned on (aws-gotchas 4), so the
 * accounts that already exist must be enrolled explicitly. One resource per account, service and region would be
 * ~17,000 resources at 1,000 accounts; `MemberEnrollment` is ONE dynamic resource per service and region that
 * reconciles the whole member set through the AWS SDK, adding and removing only the difference.
 *
 * Everything the provider calls is a module-level function below: Pulumi serializes the provider object with
 * its closure, and the AWS SDKs are `require`d inside function bodies so that the closure captures a module
 * name rather than trying to serialize SDK internals (and so that merely importing this file stays cheap).
 */

export type EnrollmentService = "detective" | "macie" | "inspector";

/** Inspector scan types that `Enable` accepts for member accounts: the SDK's own enum. */
export type InspectorResourceType = ResourceScanType;

/** An organization account to enroll. `OrganizationAccount` from `stacks/organization.ts` fits this shape. */
export interface MemberAccount {
    /** 12-digit account ID. */
    id: string;
    /** The account's root email address (Detective and Macie require it in the request). */
    email: string;
}

/** Where members are enrolled: one service in one region, administered by the delegated admin account. */
export interface EnrollmentTarget {
    service: EnrollmentService;
    region: string;
    /** The delegated administrator (security) account; never enrolled as its own member. */
    adminAccountId: string;
    /** Detective only, required there: the ARN of the organization behavior graph in `region`. */
    graphArn?: string;
    /** Inspector only: scan types enabled in member accounts. Default EC2, ECR and LAMBDA. */
    resourceTypes?: InspectorResourceType[];
}

export interface EnrollmentFailure {
    accountId: string;
    /** The AWS error name and message, or the reason the service reported for that account. */
    reason: string;
}

export interface EnrollmentResult {
    /**
     * Sorted IDs of the accounts that are members after the call: for `enrollMembers` the accounts enrolled
     * (or found already enrolled); for `removeMembers` the accounts whose removal failed and that are
     * therefore still members.
     */
    enrolled: string[];
    /** Accounts the call could not handle, sorted by account ID. */
    failed: EnrollmentFailure[];
}

/** Clients of the delegated admin account, in the target's region. */
export interface ServiceClients {
    detective?: DetectiveClient;
    macie?: Macie2Client;
    inspector?: Inspector2Client;
}

export interface EnrollmentOptions {
    /** Injected in tests; a missing client is created for the region with default credentials. */
    clients?: ServiceClients;
    retry?: AwsRetryOptions;
    /** Parallel calls for the one-account-per-call APIs (Macie CreateMember, Inspector AssociateMember). Default 5. */
    concurrency?: number;
}

// Not exported: exported constants compile to `exports.X` reads, which would drag this module's whole exports
// object into the provider's serialized closure.
const SERVICES: readonly EnrollmentService[] = ["detective", "macie", "inspector"];
const RESOURCE_TYPES: readonly InspectorResourceType[] = [
    "EC2",
    "ECR",
    "LAMBDA",
    "LAMBDA_CODE",
    "CODE_REPOSITORY",
];

// Limits from the API reference (and the SDK models' docs): Detective CreateMembers/DeleteMembers take "up to 50
// accounts at a time"; Inspector2 Enable/Disable `accountIds` (AccountIdSet) hold at most 100 IDs.
const DETECTIVE_BATCH = 50;
const INSPECTOR_BATCH = 100;
const DEFAULT_CONCURRENCY = 5;
const DEFAULT_INSPECTOR_TYPES: InspectorResourceType[] = ["EC2", "ECR", "LAMBDA"];
const ACCOUNT_ID = /^\d{12}$/;

/** Sorted set difference: what to enroll and what to remove to go from `current` to `desired`. */
export function diffMembers(current: string[], desired: string[]): { toAdd: string[]; toRemove: string[] } {
    const have = new Set(current);
    const want = new Set(desired);
    return {
        toAdd: [...want].filter((id) => !have.has(id)).sort(),
        toRemove: [...have].filter((id) => !want.has(id)).sort(),
    };
}

/**
 * The compact form of a member list that `MemberEnrollment` sends as its `accounts` input: one account a line,
 * `<12-digit id>` or `<id> <email>`. An account list is the same in every region, so at 10,000 accounts x 17 regions
 * x 3 services an array of { id, email } objects would be 510,000 protobuf Structs for the engine, the state and the
 * policy analyzer to encode and decode; one string per resource is cheap for all of them. Emails never contain
 * whitespace (Organizations' email pattern is `[^\s@]+@[^\s@]+\.[^\s@]+`).
 */
export function encodeMembers(accounts: readonly MemberAccount[], withEmails = true): string {
    return accounts.map((a) => (withEmails && a.email !== "" ? `${a.id} ${a.email}` : a.id)).join("\n");
}

/** Reads the `accounts` input: the encoded string `MemberEnrollment` sends, or a list of { id, email }. */
export function decodeMembers(accounts: string | readonly MemberAccount[]): MemberAccount[] {
    if (typeof accounts !== "string") return [...accounts];
    const members: MemberAccount[] = [];
    for (const line of accounts.split("\n")) {
        const trimmed = line.trim();
        if (trimmed === "") continue;
        const space = trimmed.search(/\s/);
        members.push(
            space < 0
                ? { id: trimmed, email: "" }
                : { id: trimmed.slice(0, space), email: trimmed.slice(space).trim() },
        );
    }
    return members;
}

/** Enrolls `accounts` as members of the target's administrator; the admin itself and duplicates are skipped. */
export async function enrollMembers(
    target: EnrollmentTarget,
    accounts: MemberAccount[],
    opts: EnrollmentOptions = {},
): Promise<EnrollmentResult> {
    const seen = new Set<string>();
    const members = accounts.filter((account) => {
        if (account.id === target.adminAccountId || seen.has(account.id)) return false;
        seen.add(account.id);
        return true;
    });
    const outcome = newOutcome();
    if (members.length === 0) return outcome.result();
    switch (target.service) {
        case "detective":
            await detectiveEnroll(
                detectiveClient(target, opts),
                requireGraphArn(target),
                members,
                opts,
                outcome,
            );
            break;
        case "macie":
            await macieEnroll(macieClient(target, opts), members, opts, outcome);
            break;
        case "inspector":
            await inspectorEnroll(
                inspectorClient(target, opts),
                inspectorTypes(target),
                members,
                opts,
                outcome,
            );
            break;
        default:
            throw new Error(`unknown enrollment service "${String(target.service)}"`);
    }
    return outcome.result();
}

/**
 * Removes `accountIds` from the target's administrator. Accounts the service no longer knows (for example after
 * they left the organization) count as removed.
 */
export async function removeMembers(
    target: EnrollmentTarget,
    accountIds: string[],
    opts: EnrollmentOptions = {},
): Promise<EnrollmentResult> {
    const ids = [...new Set(accountIds)].filter((id) => id !== target.adminAccountId);
    const outcome = newOutcome();
    if (ids.length === 0) return outcome.result();
    switch (target.service) {
        case "detective":
            await detectiveRemove(detectiveClient(target, opts), requireGraphArn(target), ids, opts, outcome);
            break;
        case "macie":
            await macieRemove(macieClient(target, opts), ids, opts, outcome);
            break;
        case "inspector":
            await inspectorRemove(inspectorClient(target, opts), inspectorTypes(target), ids, opts, outcome);
            break;
        default:
            throw new Error(`unknown enrollment service "${String(target.service)}"`);
    }
    // For removal the accounts still enrolled are exactly the ones that failed.
    const { failed } = outcome.result();
    return { enrolled: failed.map((f) => f.accountId), failed };
}

/**
 * Turns off Inspector scan types the target no longer wants, in accounts that stay members. Used when only
 * `resourceTypes` changes; enrolling again with the new list turns the added types on.
 */
export async function disableInspectorTypes(
    target: EnrollmentTarget,
    accountIds: string[],
    types: InspectorResourceType[],
    opts: EnrollmentOptions = {},
): Promise<EnrollmentResult> {
    const outcome = newOutcome();
    const ids = [...new Set(accountIds)].filter((id) => id !== target.adminAccountId);
    if (ids.length > 0 && types.length > 0) {
        const disabled = await inspectorDisable(inspectorClient(target, opts), types, ids, opts, outcome);
        disabled.forEach((id) => outcome.enroll(id));
    }
    return outcome.result();
}

/** Creates the one client `service` needs, for `region`, with the default (security account) credentials. */
export function createServiceClients(service: EnrollmentService, region: string): ServiceClients {
    switch (service) {
        case "detective":
            return { detective: newDetectiveClient(region) };
        case "macie":
            return { macie: newMacieClient(region) };
        case "inspector":
            return { inspector: newInspectorClient(region) };
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Detective

async function detectiveEnroll(
    client: DetectiveClient,
    graphArn: string,
    accounts: MemberAccount[],
    opts: EnrollmentOptions,
    outcome: Outcome,
): Promise<void> {
    const { CreateMembersCommand } = detectiveSdk();
    // Sequential batches: Detective throttles hard and 1,000 accounts are only 20 calls.
    for (const batch of chunk(accounts, DETECTIVE_BATCH)) {
        const command = new CreateMembersCommand({
            GraphArn: graphArn,
            Accounts: batch.map((a) => ({ AccountId: a.id, EmailAddress: a.email })),
            DisableEmailNotification: true,
        });
        let response;
        try {
            response = await withAwsRetry("detective:CreateMembers", () => client.send(command), opts.retry);
        } catch (error) {
            batch.forEach((a) => outcome.fail(a.id, describeError(error)));
            continue;
        }
        const members = new Map((response.Members ?? []).map((m) => [m.AccountId, m]));
        const unprocessed = new Map((response.UnprocessedAccounts ?? []).map((u) => [u.AccountId, u.Reason]));
        for (const account of batch) {
            const member = members.get(account.id);
            if (member !== undefined) {
                // Only invited accounts can fail verification; every other status is a membership (an
                // ACCEPTED_BUT_DISABLED member still has to be removed on delete).
                if (member.Status === "VERIFICATION_FAILED") outcome.fail(account.id, "VERIFICATION_FAILED");
                else outcome.enroll(account.id);
            } else if (unprocessed.has(account.id)) {
                // The API reports accounts that are already members as unprocessed.
                const reason = unprocessed.get(account.id) ?? "unprocessed";
                if (/already/i.test(reason)) outcome.enroll(account.id);
                else outcome.fail(account.id, reason);
            } else {
                outcome.fail(account.id, "CreateMembers returned no status for the account");
            }
        }
    }
}

async function detectiveRemove(
    client: DetectiveClient,
    graphArn: string,
    ids: string[],
    opts: EnrollmentOptions,
    outcome: Outcome,
): Promise<void> {
    const { DeleteMembersCommand } = detectiveSdk();
    for (const batch of chunk(ids, DETECTIVE_BATCH)) {
        const command = new DeleteMembersCommand({ GraphArn: graphArn, AccountIds: batch });
        let response;
        try {
            response = await withAwsRetry("detective:DeleteMembers", () => client.send(command), opts.retry);
        } catch (error) {
            batch.forEach((id) => outcome.fail(id, describeError(error)));
            continue;
        }
        const removed = new Set(response.AccountIds ?? []);
        const unprocessed = new Map((response.UnprocessedAccounts ?? []).map((u) => [u.AccountId, u.Reason]));
        for (const id of batch) {
            if (removed.has(id)) continue;
            const reason = unprocessed.get(id);
            if (reason !== undefined && isGoneMessage(reason)) continue;
            outcome.fail(id, reason ?? "DeleteMembers returned no status for the account");
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Macie

async function macieEnroll(
    client: Macie2Client,
    accounts: MemberAccount[],
    opts: EnrollmentOptions,
    outcome: Outcome,
): Promise<void> {
    const { CreateMemberCommand } = macieSdk();
    // CreateMember takes one account per call; for organization accounts it associates them without invitation.
    await mapLimit(accounts, opts.concurrency ?? DEFAULT_CONCURRENCY, async (account) => {
        const command = new CreateMemberCommand({ account: { accountId: account.id, email: account.email } });
        try {
            await withAwsRetry("macie:CreateMember", () => client.send(command), opts.retry);
            outcome.enroll(account.id);
        } catch (error) {
            if (isAlreadyMember(error)) outcome.enroll(account.id);
            else outcome.fail(account.id, describeError(error));
        }
    });
}

async function macieRemove(
    client: Macie2Client,
    ids: string[],
    opts: EnrollmentOptions,
    outcome: Outcome,
): Promise<void> {
    const { DisassociateMemberCommand, DeleteMemberCommand } = macieSdk();
    // Disassociate first: it is what stops the administrator's access; DeleteMember then drops the record.
    await mapLimit(ids, opts.concurrency ?? DEFAULT_CONCURRENCY, async (id) => {
        try {
            const command = new DisassociateMemberCommand({ id });
            await withAwsRetry("macie:DisassociateMember", () => client.send(command), opts.retry);
        } catch (error) {
            if (!isGone(error)) {
                outcome.fail(id, `DisassociateMember: ${describeError(error)}`);
                return;
            }
        }
        try {
            const command = new DeleteMemberCommand({ id });
            await withAwsRetry("macie:DeleteMember", () => client.send(command), opts.retry);
        } catch (error) {
            if (!isGone(error)) outcome.fail(id, `DeleteMember: ${describeError(error)}`);
        }
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Inspector

async function inspectorEnroll(
    client: Inspector2Client,
    types: InspectorResourceType[],
    accounts: MemberAccount[],
    opts: EnrollmentOptions,
    outcome: Outcome,
): Promise<void> {
    const { AssociateMemberCommand, EnableCommand } = inspectorSdk();
    const associated: string[] = [];
    // AssociateMember takes one account per call, and Enable only works on associated members.
    await mapLimit(accounts, opts.concurrency ?? DEFAULT_CONCURRENCY, async (account) => {
        const command = new AssociateMemberCommand({ accountId: account.id });
        try {
            await withAwsRetry("inspector2:AssociateMember", () => client.send(command), opts.retry);
            associated.push(account.id);
        } catch (error) {
            if (isAlreadyMember(error)) associated.push(account.id);
            else outcome.fail(account.id, `AssociateMember: ${describeError(error)}`);
        }
    });
    for (const batch of chunk(associated.sort(), INSPECTOR_BATCH)) {
        const command = new EnableCommand({ accountIds: batch, resourceTypes: types });
        let response;
        try {
            response = await withAwsRetry("inspector2:Enable", () => client.send(command), opts.retry);
        } catch (error) {
            batch.forEach((id) => outcome.fail(id, `Enable: ${describeError(error)}`));
            continue;
        }
        const enabled = new Set((response.accounts ?? []).map((a) => a.accountId));
        const failed = new Map((response.failedAccounts ?? []).map((f) => [f.accountId, f]));
        for (const id of batch) {
            const failure = failed.get(id);
            if (enabled.has(id) && failure === undefined) outcome.enroll(id);
            else if (failure === undefined) outcome.fail(id, "Enable returned no status for the account");
            else if (failure.errorCode === "ALREADY_ENABLED" || failure.errorCode === "ENABLE_IN_PROGRESS")
                outcome.enroll(id);
            else
                outcome.fail(
                    id,
                    `Enable: ${failure.errorCode ?? "error"}: ${failure.errorMessage ?? ""}`.trim(),
                );
        }
    }
}

async function inspectorRemove(
    client: Inspector2Client,
    types: InspectorResourceType[],
    ids: string[],
    opts: EnrollmentOptions,
    outcome: Outcome,
): Promise<void> {
    const { DisassociateMemberCommand } = inspectorSdk();
    // Scans are turned off before the association is dropped: a member cannot be disassociated while scanning.
    const disabled = await inspectorDisable(client, types, ids, opts, outcome);
    await mapLimit(disabled, opts.concurrency ?? DEFAULT_CONCURRENCY, async (id) => {
        const command = new DisassociateMemberCommand({ accountId: id });
        try {
            await withAwsRetry("inspector2:DisassociateMember", () => client.send(command), opts.retry);
        } catch (error) {
            if (!isGone(error)) outcome.fail(id, `DisassociateMember: ${describeError(error)}`);
        }
    });
}

/** Disables `types` in `ids`; returns the accounts where that succeeded (failures go to `outcome`). */
async function inspectorDisable(
    client: Inspector2Client,
    types: InspectorResourceType[],
    ids: string[],
    opts: EnrollmentOptions,
    outcome: Outcome,
): Promise<string[]> {
    const { DisableCommand } = inspectorSdk();
    const disabled: string[] = [];
    for (const batch of chunk([...ids].sort(), INSPECTOR_BATCH)) {
        const command = new DisableCommand({ accountIds: batch, resourceTypes: types });
        let response;
        try {
            response = await withAwsRetry("inspector2:Disable", () => client.send(command), opts.retry);
        } catch (error) {
            if (isGone(error)) disabled.push(...batch);
            else batch.forEach((id) => outcome.fail(id, `Disable: ${describeError(error)}`));
            continue;
        }
        const ok = new Set((response.accounts ?? []).map((a) => a.accountId));
        const failed = new Map((response.failedAccounts ?? []).map((f) => [f.accountId, f]));
        for (const id of batch) {
            const failure = failed.get(id);
            const code = failure?.errorCode;
            if (failure === undefined && ok.has(id)) disabled.push(id);
            else if (code === "DISABLE_IN_PROGRESS" || code === "RESOURCE_NOT_FOUND") disabled.push(id);
            else if (failure === undefined) outcome.fail(id, "Disable returned no status for the account");
            else outcome.fail(id, `Disable: ${code ?? "error"}: ${failure.errorMessage ?? ""}`.trim());
        }
    }
    return disabled;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

interface Outcome {
    enroll(id: string): void;
    fail(id: string, reason: string): void;
    result(): EnrollmentResult;
}

/**
 * Collects per-account outcomes; an account that failed anywhere is reported failed, never enrolled. A closure
 * rather than a class: Pulumi's closure serializer drops class field initializers, so a class with fields would
 * work in tests and break inside the deployed provider.
 */
function newOutcome(): Outcome {
    const ok = new Set<string>();
    const failures = new Map<string, string>();
    return {
        enroll: (id) => void ok.add(id),
        fail: (id, reason) => void failures.set(id, reason),
        result: () => ({
            enrolled: [...ok].filter((id) => !failures.has(id)).sort(),
            failed: [...failures.entries()]
                .map(([accountId, reason]) => ({ accountId, reason }))
                .sort((a, b) => a.accountId.localeCompare(b.accountId)),
        }),
    };
}

function detectiveSdk(): typeof import("@aws-sdk/client-detective") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, and captured by name when serialized
    return require("@aws-sdk/client-detective");
}

function macieSdk(): typeof import("@aws-sdk/client-macie2") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, and captured by name when serialized
    return require("@aws-sdk/client-macie2");
}

function inspectorSdk(): typeof import("@aws-sdk/client-inspector2") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, and captured by name when serialized
    return require("@aws-sdk/client-inspector2");
}

// Retries happen once, in withAwsRetry; the clients' own retries would multiply the attempts.
function newDetectiveClient(region: string): DetectiveClient {
    return new (detectiveSdk().DetectiveClient)({ region, maxAttempts: 1 });
}

function newMacieClient(region: string): Macie2Client {
    return new (macieSdk().Macie2Client)({ region, maxAttempts: 1 });
}

function newInspectorClient(region: string): Inspector2Client {
    return new (inspectorSdk().Inspector2Client)({ region, maxAttempts: 1 });
}

function detectiveClient(target: EnrollmentTarget, opts: EnrollmentOptions): DetectiveClient {
    return opts.clients?.detective ?? newDetectiveClient(target.region);
}

function macieClient(target: EnrollmentTarget, opts: EnrollmentOptions): Macie2Client {
    return opts.clients?.macie ?? newMacieClient(target.region);
}

function inspectorClient(target: EnrollmentTarget, opts: EnrollmentOptions): Inspector2Client {
    return opts.clients?.inspector ?? newInspectorClient(target.region);
}

function requireGraphArn(target: EnrollmentTarget): string {
    if (!target.graphArn) throw new Error(`detective enrollment in ${target.region} needs graphArn`);
    return target.graphArn;
}

function inspectorTypes(target: EnrollmentTarget): InspectorResourceType[] {
    return target.resourceTypes && target.resourceTypes.length > 0
        ? target.resourceTypes
        : DEFAULT_INSPECTOR_TYPES;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
    const chunks: T[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    return chunks;
}

async function mapLimit<T>(
    items: readonly T[],
    limit: number,
    fn: (item: T) => Promise<void>,
): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < items.length) {
            const item = items[next++];
            await fn(item);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function errorName(error: unknown): string {
    return error instanceof Error ? error.name : "Error";
}

function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

function describeError(error: unknown): string {
    return `${errorName(error)}: ${errorMessage(error)}`;
}

// Macie answers CreateMember for an existing member with ConflictException; other services say "already".
function isAlreadyMember(error: unknown): boolean {
    return errorName(error) === "ConflictException" || /already/i.test(errorMessage(error));
}

// Messages seen for accounts that are not (or no longer) members, e.g. after leaving the organization.
function isGoneMessage(message: string): boolean {
    return /not (?:an? )?(?:associated )?member|not associated|does not exist|not found|no such/i.test(
        message,
    );
}

function isGone(error: unknown): boolean {
    const name = errorName(error);
    return (
        name === "ResourceNotFoundException" ||
        ((name === "ValidationException" || name === "ConflictException") &&
            isGoneMessage(errorMessage(error)))
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Pulumi dynamic provider

/** Resolved inputs of a `MemberEnrollment`, as the provider sees them after `check`. */
export interface MemberEnrollmentInputs {
    service: EnrollmentService;
    region: string;
    adminAccountId: string;
    /**
     * Sorted by ID, without duplicates or the admin account: as `MemberEnrollment` sends it, the compact string of
     * `encodeMembers`; a list of { id, email } is accepted too.
     */
    accounts: string | MemberAccount[];
    graphArn?: string;
    resourceTypes?: InspectorResourceType[];
}

/** State of a `MemberEnrollment`: the target and account IDs only, never emails, so it grows by 12 digits an account. */
export interface MemberEnrollmentOutputs {
    service: EnrollmentService;
    region: string;
    adminAccountId: string;
    graphArn?: string;
    resourceTypes?: InspectorResourceType[];
    enrolled: string[];
    failed: EnrollmentFailure[];
    memberCount: number;
}

export interface MemberEnrollmentProviderOptions {
    /** Builds the clients for a service and region. Default `createServiceClients` (real clients). */
    clientFactory?: (service: EnrollmentService, region: string) => ServiceClients;
    retry?: AwsRetryOptions;
    concurrency?: number;
    /** Receives the partial-failure warnings. Default `pulumi.log.warn`. */
    warn?: (message: string) => void;
}

const REPLACE_KEYS = ["service", "region", "adminAccountId", "graphArn"] as const;

/**
 * The dynamic provider behind `MemberEnrollment`. Constructed directly in tests with a `clientFactory` that
 * returns mocked clients; `MemberEnrollment` uses one shared default instance.
 */
export class MemberEnrollmentProvider implements pulumi.dynamic.ResourceProvider<
    MemberEnrollmentInputs,
    MemberEnrollmentOutputs
> {
    constructor(private readonly options: MemberEnrollmentProviderOptions = {}) {}

    async check(_olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> {
        return checkEnrollmentInputs(news);
    }

    async diff(
        _id: pulumi.ID,
        olds: MemberEnrollmentOutputs,
        news: MemberEnrollmentInputs,
    ): Promise<pulumi.dynamic.DiffResult> {
        const replaces: string[] = REPLACE_KEYS.filter((key) => (olds[key] ?? "") !== (news[key] ?? ""));
        // Compared with what is enrolled, not with the previous desired set, so failed accounts are retried.
        const membersChange =
            containsUnknown(news.accounts) || membersDiffer(olds.enrolled ?? [], desiredIds(news));
        const changes = replaces.length > 0 || membersChange || typesChanged(olds, news);
        // Delete before replace: when old and new target the same member list (only adminAccountId or the
        // graph ARN's spelling changed), create-then-delete would remove every member the new resource added.
        return replaces.length > 0 ? { changes, replaces, deleteBeforeReplace: true } : { changes };
    }

    async create(
        inputs: MemberEnrollmentInputs,
    ): Promise<pulumi.dynamic.CreateResult<MemberEnrollmentOutputs>> {
        const target = targetOf(inputs);
        const opts = this.engineOptions(target);
        const result = await enrollMembers(target, decodeMembers(inputs.accounts), opts);
        const attempted = desiredIds(inputs).length;
        this.report(target, "create", attempted, result.enrolled.length, result.failed);
        const id = [target.service, target.region, target.adminAccountId].join(":");
        return { id, outs: outputsOf(inputs, result.enrolled, result.failed) };
    }

    async update(
        _id: pulumi.ID,
        olds: MemberEnrollmentOutputs,
        news: MemberEnrollmentInputs,
    ): Promise<pulumi.dynamic.UpdateResult<MemberEnrollmentOutputs>> {
        const target = targetOf(news);
        const opts = this.engineOptions(target);
        const current = olds.enrolled ?? [];
        const { toAdd, toRemove } = diffMembers(current, desiredIds(news));
        const reEnableAll = typesChanged(olds, news);
        const wanted = new Set(reEnableAll ? desiredIds(news) : toAdd);
        const added = await enrollMembers(
            target,
            decodeMembers(news.accounts).filter((a) => wanted.has(a.id)),
            opts,
        );
        // Removal turns off what the old state turned on.
        const removalTarget: EnrollmentTarget = { ...target, resourceTypes: olds.resourceTypes };
        const removed = await removeMembers(removalTarget, toRemove, opts);
        let narrowed: EnrollmentResult = { enrolled: [], failed: [] };
        if (reEnableAll) {
            const dropped = inspectorTypes(removalTarget).filter((t) => !inspectorTypes(target).includes(t));
            const kept = current.filter((id) => !toRemove.includes(id));
            narrowed = await disableInspectorTypes(target, kept, dropped, opts);
        }
        const gone = new Set(toRemove);
        const enrolled = [
            ...new Set([...current.filter((id) => !gone.has(id)), ...added.enrolled, ...removed.enrolled]),
        ].sort();
        const failed = mergeFailures(added.failed, removed.failed, narrowed.failed);
        const attempted = wanted.size + toRemove.length;
        const succeeded = added.enrolled.length + (toRemove.length - removed.failed.length);
        this.report(target, "update", attempted, succeeded, failed);
        return { outs: outputsOf(news, enrolled, failed) };
    }

    /**
     * Disassociates every account this resource enrolled. That deletes no data and turns nothing off in the member
     * accounts' own settings for Detective and Macie (Inspector scans this resource enabled are disabled), but the
     * administrator loses central visibility of those accounts. Throws if any account could not be removed, so that
     * the resource stays in the state and `pulumi destroy` can be retried.
     */
    async delete(_id: pulumi.ID, props: MemberEnrollmentOutputs): Promise<void> {
        const target = targetOf(props);
        const result = await removeMembers(target, props.enrolled ?? [], this.engineOptions(target));
        if (result.failed.length > 0) {
            throw new Error(
                `${label(target)}: could not remove ${result.failed.length} member(s): ${summarize(result.failed)}`,
            );
        }
    }

    private engineOptions(target: EnrollmentTarget): EnrollmentOptions {
        const factory = this.options.clientFactory ?? createServiceClients;
        return {
            clients: factory(target.service, target.region),
            retry: this.options.retry,
            concurrency: this.options.concurrency,
        };
    }

    /** Warns about each failed account, or throws when nothing that was attempted succeeded. */
    private report(
        target: EnrollmentTarget,
        operation: string,
        attempted: number,
        succeeded: number,
        failed: EnrollmentFailure[],
    ): void {
        if (failed.length === 0) return;
        if (attempted > 0 && succeeded === 0) {
            throw new Error(`${label(target)}: ${operation} failed for every account: ${summarize(failed)}`);
        }
        const warn = this.options.warn ?? ((message: string) => void pulumi.log.warn(message));
        for (const failure of failed) {
            warn(`${label(target)}: account ${failure.accountId} not reconciled: ${failure.reason}`);
        }
    }
}

/** Validates and normalizes raw inputs: the provider's `check`, exported for tests. */
export function checkEnrollmentInputs(news: unknown): pulumi.dynamic.CheckResult {
    const unknown = pulumi.runtime.unknownValue;
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const fail = (property: string, reason: string): void => void failures.push({ property, reason });
    const raw = (typeof news === "object" && news !== null ? news : {}) as Record<string, unknown>;
    const { service, region, adminAccountId, graphArn, resourceTypes, accounts } = raw;
    const known = (value: unknown): boolean => value !== unknown;

    if (known(service) && !SERVICES.includes(service as EnrollmentService)) {
        fail("service", `must be one of ${SERVICES.join(", ")}; got ${JSON.stringify(service)}`);
    }
    if (known(region) && (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))) {
        fail("region", `must be an AWS region such as us-east-1; got ${JSON.stringify(region)}`);
    }
    if (known(adminAccountId) && (typeof adminAccountId !== "string" || !ACCOUNT_ID.test(adminAccountId))) {
        fail("adminAccountId", `must be a 12-digit account ID; got ${JSON.stringify(adminAccountId)}`);
    }
    if (
        service === "detective" &&
        known(graphArn) &&
        (typeof graphArn !== "string" || !graphArn.includes(":graph:"))
    ) {
        fail(
            "graphArn",
            `detective needs the behavior graph ARN (arn:aws:detective:...:graph:...); got ${JSON.stringify(graphArn)}`,
        );
    }
    if (resourceTypes !== undefined && known(resourceTypes)) {
        if (!Array.isArray(resourceTypes) || resourceTypes.length === 0) {
            fail("resourceTypes", "must be a non-empty list");
        } else {
            resourceTypes.forEach((t, i) => {
                if (known(t) && !RESOURCE_TYPES.includes(t as InspectorResourceType)) {
                    fail(
                        `resourceTypes[${i}]`,
                        `must be one of ${RESOURCE_TYPES.join(", ")}; got ${JSON.stringify(t)}`,
                    );
                }
            });
        }
    }

    let normalized: unknown = accounts;
    if (!known(accounts)) {
        // Resolved at update time; check runs again then.
    } else if (!Array.isArray(accounts) && typeof accounts !== "string") {
        fail(
            "accounts",
            "must be the encoded member list (one `<id> <email>` a line) or a list of { id, email }",
        );
    } else {
        const encoded = typeof accounts === "string";
        const byId = new Map<string, MemberAccount>();
        let hasUnknown = false;
        (encoded ? decodeMembers(accounts) : accounts).forEach((raw: unknown, i) => {
            const account = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
            if (raw === unknown || account.id === unknown || account.email === unknown) {
                hasUnknown = true;
                return;
            }
            const { id, email } = account;
            if (typeof id !== "string" || !ACCOUNT_ID.test(id)) {
                fail(`accounts[${i}].id`, `must be a 12-digit account ID; got ${JSON.stringify(id)}`);
                return;
            }
            const needsEmail = service === "detective" || service === "macie";
            if (typeof email !== "string" || (needsEmail && email === "")) {
                fail(
                    `accounts[${i}].email`,
                    `${String(service)} needs the account's email address (account ${id})`,
                );
                return;
            }
            if (id !== adminAccountId) byId.set(id, { id, email });
        });
        // Sorting here makes an order-only change invisible to diff and keeps unrelated keys out of the state.
        const sorted = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
        normalized = hasUnknown ? accounts : encoded ? encodeMembers(sorted) : sorted;
    }

    const inputs: Record<string, unknown> = { service, region, adminAccountId, accounts: normalized };
    if (graphArn !== undefined) inputs.graphArn = graphArn;
    if (resourceTypes !== undefined) inputs.resourceTypes = resourceTypes;
    return { inputs, failures };
}

function targetOf(props: MemberEnrollmentInputs | MemberEnrollmentOutputs): EnrollmentTarget {
    const target: EnrollmentTarget = {
        service: props.service,
        region: props.region,
        adminAccountId: props.adminAccountId,
    };
    if (props.graphArn !== undefined) target.graphArn = props.graphArn;
    if (props.resourceTypes !== undefined) target.resourceTypes = props.resourceTypes;
    return target;
}

function outputsOf(
    inputs: MemberEnrollmentInputs,
    enrolled: string[],
    failed: EnrollmentFailure[],
): MemberEnrollmentOutputs {
    // Undefined values cannot cross the provider's gRPC boundary: optional keys are set only when present.
    const outs: MemberEnrollmentOutputs = {
        ...targetOf(inputs),
        enrolled,
        failed,
        memberCount: enrolled.length,
    };
    return outs;
}

// A preview may not know the accounts yet; then something may change.
function containsUnknown(accounts: unknown): boolean {
    const unknown = pulumi.runtime.unknownValue;
    // The engine's unknown is itself a string, so it is tested before an encoded list is taken as known.
    if (accounts === unknown) return true;
    if (typeof accounts === "string") return false;
    if (!Array.isArray(accounts)) return true;
    return accounts.some(
        (a: unknown) =>
            a === unknown || (typeof a === "object" && a !== null && Object.values(a).includes(unknown)),
    );
}

function membersDiffer(current: string[], desired: string[]): boolean {
    const { toAdd, toRemove } = diffMembers(current, desired);
    return toAdd.length > 0 || toRemove.length > 0;
}

function desiredIds(inputs: MemberEnrollmentInputs): string[] {
    if (containsUnknown(inputs.accounts)) return [];
    const ids = decodeMembers(inputs.accounts).map((a) => a.id);
    return [...new Set(ids.filter((id) => id !== inputs.adminAccountId))].sort();
}

function typesChanged(olds: MemberEnrollmentOutputs, news: MemberEnrollmentInputs): boolean {
    if (news.service !== "inspector") return false;
    const before = [...inspectorTypes(targetOf(olds))].sort().join(",");
    const after = [...inspectorTypes(targetOf(news))].sort().join(",");
    return before !== after;
}

function mergeFailures(...lists: EnrollmentFailure[][]): EnrollmentFailure[] {
    const byId = new Map<string, string>();
    for (const failure of lists.flat()) {
        const previous = byId.get(failure.accountId);
        byId.set(
            failure.accountId,
            previous === undefined ? failure.reason : `${previous}; ${failure.reason}`,
        );
    }
    return [...byId.entries()]
        .map(([accountId, reason]) => ({ accountId, reason }))
        .sort((a, b) => a.accountId.localeCompare(b.accountId));
}

function label(target: EnrollmentTarget): string {
    return `MemberEnrollment ${target.service}/${target.region}`;
}

function summarize(failed: EnrollmentFailure[]): string {
    const shown = failed.slice(0, 5).map((f) => `${f.accountId} (${f.reason})`);
    return failed.length > 5 ? `${shown.join("; ")}; and ${failed.length - 5} more` : shown.join("; ");
}

// ---------------------------------------------------------------------------------------------------------------
// Resource

export interface MemberEnrollmentArgs {
    /** Which service to enroll existing accounts in. */
    service: pulumi.Input<EnrollmentService>;
    /** The region whose administrator enrolls the members. */
    region: pulumi.Input<string>;
    /** The delegated administrator (security) account: excluded from the members automatically. */
    adminAccountId: pulumi.Input<string>;
    /** The desired member set: typically every ACTIVE organization account. Order does not matter. */
    accounts: pulumi.Input<pulumi.Input<MemberAccount>[]>;
    /** Detective only, required there: the organization behavior graph ARN in `region`. */
    graphArn?: pulumi.Input<string>;
    /** Inspector only: scan types to enable in members. Default EC2, ECR and LAMBDA. */
    resourceTypes?: pulumi.Input<pulumi.Input<InspectorResourceType>[]>;
}

// Pulumi caches a serialized provider by object identity, so one shared instance is serialized once however many
// MemberEnrollment resources the program declares.
const sharedProvider = new MemberEnrollmentProvider();

/**
 * Enrolls the existing accounts of the organization as members of one service's delegated administrator in one
 * region, and keeps that set reconciled: later updates add and remove only the difference.
 *
 * Accounts that fail are listed in `failed` (and warned about) without failing the update; if every attempted
 * account fails, the operation throws. Deleting this resource disassociates the accounts it enrolled from the
 * administrator: no member data is deleted, but central visibility of those accounts stops.
 */
export class MemberEnrollment extends pulumi.dynamic.Resource {
    /** Sorted IDs of the accounts that are members. */
    declare readonly enrolled: pulumi.Output<string[]>;
    /** Accounts that the last create or update could not reconcile, with the reason. */
    declare readonly failed: pulumi.Output<EnrollmentFailure[]>;
    /** How many accounts are members: `enrolled.length`. */
    declare readonly memberCount: pulumi.Output<number>;

    constructor(name: string, args: MemberEnrollmentArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            sharedProvider,
            name,
            {
                ...args,
                // Inspector needs no emails (AssociateMember and Enable take IDs); Detective and Macie do.
                accounts: pulumi
                    .all([args.service, args.accounts])
                    .apply(([service, accounts]) => encodeMembers(accounts, service !== "inspector")),
                enrolled: undefined,
                failed: undefined,
                memberCount: undefined,
            },
            opts,
            "security-governance",
            "MemberEnrollment",
        );
    }
}

/** Member count per region, as a component's registered outputs. */
export function memberCountsOf(
    enrollments: Record<string, MemberEnrollment>,
): Record<string, pulumi.Output<number>> {
    return Object.fromEntries(
        Object.entries(enrollments).map(([region, enrollment]) => [region, enrollment.memberCount]),
    );
}
