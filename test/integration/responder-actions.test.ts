import { strict as assert } from "node:assert";
import {
    DescribeInstancesCommand,
    DescribeNetworkInterfacesCommand,
    DescribeSecurityGroupRulesCommand,
    DescribeSecurityGroupsCommand,
    DescribeSnapshotsCommand,
    EC2Client,
    TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
    CreateAccessKeyCommand,
    CreateRoleCommand,
    CreateUserCommand,
    GetRolePolicyCommand,
    IAMClient,
    ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import { CreateBucketCommand, GetPublicAccessBlockCommand, S3Client } from "@aws-sdk/client-s3";
import { handler, type ResponderResult } from "../../functions/response/handler";
import { FINDING_TAG_KEY, QUARANTINE_GROUP, QUARANTINE_TAG } from "../../functions/response/network";
import { bucketEvent, credentialsEvent, isolateEvent, published } from "./events";
import { CONTEXT as context, onlyDecision } from "./runs";
import { findingId, inbox, instance, network, records, type Inbox } from "./seed";
import { gatedWorld } from "./gated-world";
import { HOME, type Deployed, type World } from "./world";

/*
 * The responder's instance, credential and bucket actions in a member account, acting and rehearsing, through
 * the real handler under the planned roles, for findings the administrator's GuardDuty holds; each outcome read
 * back through the emulator's API.
 */

function outcome(result: ResponderResult): { status: string; details: string[] } {
    const decision = onlyDecision(result);
    assert.ok(decision.outcome, JSON.stringify(decision));
    return decision.outcome;
}

describe("integration: the responder's instance, credential and bucket actions, under its planned roles", function () {
    this.timeout(120_000);
    const opened = gatedWorld();
    let w: World;
    let acting: Deployed;
    let rehearsing: Deployed;
    let mail: Inbox;
    let bucket: string;
    const member = () => w.workloads[0];

    before(async () => {
        w = opened();
        acting = await w.deploy("responder");
        rehearsing = await w.deploy("responder", (s) => {
            const remediation = s.remediation as Record<string, { mode: string }>;
            for (const rung of ["isolateInstance", "containCredentials", "blockPublicBucket"])
                remediation[rung].mode = "dry-run";
        });
        const settings = acting.settings as { records: { bucket: string }; topicArn: string };
        bucket = settings.records.bucket;
        mail = await inbox(w, settings.topicArn);
    });

    it("isolates an instance: evidence snapshots tagged, a quarantine group with no rules, its interface moved, tagged, stopped", async () => {
        const net = await network(w, member(), "10.21");
        const target = await instance(w, member(), net);
        const id = findingId("isolate");
        const result = await acting.run(() =>
            handler(published(w, isolateEvent(member(), id, net, target)), context),
        );
        assert.equal(outcome(result).status, "acted", JSON.stringify(result));
        const ec2 = await w.client(EC2Client, member(), HOME);
        // The group it made is the one it recorded for the VPC, under a name of its own.
        const key = `responses/quarantine/${member()}/${HOME}/${net.vpcId}.json`;
        const recorded = (await records(w, bucket, key))[key];
        assert.ok(recorded, "the VPC's quarantine group is recorded");
        const groups = await ec2.send(
            new DescribeSecurityGroupsCommand({ GroupIds: [String(recorded.groupId)] }),
        );
        const group = groups.SecurityGroups?.[0];
        assert.ok(group?.GroupId);
        assert.equal(group.VpcId, net.vpcId);
        assert.match(String(group.GroupName), new RegExp(`^${QUARANTINE_GROUP}-[0-9a-z]+$`));
        assert.deepEqual(group.Tags, [QUARANTINE_TAG]);
        const rules = await ec2.send(
            new DescribeSecurityGroupRulesCommand({
                Filters: [{ Name: "group-id", Values: [group.GroupId] }],
            }),
        );
        assert.deepEqual(rules.SecurityGroupRules ?? [], [], "no traffic in or out");
        // moto shows an instance's interface with the new groups and its launch groups together (AWS replaces the
        // set): the call sent is checked for the replacement, the interface for the quarantine group.
        const modified = w.gate.calls.filter((c) => c.command === "ModifyNetworkInterfaceAttribute");
        assert.deepEqual(
            modified.map((c) => c.input.Groups),
            [[group.GroupId]],
        );
        const eni = await ec2.send(
            new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [target.eniId] }),
        );
        assert.ok((eni.NetworkInterfaces?.[0]?.Groups ?? []).some((g) => g.GroupId === group.GroupId));
        const snapshots = await ec2.send(
            new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${FINDING_TAG_KEY}`, Values: [id] }] }),
        );
        assert.equal((snapshots.Snapshots ?? []).length, 1, "one snapshot per attached volume");
        const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [target.instanceId] }));
        const after = described.Reservations?.[0]?.Instances?.[0];
        assert.equal(after?.State?.Name, "stopped");
        assert.ok((after?.Tags ?? []).some((t) => t.Key === FINDING_TAG_KEY && t.Value === id));
        const told = (await mail.read()).filter((m) => m.message.includes(id));
        assert.deepEqual(
            told.map((m) => m.subject.split(":")[0]),
            ["ACTED"],
        );
    });

    it("rehearses an isolation: every change sent with DryRun, nothing changed, no group made", async () => {
        const net = await network(w, member(), "10.22");
        const target = await instance(w, member(), net);
        const id = findingId("isolate-dry");
        const result = await rehearsing.run(() =>
            handler(published(w, isolateEvent(member(), id, net, target)), context),
        );
        assert.equal(outcome(result).status, "would act", JSON.stringify(result));
        const ec2 = await w.client(EC2Client, member(), HOME);
        const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [target.instanceId] }));
        assert.equal(described.Reservations?.[0]?.Instances?.[0]?.State?.Name, "running");
        // The VPC holds its default group alone, and no quarantine group is recorded.
        const groups = await ec2.send(
            new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [net.vpcId] }] }),
        );
        assert.deepEqual(
            (groups.SecurityGroups ?? []).map((g) => g.GroupName),
            ["default"],
        );
        assert.deepEqual(
            await records(w, bucket, `responses/quarantine/${member()}/${HOME}/${net.vpcId}`),
            {},
        );
        const snapshots = await ec2.send(
            new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${FINDING_TAG_KEY}`, Values: [id] }] }),
        );
        assert.deepEqual(snapshots.Snapshots ?? [], []);
        // The group's creation, the evidence and the tag are rehearsed; the move waits for the group, and the stop
        // for the tag, since the member role allows neither before them.
        const changing = w.gate.calls.filter((c) =>
            [
                "CreateSecurityGroup",
                "CreateSnapshots",
                "ModifyNetworkInterfaceAttribute",
                "CreateTags",
                "StopInstances",
            ].includes(c.command),
        );
        assert.deepEqual(
            changing.map((c) => `${c.command} ${String(c.input.DryRun)} ${c.outcome}`),
            [
                "CreateSecurityGroup true DryRunOperation",
                "CreateSnapshots true DryRunOperation",
                "CreateTags true DryRunOperation",
            ],
        );
    });

    it("an instance terminated before the event is TARGET GONE, settled, and touches nothing", async () => {
        const net = await network(w, member(), "10.23");
        const target = await instance(w, member(), net);
        const ec2 = await w.client(EC2Client, member(), HOME);
        await ec2.send(new TerminateInstancesCommand({ InstanceIds: [target.instanceId] }));
        const id = findingId("isolate-gone");
        const result = await acting.run(() =>
            handler(published(w, isolateEvent(member(), id, net, target)), context),
        );
        assert.deepEqual(outcome(result), {
            status: "gone",
            details: [`instance ${target.instanceId} is terminated`],
        });
        assert.deepEqual(
            w.gate.calls
                .filter((c) => c.principal.endsWith(`:role/security-governance-responder`))
                .map((c) => c.command),
            ["DescribeInstances"],
        );
        const told = (await mail.read()).filter((m) => m.message.includes(id));
        assert.deepEqual(
            told.map((m) => m.subject.split(":")[0]),
            ["TARGET GONE"],
        );
    });

    it("contains credentials: an IAM user's key deactivated, a role's older sessions revoked; rehearsed, nothing changes", async () => {
        const iam = await w.client(IAMClient, member(), HOME);
        const user = `ci-${Date.now().toString(36)}`;
        await iam.send(new CreateUserCommand({ UserName: user }));
        const key = String(
            (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey?.AccessKeyId,
        );
        const keyEvent = (label: string) =>
            published(
                w,
                credentialsEvent(member(), findingId(label), {
                    userType: "IAMUser",
                    userName: user,
                    accessKeyId: key,
                }),
            );
        assert.equal(
            outcome(await rehearsing.run(() => handler(keyEvent("key-dry"), context))).status,
            "would act",
        );
        const status = async () =>
            (await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata?.[0]?.Status;
        assert.equal(await status(), "Active");
        assert.equal(outcome(await acting.run(() => handler(keyEvent("key"), context))).status, "acted");
        assert.equal(await status(), "Inactive");

        const role = `app-${Date.now().toString(36)}`;
        await iam.send(
            new CreateRoleCommand({
                RoleName: role,
                AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
            }),
        );
        const before = Date.now();
        const roleEvent = published(
            w,
            credentialsEvent(member(), findingId("role"), {
                userType: "AssumedRole",
                userName: role,
                accessKeyId: "ASIAEXAMPLE",
            }),
        );
        assert.equal(outcome(await acting.run(() => handler(roleEvent, context))).status, "acted");
        const policy = await iam.send(
            new GetRolePolicyCommand({ RoleName: role, PolicyName: "AWSRevokeOlderSessions" }),
        );
        const document = JSON.parse(decodeURIComponent(String(policy.PolicyDocument))) as {
            Statement: { Effect: string; Condition: { DateLessThan: { "aws:TokenIssueTime": string } } }[];
        };
        assert.equal(document.Statement[0].Effect, "Deny");
        assert.ok(
            Date.parse(document.Statement[0].Condition.DateLessThan["aws:TokenIssueTime"]) >= before - 1000,
        );
        // The user deleted since: nothing left to contain (IAM's NoSuchEntity), settled as gone.
        const ghost = published(
            w,
            credentialsEvent(member(), findingId("ghost"), {
                userType: "IAMUser",
                userName: "deleted-user",
                accessKeyId: "AKIAGHOST0000000000",
            }),
        );
        assert.equal(outcome(await acting.run(() => handler(ghost, context))).status, "gone");
    });

    it("closes a public bucket with all four settings; a rehearsal leaves it as it is", async () => {
        const s3 = await w.client(S3Client, member(), HOME);
        const name = `member-public-${Date.now().toString(36)}`;
        await s3.send(new CreateBucketCommand({ Bucket: name }));
        const read = () => s3.send(new GetPublicAccessBlockCommand({ Bucket: name }));
        assert.equal(
            outcome(
                await rehearsing.run(() =>
                    handler(published(w, bucketEvent(member(), findingId("bucket-dry"), [name])), context),
                ),
            ).status,
            "would act",
        );
        await assert.rejects(read(), (e: Error) => e.name === "NoSuchPublicAccessBlockConfiguration");
        assert.equal(
            outcome(
                await acting.run(() =>
                    handler(published(w, bucketEvent(member(), findingId("bucket"), [name])), context),
                ),
            ).status,
            "acted",
        );
        assert.deepEqual((await read()).PublicAccessBlockConfiguration, {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
        });
        const gone = await acting.run(() =>
            handler(
                published(w, bucketEvent(member(), findingId("bucket-gone"), [`${name}-deleted`])),
                context,
            ),
        );
        assert.equal(outcome(gone).status, "gone");
    });
});
