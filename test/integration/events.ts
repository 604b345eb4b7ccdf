import { randomUUID } from "node:crypto";
import type { FindingDetail } from "../../functions/response/ladder";
import type { FindingEvent } from "../../functions/response/respond";
import { findingEvent, maliciousCallerEvent, type Json } from "../helpers/response";
import type { Network } from "./seed";
import { heldKey, type WireFinding } from "./stand-ins";
import { HOME, type World } from "./world";

/*
 * Findings as GuardDuty sends them: a "GuardDuty Finding" event (EventBridge user guide, events-ref-guardduty)
 * whose finding the administrator's GuardDuty holds (`published`), built from the fixtures of
 * test/fixtures/guardduty-events.json. Those are GuardDuty's sample findings: the events here carry none of a
 * sample's marks (`realShaped`), except the samples `sampleOf` makes on purpose.
 */

/** The envelope's fields beyond those the responder reads (EventBridge user guide, events-ref-guardduty). */
type Event = FindingEvent & {
    detail: FindingDetail & Json;
    time?: string;
    region?: string;
    account?: string;
};

/** Whether a finding carries either of GuardDuty's sample marks (the user guide's, checked here on their own). */
export function sampleMarked(detail: FindingDetail): boolean {
    return detail.service?.additionalInfo?.sample === true || (detail.title ?? "").startsWith("[SAMPLE]");
}

/**
 * A fixture's event made a real one: the fixtures are GuardDuty's sample findings, so their sample mark is taken
 * off, their placeholders of the instance and address replaced, and the event, its finding's ARN and its first
 * occurrence dated now, as GuardDuty dates a new finding.
 */
function realShaped(event: Event, names: { instanceId?: string; address?: string } = {}): Event {
    const d = event.detail;
    const service = (d.service ?? {}) as NonNullable<FindingDetail["service"]> & Json;
    d.service = service;
    if (service.additionalInfo !== undefined) delete service.additionalInfo.sample;
    const now = new Date().toISOString();
    const rename = (text: unknown) =>
        typeof text === "string"
            ? text
                  .replaceAll("i-99999999", names.instanceId ?? "i-99999999")
                  .replaceAll("198.51.100.0", names.address ?? "198.51.100.0")
            : text;
    d.title = rename(d.title) as string | undefined;
    d.description = rename(d.description);
    d.createdAt = now;
    d.updatedAt = now;
    service.eventFirstSeen = now;
    service.eventLastSeen = now;
    service.count = 1;
    service.detectorId = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    d.arn = `arn:aws:guardduty:${String(d.region)}:${String(d.accountId)}:detector/${service.detectorId}/finding/${String(d.id)}`;
    event.id = randomUUID();
    event.time = now;
    event.region = HOME;
    if (sampleMarked(d)) throw new Error("a real finding event carries a sample mark");
    return event;
}

/**
 * The finding as GetFindings answers it on the wire: the event's detail is the finding in the same JSON, except
 * that `service.additionalInfo` is an object in the event and a ServiceAdditionalInfo on the API, its `value` the
 * object as a JSON string (GuardDuty API reference, ServiceAdditionalInfo).
 */
export function wireFinding(detail: FindingDetail): WireFinding {
    const copy = structuredClone(detail) as Json;
    const service = copy.service as Json | undefined;
    if (service?.additionalInfo !== undefined && typeof service.additionalInfo === "object")
        service.additionalInfo = { value: JSON.stringify(service.additionalInfo), type: "default" };
    return copy;
}

/**
 * GuardDuty publishes the event of a finding its administrator holds: the administrator's copy (the security
 * account's detector in the finding's region) is stored for the GetFindings stand-in, with `edit` applied to it
 * alone, and the event is returned as sent.
 */
export function published<E extends FindingEvent & { detail: FindingDetail }>(
    w: World,
    event: E,
    edit: (held: FindingDetail & Json) => void = () => undefined,
): E {
    const held = structuredClone(event.detail) as FindingDetail & Json;
    edit(held);
    const key = heldKey(w.security, String(held.region ?? event.detail.region));
    const detector = w.settings.guardDutyFindings.get(key) ?? new Map<string, WireFinding>();
    detector.set(String(held.id), wireFinding(held));
    w.settings.guardDutyFindings.set(key, detector);
    return event;
}

/** The same finding's next occurrence: GuardDuty counts it once more and moves its last-seen time on. */
export function recurrence<E extends FindingEvent & { detail: FindingDetail }>(event: E, later: Date): E {
    const next = structuredClone(event);
    const service = next.detail.service ?? {};
    next.detail.service = service;
    service.count = (service.count ?? 1) + 1;
    service.eventLastSeen = later.toISOString();
    next.detail.updatedAt = later.toISOString();
    next.id = randomUUID();
    return next;
}

/** A sample of the same finding, as CreateSampleFindings makes one: with either mark, or both. */
export function sampleOf<E extends FindingEvent & { detail: FindingDetail }>(
    event: E,
    marks: { additionalInfo?: boolean; title?: boolean },
): E {
    const sample = structuredClone(event);
    const service = sample.detail.service ?? {};
    sample.detail.service = service;
    if (marks.additionalInfo === true) service.additionalInfo = { ...service.additionalInfo, sample: true };
    if (marks.title === true) sample.detail.title = `[SAMPLE] ${sample.detail.title ?? ""}`;
    return sample;
}

/** The threat-list hit of the workshop, from `address` (PUBLIC_IP), against an instance in `net`. */
export function blockEvent(
    account: string,
    id: string,
    net: Network,
    address?: string,
): FindingEvent & { detail: FindingDetail } {
    const event = maliciousCallerEvent((d) => {
        d.accountId = account;
        d.region = HOME;
        d.id = id;
        const ni = d.resource?.instanceDetails?.networkInterfaces?.[0];
        if (ni === undefined) throw new Error("fixture without an interface");
        ni.subnetId = net.subnetId;
        ni.vpcId = net.vpcId;
        const remote = d.service?.action?.networkConnectionAction?.remoteIpDetails;
        if (address !== undefined && remote !== undefined) remote.ipAddressV4 = address;
        d.title = `EC2 instance i-99999999 is communicating with ${remote?.ipAddressV4 ?? "?"}, an IP address on a custom threat list.`;
    }) as Event;
    const remote = event.detail.service?.action?.networkConnectionAction?.remoteIpDetails?.ipAddressV4;
    return realShaped(event, { address: remote });
}

/** A bitcoin-mining finding against `instance`. */
export function isolateEvent(
    account: string,
    id: string,
    net: Network,
    target: { instanceId: string; eniId: string },
): FindingEvent & { detail: FindingDetail } {
    const event = findingEvent("CryptoCurrency:EC2/BitcoinTool.B!DNS", (d) => {
        d.accountId = account;
        d.region = HOME;
        d.id = id;
        d.severity = 8;
        const details = (d.resource as Json).instanceDetails as Json;
        details.instanceId = target.instanceId;
        details.tags = [];
        details.networkInterfaces = [
            { networkInterfaceId: target.eniId, subnetId: net.subnetId, vpcId: net.vpcId },
        ];
    }) as Event;
    return realShaped(event, { instanceId: target.instanceId });
}

/** The credential exfiltration finding, naming an IAM user's key or a role's session. */
export function credentialsEvent(
    account: string,
    id: string,
    key: { userType: "IAMUser" | "AssumedRole"; userName: string; accessKeyId: string },
): FindingEvent & { detail: FindingDetail } {
    const event = findingEvent("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
        d.type = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS";
        d.accountId = account;
        d.region = HOME;
        d.id = id;
        d.severity = 8;
        d.title = `Credentials for ${key.userName} were used from an external IP address.`;
        (d.resource as Json).accessKeyDetails = { ...key, principalId: "AIDAEXAMPLE" };
    }) as Event;
    return realShaped(event);
}

/** A public bucket finding. */
export function bucketEvent(
    account: string,
    id: string,
    buckets: string[],
): FindingEvent & { detail: FindingDetail } {
    const event = findingEvent("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
        d.type = "Policy:S3/BucketBlockPublicAccessDisabled";
        d.accountId = account;
        d.region = HOME;
        d.id = id;
        d.severity = 5;
        d.title = `Amazon S3 Block Public Access was disabled for S3 bucket ${buckets[0] ?? ""}.`;
        (d.resource as Json).resourceType = "S3Bucket";
        (d.resource as Json).s3BucketDetails = buckets.map((name) => ({ name, type: "Destination" }));
    }) as Event;
    return realShaped(event);
}
