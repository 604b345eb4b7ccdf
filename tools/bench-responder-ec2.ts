/**
 * A member account's EC2 in one Region for the responder's burst benchmark (tools/bench-responder.ts): network
 * ACLs with their entries, instances with one network interface each, security groups with their rules, and the
 * calls functions/response/network.ts and isolate.ts make, answered as the EC2 API reference describes them.
 */
import {
    CreateNetworkAclEntryCommand,
    CreateSecurityGroupCommand,
    CreateSnapshotsCommand,
    CreateTagsCommand,
    DeleteNetworkAclEntryCommand,
    DescribeInstancesCommand,
    DescribeNetworkAclsCommand,
    DescribeSecurityGroupRulesCommand,
    DescribeSecurityGroupsCommand,
    EC2ServiceException,
    ModifyNetworkInterfaceAttributeCommand,
    RevokeSecurityGroupEgressCommand,
    StopInstancesCommand,
    type EC2Client,
    type Filter,
    type NetworkAclEntry,
    type Tag,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import type { Caller, SimulatedAws } from "./bench-responder-aws";

/**
 * "Rules per network ACL": 20 by default, one way, IPv4 and IPv6 apart (VPC user guide, amazon-vpc-limits.html);
 * the default rule (*, 32767) is assumed not to count. CreateNetworkAclEntry beyond it answers
 * NetworkAclEntryLimitExceeded.
 */
export const ACL_RULES_QUOTA = 20;
/** The default rule every network ACL ends with: it denies what no other rule matched. */
const DEFAULT_RULE = 32_767;

interface Acl {
    id: string;
    vpcId: string;
    subnets: string[];
    entries: NetworkAclEntry[];
}
interface Instance {
    id: string;
    subnetId: string;
    vpcId: string;
    networkInterfaceId: string;
    groups: string[];
    tags: Tag[];
}
interface Group {
    id: string;
    vpcId: string;
    name: string;
    rules: { id: string; egress: boolean }[];
}

function ec2Error(name: string, message = name): EC2ServiceException {
    return new EC2ServiceException({ name, $fault: "client", message, $metadata: { httpStatusCode: 400 } });
}

const filterValues = (filters: Filter[] | undefined, name: string) =>
    filters?.find((f) => f.Name === name)?.Values ?? [];

export class Ec2World {
    readonly acls = new Map<string, Acl>();
    readonly instances = new Map<string, Instance>();
    readonly groups = new Map<string, Group>();
    snapshots = 0;
    private ids = 0;

    constructor(readonly accountId: string) {}

    private next(prefix: string): string {
        return `${prefix}-${(++this.ids).toString(16).padStart(17, "0")}`;
    }

    /**
     * A subnet with a network ACL of its own, as a tiered VPC is often laid out: the usual allow-all rules at
     * 100, in and out, and the default deny (DescribeNetworkAcls lists it, as number 32767).
     */
    addSubnet(vpcId: string, subnetId: string, aclId: string): void {
        const rules = [false, true].flatMap((Egress) => [
            { RuleNumber: 100, Egress, RuleAction: "allow" as const, Protocol: "-1", CidrBlock: "0.0.0.0/0" },
            {
                RuleNumber: DEFAULT_RULE,
                Egress,
                RuleAction: "deny" as const,
                Protocol: "-1",
                CidrBlock: "0.0.0.0/0",
            },
        ]);
        this.acls.set(aclId, { id: aclId, vpcId, subnets: [subnetId], entries: rules });
        if (![...this.groups.values()].some((g) => g.vpcId === vpcId && g.name === "workload"))
            this.groups.set(`sg-workload-${vpcId}`, {
                id: `sg-workload-${vpcId}`,
                vpcId,
                name: "workload",
                rules: [
                    { id: this.next("sgr"), egress: false },
                    { id: this.next("sgr"), egress: true },
                ],
            });
    }

    addInstance(instance: Omit<Instance, "groups" | "tags">): void {
        this.instances.set(instance.id, { ...instance, groups: [`sg-workload-${instance.vpcId}`], tags: [] });
    }

    /** The ACL entries numbered 1-99 in every ACL (the responder's numbers), as "acl rule in|out cidr". */
    responderEntries(): string[] {
        return [...this.acls.values()].flatMap((acl) =>
            acl.entries
                .filter((e) => (e.RuleNumber ?? 0) < 100)
                .map((e) => `${acl.id} ${e.RuleNumber} ${e.Egress === true ? "out" : "in"} ${e.CidrBlock}`),
        );
    }

    describeNetworkAcls(input: { NetworkAclIds?: string[]; Filters?: Filter[] }) {
        const subnets = filterValues(input.Filters, "association.subnet-id");
        const ids = input.NetworkAclIds ?? [];
        for (const id of ids) if (!this.acls.has(id)) throw ec2Error("InvalidNetworkAclID.NotFound");
        const acls = [...this.acls.values()].filter(
            (acl) =>
                (ids.length === 0 || ids.includes(acl.id)) &&
                (subnets.length === 0 || acl.subnets.some((s) => subnets.includes(s))),
        );
        return {
            NetworkAcls: acls.map((acl) => ({
                NetworkAclId: acl.id,
                VpcId: acl.vpcId,
                IsDefault: false,
                OwnerId: this.accountId,
                Entries: acl.entries.map((e) => ({ ...e })),
                Associations: acl.subnets.map((SubnetId) => ({ SubnetId, NetworkAclId: acl.id })),
            })),
        };
    }

    createNetworkAclEntry(input: NetworkAclEntry & { NetworkAclId?: string; Ipv6CidrBlock?: string }) {
        const acl = this.acls.get(String(input.NetworkAclId));
        if (acl === undefined) throw ec2Error("InvalidNetworkAclID.NotFound");
        const v6 = input.Ipv6CidrBlock !== undefined;
        const sameWay = acl.entries.filter((e) => e.Egress === input.Egress);
        if (sameWay.some((e) => e.RuleNumber === input.RuleNumber))
            throw ec2Error(
                "NetworkAclEntryAlreadyExists",
                `The network acl entry identified by ${input.RuleNumber} already exists.`,
            );
        const counted = sameWay.filter(
            (e) => e.RuleNumber !== DEFAULT_RULE && (e.Ipv6CidrBlock !== undefined) === v6,
        );
        if (counted.length >= ACL_RULES_QUOTA) throw ec2Error("NetworkAclEntryLimitExceeded");
        acl.entries.push({
            RuleNumber: input.RuleNumber,
            Egress: input.Egress,
            Protocol: input.Protocol,
            RuleAction: input.RuleAction,
            ...(v6 ? { Ipv6CidrBlock: input.Ipv6CidrBlock } : { CidrBlock: input.CidrBlock }),
        });
        return {};
    }

    deleteNetworkAclEntry(input: { NetworkAclId?: string; RuleNumber?: number; Egress?: boolean }) {
        const acl = this.acls.get(String(input.NetworkAclId));
        if (acl === undefined) throw ec2Error("InvalidNetworkAclID.NotFound");
        const at = acl.entries.findIndex(
            (e) => e.RuleNumber === input.RuleNumber && e.Egress === input.Egress,
        );
        if (at < 0) throw ec2Error("InvalidNetworkAclEntry.NotFound");
        acl.entries.splice(at, 1);
        return {};
    }

    private instance(id: string | undefined): Instance {
        const found = this.instances.get(String(id));
        if (found === undefined) throw ec2Error("InvalidInstanceID.NotFound");
        return found;
    }

    describeInstances(input: { InstanceIds?: string[] }) {
        const instances = (input.InstanceIds ?? []).map((id) => this.instance(id));
        return {
            Reservations: instances.map((i) => ({
                Instances: [
                    {
                        InstanceId: i.id,
                        State: { Name: "running" as const, Code: 16 },
                        SubnetId: i.subnetId,
                        VpcId: i.vpcId,
                        Tags: i.tags.map((t) => ({ ...t })),
                        NetworkInterfaces: [
                            {
                                NetworkInterfaceId: i.networkInterfaceId,
                                SubnetId: i.subnetId,
                                VpcId: i.vpcId,
                                Groups: i.groups.map((GroupId) => ({ GroupId })),
                            },
                        ],
                    },
                ],
            })),
        };
    }

    private group(id: string | undefined): Group {
        const found = this.groups.get(String(id));
        if (found === undefined) throw ec2Error("InvalidGroup.NotFound");
        return found;
    }

    describeSecurityGroups(input: { GroupIds?: string[] }) {
        const groups = (input.GroupIds ?? []).map((id) => this.group(id));
        return { SecurityGroups: groups.map((g) => ({ GroupId: g.id, VpcId: g.vpcId, GroupName: g.name })) };
    }

    describeSecurityGroupRules(input: { Filters?: Filter[] }) {
        const ids = filterValues(input.Filters, "group-id");
        const groups = ids.map((id) => this.groups.get(id)).filter((g): g is Group => g !== undefined);
        return {
            SecurityGroupRules: groups.flatMap((g) =>
                g.rules.map((r) => ({ SecurityGroupRuleId: r.id, GroupId: g.id, IsEgress: r.egress })),
            ),
        };
    }

    /** A new group allows all egress until that rule is revoked (CreateSecurityGroup). */
    createSecurityGroup(input: { GroupName?: string; VpcId?: string }) {
        const name = String(input.GroupName);
        if ([...this.groups.values()].some((g) => g.vpcId === input.VpcId && g.name === name))
            throw ec2Error("InvalidGroup.Duplicate");
        const id = this.next("sg");
        this.groups.set(id, {
            id,
            vpcId: String(input.VpcId),
            name,
            rules: [{ id: this.next("sgr"), egress: true }],
        });
        return { GroupId: id };
    }

    revokeSecurityGroupEgress(input: { GroupId?: string; SecurityGroupRuleIds?: string[] }) {
        const group = this.group(input.GroupId);
        group.rules = group.rules.filter(
            (r) => !(r.egress && (input.SecurityGroupRuleIds ?? []).includes(r.id)),
        );
        return { Return: true };
    }

    createSnapshots(input: { InstanceSpecification?: { InstanceId?: string } }) {
        this.instance(input.InstanceSpecification?.InstanceId);
        this.snapshots++;
        return { Snapshots: [{ SnapshotId: this.next("snap") }] };
    }

    modifyNetworkInterfaceAttribute(input: { NetworkInterfaceId?: string; Groups?: string[] }) {
        const instance = [...this.instances.values()].find(
            (i) => i.networkInterfaceId === input.NetworkInterfaceId,
        );
        if (instance === undefined) throw ec2Error("InvalidNetworkInterfaceID.NotFound");
        for (const id of input.Groups ?? []) this.group(id);
        instance.groups = [...(input.Groups ?? [])];
        return {};
    }

    createTags(input: { Resources?: string[]; Tags?: Tag[] }) {
        for (const id of input.Resources ?? []) {
            const instance = this.instances.get(id);
            if (instance === undefined) continue;
            const keys = new Set((input.Tags ?? []).map((t) => t.Key));
            instance.tags = [...instance.tags.filter((t) => !keys.has(t.Key)), ...(input.Tags ?? [])];
        }
        return {};
    }
}

/**
 * Answers a member EC2 client from the account's simulated EC2: each call resolves the client's credentials
 * first (STS, once per client), then takes its per-action token and latency. A DryRun call that would succeed
 * answers DryRunOperation, as EC2 does.
 */
export function mockMemberEc2(
    aws: SimulatedAws,
    client: EC2Client,
    accountId: string,
    region: string,
    caller: Caller,
): void {
    const world = aws.ec2World(accountId, region);
    const mock = mockClient(client);
    const scope = `${accountId}/${region}`;
    type Input = { DryRun?: boolean };
    const answer =
        <I extends Input>(action: string, fn: (input: I) => unknown) =>
        async (input: I, getClient: () => unknown) => {
            await aws.credentials(getClient() as object, caller);
            return aws.serve(caller, `ec2:${action}`, scope, region, () => {
                // A rehearsal changes nothing (permissions are not simulated: every rehearsal would succeed).
                if (input.DryRun === true)
                    throw ec2Error(
                        "DryRunOperation",
                        "Request would have succeeded, but DryRun flag is set.",
                    );
                return fn(input);
            });
        };
    mock.on(DescribeNetworkAclsCommand).callsFake(
        answer("DescribeNetworkAcls", (i) => world.describeNetworkAcls(i)),
    );
    mock.on(CreateNetworkAclEntryCommand).callsFake(
        answer("CreateNetworkAclEntry", (i: NetworkAclEntry & Input) => world.createNetworkAclEntry(i)),
    );
    mock.on(DeleteNetworkAclEntryCommand).callsFake(
        answer("DeleteNetworkAclEntry", (i) => world.deleteNetworkAclEntry(i)),
    );
    mock.on(DescribeInstancesCommand).callsFake(
        answer("DescribeInstances", (i) => world.describeInstances(i)),
    );
    mock.on(DescribeSecurityGroupsCommand).callsFake(
        answer("DescribeSecurityGroups", (i) => world.describeSecurityGroups(i)),
    );
    mock.on(DescribeSecurityGroupRulesCommand).callsFake(
        answer("DescribeSecurityGroupRules", (i) => world.describeSecurityGroupRules(i)),
    );
    mock.on(CreateSecurityGroupCommand).callsFake(
        answer("CreateSecurityGroup", (i) => world.createSecurityGroup(i)),
    );
    mock.on(RevokeSecurityGroupEgressCommand).callsFake(
        answer("RevokeSecurityGroupEgress", (i) => world.revokeSecurityGroupEgress(i)),
    );
    mock.on(CreateSnapshotsCommand).callsFake(answer("CreateSnapshots", (i) => world.createSnapshots(i)));
    mock.on(ModifyNetworkInterfaceAttributeCommand).callsFake(
        answer("ModifyNetworkInterfaceAttribute", (i) => world.modifyNetworkInterfaceAttribute(i)),
    );
    mock.on(CreateTagsCommand).callsFake(answer("CreateTags", (i) => world.createTags(i)));
    mock.on(StopInstancesCommand).callsFake(
        answer("StopInstances", (i: { InstanceIds?: string[] } & Input) => ({
            StoppingInstances: (i.InstanceIds ?? []).map((InstanceId) => ({ InstanceId })),
        })),
    );
}
