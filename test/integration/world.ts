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
import type { SimulationOrgPolicies } from "@cloud-copilot/iam-simulate";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { PolicyDocument } from "../../components/policy-documents";
import type { PlanDocument, PlannedResource } from "../../tools/plan-runtime";
import { readStackConfigValues } from "../../tools/plan-runtime";
import { plan } from "../helpers/plan";
import { installGate, ungated, type Gate, type GateSettings, type Principal } from "./aws-gate";
import type { Facts } from "./iam-requests";
import { motoEndpoint } from "./moto";

/*
 * The organization the integration tests run in, made once per run in the emulator: a management account (the
 * emulator's default account), a security account and two workload accounts, an exempt OU and a scoped OU; the
 * prod stack planned for exactly these accounts, as `npm run plan -- --org` would; and from that plan, what each
 * function is deployed with (its settings, its role's policy, the member role of the StackSet, the bucket, key and
 * topic policies, the guardrails). The functions then run under the planned roles, through the gate.
 */

export const HOME = "us-east-1";
export const OTHER = "eu-west-1";
const NS = "security-governance";
const PARTITION = "aws";
const DEFAULT_ACCOUNT = "123456789012";
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
    /** Ungated clients acting in `account`, for seeding and for reading what a function did. */
    client<C>(Client: new (config: object) => C, account: string, region?: string): Promise<C>;
    /** A function's deployed environment, and its role as the gate's principal for the keys it runs with. */
    deploy(
        fn: "responder" | "coverage" | "enrollment",
        settings?: (s: Record<string, unknown>) => void,
    ): Promise<Deployed>;
    /**
     * The gate in front of the emulator. Every SDK call of the process goes through it while it is open, so a
     * describe block opens it in before() and closes it in after(): no other test file's clients meet it.
     */
    readonly gate: Gate;
    open(): void;
    close(): void;
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

function byType(planned: PlanDocument, type: string, name?: RegExp): PlannedResource[] {
    return planned.resources.filter((r) => r.type === type && (name === undefined || name.test(r.name)));
}

function only(planned: PlanDocument, type: string, name?: RegExp): PlannedResource {
    const found = byType(planned, type, name);
    if (found.length !== 1) throw new Error(`expected one ${type} ${String(name)}, found ${found.length}`);
    return found[0];
}

const json = (value: unknown) =>
    typeof value === "string" ? (JSON.parse(value) as PolicyDocument) : (value as PolicyDocument);

/** Resolves the StackSet template's Fn::Sub for one account. */
function forAccount(value: unknown, account: string): unknown {
    if (Array.isArray(value)) return value.map((v) => forAccount(v, account));
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        if (typeof record["Fn::Sub"] === "string")
            return record["Fn::Sub"].replaceAll("${AWS::AccountId}", account);
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, forAccount(v, account)]));
    }
    return value;
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
    const planned = await plan("prod", {
        orgFile,
        configOverrides: {
            [`${NS}:accounts`]: {
                management,
                securityAdmin: security,
                managementRoleArn: deployer(management),
            },
            [`${NS}:regions`]: [HOME, OTHER],
            [`${NS}:organizationalUnits`]: [
                { id: scopedOu, name: "sandbox", inspector: { resourceTypes: ["EC2", "ECR"] } },
            ],
            [`${NS}:detective`]: { priorityOrganizationalUnits: [] },
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
        },
    });

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

    // What the plan deploys in the security account: the bucket, the topic, the keys' and topic's policies.
    const responderSettings = JSON.parse(
        String(
            (
                only(planned, "aws:lambda/function:Function", /^response-function$/).inputs.environment as {
                    variables: Record<string, string>;
                }
            ).variables.RESPONDER_SETTINGS,
        ),
    ) as { records: { bucket: string; kmsKeyArn: string }; topicArn: string };
    const bucket = responderSettings.records.bucket;
    const findingsKey = responderSettings.records.kmsKeyArn;
    await (await client(S3Client, security)).send(new CreateBucketCommand({ Bucket: bucket }));
    const topicName = responderSettings.topicArn.split(":")[5];
    const topic = await (await client(SNSClient, security)).send(new CreateTopicCommand({ Name: topicName }));
    if (topic.TopicArn !== responderSettings.topicArn)
        throw new Error(`topic ${topic.TopicArn} is not the planned one`);
    // The topic is auto-named after its resource, and encrypted with the alert key.
    const topicResource = byType(planned, "aws:sns/topic:Topic").find((t) =>
        responderSettings.topicArn.endsWith(`:${t.name}`),
    );
    const findingsKeyResource = only(planned, "aws:kms/key:Key", /^findings-key$/);
    const alertKeyResource = only(planned, "aws:kms/key:Key", /^finding-alerts-key$/);
    const topicKey = String(topicResource?.inputs.kmsMasterKeyId ?? "");

    const resourcePolicies = new Map<string, PolicyDocument>();
    resourcePolicies.set(
        `arn:aws:s3:::${bucket}`,
        json(only(planned, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy),
    );
    resourcePolicies.set(findingsKey, json(findingsKeyResource.inputs.policy));
    if (topicKey !== "") resourcePolicies.set(topicKey, json(alertKeyResource.inputs.policy));
    for (const policy of byType(planned, "aws:sns/topicPolicy:TopicPolicy")) {
        const document = json(policy.inputs.policy);
        const arn = String(policy.inputs.arn);
        resourcePolicies.set(arn, document);
    }
    // The member role, as the StackSet deploys it in every workload account.
    const template = JSON.parse(
        String(only(planned, "aws:cloudformation/stackSet:StackSet").inputs.templateBody),
    ) as {
        Resources: {
            ResponderRole: {
                Properties: {
                    RoleName: string;
                    AssumeRolePolicyDocument: unknown;
                    Policies: { PolicyDocument: unknown }[];
                };
            };
        };
    };
    const memberRole = template.Resources.ResponderRole.Properties;
    const roles = new Map<string, Principal["policies"]>();
    for (const account of [...workloads, management, security]) {
        const arn = `arn:aws:iam::${account}:role/${memberRole.RoleName}`;
        roles.set(arn, [
            {
                name: "respond",
                policy: forAccount(memberRole.Policies[0].PolicyDocument, account) as PolicyDocument,
            },
        ]);
        resourcePolicies.set(arn, forAccount(memberRole.AssumeRolePolicyDocument, account) as PolicyDocument);
    }

    // The guardrails: SCPs by target (the root, or an account), the RCP on the security account.
    // Attachments are named `<policy>-<target>-attachment` (components/guardrails.ts). SCPs apply at every
    // level, each needing an allow (FullAWSAccess at a level without one of ours); the root and the account are
    // the only levels this plan attaches to.
    const fullAccess = {
        name: "FullAWSAccess",
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
    };
    const attachedAt = (kind: string, target: string) =>
        byType(planned, "aws:organizations/policy:Policy")
            .filter((p) => p.inputs.type === kind)
            .filter((p) =>
                byType(planned, "aws:organizations/policyAttachment:PolicyAttachment").some(
                    (a) => a.name === `${p.name}-${target}-attachment`,
                ),
            )
            .map((p) => ({ name: p.name, policy: json(p.inputs.content) }));
    const levels = (kind: string, account: string): SimulationOrgPolicies[] =>
        account === management
            ? []
            : [rootId, account].map((target) => ({
                  orgIdentifier: target,
                  policies: [
                      ...(kind === "SERVICE_CONTROL_POLICY" ? [fullAccess] : []),
                      ...attachedAt(kind, target),
                  ],
              }));

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
                    topicKey: (arn) =>
                        arn === responderSettings.topicArn && topicKey !== "" ? topicKey : undefined,
                };
                factsCache.set(key, facts);
            }
            return facts;
        },
    };

    const variablesOf = (name: RegExp) =>
        (
            only(planned, "aws:lambda/function:Function", name).inputs.environment as {
                variables: Record<string, string>;
            }
        ).variables;
    const functions = {
        responder: {
            fn: /^response-function$/,
            policy: /^response-permissions$/,
            variable: "RESPONDER_SETTINGS",
        },
        coverage: {
            fn: /^coverage-function$/,
            policy: /^coverage-permissions$/,
            variable: "COVERAGE_SETTINGS",
        },
        enrollment: {
            fn: /^enrollment-function$/,
            policy: /^enrollment-permissions$/,
            variable: "ENROLLMENT_SETTINGS",
        },
    } as const;
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
        async deploy(fn, edit) {
            const spec = functions[fn];
            const rolePolicy = only(planned, "aws:iam/rolePolicy:RolePolicy", spec.policy);
            const roleArn = `arn:aws:iam::${security}:role/${String(rolePolicy.inputs.role)}`;
            // A session of the function's role: keys the emulator places in the security account.
            const keys = await assumed(endpoint, security);
            principals.set(keys.accessKeyId, {
                arn: roleArn,
                account: security,
                policies: [{ name: "permissions", policy: json(rolePolicy.inputs.policy) }],
            });
            const settings = JSON.parse(variablesOf(spec.fn)[spec.variable]) as Record<string, unknown>;
            edit?.(settings);
            const environment: Record<string, string> = {
                ...variablesOf(spec.fn),
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
