import {
    GetFindingsCommand,
    ListDetectorsCommand,
    type Finding,
    type GuardDutyClient,
} from "@aws-sdk/client-guardduty";
import type { Run } from "../shared/run";
import type { FindingDetail } from "./ladder";

/*
 * The finding as the administrator's GuardDuty holds it. An event is only a message about a finding; before any
 * change the responder reads the finding back from the delegated administrator's detector in the finding's
 * region (GetFindings: the administrator sees its members' findings) and acts on that copy. An event whose
 * finding is not there, or is another account's, region's or type's, is recorded and told, never acted on.
 */

export type Confirmation =
    | { kind: "confirmed"; finding: FindingDetail }
    /** The event describes the finding otherwise than the administrator holds it: never acted on. */
    | { kind: "unconfirmed"; reason: string };

/** Detector IDs by client (one client per region): a detector's ID does not change while it exists. */
const detectors = new WeakMap<GuardDutyClient, string>();

/** The detector of this account in the client's region: GuardDuty has one per account and region. */
async function detectorId(guardduty: GuardDutyClient, region: string, run: Run): Promise<string> {
    const known = detectors.get(guardduty);
    if (known !== undefined) return known;
    const listed = await run.call("guardduty:ListDetectors", () =>
        guardduty.send(new ListDetectorsCommand({})),
    );
    const id = listed.DetectorIds?.[0];
    if (id === undefined) throw new Error(`the security account has no GuardDuty detector in ${region}`);
    detectors.set(guardduty, id);
    return id;
}

/**
 * `service.additionalInfo` is a JSON document in the finding format ("sample": true on a sample); the SDK models
 * it as { Value, Type } with the document as the Value string (ServiceAdditionalInfo).
 */
function sampleFlag(finding: Finding): boolean | undefined {
    const value = finding.Service?.AdditionalInfo?.Value;
    if (value === undefined) return undefined;
    try {
        const parsed = JSON.parse(value) as { sample?: unknown };
        return parsed.sample === true ? true : undefined;
    } catch {
        return undefined;
    }
}

const remote = (details: { IpAddressV4?: string; IpAddressV6?: string } | undefined) =>
    details === undefined
        ? undefined
        : { ipAddressV4: details.IpAddressV4, ipAddressV6: details.IpAddressV6 };

/** The fields the ladder reads, from the SDK's shape to the finding format's names (ladder.ts, FindingDetail). */
export function detailOf(finding: Finding): FindingDetail {
    const resource = finding.Resource;
    const instance = resource?.InstanceDetails;
    const key = resource?.AccessKeyDetails;
    const service = finding.Service;
    const action = service?.Action;
    const sample = sampleFlag(finding);
    return {
        id: finding.Id,
        type: finding.Type,
        title: finding.Title,
        severity: finding.Severity,
        accountId: finding.AccountId,
        region: finding.Region,
        updatedAt: finding.UpdatedAt,
        resource: {
            resourceType: resource?.ResourceType,
            instanceDetails:
                instance === undefined
                    ? undefined
                    : {
                          instanceId: instance.InstanceId,
                          tags: instance.Tags?.map((t) => ({ key: t.Key, value: t.Value })),
                          networkInterfaces: instance.NetworkInterfaces?.map((n) => ({
                              networkInterfaceId: n.NetworkInterfaceId,
                              subnetId: n.SubnetId,
                              vpcId: n.VpcId,
                          })),
                      },
            accessKeyDetails:
                key === undefined
                    ? undefined
                    : {
                          accessKeyId: key.AccessKeyId,
                          principalId: key.PrincipalId,
                          userName: key.UserName,
                          userType: key.UserType,
                      },
            s3BucketDetails: resource?.S3BucketDetails?.map((b) => ({ name: b.Name })),
        },
        service: {
            archived: service?.Archived,
            ...(sample === undefined ? {} : { additionalInfo: { sample } }),
            count: service?.Count,
            eventFirstSeen: service?.EventFirstSeen,
            eventLastSeen: service?.EventLastSeen,
            action:
                action === undefined
                    ? undefined
                    : {
                          actionType: action.ActionType,
                          networkConnectionAction:
                              action.NetworkConnectionAction === undefined
                                  ? undefined
                                  : {
                                        remoteIpDetails: remote(
                                            action.NetworkConnectionAction.RemoteIpDetails,
                                        ),
                                    },
                          portProbeAction:
                              action.PortProbeAction === undefined
                                  ? undefined
                                  : {
                                        portProbeDetails: action.PortProbeAction.PortProbeDetails?.map(
                                            (d) => ({
                                                remoteIpDetails: remote(d.RemoteIpDetails),
                                            }),
                                        ),
                                    },
                      },
        },
    };
}

/** What in the event disagrees with the administrator's copy, or undefined. */
function disagreement(event: FindingDetail, held: FindingDetail): string | undefined {
    const fields = ["accountId", "region", "type"] as const;
    const differ = fields.filter((field) => event[field] !== held[field]);
    if (differ.length === 0) return undefined;
    return differ
        .map(
            (f) =>
                `${f} is ${JSON.stringify(event[f])} in the event, ${JSON.stringify(held[f])} in GuardDuty`,
        )
        .join("; ");
}

/**
 * Reads the event's finding back from the administrator's detector in the finding's region. Errors (access, no
 * detector, throttling, a finding not held) are thrown: the decision fails, nothing is done, and the finding's
 * next event tries again.
 */
export async function confirmFinding(
    guardduty: (region: string) => GuardDutyClient,
    event: FindingDetail,
    run: Run,
): Promise<Confirmation> {
    if (event.id === undefined || event.region === undefined)
        return {
            kind: "unconfirmed",
            reason: "the event names no finding ID or region to read it back from",
        };
    const client = guardduty(event.region);
    const detector = await detectorId(client, event.region, run);
    const got = await run.call("guardduty:GetFindings", () =>
        client.send(new GetFindingsCommand({ DetectorId: detector, FindingIds: [event.id as string] })),
    );
    const held = got.Findings?.find((f) => f.Id === event.id);
    // Not (yet) held: a failure, so that the finding's next event tries again, rather than a settled skip.
    if (held === undefined)
        throw new Error(`GuardDuty's administrator holds no finding ${event.id} in ${event.region}`);
    const copy = detailOf(held);
    const differs = disagreement(event, copy);
    return differs === undefined
        ? { kind: "confirmed", finding: copy }
        : { kind: "unconfirmed", reason: `the event does not match the finding GuardDuty holds: ${differs}` };
}
