import { strict as assert } from "node:assert";
import {
    IAMClient,
    ListAccessKeysCommand,
    NoSuchEntityException,
    PutRolePolicyCommand,
    UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import {
    GetPublicAccessBlockCommand,
    PutPublicAccessBlockCommand,
    S3Client,
    S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import {
    blockPublicBuckets,
    containCredentials,
    REVOKE_POLICY_NAME,
    revokeOlderSessionsPolicy,
} from "../functions/response/access";
import { decide, type Decision, type FindingDetail } from "../functions/response/ladder";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { readStackConfigValues } from "../tools/plan-runtime";
import { MEMBER, PUBLIC_IP, finding, ladderSettings, maliciousCaller, type Json } from "./helpers/response";
import { testRun } from "./helpers/run";

/*
 * The details the other response suites leave loose: every message of the `remediation` section word for
 * word and its exact defaults, as a user meets them through parseStackConfig; the exact details, inputs and
 * call names of the access rungs; and the ladder's exact decisions where a finding's fields are odd.
 */

const NS = "security-governance:remediation";
const SEVERITY = "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)";
const HOURS = "whole hours from 1 to 720 (30 days)";
const TAG =
    'a tag as "key=value" (key 1-128 characters, value up to 256), such as "security-governance:remediation=exempt"';
const TOP_KEYS =
    "exemptTag, exemptAccounts, exemptOrganizationalUnits, blockRemoteAddress, isolateInstance, containCredentials, blockPublicBucket";

/** The problems parseStackConfig reports for the dev stack with this `remediation` section. */
function problems(remediation: unknown): string[] {
    try {
        parseStackConfig({ ...readStackConfigValues("dev"), [NS]: remediation });
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.problems;
    }
    return [];
}

/** A value as the config error shows it: JSON, cut to 117 characters and "..." past 120. */
function shown(value: unknown): string {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

describe("response config and action details", () => {
    describe("the remediation section, as a user writes it", () => {
        it("fills every default exactly, each rung's finding types spelt as GuardDuty does", () => {
            // Catches a default type emptied or misspelt (it would then never match a finding), a default
            // exempt list that is not empty, or a changed severity, hour count or stop default.
            assert.deepEqual(ladderSettings().remediation, {
                exemptTag: "security-governance:remediation=exempt",
                exemptAccounts: [],
                exemptOrganizationalUnits: [],
                blockRemoteAddress: {
                    mode: "notify",
                    findingTypes: ["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"],
                    minSeverity: 4,
                    expiresAfterHours: 24,
                },
                isolateInstance: {
                    mode: "notify",
                    findingTypes: [
                        "CryptoCurrency:EC2/BitcoinTool.B",
                        "CryptoCurrency:EC2/BitcoinTool.B!DNS",
                        "CryptoCurrency:Runtime/BitcoinTool.B",
                        "CryptoCurrency:Runtime/BitcoinTool.B!DNS",
                    ],
                    minSeverity: 4,
                    stopInstance: false,
                },
                containCredentials: {
                    mode: "notify",
                    findingTypes: [
                        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
                        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                    ],
                    minSeverity: 4,
                },
                blockPublicBucket: {
                    mode: "notify",
                    findingTypes: [
                        "Policy:S3/BucketAnonymousAccessGranted",
                        "Policy:S3/BucketBlockPublicAccessDisabled",
                        "Policy:S3/BucketPublicAccessGranted",
                    ],
                    minSeverity: 1,
                },
            });
        });

        it("accepts a finding type of each rung's own resource, and the bounds themselves", () => {
            // Catches a rung whose resource list lost its entry: every type the user writes would be refused.
            const accepted: Json[] = [
                { blockRemoteAddress: { findingTypes: ["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"] } },
                {
                    isolateInstance: {
                        findingTypes: [
                            "CryptoCurrency:Runtime/BitcoinTool.B",
                            "CryptoCurrency:EC2/BitcoinTool.B",
                        ],
                    },
                },
                {
                    containCredentials: {
                        findingTypes: [
                            "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                        ],
                    },
                },
                { blockPublicBucket: { findingTypes: ["Policy:S3/BucketPublicAccessGranted"] } },
                { blockPublicBucket: { minSeverity: 1 }, containCredentials: { minSeverity: 10 } },
                { blockRemoteAddress: { expiresAfterHours: 1 } },
                { blockRemoteAddress: { expiresAfterHours: 720 } },
                { isolateInstance: { stopInstance: true } },
                { exemptTag: `${"k".repeat(128)}=${"v".repeat(256)}` },
                { exemptTag: "Owner=" },
                { exemptAccounts: [MEMBER, "555555555555"], exemptOrganizationalUnits: ["ou-ab12-sandbox1"] },
            ];
            for (const remediation of accepted)
                assert.deepEqual(problems(remediation), [], JSON.stringify(remediation));
            const s = ladderSettings({
                containCredentials: {
                    mode: "act",
                    findingTypes: ["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"],
                },
                blockPublicBucket: { mode: "dry-run", findingTypes: ["Policy:S3/BucketPublicAccessGranted"] },
            }).remediation;
            assert.deepEqual(s.containCredentials, {
                mode: "act",
                findingTypes: ["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"],
                minSeverity: 4,
            });
            assert.deepEqual(s.blockPublicBucket, {
                mode: "dry-run",
                findingTypes: ["Policy:S3/BucketPublicAccessGranted"],
                minSeverity: 1,
            });
        });

        it("names the key, the bad value and what is allowed, in one exact line per mistake", () => {
            // Each line pins a rule's own wording: a rule that loses its message falls back to the generic
            // "a number", "at least 1" or zod's text; one that loses a bound or anchor accepts the value.
            const longKey = `${"k".repeat(129)}=v`;
            const longValue = `k=${"v".repeat(257)}`;
            const cases: [unknown, string][] = [
                [
                    { blockRemoteAddress: { mode: "auto" } },
                    `${NS}.blockRemoteAddress.mode = "auto": expected one of off, notify, dry-run, act`,
                ],
                [
                    { containCredentials: { mode: "ACT" } },
                    `${NS}.containCredentials.mode = "ACT": expected one of off, notify, dry-run, act`,
                ],
                [
                    { blockRemoteAddress: { findingTypes: ["CryptoCurrency:Runtime/BitcoinTool.B"] } },
                    `${NS}.blockRemoteAddress.findingTypes[0] = "CryptoCurrency:Runtime/BitcoinTool.B": expected a finding type of EC2/ resources, which blockRemoteAddress acts on`,
                ],
                [
                    { isolateInstance: { findingTypes: ["Policy:S3/BucketAnonymousAccessGranted"] } },
                    `${NS}.isolateInstance.findingTypes[0] = "Policy:S3/BucketAnonymousAccessGranted": expected a finding type of EC2/ or Runtime/ resources, which isolateInstance acts on`,
                ],
                [
                    { containCredentials: { findingTypes: ["CryptoCurrency:EC2/BitcoinTool.B"] } },
                    `${NS}.containCredentials.findingTypes[0] = "CryptoCurrency:EC2/BitcoinTool.B": expected a finding type of IAMUser/ resources, which containCredentials acts on`,
                ],
                [
                    {
                        blockPublicBucket: {
                            findingTypes: [
                                "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                            ],
                        },
                    },
                    `${NS}.blockPublicBucket.findingTypes[0] = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS": expected a finding type of S3/ resources, which blockPublicBucket acts on`,
                ],
                [
                    { containCredentials: { findingTypes: [] } },
                    `${NS}.containCredentials.findingTypes = []: expected at least one finding type`,
                ],
                [
                    {
                        isolateInstance: {
                            findingTypes: [
                                "CryptoCurrency:EC2/BitcoinTool.B",
                                "CryptoCurrency:EC2/BitcoinTool.B",
                            ],
                        },
                    },
                    `${NS}.isolateInstance.findingTypes[1] = "CryptoCurrency:EC2/BitcoinTool.B": expected each finding type once`,
                ],
                [
                    { blockPublicBucket: { minSeverity: 0 } },
                    `${NS}.blockPublicBucket.minSeverity = 0: expected ${SEVERITY}`,
                ],
                [
                    { blockRemoteAddress: { minSeverity: 10.1 } },
                    `${NS}.blockRemoteAddress.minSeverity = 10.1: expected ${SEVERITY}`,
                ],
                [
                    { isolateInstance: { minSeverity: "high" } },
                    `${NS}.isolateInstance.minSeverity = "high": expected ${SEVERITY}`,
                ],
                [
                    { exemptTag: 5 },
                    `${NS}.exemptTag = 5: expected a tag as "key=value", such as "security-governance:remediation=exempt"`,
                ],
                [{ exemptTag: "exempt" }, `${NS}.exemptTag = "exempt": expected ${TAG}`],
                [{ exemptTag: "=exempt" }, `${NS}.exemptTag = "=exempt": expected ${TAG}`],
                // Two "=": without the end anchor "a=b" at the start would pass.
                [{ exemptTag: "Owner=a=b" }, `${NS}.exemptTag = "Owner=a=b": expected ${TAG}`],
                // A 129-character key: without the start anchor its last 128 characters would pass.
                [{ exemptTag: longKey }, `${NS}.exemptTag = ${shown(longKey)}: expected ${TAG}`],
                [{ exemptTag: longValue }, `${NS}.exemptTag = ${shown(longValue)}: expected ${TAG}`],
                [
                    { blockRemoteAddress: { expiresAfterHours: "24" } },
                    `${NS}.blockRemoteAddress.expiresAfterHours = "24": expected ${HOURS}`,
                ],
                [
                    { blockRemoteAddress: { expiresAfterHours: 1.5 } },
                    `${NS}.blockRemoteAddress.expiresAfterHours = 1.5: expected ${HOURS}`,
                ],
                [
                    { blockRemoteAddress: { expiresAfterHours: 0 } },
                    `${NS}.blockRemoteAddress.expiresAfterHours = 0: expected ${HOURS}`,
                ],
                [
                    { blockRemoteAddress: { expiresAfterHours: 721 } },
                    `${NS}.blockRemoteAddress.expiresAfterHours = 721: expected ${HOURS}`,
                ],
                [
                    { isolateInstance: { stopInstance: "yes" } },
                    `${NS}.isolateInstance.stopInstance = "yes": expected true or false`,
                ],
                [
                    { exemptAccounts: ["44444444444"] },
                    `${NS}.exemptAccounts[0] = "44444444444": expected a 12-digit AWS account ID, such as "111111111111"`,
                ],
                [
                    // 12 digits as a number are read as the ID (what `pulumi config set --path` writes); 11 are not.
                    { exemptAccounts: [44444444444] },
                    `${NS}.exemptAccounts[0] = 44444444444: expected a 12-digit AWS account ID as a quoted string, such as "111111111111"`,
                ],
                [
                    { exemptAccounts: [MEMBER, "555555555555", MEMBER] },
                    `${NS}.exemptAccounts[2] = "${MEMBER}": expected each account once`,
                ],
                [
                    { exemptOrganizationalUnits: ["sandbox"] },
                    `${NS}.exemptOrganizationalUnits[0] = "sandbox": expected an OU ID: "ou-", 4 to 32 lowercase letters or digits, "-", then 8 to 32 more, such as "ou-ab12-cd34ef56"`,
                ],
                [
                    { exemptOrganizationalUnits: ["ou-ab12-sandbox1", "ou-ab12-sandbox1"] },
                    `${NS}.exemptOrganizationalUnits[1] = "ou-ab12-sandbox1": expected each OU once`,
                ],
                [{ exempt: true }, `${NS}.exempt: unknown key; allowed keys here: ${TOP_KEYS}`],
                [
                    { blockRemoteAddress: { mod: "act" } },
                    `${NS}.blockRemoteAddress.mod: unknown key; allowed keys here: mode, findingTypes, minSeverity, organizationalUnits, expiresAfterHours`,
                ],
                [
                    { isolateInstance: { expiresAfterHours: 24 } },
                    `${NS}.isolateInstance.expiresAfterHours: unknown key; allowed keys here: mode, findingTypes, minSeverity, organizationalUnits, stopInstance`,
                ],
                [
                    { containCredentials: { stopInstance: true } },
                    `${NS}.containCredentials.stopInstance: unknown key; allowed keys here: mode, findingTypes, minSeverity, organizationalUnits`,
                ],
                [
                    { blockRemoteAddress: { organizationalUnits: [] } },
                    `${NS}.blockRemoteAddress.organizationalUnits = []: expected at least one OU; leave organizationalUnits out to cover the whole organization`,
                ],
                [
                    { isolateInstance: { organizationalUnits: ["pilot"] } },
                    `${NS}.isolateInstance.organizationalUnits[0] = "pilot": expected an OU ID: "ou-", 4 to 32 lowercase letters or digits, "-", then 8 to 32 more, such as "ou-ab12-cd34ef56"`,
                ],
                [
                    { blockRemoteAddress: { minSeverity: 0 } },
                    `${NS}.blockRemoteAddress.minSeverity = 0: expected a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)`,
                ],
                [
                    { isolateInstance: { minSeverity: 10.5 } },
                    `${NS}.isolateInstance.minSeverity = 10.5: expected a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)`,
                ],
                [
                    { blockRemoteAddress: { expiresAfterHours: 1.5 } },
                    `${NS}.blockRemoteAddress.expiresAfterHours = 1.5: expected whole hours from 1 to 720 (30 days)`,
                ],
                [
                    { blockRemoteAddress: { expiresAfterHours: 0 } },
                    `${NS}.blockRemoteAddress.expiresAfterHours = 0: expected whole hours from 1 to 720 (30 days)`,
                ],
                [
                    { blockRemoteAddress: { expiresAfterHours: 721 } },
                    `${NS}.blockRemoteAddress.expiresAfterHours = 721: expected whole hours from 1 to 720 (30 days)`,
                ],
                [
                    { isolateInstance: { stopInstance: "yes" } },
                    `${NS}.isolateInstance.stopInstance = "yes": expected true or false`,
                ],
                [
                    { containCredentials: { organizationalUnits: ["ou-ab12-pilot001", "ou-ab12-pilot001"] } },
                    `${NS}.containCredentials.organizationalUnits[1] = "ou-ab12-pilot001": expected each OU once`,
                ],
            ];
            for (const [remediation, expected] of cases) {
                assert.deepEqual(problems(remediation), [expected], JSON.stringify(remediation));
            }
        });
    });

    describe("containCredentials, exactly", () => {
        const key = {
            action: "containCredentials" as const,
            kind: "accessKey" as const,
            userName: "ci",
            accessKeyId: "AKIAEXAMPLE1",
        };
        const role = {
            action: "containCredentials" as const,
            kind: "roleSessions" as const,
            roleName: "app",
        };
        const now = new Date("2026-12-01T22:00:00Z");
        const NAME = "access key AKIAEXAMPLE1 of user ci";

        it("says which key of which user it deactivated, would deactivate, found inactive or did not find", async () => {
            // Catches a detail emptied or reworded, and a missing key read as a crash instead of "not found".
            const iam = new IAMClient({ region: "us-east-1" });
            const mock = mockClient(iam);
            mock.on(ListAccessKeysCommand).resolves({
                AccessKeyMetadata: [{ UserName: "ci", AccessKeyId: "AKIAEXAMPLE1", Status: "Active" }],
            });
            mock.on(UpdateAccessKeyCommand).resolves({});
            assert.deepEqual(await containCredentials(iam, key, { mode: "dry-run", now }, testRun()), {
                status: "would act",
                details: [`${NAME} would be deactivated`],
            });
            assert.equal(mock.commandCalls(UpdateAccessKeyCommand).length, 0, "a dry run changes nothing");
            assert.deepEqual(await containCredentials(iam, key, { mode: "act", now }, testRun()), {
                status: "acted",
                details: [`${NAME} deactivated`],
            });
            assert.deepEqual(
                mock.commandCalls(UpdateAccessKeyCommand).map((c) => c.args[0].input),
                [{ UserName: "ci", AccessKeyId: "AKIAEXAMPLE1", Status: "Inactive" }],
            );
            mock.on(ListAccessKeysCommand).resolves({
                AccessKeyMetadata: [{ UserName: "ci", AccessKeyId: "AKIAEXAMPLE1", Status: "Inactive" }],
            });
            assert.deepEqual(await containCredentials(iam, key, { mode: "act", now }, testRun()), {
                status: "already done",
                details: [`${NAME} is already inactive`],
            });
            mock.on(ListAccessKeysCommand).resolves({
                AccessKeyMetadata: [{ UserName: "ci", AccessKeyId: "AKIAOTHER000", Status: "Active" }],
            });
            assert.deepEqual(await containCredentials(iam, key, { mode: "act", now }, testRun()), {
                status: "gone",
                details: [`${NAME} no longer exists`],
            });
            // A user with no keys at all: IAM may leave the list out.
            mock.on(ListAccessKeysCommand).resolves({});
            assert.deepEqual(await containCredentials(iam, key, { mode: "dry-run", now }, testRun()), {
                status: "gone",
                details: [`${NAME} no longer exists`],
            });
            assert.equal(mock.commandCalls(UpdateAccessKeyCommand).length, 1);
            assert.deepEqual(
                mock.commandCalls(ListAccessKeysCommand).map((c) => c.args[0].input),
                Array.from({ length: 5 }, () => ({ UserName: "ci" })),
            );
        });

        it("revokes with the inline policy AWSRevokeOlderSessions and this exact document, and says so", async () => {
            // Catches the policy renamed (the console's "Revoke active sessions" would not recognise it) and
            // a document whose condition or time drifted.
            assert.equal(REVOKE_POLICY_NAME, "AWSRevokeOlderSessions");
            const document =
                '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],' +
                '"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-01T22:00:00.000Z"}}}]}';
            assert.equal(JSON.stringify(revokeOlderSessionsPolicy(now)), document);
            const iam = new IAMClient({ region: "us-east-1" });
            const mock = mockClient(iam);
            mock.on(PutRolePolicyCommand).resolves({});
            assert.deepEqual(await containCredentials(iam, role, { mode: "act", now }, testRun()), {
                status: "acted",
                details: [
                    "sessions of role app issued before 2026-12-01T22:00:00.000Z revoked (inline policy AWSRevokeOlderSessions)",
                ],
            });
            assert.deepEqual(
                mock.commandCalls(PutRolePolicyCommand).map((c) => c.args[0].input),
                [{ RoleName: "app", PolicyName: "AWSRevokeOlderSessions", PolicyDocument: document }],
            );
            assert.equal(mock.commandCalls(ListAccessKeysCommand).length, 0);
        });

        it("stops at the deadline naming the IAM call it did not make, and makes no later one", async () => {
            // Catches a call's scope lost: the run report would say "before " and name nothing.
            const iam = new IAMClient({ region: "us-east-1" });
            const mock = mockClient(iam);
            await assert.rejects(containCredentials(iam, key, { mode: "act", now }, testRun(0)), {
                name: "DeadlineReached",
                message: "stopped before the time limit, before iam:ListAccessKeys; the next run resumes",
            });
            assert.equal(mock.calls().length, 0);

            const late = testRun(1_000);
            mock.on(ListAccessKeysCommand).callsFake(() => {
                late.clock.now = 1_000;
                return {
                    AccessKeyMetadata: [{ UserName: "ci", AccessKeyId: "AKIAEXAMPLE1", Status: "Active" }],
                };
            });
            await assert.rejects(containCredentials(iam, key, { mode: "act", now }, late), {
                name: "DeadlineReached",
                message: "stopped before the time limit, before iam:UpdateAccessKey; the next run resumes",
            });
            assert.equal(mock.commandCalls(UpdateAccessKeyCommand).length, 0);

            await assert.rejects(containCredentials(iam, role, { mode: "act", now }, testRun(0)), {
                name: "DeadlineReached",
                message: "stopped before the time limit, before iam:PutRolePolicy; the next run resumes",
            });
            assert.equal(mock.commandCalls(PutRolePolicyCommand).length, 0);
        });
        it("a deleted user, key or role (IAM's NoSuchEntity) is gone; any other IAM error fails", async () => {
            // IAM API reference: ListAccessKeys, UpdateAccessKey and PutRolePolicy answer NoSuchEntity (404).
            const noSuch = () => new NoSuchEntityException({ message: "cannot be found", $metadata: {} });
            const iam = new IAMClient({ region: "us-east-1" });
            const mock = mockClient(iam);
            mock.on(ListAccessKeysCommand).rejects(noSuch());
            assert.deepEqual(await containCredentials(iam, key, { mode: "act", now }, testRun()), {
                status: "gone",
                details: ["user ci no longer exists: NoSuchEntityException: cannot be found"],
            });
            mock.reset();
            mock.on(ListAccessKeysCommand).resolves({
                AccessKeyMetadata: [{ UserName: "ci", AccessKeyId: "AKIAEXAMPLE1", Status: "Active" }],
            });
            mock.on(UpdateAccessKeyCommand).rejects(noSuch());
            assert.equal(
                (await containCredentials(iam, key, { mode: "act", now }, testRun())).status,
                "gone",
            );
            mock.reset();
            mock.on(PutRolePolicyCommand).rejects(noSuch());
            assert.deepEqual(await containCredentials(iam, role, { mode: "act", now }, testRun()), {
                status: "gone",
                details: ["role app no longer exists: NoSuchEntityException: cannot be found"],
            });
            mock.reset();
            mock.on(PutRolePolicyCommand).rejects(
                Object.assign(new Error("denied"), { name: "AccessDenied" }),
            );
            assert.equal(
                (await containCredentials(iam, role, { mode: "act", now }, testRun())).status,
                "failed",
            );
        });
    });

    describe("blockPublicBuckets, exactly", () => {
        const OWNER = "444444444444";
        /** All four settings on: a closed bucket. */
        const CLOSED = {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
        };

        it("a deleted bucket (NoSuchBucket) is gone; all gone is gone, gone beside a change is acted", async () => {
            const s3 = new S3Client({ region: "eu-west-1" });
            const mock = mockClient(s3);
            const noBucket = new S3ServiceException({
                name: "NoSuchBucket",
                $fault: "client",
                message: "The specified bucket does not exist",
                $metadata: { httpStatusCode: 404 },
            });
            mock.on(GetPublicAccessBlockCommand, { Bucket: "deleted" }).rejects(noBucket);
            mock.on(GetPublicAccessBlockCommand, { Bucket: "open" }).resolves({
                PublicAccessBlockConfiguration: {},
            });
            mock.on(PutPublicAccessBlockCommand).resolves({});
            const run = (buckets: string[]) =>
                blockPublicBuckets(
                    s3,
                    { action: "blockPublicBucket", buckets },
                    { mode: "act", accountId: OWNER },
                    testRun(),
                );
            assert.deepEqual(await run(["deleted"]), {
                status: "gone",
                details: ["deleted: no longer exists"],
            });
            const both = await run(["deleted", "open"]);
            assert.equal(both.status, "acted");
            assert.equal(both.details[0], "deleted: no longer exists");
            // One gone beside one already closed: the target is not gone as a whole.
            mock.on(GetPublicAccessBlockCommand, { Bucket: "closed" }).resolves({
                PublicAccessBlockConfiguration: { ...CLOSED },
            });
            assert.equal((await run(["deleted", "closed"])).status, "already done");
        });

        it("in dry-run says, bucket by bucket, which settings it would turn on, and puts nothing", async () => {
            // Catches the rehearsal's detail emptied or its list run together.
            const s3 = new S3Client({ region: "eu-west-1" });
            const mock = mockClient(s3);
            mock.on(GetPublicAccessBlockCommand, { Bucket: "open" }).resolves({
                PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: false },
            });
            mock.on(GetPublicAccessBlockCommand, { Bucket: "closed" }).resolves({
                PublicAccessBlockConfiguration: { ...CLOSED },
            });
            mock.on(GetPublicAccessBlockCommand, { Bucket: "bare" }).rejects(
                new S3ServiceException({
                    name: "NoSuchPublicAccessBlockConfiguration",
                    $fault: "client",
                    message: "The public access block configuration was not found",
                    $metadata: {},
                }),
            );
            const outcome = await blockPublicBuckets(
                s3,
                { action: "blockPublicBucket", buckets: ["open", "closed", "bare"] },
                { mode: "dry-run", accountId: OWNER },
                testRun(),
            );
            assert.deepEqual(outcome, {
                status: "would act",
                details: [
                    "open: would turn on IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets",
                    "closed: public access already blocked",
                    "bare: would turn on BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets",
                ],
            });
            assert.deepEqual(
                mock.commandCalls(GetPublicAccessBlockCommand).map((c) => c.args[0].input),
                ["open", "closed", "bare"].map((Bucket) => ({ Bucket, ExpectedBucketOwner: OWNER })),
            );
            assert.equal(mock.commandCalls(PutPublicAccessBlockCommand).length, 0);
        });

        it("stops at the deadline naming the S3 call it did not make", async () => {
            // Catches a call's scope lost from the run report.
            const s3 = new S3Client({ region: "eu-west-1" });
            const mock = mockClient(s3);
            const target = { action: "blockPublicBucket" as const, buckets: ["open"] };
            await assert.rejects(
                blockPublicBuckets(s3, target, { mode: "act", accountId: OWNER }, testRun(0)),
                {
                    name: "DeadlineReached",
                    message:
                        "stopped before the time limit, before s3:GetPublicAccessBlock; the next run resumes",
                },
            );
            assert.equal(mock.calls().length, 0);
            const late = testRun(1_000);
            mock.on(GetPublicAccessBlockCommand).callsFake(() => {
                late.clock.now = 1_000;
                return { PublicAccessBlockConfiguration: {} };
            });
            await assert.rejects(blockPublicBuckets(s3, target, { mode: "act", accountId: OWNER }, late), {
                name: "DeadlineReached",
                message:
                    "stopped before the time limit, before s3:PutPublicAccessBlock; the next run resumes",
            });
            assert.equal(mock.commandCalls(PutPublicAccessBlockCommand).length, 0);
        });
    });

    describe("the ladder's exact decisions", () => {
        /** An exfiltration finding whose accessKeyDetails `edit` shapes (the fixture's are Root's). */
        const exfiltration = (edit: (d: FindingDetail & Json) => void) =>
            finding("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
                d.type = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS";
                d.severity = 8;
                edit(d);
            });
        const contain = ladderSettings({ containCredentials: { mode: "act" } });

        it("targets an IAM user's access key by kind, user and key", () => {
            // Catches the target's kind lost: the responder would not know to deactivate a key.
            const user = exfiltration((d) => {
                d.resource = {
                    resourceType: "AccessKey",
                    accessKeyDetails: { accessKeyId: "AKIAEXAMPLE1", userName: "ci", userType: "IAMUser" },
                };
            });
            assert.deepEqual(decide(user, contain), [
                {
                    action: "containCredentials",
                    mode: "act",
                    verdict: "act",
                    target: {
                        action: "containCredentials",
                        kind: "accessKey",
                        userName: "ci",
                        accessKeyId: "AKIAEXAMPLE1",
                    },
                },
            ] satisfies Decision[]);
        });

        it("skips, without throwing, a credentials finding that has no accessKeyDetails", () => {
            // Catches `key?.userType` read as `key.userType`: a TypeError would lose the finding's record.
            const bare = exfiltration((d) => {
                d.resource = { resourceType: "AccessKey" };
            });
            const noResource = exfiltration((d) => delete d.resource);
            const skipped: Decision[] = [
                {
                    action: "containCredentials",
                    mode: "act",
                    verdict: "skip",
                    reason: "credentials of type (missing) are not contained by this action (IAMUser keys and AssumedRole sessions are)",
                },
            ];
            assert.deepEqual(decide(bare, contain), skipped);
            assert.deepEqual(decide(noResource, contain), skipped);
        });

        it("lists every refused remote address, joined by '; '", () => {
            // Catches the reasons run together into one unreadable string.
            const both = maliciousCaller((d) => {
                const ip = d.service?.action?.networkConnectionAction?.remoteIpDetails;
                assert.ok(ip);
                ip.ipAddressV4 = "10.1.2.3";
                ip.ipAddressV6 = "fe80::1";
            });
            assert.deepEqual(decide(both, ladderSettings({ blockRemoteAddress: { mode: "act" } })), [
                {
                    action: "blockRemoteAddress",
                    mode: "act",
                    verdict: "skip",
                    reason: "no public remote address to block: 10.1.2.3 is private (RFC 1918); fe80::1 is link-local",
                },
            ] satisfies Decision[]);
        });

        it("drops empty names: an empty bucket name is no bucket, an empty subnet no subnet", () => {
            // Catches the empty-string filter lost: the responder would call S3 with Bucket "" or look
            // up a subnet "".
            const bucketFinding = (names: string[]) =>
                finding("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
                    d.type = "Policy:S3/BucketPublicAccessGranted";
                    d.resource = {
                        resourceType: "S3Bucket",
                        s3BucketDetails: names.map((name) => ({ name })),
                    };
                });
            const s = ladderSettings({ blockPublicBucket: { mode: "act" } });
            assert.deepEqual(decide(bucketFinding([""]), s), [
                {
                    action: "blockPublicBucket",
                    mode: "act",
                    verdict: "skip",
                    reason: "the finding names no bucket",
                },
            ] satisfies Decision[]);
            assert.deepEqual(decide(bucketFinding(["b-two", "", "b-one", "b-two"]), s), [
                {
                    action: "blockPublicBucket",
                    mode: "act",
                    verdict: "act",
                    target: { action: "blockPublicBucket", buckets: ["b-one", "b-two"] },
                },
            ] satisfies Decision[]);
            const noBuckets = finding("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
                d.type = "Policy:S3/BucketPublicAccessGranted";
                d.resource = { resourceType: "S3Bucket" };
            });
            assert.deepEqual(decide(noBuckets, s)[0].reason, "the finding names no bucket");

            const emptySubnet = maliciousCaller((d) => {
                for (const ni of d.resource?.instanceDetails?.networkInterfaces ?? []) ni.subnetId = "";
            });
            assert.deepEqual(decide(emptySubnet, ladderSettings({ blockRemoteAddress: { mode: "act" } })), [
                {
                    action: "blockRemoteAddress",
                    mode: "act",
                    verdict: "skip",
                    reason: "the finding names no subnet of the instance",
                },
            ] satisfies Decision[]);
            const subnet = maliciousCaller().resource?.instanceDetails?.networkInterfaces?.[0].subnetId;
            assert.ok(subnet);
            const onePlusEmpty = maliciousCaller((d) => {
                const nis = d.resource?.instanceDetails?.networkInterfaces ?? [];
                nis.push({ ...nis[0], networkInterfaceId: "eni-other", subnetId: "" });
            });
            assert.deepEqual(
                decide(onePlusEmpty, ladderSettings({ blockRemoteAddress: { mode: "act" } }))[0].target,
                {
                    action: "blockRemoteAddress",
                    addresses: [PUBLIC_IP],
                    subnets: [subnet],
                },
            );
        });
    });
});
