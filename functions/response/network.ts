import {
    CreateNetworkAclEntryCommand,
    DeleteNetworkAclEntryCommand,
    DescribeNetworkAclsCommand,
    type EC2Client,
    type NetworkAclEntry,
} from "@aws-sdk/client-ec2";
import ipaddr from "ipaddr.js";
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

/** Whether an entry's CIDR holds the address (an IPv4 entry never holds an IPv6 address, nor the reverse). */
function holds(entry: NetworkAclEntry, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    const cidr = entryCidr(entry);
    if (cidr === undefined) return false;
    try {
        const range = ipaddr.parseCIDR(cidr);
        return range[0].kind() === address.kind() && address.match(range);
    } catch {
        return false;
    }
}

/** A deny of every protocol: whatever it matches goes no further. Protocol "-1" is all (CreateNetworkAclEntry). */
const deniesAll = (entry: NetworkAclEntry) => entry.RuleAction === "deny" && entry.Protocol === "-1";

/**
 * The entry that decides the address's traffic in one direction: rules are evaluated "starting with the lowest
 * numbered rule" and the first match applies (VPC user guide, "Network ACL rules"). A deny of some protocols only
 * passes the rest on, so the deciding entry is the first that allows something or denies everything; the
 * default rule (*, number 32767, deny all) is among the entries DescribeNetworkAcls returns.
 */
export function decidingEntry(
    entries: readonly NetworkAclEntry[],
    egress: boolean,
    address: string,
): NetworkAclEntry | undefined {
    const parsed = ipaddr.parse(address);
    return entries
        .filter((e) => e.Egress === egress && e.RuleNumber !== undefined && holds(e, parsed))
        .sort((a, b) => (a.RuleNumber ?? 0) - (b.RuleNumber ?? 0))
        .find((e) => e.RuleAction === "allow" || deniesAll(e));
}

/**
 * What the responder made, as it keeps it in its records (respond.ts): the only entries it will ever call its
 * own. `claim` writes a new block's record before the entry is made (so a run stopped in between leaves a
 * record, never an unrecorded rule, and two runs never take one number); `keep` writes it again to push back the
 * expiry of a block the finding's recurrence found in place; `forget` removes the record of an entry that could
 * not be made.
 */
export interface BlockLedger {
    isOwn(block: Block): Promise<boolean>;
    /** Writes the record of a new block unless one exists at its key: false when the number is taken. */
    claim(block: Block): Promise<boolean>;
    keep(block: Block): Promise<void>;
    forget(block: Block): Promise<void>;
}

/**
 * Denies each address, in and out, in the network ACL of each subnet, at a rule number of RESPONDER_RULES below
 * the entry that decides the address's traffic (decidingEntry), so the deny is the first match. An address
 * already denied by an earlier rule is left as it is; that rule is the responder's only when its record says so.
 * When every number below the deciding allow is taken, or the ACL is full (its "rules per network ACL" quota,
 * 20 by default, each direction and IP version apart), the address is reported as not blocked, with why; no one
 * else's rule is ever removed or moved.
 */
export async function blockRemoteAddresses(
    ec2: EC2Client,
    target: Extract<Target, { action: "blockRemoteAddress" }>,
    options: { mode: Mode; ledger: BlockLedger },
    run: Run,
): Promise<ActionOutcome> {
    const { mode, ledger } = options;
    const details: string[] = [];
    const blocks: Block[] = [];
    let failed = false;
    let changed = false;
    let gone = 0;
    const seen = new Set<string>();
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
        // Subnets sharing an ACL share its rules: one pass per ACL.
        if (seen.has(aclId)) continue;
        seen.add(aclId);
        // The addresses are distinct /32s and /128s: a deny made for one never decides another's traffic.
        const entries = acl.Entries ?? [];
        for (const egress of [false, true]) {
            const used = new Set(entries.filter((e) => e.Egress === egress).map((e) => e.RuleNumber));
            for (const address of target.addresses) {
                const cidr = cidrOf(address);
                const direction = egress ? "outbound to" : "inbound from";
                const deciding = decidingEntry(entries, egress, address);
                if (deciding !== undefined && deniesAll(deciding)) {
                    const block = { networkAclId: aclId, ruleNumber: deciding.RuleNumber ?? 0, egress, cidr };
                    const own = entryCidr(deciding) === cidr && (await ledger.isOwn(block));
                    if (own) {
                        // The responder's own deny, found again by the finding's recurrence: kept longer.
                        if (mode === "act") await ledger.keep(block);
                        blocks.push(block);
                        details.push(
                            `${aclId}: ${direction} ${address} already denied by the responder's rule ${block.ruleNumber}; ${mode === "act" ? "its expiry starts again" : "its expiry would start again"}`,
                        );
                    } else
                        details.push(
                            `${aclId}: ${direction} ${address} already denied by rule ${ruleName(deciding)} (not the responder's: left as it is, never lifted)`,
                        );
                    continue;
                }
                const below = Math.min(RESPONDER_RULES.last, (deciding?.RuleNumber ?? Infinity) - 1);
                const placed = await placeDeny(
                    ec2,
                    { aclId, egress, address, cidr, below, used },
                    { mode, ledger },
                    run,
                );
                if (placed === null || typeof placed === "string") {
                    failed = true;
                    details.push(
                        placed === null
                            ? deciding !== undefined && below < RESPONDER_RULES.last
                                ? `${aclId}: ${direction} ${address} NOT blocked: rule ${ruleName(deciding)} allows it first and no rule number below it is free in ${RESPONDER_RULES.first}-${RESPONDER_RULES.last}`
                                : `${aclId}: ${direction} ${address} NOT blocked: no free rule number in ${RESPONDER_RULES.first}-${RESPONDER_RULES.last}`
                            : `${aclId}: ${placed.replace("<what>", `${direction} ${address}`)}`,
                    );
                    continue;
                }
                changed = true;
                blocks.push(placed);
                details.push(
                    `${aclId}: rule ${placed.ruleNumber} denies all traffic ${direction} ${address}`,
                );
            }
        }
    }
    return {
        // The ladder gives every target at least one subnet.
        status: overallStatus(failed, changed, mode, gone === target.subnets.length),
        details,
        ...(mode === "act" && blocks.length > 0 ? { blocks } : {}),
    };
}

/** How many taken numbers a placement steps over before it gives up: another run may be placing too. */
const PLACEMENT_ATTEMPTS = 5;

/**
 * Makes one deny at the lowest number at most `below` that is free in the ACL and that the responder can claim:
 * in act mode the block's record is written first with a conditional write, so two overlapping runs never take
 * the same number, and a run stopped between the record and the entry leaves a record the sweep settles. A
 * create that fails is checked against the ACL: the entry may have been made (a call retried after a lost
 * answer), or the number taken by someone else meanwhile (the next number is tried). Returns the block made,
 * null when no number is free, or why not (with "<what>" for the direction and address).
 */
async function placeDeny(
    ec2: EC2Client,
    where: {
        aclId: string;
        egress: boolean;
        address: string;
        cidr: string;
        below: number;
        used: Set<number | undefined>;
    },
    options: { mode: Mode; ledger: BlockLedger },
    run: Run,
): Promise<Block | string | null> {
    const { aclId, egress, address, cidr, below, used } = where;
    for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
        let number = RESPONDER_RULES.first;
        while (used.has(number)) number++;
        if (number > below) return null;
        used.add(number);
        const block: Block = { networkAclId: aclId, ruleNumber: number, egress, cidr };
        if (options.mode === "act" && !(await options.ledger.claim(block))) continue;
        try {
            await change(run, "ec2:CreateNetworkAclEntry", options.mode, (DryRun) =>
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
            return block;
        } catch (error) {
            // Out of time stops the run (its event is retried) with the record in place: the sweep lifts the
            // entry if it was made, and forgets the record if it was not.
            rethrowDeadline(error);
            if (options.mode === "dry-run") return `<what> NOT blocked: ${reasonOf(error)}`;
            const now = await entryAt(ec2, block, run);
            if (now === "ours") return block;
            await options.ledger.forget(block);
            if (now === "taken") continue;
            return error instanceof Error && error.name === "NetworkAclEntryLimitExceeded"
                ? "the network ACL is full (its rules-per-network-ACL quota); <what> NOT blocked"
                : `<what> NOT blocked: ${reasonOf(error)}`;
        }
    }
    return `<what> NOT blocked: ${PLACEMENT_ATTEMPTS} free numbers were taken by others meanwhile`;
}

/** What the ACL holds at the block's number now: the deny asked for, someone else's rule, or nothing. */
async function entryAt(ec2: EC2Client, block: Block, run: Run): Promise<"ours" | "taken" | "free"> {
    const page = await run.call("ec2:DescribeNetworkAcls", () =>
        ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [block.networkAclId] })),
    );
    const entry = (page.NetworkAcls?.[0]?.Entries ?? []).find(
        (e) => e.RuleNumber === block.ruleNumber && e.Egress === block.egress,
    );
    if (entry === undefined) return "free";
    return deniesAll(entry) && entryCidr(entry) === block.cidr ? "ours" : "taken";
}

function ruleName(entry: NetworkAclEntry): string {
    const number = entry.RuleNumber === 32767 ? "* (32767, the default)" : String(entry.RuleNumber);
    return `${number} (${entry.RuleAction} ${entryCidr(entry) ?? "?"}, protocol ${entry.Protocol ?? "?"})`;
}

/**
 * Lifts an expired block: deletes the entry only within the responder's numbers and only while it is still the
 * deny this responder made (same number, direction, address, every protocol), so a rule someone put in its place
 * since is never removed.
 */
export async function liftBlock(
    ec2: EC2Client,
    block: Block,
    run: Run,
): Promise<"lifted" | "gone" | "acl gone" | "replaced" | "not the responder's"> {
    // Only the responder's own numbers: a record naming any other rule was not written by this responder.
    if (block.ruleNumber < RESPONDER_RULES.first || block.ruleNumber > RESPONDER_RULES.last)
        return "not the responder's";
    let now: Awaited<ReturnType<typeof entryAt>>;
    try {
        now = await entryAt(ec2, block, run);
    } catch (error) {
        // Its entries went with it: the block is lifted.
        if (isEc2Gone(error, "networkAcl")) return "acl gone";
        throw error;
    }
    if (now === "free") return "gone";
    if (now === "taken") return "replaced";
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
