import { strict as assert } from "node:assert";
import {
    CreateNetworkAclEntryCommand,
    DeleteNetworkAclEntryCommand,
    DescribeNetworkAclsCommand,
    EC2Client,
    EC2ServiceException,
    type CreateNetworkAclEntryCommandInput,
    type NetworkAclEntry,
} from "@aws-sdk/client-ec2";
import {
    IAMClient,
    ListAccessKeysCommand,
    PutRolePolicyCommand,
    UpdateAccessKeyCommand,
    type PutRolePolicyCommandInput,
} from "@aws-sdk/client-iam";
import {
    GetPublicAccessBlockCommand,
    PutPublicAccessBlockCommand,
    S3Client,
    S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { blockPublicBuckets, containCredentials, REVOKE_POLICY_NAME } from "../functions/response/access";
import { blockRemoteAddresses, liftBlock } from "../functions/response/network";
import { blockOptions } from "./helpers/response-world";
import { testRun } from "./helpers/run";

/*
 * Each rung against aws-sdk-client-mock with the EC2, IAM and S3 request and response shapes: the full ACL,
 * the instance already isolated, the key already inactive, a bucket with no public access block, and the
 * dry runs, which must change nothing.
 */

const ATTACKER = "185.220.101.7";
const ACL = "acl-0123456789abcdef0";
const SUBNET = "subnet-0123456789abcdef0";

/** EC2 answers a DryRun call that would succeed with this error (EC2 API reference, DryRun). */
function ec2Error(name: string): EC2ServiceException {
    return new EC2ServiceException({ name, $fault: "client", message: name, $metadata: {} });
}

/** An ACL with the default allow at 100 and the `*` deny, in both directions, plus `extra`. */
function acl(extra: NetworkAclEntry[] = []) {
    const base: NetworkAclEntry[] = [false, true].flatMap((Egress) => [
        { RuleNumber: 100, Protocol: "-1", RuleAction: "allow", Egress, CidrBlock: "0.0.0.0/0" },
        { RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress, CidrBlock: "0.0.0.0/0" },
    ]);
    return { NetworkAcls: [{ NetworkAclId: ACL, Entries: [...base, ...extra] }] };
}

const block = { action: "blockRemoteAddress" as const, addresses: [ATTACKER], subnets: [SUBNET] };

describe("the response actions", () => {
    describe("blockRemoteAddress", () => {
        it("denies the address in and out at the lowest free responder rule, found by the subnet's association", async () => {
            const ec2 = new EC2Client({ region: "eu-west-1" });
            const mock = mockClient(ec2);
            mock.on(DescribeNetworkAclsCommand).resolves(
                acl([
                    {
                        RuleNumber: 1,
                        Protocol: "6",
                        RuleAction: "allow",
                        Egress: false,
                        CidrBlock: "10.0.0.0/8",
                    },
                ]),
            );
            mock.on(CreateNetworkAclEntryCommand).resolves({});
            const outcome = await blockRemoteAddresses(ec2, block, blockOptions("act"), testRun());
            assert.equal(outcome.status, "acted");
            assert.deepEqual(mock.commandCalls(DescribeNetworkAclsCommand)[0].args[0].input.Filters, [
                { Name: "association.subnet-id", Values: [SUBNET] },
            ]);
            const created = mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input);
            assert.deepEqual(created, [
                {
                    NetworkAclId: ACL,
                    RuleNumber: 2,
                    Protocol: "-1",
                    RuleAction: "deny",
                    Egress: false,
                    CidrBlock: `${ATTACKER}/32`,
                    DryRun: false,
                },
                {
                    NetworkAclId: ACL,
                    RuleNumber: 1,
                    Protocol: "-1",
                    RuleAction: "deny",
                    Egress: true,
                    CidrBlock: `${ATTACKER}/32`,
                    DryRun: false,
                },
            ] satisfies CreateNetworkAclEntryCommandInput[]);
            assert.deepEqual(outcome.blocks, [
                { networkAclId: ACL, ruleNumber: 2, egress: false, cidr: `${ATTACKER}/32` },
                { networkAclId: ACL, ruleNumber: 1, egress: true, cidr: `${ATTACKER}/32` },
            ]);
        });

        it("blocks an IPv6 address as a /128 in Ipv6CidrBlock", async () => {
            const ec2 = new EC2Client({ region: "eu-west-1" });
            const mock = mockClient(ec2);
            mock.on(DescribeNetworkAclsCommand).resolves(acl());
            mock.on(CreateNetworkAclEntryCommand).resolves({});
            await blockRemoteAddresses(
                ec2,
                { ...block, addresses: ["2a00:1450::1"] },
                blockOptions("act"),
                testRun(),
            );
            const [first] = mock.commandCalls(CreateNetworkAclEntryCommand).map((c) => c.args[0].input);
            assert.equal(first.Ipv6CidrBlock, "2a00:1450::1/128");
            assert.equal(first.CidrBlock, undefined);
        });

        it("in dry-run sends DryRun and counts DryRunOperation as 'would act', creating nothing", async () => {
            const ec2 = new EC2Client({ region: "eu-west-1" });
            const mock = mockClient(ec2);
            mock.on(DescribeNetworkAclsCommand).resolves(acl());
            mock.on(CreateNetworkAclEntryCommand).rejects(ec2Error("DryRunOperation"));
            const outcome = await blockRemoteAddresses(ec2, block, blockOptions("dry-run"), testRun());
            assert.equal(outcome.status, "would act");
            assert.equal(outcome.blocks, undefined);
            assert.ok(
                mock.commandCalls(CreateNetworkAclEntryCommand).every((c) => c.args[0].input.DryRun === true),
            );
            mock.on(CreateNetworkAclEntryCommand).rejects(ec2Error("UnauthorizedOperation"));
            const denied = await blockRemoteAddresses(ec2, block, blockOptions("dry-run"), testRun());
            assert.equal(denied.status, "failed");
            assert.match(denied.details[0], /NOT blocked: UnauthorizedOperation/);
        });

        it("leaves an address already denied alone, and reports a full ACL or no free number", async () => {
            const ec2 = new EC2Client({ region: "eu-west-1" });
            const mock = mockClient(ec2);
            const denied = [false, true].map((Egress) => ({
                RuleNumber: 7,
                Protocol: "-1",
                RuleAction: "deny" as const,
                Egress,
                CidrBlock: `${ATTACKER}/32`,
            }));
            mock.on(DescribeNetworkAclsCommand).resolves(acl(denied));
            const again = await blockRemoteAddresses(ec2, block, blockOptions("act"), testRun());
            assert.equal(again.status, "already done");
            assert.equal(mock.commandCalls(CreateNetworkAclEntryCommand).length, 0);

            mock.on(DescribeNetworkAclsCommand).resolves(acl());
            mock.on(CreateNetworkAclEntryCommand).rejects(ec2Error("NetworkAclEntryLimitExceeded"));
            const full = await blockRemoteAddresses(ec2, block, blockOptions("act"), testRun());
            assert.equal(full.status, "failed");
            assert.match(full.details[0], /the network ACL is full/);

            const taken = Array.from({ length: 99 }, (_, i) => ({
                RuleNumber: i + 1,
                Protocol: "-1",
                RuleAction: "allow" as const,
                Egress: false,
                CidrBlock: `10.0.${i}.0/24`,
            }));
            mock.on(DescribeNetworkAclsCommand).resolves(acl(taken));
            mock.on(CreateNetworkAclEntryCommand).resolves({});
            const crowded = await blockRemoteAddresses(ec2, block, blockOptions("act"), testRun());
            assert.equal(crowded.status, "failed");
            assert.ok(
                crowded.details.includes(
                    `${ACL}: inbound from ${ATTACKER} NOT blocked: no free rule number in 1-99`,
                ),
            );
        });

        it("lifts only the responder's own deny, still as it left it", async () => {
            const ec2 = new EC2Client({ region: "eu-west-1" });
            const mock = mockClient(ec2);
            const mine = { networkAclId: ACL, ruleNumber: 2, egress: false, cidr: `${ATTACKER}/32` };
            mock.on(DescribeNetworkAclsCommand).resolves(
                acl([
                    {
                        RuleNumber: 2,
                        Protocol: "-1",
                        RuleAction: "deny",
                        Egress: false,
                        CidrBlock: `${ATTACKER}/32`,
                    },
                ]),
            );
            mock.on(DeleteNetworkAclEntryCommand).resolves({});
            assert.equal(await liftBlock(ec2, mine, testRun()), "lifted");
            assert.deepEqual(mock.commandCalls(DeleteNetworkAclEntryCommand)[0].args[0].input, {
                NetworkAclId: ACL,
                RuleNumber: 2,
                Egress: false,
            });
            mock.on(DescribeNetworkAclsCommand).resolves(
                acl([
                    {
                        RuleNumber: 2,
                        Protocol: "-1",
                        RuleAction: "allow",
                        Egress: false,
                        CidrBlock: "10.0.0.0/8",
                    },
                ]),
            );
            assert.equal(await liftBlock(ec2, mine, testRun()), "replaced");
            mock.on(DescribeNetworkAclsCommand).resolves(acl());
            assert.equal(await liftBlock(ec2, mine, testRun()), "gone");
            assert.equal(mock.commandCalls(DeleteNetworkAclEntryCommand).length, 1);
        });
    });

    describe("containCredentials", () => {
        const key = {
            action: "containCredentials" as const,
            kind: "accessKey" as const,
            userName: "ci",
            accessKeyId: "AKIAEXAMPLE1",
        };

        it("deactivates an active key, leaves an inactive one, and only reads in dry-run", async () => {
            const iam = new IAMClient({ region: "us-east-1" });
            const mock = mockClient(iam);
            mock.on(ListAccessKeysCommand).resolves({
                AccessKeyMetadata: [{ UserName: "ci", AccessKeyId: "AKIAEXAMPLE1", Status: "Active" }],
            });
            mock.on(UpdateAccessKeyCommand).resolves({});
            const now = new Date("2026-12-01T22:00:00Z");
            assert.equal(
                (await containCredentials(iam, key, { mode: "dry-run", now }, testRun())).status,
                "would act",
            );
            assert.equal(mock.commandCalls(UpdateAccessKeyCommand).length, 0);
            assert.equal(
                (await containCredentials(iam, key, { mode: "act", now }, testRun())).status,
                "acted",
            );
            assert.deepEqual(mock.commandCalls(UpdateAccessKeyCommand)[0].args[0].input, {
                UserName: "ci",
                AccessKeyId: "AKIAEXAMPLE1",
                Status: "Inactive",
            });
            mock.on(ListAccessKeysCommand).resolves({
                AccessKeyMetadata: [{ UserName: "ci", AccessKeyId: "AKIAEXAMPLE1", Status: "Inactive" }],
            });
            assert.equal(
                (await containCredentials(iam, key, { mode: "act", now }, testRun())).status,
                "already done",
            );
            // A deleted key can never be used again: settled as gone, not retried as a failure.
            mock.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [] });
            assert.equal(
                (await containCredentials(iam, key, { mode: "act", now }, testRun())).status,
                "gone",
            );
            assert.equal(mock.commandCalls(UpdateAccessKeyCommand).length, 1);
        });

        it("finds the finding's key among the user's, and reports IAM's refusal", async () => {
            const iam = new IAMClient({ region: "us-east-1" });
            const mock = mockClient(iam);
            mock.on(ListAccessKeysCommand).resolves({
                AccessKeyMetadata: [
                    { UserName: "ci", AccessKeyId: "AKIAOTHER000", Status: "Inactive" },
                    { UserName: "ci", AccessKeyId: "AKIAEXAMPLE1", Status: "Active" },
                ],
            });
            mock.on(UpdateAccessKeyCommand).rejects(
                Object.assign(new Error("User: x is not authorized"), { name: "AccessDenied" }),
            );
            const now = new Date("2026-12-01T22:00:00Z");
            const outcome = await containCredentials(iam, key, { mode: "act", now }, testRun());
            assert.deepEqual(outcome, {
                status: "failed",
                details: ["AccessDenied: User: x is not authorized"],
            });
            assert.deepEqual(mock.commandCalls(ListAccessKeysCommand)[0].args[0].input, { UserName: "ci" });
            const role = {
                action: "containCredentials" as const,
                kind: "roleSessions" as const,
                roleName: "app",
            };
            const rehearsal = await containCredentials(iam, role, { mode: "dry-run", now }, testRun());
            assert.deepEqual(rehearsal, {
                status: "would act",
                details: ["sessions of role app issued before 2026-12-01T22:00:00.000Z would be revoked"],
            });
            assert.equal(mock.commandCalls(PutRolePolicyCommand).length, 0);
        });

        it("revokes a role's older sessions with the documented deny on aws:TokenIssueTime", async () => {
            const iam = new IAMClient({ region: "us-east-1" });
            const mock = mockClient(iam);
            mock.on(PutRolePolicyCommand).resolves({});
            const now = new Date("2026-12-01T22:00:00Z");
            const role = {
                action: "containCredentials" as const,
                kind: "roleSessions" as const,
                roleName: "app",
            };
            assert.equal(
                (await containCredentials(iam, role, { mode: "act", now }, testRun())).status,
                "acted",
            );
            const input = mock.commandCalls(PutRolePolicyCommand)[0].args[0]
                .input as PutRolePolicyCommandInput;
            assert.equal(input.RoleName, "app");
            assert.equal(input.PolicyName, REVOKE_POLICY_NAME);
            assert.deepEqual(JSON.parse(input.PolicyDocument ?? "{}"), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Deny",
                        Action: ["*"],
                        Resource: ["*"],
                        Condition: { DateLessThan: { "aws:TokenIssueTime": "2026-12-01T22:00:00.000Z" } },
                    },
                ],
            });
        });
    });

    describe("blockPublicBucket", () => {
        const target = { action: "blockPublicBucket" as const, buckets: ["open", "closed", "bare"] };

        it("turns on all four settings where any is off or none exists, naming the owner it expects", async () => {
            const s3 = new S3Client({ region: "eu-west-1" });
            const mock = mockClient(s3);
            mock.on(GetPublicAccessBlockCommand, { Bucket: "open" }).resolves({
                PublicAccessBlockConfiguration: {
                    BlockPublicAcls: true,
                    IgnorePublicAcls: true,
                    BlockPublicPolicy: false,
                },
            });
            mock.on(GetPublicAccessBlockCommand, { Bucket: "closed" }).resolves({
                PublicAccessBlockConfiguration: {
                    BlockPublicAcls: true,
                    IgnorePublicAcls: true,
                    BlockPublicPolicy: true,
                    RestrictPublicBuckets: true,
                },
            });
            mock.on(GetPublicAccessBlockCommand, { Bucket: "bare" }).rejects(
                new S3ServiceException({
                    name: "NoSuchPublicAccessBlockConfiguration",
                    $fault: "client",
                    message: "The public access block configuration was not found",
                    $metadata: {},
                }),
            );
            mock.on(PutPublicAccessBlockCommand).resolves({});
            const outcome = await blockPublicBuckets(
                s3,
                target,
                { mode: "act", accountId: "444444444444" },
                testRun(),
            );
            assert.equal(outcome.status, "acted");
            const puts = mock.commandCalls(PutPublicAccessBlockCommand).map((c) => c.args[0].input);
            assert.deepEqual(
                puts.map((p) => p.Bucket),
                ["open", "bare"],
            );
            for (const put of puts) {
                assert.equal(put.ExpectedBucketOwner, "444444444444");
                assert.deepEqual(put.PublicAccessBlockConfiguration, {
                    BlockPublicAcls: true,
                    IgnorePublicAcls: true,
                    BlockPublicPolicy: true,
                    RestrictPublicBuckets: true,
                });
            }
            assert.ok(outcome.details.includes("open: turned on BlockPublicPolicy, RestrictPublicBuckets"));
            assert.ok(outcome.details.includes("closed: public access already blocked"));
            assert.deepEqual(outcome.details, [
                "open: turned on BlockPublicPolicy, RestrictPublicBuckets",
                "closed: public access already blocked",
                "bare: turned on BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets",
            ]);
            const rehearsal = await blockPublicBuckets(
                s3,
                target,
                { mode: "dry-run", accountId: "444444444444" },
                testRun(),
            );
            assert.equal(rehearsal.status, "would act");
            assert.equal(mock.commandCalls(PutPublicAccessBlockCommand).length, 2);
        });

        it("reports a refused bucket and still closes the others; a bucket already closed changes nothing", async () => {
            const s3 = new S3Client({ region: "eu-west-1" });
            const mock = mockClient(s3);
            mock.on(GetPublicAccessBlockCommand, { Bucket: "theirs" }).rejects(
                new S3ServiceException({
                    name: "AccessDenied",
                    $fault: "client",
                    message: "Access Denied",
                    $metadata: {},
                }),
            );
            mock.on(GetPublicAccessBlockCommand, { Bucket: "open" }).resolves({
                PublicAccessBlockConfiguration: {},
            });
            mock.on(PutPublicAccessBlockCommand).resolves({});
            const outcome = await blockPublicBuckets(
                s3,
                { action: "blockPublicBucket", buckets: ["theirs", "open"] },
                { mode: "act", accountId: "444444444444" },
                testRun(),
            );
            assert.equal(outcome.status, "failed");
            assert.deepEqual(outcome.details[0], "theirs: AccessDenied: Access Denied");
            assert.equal(mock.commandCalls(PutPublicAccessBlockCommand).length, 1);
            mock.on(GetPublicAccessBlockCommand).resolves({
                PublicAccessBlockConfiguration: {
                    BlockPublicAcls: true,
                    IgnorePublicAcls: true,
                    BlockPublicPolicy: true,
                    RestrictPublicBuckets: true,
                },
            });
            const closed = await blockPublicBuckets(
                s3,
                { action: "blockPublicBucket", buckets: ["open"] },
                { mode: "act", accountId: "444444444444" },
                testRun(),
            );
            assert.deepEqual(closed, {
                status: "already done",
                details: ["open: public access already blocked"],
            });
        });
    });
});
