/**
 * The burst of the responder's benchmark (tools/bench-responder.ts): a worm on some hundreds of instances in a
 * few member accounts, seen by GuardDuty as custom threat-list hits (UnauthorizedAccess:EC2/MaliciousIPCaller.
 * Custom, which blockRemoteAddress answers) and crypto-mining (CryptoCurrency:EC2/BitcoinTool.B, which
 * isolateInstance answers). Each event is shaped after the real GuardDuty events of
 * test/fixtures/guardduty-events.json (their sample marks removed), and the administrator's copy of its finding
 * (what GetFindings answers) is the same document in the SDK's shape.
 */
import type { Finding } from "@aws-sdk/client-guardduty";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { FindingEvent } from "../functions/response/respond";
import { seededRandom } from "./bench-sim";
import { Ec2World } from "./bench-responder-ec2";
import type { SimulatedAws } from "./bench-responder-aws";
import { REPO_ROOT } from "./plan-runtime";

export const BLOCK_TYPE = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom";
export const ISOLATE_TYPE = "CryptoCurrency:EC2/BitcoinTool.B";

export interface BurstWorkload {
    findings: number;
    /** The events arrive spread evenly at random over this many seconds. */
    overSeconds: number;
    accounts: number;
    /** Account n is in regions[n % regions.length]. */
    regions: string[];
    vpcsPerAccount: number;
    /**
     * Each subnet has its own network ACL. An ACL holds 19 of the responder's blocks (20 rules per direction by
     * default, the allow-all at 100 being one), so the ACL count bounds how many addresses can be blocked.
     */
    subnetsPerVpc: number;
    instances: number;
    /** Distinct attacking addresses; each block finding names one, so an ACL sees some of them again. */
    attackers: number;
    /** The share of isolation findings; the rest are blocks. */
    isolateShare: number;
    seed: number;
}

/**
 * The issue's burst: 1,000 findings within 10 minutes from a worm on 500 instances. 4 accounts x 3 VPCs x 5
 * subnets = 60 subnets and ACLs (a few dozen: a worm spreads within a handful of accounts' networks): 900 blocks
 * spread over 60 ACLs is about 15 addresses each, under the 19 an ACL holds, so most are blocked and some ACLs,
 * hit more often, fill up, which the report counts. 300 attackers: a worm's findings repeat its addresses.
 */
export const BURST_WORKLOAD: BurstWorkload = {
    findings: 1_000,
    overSeconds: 600,
    accounts: 4,
    regions: ["us-east-1", "eu-west-1"],
    vpcsPerAccount: 3,
    subnetsPerVpc: 5,
    instances: 500,
    attackers: 300,
    isolateShare: 0.1,
    seed: 5_000,
};

export interface Host {
    accountId: string;
    region: string;
    instanceId: string;
    networkInterfaceId: string;
    subnetId: string;
    vpcId: string;
    privateIp: string;
}

export interface Arrival {
    /** Virtual ms at which EventBridge hands the event to Lambda. */
    at: number;
    event: FindingEvent & { id: string; detail: { id: string; type: string } };
    region: string;
    /** The administrator's copy, raised in GuardDuty when the event is sent. */
    finding: Finding;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
export const memberAccount = (n: number) => String(444_400_000_001 + n);

/** The member accounts' networks and instances, made in the simulated EC2. */
export function layOut(aws: SimulatedAws, w: BurstWorkload): Host[] {
    const subnets: Omit<Host, "instanceId" | "networkInterfaceId" | "privateIp">[] = [];
    for (let a = 0; a < w.accounts; a++) {
        const accountId = memberAccount(a);
        const region = w.regions[a % w.regions.length];
        const world = new Ec2World(accountId);
        aws.ec2.set(`${accountId}/${region}`, world);
        for (let v = 0; v < w.vpcsPerAccount; v++) {
            const vpcId = `vpc-${hex(a * 256 + v, 17)}`;
            for (let s = 0; s < w.subnetsPerVpc; s++) {
                const n = (a * 256 + v) * 256 + s;
                const subnetId = `subnet-${hex(n, 17)}`;
                world.addSubnet(vpcId, subnetId, `acl-${hex(n, 17)}`);
                subnets.push({ accountId, region, subnetId, vpcId });
            }
        }
    }
    return Array.from({ length: w.instances }, (_, i) => {
        const subnet = subnets[i % subnets.length];
        const host = {
            ...subnet,
            instanceId: `i-${hex(i + 1, 17)}`,
            networkInterfaceId: `eni-${hex(i + 1, 17)}`,
            privateIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}`,
        };
        aws.ec2World(host.accountId, host.region).addInstance({
            id: host.instanceId,
            subnetId: host.subnetId,
            vpcId: host.vpcId,
            networkInterfaceId: host.networkInterfaceId,
        });
        return host;
    });
}

/** First octets of public unicast space (none reserved, private or shared: stacks/ip-lists.ts refuses those). */
const PUBLIC_FIRST_OCTETS = [23, 31, 45, 62, 77, 89, 91, 103, 109, 141, 176, 185, 193, 194, 195, 212, 217];

function attackers(count: number, random: () => number): string[] {
    const found = new Set<string>();
    while (found.size < count) {
        const first = PUBLIC_FIRST_OCTETS[Math.floor(random() * PUBLIC_FIRST_OCTETS.length)];
        const rest = [0, 0, 0].map(() => 1 + Math.floor(random() * 254));
        found.add([first, ...rest].join("."));
    }
    return [...found];
}

type Json = Record<string, unknown>;

const fixtures = (): (Json & { detail: Json })[] =>
    (
        JSON.parse(
            fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", "guardduty-events.json"), "utf8"),
        ) as {
            samples: { event: Json & { detail: Json } }[];
        }
    ).samples.map((s) => s.event);

/**
 * The SDK's shape of a finding document: the members of GetFindings' answer are the event's JSON names with a
 * capital (id -> Id, remoteIpDetails -> RemoteIpDetails), except additionalInfo, a JSON document the SDK
 * carries as { Value, Type } (ServiceAdditionalInfo).
 */
function sdkShape(value: unknown, key = ""): unknown {
    if (key === "additionalInfo") return { Value: JSON.stringify(value), Type: "default" };
    if (Array.isArray(value)) return value.map((v) => sdkShape(v));
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), sdkShape(v, k)]),
    );
}

/** The burst's events in arrival order, with the administrator's copy of each finding. */
export function burstArrivals(
    w: BurstWorkload,
    hosts: Host[],
    epochMs: number,
    adminAccount: string,
): Arrival[] {
    const random = seededRandom(w.seed);
    const addresses = attackers(w.attackers, random);
    const [ssh, bitcoin] = [
        "UnauthorizedAccess:EC2/SSHBruteForce",
        "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    ].map((type) => {
        const found = fixtures().find((e) => e.detail.type === type);
        if (found === undefined) throw new Error(`test/fixtures/guardduty-events.json: no ${type} event`);
        return found;
    });
    const times = Array.from({ length: w.findings }, () => Math.floor(random() * w.overSeconds * 1000)).sort(
        (a, b) => a - b,
    );
    const seen = new Map<string, { count: number; first: string }>();
    return times.map((at) => {
        const host = hosts[Math.floor(random() * hosts.length)];
        const isolate = random() < w.isolateShare;
        const address = isolate ? undefined : addresses[Math.floor(random() * addresses.length)];
        const type = isolate ? ISOLATE_TYPE : BLOCK_TYPE;
        // GuardDuty keeps one finding per type, resource and actor, and counts its recurrences.
        const id = createHash("sha256")
            .update(`${type}|${host.instanceId}|${address}`)
            .digest("hex")
            .slice(0, 32);
        const time = new Date(epochMs + at).toISOString();
        const history = seen.get(id) ?? { count: 0, first: time };
        history.count++;
        seen.set(id, history);
        const template = structuredClone(isolate ? bitcoin : ssh);
        const detail = template.detail as Json & { resource: { instanceDetails: Json }; service: Json };
        const detector = `d${host.region.replace(/-/g, "")}`.padEnd(32, "0");
        Object.assign(detail, {
            id,
            type,
            arn: `arn:aws:guardduty:${host.region}:${adminAccount}:detector/${detector}/finding/${id}`,
            accountId: host.accountId,
            region: host.region,
            partition: "aws",
            schemaVersion: "2.0",
            severity: isolate ? 8 : 5,
            title: isolate
                ? `Bitcoin-related activity on EC2 instance ${host.instanceId}.`
                : `${address} on a custom threat list is communicating with ${host.instanceId}.`,
            createdAt: history.first,
            updatedAt: time,
        });
        Object.assign(detail.resource.instanceDetails, {
            instanceId: host.instanceId,
            tags: [],
            networkInterfaces: [
                {
                    networkInterfaceId: host.networkInterfaceId,
                    subnetId: host.subnetId,
                    vpcId: host.vpcId,
                    privateIpAddress: host.privateIp,
                    securityGroups: [{ groupId: `sg-workload-${host.vpcId}`, groupName: "workload" }],
                },
            ],
        });
        Object.assign(detail.service, {
            // A real finding, not a sample: no "sample" in additionalInfo, no "[SAMPLE]" title.
            additionalInfo: { threatListName: "worm-indicators" },
            count: history.count,
            eventFirstSeen: history.first,
            eventLastSeen: time,
        });
        if (address !== undefined) {
            const action = (detail.service.action as { networkConnectionAction: { remoteIpDetails: Json } })
                .networkConnectionAction;
            action.remoteIpDetails.ipAddressV4 = address;
        }
        const eventId = [8, 4, 4, 4, 12]
            .map((width) => hex(Math.floor(random() * 16 ** width), width))
            .join("-");
        const event = { ...template, id: eventId, account: adminAccount, region: host.region, time, detail };
        return {
            at,
            event: event as unknown as Arrival["event"],
            region: host.region,
            finding: sdkShape(detail) as Finding,
        };
    });
}
