import {
    CreateSecurityGroupCommand,
    CreateSnapshotsCommand,
    CreateTagsCommand,
    DescribeInstancesCommand,
    DescribeSecurityGroupRulesCommand,
    DescribeSecurityGroupsCommand,
    ModifyNetworkInterfaceAttributeCommand,
    RevokeSecurityGroupEgressCommand,
    StopInstancesCommand,
    type EC2Client,
} from "@aws-sdk/client-ec2";
import { reasonOf, rethrowDeadline, type Run } from "../shared/run";
import { isEc2Gone } from "./gone";
import type { Target } from "./ladder";
import {
    change,
    FINDING_TAG_KEY,
    QUARANTINE_GROUP,
    QUARANTINE_TAG,
    type ActionOutcome,
    type Mode,
} from "./network";

/*
 * The isolation rung, in a member account and region: evidence, then the quarantine group, then a tag and a
 * stop. Changing calls go through network.ts's `change`, so a rehearsal sends each with DryRun.
 */

/**
 * Where the responder keeps the quarantine group it made in each VPC, by ID (respond.ts keeps it in its records,
 * which only its role may write). A group's name or tag is never trusted: a member can give its own group both.
 */
export interface QuarantineLedger {
    recorded(vpcId: string): Promise<string | undefined>;
    /**
     * Records the VPC's group; `replaces` names the recorded group it takes over from. False when another run
     * recorded a first group for the VPC meanwhile.
     */
    record(vpcId: string, groupId: string, replaces?: string): Promise<boolean>;
}

/**
 * The rules of a group, as "in|out <rule id>"; undefined when the group does not exist in the VPC or lacks the
 * quarantine tag (the member role may move interfaces only into a group that carries it, so a group whose tag
 * was taken off cannot serve, whoever took it off).
 */
async function rulesOf(
    ec2: EC2Client,
    groupId: string,
    vpcId: string,
    run: Run,
): Promise<string[] | undefined> {
    try {
        const found = await run.call("ec2:DescribeSecurityGroups", () =>
            ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })),
        );
        const group = found.SecurityGroups?.[0];
        if (group?.VpcId !== vpcId) return undefined;
        const tagged = (group.Tags ?? []).some(
            (t) => t.Key === QUARANTINE_TAG.Key && t.Value === QUARANTINE_TAG.Value,
        );
        if (!tagged) return undefined;
    } catch (error) {
        if (isEc2Gone(error, "securityGroup")) return undefined;
        throw error;
    }
    // A filter on a missing group lists nothing, which is why the group was described first.
    const rules = await run.call("ec2:DescribeSecurityGroupRules", () =>
        ec2.send(
            new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [groupId] }] }),
        ),
    );
    return (rules.SecurityGroupRules ?? []).map(
        (r) => `${r.IsEgress === true ? "out" : "in"} ${r.SecurityGroupRuleId ?? "?"}`,
    );
}

/**
 * The VPC's quarantine group, verified to have no rules at all: the recorded one while it exists and is still
 * empty, else a new one, created with a name of its own (a name can be taken by anyone's group), emptied (a new
 * group allows all egress until revoked), verified and recorded. In dry-run nothing is created: undefined.
 */
async function quarantineGroup(
    ec2: EC2Client,
    vpcId: string,
    options: { mode: Mode; ledger: QuarantineLedger; now: Date },
    run: Run,
    details: string[],
): Promise<string | undefined> {
    const recorded = await options.ledger.recorded(vpcId);
    if (recorded !== undefined) {
        const rules = await rulesOf(ec2, recorded, vpcId, run);
        if (rules !== undefined && rules.length === 0) return recorded;
        details.push(
            rules === undefined
                ? `quarantine group ${recorded} no longer exists in ${vpcId} with its tag: a new one is made`
                : `quarantine group ${recorded} has rules now (${rules.join(", ")}): not used, a new one is made`,
        );
    }
    const create = (DryRun: boolean) =>
        ec2.send(
            new CreateSecurityGroupCommand({
                // Names are unique per VPC and may not begin with "sg-" (CreateSecurityGroup).
                GroupName: `${QUARANTINE_GROUP}-${options.now.getTime().toString(36)}`,
                Description: "No traffic in or out: instances isolated by security-governance",
                VpcId: vpcId,
                TagSpecifications: [{ ResourceType: "security-group", Tags: [QUARANTINE_TAG] }],
                DryRun,
            }),
        );
    if (options.mode === "dry-run") {
        // Rehearsed, not made: a rehearsal changes nothing, so the group is made by the first act.
        await change(run, "ec2:CreateSecurityGroup", options.mode, create);
        return undefined;
    }
    const created = await run.call("ec2:CreateSecurityGroup", () => create(false));
    const groupId = created.GroupId;
    if (groupId === undefined) throw new Error("CreateSecurityGroup returned no GroupId");
    const rules = await run.call("ec2:DescribeSecurityGroupRules", () =>
        ec2.send(
            new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [groupId] }] }),
        ),
    );
    const egress = (rules.SecurityGroupRules ?? [])
        .filter((r) => r.IsEgress === true && r.SecurityGroupRuleId !== undefined)
        .map((r) => r.SecurityGroupRuleId as string);
    if (egress.length > 0) {
        await run.call("ec2:RevokeSecurityGroupEgress", () =>
            ec2.send(
                new RevokeSecurityGroupEgressCommand({ GroupId: groupId, SecurityGroupRuleIds: egress }),
            ),
        );
    }
    const left = await rulesOf(ec2, groupId, vpcId, run);
    if (left === undefined || left.length > 0)
        throw new Error(
            `the new quarantine group ${groupId} is not empty after its egress rule was revoked: ${left?.join(", ") ?? "gone"}`,
        );
    details.push(`quarantine group ${groupId} made in ${vpcId}, with no rules`);
    if (!(await options.ledger.record(vpcId, groupId, recorded)))
        // Another run made and recorded the VPC's group meanwhile: this one, verified empty, still serves here.
        details.push(
            `another run recorded ${vpcId}'s quarantine group meanwhile: ${groupId} serves this instance only`,
        );
    return groupId;
}

/**
 * Isolates an instance for investigation (the Detective talk): snapshots of every attached volume first,
 * without a reboot (CreateSnapshots is crash-consistent and takes none), tagged with the finding; then each
 * network interface's groups replaced by the quarantine group (ModifyNetworkInterfaceAttribute per interface,
 * as the EC2 API reference advises for instances with several); then a tag; then, if asked, a stop. Tracked
 * connections outlive a security group change (EC2 user guide, "Security group connection tracking"): pair
 * this with blockRemoteAddress to cut a live session.
 */
export async function isolateInstance(
    ec2: EC2Client,
    target: Extract<Target, { action: "isolateInstance" }>,
    options: { mode: Mode; findingId: string; stopInstance: boolean; ledger: QuarantineLedger; now: Date },
    run: Run,
): Promise<ActionOutcome> {
    const { mode, findingId } = options;
    const gone = { status: "gone" as const, details: [`instance ${target.instanceId} no longer exists`] };
    let described;
    try {
        described = await run.call("ec2:DescribeInstances", () =>
            ec2.send(new DescribeInstancesCommand({ InstanceIds: [target.instanceId] })),
        );
    } catch (error) {
        if (isEc2Gone(error, "instance")) return gone;
        throw error;
    }
    const instance = described.Reservations?.[0]?.Instances?.[0];
    if (instance === undefined) return gone;
    // A terminated instance stays listed for a while (DescribeInstances API reference); nothing is left to isolate.
    const state = instance.State?.Name;
    if (state === "terminated" || state === "shutting-down")
        return { status: "gone", details: [`instance ${target.instanceId} is ${state}`] };
    const details: string[] = [];
    let groupId: string | undefined;
    try {
        groupId = await quarantineGroup(ec2, target.vpcId, options, run, details);
    } catch (error) {
        rethrowDeadline(error);
        return { status: "failed", details: [...details, `no empty quarantine group: ${reasonOf(error)}`] };
    }
    const interfaces = instance.NetworkInterfaces ?? [];
    const isolated =
        groupId !== undefined &&
        interfaces.length > 0 &&
        interfaces.every((ni) => (ni.Groups ?? []).length === 1 && ni.Groups?.[0]?.GroupId === groupId);
    if (isolated) {
        const already = `${target.instanceId} is already in ${groupId}`;
        // Isolated before, perhaps before stopInstance was turned on: a running instance is stopped now.
        if (!options.stopInstance || (state !== "running" && state !== "pending"))
            return { status: "already done", details: [already] };
        try {
            await change(run, "ec2:StopInstances", mode, (DryRun) =>
                ec2.send(new StopInstancesCommand({ InstanceIds: [target.instanceId], DryRun })),
            );
        } catch (error) {
            rethrowDeadline(error);
            return { status: "failed", details: [already, `not stopped: ${reasonOf(error)}`] };
        }
        return mode === "act"
            ? { status: "acted", details: [already, `${target.instanceId} stopped`] }
            : { status: "would act", details: [already, `${target.instanceId} would be stopped`] };
    }
    const tag = { Key: FINDING_TAG_KEY, Value: findingId };
    // Evidence first; but a snapshot that fails must not leave a compromised instance connected.
    let evidenceFailed = false;
    try {
        await change(run, "ec2:CreateSnapshots", mode, (DryRun) =>
            ec2.send(
                new CreateSnapshotsCommand({
                    InstanceSpecification: { InstanceId: target.instanceId },
                    Description: `Evidence for GuardDuty finding ${findingId}`,
                    CopyTagsFromSource: "volume",
                    TagSpecifications: [{ ResourceType: "snapshot", Tags: [tag] }],
                    DryRun,
                }),
            ),
        );
        details.push(`snapshots of every volume of ${target.instanceId}, tagged ${tag.Key}=${findingId}`);
    } catch (error) {
        rethrowDeadline(error);
        evidenceFailed = true;
        details.push(`snapshots not taken: ${reasonOf(error)}`);
    }
    try {
        for (const ni of interfaces) {
            const id = ni.NetworkInterfaceId;
            if (id === undefined) continue;
            const before = (ni.Groups ?? []).map((g) => g.GroupId).join(", ");
            if (groupId === undefined) {
                // A rehearsal before the group exists: the move cannot be rehearsed, since the member role may put
                // an interface in the tagged quarantine group only, and sending its current groups instead would
                // be refused for the same reason. The group's creation was rehearsed above.
                details.push(
                    `${id}: security groups ${before || "(none)"} would be replaced by ${QUARANTINE_GROUP} (made by the first act; the move is rehearsed once the group exists)`,
                );
                continue;
            }
            const groups = [groupId];
            try {
                await change(run, "ec2:ModifyNetworkInterfaceAttribute", mode, (DryRun) =>
                    ec2.send(
                        new ModifyNetworkInterfaceAttributeCommand({
                            NetworkInterfaceId: id,
                            Groups: groups,
                            DryRun,
                        }),
                    ),
                );
            } catch (error) {
                // Detached and deleted meanwhile: no traffic of the instance's goes through it any more.
                if (!isEc2Gone(error, "networkInterface")) throw error;
                details.push(`${id}: no longer exists`);
                continue;
            }
            details.push(
                `${id}: security groups ${before || "(none)"} replaced by ${groupId ?? QUARANTINE_GROUP}`,
            );
        }
        await change(run, "ec2:CreateTags", mode, (DryRun) =>
            ec2.send(new CreateTagsCommand({ Resources: [target.instanceId], Tags: [tag], DryRun })),
        );
        const tagged = (instance.Tags ?? []).some((t) => t.Key === FINDING_TAG_KEY);
        if (options.stopInstance && mode === "dry-run" && !tagged) {
            // The member role may stop only an instance that carries the finding tag, which the act adds just
            // before; a rehearsal adds no tag, so its stop would be refused for that alone.
            details.push(
                `${target.instanceId} would be stopped (once tagged ${FINDING_TAG_KEY}; the stop is rehearsed on a tagged instance only)`,
            );
        } else if (options.stopInstance) {
            await change(run, "ec2:StopInstances", mode, (DryRun) =>
                ec2.send(new StopInstancesCommand({ InstanceIds: [target.instanceId], DryRun })),
            );
            details.push(`${target.instanceId} stopped`);
        }
        if (groupId !== undefined) {
            // Checked again now the instance is in it: rules added meanwhile would be access, not isolation.
            const rules = await rulesOf(ec2, groupId, target.vpcId, run);
            if (rules === undefined || rules.length > 0)
                throw new Error(
                    `quarantine group ${groupId} ${rules === undefined ? "was deleted or lost its quarantine tag" : `gained rules (${rules.join(", ")})`} during isolation`,
                );
        }
    } catch (error) {
        rethrowDeadline(error);
        return { status: "failed", details: [...details, reasonOf(error)] };
    }
    return { status: evidenceFailed ? "failed" : mode === "act" ? "acted" : "would act", details };
}
