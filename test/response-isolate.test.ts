import { strict as assert } from "node:assert";
import {
    CreateSecurityGroupCommand,
    CreateSnapshotsCommand,
    CreateTagsCommand,
    DescribeSecurityGroupsCommand,
    EC2ServiceException,
    ModifyNetworkInterfaceAttributeCommand,
    RevokeSecurityGroupEgressCommand,
    type Instance,
} from "@aws-sdk/client-ec2";
import { isolateInstance } from "../functions/response/isolate";
import { memoryQuarantine } from "./helpers/response-world";
import { quarantineEc2 } from "./helpers/quarantine-ec2";
import { testRun } from "./helpers/run";

/*
 * Isolation never widens access: the instance goes only into a group the responder verified has no rules, one
 * it made and recorded by ID, never one found by its name or tag (a member can give any group both). EC2 is the
 * stateful fake of test/helpers/quarantine-ec2.ts, written from the EC2 API reference; a new group here comes
 * with one egress rule allowing all.
 */

const INSTANCE = "i-0123456789abcdef0";
const VPC = "vpc-0123456789abcdef0";
const FINDING = "7ac6f1d6e3b24bb2a0b1c2d3e4f50617";
const NOW = new Date("2026-12-01T10:00:00.000Z");
const TAG = { Key: "security-governance:purpose", Value: "quarantine" };

interface Group {
    vpcId: string;
    name: string;
    rules: { id: string; egress: boolean }[];
    /** Carries security-governance:purpose=quarantine (the member role moves interfaces only into such). */
    tagged?: boolean;
    /** Other tags it carries. */
    tags?: { Key: string; Value: string }[];
}

/** The shared EC2 fake (test/helpers/quarantine-ec2.ts), its groups set as these tests describe them. */
function fakeEc2(instance: Instance = { InstanceId: INSTANCE }) {
    const w = quarantineEc2(instance, {}, [{ id: "sgr-new-out", egress: true }]);
    const groups = {
        set: (id: string, group: Group) =>
            w.groups.set(id, {
                vpcId: group.vpcId,
                rules: group.rules,
                tags: [...(group.tagged === true ? [TAG] : []), ...(group.tags ?? [])],
            }),
        get: (id: string) => w.groups.get(id),
    };
    const moved = () =>
        w.mock
            .commandCalls(ModifyNetworkInterfaceAttributeCommand)
            .map(
                (c) => `${c.args[0].input.NetworkInterfaceId} -> ${(c.args[0].input.Groups ?? []).join(",")}`,
            );
    return { ec2: w.ec2, mock: w.mock, groups, moved };
}

const target = {
    action: "isolateInstance" as const,
    instanceId: INSTANCE,
    networkInterfaces: ["eni-a"],
    vpcId: VPC,
};
const withInterface: Instance = {
    InstanceId: INSTANCE,
    State: { Name: "running" },
    NetworkInterfaces: [{ NetworkInterfaceId: "eni-a", Groups: [{ GroupId: "sg-web" }] }],
};

function options(recorded: Record<string, string> = {}, mode: "act" | "dry-run" = "act") {
    const quarantine = memoryQuarantine(recorded);
    return {
        quarantine,
        options: { mode, findingId: FINDING, stopInstance: false, ledger: quarantine.ledger, now: NOW },
    };
}

describe("isolation never widens access", () => {
    it("without a recorded group: makes one with a name of its own, empties it, verifies it, records it, moves in", async () => {
        const { ec2, mock, groups, moved } = fakeEc2(withInterface);
        // A member's allow-all group carrying the quarantine group's old name and tag: never looked for.
        groups.set("sg-planted", {
            vpcId: VPC,
            name: "security-governance-quarantine",
            rules: [{ id: "sgr-all-in", egress: false }],
            tagged: true,
        });
        const { quarantine, options: o } = options();
        const outcome = await isolateInstance(ec2, target, o, testRun());
        assert.equal(outcome.status, "acted");
        assert.deepEqual(moved(), ["eni-a -> sg-0new1"]);
        assert.deepEqual(quarantine.records, [[VPC, "sg-0new1"]]);
        assert.deepEqual(groups.get("sg-0new1")?.rules, []);
        const create = mock.commandCalls(CreateSecurityGroupCommand)[0].args[0].input;
        // The name is the base name and the time in base 36: unique per VPC, never "sg-..." (CreateSecurityGroup).
        assert.equal(create.GroupName, `security-governance-quarantine-${NOW.getTime().toString(36)}`);
        assert.deepEqual(create.TagSpecifications, [{ ResourceType: "security-group", Tags: [TAG] }]);
        assert.equal(create.VpcId, VPC);
        // Found by name: never. Described by ID: the new group, twice (made, then after the move).
        const byName = mock
            .commandCalls(DescribeSecurityGroupsCommand)
            .filter((c) => c.args[0].input.Filters !== undefined);
        assert.deepEqual(byName, []);
        assert.ok(outcome.details.includes(`quarantine group sg-0new1 made in ${VPC}, with no rules`));
    });

    it("a recorded group that still exists with no rules is used as it is: nothing is created", async () => {
        const { ec2, mock, groups, moved } = fakeEc2(withInterface);
        groups.set("sg-ours", { vpcId: VPC, name: "x", rules: [], tagged: true });
        const { quarantine, options: o } = options({ [VPC]: "sg-ours" });
        const outcome = await isolateInstance(ec2, target, o, testRun());
        assert.equal(outcome.status, "acted");
        assert.deepEqual(moved(), ["eni-a -> sg-ours"]);
        assert.equal(mock.commandCalls(CreateSecurityGroupCommand).length, 0);
        assert.deepEqual(quarantine.records, []);
    });

    it("a recorded group that gained a rule, was deleted, sits in another VPC or lost its tag is not used: a new one is made", async () => {
        const cases: [Group | undefined, string][] = [
            [
                { vpcId: VPC, name: "x", rules: [{ id: "sgr-planted", egress: false }], tagged: true },
                "has rules now (in sgr-planted)",
            ],
            [undefined, `no longer exists in ${VPC} with its tag`],
            [
                { vpcId: "vpc-other", name: "x", rules: [], tagged: true },
                `no longer exists in ${VPC} with its tag`,
            ],
            // Its tag taken off: the member role could not move an interface into it.
            [{ vpcId: VPC, name: "x", rules: [], tagged: false }, `no longer exists in ${VPC} with its tag`],
            // A tag of the right key with another value, or the value under another key, is not the tag.
            [
                { vpcId: VPC, name: "x", rules: [], tags: [{ Key: TAG.Key, Value: "other" }] },
                `no longer exists in ${VPC} with its tag`,
            ],
            [
                { vpcId: VPC, name: "x", rules: [], tags: [{ Key: "purpose", Value: TAG.Value }] },
                `no longer exists in ${VPC} with its tag`,
            ],
        ];
        for (const [group, why] of cases) {
            const { ec2, groups, moved } = fakeEc2(withInterface);
            if (group !== undefined) groups.set("sg-ours", structuredClone(group));
            const { quarantine, options: o } = options({ [VPC]: "sg-ours" });
            const outcome = await isolateInstance(ec2, target, o, testRun());
            assert.equal(outcome.status, "acted", why);
            assert.deepEqual(moved(), ["eni-a -> sg-0new1"], why);
            assert.deepEqual(quarantine.records, [[VPC, "sg-0new1"]], why);
            assert.ok(
                outcome.details.some((d) => d.startsWith(`quarantine group sg-ours ${why}`)),
                why,
            );
        }
    });

    it("a new group that stays open after the revoke is never used: the action fails, nothing is moved", async () => {
        const { ec2, mock, moved } = fakeEc2(withInterface);
        mock.on(RevokeSecurityGroupEgressCommand).resolves({ Return: true }); // a revoke that removed nothing
        const { quarantine, options: o } = options();
        const outcome = await isolateInstance(ec2, target, o, testRun());
        assert.equal(outcome.status, "failed");
        assert.deepEqual(moved(), []);
        assert.deepEqual(quarantine.records, []);
        assert.match(
            outcome.details.at(-1) ?? "",
            /^no empty quarantine group: .*sg-0new1 is not empty.*out sgr-new-out/,
        );
        assert.equal(mock.commandCalls(CreateTagsCommand).length, 0);
        assert.equal(mock.commandCalls(CreateSnapshotsCommand).length, 0);
    });

    it("a group that gains a rule while the instance is moved in is reported: the action fails", async () => {
        const { ec2, mock, groups } = fakeEc2(withInterface);
        groups.set("sg-ours", { vpcId: VPC, name: "x", rules: [], tagged: true });
        mock.on(ModifyNetworkInterfaceAttributeCommand).callsFake(() => {
            groups.get("sg-ours")?.rules.push({ id: "sgr-late", egress: true });
            return {};
        });
        const { options: o } = options({ [VPC]: "sg-ours" });
        const outcome = await isolateInstance(ec2, target, o, testRun());
        assert.equal(outcome.status, "failed");
        assert.equal(
            outcome.details.at(-1),
            "Error: quarantine group sg-ours gained rules (out sgr-late) during isolation",
        );
    });

    it("an instance already alone in the verified group is already done; one in the old named group is not", async () => {
        const { ec2, groups } = fakeEc2({
            ...withInterface,
            NetworkInterfaces: [{ NetworkInterfaceId: "eni-a", Groups: [{ GroupId: "sg-ours" }] }],
        });
        groups.set("sg-ours", { vpcId: VPC, name: "x", rules: [], tagged: true });
        const done = await isolateInstance(ec2, target, options({ [VPC]: "sg-ours" }).options, testRun());
        assert.deepEqual(done, { status: "already done", details: [`${INSTANCE} is already in sg-ours`] });
        // In a group the responder did not record (a member's, named as the quarantine group was): moved.
        const other = fakeEc2({
            ...withInterface,
            NetworkInterfaces: [{ NetworkInterfaceId: "eni-a", Groups: [{ GroupId: "sg-planted" }] }],
        });
        other.groups.set("sg-planted", {
            vpcId: VPC,
            name: "security-governance-quarantine",
            rules: [],
            tagged: true,
        });
        const moved = await isolateInstance(other.ec2, target, options().options, testRun());
        assert.equal(moved.status, "acted");
        assert.deepEqual(other.moved(), ["eni-a -> sg-0new1"]);
    });

    it("a rehearsal with a recorded empty group rehearses the move into it; without one, only the creation", async () => {
        const { ec2, mock, groups } = fakeEc2(withInterface);
        groups.set("sg-ours", { vpcId: VPC, name: "x", rules: [], tagged: true });
        const recorded = options({ [VPC]: "sg-ours" }, "dry-run");
        mock.on(ModifyNetworkInterfaceAttributeCommand).rejects(
            new EC2ServiceException({
                name: "DryRunOperation",
                $fault: "client",
                message: "ok",
                $metadata: {},
            }),
        );
        const rehearsed = await isolateInstance(ec2, target, recorded.options, testRun());
        assert.equal(rehearsed.status, "would act");
        assert.deepEqual(
            mock.commandCalls(ModifyNetworkInterfaceAttributeCommand).map((c) => c.args[0].input),
            [{ NetworkInterfaceId: "eni-a", Groups: ["sg-ours"], DryRun: true }],
        );
        assert.deepEqual(recorded.quarantine.records, []);

        const none = fakeEc2(withInterface);
        none.mock.on(CreateSecurityGroupCommand).rejects(
            new EC2ServiceException({
                name: "DryRunOperation",
                $fault: "client",
                message: "ok",
                $metadata: {},
            }),
        );
        const fresh = options({}, "dry-run");
        const outcome = await isolateInstance(none.ec2, target, fresh.options, testRun());
        assert.equal(outcome.status, "would act");
        assert.equal(none.mock.commandCalls(CreateSecurityGroupCommand)[0].args[0].input.DryRun, true);
        assert.deepEqual(none.moved(), []);
        assert.deepEqual(fresh.quarantine.records, []);
    });

    it("when another run recorded the VPC's group meanwhile, its own verified group still isolates the instance", async () => {
        const { ec2, moved } = fakeEc2(withInterface);
        const records: [string, string, string | undefined][] = [];
        const ledger = {
            recorded: async () => undefined,
            record: async (vpcId: string, groupId: string, replaces?: string) => {
                records.push([vpcId, groupId, replaces]);
                return false;
            },
        };
        const outcome = await isolateInstance(
            ec2,
            target,
            { mode: "act", findingId: FINDING, stopInstance: false, ledger, now: NOW },
            testRun(),
        );
        assert.equal(outcome.status, "acted");
        assert.deepEqual(moved(), ["eni-a -> sg-0new1"]);
        // A first group is recorded only if none is (replaces undefined: a conditional write).
        assert.deepEqual(records, [[VPC, "sg-0new1", undefined]]);
        assert.ok(
            outcome.details.includes(
                `another run recorded ${VPC}'s quarantine group meanwhile: sg-0new1 serves this instance only`,
            ),
        );
    });
});
