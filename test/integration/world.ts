import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    CreateAccountCommand,
    CreateOrganizationalUnitCommand,
    CreateOrganizationCommand,
    ListRootsCommand,
    MoveAccountCommand,
    OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import {
    DescribeNetworkInterfacesCommand,
    DescribeTagsCommand,
    DescribeVolumesCommand,
    EC2Client,
} from "@aws-sdk/client-ec2";
import { CreateDetectorCommand, GuardDutyClient } from "@aws-sdk/client-guardduty";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { IdentityPolicyDocument } from "../../components/policy-documents";
import type { PlanDocument } from "../../tools/plan-runtime";
import { readStackConfigValues } from "../../tools/plan-runtime";
import { plan } from "../helpers/plan";
import { installGate, ungated, type Gate, type GateSettings, type Principal } from "./aws-gate";
import type { Facts } from "./iam-requests";
import { motoEndpoint } from "./moto";
import { FUNCTIONS, plannedAccess, roleOf, variablesOf, type Fn } from "./planned";

/*
 * The organization the integration tests run in, made once per run in the emulator: a management account (the
 * emulator's default account), a security account and two workload accounts, an exempt OU and a scoped OU; the
 * prod stack planned for exactly these accounts, as `npm run plan -- --org` would; and from that plan, what each
 * function is deployed with (its settings, its role's policy, the member role of the StackSet, the bucket, key and
 * topic policies, the guardrails), and the security account's GuardDuty detectors. The functions then run under
 * the planned roles, through the gate.
 */

export const HOME = "us-east-1";
export const OTHER = "eu-west-1";
const NS = "security-governance";
const PARTITION = "aws";
const DEFAULT_ACCOUNT = "123456789012";
/** AWS's AdministratorAccess managed policy, as a person's credentials carry it. */
const ADMINISTRATOR: IdentityPolicyDocument = {
    Version: "2012-10-17",
    Statement: [{ Sid: "AdministratorAccess", Effect: "Allow", Action: "*", Resource: "*" }],
};
const BASE_CREDENTIALS: AwsCredentialIdentity = {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "not-a-secret",
};

export interface World {
    endpoint: string;
    management: string;
    security: string;
    workloads: [string, string];
    organizationId: string;
    rootId: string;
    /** The OU exempt from remediation, and the OU with its own Security Hub and Inspector scope. */
    exemptOu: string;
    scopedOu: string;
    plan: PlanDocument;
    /** The stack's configuration as planned: Pulumi.prod.yaml with this organization's accounts and OUs. */
    stackValues: Record<string, unknown>;
    /** Ungated clients acting in `account`, for seeding and for reading what a function did. */
    client<C>(Client: new (config: object) => C, account: string, region?: string): Promise<C>;
    /** A function's deployed environment, and its role as the gate's principal for the keys it runs with. */
    deploy(fn: Fn, settings?: (s: Record<string, unknown>) => void): Promise<Deployed>;
    /**
     * The gate in front of the emulator. Every SDK call of the process goes through it while it is open, so a
     * describe block opens it in before() and closes it in after(): no other test file's clients meet it.
     */
    readonly gate: Gate;
    open(): void;
    close(): void;
    /** What the gate decides with: the planned roles' policies, the resource policies, SCPs and RCPs. */
    settings: GateSettings;
    /** Credentials of a person administering `account` (AdministratorAccess), as `npm run coverage` uses. */
    userSession(account: string): Promise<AwsCredentialIdentity>;
    /** A function's planned role, as a principal. */
    role(fn: Fn): Principal;
    /** The member role the StackSet deploys in `account`, as a principal. */
    memberRole(account: string): Principal;
}

export interface Deployed {
    environment: Record<string, string>;
    roleArn: string;
    settings: Record<string, unknown>;
    /** What the function logged. */
    logs: string[];
    /** Runs `body` with the function's environment in process.env, restoring it after. */
    run<T>(body: () => Promise<T>): Promise<T>;
}

let made: Promise<World> | undefined;

export function world(): Promise<World> {
    made ??= make();
    return made;
}

async function assumed(endpoint: string, account: string): Promise<AwsCredentialIdentity> {
    if (account === DEFAULT_ACCOUNT) return BASE_CREDENTIALS;
    const sts = ungated(new STSClient({ endpoint, region: HOME, credentials: BASE_CREDENTIALS }));
    const out = await sts.send(
        new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
            RoleSessionName: "integration-tests",
        }),
    );
    const c = out.Credentials;
    if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined) throw new Error("no credentials");
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

async function make(): Promise<World> {
    const endpoint = await motoEndpoint();
    const management = DEFAULT_ACCOUNT;
    const organizations = ungated(
        new OrganizationsClient({ endpoint, region: HOME, credentials: BASE_CREDENTIALS }),
    );
    const created = await organizations.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    const organizationId = created.Organization?.Id ?? "";
    const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? "";
    const account = async (name: string) =>
        (
            await organizations.send(
                new CreateAccountCommand({ AccountName: name, Email: `aws+${name}@example.com` }),
            )
        ).CreateAccountStatus?.AccountId ?? "";
    const security = await account("security");
    const workloads: [string, string] = [await account("workload-a"), await account("workload-b")];
    const ou = async (name: string) =>
        (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: name })))
            .OrganizationalUnit?.Id ?? "";
    const exemptOu = await ou("manual-ir");
    const scopedOu = await ou("sandbox");
    await organizations.send(
        new MoveAccountCommand({
            AccountId: workloads[1],
            SourceParentId: rootId,
            DestinationParentId: scopedOu,
        }),
    );

    // The prod stack, planned for this organization: every rung acting, so the member role holds every action.
    const orgFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "moto-org-")), "accounts.json");
    fs.writeFileSync(
        orgFile,
        JSON.stringify({
            OrganizationId: organizationId,
            RootId: rootId,
            ManagementAccountId: management,
            Accounts: [management, security, ...workloads].map((id) => ({
                Id: id,
                Arn: `arn:aws:organizations::${management}:account/${organizationId}/${id}`,
                Email: `aws+${id}@example.com`,
                Name: id,
                State: "ACTIVE",
                JoinedMethod: id === management ? "INVITED" : "CREATED",
                JoinedTimestamp: "2026-01-01T00:00:00Z",
            })),
        }),
    );
    const prod = readStackConfigValues("prod");
    const deployer = (account: string) => `arn:aws:iam::${account}:role/SecurityGovernanceDeployer`;
    const act = { mode: "act" };
    const overrides: Record<string, unknown> = {
        [`${NS}:accounts`]: {
            management,
            securityAdmin: security,
            managementRoleArn: deployer(management),
        },
        [`${NS}:regions`]: [HOME, OTHER],
        [`${NS}:organizationalUnits`]: [
            { id: scopedOu, name: "sandbox", inspector: { resourceTypes: ["EC2", "ECR"] } },
        ],
        [`${NS}:detective`]: { priorityOrganizationalUnits: [scopedOu] },
        [`${NS}:remediation`]: {
            ...(prod[`${NS}:remediation`] as object),
            exemptOrganizationalUnits: [exemptOu],
            blockRemoteAddress: { ...act, expiresAfterHours: 24 },
            isolateInstance: { ...act, stopInstance: true },
            containCredentials: act,
            blockPublicBucket: act,
        },
        [`${NS}:guardrails`]: {
            ...(prod[`${NS}:guardrails`] as object),
            exemptRoleArns: [deployer(security), deployer(management)],
            breakGlassRoleArns: [],
        },
    };
    const planned = await plan("prod", { orgFile, configOverrides: overrides });

    const credentials = new Map<string, AwsCredentialIdentity>();
    const client = async <C>(
        Client: new (config: object) => C,
        account: string,
        region = HOME,
    ): Promise<C> => {
        let c = credentials.get(account);
        if (c === undefined) {
            c = await assumed(endpoint, account);
            credentials.set(account, c);
        }
        return ungated(new Client({ endpoint, region, credentials: c, maxAttempts: 1 }) as C & object);
    };

    // What the plan deploys in the security account, made in the emulator: the findings bucket and the topic.
    const access = plannedAccess(planned, { management, security, workloads, rootId });
    const { bucket, findingsKey, topicArn, topicKey, resourcePolicies, roles, levels } = access;
    await (await client(S3Client, security)).send(new CreateBucketCommand({ Bucket: bucket }));
    const topic = await (
        await client(SNSClient, security)
    ).send(new CreateTopicCommand({ Name: topicArn.split(":")[5] }));
    if (topic.TopicArn !== topicArn) throw new Error(`topic ${topic.TopicArn} is not the planned one`);
    // The security account's GuardDuty detector in each region, as the plan enables it: the delegated
    // administrator's, which holds every member's findings. moto makes a second detector on a second
    // CreateDetector (AWS refuses one per account and region), so it is made here once for every test file.
    for (const region of [HOME, OTHER])
        await (
            await client(GuardDutyClient, security, region)
        ).send(new CreateDetectorCommand({ Enable: true }));

    const principals = new Map<string, Principal>();
    const factsCache = new Map<string, Facts>();
    let installed: Gate | undefined;
    const gateSettings: GateSettings = {
        partition: PARTITION,
        principals,
        roles,
        resourcePolicies,
        managementAccount: management,
        organizationId,
        guardDutyFindings: new Map(),
        serviceControlPolicies: (account) => levels("SERVICE_CONTROL_POLICY", account),
        resourceControlPolicies: (account) => levels("RESOURCE_CONTROL_POLICY", account),
        facts(account, region) {
            const key = `${account}/${region}`;
            let facts = factsCache.get(key);
            if (facts === undefined) {
                const ec2 = client(EC2Client, account, region);
                facts = {
                    organization: { id: organizationId, managementAccount: management },
                    async tags(id) {
                        const out = await (
                            await ec2
                        ).send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [id] }] }));
                        return Object.fromEntries(
                            (out.Tags ?? []).map((t) => [String(t.Key), String(t.Value)]),
                        );
                    },
                    async volumes(instanceId) {
                        const out = await (
                            await ec2
                        ).send(
                            new DescribeVolumesCommand({
                                Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }],
                            }),
                        );
                        return (out.Volumes ?? []).map((v) => String(v.VolumeId));
                    },
                    async networkInterface(id) {
                        const out = await (
                            await ec2
                        ).send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }));
                        const ni = out.NetworkInterfaces?.[0];
                        return { instanceId: ni?.Attachment?.InstanceId, subnetId: ni?.SubnetId };
                    },
                    objectKey: (name) => (name === bucket ? findingsKey : undefined),
                    bucketOwner: (name) => (name === bucket ? security : account),
                    topicKey: (arn) => (arn === topicArn && topicKey !== "" ? topicKey : undefined),
                };
                factsCache.set(key, facts);
            }
            return facts;
        },
    };

    const role = (fn: Fn): Principal => roleOf(planned, security, fn);
    const memberRole = (account: string): Principal => {
        const arn = `arn:aws:iam::${account}:role/${access.memberRoleName}`;
        return { arn, account, policies: roles.get(arn) ?? [] };
    };
    return {
        endpoint,
        management,
        security,
        workloads,
        organizationId,
        rootId,
        exemptOu,
        scopedOu,
        plan: planned,
        stackValues: { ...prod, ...overrides },
        client,
        get gate(): Gate {
            if (installed === undefined)
                throw new Error("the gate is closed: open() it in before(), close() it in after()");
            return installed;
        },
        open() {
            installed ??= installGate(gateSettings);
        },
        close() {
            installed?.uninstall();
            installed = undefined;
        },
        settings: gateSettings,
        role,
        memberRole,
        async userSession(account) {
            const keys = await assumed(endpoint, account);
            principals.set(keys.accessKeyId, {
                arn: `arn:aws:iam::${account}:role/SecurityAdministrator`,
                account,
                policies: [
                    {
                        name: "AdministratorAccess",
                        policy: ADMINISTRATOR,
                    },
                ],
            });
            return keys;
        },
        async deploy(fn, edit) {
            const spec = FUNCTIONS[fn];
            const principal = role(fn);
            const roleArn = principal.arn;
            // A session of the function's role: keys the emulator places in the security account.
            const keys = await assumed(endpoint, security);
            principals.set(keys.accessKeyId, principal);
            const settings = JSON.parse(variablesOf(planned, fn)[spec.variable]) as Record<string, unknown>;
            edit?.(settings);
            const environment: Record<string, string> = {
                ...variablesOf(planned, fn),
                [spec.variable]: JSON.stringify(settings),
                AWS_ENDPOINT_URL: endpoint,
                AWS_REGION: HOME,
                AWS_ACCESS_KEY_ID: keys.accessKeyId,
                AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
                AWS_SESSION_TOKEN: keys.sessionToken ?? "",
            };
            const logs: string[] = [];
            return {
                environment,
                roleArn,
                settings,
                logs,
                async run(body) {
                    const saved = Object.fromEntries(
                        Object.keys(environment).map((k) => [k, process.env[k]]),
                    );
                    Object.assign(process.env, environment);
                    // The handler logs its result, as in Lambda: kept for the test, not printed among its lines.
                    const log = console.log;
                    console.log = (...args: unknown[]) => void logs.push(args.map(String).join(" "));
                    try {
                        return await body();
                    } finally {
                        console.log = log;
                        for (const [k, v] of Object.entries(saved)) {
                            if (v === undefined) Reflect.deleteProperty(process.env, k);
                            else process.env[k] = v;
                        }
                    }
                },
            };
        },
    };
}
