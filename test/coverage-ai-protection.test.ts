import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import {
    GetMemberDetectorsCommand,
    GuardDutyClient,
    ListMembersCommand as ListGuardDutyMembers,
    OrgFeature,
} from "@aws-sdk/client-guardduty";
import { HttpResponse, type HttpRequest } from "@smithy/core/protocols";
import { mockClient } from "aws-sdk-client-mock";
import { coverageMatrix, type CoverageExpectation, type RegionReading } from "../functions/coverage/matrix";
import { readGuardDuty } from "../functions/coverage/readers";
import type { OrgAccount } from "../functions/enrollment/reconcile";
import { parseStackConfig } from "../stacks/config";
import { coverageExpectation } from "../stacks/coverage";
import { readStackConfigValues } from "../tools/plan-runtime";
import { testRun } from "./helpers/run";

/*
 * AI Protection through the coverage reader. The pinned @aws-sdk/client-guardduty (3.1048.0) has no AI_PROTECTION in
 * its `OrgFeature` enum, while GuardDuty reports it in GetMemberDetectors `features[].name` since July 2026: the reader
 * must keep the name GuardDuty sent, and the matrix must judge it where the stack requires it and GuardDuty offers it.
 */

const ADMIN = "222222222222";
const MANAGEMENT = "111111111111";
const W1 = "300000000001";
const DETECTOR = "12abc34d567e8fa901bc2d34e56789f0";
const ACCOUNTS: OrgAccount[] = [
    { id: MANAGEMENT, email: "m@example.com", state: "ACTIVE" },
    { id: ADMIN, email: "s@example.com", state: "ACTIVE" },
    { id: W1, email: "1@example.com", state: "ACTIVE" },
];

/** A feature as GuardDuty sends it (API reference, MemberFeaturesConfigurationResult): the name is a string. */
interface WireFeature {
    Name: string;
    Status: "ENABLED" | "DISABLED";
    UpdatedAt: Date;
    AdditionalConfiguration?: { Name: string; Status: string; UpdatedAt: Date }[];
}

/** Every plan a member of the default stack has, as GuardDuty reports them, AI Protection `ai`. */
function memberFeatures(ai: "ENABLED" | "DISABLED"): WireFeature[] {
    const updated = new Date("2026-11-30T12:00:00Z");
    const known = Object.values(OrgFeature)
        .filter((name) => name !== "EKS_RUNTIME_MONITORING")
        .map((name): WireFeature => ({ Name: name, Status: "ENABLED", UpdatedAt: updated }));
    return [...known, { Name: "AI_PROTECTION", Status: ai, UpdatedAt: updated }];
}

const devConfig = () => parseStackConfig(readStackConfigValues("dev"));

/** The reader's observations in one region, GuardDuty answering through aws-sdk-client-mock. */
async function readMocked(ai: "ENABLED" | "DISABLED") {
    const client = new GuardDutyClient({ region: "eu-west-1" });
    const mock = mockClient(client);
    try {
        mock.on(ListGuardDutyMembers).resolves({
            Members: [MANAGEMENT, W1].map((AccountId) => ({
                AccountId,
                DetectorId: DETECTOR,
                MasterId: ADMIN,
                AdministratorId: ADMIN,
                Email: `${AccountId}@example.com`,
                RelationshipStatus: "Enabled",
                InvitedAt: "2026-11-01T00:00:00.000Z",
                UpdatedAt: "2026-11-01T00:00:00.000Z",
            })),
        });
        // callsFake answers with the wire shape, names as strings: no cast to the SDK's narrower union.
        mock.on(GetMemberDetectorsCommand).callsFake((input: { AccountIds?: string[] }) => ({
            MemberDataSourceConfigurations: (input.AccountIds ?? []).map((AccountId) => ({
                AccountId,
                Features: memberFeatures(AccountId === W1 ? ai : "ENABLED"),
            })),
            UnprocessedAccounts: [],
        }));
        return await readGuardDuty(client, DETECTOR, testRun());
    } finally {
        mock.restore();
    }
}

function judge(
    observations: RegionReading["observations"],
    region: string,
    expectation: CoverageExpectation,
) {
    const report = coverageMatrix({
        accounts: ACCOUNTS,
        expectation: { ...expectation, regions: { guardduty: [region] } },
        readings: [{ service: "guardduty", region, observations }],
        generatedAt: "2026-12-01T00:00:00.000Z",
    });
    return report.rows[0].gaps;
}

describe("coverage of GuardDuty AI Protection", () => {
    it("the pinned SDK's enum does not know AI_PROTECTION (so the reader must not rely on it)", () => {
        const names: readonly string[] = Object.values(OrgFeature);
        assert.ok(!names.includes("AI_PROTECTION"));
    });

    it("the default stack requires AI_PROTECTION of every member", () => {
        assert.ok(coverageExpectation(devConfig()).guarddutyFeatures.includes("AI_PROTECTION"));
    });

    it("keeps AI_PROTECTION as GuardDuty reported it, and a member with it DISABLED is a gap", async () => {
        const observations = await readMocked("DISABLED");
        const member = observations.find((o) => o.accountId === W1);
        assert.equal(member?.plans?.AI_PROTECTION, "DISABLED");
        const gaps = judge(observations, "eu-west-1", coverageExpectation(devConfig()));
        assert.deepEqual(gaps, [
            { accountId: W1, reason: "protection plans not enabled: AI_PROTECTION DISABLED" },
        ]);
        // The same member with it ENABLED is covered.
        assert.deepEqual(
            judge(await readMocked("ENABLED"), "eu-west-1", coverageExpectation(devConfig())),
            [],
        );
    });

    it("is no gap where the stack leaves AI Protection out, nor in a region that lacks the plan", async () => {
        const observations = await readMocked("DISABLED");
        const config = devConfig();
        const without = coverageExpectation({
            ...config,
            guardduty: {
                ...config.guardduty,
                protections: config.guardduty.protections.filter((p) => p !== "AI_PROTECTION"),
            },
        });
        assert.deepEqual(judge(observations, "eu-west-1", without), []);
        // A region listed as lacking the plan: not judged there, still judged next door.
        const lacking: CoverageExpectation = {
            ...coverageExpectation(config),
            guarddutyFeaturesNotOfferedIn: { AI_PROTECTION: ["ap-east-2"] },
        };
        assert.deepEqual(judge(observations, "ap-east-2", lacking), []);
        assert.equal(judge(observations, "eu-west-1", lacking).length, 1);
    });

    it("the stack's own table excuses RDS Protection in Taipei only, and only where Taipei is governed", () => {
        const config = devConfig();
        const taipei = coverageExpectation({ ...config, regions: [...config.regions, "ap-east-2"] });
        assert.deepEqual(taipei.guarddutyFeaturesNotOfferedIn, { RDS_LOGIN_EVENTS: ["ap-east-2"] });
        const plans = Object.fromEntries(memberFeatures("ENABLED").map((f) => [f.Name, f.Status]));
        const withoutRds = Object.fromEntries(
            Object.entries(plans).filter(([name]) => name !== "RDS_LOGIN_EVENTS"),
        );
        const observations = [
            { accountId: MANAGEMENT, status: "ENABLED", plans },
            { accountId: W1, status: "ENABLED", plans: withoutRds },
        ];
        assert.deepEqual(judge(observations, "ap-east-2", taipei), []);
        assert.deepEqual(judge(observations, "eu-west-1", taipei), [
            { accountId: W1, reason: "protection plans not enabled: RDS_LOGIN_EVENTS not reported" },
        ]);
        assert.deepEqual(coverageExpectation(config).guarddutyFeaturesNotOfferedIn ?? {}, {});
    });

    it("does not judge a plan where the stack's config says GuardDuty refuses it, and still judges it elsewhere", async () => {
        const observations = await readMocked("DISABLED");
        const config = devConfig();
        const refused = coverageExpectation({
            ...config,
            regions: [...config.regions, "ap-east-2"],
            guardduty: { ...config.guardduty, protectionsNotOfferedIn: { AI_PROTECTION: ["eu-west-1"] } },
        });
        // Merged with the program's own table; regions the stack does not govern are not listed.
        assert.deepEqual(refused.guarddutyFeaturesNotOfferedIn, {
            RDS_LOGIN_EVENTS: ["ap-east-2"],
            AI_PROTECTION: ["eu-west-1"],
        });
        assert.deepEqual(judge(observations, "eu-west-1", refused), []);
        assert.equal(
            judge(observations, config.regions.find((r) => r !== "eu-west-1") ?? "", refused).length,
            1,
        );
    });

    it("the SDK's own deserializer passes AI_PROTECTION through from GuardDuty's JSON", async () => {
        // GetMemberDetectors and ListMembers answered on the wire (restJson1, the model's locationNames),
        // deserialized by the pinned SDK exactly as a real answer would be.
        const bodies: Record<string, unknown> = {
            "/detector/DETECTOR/member": {
                members: [
                    {
                        accountId: W1,
                        detectorId: DETECTOR,
                        masterId: ADMIN,
                        administratorId: ADMIN,
                        email: "1@example.com",
                        relationshipStatus: "Enabled",
                        invitedAt: "2026-11-01T00:00:00.000Z",
                        updatedAt: "2026-11-01T00:00:00.000Z",
                    },
                ],
            },
            "/detector/DETECTOR/member/detector/get": {
                // GetMemberDetectorsResponse: MemberDataSourceConfigurations is sent as `members`
                // (botocore service-2.json, locationName), not under its own name.
                members: [
                    {
                        accountId: W1,
                        dataSources: { cloudTrail: { status: "ENABLED" } },
                        features: [
                            { name: "S3_DATA_EVENTS", status: "ENABLED", updatedAt: 1764504000 },
                            { name: "AI_PROTECTION", status: "DISABLED", updatedAt: 1764504000 },
                        ],
                    },
                ],
                unprocessedAccounts: [],
            },
        };
        const asked: string[] = [];
        const client = new GuardDutyClient({
            region: "eu-west-1",
            credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
            requestHandler: {
                handle: async (request: HttpRequest) => {
                    const route = request.path.replace(DETECTOR, "DETECTOR");
                    asked.push(route);
                    const body = bodies[route];
                    return {
                        response: new HttpResponse({
                            statusCode: body === undefined ? 404 : 200,
                            headers: { "content-type": "application/json" },
                            body: Readable.from([Buffer.from(JSON.stringify(body ?? {}))]),
                        }),
                    };
                },
                updateHttpClientConfig: () => undefined,
                httpHandlerConfigs: () => ({}),
            },
        });
        const observations = await readGuardDuty(client, DETECTOR, testRun());
        assert.deepEqual(asked, Object.keys(bodies));
        assert.deepEqual(observations, [
            {
                accountId: W1,
                status: "ENABLED",
                plans: { S3_DATA_EVENTS: "ENABLED", AI_PROTECTION: "DISABLED" },
            },
        ]);
    });
});
