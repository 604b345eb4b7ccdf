import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { FindingDetail, LadderSettings } from "../../functions/response/ladder";
import type { FindingEvent } from "../../functions/response/respond";
import { parseStackConfig } from "../../stacks/config";
import { readStackConfigValues } from "../../tools/plan-runtime";

/*
 * The real GuardDuty finding events of test/fixtures/guardduty-events.json (each with its public source), and
 * the response ladder's settings parsed from a stack's config as a user writes it.
 */

export const MEMBER = "444444444444";
export const PUBLIC_IP = "185.220.101.7";

export type Json = Record<string, unknown>;

const samples = (
    JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "guardduty-events.json"), "utf8")) as {
        samples: { event: FindingEvent & { detail: Json } }[];
    }
).samples;

/** A fixture's event (deep copy) of the given type, in the member account, with `edit` applied to its detail. */
export function findingEvent(
    type: string,
    edit: (d: FindingDetail & Json) => void = () => undefined,
): FindingEvent & { detail: FindingDetail } {
    const found = samples.find((s) => s.event.detail.type === type);
    assert.ok(found, `fixture of ${type}`);
    const event = structuredClone(found.event) as FindingEvent & { detail: FindingDetail & Json };
    event.detail.accountId = MEMBER;
    edit(event.detail);
    return event;
}

export function finding(
    type: string,
    edit: (d: FindingDetail & Json) => void = () => undefined,
): FindingDetail {
    return findingEvent(type, edit).detail;
}

/** The SSH brute-force fixture, retyped as the workshop's custom threat-list hit from a public address. */
export function maliciousCallerEvent(
    edit: (d: FindingDetail & Json) => void = () => undefined,
): FindingEvent & { detail: FindingDetail } {
    return findingEvent("UnauthorizedAccess:EC2/SSHBruteForce", (d) => {
        d.type = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom";
        d.severity = 5;
        const action = d.service?.action?.networkConnectionAction;
        assert.ok(action?.remoteIpDetails);
        action.remoteIpDetails.ipAddressV4 = PUBLIC_IP;
        edit(d);
    });
}

export function maliciousCaller(edit: (d: FindingDetail & Json) => void = () => undefined): FindingDetail {
    return maliciousCallerEvent(edit).detail;
}

export function ladderSettings(remediation: Json = {}): LadderSettings {
    const values = { ...readStackConfigValues("dev"), "security-governance:remediation": remediation };
    const config = parseStackConfig(values);
    assert.ok(config.remediation);
    return {
        remediation: config.remediation,
        neverTouch: {
            [config.accounts.management]: "the management account",
            [config.accounts.securityAdmin]: "the security account, where the responder runs",
        },
        protectedRoles: ["security-governance-responder"],
    };
}
