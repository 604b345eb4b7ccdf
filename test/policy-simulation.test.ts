import { strict as assert } from "node:assert";
import { alertKeyPolicy, alertTopicPolicy } from "../components/alert-topic";
import {
    EXPORT_PREFIXES,
    exportBucketPolicy,
    exportKeyPolicy,
    guardDutyServiceRoleArn,
    IP_LIST_PREFIX,
    type ExportingService,
    type PolicyDocument,
} from "../components/policy-documents";
import { parseStackConfig, type StackConfig } from "../stacks/config";
import { isOptInRegion, KNOWN_REGIONS, OPT_IN_REGIONS, PARTITION } from "../stacks/regions";
import { type PlanDocument, readStackConfigValues, REPO_ROOT } from "../tools/plan-runtime";
import {
    allowEverything,
    anonymousPrincipal,
    type Decision,
    describeOutcome,
    exporterSourceArn,
    exportObjectKey,
    exportPolicyParams,
    responseRecords,
    findingsBucketName,
    type IamRequest,
    kmsKeyArn,
    roleArn,
    serviceContext,
    servicePrincipalIn,
    simulate,
    sseKms,
    TLS,
} from "./helpers/iam";
import { findingsKey, plan, single, ofFindingsBucket } from "./helpers/plan";

/*
 * The export bucket and key policies, and the alert topic's key and topic policies, evaluated by IAM
 * simulation (@cloud-copilot/iam-simulate, Strict mode). Tables of requests, each with the decision AWS
 * must reach. Requests by the exporting services are checked in every governed region.
 *
 * Assumptions where the simulator needs identity policies:
 * - A caller of ANOTHER account holds an identity policy allowing every s3/kms/sns action on "*": the
 *   strongest grant its own account can give, so only our resource policies can stop it.
 * - A role of the SECURITY account is allowed by its identity policy alone when the resource policy
 *   delegates to the account (the keys' `:root` statement) or is silent (bucket, topic): AWS evaluates
 *   same-account requests that way. Such rows say so, and a role without identity policies is denied.
 * - Service principals and anonymous callers have no identity policies.
 */

const OTHER_ACCOUNT = "444455556666";
const KEY_ID = "0f3c8a52-6d1e-4b7a-9c2f-5e8d1a7b3c40";
const OTHER_KEY_ID = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d";

function stackConfig(stack: string, overrides: Record<string, unknown> = {}): StackConfig {
    return parseStackConfig({ ...readStackConfigValues(stack, REPO_ROOT), ...overrides });
}

/** Copies `base` with `patch` applied; an undefined value removes the key. */
function patched(base: Record<string, string>, patch: Record<string, string | undefined>) {
    const merged = Object.entries({ ...base, ...patch }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
    );
    return Object.fromEntries(merged);
}

interface Expectation {
    expect: Decision;
    /** A resource-policy statement that must be among the deciding ones (allowing or denying). */
    by?: string;
}

async function mismatch(
    request: IamRequest,
    policy: PolicyDocument,
    { expect, by }: Expectation,
): Promise<string | undefined> {
    const outcome = await simulate(request, policy);
    const deciding = expect === "Allowed" ? outcome.allowedBy : outcome.deniedBy;
    if (outcome.decision === expect && (by === undefined || deciding.includes(by))) return undefined;
    const wanted = by === undefined ? expect : `${expect} by ${by}`;
    return `wanted ${wanted}, got ${describeOutcome(outcome)}`;
}

function principalName(request: IamRequest): string {
    return typeof request.principal === "string" ? request.principal : "anonymous";
}

async function expectDecision(request: IamRequest, policy: PolicyDocument, expectation: Expectation) {
    const problem = await mismatch(request, policy, expectation);
    assert.equal(problem, undefined, `${request.action} on ${request.resource}: ${problem}`);
}

// ---- The findings export bucket and key ----

interface ExportWorld {
    name: string;
    config: StackConfig;
    account: string;
    bucketArn: string;
    keyArn: string;
    bucketPolicy: PolicyDocument;
    keyPolicy: PolicyDocument;
    /** A commercial region the stack does not govern, and an opt-in one. */
    ungoverned: string;
    ungovernedOptIn: string;
}

function exportWorld(name: string, config: StackConfig): ExportWorld {
    const params = exportPolicyParams(config);
    const bucketName = findingsBucketName(config);
    const keyArn = kmsKeyArn(config.homeRegion, config.accounts.securityAdmin, KEY_ID);
    const ungoverned = KNOWN_REGIONS.find((region) => !config.regions.includes(region));
    const ungovernedOptIn = OPT_IN_REGIONS.find((region) => !config.regions.includes(region));
    assert.ok(ungoverned !== undefined && ungovernedOptIn !== undefined);
    return {
        name,
        config,
        account: config.accounts.securityAdmin,
        bucketArn: `arn:${PARTITION}:s3:::${bucketName}`,
        keyArn,
        bucketPolicy: exportBucketPolicy({ ...params, bucketName, keyArn, records: responseRecords(config) }),
        keyPolicy: exportKeyPolicy(params),
        ungoverned,
        ungovernedOptIn,
    };
}

const PROD = stackConfig("prod");
const PROD_WITH_OPT_IN = stackConfig("prod", {
    "security-governance:regions": [...PROD.regions, "af-south-1", "il-central-1"],
});

const WORLDS: ExportWorld[] = [
    exportWorld(`prod (${PROD.regions.length} regions)`, PROD),
    exportWorld("prod plus the opt-in regions af-south-1 and il-central-1", PROD_WITH_OPT_IN),
];

const LABEL: Record<ExportingService, string> = { guardduty: "GuardDuty", macie: "Macie" };

/** One exporting service acting from one governed region. */
interface Probe {
    world: ExportWorld;
    service: ExportingService;
    region: string;
}

/** Its legitimate upload: TLS, SSE-KMS under the export key, for our account, from a governed region. */
function upload(
    probe: Probe,
    change: { key?: string; context?: Record<string, string | undefined>; principal?: string } = {},
): IamRequest {
    const { world, service, region } = probe;
    const key = change.key ?? exportObjectKey(EXPORT_PREFIXES[service], service, region, world.account);
    const base = {
        ...TLS,
        ...serviceContext(world.account, exporterSourceArn(service, region, world.account)),
        ...sseKms(world.keyArn),
    };
    return {
        principal: change.principal ?? servicePrincipalIn(service, region),
        action: "s3:PutObject",
        resource: `${world.bucketArn}/${key}`,
        resourceAccount: world.account,
        context: patched(base, change.context ?? {}),
    };
}

function locateBucket(probe: Probe): IamRequest {
    const { world, service, region } = probe;
    return {
        principal: servicePrincipalIn(service, region),
        action: "s3:GetBucketLocation",
        resource: world.bucketArn,
        resourceAccount: world.account,
        context: {
            ...TLS,
            ...serviceContext(world.account, exporterSourceArn(service, region, world.account)),
        },
    };
}

function useKey(
    probe: Probe,
    change: { action?: string; context?: Record<string, string | undefined>; principal?: string } = {},
): IamRequest {
    const { world, service, region } = probe;
    const base = {
        ...TLS,
        ...serviceContext(world.account, exporterSourceArn(service, region, world.account)),
    };
    return {
        principal: change.principal ?? servicePrincipalIn(service, region),
        action: change.action ?? "kms:GenerateDataKey",
        resource: world.keyArn,
        resourceAccount: world.account,
        context: patched(base, change.context ?? {}),
    };
}

interface ServiceRow extends Expectation {
    name: string;
    target: "bucket" | "key";
    services?: ExportingService[];
    request(probe: Probe): IamRequest;
}

const otherService = (service: ExportingService): ExportingService =>
    service === "guardduty" ? "macie" : "guardduty";

const SERVICE_ROWS: ServiceRow[] = [
    // What each service needs, in every governed region.
    {
        name: "writes an SSE-KMS object under its prefix over TLS",
        target: "bucket",
        expect: "Allowed",
        request: (p) => upload(p),
    },
    {
        name: "locates the bucket",
        target: "bucket",
        expect: "Allowed",
        request: locateBucket,
    },
    {
        name: "generates a data key",
        target: "key",
        expect: "Allowed",
        request: (p) => useKey(p),
    },
    {
        name: "encrypts with the key",
        target: "key",
        services: ["macie"],
        expect: "Allowed",
        request: (p) => useKey(p, { action: "kms:Encrypt" }),
    },
    {
        name: "writes for a classification job (aws:SourceArn classification-job/*)",
        target: "bucket",
        services: ["macie"],
        expect: "Allowed",
        request: (p) =>
            upload(p, {
                context: {
                    "aws:SourceArn": `arn:${PARTITION}:macie2:${p.region}:${p.world.account}:classification-job/0123456789abcdef`,
                },
            }),
    },
    // Confused deputy: the same service acting for someone else.
    {
        name: "writes on behalf of another account (its aws:SourceAccount and aws:SourceArn)",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) =>
            upload(p, {
                context: serviceContext(OTHER_ACCOUNT, exporterSourceArn(p.service, p.region, OTHER_ACCOUNT)),
            }),
    },
    {
        name: "writes with our aws:SourceAccount but another account's aws:SourceArn",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) =>
            upload(p, {
                context: { "aws:SourceArn": exporterSourceArn(p.service, p.region, OTHER_ACCOUNT) },
            }),
    },
    {
        name: "writes with our aws:SourceArn but another aws:SourceAccount",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) => upload(p, { context: { "aws:SourceAccount": OTHER_ACCOUNT } }),
    },
    {
        name: "writes without aws:SourceAccount and aws:SourceArn",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) =>
            upload(p, { context: { "aws:SourceAccount": undefined, "aws:SourceArn": undefined } }),
    },
    {
        name: "writes for a detector or job in a region the stack does not govern",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) =>
            upload(p, {
                context: {
                    "aws:SourceArn": exporterSourceArn(p.service, p.world.ungoverned, p.world.account),
                },
            }),
    },
    {
        name: "writes as the regional principal of an opt-in region the stack does not govern",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) => upload(p, { principal: servicePrincipalIn(p.service, p.world.ungovernedOptIn) }),
    },
    {
        name: "locates the bucket for another account",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) => ({
            ...locateBucket(p),
            context: {
                ...TLS,
                ...serviceContext(OTHER_ACCOUNT, exporterSourceArn(p.service, p.region, OTHER_ACCOUNT)),
            },
        }),
    },
    // Outside its prefix.
    {
        name: "writes under the other service's prefix",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) =>
            upload(p, {
                key: exportObjectKey(
                    EXPORT_PREFIXES[otherService(p.service)],
                    p.service,
                    p.region,
                    p.world.account,
                ),
            }),
    },
    {
        name: `writes under ${IP_LIST_PREFIX}/ (GuardDuty's trusted and threat lists)`,
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) => upload(p, { key: `${IP_LIST_PREFIX}/trusted/trusted-0123abcd.txt` }),
    },
    {
        name: "writes at the bucket root",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) => upload(p, { key: "finding-0001.jsonl.gz" }),
    },
    {
        name: "writes under a look-alike prefix (<prefix>-copy/)",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (p) =>
            upload(p, {
                key: exportObjectKey(
                    `${EXPORT_PREFIXES[p.service]}-copy`,
                    p.service,
                    p.region,
                    p.world.account,
                ),
            }),
    },
    // Encryption and transport.
    {
        name: "writes without any server-side encryption header",
        target: "bucket",
        expect: "ExplicitlyDenied",
        by: "DenyUploadsNotEncryptedWithKms",
        request: (p) =>
            upload(p, {
                context: {
                    "s3:x-amz-server-side-encryption": undefined,
                    "s3:x-amz-server-side-encryption-aws-kms-key-id": undefined,
                },
            }),
    },
    {
        name: "writes with SSE-S3 (AES256)",
        target: "bucket",
        expect: "ExplicitlyDenied",
        by: "DenyUploadsNotEncryptedWithKms",
        request: (p) =>
            upload(p, {
                context: {
                    "s3:x-amz-server-side-encryption": "AES256",
                    "s3:x-amz-server-side-encryption-aws-kms-key-id": undefined,
                },
            }),
    },
    {
        name: "writes SSE-KMS under another key of the same account",
        target: "bucket",
        expect: "ExplicitlyDenied",
        by: "DenyUploadsUnderAnotherKey",
        request: (p) =>
            upload(p, {
                context: sseKms(kmsKeyArn(p.world.config.homeRegion, p.world.account, OTHER_KEY_ID)),
            }),
    },
    {
        name: "writes SSE-KMS without naming the key (the aws/s3 managed key)",
        target: "bucket",
        expect: "ExplicitlyDenied",
        by: "DenyUploadsUnderAnotherKey",
        request: (p) =>
            upload(p, { context: { "s3:x-amz-server-side-encryption-aws-kms-key-id": undefined } }),
    },
    {
        name: "writes over plain HTTP (aws:SecureTransport false)",
        target: "bucket",
        expect: "ExplicitlyDenied",
        by: "DenyNonTlsAccess",
        request: (p) => upload(p, { context: { "aws:SecureTransport": "false" } }),
    },
    // The key, for someone else or for more than exporting.
    {
        name: "generates a data key for another account",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (p) =>
            useKey(p, {
                context: serviceContext(OTHER_ACCOUNT, exporterSourceArn(p.service, p.region, OTHER_ACCOUNT)),
            }),
    },
    {
        name: "generates a data key with our aws:SourceArn but another aws:SourceAccount",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (p) => useKey(p, { context: { "aws:SourceAccount": OTHER_ACCOUNT } }),
    },
    {
        name: "generates a data key without aws:SourceAccount and aws:SourceArn",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (p) =>
            useKey(p, { context: { "aws:SourceAccount": undefined, "aws:SourceArn": undefined } }),
    },
    {
        name: "generates a data key with our aws:SourceAccount but another account's aws:SourceArn",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (p) =>
            useKey(p, {
                context: { "aws:SourceArn": exporterSourceArn(p.service, p.region, OTHER_ACCOUNT) },
            }),
    },
    {
        name: "generates a data key without aws:SourceAccount and aws:SourceArn",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (p) =>
            useKey(p, { context: { "aws:SourceAccount": undefined, "aws:SourceArn": undefined } }),
    },
    {
        name: "generates a data key for a region the stack does not govern",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (p) =>
            useKey(p, {
                context: {
                    "aws:SourceArn": exporterSourceArn(p.service, p.world.ungoverned, p.world.account),
                },
            }),
    },
    {
        name: "generates a data key as the regional principal of an ungoverned opt-in region",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (p) => useKey(p, { principal: servicePrincipalIn(p.service, p.world.ungovernedOptIn) }),
    },
    {
        name: "decrypts with the key (exporters never read the archive)",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (p) => useKey(p, { action: "kms:Decrypt" }),
    },
];

/** Requests that are not an exporting service acting from a governed region. */
interface CallerRow extends Expectation {
    name: string;
    target: "bucket" | "key";
    request(world: ExportWorld): IamRequest;
}

const GUARDDUTY_HOME = (w: ExportWorld): Probe => ({
    world: w,
    service: "guardduty",
    region: w.config.homeRegion,
});
const OTHER_ROLE = roleArn(OTHER_ACCOUNT, "Attacker");
const OTHER_ROLE_POLICY = allowEverything("other-account-admin", ["s3:*", "kms:*", "sns:*"]);
const DEPLOYER = (w: ExportWorld) => roleArn(w.account, "SecurityGovernanceDeployer");
const DEPLOYER_POLICY = allowEverything("deployer", ["s3:PutObject", "s3:GetObject", "kms:GenerateDataKey"]);
const OTHER_SERVICES = [
    "cloudtrail.amazonaws.com",
    "config.amazonaws.com",
    "securityhub.amazonaws.com",
    "inspector2.amazonaws.com",
];

const CALLER_ROWS: CallerRow[] = [
    {
        name: "another account's role (identity policy allows s3:*) writes an encrypted finding",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (w) => ({
            ...upload(GUARDDUTY_HOME(w), { principal: OTHER_ROLE }),
            context: { ...TLS, ...sseKms(w.keyArn) },
            identityPolicies: [OTHER_ROLE_POLICY],
        }),
    },
    {
        name: "another account's role (identity policy allows s3:*) reads a finding",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (w) => ({
            principal: OTHER_ROLE,
            action: "s3:GetObject",
            resource: `${w.bucketArn}/${exportObjectKey("guardduty", "guardduty", w.config.homeRegion, w.account)}`,
            resourceAccount: w.account,
            context: { ...TLS },
            identityPolicies: [OTHER_ROLE_POLICY],
        }),
    },
    {
        name: "another account's role (identity policy allows kms:*) generates a data key",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (w) => ({
            ...useKey(GUARDDUTY_HOME(w), {
                principal: OTHER_ROLE,
                context: { "aws:SourceAccount": undefined, "aws:SourceArn": undefined },
            }),
            identityPolicies: [OTHER_ROLE_POLICY],
        }),
    },
    {
        name: "another account's role (identity policy allows kms:*) decrypts",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (w) => ({
            ...useKey(GUARDDUTY_HOME(w), {
                principal: OTHER_ROLE,
                action: "kms:Decrypt",
                context: { "aws:SourceAccount": undefined, "aws:SourceArn": undefined },
            }),
            identityPolicies: [OTHER_ROLE_POLICY],
        }),
    },
    {
        name: "an anonymous caller writes an encrypted finding over TLS",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (w) => ({
            ...upload(GUARDDUTY_HOME(w)),
            principal: anonymousPrincipal,
            context: { ...TLS, ...sseKms(w.keyArn) },
        }),
    },
    {
        name: "an anonymous caller reads a finding",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (w) => ({
            principal: anonymousPrincipal,
            action: "s3:GetObject",
            resource: `${w.bucketArn}/${exportObjectKey("guardduty", "guardduty", w.config.homeRegion, w.account)}`,
            resourceAccount: w.account,
            context: { ...TLS },
        }),
    },
    {
        name: "an anonymous caller generates a data key",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (w) => ({
            ...useKey(GUARDDUTY_HOME(w), {
                context: { "aws:SourceAccount": undefined, "aws:SourceArn": undefined },
            }),
            principal: anonymousPrincipal,
        }),
    },
    ...OTHER_SERVICES.flatMap((service): CallerRow[] => [
        {
            name: `${service} writes under guardduty/ for our account`,
            target: "bucket",
            expect: "ImplicitlyDenied",
            request: (w) =>
                upload(GUARDDUTY_HOME(w), {
                    principal: service,
                    context: {
                        "aws:SourceArn": `arn:${PARTITION}:${service.split(".")[0]}:${w.config.homeRegion}:${w.account}:thing/x`,
                    },
                }),
        },
        {
            name: `${service} generates a data key for our account`,
            target: "key",
            expect: "ImplicitlyDenied",
            request: (w) =>
                useKey(GUARDDUTY_HOME(w), {
                    principal: service,
                    context: {
                        "aws:SourceArn": `arn:${PARTITION}:${service.split(".")[0]}:${w.config.homeRegion}:${w.account}:thing/x`,
                    },
                }),
        },
    ]),
    // The security account itself (see the assumptions at the top).
    {
        name: "the deployer role (identity policy allows s3:PutObject) uploads a trusted IP list SSE-KMS under the key",
        target: "bucket",
        expect: "Allowed",
        request: (w) => ({
            principal: DEPLOYER(w),
            action: "s3:PutObject",
            resource: `${w.bucketArn}/${IP_LIST_PREFIX}/trusted/trusted-0123abcd.txt`,
            resourceAccount: w.account,
            context: { ...TLS, ...sseKms(w.keyArn) },
            identityPolicies: [DEPLOYER_POLICY],
        }),
    },
    {
        name: "the deployer role uploads a list without SSE-KMS: the bucket's denies bind its own account too",
        target: "bucket",
        expect: "ExplicitlyDenied",
        by: "DenyUploadsNotEncryptedWithKms",
        request: (w) => ({
            principal: DEPLOYER(w),
            action: "s3:PutObject",
            resource: `${w.bucketArn}/${IP_LIST_PREFIX}/trusted/trusted-0123abcd.txt`,
            resourceAccount: w.account,
            context: { ...TLS },
            identityPolicies: [DEPLOYER_POLICY],
        }),
    },
    {
        name: "the deployer role (identity policy allows s3:PutObject) writes a block record under responses/: only the responder may",
        target: "bucket",
        expect: "ExplicitlyDenied",
        by: "OnlyTheResponderWritesItsRecords",
        request: (w) => ({
            principal: DEPLOYER(w),
            action: "s3:PutObject",
            resource: `${w.bucketArn}/responses/blocks/444444444444/us-east-1/acl-0123-1-in.json`,
            resourceAccount: w.account,
            // aws:PrincipalArn is in every request's context (IAM user guide, global condition keys).
            context: { ...TLS, ...sseKms(w.keyArn), "aws:PrincipalArn": DEPLOYER(w) },
            identityPolicies: [DEPLOYER_POLICY],
        }),
    },
    {
        name: "the responder's role (identity policy allows s3:PutObject) writes the same record",
        target: "bucket",
        expect: "Allowed",
        request: (w) => ({
            principal: roleArn(w.account, `security-governance-responder-${w.config.homeRegion}`),
            action: "s3:PutObject",
            resource: `${w.bucketArn}/responses/blocks/444444444444/us-east-1/acl-0123-1-in.json`,
            resourceAccount: w.account,
            context: {
                ...TLS,
                ...sseKms(w.keyArn),
                "aws:PrincipalArn": roleArn(
                    w.account,
                    `security-governance-responder-${w.config.homeRegion}`,
                ),
            },
            identityPolicies: [DEPLOYER_POLICY],
        }),
    },
    {
        name: "the deployer role (identity policy allows kms:GenerateDataKey) generates a data key: the key delegates to the account",
        target: "key",
        expect: "Allowed",
        by: "AdministerFromSecurityAccount",
        request: (w) => ({
            principal: DEPLOYER(w),
            action: "kms:GenerateDataKey",
            resource: w.keyArn,
            resourceAccount: w.account,
            context: { ...TLS },
            identityPolicies: [DEPLOYER_POLICY],
        }),
    },
    {
        name: "a security-account role without identity policies writes under guardduty/",
        target: "bucket",
        expect: "ImplicitlyDenied",
        request: (w) => ({
            ...upload(GUARDDUTY_HOME(w), { principal: roleArn(w.account, "Workload") }),
            context: { ...TLS, ...sseKms(w.keyArn) },
        }),
    },
    {
        name: "a security-account role without identity policies decrypts",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (w) => ({
            principal: roleArn(w.account, "Workload"),
            action: "kms:Decrypt",
            resource: w.keyArn,
            resourceAccount: w.account,
            context: { ...TLS },
        }),
    },
    {
        name: "GuardDuty's service-linked role decrypts the IP lists (named by the key policy)",
        target: "key",
        expect: "Allowed",
        by: "GuardDutyReadsIpLists",
        request: (w) => ({
            principal: guardDutyServiceRoleArn(w.account),
            action: "kms:Decrypt",
            resource: w.keyArn,
            resourceAccount: w.account,
            context: { ...TLS },
        }),
    },
    {
        name: "another account's GuardDuty service-linked role decrypts",
        target: "key",
        expect: "ImplicitlyDenied",
        request: (w) => ({
            principal: guardDutyServiceRoleArn(OTHER_ACCOUNT),
            action: "kms:Decrypt",
            resource: w.keyArn,
            resourceAccount: w.account,
            context: { ...TLS },
            identityPolicies: [OTHER_ROLE_POLICY],
        }),
    },
];

describe("resource policies proven by IAM simulation", function () {
    this.timeout(60_000);

    describe("the rendered export policies are the program's", () => {
        for (const stack of ["dev", "prod"]) {
            it(`renders ${stack}'s planned key and bucket policies from the stack config alone`, async () => {
                const planned = await plan(stack);
                const config = stackConfig(stack);
                const params = exportPolicyParams(config);
                const bucket = single(planned, "aws:s3/bucket:Bucket", ofFindingsBucket);
                assert.equal(bucket.inputs.bucket, findingsBucketName(config));
                const encryption = single(
                    planned,
                    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    ofFindingsBucket,
                );
                const rules = encryption.inputs.rules as {
                    applyServerSideEncryptionByDefault: { kmsMasterKeyId: string };
                }[];
                const keyArn = rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId;
                assert.match(
                    keyArn,
                    new RegExp(`^arn:aws:kms:${config.homeRegion}:${config.accounts.securityAdmin}:key/`),
                );
                assert.deepEqual(
                    JSON.parse(findingsKey(planned).inputs.policy as string),
                    exportKeyPolicy(params),
                );
                const bucketPolicy = single(planned, "aws:s3/bucketPolicy:BucketPolicy", ofFindingsBucket);
                assert.deepEqual(
                    JSON.parse(bucketPolicy.inputs.policy as string),
                    exportBucketPolicy({
                        ...params,
                        bucketName: findingsBucketName(config),
                        keyArn,
                        records: responseRecords(config),
                    }),
                );
            });
        }
    });

    for (const world of WORLDS) {
        describe(`findings export of ${world.name}`, () => {
            it("names the regional principals of exactly the governed opt-in regions", () => {
                const optIn = world.config.regions.filter(isOptInRegion);
                for (const service of ["guardduty", "macie"] as const) {
                    const named = world.bucketPolicy.Statement.filter(
                        (s) => s.Sid === `${LABEL[service]}WritesUnderItsPrefix`,
                    ).flatMap((s) =>
                        typeof s.Principal === "object" ? [s.Principal.Service ?? []].flat() : [],
                    );
                    assert.deepEqual(
                        named.filter((p) => p !== `${service}.amazonaws.com`).sort(),
                        optIn.map((r) => `${service}.${r}.amazonaws.com`).sort(),
                    );
                }
            });

            for (const service of ["guardduty", "macie"] as const) {
                for (const row of SERVICE_ROWS.filter((r) => (r.services ?? [service]).includes(service))) {
                    const verdict = row.expect === "Allowed" ? "may" : "may not";
                    it(`${LABEL[service]} ${verdict}: ${row.name} [${row.target}, every governed region]`, async () => {
                        const policy = row.target === "bucket" ? world.bucketPolicy : world.keyPolicy;
                        const failures: string[] = [];
                        for (const region of world.config.regions) {
                            const request = row.request({ world, service, region });
                            const problem = await mismatch(request, policy, row);
                            if (problem !== undefined)
                                failures.push(`${region} as ${principalName(request)}: ${problem}`);
                        }
                        assert.deepEqual(failures, []);
                    });
                }
            }

            for (const row of CALLER_ROWS) {
                const verdict = row.expect === "Allowed" ? "allowed" : "denied";
                it(`${verdict}: ${row.name} [${row.target}]`, async () => {
                    const policy = row.target === "bucket" ? world.bucketPolicy : world.keyPolicy;
                    await expectDecision(row.request(world), policy, row);
                });
            }
        });
    }

    describe("the alert topic of the planned dev stack: its key and topic policy", () => {
        interface TopicWorld {
            account: string;
            topicArn: string;
            keyArn: string;
            homeRuleArn: string;
            updatesRuleArn: string;
            samplesRuleArn: string;
            serviceRuleArns: string[];
            forwardingRuleArns: string[];
            keyPolicy: PolicyDocument;
            topicPolicy: PolicyDocument;
        }
        let topicWorld: TopicWorld | undefined;

        const ruleArn = (region: string, account: string, name: string) =>
            `arn:${PARTITION}:events:${region}:${account}:rule/${name}`;

        /*
         * The texts come from the plan, as deployed. The rule ARNs are built from the planned rules: an
         * EventBridge rule on the default bus is `arn:aws:events:<region>:<account>:rule/<name>` (the mock
         * names rules by their logical name).
         */
        async function world(): Promise<TopicWorld> {
            if (topicWorld !== undefined) return topicWorld;
            const dev: PlanDocument = await plan("dev");
            const account = dev.accounts.securityAdmin;
            const key = single(dev, "aws:kms/key:Key", (k) => k.name === "finding-alerts-key");
            const topic = single(dev, "aws:sns/topic:Topic", (r) => r.name === "finding-alerts-topic");
            const topicPolicy = single(
                dev,
                "aws:sns/topicPolicy:TopicPolicy",
                (r) => r.name === "finding-alerts-topic-policy",
            );
            const rules = dev.resources.filter(
                (r) => r.type === "aws:cloudwatch/eventRule:EventRule" && r.name.startsWith("finding-alerts"),
            );
            const nameOf = (r: (typeof rules)[number]) => (r.inputs.name as string | undefined) ?? r.name;
            // The other services' home rules publish to the same topic (components/service-alerts.ts).
            const others = /^finding-alerts-(macie|inspector|securityhub)-/;
            const home = rules.filter((r) => r.inputs.region === dev.homeRegion && !others.test(nameOf(r)));
            // In the order the program makes them: Macie, Inspector, Security Hub CSPM.
            const serviceHome = ["macie", "inspector", "securityhub"].flatMap((service) =>
                rules.filter(
                    (r) =>
                        r.inputs.region === dev.homeRegion &&
                        nameOf(r).startsWith(`finding-alerts-${service}-`),
                ),
            );
            assert.equal(
                home.length,
                3,
                "three alert rules in the home region: new findings, updates, samples",
            );
            assert.equal(
                serviceHome.length,
                3,
                "one home rule each for Macie, Inspector and Security Hub CSPM",
            );
            const updates = home.find((r) => nameOf(r).endsWith("-updates"));
            const samples = home.find((r) => nameOf(r).endsWith("-samples"));
            const fresh = home.find((r) => !/-(updates|samples)$/.test(nameOf(r)));
            assert.ok(updates !== undefined && fresh !== undefined && samples !== undefined);
            const forwarding = rules.filter((r) => r.inputs.region !== dev.homeRegion);
            assert.ok(forwarding.length > 0, "dev forwards from at least one other region");
            topicWorld = {
                account,
                topicArn: topicPolicy.inputs.arn as string,
                keyArn: topic.inputs.kmsMasterKeyId as string,
                homeRuleArn: ruleArn(dev.homeRegion, account, nameOf(fresh)),
                updatesRuleArn: ruleArn(dev.homeRegion, account, nameOf(updates)),
                samplesRuleArn: ruleArn(dev.homeRegion, account, nameOf(samples)),
                serviceRuleArns: serviceHome.map((r) => ruleArn(dev.homeRegion, account, nameOf(r))),
                forwardingRuleArns: forwarding.map((r) =>
                    ruleArn(r.inputs.region as string, account, nameOf(r)),
                ),
                keyPolicy: JSON.parse(key.inputs.policy as string) as PolicyDocument,
                topicPolicy: JSON.parse(topicPolicy.inputs.policy as string) as PolicyDocument,
            };
            return topicWorld;
        }

        it("plans the texts the pure renderers produce for these ARNs", async () => {
            const w = await world();
            assert.deepEqual(w.keyPolicy, alertKeyPolicy(w.account));
            assert.deepEqual(
                w.topicPolicy,
                alertTopicPolicy({
                    securityAccountId: w.account,
                    topicArn: w.topicArn,
                    ruleArns: [w.homeRuleArn, w.updatesRuleArn, w.samplesRuleArn, ...w.serviceRuleArns],
                    homeRegion: w.topicArn.split(":")[3],
                }),
            );
        });

        const EVENTS = "events.amazonaws.com";
        const ALARMS = "cloudwatch.amazonaws.com";
        const HOME_OF = (w: TopicWorld) => w.topicArn.split(":")[3];
        const alarmArn = (w: TopicWorld, region: string, name: string, prefix = "security-governance-") =>
            `arn:aws:cloudwatch:${region}:${w.account}:alarm:${prefix}${name}`;
        const publish = (
            w: TopicWorld,
            principal: string,
            context: Record<string, string | undefined>,
        ): IamRequest => ({
            principal,
            action: "sns:Publish",
            resource: w.topicArn,
            resourceAccount: w.account,
            context: patched({ ...TLS, ...serviceContext(w.account, w.homeRuleArn) }, context),
        });
        const keyUse = (
            w: TopicWorld,
            principal: string,
            action: string,
            context: Record<string, string | undefined>,
        ): IamRequest => ({
            principal,
            action,
            resource: w.keyArn,
            resourceAccount: w.account,
            context: patched({ ...TLS, ...serviceContext(w.account, w.homeRuleArn) }, context),
        });

        interface TopicRow extends Expectation {
            name: string;
            target: "topic" | "key";
            request(w: TopicWorld): IamRequest[];
        }
        const noSource = { "aws:SourceAccount": undefined, "aws:SourceArn": undefined };
        const TOPIC_ROWS: TopicRow[] = [
            {
                name: "EventBridge publishes for the home region's alert rules (new findings, updates and samples)",
                target: "topic",
                expect: "Allowed",
                by: "EventBridgePublishesFindingAlerts",
                request: (w) => [
                    publish(w, EVENTS, {}),
                    publish(w, EVENTS, { "aws:SourceArn": w.updatesRuleArn }),
                    publish(w, EVENTS, { "aws:SourceArn": w.samplesRuleArn }),
                ],
            },
            {
                // SNS developer guide, sns-key-management: aws:SourceAccount, aws:SourceArn and aws:SourceOrgID are
                // "not supported for EventBridge-to-encrypted topics" in a key policy, so the request may carry none.
                name: "EventBridge generates a data key and decrypts with the topic key, its requests carrying no source keys",
                target: "key",
                expect: "Allowed",
                by: "EventBridgePublishesToEncryptedTopic",
                request: (w) => [
                    keyUse(w, EVENTS, "kms:GenerateDataKey", noSource),
                    keyUse(w, EVENTS, "kms:Decrypt", noSource),
                    keyUse(w, EVENTS, "kms:GenerateDataKey", {}),
                ],
            },
            {
                name: "EventBridge publishes for a forwarding rule of another region (they target the bus)",
                target: "topic",
                expect: "ImplicitlyDenied",
                request: (w) =>
                    w.forwardingRuleArns.map((arn) => publish(w, EVENTS, { "aws:SourceArn": arn })),
            },
            {
                name: "EventBridge publishes for a rule of the same name in another account",
                target: "topic",
                expect: "ImplicitlyDenied",
                request: (w) => [
                    publish(w, EVENTS, {
                        "aws:SourceAccount": OTHER_ACCOUNT,
                        "aws:SourceArn": w.homeRuleArn.replace(`:${w.account}:`, `:${OTHER_ACCOUNT}:`),
                    }),
                ],
            },
            {
                name: "EventBridge publishes with our rule ARN but another aws:SourceAccount",
                target: "topic",
                expect: "ImplicitlyDenied",
                request: (w) => [publish(w, EVENTS, { "aws:SourceAccount": OTHER_ACCOUNT })],
            },
            {
                name: "EventBridge publishes without aws:SourceAccount and aws:SourceArn",
                target: "topic",
                expect: "ImplicitlyDenied",
                request: (w) => [publish(w, EVENTS, noSource)],
            },
            {
                name: "EventBridge encrypts or re-encrypts with the topic key (not needed to publish)",
                target: "key",
                expect: "ImplicitlyDenied",
                request: (w) => [
                    keyUse(w, EVENTS, "kms:Encrypt", {}),
                    keyUse(w, EVENTS, "kms:ReEncryptFrom", {}),
                ],
            },
            {
                name: "other service principals publish for our account",
                target: "topic",
                expect: "ImplicitlyDenied",
                request: (w) =>
                    [
                        "s3.amazonaws.com",
                        "cloudwatch.amazonaws.com",
                        "budgets.amazonaws.com",
                        "guardduty.amazonaws.com",
                    ].map((service) => publish(w, service, {})),
            },
            {
                name: "this program's alarms of the home region publish (the watch topic's own failures)",
                target: "topic",
                expect: "Allowed",
                by: "AlarmsPublish",
                request: (w) => [
                    publish(w, ALARMS, {
                        "aws:SourceArn": alarmArn(w, HOME_OF(w), "notifications-watch-topic"),
                    }),
                ],
            },
            {
                name: "another alarm, an alarm of another region or of another account publishes",
                target: "topic",
                expect: "ImplicitlyDenied",
                request: (w) => [
                    publish(w, ALARMS, { "aws:SourceArn": alarmArn(w, HOME_OF(w), "team-alarm", "") }),
                    publish(w, ALARMS, { "aws:SourceArn": alarmArn(w, "eu-north-1", "errors-responder") }),
                    publish(w, ALARMS, {
                        "aws:SourceAccount": OTHER_ACCOUNT,
                        "aws:SourceArn": alarmArn(w, HOME_OF(w), "errors-responder").replace(
                            `:${w.account}:`,
                            `:${OTHER_ACCOUNT}:`,
                        ),
                    }),
                    publish(w, ALARMS, noSource),
                ],
            },
            {
                name: "CloudWatch encrypts for this account's alarms with the topic key, and for no other account",
                target: "key",
                expect: "Allowed",
                by: "AlarmsPublishToEncryptedTopic",
                request: (w) => [
                    keyUse(w, ALARMS, "kms:GenerateDataKey", {}),
                    keyUse(w, ALARMS, "kms:Decrypt", {}),
                ],
            },
            {
                name: "CloudWatch uses the topic key for another account, or without aws:SourceAccount",
                target: "key",
                expect: "ImplicitlyDenied",
                request: (w) => [
                    keyUse(w, ALARMS, "kms:GenerateDataKey", { "aws:SourceAccount": OTHER_ACCOUNT }),
                    keyUse(w, ALARMS, "kms:Decrypt", noSource),
                ],
            },
            {
                name: "other service principals use the topic key for our account",
                target: "key",
                expect: "ImplicitlyDenied",
                request: (w) =>
                    ["s3.amazonaws.com", "sns.amazonaws.com", "guardduty.amazonaws.com"].flatMap(
                        (service) => [
                            keyUse(w, service, "kms:GenerateDataKey", {}),
                            keyUse(w, service, "kms:Decrypt", {}),
                        ],
                    ),
            },
            {
                name: "another account's role (identity policy allows sns:*) publishes",
                target: "topic",
                expect: "ImplicitlyDenied",
                request: (w) => [
                    { ...publish(w, OTHER_ROLE, noSource), identityPolicies: [OTHER_ROLE_POLICY] },
                ],
            },
            {
                name: "another account's role (identity policy allows kms:*) uses the topic key",
                target: "key",
                expect: "ImplicitlyDenied",
                request: (w) => [
                    {
                        ...keyUse(w, OTHER_ROLE, "kms:GenerateDataKey", noSource),
                        identityPolicies: [OTHER_ROLE_POLICY],
                    },
                    {
                        ...keyUse(w, OTHER_ROLE, "kms:Decrypt", noSource),
                        identityPolicies: [OTHER_ROLE_POLICY],
                    },
                ],
            },
            {
                name: "an anonymous caller publishes",
                target: "topic",
                expect: "ImplicitlyDenied",
                request: (w) => [{ ...publish(w, OTHER_ROLE, noSource), principal: anonymousPrincipal }],
            },
            {
                name: "an anonymous caller uses the topic key",
                target: "key",
                expect: "ImplicitlyDenied",
                request: (w) => [
                    {
                        ...keyUse(w, OTHER_ROLE, "kms:GenerateDataKey", noSource),
                        principal: anonymousPrincipal,
                    },
                    { ...keyUse(w, OTHER_ROLE, "kms:Decrypt", noSource), principal: anonymousPrincipal },
                ],
            },
            {
                name: "a security-account role without identity policies publishes",
                target: "topic",
                expect: "ImplicitlyDenied",
                request: (w) => [publish(w, roleArn(w.account, "Workload"), noSource)],
            },
            {
                name: "a security-account role with an identity policy allowing sns:Publish publishes (same-account IAM, granted by no topic statement)",
                target: "topic",
                expect: "Allowed",
                request: (w) => [
                    {
                        ...publish(w, roleArn(w.account, "Responder"), noSource),
                        identityPolicies: [allowEverything("responder", ["sns:Publish"])],
                    },
                ],
            },
        ];

        for (const row of TOPIC_ROWS) {
            const verdict = row.expect === "Allowed" ? "allowed" : "denied";
            it(`${verdict}: ${row.name} [${row.target}]`, async () => {
                const w = await world();
                const policy = row.target === "topic" ? w.topicPolicy : w.keyPolicy;
                const failures: string[] = [];
                for (const request of row.request(w)) {
                    const problem = await mismatch(request, policy, row);
                    if (problem !== undefined) {
                        failures.push(`${principalName(request)} ${request.action}: ${problem}`);
                    }
                }
                assert.deepEqual(failures, []);
            });
        }
    });
});
