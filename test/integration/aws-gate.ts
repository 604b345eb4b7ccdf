import type { SimulationOrgPolicies } from "@cloud-copilot/iam-simulate";
import { Client } from "@smithy/core/client";
import type { IdentityPolicyDocument, PolicyDocument } from "../../components/policy-documents";
import { simulate, type Decision } from "../helpers/iam";
import { iamRequests, type Facts, type IamRequest } from "./iam-requests";
import { answerInsteadOfEmulator, standInFor, type HeldFindings } from "./stand-ins";

/*
 * IAM in front of the emulator. moto enforces no IAM, so every call the functions make through the real SDK
 * (Client.prototype.send, which every client of the run shares) is first simulated with the caller's planned
 * policies (@cloud-copilot/iam-simulate, Strict), with the resource's policy, SCPs and RCPs where they apply,
 * and refused with the error AWS answers when the simulation does not allow it. S3's rule for missing keys is
 * applied too: a GetObject or HeadObject of a missing key is answered 404 only to a caller allowed
 * s3:ListBucket on the bucket, and 403 to any other (GetObject and HeadObject API reference). Every call is
 * recorded with its simulated requests, so a test can show which calls were made and that each was allowed.
 * Where moto lacks an operation the code cannot go on without, a stand-in answers it after the simulation, in
 * the API's documented wire format (stand-ins.ts, EMULATOR_STANDS_IN).
 */

export interface Principal {
    /** The role the credentials are a session of. */
    arn: string;
    account: string;
    policies: { name: string; policy: PolicyDocument | IdentityPolicyDocument }[];
}

export interface SimulatedRequest extends IamRequest {
    decision: Decision;
}

export interface ObservedCall {
    principal: string;
    service: string;
    command: string;
    region: string;
    input: Record<string, unknown>;
    requests: SimulatedRequest[];
    /** "ok", or the error name the caller saw. */
    outcome: string;
}

export interface GateSettings {
    partition: string;
    /** Callers by access key ID: the functions' roles. Sessions of AssumeRole are added as they are made. */
    principals: Map<string, Principal>;
    /** Identity policies of roles the functions assume, by role ARN. */
    roles: Map<string, Principal["policies"]>;
    /** Resource policies by resource ARN (bucket, key, topic, role trust). */
    resourcePolicies: Map<string, PolicyDocument>;
    /** SCPs in force on an account, root level first. */
    serviceControlPolicies(account: string): SimulationOrgPolicies[];
    /** RCPs in force on an account, root level first. */
    resourceControlPolicies(account: string): SimulationOrgPolicies[];
    /** The live facts condition keys are read from, per caller account and region. */
    facts(account: string, region: string): Facts;
    /** Organizations reads as the management account (see below). */
    managementAccount: string;
    organizationId: string;
    /** What each account's GuardDuty detector holds, for the GetFindings stand-in (stand-ins.ts). */
    guardDutyFindings: HeldFindings;
}

const BYPASS = Symbol("not gated");
/** Marks a client of the tests' own (seeding, reading results, looking up facts) as outside the gate. */
export function ungated<T extends object>(client: T): T {
    (client as Record<symbol, boolean>)[BYPASS] = true;
    return client;
}

function awsError(name: string, message: string, status: number): Error {
    return Object.assign(new Error(message), {
        name,
        $fault: "client",
        $metadata: { httpStatusCode: status },
    });
}

/** The error AWS answers a call IAM denies, by service. */
function accessDenied(service: string, message: string): Error {
    if (service === "EC2") return awsError("UnauthorizedOperation", message, 403);
    if (["S3", "IAM", "STS", "SNS", "CloudWatch"].includes(service))
        return awsError("AccessDenied", message, 403);
    return awsError("AccessDeniedException", message, 403);
}

const ORGANIZATIONS_SHIM = Symbol("organizations shim");

/**
 * Where moto answers a documented error with another, the error AWS documents, so the code meets what AWS
 * would answer. Each entry names the difference; none changes what the code under test does.
 */
export const EMULATOR_CORRECTIONS: {
    call: string;
    /** What moto answers: an error name, or an HTTP status. */
    moto: string | number;
    aws: string;
    source: string;
}[] = [
    {
        call: "EC2:DescribeNetworkAcls",
        moto: "InvalidRouteTableID.NotFound",
        aws: "InvalidNetworkAclID.NotFound",
        source: "EC2 API reference, error codes: InvalidNetworkAclID.NotFound, for a network ACL ID that does not exist",
    },
    {
        call: "EC2:DeleteNetworkAclEntry",
        moto: 500,
        aws: "InvalidNetworkAclEntry.NotFound",
        source: "EC2 API reference, error codes: InvalidNetworkAclEntry.NotFound (moto fails with StopIteration)",
    },
];

/**
 * Operations moto 5.2.1 does not implement (its server answers 404, 500 or NotImplementedError). They are still
 * simulated under the caller's policies like every call; then, instead of waiting out the retries of a 500, the
 * caller gets this at once, as a client error it does not retry. Their effects are tested with mocks. (An
 * operation moto lacks that a run cannot go on without has a stand-in instead: stand-ins.ts.)
 */
export const EMULATOR_LACKS: Record<string, string> = {
    Detective: "moto has no Detective backend",
    "GuardDuty:ListMembers": "moto has no GuardDuty ListMembers",
    "GuardDuty:GetMemberDetectors": "moto has no GuardDuty GetMemberDetectors",
    "SecurityHub:ListConfigurationPolicies": "moto has no Security Hub configuration policies",
    "SecurityHub:ListConfigurationPolicyAssociations": "moto has no Security Hub configuration policies",
    "Macie2:CreateMember": "moto's Macie CreateMember raises NotImplementedError",
};

function lacks(service: string, command: string): string | undefined {
    return EMULATOR_LACKS[`${service}:${command}`] ?? EMULATOR_LACKS[service];
}

function corrected(call: string, error: unknown): unknown {
    const name = error instanceof Error ? error.name : undefined;
    const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
        ?.httpStatusCode;
    const fix = EMULATOR_CORRECTIONS.find((c) => c.call === call && (c.moto === name || c.moto === status));
    return fix === undefined
        ? error
        : awsError(fix.aws, `${fix.aws} (moto answered ${String(fix.moto)})`, 400);
}

export interface Gate {
    calls: ObservedCall[];
    /** Failures of the gate itself: each fails the suite (see test/integration/iam-from-code.test.ts). */
    errors: string[];
    uninstall(): void;
}

export function installGate(settings: GateSettings): Gate {
    const original = Client.prototype.send;
    const calls: ObservedCall[] = [];
    const errors: string[] = [];
    type Sendable = Parameters<typeof original>[0];

    async function gated(client: Client<never, never, never, never>, command: Sendable): Promise<unknown> {
        const config = client.config as unknown as Record<string, unknown>;
        const service = String(config.serviceId);
        const region = await (config.region as () => Promise<string>)();
        const provider = config.credentials as
            (() => Promise<{ accessKeyId: string }>) | { accessKeyId: string };
        const credentials = typeof provider === "function" ? await provider() : provider;
        const principal = settings.principals.get(credentials.accessKeyId);
        if (principal === undefined)
            throw new Error(`a call signed by an unknown key ${credentials.accessKeyId}`);
        const name = command.constructor.name.replace(/Command$/, "");
        const input = (command as unknown as { input: Record<string, unknown> }).input;
        const observed: ObservedCall = {
            principal: principal.arn,
            service,
            command: name,
            region,
            input,
            requests: [],
            outcome: "ok",
        };
        calls.push(observed);
        const facts = settings.facts(principal.account, region);
        const decide = (request: IamRequest) => decideRequest(settings, principal, request);
        // A failure of the gate itself (no mapping, a request the simulator refuses) must fail the test, never
        // be taken by the code under test for an AWS error: it is kept and thrown.
        const internal = async <T>(work: () => Promise<T>): Promise<T> => {
            try {
                return await work();
            } catch (error) {
                errors.push(`${service}:${name}: ${error instanceof Error ? error.message : String(error)}`);
                throw error;
            }
        };
        const requests = await internal(() =>
            iamRequests({
                service,
                command: name,
                input,
                region,
                account: principal.account,
                partition: settings.partition,
                facts,
            }),
        );
        for (const request of requests) {
            const decision = await internal(() => decide(request));
            observed.requests.push({ ...request, decision });
            if (decision !== "Allowed") {
                const error = accessDenied(
                    service,
                    `${principal.arn} is not authorized to perform: ${request.action} on resource: ${request.resource} (${decision})`,
                );
                observed.outcome = error.name;
                throw error;
            }
        }
        if (
            service === "Organizations" &&
            !(client as unknown as Record<symbol, boolean>)[ORGANIZATIONS_SHIM]
        ) {
            // moto answers Organizations reads only to the management account: from a delegated administrator,
            // ListAccounts is empty and ListParents fails. AWS lets the delegated administrator read the
            // organization (Organizations user guide, orgs_delegate_policies and the services' delegated
            // administrator pages), so the emulator is asked as the management account.
            (client as unknown as Record<symbol, boolean>)[ORGANIZATIONS_SHIM] = true;
            client.middlewareStack.add(
                (next) => async (args) => {
                    const request = args.request as { headers: Record<string, string> };
                    request.headers["x-moto-account-id"] = settings.managementAccount;
                    return next(args);
                },
                { step: "build", name: "motoOrganizationsAsManagement" },
            );
        }
        const missing = lacks(service, name);
        if (missing !== undefined) {
            observed.outcome = "NotInEmulator";
            throw awsError("NotInEmulator", `${service}:${name}: ${missing}`, 400);
        }
        const standIn = standInFor(service, name);
        if (standIn !== undefined)
            answerInsteadOfEmulator(command, standIn, {
                account: principal.account,
                region,
                emulator: <O>(c: unknown) => (original as (c: unknown) => Promise<O>).call(client, c),
                held: settings.guardDutyFindings,
            });
        try {
            const output = (await (original as (c: unknown) => Promise<unknown>).call(
                client,
                command,
            )) as Record<string, unknown>;
            if (service === "STS" && name === "AssumeRole") {
                const roleArn = String(input.RoleArn);
                const key = (output.Credentials as { AccessKeyId?: string } | undefined)?.AccessKeyId;
                if (key !== undefined)
                    settings.principals.set(key, {
                        arn: roleArn,
                        account: roleArn.split(":")[4],
                        policies: settings.roles.get(roleArn) ?? [],
                    });
            }
            return output;
        } catch (thrown) {
            const error = corrected(`${service}:${name}`, thrown);
            const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
            if (service === "S3" && (name === "GetObject" || name === "HeadObject") && status === 404) {
                const bucket = `arn:${settings.partition}:s3:::${String(input.Bucket)}`;
                const list = await decide({
                    action: "s3:ListBucket",
                    resource: bucket,
                    resourceAccount: facts.bucketOwner(String(input.Bucket)),
                    context: { "aws:RequestedRegion": region, "aws:SecureTransport": "true" },
                });
                observed.requests.push({
                    action: "s3:ListBucket",
                    resource: bucket,
                    resourceAccount: facts.bucketOwner(String(input.Bucket)),
                    context: {},
                    decision: list,
                });
                if (list !== "Allowed") {
                    // HeadObject's 403 has no body: the SDK names it from the status alone.
                    const denied =
                        name === "HeadObject"
                            ? awsError("Unknown", "UnknownError", 403)
                            : awsError("AccessDenied", "Access Denied", 403);
                    observed.outcome = denied.name;
                    throw denied;
                }
            }
            observed.outcome = error instanceof Error ? error.name : String(error);
            throw error;
        }
    }

    Client.prototype.send = function (
        this: Client<never, never, never, never>,
        command: Sendable,
        ...rest: unknown[]
    ) {
        if ((this as unknown as Record<symbol, boolean>)[BYPASS] || rest.some((r) => typeof r === "function"))
            return (original as (...a: unknown[]) => unknown).call(this, command, ...rest);
        return gated(this, command);
    } as typeof original;
    return {
        calls,
        errors,
        uninstall: () => {
            Client.prototype.send = original;
        },
    };
}

/**
 * One request as IAM decides it: the principal's identity policies, the SCPs on its account, the RCPs on the
 * resource's, and the resource's own policy (a bucket's for its objects).
 */
export async function decideRequest(
    settings: GateSettings,
    principal: Principal,
    request: IamRequest,
): Promise<Decision> {
    const outcome = await simulate(
        {
            principal: principal.arn,
            action: request.action,
            resource: request.resource,
            resourceAccount: request.resourceAccount,
            context: {
                // Every request of a principal in an organization carries these (IAM user guide, global
                // condition context keys).
                "aws:PrincipalArn": principal.arn,
                "aws:PrincipalAccount": principal.account,
                "aws:PrincipalOrgID": settings.organizationId,
                ...request.context,
            },
            identityPolicies: principal.policies,
            serviceControlPolicies: settings.serviceControlPolicies(principal.account),
            resourceControlPolicies: settings.resourceControlPolicies(request.resourceAccount),
        },
        settings.resourcePolicies.get(request.resource) ?? resourcePolicyOf(settings, request.resource),
    );
    return outcome.decision;
}

/** A bucket's policy decides for its objects too. */
function resourcePolicyOf(settings: GateSettings, resource: string): PolicyDocument | undefined {
    const bucket = /^(arn:[^:]+:s3:::[^/]+)\//.exec(resource)?.[1];
    return bucket === undefined ? undefined : settings.resourcePolicies.get(bucket);
}

/** Calls the planned policies did not allow, and failures of the gate itself: each a line, none expected. */
export function refusals(gate: Gate): string[] {
    return [
        ...gate.errors.map((e) => `gate: ${e}`),
        ...gate.calls
            .filter((c) => c.requests.some((r) => r.decision !== "Allowed"))
            .map((c) => {
                const request = c.requests.find((r) => r.decision !== "Allowed");
                return `${c.principal} ${c.service}:${c.command}: ${request?.action} on ${request?.resource} ${request?.decision}`;
            }),
    ];
}
