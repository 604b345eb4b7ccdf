import { strict as assert } from "node:assert";
import {
    CreateSecurityGroupCommand,
    CreateSnapshotsCommand,
    DescribeInstancesCommand,
    DescribeSecurityGroupRulesCommand,
    DescribeSecurityGroupsCommand,
    ModifyNetworkInterfaceAttributeCommand,
    RevokeSecurityGroupEgressCommand,
    StopInstancesCommand,
    type Instance,
    type InstanceNetworkInterface,
    type Tag,
} from "@aws-sdk/client-ec2";
import { isolateInstance, type QuarantineLedger } from "../functions/response/isolate";
import type { Mode } from "../functions/response/network";
import { EGRESS, ec2Error, PURPOSE, quarantineEc2, type Group, type Rule } from "./helpers/quarantine-ec2";
import { testRun } from "./helpers/run";

/*
 * What test/response-isolate.test.ts leaves open: every line of every outcome, the calls each path makes, and
 * answers with fields missing (whole scripts with every input, and deadlines: response-isolate-deadlines.test.ts).
 * EC2 is a stateful fake written from the EC2 API reference: a changing call sent with DryRun answers
 * DryRunOperation (it would have succeeded) and changes nothing; a new VPC group comes with egress rules
 * allowing all (IPv4 and IPv6 here); RevokeSecurityGroupEgress refuses an empty list (MissingParameter) and any
 * ID that is not an egress rule of the group; DescribeSecurityGroups by ID answers InvalidGroup.NotFound for a
 * missing group; a DescribeSecurityGroupRules filter on one lists nothing. Names and tags are spelled out, not
 * imported: the member role's policy and runbooks name them.
 */

const INSTANCE = "i-0123456789abcdef0";
const VPC = "vpc-0123456789abcdef0";
const FINDING = "7ac6f1d6e3b24bb2a0b1c2d3e4f50617";
const NOW = new Date("2026-12-01T10:00:00.000Z"); // 1796119200000 ms, "mx4izwg0" in base 36
const RECORDED = "sg-0recorded";
const NEW = "sg-0new1";
const TARGET = {
    action: "isolateInstance" as const,
    instanceId: INSTANCE,
    networkInterfaces: ["eni-a"],
    vpcId: VPC,
};

const SNAPSHOT = `snapshots of every volume of ${INSTANCE}, tagged security-governance:finding=${FINDING}`;
const MADE = `quarantine group ${NEW} made in ${VPC}, with no rules`;
const STOPPED = `${INSTANCE} stopped`;
const WOULD_STOP = `${INSTANCE} would be stopped (once tagged security-governance:finding; the stop is rehearsed on a tagged instance only)`;
const GONE = `quarantine group ${RECORDED} no longer exists in ${VPC} with its tag: a new one is made`;
const REFUSED = "UnauthorizedOperation: EC2 answered UnauthorizedOperation";
const moved = (eni: string, before: string, group: string) =>
    `${eni}: security groups ${before} replaced by ${group}`;
const rehearsed = (eni: string, before: string) =>
    `${eni}: security groups ${before} would be replaced by security-governance-quarantine (made by the first act; the move is rehearsed once the group exists)`;
const notEmpty = (left: string) =>
    `no empty quarantine group: Error: the new quarantine group ${NEW} is not empty after its egress rule was revoked: ${left}`;

const eni = (id: string | undefined, groups?: string[]): InstanceNetworkInterface => ({
    NetworkInterfaceId: id,
    Groups: groups?.map((GroupId) => ({ GroupId })),
});
const instance = (interfaces?: InstanceNetworkInterface[], tags?: Tag[]): Instance => ({
    InstanceId: INSTANCE,
    State: { Name: "running" },
    NetworkInterfaces: interfaces,
    Tags: tags,
});
const oneInterface = () => instance([eni("eni-a", ["sg-web"])]);
const twoInterfaces = () => instance([eni("eni-a", ["sg-web"]), eni("eni-b", ["sg-db", "sg-ssh"])]);
const recordedGroup = (rules: Rule[] = [], vpcId = VPC): Record<string, Group> => ({
    [RECORDED]: { vpcId, rules, tags: [PURPOSE] },
});

type World = ReturnType<typeof quarantineEc2>;

async function isolate(
    w: World,
    o: { mode?: Mode; stop?: boolean; recorded?: string; accepts?: boolean } = {},
) {
    const records: [string, string, string | undefined][] = [];
    const ledger: QuarantineLedger = {
        recorded: async (vpcId) => (vpcId === VPC ? o.recorded : undefined),
        record: async (vpcId, groupId, replaces) => (
            records.push([vpcId, groupId, replaces]),
            o.accepts ?? true
        ),
    };
    const options = {
        mode: o.mode ?? "act",
        findingId: FINDING,
        stopInstance: o.stop ?? false,
        ledger,
        now: NOW,
    };
    return { outcome: await isolateInstance(w.ec2, TARGET, options, testRun()), records };
}

const CHECK = ["DescribeSecurityGroups", "DescribeSecurityGroupRules"];
const MAKE = ["CreateSecurityGroup", "DescribeSecurityGroupRules", "RevokeSecurityGroupEgress", ...CHECK];
const MODIFY = "ModifyNetworkInterfaceAttribute";

describe("isolateInstance: the quarantine group", () => {
    it("the recorded group, described by ID in the VPC with no rules, is used as it is: nothing made or recorded", async () => {
        // A DescribeSecurityGroupRules answer without its list lists no rules.
        for (const listless of [false, true]) {
            const w = quarantineEc2(oneInterface(), recordedGroup());
            if (listless) w.mock.on(DescribeSecurityGroupRulesCommand).resolves({});
            const { outcome, records } = await isolate(w, { recorded: RECORDED });
            assert.deepEqual(outcome, {
                status: "acted",
                details: [SNAPSHOT, moved("eni-a", "sg-web", RECORDED)],
            });
            assert.deepEqual(records, []);
            assert.deepEqual(w.sent(), [
                "DescribeInstances",
                ...CHECK,
                "CreateSnapshots",
                MODIFY,
                "CreateTags",
                ...CHECK,
            ]);
        }
    });

    it("a recorded group deleted, elsewhere or with rules is replaced: the line says why, the record names it", async () => {
        const hasRules = (rules: string) =>
            `quarantine group ${RECORDED} has rules now (${rules}): not used, a new one is made`;
        const cases: [
            why: string,
            groups: Record<string, Group>,
            answer: object | undefined,
            line: string,
        ][] = [
            ["deleted", {}, undefined, GONE],
            ["in another VPC", recordedGroup([], "vpc-0other"), undefined, GONE],
            ["described as no group", recordedGroup(), { SecurityGroups: [] }, GONE],
            ["described without a list", recordedGroup(), {}, GONE],
            [
                "with rules",
                recordedGroup([
                    { id: "sgr-in", egress: false },
                    { id: "sgr-out", egress: true },
                ]),
                undefined,
                hasRules("in sgr-in, out sgr-out"),
            ],
            [
                "with a rule listed without its ID",
                recordedGroup([{ egress: false }]),
                undefined,
                hasRules("in ?"),
            ],
        ];
        for (const [why, groups, answer, line] of cases) {
            const w = quarantineEc2(oneInterface(), groups);
            if (answer) w.mock.on(DescribeSecurityGroupsCommand, { GroupIds: [RECORDED] }).resolves(answer);
            const { outcome, records } = await isolate(w, { recorded: RECORDED });
            const details = [line, MADE, SNAPSHOT, moved("eni-a", "sg-web", NEW)];
            assert.deepEqual(outcome, { status: "acted", details }, why);
            assert.deepEqual(records, [[VPC, NEW, RECORDED]], why);
            assert.deepEqual(
                w.inputs(MODIFY),
                [{ NetworkInterfaceId: "eni-a", Groups: [NEW], DryRun: false }],
                why,
            );
        }
    });

    // BUG (reported): the member role moves interfaces only into a group tagged security-governance:purpose=
    // quarantine, and the line says "with its tag", but rulesOf checks only the VPC: an untagged recorded group
    // is used, and every move into it is refused. Enable once isolate.ts checks the tag.
    it("a recorded group that lost its quarantine tag is replaced", async () => {
        const w = quarantineEc2(oneInterface(), { [RECORDED]: { vpcId: VPC, rules: [], tags: [] } });
        const { outcome, records } = await isolate(w, { recorded: RECORDED });
        assert.deepEqual(outcome, {
            status: "acted",
            details: [GONE, MADE, SNAPSHOT, moved("eni-a", "sg-web", NEW)],
        });
        assert.deepEqual(records, [[VPC, NEW, RECORDED]]);
    });

    it("any other answer to the recorded group's description fails the action before anything is made", async () => {
        const w = quarantineEc2(oneInterface(), recordedGroup());
        w.mock.on(DescribeSecurityGroupsCommand).rejects(ec2Error("UnauthorizedOperation"));
        const { outcome } = await isolate(w, { recorded: RECORDED });
        assert.deepEqual(outcome, { status: "failed", details: [`no empty quarantine group: ${REFUSED}`] });
        assert.deepEqual(w.sent(), ["DescribeInstances", "DescribeSecurityGroups"]);
    });

    it("a new group's egress rules with IDs are revoked in one call, none when it lists none; what is left fails it", async () => {
        const none = quarantineEc2(oneInterface(), {}, []);
        const first = await isolate(none);
        assert.equal(first.outcome.status, "acted");
        assert.deepEqual(first.records, [[VPC, NEW, undefined]]);
        const made = ["CreateSecurityGroup", "DescribeSecurityGroupRules", ...CHECK]; // no revoke
        const rest = ["CreateSnapshots", MODIFY, "CreateTags", ...CHECK];
        assert.deepEqual(none.sent(), ["DescribeInstances", ...made, ...rest]);
        // An ingress rule added at once, and a rule listed without its ID: neither can be revoked as egress.
        const w = quarantineEc2(oneInterface(), {}, [
            EGRESS[0],
            { id: "sgr-ingress", egress: false },
            { egress: true },
            EGRESS[1],
        ]);
        const { outcome, records } = await isolate(w);
        const revoked = { GroupId: NEW, SecurityGroupRuleIds: ["sgr-egress4", "sgr-egress6"] };
        assert.deepEqual(w.inputs("RevokeSecurityGroupEgress"), [revoked]);
        assert.deepEqual(outcome, { status: "failed", details: [notEmpty("in sgr-ingress, out ?")] });
        assert.deepEqual(records, []);
        assert.deepEqual(w.sent(), ["DescribeInstances", ...MAKE]);
    });

    it("a new group deleted before its check, or made without a GroupId, fails the action: nothing recorded or moved", async () => {
        const w = quarantineEc2(oneInterface());
        w.mock.on(RevokeSecurityGroupEgressCommand).callsFake(() => (w.groups.delete(NEW), { Return: true }));
        const deleted = await isolate(w);
        assert.deepEqual(deleted.outcome, { status: "failed", details: [notEmpty("gone")] });
        assert.deepEqual(deleted.records, []);
        // Described as gone: its rules are not listed.
        assert.deepEqual(w.sent(), ["DescribeInstances", ...MAKE.slice(0, -1)]);

        const idless = quarantineEc2(oneInterface());
        idless.mock.on(CreateSecurityGroupCommand).resolves({});
        const { outcome, records } = await isolate(idless);
        const reason = "no empty quarantine group: Error: CreateSecurityGroup returned no GroupId";
        assert.deepEqual(outcome, { status: "failed", details: [reason] });
        assert.deepEqual(records, []);
        assert.deepEqual(idless.sent(), ["DescribeInstances", "CreateSecurityGroup"]);
    });

    it("when another run recorded the VPC's first group meanwhile, a line says so and its own group still serves", async () => {
        const w = quarantineEc2(oneInterface());
        const { outcome, records } = await isolate(w, { accepts: false });
        const meanwhile = `another run recorded ${VPC}'s quarantine group meanwhile: ${NEW} serves this instance only`;
        const details = [MADE, meanwhile, SNAPSHOT, moved("eni-a", "sg-web", NEW)];
        assert.deepEqual(outcome, { status: "acted", details });
        assert.deepEqual(records, [[VPC, NEW, undefined]]);
    });

    it("the group is checked again after the move: deleted or given rules meanwhile, the action fails after its lines", async () => {
        const changes: [string, (group: Map<string, Group>) => void, string][] = [
            ["deleted", (groups) => groups.delete(RECORDED), "was deleted or lost its quarantine tag"],
            [
                "given rules",
                (groups) =>
                    groups
                        .get(RECORDED)
                        ?.rules.push({ id: "sgr-x", egress: false }, { id: "sgr-y", egress: true }),
                "gained rules (in sgr-x, out sgr-y)",
            ],
        ];
        for (const [name, change, why] of changes) {
            const w = quarantineEc2(oneInterface(), recordedGroup());
            w.mock.on(StopInstancesCommand).callsFake(() => (change(w.groups), {}));
            const { outcome } = await isolate(w, { recorded: RECORDED, stop: true });
            const last = `Error: quarantine group ${RECORDED} ${why} during isolation`;
            const details = [SNAPSHOT, moved("eni-a", "sg-web", RECORDED), STOPPED, last];
            assert.deepEqual(outcome, { status: "failed", details }, name);
        }
    });
});

describe("isolateInstance: the instance and its interfaces", () => {
    it("a stopped instance, or one listed without its state, is isolated; a refused description is no gone", async () => {
        // Gone (unknown, missing from the answer, terminated, shutting down): response-isolate-deadlines.test.ts.
        for (const State of [{ Name: "stopped" as const }, undefined]) {
            assert.equal(
                (await isolate(quarantineEc2({ ...oneInterface(), State }))).outcome.status,
                "acted",
            );
        }
        // Any other refusal of the description is no "gone".
        const denied = quarantineEc2(oneInterface());
        denied.mock.on(DescribeInstancesCommand).rejects(ec2Error("UnauthorizedOperation"));
        await assert.rejects(isolate(denied), { name: "UnauthorizedOperation" });
    });

    it("an instance alone in the verified group on every interface is already done; not while one has another, or none", async () => {
        const done = quarantineEc2(
            instance([eni("eni-a", [RECORDED]), eni("eni-b", [RECORDED])]),
            recordedGroup(),
        );
        const { outcome } = await isolate(done, { recorded: RECORDED, stop: false });
        assert.deepEqual(outcome, {
            status: "already done",
            details: [`${INSTANCE} is already in ${RECORDED}`],
        });
        assert.deepEqual(done.sent(), ["DescribeInstances", ...CHECK]);
        const cases: [string, InstanceNetworkInterface[] | undefined, string[]][] = [
            [
                "one moved, one not",
                [eni("eni-a", [RECORDED]), eni("eni-b", ["sg-web"])],
                [moved("eni-a", RECORDED, RECORDED), moved("eni-b", "sg-web", RECORDED)],
            ],
            [
                "in it and another",
                [eni("eni-a", [RECORDED, "sg-web"])],
                [moved("eni-a", `${RECORDED}, sg-web`, RECORDED)],
            ],
            ["no interfaces", [], []],
            ["no list of interfaces", undefined, []],
        ];
        for (const [name, interfaces, lines] of cases) {
            const w = quarantineEc2(instance(interfaces), recordedGroup());
            const result = await isolate(w, { recorded: RECORDED });
            assert.deepEqual(result.outcome, { status: "acted", details: [SNAPSHOT, ...lines] }, name);
            assert.equal(w.inputs(MODIFY).length, lines.length, name);
            assert.equal(w.inputs("CreateTags").length, 1, name);
        }
    });

    it("an interface without an ID is skipped; one without groups had (none)", async () => {
        const w = quarantineEc2(
            instance([eni("eni-a", []), eni(undefined, ["sg-web"]), eni("eni-c")]),
            recordedGroup(),
        );
        const { outcome } = await isolate(w, { recorded: RECORDED });
        const details = [SNAPSHOT, moved("eni-a", "(none)", RECORDED), moved("eni-c", "(none)", RECORDED)];
        assert.deepEqual(outcome, { status: "acted", details });
        assert.deepEqual(w.inputs(MODIFY), [
            { NetworkInterfaceId: "eni-a", Groups: [RECORDED], DryRun: false },
            { NetworkInterfaceId: "eni-c", Groups: [RECORDED], DryRun: false },
        ]);
    });

    it("an interface deleted meanwhile is noted and the rest isolated; another refusal fails with the lines so far", async () => {
        const w = quarantineEc2(twoInterfaces(), recordedGroup());
        w.mock
            .on(ModifyNetworkInterfaceAttributeCommand, { NetworkInterfaceId: "eni-a" })
            .rejects(ec2Error("InvalidNetworkInterfaceID.NotFound"));
        const { outcome } = await isolate(w, { recorded: RECORDED, stop: true });
        const rest = [moved("eni-b", "sg-db, sg-ssh", RECORDED), STOPPED];
        assert.deepEqual(outcome, {
            status: "acted",
            details: [SNAPSHOT, "eni-a: no longer exists", ...rest],
        });

        // Refused: not reported isolated, nor tagged and stopped, while eni-b keeps its groups.
        const refused = quarantineEc2(twoInterfaces(), recordedGroup());
        refused.mock
            .on(ModifyNetworkInterfaceAttributeCommand, { NetworkInterfaceId: "eni-b" })
            .rejects(ec2Error("UnauthorizedOperation"));
        const failed = await isolate(refused, { recorded: RECORDED, stop: true });
        const details = [SNAPSHOT, moved("eni-a", "sg-web", RECORDED), REFUSED];
        assert.deepEqual(failed.outcome, { status: "failed", details });
        assert.deepEqual(refused.sent(), ["DescribeInstances", ...CHECK, "CreateSnapshots", MODIFY, MODIFY]);
    });

    it("snapshots that fail leave the instance isolated, tagged and stopped, and fail the action: no evidence", async () => {
        const w = quarantineEc2(oneInterface(), recordedGroup());
        w.mock.on(CreateSnapshotsCommand).rejects(ec2Error("SnapshotCreationPerVolumeRateExceeded"));
        const { outcome } = await isolate(w, { recorded: RECORDED, stop: true });
        const evidence =
            "snapshots not taken: SnapshotCreationPerVolumeRateExceeded: EC2 answered SnapshotCreationPerVolumeRateExceeded";
        const details = [evidence, moved("eni-a", "sg-web", RECORDED), STOPPED];
        assert.deepEqual(outcome, { status: "failed", details });
        const changes = ["CreateSnapshots", MODIFY, "CreateTags", "StopInstances"];
        assert.deepEqual(w.sent(), ["DescribeInstances", ...CHECK, ...changes, ...CHECK]);
    });
});

describe("isolateInstance rehearsed (dry-run)", () => {
    // Whole rehearsals, and rehearsals refused, call by call: response-isolate-deadlines.test.ts.
    it("the stop is told, not rehearsed, on an instance without a finding tag, and not told unless asked", async () => {
        const cases: [string, Tag[] | undefined, boolean, string[]][] = [
            ["with other tags only", [{ Key: "Name", Value: "web-1" }], true, [WOULD_STOP]],
            ["with no tags, no stop asked", undefined, false, []],
        ];
        for (const [why, tags, stop, last] of cases) {
            const w = quarantineEc2(instance([eni("eni-a", ["sg-web"])], tags), recordedGroup());
            const { outcome, records } = await isolate(w, { mode: "dry-run", stop, recorded: RECORDED });
            const details = [SNAPSHOT, moved("eni-a", "sg-web", RECORDED), ...last];
            assert.deepEqual(outcome, { status: "would act", details }, why);
            assert.deepEqual(records, [], why);
            assert.deepEqual(
                w.inputs(MODIFY),
                [{ NetworkInterfaceId: "eni-a", Groups: [RECORDED], DryRun: true }],
                why,
            );
            assert.deepEqual(w.inputs("StopInstances"), [], why);
        }
    });

    it("with no group yet, an interface whose one group has no ID is not taken as already in it", async () => {
        const w = quarantineEc2(
            instance([{ NetworkInterfaceId: "eni-a", Groups: [{ GroupName: "launch-wizard-1" }] }]),
        );
        const { outcome, records } = await isolate(w, { mode: "dry-run" });
        assert.deepEqual(outcome, { status: "would act", details: [SNAPSHOT, rehearsed("eni-a", "(none)")] });
        assert.deepEqual(records, []);
        assert.equal(w.groups.size, 0);
    });

    it("an instance isolated before stopInstance was turned on is stopped now if it runs; a stopped one is left", async () => {
        const isolated = (state: string) => ({
            ...instance([eni("eni-a", [RECORDED])]),
            State: { Name: state as "running" },
        });
        const running = quarantineEc2(isolated("running"), recordedGroup());
        assert.deepEqual((await isolate(running, { recorded: RECORDED, stop: true })).outcome, {
            status: "acted",
            details: [`${INSTANCE} is already in ${RECORDED}`, `${INSTANCE} stopped`],
        });
        assert.deepEqual(running.inputs("StopInstances"), [{ InstanceIds: [INSTANCE], DryRun: false }]);
        const rehearsed = quarantineEc2(isolated("pending"), recordedGroup());
        assert.deepEqual(
            (await isolate(rehearsed, { recorded: RECORDED, stop: true, mode: "dry-run" })).outcome,
            {
                status: "would act",
                details: [`${INSTANCE} is already in ${RECORDED}`, `${INSTANCE} would be stopped`],
            },
        );
        assert.deepEqual(rehearsed.inputs("StopInstances"), [{ InstanceIds: [INSTANCE], DryRun: true }]);
        for (const state of ["stopped", "stopping"]) {
            const still = quarantineEc2(isolated(state), recordedGroup());
            const { outcome } = await isolate(still, { recorded: RECORDED, stop: true });
            assert.equal(outcome.status, "already done", state);
            assert.deepEqual(still.inputs("StopInstances"), [], state);
        }
        // Out of time just before the stop: the run stops there, naming it.
        const late = quarantineEc2(isolated("running"), recordedGroup());
        const run = testRun(1_000);
        late.mock.on(DescribeSecurityGroupRulesCommand).callsFake(() => {
            run.clock.now = 1_000;
            return { SecurityGroupRules: [] };
        });
        await assert.rejects(
            isolateInstance(
                late.ec2,
                TARGET,
                {
                    mode: "act",
                    findingId: FINDING,
                    stopInstance: true,
                    ledger: { recorded: async () => RECORDED, record: async () => true },
                    now: NOW,
                },
                run,
            ),
            {
                name: "DeadlineReached",
                message: "stopped before the time limit, before ec2:StopInstances; the next run resumes",
            },
        );
        const refused = quarantineEc2(isolated("running"), recordedGroup());
        refused.mock.on(StopInstancesCommand).rejects(ec2Error("UnauthorizedOperation"));
        assert.deepEqual((await isolate(refused, { recorded: RECORDED, stop: true })).outcome, {
            status: "failed",
            details: [
                `${INSTANCE} is already in ${RECORDED}`,
                "not stopped: UnauthorizedOperation: EC2 answered UnauthorizedOperation",
            ],
        });
    });
});
