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

/** Well-formed IDs in place of a sample's placeholders (EC2 IDs: prefix, "-", 17 hex digits). */
export const INSTANCE = "i-0a1b2c3d4e5f60718";
export const SUBNET_ID = "subnet-0a1b2c3d4e5f60719";
export const VPC_ID = "vpc-0a1b2c3d4e5f6071a";

/**
 * A fixture's event (deep copy) of the given type, in the member account, with `edit` applied to its detail.
 * Two of the fixtures are GuardDuty samples, which the responder must never act on; this returns them
 * real-shaped, as a real finding of the same type is: the sample mark (`service.additionalInfo.sample`) taken
 * out, and the placeholders (instance i-99999999, "Replace with valid SubnetID", "GeneratedFinding..." VPC,
 * subnet and tags) replaced by well-formed IDs. `sampleEvent` gives the sample as GuardDuty sent it.
 */
export function findingEvent(
    type: string,
    edit: (d: FindingDetail & Json) => void = () => undefined,
): FindingEvent & { detail: FindingDetail } {
    const event = sampleEvent(type);
    const detail = event.detail as FindingDetail & Json;
    const info = detail.service?.additionalInfo as Json | undefined;
    if (info !== undefined) delete info.sample;
    const instance = detail.resource?.instanceDetails;
    if (instance?.instanceId === "i-99999999") {
        instance.instanceId = INSTANCE;
        instance.tags = [{ key: "Name", value: "web-1" }];
        for (const ni of instance.networkInterfaces ?? []) {
            ni.subnetId = SUBNET_ID;
            ni.vpcId = VPC_ID;
        }
        detail.title = (detail.title ?? "").replace("i-99999999", INSTANCE);
    }
    edit(detail);
    return event;
}

/** A fixture's event exactly as published (samples keep their marks and placeholders), in the member account. */
export function sampleEvent(
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
