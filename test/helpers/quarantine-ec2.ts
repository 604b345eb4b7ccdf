import {
    CreateSecurityGroupCommand,
    CreateSnapshotsCommand,
    CreateTagsCommand,
    DescribeInstancesCommand,
    DescribeSecurityGroupRulesCommand,
    DescribeSecurityGroupsCommand,
    EC2Client,
    EC2ServiceException,
    ModifyNetworkInterfaceAttributeCommand,
    RevokeSecurityGroupEgressCommand,
    StopInstancesCommand,
    type CreateSecurityGroupCommandInput,
    type Instance,
    type RevokeSecurityGroupEgressCommandInput,
    type Tag,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";

/*
 * EC2 for the isolation tests: a stateful fake written from the EC2 API reference. A changing call sent with
 * DryRun answers DryRunOperation (it would have succeeded) and changes nothing; a new VPC group comes with egress
 * rules allowing all (VPC user guide, "Security groups"); RevokeSecurityGroupEgress refuses an empty list
 * (MissingParameter) and any ID that is not an egress rule of the group; DescribeSecurityGroups by ID answers
 * InvalidGroup.NotFound for a missing group; a DescribeSecurityGroupRules filter on one lists nothing.
 */

/** The tag the responder creates its quarantine groups with (spelled out: the member role's policy names it). */
export const PURPOSE = { Key: "security-governance:purpose", Value: "quarantine" };

export function ec2Error(name: string): EC2ServiceException {
    return new EC2ServiceException({
        name,
        $fault: "client",
        message: `EC2 answered ${name}`,
        $metadata: {},
    });
}

export type Rule = { id?: string; egress: boolean };
export type Group = { vpcId: string; rules: Rule[]; tags: Tag[] };
export const EGRESS: Rule[] = [
    { id: "sgr-egress4", egress: true },
    { id: "sgr-egress6", egress: true },
];
export function quarantineEc2(
    described: Instance,
    groups: Record<string, Group> = {},
    newRules: Rule[] = EGRESS,
) {
    const ec2 = new EC2Client({ region: "us-east-1" });
    const mock = mockClient(ec2);
    const state = new Map(Object.entries(groups));
    let made = 0;
    const changing =
        <I extends { DryRun?: boolean }>(then: (input: I) => object) =>
        (input: I) => {
            if (input.DryRun === true) throw ec2Error("DryRunOperation");
            return then(input);
        };
    mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [described] }] });
    mock.on(DescribeSecurityGroupsCommand).callsFake((input: { GroupIds?: string[] }) => {
        const id = input.GroupIds?.[0] ?? "";
        const group = state.get(id);
        if (group === undefined) throw ec2Error("InvalidGroup.NotFound");
        return { SecurityGroups: [{ GroupId: id, VpcId: group.vpcId, Tags: group.tags }] };
    });
    mock.on(DescribeSecurityGroupRulesCommand).callsFake((input: { Filters?: { Values?: string[] }[] }) => {
        const id = input.Filters?.[0]?.Values?.[0] ?? "";
        const rules = state.get(id)?.rules ?? [];
        return {
            SecurityGroupRules: rules.map((r) => ({
                SecurityGroupRuleId: r.id,
                GroupId: id,
                IsEgress: r.egress,
            })),
        };
    });
    mock.on(CreateSecurityGroupCommand).callsFake(
        changing((input: CreateSecurityGroupCommandInput) => {
            const id = `sg-0new${++made}`;
            const tags = (input.TagSpecifications ?? []).flatMap((t) => t.Tags ?? []);
            state.set(id, { vpcId: input.VpcId ?? "", rules: newRules.map((r) => ({ ...r })), tags });
            return { GroupId: id };
        }),
    );
    mock.on(RevokeSecurityGroupEgressCommand).callsFake(
        changing((input: RevokeSecurityGroupEgressCommandInput) => {
            const group = state.get(input.GroupId ?? "");
            if (group === undefined) throw ec2Error("InvalidGroup.NotFound");
            const ids = input.SecurityGroupRuleIds ?? [];
            if (ids.length === 0) throw ec2Error("MissingParameter");
            if (!ids.every((id) => group.rules.some((r) => r.egress && r.id === id)))
                throw ec2Error("InvalidSecurityGroupRuleId.NotFound");
            group.rules = group.rules.filter((r) => r.id === undefined || !ids.includes(r.id));
            return { Return: true };
        }),
    );
    mock.on(CreateSnapshotsCommand).callsFake(changing(() => ({ Snapshots: [{ SnapshotId: "snap-1" }] })));
    for (const command of [ModifyNetworkInterfaceAttributeCommand, CreateTagsCommand, StopInstancesCommand])
        mock.on(command as typeof CreateTagsCommand).callsFake(changing(() => ({})));
    /** The calls sent, in order, as [name, input]. */
    const calls = () =>
        mock.calls().map((c) => {
            const command = c.args[0] as { input: object };
            return [command.constructor.name.replace(/Command$/, ""), command.input] as const;
        });
    const sent = () => calls().map(([name]) => name);
    const inputs = (name: string) => calls().flatMap(([n, input]) => (n === name ? [input] : []));
    return { ec2, mock, groups: state, calls, sent, inputs };
}
