import { strict as assert } from "node:assert";
import {
    GetFindingsCommand,
    GuardDutyClient,
    ListDetectorsCommand,
    type Finding,
} from "@aws-sdk/client-guardduty";
import { mockClient } from "aws-sdk-client-mock";
import { confirmFinding, detailOf } from "../functions/response/confirm";
import { refused } from "./helpers/response-world";
import { testRun } from "./helpers/run";

/*
 * Reading a finding back from the administrator's GuardDuty: the SDK's GetFindings shape (PascalCase members,
 * `Service.AdditionalInfo` as { Value: a JSON document, Type }, @aws-sdk/client-guardduty's Finding) turned into
 * the fields the ladder reads under their finding-format names, and the checks an event must pass against it.
 */

const FULL: Finding = {
    Id: "f-1",
    Type: "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
    Title: "A title",
    Severity: 5,
    AccountId: "444444444444",
    Region: "us-east-1",
    UpdatedAt: "2026-12-01T09:00:00.000Z",
    Arn: "arn:aws:guardduty:us-east-1:444444444444:detector/d/finding/f-1",
    CreatedAt: "2026-12-01T08:00:00.000Z",
    Partition: "aws",
    SchemaVersion: "2.0",
    Resource: {
        ResourceType: "Instance",
        InstanceDetails: {
            InstanceId: "i-0a1b2c3d4e5f60718",
            Tags: [{ Key: "Name", Value: "web-1" }],
            NetworkInterfaces: [{ NetworkInterfaceId: "eni-1", SubnetId: "subnet-1", VpcId: "vpc-1" }],
        },
        AccessKeyDetails: { AccessKeyId: "AKIA1", PrincipalId: "P1", UserName: "alice", UserType: "IAMUser" },
        S3BucketDetails: [{ Name: "bucket-1" }],
    },
    Service: {
        Archived: false,
        Count: 3,
        EventFirstSeen: "2026-12-01T07:00:00.000Z",
        EventLastSeen: "2026-12-01T08:30:00.000Z",
        AdditionalInfo: { Value: '{"sample":true,"threatListName":"x"}', Type: "default" },
        Action: {
            ActionType: "NETWORK_CONNECTION",
            NetworkConnectionAction: {
                RemoteIpDetails: { IpAddressV4: "185.220.101.7", IpAddressV6: "2a00::1" },
            },
            PortProbeAction: { PortProbeDetails: [{ RemoteIpDetails: { IpAddressV4: "203.0.113.5" } }, {}] },
        },
    },
};

function guardDuty(findings: Finding[] | undefined, detectors: string[] | "absent" = ["d-1"]) {
    const client = new GuardDutyClient({ region: "us-east-1" });
    const mock = mockClient(client);
    mock.on(ListDetectorsCommand).resolves(detectors === "absent" ? {} : { DetectorIds: detectors });
    mock.on(GetFindingsCommand).resolves({ Findings: findings });
    return { client, mock };
}

describe("reading a finding back from GuardDuty", () => {
    it("maps every field the ladder reads, from the SDK's names to the finding format's", () => {
        assert.deepEqual(detailOf(FULL), {
            id: "f-1",
            type: "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
            title: "A title",
            severity: 5,
            accountId: "444444444444",
            region: "us-east-1",
            updatedAt: "2026-12-01T09:00:00.000Z",
            resource: {
                resourceType: "Instance",
                instanceDetails: {
                    instanceId: "i-0a1b2c3d4e5f60718",
                    tags: [{ key: "Name", value: "web-1" }],
                    networkInterfaces: [
                        { networkInterfaceId: "eni-1", subnetId: "subnet-1", vpcId: "vpc-1" },
                    ],
                },
                accessKeyDetails: {
                    accessKeyId: "AKIA1",
                    principalId: "P1",
                    userName: "alice",
                    userType: "IAMUser",
                },
                s3BucketDetails: [{ name: "bucket-1" }],
            },
            service: {
                archived: false,
                additionalInfo: { sample: true },
                count: 3,
                eventFirstSeen: "2026-12-01T07:00:00.000Z",
                eventLastSeen: "2026-12-01T08:30:00.000Z",
                action: {
                    actionType: "NETWORK_CONNECTION",
                    networkConnectionAction: {
                        remoteIpDetails: { ipAddressV4: "185.220.101.7", ipAddressV6: "2a00::1" },
                    },
                    portProbeAction: {
                        portProbeDetails: [
                            { remoteIpDetails: { ipAddressV4: "203.0.113.5", ipAddressV6: undefined } },
                            { remoteIpDetails: undefined },
                        ],
                    },
                },
            },
        });
    });

    it("reads a finding with nothing but its identity without failing, every other field missing", () => {
        const bare = { Id: "f-2", AccountId: "444444444444", Region: "us-east-1" } as Finding;
        assert.deepEqual(detailOf(bare), {
            id: "f-2",
            type: undefined,
            title: undefined,
            severity: undefined,
            accountId: "444444444444",
            region: "us-east-1",
            updatedAt: undefined,
            resource: {
                resourceType: undefined,
                instanceDetails: undefined,
                accessKeyDetails: undefined,
                s3BucketDetails: undefined,
            },
            service: {
                archived: undefined,
                count: undefined,
                eventFirstSeen: undefined,
                eventLastSeen: undefined,
                action: undefined,
            },
        });
        const empty = detailOf({
            ...bare,
            Resource: { InstanceDetails: {} },
            Service: { Action: {}, AdditionalInfo: {} },
        } as Finding);
        assert.deepEqual(empty.resource?.instanceDetails, {
            instanceId: undefined,
            tags: undefined,
            networkInterfaces: undefined,
        });
        assert.deepEqual(empty.service?.action, {
            actionType: undefined,
            networkConnectionAction: undefined,
            portProbeAction: undefined,
        });
        assert.equal(empty.service?.additionalInfo, undefined);
        const noDetails = detailOf({ ...bare, Service: { Action: { PortProbeAction: {} } } } as Finding);
        assert.deepEqual(noDetails.service?.action?.portProbeAction, { portProbeDetails: undefined });
    });

    it("takes a sample only from additionalInfo's document saying sample: true", () => {
        const info = (Value: string | undefined) =>
            detailOf({ ...FULL, Service: { AdditionalInfo: { Value, Type: "default" } } }).service
                ?.additionalInfo;
        assert.deepEqual(info('{"sample":true}'), { sample: true });
        for (const value of ['{"sample":false}', '{"sample":"true"}', "{}", "not JSON", "null", undefined])
            assert.equal(info(value), undefined, String(value));
    });

    it("confirms an event that matches, lists the detector once per client, and asks for exactly that finding", async () => {
        const { client, mock } = guardDuty([{ ...FULL, Id: "other" }, FULL]);
        const event = detailOf(FULL);
        const first = await confirmFinding(() => client, event, testRun());
        assert.deepEqual(first, { kind: "confirmed", finding: detailOf(FULL) });
        await confirmFinding(() => client, event, testRun());
        assert.equal(mock.commandCalls(ListDetectorsCommand).length, 1);
        assert.deepEqual(
            mock.commandCalls(GetFindingsCommand).map((c) => c.args[0].input),
            [
                { DetectorId: "d-1", FindingIds: ["f-1"] },
                { DetectorId: "d-1", FindingIds: ["f-1"] },
            ],
        );
    });

    it("names every field the event and GuardDuty disagree on", async () => {
        const { client } = guardDuty([FULL]);
        const event = { ...detailOf(FULL), accountId: "555555555555", type: "Recon:EC2/Portscan" };
        assert.deepEqual(await confirmFinding(() => client, event, testRun()), {
            kind: "unconfirmed",
            reason: 'the event does not match the finding GuardDuty holds: accountId is "555555555555" in the event, "444444444444" in GuardDuty; type is "Recon:EC2/Portscan" in the event, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom" in GuardDuty',
        });
    });

    it("refuses an event without an ID or region before any call, and fails without a detector or the finding", async () => {
        const { client, mock } = guardDuty([FULL]);
        for (const event of [{ region: "us-east-1" }, { id: "f-1" }])
            assert.deepEqual(await confirmFinding(() => client, event, testRun()), {
                kind: "unconfirmed",
                reason: "the event names no finding ID or region to read it back from",
            });
        assert.equal(mock.calls().length, 0);
        for (const detectors of [[], "absent"] as const) {
            const none = guardDuty([FULL], detectors === "absent" ? detectors : []);
            await assert.rejects(
                confirmFinding(() => none.client, detailOf(FULL), testRun()),
                {
                    message: "the security account has no GuardDuty detector in us-east-1",
                },
            );
        }
        for (const findings of [undefined, [], [{ ...FULL, Id: "other" }]]) {
            const held = guardDuty(findings);
            await assert.rejects(
                confirmFinding(() => held.client, detailOf(FULL), testRun()),
                {
                    message: "GuardDuty's administrator holds no finding f-1 in us-east-1",
                },
            );
        }
    });

    it("asks in the finding's region, and names each call when time runs out", async () => {
        const { client } = guardDuty([FULL]);
        const regions: string[] = [];
        const event = detailOf({ ...FULL, Region: "eu-west-1" });
        await assert.rejects(
            confirmFinding(
                (region) => {
                    regions.push(region);
                    return client;
                },
                event,
                testRun(0),
            ),
            refused("guardduty:ListDetectors"),
        );
        assert.deepEqual(regions, ["eu-west-1"]);
        // Time runs out while the detector is listed: the read-back is the call refused.
        const other = guardDuty([FULL]);
        const run = testRun(1_000);
        other.mock.on(ListDetectorsCommand).callsFake(() => {
            run.clock.now = 1_000;
            return { DetectorIds: ["d-1"] };
        });
        await assert.rejects(
            confirmFinding(() => other.client, event, run),
            refused("guardduty:GetFindings"),
        );
    });
});
