import { strict as assert } from "node:assert";
import { EC2Client, EC2ServiceException, type Instance } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { isolateInstance, type QuarantineLedger } from "../functions/response/isolate";
import type { ActionOutcome, Mode } from "../functions/response/network";
import { testRun } from "./helpers/run";

/*
 * Isolation call by call, and at the run's deadline. EC2 answers a script: each step names the call expected,
 * its exact input, and EC2's answer (a changing call sent with DryRun answers DryRunOperation when it would
 * have succeeded, EC2 API reference). With time enough, the calls are exactly the script's; then, for each step,
 * the clock runs out as the step before answers: Run.call refuses to start the call and names its scope, and
 * the run stops (the action records no failure) with nothing after it sent.
 */

const INSTANCE = "i-0123456789abcdef0";
const VPC = "vpc-0123456789abcdef0";
const RECORDED = "sg-0recorded";
const NEW = "sg-0new1";
const FINDING = "f-1";
const LIMIT = 600_000;
const PURPOSE = { Key: "security-governance:purpose", Value: "quarantine" };
const FINDING_TAG = { Key: "security-governance:finding", Value: FINDING };
const TARGET = {
    action: "isolateInstance" as const,
    instanceId: INSTANCE,
    networkInterfaces: ["eni-a"],
    vpcId: VPC,
};
const NOW = new Date("2026-12-01T10:00:00.000Z"); // "mx4izwg0" in base 36

const SNAPSHOT = `snapshots of every volume of ${INSTANCE}, tagged security-governance:finding=${FINDING}`;
const STOPPED = `${INSTANCE} stopped`;
const rehearsed = (eni: string, before: string) =>
    `${eni}: security groups ${before} would be replaced by security-governance-quarantine (made by the first act; the move is rehearsed once the group exists)`;

const ec2Error = (name: string, message: string) =>
    new EC2ServiceException({ name, $fault: "client", message, $metadata: {} });
const dryRun = () => ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
const refused = () => ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.");
const REFUSED = "UnauthorizedOperation: You are not authorized to perform this operation.";
const described = (instance: Instance) => ({
    Reservations: [{ Instances: [{ InstanceId: INSTANCE, ...instance }] }],
});
const byId = (id: string) => ({ GroupIds: [id] });
const group = (GroupId: string) => ({ SecurityGroups: [{ GroupId, VpcId: VPC, Tags: [PURPOSE] }] });
const rulesOf = (id: string) => ({ Filters: [{ Name: "group-id", Values: [id] }] });
const rules = (...ids: [string, boolean][]) => ({
    SecurityGroupRules: ids.map(([SecurityGroupRuleId, IsEgress]) => ({ SecurityGroupRuleId, IsEgress })),
});
const create = (DryRun: boolean) => ({
    // Unique per VPC, never "sg-...": the base name and the time in base 36 (CreateSecurityGroup).
    GroupName: "security-governance-quarantine-mx4izwg0",
    Description: "No traffic in or out: instances isolated by security-governance",
    VpcId: VPC,
    TagSpecifications: [{ ResourceType: "security-group", Tags: [PURPOSE] }],
    DryRun,
});
const snapshots = (DryRun: boolean) => ({
    InstanceSpecification: { InstanceId: INSTANCE },
    Description: `Evidence for GuardDuty finding ${FINDING}`,
    CopyTagsFromSource: "volume",
    TagSpecifications: [{ ResourceType: "snapshot", Tags: [FINDING_TAG] }],
    DryRun,
});
const modify = (eni: string, id: string, DryRun: boolean) => ({
    NetworkInterfaceId: eni,
    Groups: [id],
    DryRun,
});
const tag = (DryRun: boolean) => ({ Resources: [INSTANCE], Tags: [FINDING_TAG], DryRun });
const stop = (DryRun: boolean) => ({ InstanceIds: [INSTANCE], DryRun });

type Step = [call: string, input: object, answer: object | (() => Error)];
interface Script {
    name: string;
    mode: Mode;
    recorded?: string;
    steps: Step[];
    outcome: ActionOutcome;
    records: [string, string, string | undefined][];
}

const interfaces = [
    { NetworkInterfaceId: "eni-a", Groups: [{ GroupId: "sg-web" }] },
    { NetworkInterfaceId: "eni-b", Groups: [{ GroupId: "sg-db" }, { GroupId: "sg-ssh" }] },
];

const SCRIPTS: Script[] = [
    {
        name: "an act whose recorded group gained a rule: every call there is",
        mode: "act",
        recorded: RECORDED,
        steps: [
            [
                "DescribeInstances",
                { InstanceIds: [INSTANCE] },
                described({ State: { Name: "running" }, NetworkInterfaces: interfaces }),
            ],
            ["DescribeSecurityGroups", byId(RECORDED), group(RECORDED)],
            ["DescribeSecurityGroupRules", rulesOf(RECORDED), rules(["sgr-planted", false])],
            ["CreateSecurityGroup", create(false), { GroupId: NEW }],
            ["DescribeSecurityGroupRules", rulesOf(NEW), rules(["sgr-egress4", true], ["sgr-egress6", true])],
            [
                "RevokeSecurityGroupEgress",
                { GroupId: NEW, SecurityGroupRuleIds: ["sgr-egress4", "sgr-egress6"] },
                {},
            ],
            ["DescribeSecurityGroups", byId(NEW), group(NEW)],
            ["DescribeSecurityGroupRules", rulesOf(NEW), rules()],
            ["CreateSnapshots", snapshots(false), {}],
            ["ModifyNetworkInterfaceAttribute", modify("eni-a", NEW, false), {}],
            ["ModifyNetworkInterfaceAttribute", modify("eni-b", NEW, false), {}],
            ["CreateTags", tag(false), {}],
            ["StopInstances", stop(false), {}],
            ["DescribeSecurityGroups", byId(NEW), group(NEW)],
            ["DescribeSecurityGroupRules", rulesOf(NEW), rules()],
        ],
        outcome: {
            status: "acted",
            details: [
                `quarantine group ${RECORDED} has rules now (in sgr-planted): not used, a new one is made`,
                `quarantine group ${NEW} made in ${VPC}, with no rules`,
                SNAPSHOT,
                `eni-a: security groups sg-web replaced by ${NEW}`,
                `eni-b: security groups sg-db, sg-ssh replaced by ${NEW}`,
                STOPPED,
            ],
        },
        // The group taken over from is named, so the record replaces it.
        records: [[VPC, NEW, RECORDED]],
    },
    {
        name: "a rehearsal with no recorded group: the creation rehearsed, not the moves nor the stop",
        mode: "dry-run",
        steps: [
            [
                "DescribeInstances",
                { InstanceIds: [INSTANCE] },
                described({
                    NetworkInterfaces: [interfaces[0], { NetworkInterfaceId: "eni-b", Groups: [] }],
                }),
            ],
            ["CreateSecurityGroup", create(true), dryRun],
            ["CreateSnapshots", snapshots(true), dryRun],
            ["CreateTags", tag(true), dryRun],
        ],
        outcome: {
            status: "would act",
            details: [
                SNAPSHOT,
                rehearsed("eni-a", "sg-web"),
                rehearsed("eni-b", "(none)"),
                // The member role stops only an instance carrying the finding tag, which a rehearsal adds not.
                `${INSTANCE} would be stopped (once tagged security-governance:finding; the stop is rehearsed on a tagged instance only)`,
            ],
        },
        records: [],
    },
    {
        name: "a rehearsal with the recorded group, of an instance an earlier finding tagged: all rehearsed",
        mode: "dry-run",
        recorded: RECORDED,
        steps: [
            [
                "DescribeInstances",
                { InstanceIds: [INSTANCE] },
                described({
                    NetworkInterfaces: [interfaces[0]],
                    Tags: [
                        { Key: "Name", Value: "web-1" },
                        { Key: "security-governance:finding", Value: "an-earlier-finding" },
                    ],
                }),
            ],
            ["DescribeSecurityGroups", byId(RECORDED), group(RECORDED)],
            ["DescribeSecurityGroupRules", rulesOf(RECORDED), rules()],
            ["CreateSnapshots", snapshots(true), dryRun],
            ["ModifyNetworkInterfaceAttribute", modify("eni-a", RECORDED, true), dryRun],
            ["CreateTags", tag(true), dryRun],
            ["StopInstances", stop(true), dryRun],
            ["DescribeSecurityGroups", byId(RECORDED), group(RECORDED)],
            ["DescribeSecurityGroupRules", rulesOf(RECORDED), rules()],
        ],
        outcome: {
            status: "would act",
            details: [SNAPSHOT, `eni-a: security groups sg-web replaced by ${RECORDED}`, STOPPED],
        },
        records: [],
    },
    {
        name: "a rehearsal whose group creation is refused (the permission is missing): it fails, nothing follows",
        mode: "dry-run",
        steps: [
            [
                "DescribeInstances",
                { InstanceIds: [INSTANCE] },
                described({ NetworkInterfaces: [interfaces[0]] }),
            ],
            ["CreateSecurityGroup", create(true), refused],
        ],
        outcome: { status: "failed", details: [`no empty quarantine group: ${REFUSED}`] },
        records: [],
    },
    {
        name: "a rehearsal whose move is refused: it fails with the lines so far, tagging and stopping nothing",
        mode: "dry-run",
        recorded: RECORDED,
        steps: [
            ["DescribeInstances", { InstanceIds: [INSTANCE] }, described({ NetworkInterfaces: interfaces })],
            ["DescribeSecurityGroups", byId(RECORDED), group(RECORDED)],
            ["DescribeSecurityGroupRules", rulesOf(RECORDED), rules()],
            ["CreateSnapshots", snapshots(true), dryRun],
            ["ModifyNetworkInterfaceAttribute", modify("eni-a", RECORDED, true), refused],
        ],
        outcome: { status: "failed", details: [SNAPSHOT, REFUSED] },
        records: [],
    },
];

// An instance EC2 no longer knows, or lists not, or lists terminated or shutting down (a terminated instance
// stays listed for a while, DescribeInstances API reference): gone, nothing else sent.
const missing = `instance ${INSTANCE} no longer exists`;
const listed = (Name: string) =>
    described({ State: { Name } as Instance["State"], NetworkInterfaces: interfaces });
const goneAnswers: [string, object | (() => Error), string][] = [
    [
        "EC2 no longer knows",
        () => ec2Error("InvalidInstanceID.NotFound", "The instance ID does not exist"),
        missing,
    ],
    ["answered without reservations", {}, missing],
    ["answered with no reservation", { Reservations: [] }, missing],
    ["answered with a reservation without instances", { Reservations: [{}] }, missing],
    ["answered with a reservation of no instances", { Reservations: [{ Instances: [] }] }, missing],
    ["listed terminated", listed("terminated"), `instance ${INSTANCE} is terminated`],
    ["listed shutting down", listed("shutting-down"), `instance ${INSTANCE} is shutting-down`],
];
SCRIPTS.push(
    ...goneAnswers.map(([why, answer, line]): Script => ({
        name: `an instance ${why}: gone`,
        mode: "act",
        steps: [["DescribeInstances", { InstanceIds: [INSTANCE] }, answer]],
        outcome: { status: "gone", details: [line] },
        records: [],
    })),
);

/** Runs a script; with `outOfTime`, the clock reaches the limit as step `outOfTime - 1` answers. */
function scripted(script: Script, outOfTime?: number) {
    const ec2 = new EC2Client({ region: "us-east-1" });
    const mock = mockClient(ec2);
    const run = testRun(outOfTime === 0 ? 0 : LIMIT);
    let next = 0;
    mock.onAnyCommand().callsFake(() => {
        const [, , answer] = script.steps[next];
        if (next === (outOfTime ?? 0) - 1) run.clock.now = LIMIT;
        next++;
        if (typeof answer === "function") throw answer();
        return answer;
    });
    const records: Script["records"] = [];
    const ledger: QuarantineLedger = {
        recorded: async () => script.recorded,
        record: async (vpcId, groupId, replaces) => (records.push([vpcId, groupId, replaces]), true),
    };
    const options = { mode: script.mode, findingId: FINDING, stopInstance: true, ledger, now: NOW };
    const calls = () =>
        mock.calls().map((c) => {
            const command = c.args[0] as { input: object };
            return [command.constructor.name.replace(/Command$/, ""), command.input];
        });
    return { outcome: isolateInstance(ec2, TARGET, options, run), calls, records };
}

for (const script of SCRIPTS) {
    describe(`isolateInstance call by call: ${script.name}`, () => {
        const expected = script.steps.map(([call, input]) => [call, input]);

        it(`sends each call with its exact input, in order, and tells "${script.outcome.status}"`, async () => {
            const { outcome, calls, records } = scripted(script);
            assert.deepEqual(await outcome, script.outcome);
            assert.deepEqual(calls(), expected);
            assert.deepEqual(records, script.records);
        });

        for (const [index, [call]] of script.steps.entries()) {
            it(`stops at the deadline before ec2:${call} (call ${index + 1}), naming it`, async () => {
                const { outcome, calls } = scripted(script, index);
                await assert.rejects(outcome, {
                    name: "DeadlineReached",
                    message: `stopped before the time limit, before ec2:${call}; the next run resumes`,
                });
                assert.deepEqual(calls(), expected.slice(0, index));
            });
        }
    });
}
