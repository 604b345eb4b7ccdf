/**
 * The organization of the coverage benchmark, computed from each account's index instead of stored: 10,000
 * accounts in 17 regions would be 170,000 member records per service, which would count as the function's memory.
 * A few accounts are suspended, a few members are not enabled, Detective holds its quota of 1,200 members and a
 * few Config.1 findings fail, so that the matrix has gaps of every kind to carry.
 */
import type { CoverageExpectation } from "../functions/coverage/matrix";

export interface CoverageWorld {
    homeRegion: string;
    accounts: number;
    expectation: CoverageExpectation;
    /** Detective's members per behavior graph (stacks/quotas.ts: 1,200). */
    detectiveQuota: number;
}

export const SANDBOX_SPREAD = 10;

export function accountId(world: CoverageWorld, index: number): string {
    if (index === 0) return world.expectation.managementAccountId;
    if (index === 1) return world.expectation.adminAccountId;
    return String(100_000_000_000 + index);
}

/** Every 997th account is suspended. */
export function accountState(index: number): "ACTIVE" | "SUSPENDED" {
    return index > 1 && index % 997 === 0 ? "SUSPENDED" : "ACTIVE";
}

/** The OU scope an account sits in (the k-th scope takes the accounts whose index ends in k + 3), if any. */
export function scopeOf(world: CoverageWorld, index: number): number | undefined {
    const scopes = world.expectation.scopes ?? [];
    const k = (index % SANDBOX_SPREAD) - 3;
    return index > 1 && k >= 0 && k < scopes.length ? k : undefined;
}

/** How many members a member list holds: every account but the administrator; Detective up to its quota. */
export function memberCount(world: CoverageWorld, service: string): number {
    const all = world.accounts - 1;
    return service === "detective" ? Math.min(all, world.detectiveQuota) : all;
}

/** The account at `position` of a member list: the administrator (index 1) is never its own member. */
export function memberIndex(position: number): number {
    return position < 1 ? position : position + 1;
}

/** A member's status, as the service spells it: one in 1,009 is not enabled (a gap the matrix names). */
export function memberStatus(service: string, index: number): string {
    const off = index % 1009 === 5;
    switch (service) {
        case "guardduty":
            return off ? "Disabled" : "Enabled";
        case "securityhub":
            return off ? "Removed" : "Enabled";
        case "macie":
            return off ? "Paused" : "Enabled";
        default:
            return off ? "ACCEPTED_BUT_DISABLED" : "ENABLED";
    }
}

/** Config.1 of an account: one in 1,013 fails. */
export function configCompliance(index: number): "PASSED" | "FAILED" {
    return index % 1013 === 7 ? "FAILED" : "PASSED";
}

/** A page of `count` items from `token` (an offset), `size` at most. */
export function pageOf(
    count: number,
    token: string | undefined,
    size: number,
): { positions: number[]; next: string | undefined } {
    const start = Number(token ?? 0);
    const end = Math.min(count, start + size);
    const positions = Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
    return { positions, next: end < count ? String(end) : undefined };
}
