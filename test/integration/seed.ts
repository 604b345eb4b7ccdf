import {
    CreateNetworkAclEntryCommand,
    CreateSubnetCommand,
    CreateVpcCommand,
    DescribeNetworkAclsCommand,
    EC2Client,
    RunInstancesCommand,
    type NetworkAclEntry,
} from "@aws-sdk/client-ec2";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import { SNSClient } from "@aws-sdk/client-sns";
import {
    CreateQueueCommand,
    DeleteMessageCommand,
    GetQueueAttributesCommand,
    ReceiveMessageCommand,
    SQSClient,
} from "@aws-sdk/client-sqs";
import ipaddr from "ipaddr.js";
import type { Json } from "../helpers/response";
import { HOME, type World } from "./world";

/*
 * Realistic state for the responder, made through the emulator's API in a member account, and the ways a test
 * reads back what happened: the records in the findings bucket, the messages on the alert topic (through an SQS
 * queue subscribed to it, as a person's mail would be), the network ACLs. The findings themselves, as GuardDuty
 * sends them, are events.ts's.
 */

let counter = 0;
/** A finding ID no other test uses: records are keyed by it. */
export function findingId(label: string): string {
    counter++;
    return `${label}-${Date.now().toString(36)}-${counter}`;
}

export interface Network {
    vpcId: string;
    subnetId: string;
    aclId: string;
}

/** A VPC with one subnet, in the subnet's default network ACL, and a customer's own deny at rule 50. */
export async function network(w: World, account: string, cidr: string): Promise<Network> {
    const ec2 = await w.client(EC2Client, account, HOME);
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: `${cidr}.0.0/16` }));
    const vpcId = String(vpc.Vpc?.VpcId);
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `${cidr}.1.0/24` }));
    const subnetId = String(subnet.Subnet?.SubnetId);
    const acl = await aclOf(w, account, subnetId);
    await ec2.send(
        new CreateNetworkAclEntryCommand({
            NetworkAclId: acl.NetworkAclId,
            RuleNumber: 50,
            Protocol: "-1",
            RuleAction: "deny",
            Egress: false,
            CidrBlock: "203.0.113.99/32",
        }),
    );
    return { vpcId, subnetId, aclId: String(acl.NetworkAclId) };
}

export async function aclOf(w: World, account: string, subnetId: string) {
    const ec2 = await w.client(EC2Client, account, HOME);
    const out = await ec2.send(
        new DescribeNetworkAclsCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnetId] }] }),
    );
    const acl = out.NetworkAcls?.[0];
    if (acl === undefined) throw new Error(`no ACL for ${subnetId}`);
    return acl;
}

/** The entries of an ACL, as "<in|out> <number> <action> <cidr>", sorted; the defaults (100, 32767) left out. */
export function entries(list: NetworkAclEntry[] | undefined): string[] {
    return (list ?? [])
        .filter((e) => e.RuleNumber !== 100 && e.RuleNumber !== 32767)
        .map((e) => `${e.Egress ? "out" : "in"} ${e.RuleNumber} ${e.RuleAction} ${e.CidrBlock}`)
        .sort();
}

/** A customer's own entry in a network ACL, every protocol. */
export async function aclEntry(
    w: World,
    account: string,
    aclId: string,
    entry: { rule: number; action: "allow" | "deny"; cidr: string; egress: boolean },
): Promise<void> {
    const ec2 = await w.client(EC2Client, account, HOME);
    await ec2.send(
        new CreateNetworkAclEntryCommand({
            NetworkAclId: aclId,
            RuleNumber: entry.rule,
            Protocol: "-1",
            RuleAction: entry.action,
            Egress: entry.egress,
            CidrBlock: entry.cidr,
        }),
    );
}

/**
 * The entry a packet to or from `address` meets first: the lowest-numbered entry of its direction whose CIDR
 * holds the address ("rules are evaluated in order, starting with the lowest numbered rule", VPC user guide,
 * network ACL rules). Worked out here on its own, never with the code under test's.
 */
export function firstMatch(list: NetworkAclEntry[] | undefined, egress: boolean, address: string): string {
    const ip = ipaddr.parse(address);
    const first = (list ?? [])
        .filter((e) => e.Egress === egress && e.CidrBlock !== undefined)
        .sort((a, b) => (a.RuleNumber ?? 0) - (b.RuleNumber ?? 0))
        .find((e) => {
            const range = ipaddr.parseCIDR(String(e.CidrBlock));
            return range[0].kind() === ip.kind() && ip.match(range);
        });
    return first === undefined
        ? "none"
        : `${first.RuleNumber} ${first.RuleAction} ${first.CidrBlock} protocol ${first.Protocol}`;
}

/** An instance in the network, with its network interface, the volume RunInstances attaches. */
export async function instance(
    w: World,
    account: string,
    net: Network,
): Promise<{ instanceId: string; eniId: string }> {
    const ec2 = await w.client(EC2Client, account, HOME);
    const run = await ec2.send(
        new RunInstancesCommand({
            ImageId: "ami-12c6146b",
            MinCount: 1,
            MaxCount: 1,
            SubnetId: net.subnetId,
            InstanceType: "t3.micro",
        }),
    );
    const created = run.Instances?.[0];
    return {
        instanceId: String(created?.InstanceId),
        eniId: String(created?.NetworkInterfaces?.[0]?.NetworkInterfaceId),
    };
}

// ---- what the responder left behind ----

export async function records(w: World, bucket: string, prefix: string): Promise<Record<string, Json>> {
    const s3 = await w.client(S3Client, w.security, HOME);
    const out: Record<string, Json> = {};
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    for (const object of listed.Contents ?? []) {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
        out[String(object.Key)] = JSON.parse(await (got.Body?.transformToString() ?? "null")) as Json;
    }
    return out;
}

/** Rewrites a stored block record's expiry, as if its hours had passed. */
export async function expire(w: World, bucket: string, key: string): Promise<void> {
    const s3 = await w.client(S3Client, w.security, HOME);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const record = JSON.parse(await (got.Body?.transformToString() ?? "{}")) as Json;
    record.expiresAt = new Date(Date.now() - 60_000).toISOString();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(record) }));
}

export interface Inbox {
    /** Messages received since the last read, as { subject, message }. */
    read(): Promise<{ subject: string; message: string }[]>;
}

/** An SQS queue subscribed to the alert topic: what a person subscribed by e-mail would receive. */
export async function inbox(w: World, topicArn: string): Promise<Inbox> {
    const sqs = await w.client(SQSClient, w.security, HOME);
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: `alerts-${Date.now().toString(36)}` }));
    const url = String(queue.QueueUrl);
    const attributes = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
    );
    const sns = await w.client(SNSClient, w.security, HOME);
    await sns.send(
        new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: "sqs",
            Endpoint: attributes.Attributes?.QueueArn,
        }),
    );
    return {
        async read() {
            const messages: { subject: string; message: string }[] = [];
            for (;;) {
                const got = await sqs.send(
                    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }),
                );
                if ((got.Messages ?? []).length === 0) return messages;
                for (const m of got.Messages ?? []) {
                    const envelope = JSON.parse(String(m.Body)) as { Subject?: string; Message?: string };
                    messages.push({ subject: envelope.Subject ?? "", message: envelope.Message ?? "" });
                    await sqs.send(
                        new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }),
                    );
                }
            }
        },
    };
}
