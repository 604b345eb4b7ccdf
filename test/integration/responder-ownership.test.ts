import { strict as assert } from "node:assert";
import {
    AuthorizeSecurityGroupIngressCommand,
    CreateSecurityGroupCommand,
    DescribeNetworkInterfacesCommand,
    DescribeSecurityGroupRulesCommand,
    DescribeSecurityGroupsCommand,
    EC2Client,
} from "@aws-sdk/client-ec2";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { handler } from "../../functions/response/handler";
import { QUARANTINE_GROUP, QUARANTINE_TAG } from "../../functions/response/network";
import { PUBLIC_IP } from "../helpers/response";
import { decideRequest, type Principal } from "./aws-gate";
import { blockEvent, isolateEvent, published } from "./events";
import { CONTEXT as context, onlyDecision, SWEEP, toldAbout } from "./runs";
import {
    aclEntry,
    aclOf,
    entries,
    expire,
    findingId,
    firstMatch,
    inbox,
    instance,
    network,
    records,
    type Inbox,
} from "./seed";
import { gatedWorld } from "./gated-world";
import { HOME, type Deployed, type World } from "./world";

/*
 * What the responder takes for its own, through the real handler under the planned roles: only what its records
 * in the findings bucket name, which only its role may write (the bucket's policy). Never a group by its name or
 * tag, never a customer's deny, never a rule a forged record names; and a deny is placed where it is the first
 * match, or reported as not placed. Outcomes are read through the emulator's API.
 */

const CUSTOMER_RULE = "in 50 deny 203.0.113.99/32";

describe("integration: what the responder takes for its own, under its planned roles", function () {
    this.timeout(120_000);
    const opened = gatedWorld();
    let w: World;
    let responder: Deployed;
    let bucket: string;
    let kmsKeyArn: string;
    let mail: Inbox;
    const member = () => w.workloads[0];
    const blocksOf = async (aclId: string) =>
        Object.keys(await records(w, bucket, `responses/blocks/${member()}/${HOME}/${aclId}-`)).sort();

    before(async () => {
        w = opened();
        responder = await w.deploy("responder");
        const settings = responder.settings as {
            records: { bucket: string; kmsKeyArn: string };
            topicArn: string;
        };
        bucket = settings.records.bucket;
        kmsKeyArn = settings.records.kmsKeyArn;
        mail = await inbox(w, settings.topicArn);
    });

    it("isolates into a group of its own: never a planted group with its old name and tag, never its recorded group once that gained a rule", async () => {
        const net = await network(w, member(), "10.41");
        const ec2 = await w.client(EC2Client, member(), HOME);
        const rulesOf = async (groupId: string) =>
            (
                await ec2.send(
                    new DescribeSecurityGroupRulesCommand({
                        Filters: [{ Name: "group-id", Values: [groupId] }],
                    }),
                )
            ).SecurityGroupRules ?? [];
        // Someone's group in the VPC with the quarantine group's former fixed name and its tag, allowing all.
        const planted = String(
            (
                await ec2.send(
                    new CreateSecurityGroupCommand({
                        GroupName: QUARANTINE_GROUP,
                        Description: "looks like the responder's",
                        VpcId: net.vpcId,
                        TagSpecifications: [{ ResourceType: "security-group", Tags: [QUARANTINE_TAG] }],
                    }),
                )
            ).GroupId,
        );
        await ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
                GroupId: planted,
                IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
            }),
        );
        const plantedRules = (await rulesOf(planted)).length;
        assert.ok(plantedRules >= 2, "the planted group allows all traffic in and out");
        const recordKey = `responses/quarantine/${member()}/${HOME}/${net.vpcId}.json`;
        const isolate = async (label: string) => {
            const target = await instance(w, member(), net);
            w.gate.calls.splice(0);
            const decision = onlyDecision(
                await responder.run(() =>
                    handler(published(w, isolateEvent(member(), findingId(label), net, target)), context),
                ),
            );
            assert.equal(decision.outcome?.status, "acted", JSON.stringify(decision));
            const moved = w.gate.calls
                .filter((c) => c.command === "ModifyNetworkInterfaceAttribute")
                .map((c) => c.input.Groups as string[]);
            const recorded = String((await records(w, bucket, recordKey))[recordKey]?.groupId);
            assert.deepEqual(moved, [[recorded]], "the interface is moved to the recorded group alone");
            const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [recorded] })))
                .SecurityGroups?.[0];
            assert.equal(group?.VpcId, net.vpcId);
            assert.match(String(group?.GroupName), new RegExp(`^${QUARANTINE_GROUP}-[0-9a-z]+$`));
            assert.deepEqual(await rulesOf(recorded), [], "no traffic in or out");
            // moto lists the launch group beside the new one (AWS replaces the set: the call above is checked
            // for that); the planted group is never among them.
            const eni = await ec2.send(
                new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [target.eniId] }),
            );
            const now = (eni.NetworkInterfaces?.[0]?.Groups ?? []).map((g) => g.GroupId);
            assert.ok(now.includes(recorded) && !now.includes(planted), JSON.stringify(now));
            return { group: recorded, details: decision.outcome?.details ?? [] };
        };

        const first = await isolate("planted");
        assert.notEqual(first.group, planted);
        assert.equal((await rulesOf(planted)).length, plantedRules, "the planted group is left as it is");

        // Its own group gains a rule: the next isolation in the VPC will not use it.
        await ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
                GroupId: first.group,
                IpPermissions: [
                    {
                        IpProtocol: "tcp",
                        FromPort: 22,
                        ToPort: 22,
                        IpRanges: [{ CidrIp: "198.51.100.0/24" }],
                    },
                ],
            }),
        );
        const second = await isolate("gained-rule");
        assert.ok(![first.group, planted].includes(second.group), second.group);
        assert.ok(
            second.details.some((d) => d.startsWith(`quarantine group ${first.group} has rules now`)),
            JSON.stringify(second.details),
        );
        await mail.read();
    });

    it("never lifts a customer's deny: one deciding the address is left and not recorded; forged records of rules 3 and 150 are refused or not lifted", async () => {
        const net = await network(w, member(), "10.42");
        const customer = [
            { rule: 3, action: "deny" as const, cidr: "198.51.100.33/32", egress: false },
            { rule: 5, action: "deny" as const, cidr: `${PUBLIC_IP}/32`, egress: false },
            { rule: 150, action: "deny" as const, cidr: "198.51.100.150/32", egress: false },
        ];
        for (const entry of customer) await aclEntry(w, member(), net.aclId, entry);
        const theirs = [
            "in 150 deny 198.51.100.150/32",
            "in 3 deny 198.51.100.33/32",
            "in 5 deny 185.220.101.7/32",
        ];
        const id = findingId("customer-deny");
        const decision = onlyDecision(
            await responder.run(() => handler(published(w, blockEvent(member(), id, net)), context)),
        );
        assert.equal(decision.outcome?.status, "acted", JSON.stringify(decision));
        assert.ok(
            decision.outcome?.details.some(
                (d) => d.includes("already denied by rule 5") && d.includes("never lifted"),
            ),
            JSON.stringify(decision.outcome?.details),
        );
        assert.deepEqual(entries((await aclOf(w, member(), net.subnetId)).Entries), [
            ...theirs,
            CUSTOMER_RULE,
            `out 1 deny ${PUBLIC_IP}/32`,
        ]);
        const block = (rule: number) => `responses/blocks/${member()}/${HOME}/${net.aclId}-${rule}-in.json`;
        assert.deepEqual(await blocksOf(net.aclId), [
            `responses/blocks/${member()}/${HOME}/${net.aclId}-1-out.json`,
        ]);

        // Someone else with every S3 permission on the bucket forges a record of rule 3: the bucket's policy
        // refuses it to every principal but the responder's role, which may write the same key.
        const forged = (rule: number, cidr: string) =>
            JSON.stringify({
                accountId: member(),
                region: HOME,
                block: { networkAclId: net.aclId, ruleNumber: rule, egress: false, cidr },
                findingId: `forged-${id}`,
                createdAt: new Date(0).toISOString(),
                expiresAt: new Date(0).toISOString(),
            });
        const keys = await w.userSession(w.security);
        const bucketArn = `arn:aws:s3:::${bucket}`;
        const editor: Principal = {
            arn: `arn:aws:iam::${w.security}:role/FindingsBucketEditor`,
            account: w.security,
            policies: [
                {
                    name: "bucket",
                    policy: {
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "EverythingOnTheBucket",
                                Effect: "Allow",
                                Action: "s3:*",
                                Resource: [bucketArn, `${bucketArn}/*`],
                            },
                            {
                                Sid: "ItsKey",
                                Effect: "Allow",
                                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                                Resource: kmsKeyArn,
                            },
                        ],
                    },
                },
            ],
        };
        w.settings.principals.set(keys.accessKeyId, editor);
        const s3 = new S3Client({ endpoint: w.endpoint, region: HOME, credentials: keys, maxAttempts: 1 });
        const put = (Key: string) =>
            s3.send(
                new PutObjectCommand({
                    Bucket: bucket,
                    Key,
                    Body: forged(3, "198.51.100.33/32"),
                    ServerSideEncryption: "aws:kms",
                    SSEKMSKeyId: kmsKeyArn,
                }),
            );
        await assert.rejects(put(block(3)), (e: Error) => e.name === "AccessDenied");
        const refused = w.gate.calls.find((c) => c.principal === editor.arn && c.input.Key === block(3));
        assert.deepEqual(
            refused?.requests.filter((r) => r.decision !== "Allowed").map((r) => `${r.action} ${r.decision}`),
            ["s3:PutObject ExplicitlyDenied"],
        );
        // The same principal may write elsewhere in the bucket, and the responder's role that very key.
        await put(`notes/${id}.json`);
        const denied = refused?.requests.find((r) => r.action === "s3:PutObject");
        assert.ok(denied);
        assert.equal(await decideRequest(w.settings, w.role("responder"), denied), "Allowed");
        // The refusal was the point: it is taken off the calls every test checks for refusals.
        w.gate.calls.splice(0);
        await assert.rejects(
            (await w.client(S3Client, w.security, HOME)).send(
                new GetObjectCommand({ Bucket: bucket, Key: block(3) }),
            ),
            (e: Error) => e.name === "NoSuchKey",
        );

        // A record of rule 150 put in place anyway (the emulator enforces no bucket policy): never the
        // responder's number, so never lifted. The responder's own deny expires with it.
        await (
            await w.client(S3Client, w.security, HOME)
        ).send(
            new PutObjectCommand({ Bucket: bucket, Key: block(150), Body: forged(150, "198.51.100.150/32") }),
        );
        await expire(w, bucket, `responses/blocks/${member()}/${HOME}/${net.aclId}-1-out.json`);
        const sweep = await responder.run(() => handler(SWEEP, context));
        assert.ok(sweep.kind === "sweep" && sweep.sweep.failed >= 1, JSON.stringify(sweep));
        assert.deepEqual(entries((await aclOf(w, member(), net.subnetId)).Entries), [
            ...theirs,
            CUSTOMER_RULE,
        ]);
        assert.deepEqual(
            await blocksOf(net.aclId),
            [],
            "the forged record is dropped, the lifted one forgotten",
        );
        const told = await toldAbout(mail, `forged-${id}`);
        assert.deepEqual(
            told.map((m) => m.subject.split(":")[0]),
            ["FAILED TO LIFT"],
        );
        assert.match(told[0].message, /outside the responder's rule numbers 1-99/);
        await mail.read();
    });

    it("places the deny above the entry that lets the address in first, or says it is NOT blocked when no number is free below it", async () => {
        // Rule 1 is a customer's (another range), rule 2 allows everyone: nothing below 2 is free.
        const full = await network(w, member(), "10.43");
        for (const egress of [false, true]) {
            await aclEntry(w, member(), full.aclId, {
                rule: 1,
                action: "allow",
                cidr: "192.0.2.0/24",
                egress,
            });
            await aclEntry(w, member(), full.aclId, { rule: 2, action: "allow", cidr: "0.0.0.0/0", egress });
        }
        const before = entries((await aclOf(w, member(), full.subnetId)).Entries);
        const id = findingId("no-room");
        const failed = onlyDecision(
            await responder.run(() => handler(published(w, blockEvent(member(), id, full)), context)),
        );
        assert.equal(failed.outcome?.status, "failed");
        assert.equal(
            failed.outcome?.details.filter((d) =>
                d.includes(`${PUBLIC_IP} NOT blocked: rule 2 (allow 0.0.0.0/0`),
            ).length,
            2,
            JSON.stringify(failed.outcome?.details),
        );
        const acl = await aclOf(w, member(), full.subnetId);
        assert.deepEqual(entries(acl.Entries), before);
        for (const egress of [false, true])
            assert.equal(firstMatch(acl.Entries, egress, PUBLIC_IP), "2 allow 0.0.0.0/0 protocol -1");
        assert.deepEqual(await blocksOf(full.aclId), []);
        assert.deepEqual(Object.keys(await records(w, bucket, `responses/done/${member()}/${id}/`)), []);
        assert.deepEqual(
            (await toldAbout(mail, id)).map((m) => m.subject.split(":")[0]),
            ["FAILED"],
        );

        // Rule 3 allows everyone, rule 1 is taken, 2 is free: the deny goes there, and is what the address meets.
        const room = await network(w, member(), "10.44");
        for (const egress of [false, true]) {
            await aclEntry(w, member(), room.aclId, {
                rule: 1,
                action: "allow",
                cidr: "192.0.2.0/24",
                egress,
            });
            await aclEntry(w, member(), room.aclId, { rule: 3, action: "allow", cidr: "0.0.0.0/0", egress });
        }
        const placed = onlyDecision(
            await responder.run(() =>
                handler(published(w, blockEvent(member(), findingId("below"), room)), context),
            ),
        );
        assert.equal(placed.outcome?.status, "acted", JSON.stringify(placed));
        const after = await aclOf(w, member(), room.subnetId);
        for (const egress of [false, true])
            assert.equal(firstMatch(after.Entries, egress, PUBLIC_IP), `2 deny ${PUBLIC_IP}/32 protocol -1`);
        assert.deepEqual(await blocksOf(room.aclId), [
            `responses/blocks/${member()}/${HOME}/${room.aclId}-2-in.json`,
            `responses/blocks/${member()}/${HOME}/${room.aclId}-2-out.json`,
        ]);
        await mail.read();
    });
});
