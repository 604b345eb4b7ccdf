import {
    CreateNetworkAclEntryCommand,
    DeleteNetworkAclEntryCommand,
    DescribeNetworkAclsCommand,
    type EC2Client,
    type NetworkAclEntry,
} from "@aws-sdk/client-ec2";
import { reasonOf, rethrowDeadline, type Run } from "../shared/run";
import { isEc2Gone } from "./gone";
import type { Target } from "./ladder";

/*
 * The network rungs, in a member account and region, with the EC2 API's real shapes. "dry-run" sends every
 * changing call with `DryRun: true`: EC2 answers DryRunOperation when the call would have succeeded and
 * UnauthorizedOperation when the role may not make it, so a rehearsal proves the permissions too.
 */

export type Mode = "dry-run" | "act";

export interface ActionOutcome {
    /** "gone": what it would act on no longer exists (deleted meanwhile), so nothing is left to do. */
    status: "acted" | "would act" | "already done" | "gone" | "failed";
    /** One line per change made (or that would be made), or the reason it failed. */
    details: string[];
    /** Network ACL entries created, to be lifted when they expire. */
    blocks?: Block[];
}

export interface Block {
    networkAclId: string;
    ruleNumber: number;
    egress: boolean;
    cidr: string;
}

/**
 * Rule numbers the responder uses: 1-99, below the 100, 200, ... that network ACL rules are usually numbered
 * with, because rules are evaluated "in order, starting with the lowest numbered rule", and the first match
 * decides (VPC user guide, "Network ACL rules"). Valid numbers are 1 to 32766 (CreateNetworkAclEntry).
 */
export const RESPONDER_RULES = { first: 1, last: 99 };

/** The name of the per-VPC security group with no rules that isolated instances are put in. */
export const QUARANTINE_GROUP = "security-governance-quarantine";
/** The tag the quarantine group is created with: the member role may revoke rules of tagged groups only. */
export const QUARANTINE_TAG = { Key: "security-governance:purpose", Value: "quarantine" };
/** The tag an isolated instance and its evidence snapshots carry, valued with the finding's ID. */
export const FINDING_TAG_KEY = "security-governance:finding";

/**
 * The status of an action over several resources: any failure fails it; any change makes it acted (or would
 * act); with neither, it is "gone" when every resource was gone, else "already done".
 */
export function overallStatus(
    failed: boolean,
    changed: boolean,
    mode: Mode,
    allGone: boolean,
): ActionOutcome["status"] {
    if (failed) return "failed";
    if (changed) return mode === "act" ? "acted" : "would act";
    return allGone ? "gone" : "already done";
}

function isDryRunSuccess(error: unknown): boolean {
    return error instanceof Error && error.name === "DryRunOperation";
}

/** Sends a changing call; in dry-run, "would succeed" is success and the change is not made. */
export async function change(
    run: Run,
    scope: string,
    mode: Mode,
    send: (dryRun: boolean) => Promise<unknown>,
) {
    try {
        await run.call(scope, () => send(mode === "dry-run"));
    } catch (error) {
        if (mode === "dry-run" && isDryRunSuccess(error)) return;
        throw error;
    }
}

const cidrOf = (address: string) => (address.includes(":") ? `${address}/128` : `${address}/32`);
const entryCidr = (entry: NetworkAclEntry) => entry.CidrBlock ?? entry.Ipv6CidrBlock;

/**
 * Denies each address, in and out, in the network ACL of each subnet, with the lowest free rule numbers of
 * RESPONDER_RULES. An address already denied by a rule of its own is left as it is. A full ACL (its "rules per
 * network ACL" quota, 20 by default, each direction and IP version apart) is reported, never worked around by
 * removing someone else's rule.
 */
export async function blockRemoteAddresses(
    ec2: EC2Client,
    target: Extract<Target, { action: "blockRemoteAddress" }>,
    mode: Mode,
    run: Run,
): Promise<ActionOutcome> {
    const details: string[] = [];
    const blocks: Block[] = [];
    let failed = false;
    let changed = false;
    let gone = 0;
    for (const subnet of target.subnets) {
        const page = await run.call("ec2:DescribeNetworkAcls", () =>
            ec2.send(
                new DescribeNetworkAclsCommand({
                    Filters: [{ Name: "association.subnet-id", Values: [subnet] }],
                }),
            ),
        );
        const acl = page.NetworkAcls?.[0];
        if (acl === undefined) {
            // Every subnet is associated with exactly one network ACL (VPC user guide, "Control subnet traffic
            // with network access control lists"), so none means the subnet no longer exists.
            details.push(`subnet ${subnet}: no network ACL found: the subnet no longer exists`);
            gone++;
            continue;
        }
        if (acl.NetworkAclId === undefined) {
            details.push(`subnet ${subnet}: the network ACL was described without its ID`);
            failed = true;
            continue;
        }
        const aclId = acl.NetworkAclId;
        const entries = acl.Entries ?? [];
        for (const egress of [false, true]) {
            const used = new Set(entries.filter((e) => e.Egress === egress).map((e) => e.RuleNumber));
            for (const address of target.addresses) {
                const cidr = cidrOf(address);
                const direction = egress ? "outbound to" : "inbound from";
                const denied = entries.find(
                    (e) => e.Egress === egress && e.RuleAction === "deny" && entryCidr(e) === cidr,
                );
                if (denied !== undefined) {
                    details.push(`${aclId}: ${direction} ${address} already denied`);
                    // A deny in the responder's own numbers is taken as its own, and kept again with a new
                    // expiry: a run stopped between creating it and recording it would otherwise leave it for good.
                    const number = denied.RuleNumber;
                    if (
                        number !== undefined &&
                        number >= RESPONDER_RULES.first &&
                        number <= RESPONDER_RULES.last
                    )
                        blocks.push({ networkAclId: aclId, ruleNumber: number, egress, cidr });
                    continue;
                }
                let number = RESPONDER_RULES.first;
                while (used.has(number) && number <= RESPONDER_RULES.last) number++;
                if (number > RESPONDER_RULES.last) {
                    details.push(
                        `${aclId}: no free rule number in ${RESPONDER_RULES.first}-${RESPONDER_RULES.last}`,
                    );
                    failed = true;
                    continue;
                }
                try {
                    await change(run, "ec2:CreateNetworkAclEntry", mode, (DryRun) =>
                        ec2.send(
                            new CreateNetworkAclEntryCommand({
                                NetworkAclId: aclId,
                                RuleNumber: number,
                                Protocol: "-1",
                                RuleAction: "deny",
                                Egress: egress,
                                ...(address.includes(":") ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
                                DryRun,
                            }),
                        ),
                    );
                    used.add(number);
                    changed = true;
                    blocks.push({ networkAclId: aclId, ruleNumber: number, egress, cidr });
                    details.push(`${aclId}: rule ${number} denies all traffic ${direction} ${address}`);
                } catch (error) {
                    // Out of time stops the run (its event is retried); a rule made before stays in place,
                    // unrecorded, so it is never lifted: blocked for good is the safe side.
                    rethrowDeadline(error);
                    failed = true;
                    details.push(
                        error instanceof Error && error.name === "NetworkAclEntryLimitExceeded"
                            ? `${aclId}: the network ACL is full (its rules-per-network-ACL quota); ${direction} ${address} not denied`
                            : `${aclId}: ${direction} ${address} not denied: ${reasonOf(error)}`,
                    );
                }
            }
        }
    }
    return {
        status: overallStatus(failed, changed, mode, gone > 0 && gone === target.subnets.length),
        details,
        ...(mode === "act" && blocks.length > 0 ? { blocks } : {}),
    };
}

/**
 * Lifts an expired block: deletes the entry only while it is still the deny this responder made (same number,
 * direction and address), so a rule someone put in its place since is never removed.
 */
export async function liftBlock(
    ec2: EC2Client,
    block: Block,
    run: Run,
): Promise<"lifted" | "gone" | "acl gone" | "replaced"> {
    let page;
    try {
        page = await run.call("ec2:DescribeNetworkAcls", () =>
            ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [block.networkAclId] })),
        );
    } catch (error) {
        // Its entries went with it: the block is lifted.
        if (isEc2Gone(error, "networkAcl")) return "acl gone";
        throw error;
    }
    const entry = (page.NetworkAcls?.[0]?.Entries ?? []).find(
        (e) => e.RuleNumber === block.ruleNumber && e.Egress === block.egress,
    );
    if (entry === undefined) return "gone";
    if (entry.RuleAction !== "deny" || entryCidr(entry) !== block.cidr) return "replaced";
    try {
        await run.call("ec2:DeleteNetworkAclEntry", () =>
            ec2.send(
                new DeleteNetworkAclEntryCommand({
                    NetworkAclId: block.networkAclId,
                    RuleNumber: block.ruleNumber,
                    Egress: block.egress,
                }),
            ),
        );
    } catch (error) {
        // Deleted by someone else between the read and the delete.
        if (isEc2Gone(error, "networkAclEntry")) return "gone";
        if (isEc2Gone(error, "networkAcl")) return "acl gone";
        throw error;
    }
    return "lifted";
}
