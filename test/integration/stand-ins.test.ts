import { strict as assert } from "node:assert";
import { GetFindingsCommand, GuardDutyClient, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { PUBLIC_IP } from "../helpers/response";
import { ungated } from "./aws-gate";
import { blockEvent, published } from "./events";
import { findingId, network } from "./seed";
import { EMULATOR_STANDS_IN } from "./stand-ins";
import { gatedWorld } from "./gated-world";
import { HOME, type Deployed, type World } from "./world";

/*
 * The stand-ins themselves (stand-ins.ts): each still needed (moto still lacks its operation), each answering in
 * the SDK's real shapes, and only after the caller's planned policies allow the call.
 */

describe("integration: the stand-in for GuardDuty GetFindings, which moto lacks", function () {
    this.timeout(120_000);
    const opened = gatedWorld();
    let w: World;
    let responder: Deployed;
    const gatedClient = (deployed: Deployed) =>
        new GuardDutyClient({
            endpoint: w.endpoint,
            region: HOME,
            maxAttempts: 1,
            credentials: {
                accessKeyId: deployed.environment.AWS_ACCESS_KEY_ID,
                secretAccessKey: deployed.environment.AWS_SECRET_ACCESS_KEY,
                sessionToken: deployed.environment.AWS_SESSION_TOKEN,
            },
        });

    before(async () => {
        w = opened();
        responder = await w.deploy("responder");
    });

    it("is still needed: moto's own server does not answer GetFindings", async () => {
        assert.deepEqual(Object.keys(EMULATOR_STANDS_IN), ["GuardDuty:GetFindings"]);
        const guardduty = await w.client(GuardDutyClient, w.security, HOME);
        const [detector] = (await guardduty.send(new ListDetectorsCommand({}))).DetectorIds ?? [];
        assert.ok(detector);
        await assert.rejects(
            ungated(guardduty).send(new GetFindingsCommand({ DetectorId: detector, FindingIds: ["x"] })),
            (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 404,
        );
    });

    it("answers the administrator's copy in the SDK's shape, leaves out what it does not hold, refuses another's detector", async () => {
        const net = await network(w, w.workloads[0], "10.51");
        const id = findingId("stand-in");
        published(w, blockEvent(w.workloads[0], id, net));
        const guardduty = gatedClient(responder);
        const [detector] = (await guardduty.send(new ListDetectorsCommand({}))).DetectorIds ?? [];
        const got = await guardduty.send(
            new GetFindingsCommand({ DetectorId: detector, FindingIds: [id, "not-held"] }),
        );
        assert.deepEqual(
            got.Findings?.map((f) => [f.Id, f.AccountId, f.Region, f.Type]),
            [[id, w.workloads[0], HOME, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"]],
        );
        const [finding] = got.Findings ?? [];
        assert.equal(
            finding.Service?.Action?.NetworkConnectionAction?.RemoteIpDetails?.IpAddressV4,
            PUBLIC_IP,
        );
        assert.equal(finding.Resource?.InstanceDetails?.NetworkInterfaces?.[0]?.SubnetId, net.subnetId);
        assert.equal(finding.Service?.Count, 1);
        // ServiceAdditionalInfo: the finding format's object as a JSON string, with its type.
        assert.equal(finding.Service?.AdditionalInfo?.Type, "default");
        assert.equal(typeof finding.Service?.AdditionalInfo?.Value, "string");
        assert.equal(
            (JSON.parse(String(finding.Service?.AdditionalInfo?.Value)) as { sample?: boolean }).sample,
            undefined,
        );
        // Simulated under the responder's planned role first, like every call.
        const call = w.gate.calls.find((c) => c.command === "GetFindings");
        assert.deepEqual(
            call?.requests.map((r) => `${r.action} ${r.resource} ${r.decision}`),
            ["guardduty:GetFindings * Allowed"],
        );
        await assert.rejects(
            guardduty.send(
                new GetFindingsCommand({ DetectorId: "0123456789abcdef0123456789abcdef", FindingIds: [id] }),
            ),
            (e: Error) =>
                e.name === "BadRequestException" && /not owned by the current account/.test(e.message),
        );
    });

    it("answers nothing to a role the planned policies do not allow GetFindings", async () => {
        const coverage = await w.deploy("coverage");
        const guardduty = gatedClient(coverage);
        const [detector] = (await guardduty.send(new ListDetectorsCommand({}))).DetectorIds ?? [];
        await assert.rejects(
            guardduty.send(new GetFindingsCommand({ DetectorId: detector, FindingIds: ["x"] })),
            (e: Error) => e.name === "AccessDeniedException",
        );
        assert.deepEqual(
            w.gate.calls.filter((c) => c.command === "GetFindings").map((c) => c.outcome),
            ["AccessDeniedException"],
        );
        // The refusal was the point: it is taken off the calls every test checks for refusals.
        w.gate.calls.splice(0);
    });
});
