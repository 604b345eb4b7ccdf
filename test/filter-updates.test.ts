import { strict as assert } from "node:assert";
import { readStackConfigValues, type PlanDocument, type PlannedResource } from "../tools/plan-runtime";
import { inRegion, ofType, plan } from "./helpers/plan";

/*
 * Updating the suppression rules of an existing stack, simulated from two plans: the old stack's filters
 * are the live list, and the new plan's filters are applied the way the Pulumi engine applies an update
 * (creates and updates in dependency order, deletes after them; resources are matched by URN, and the
 * provider updates `rank` in place: it is not a replace-on-change property of aws_guardduty_filter).
 *
 * The live list follows GuardDuty's rule as the filter ranks are documented and reported ("rank is
 * out-of-bounds"): a filter's rank is its position, from 1 to the number of filters; a new filter may take
 * any position up to one past the end, and the others move down to make room.
 */

const FILTER = "aws:guardduty/filter:Filter";

class LiveFilters {
    private readonly names: string[];

    constructor(names: string[]) {
        this.names = [...names];
    }

    create(name: string, rank: number): void {
        if (rank < 1 || rank > this.names.length + 1)
            throw new Error(`create ${name}: rank ${rank} is out-of-bounds`);
        this.names.splice(rank - 1, 0, name);
    }

    update(name: string, rank: number): void {
        const at = this.names.indexOf(name);
        assert.ok(at >= 0, `update of a filter that does not exist: ${name}`);
        if (rank < 1 || rank > this.names.length)
            throw new Error(`update ${name}: rank ${rank} is out-of-bounds`);
        this.names.splice(at, 1);
        this.names.splice(rank - 1, 0, name);
    }

    delete(name: string): void {
        const at = this.names.indexOf(name);
        assert.ok(at >= 0, `delete of a filter that does not exist: ${name}`);
        this.names.splice(at, 1);
    }

    get order(): string[] {
        return [...this.names];
    }
}

/** The new plan's filters of a region, in an order that respects every dependency (a topological sort). */
function dependencyOrder(filters: PlannedResource[]): PlannedResource[] {
    const byUrn = new Map(filters.map((f) => [f.urn, f]));
    const done = new Set<string>();
    const ordered: PlannedResource[] = [];
    const visit = (filter: PlannedResource) => {
        if (done.has(filter.urn)) return;
        done.add(filter.urn);
        for (const dependency of filter.dependsOn) {
            const before = byUrn.get(dependency);
            if (before !== undefined) visit(before);
        }
        ordered.push(filter);
    };
    // Started from the highest rank, the worst order: only the declared dependencies can put rank 1 first.
    [...filters].sort((a, b) => Number(b.inputs.rank) - Number(a.inputs.rank)).forEach(visit);
    return ordered;
}

function applyUpdate(oldPlan: PlanDocument, newPlan: PlanDocument, region: string): string[] {
    const oldFilters = ofType(oldPlan, FILTER)
        .filter(inRegion(region))
        .sort((a, b) => Number(a.inputs.rank) - Number(b.inputs.rank));
    const live = new LiveFilters(oldFilters.map((f) => f.inputs.name as string));
    const oldUrns = new Set(oldFilters.map((f) => f.urn));
    const newFilters = ofType(newPlan, FILTER).filter(inRegion(region));
    for (const filter of dependencyOrder(newFilters)) {
        const name = filter.inputs.name as string;
        const rank = Number(filter.inputs.rank);
        if (oldUrns.has(filter.urn)) live.update(name, rank);
        else live.create(name, rank);
    }
    const kept = new Set(newFilters.map((f) => f.urn));
    for (const filter of oldFilters) if (!kept.has(filter.urn)) live.delete(filter.inputs.name as string);
    return live.order;
}

function rule(letter: string) {
    return {
        name: `rule-${letter}`,
        description: `rule ${letter}`,
        findingTypes: ["Recon:EC2/Portscan"],
        accountIds: ["444444444444"],
        belowSeverity: 4,
    };
}

function withRules(names: string[]) {
    const guardduty = readStackConfigValues("dev")["security-governance:guardduty"] as Record<
        string,
        unknown
    >;
    return {
        configOverrides: {
            "security-governance:guardduty": { ...guardduty, suppressionRules: names.map(rule) },
        },
    };
}

describe("updating the suppression rules of an existing stack", () => {
    const cases: { name: string; before: string[]; after: string[] }[] = [
        { name: "reverses the order", before: ["a", "b", "c"], after: ["c", "b", "a"] },
        { name: "removes the first rule and moves the last up", before: ["a", "b", "c"], after: ["c", "b"] },
        { name: "inserts a rule in front", before: ["a", "b"], after: ["x", "a", "b"] },
        {
            name: "replaces the middle rule and appends one",
            before: ["a", "b", "c"],
            after: ["a", "x", "c", "y"],
        },
        { name: "removes every rule but the last", before: ["a", "b", "c", "d"], after: ["d"] },
    ];
    for (const { name, before, after } of cases) {
        it(`${name}: ${before.join(",")} -> ${after.join(",")}, within bounds, in the new order`, async () => {
            const oldPlan = await plan("dev", withRules(before));
            const newPlan = await plan("dev", withRules(after));
            for (const region of newPlan.regions) {
                assert.deepEqual(
                    applyUpdate(oldPlan, newPlan, region),
                    after.map((letter) => `rule-${letter}`),
                    region,
                );
            }
        });
    }

    it("would go out of bounds if the filters were applied in parallel, in the worst order", async () => {
        // The simulation can fail: without the dependency chain, creating the last new filter first breaks.
        const newPlan = await plan("dev", withRules(["x", "y", "z"]));
        const live = new LiveFilters([]);
        const filters = ofType(newPlan, FILTER)
            .filter(inRegion(newPlan.homeRegion))
            .sort((a, b) => Number(b.inputs.rank) - Number(a.inputs.rank));
        assert.throws(
            () => filters.forEach((f) => live.create(f.inputs.name as string, Number(f.inputs.rank))),
            /rank 3 is out-of-bounds/,
        );
    });
});
