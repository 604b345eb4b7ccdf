import { GOVERNED_SERVICES, isOffered } from "../stacks/availability";
import { strict as assert } from "node:assert";
import { planStack, type PlanDocument } from "../tools/plan-runtime";
import { plan } from "./helpers/plan";

/**
 * What one more governed region may cost, whatever the number of accounts: issue 5's 40, since issue 29 the
 * region's watch (a relay topic, its key, its policy and its subscription, and the delivery alarm of each of up to
 * four forwarding rules), and since issue 30 AI Protection's detector feature and organization feature.
 */
const PER_REGION = 50;
/** Generous against a loaded CI machine: the 10,000-account plan takes a fraction of it (npm run bench). */
const LARGE_PLAN_BOUND_MS = 60_000;
const GLOBAL = "(global)";

function countByRegion(planned: PlanDocument): Map<string, number> {
    const counts = new Map<string, number>();
    for (const resource of planned.resources) {
        const region = typeof resource.inputs.region === "string" ? resource.inputs.region : GLOBAL;
        counts.set(region, (counts.get(region) ?? 0) + 1);
    }
    return counts;
}

function typeAndName(planned: PlanDocument): string[] {
    return planned.resources.map((resource) => `${resource.type}::${resource.name}`);
}

describe("scale: the stack does not grow with the organization", function () {
    this.timeout(120_000);

    let small: PlanDocument;
    let large: PlanDocument;
    let homeOnly: PlanDocument;

    before(async () => {
        small = await plan("prod", { accounts: 10 });
        // Discovery reports progress from 50 pages on; the default would log it into the test output.
        large = await plan("prod", { accounts: 1000, progress: () => undefined });
        homeOnly = await plan("prod", {
            accounts: 10,
            configOverrides: { "security-governance:regions": [small.homeRegion] },
        });
    });

    it("plans the same resources for 10 and for 1,000 accounts", () => {
        assert.equal(small.accounts.count, 10);
        assert.equal(large.accounts.count, 1000);
        assert.equal(large.resources.length, small.resources.length);
        assert.deepEqual(typeAndName(large), typeAndName(small));
    });

    it(`costs at most ${PER_REGION} resources in each governed region but the home region`, () => {
        assert.equal(small.regions.length, 17);
        for (const planned of [small, large]) {
            const counts = countByRegion(planned);
            // Regions where a service is not offered get fewer resources (ap-northeast-3 has no Detective).
            const others = planned.regions.filter(
                (region) =>
                    region !== planned.homeRegion &&
                    GOVERNED_SERVICES.every((service) => isOffered(service, region)),
            );
            const perRegion = new Set(others.map((region) => counts.get(region) ?? 0));
            // Every other region gets the same set of resources...
            assert.equal(perRegion.size, 1, `per-region counts differ: ${[...perRegion].join(", ")}`);
            // ...and no more than the budget.
            const [count] = [...perRegion];
            assert.ok(count > 0 && count <= PER_REGION, `${count} resources per region`);
            // Nothing lands in a region the stack does not govern.
            for (const region of counts.keys()) {
                assert.ok(region === GLOBAL || planned.regions.includes(region), `resource in ${region}`);
            }
        }
    });

    it(`grows by at most ${PER_REGION} resources per governed region added to a one-region stack`, () => {
        assert.deepEqual(homeOnly.regions, [small.homeRegion]);
        const added = small.regions.length - homeOnly.regions.length;
        // Not a multiple of the regions: a multi-region stack also needs the (global) IAM role, and its
        // policy, that forwards finding alerts from the other regions to the home region.
        const growth = small.resources.length - homeOnly.resources.length;
        assert.ok(growth <= PER_REGION * added, `${growth} resources for ${added} added regions`);
    });

    it("plans 10,000 accounts in 17 regions within a generous bound, with as many resources as 10", async () => {
        // planStack rather than the cached helper: the 10,000-account plan is not kept for later tests.
        const progress: string[] = [];
        const started = Date.now();
        const { plan: planned } = await planStack({
            stack: "prod",
            accounts: 10_000,
            progress: (message) => progress.push(message),
        });
        const elapsed = Date.now() - started;
        console.log(`        10,000 accounts x 17 regions planned in ${(elapsed / 1000).toFixed(1)} s`);

        assert.equal(planned.accounts.count, 10_000);
        assert.equal(planned.resources.length, small.resources.length);
        // Discovery read 500 ListAccounts pages and said so while it ran.
        assert.match(progress[0], /^discovering organization: 1,000 accounts \(50 pages\)$/);
        // Discovery's last line; the guardrails' quota lines follow it.
        const discovery = progress.filter((line) => !line.startsWith("guardrails: "));
        assert.match(discovery[discovery.length - 1], /10,000 active accounts \(10,000 listed, 500 pages\)$/);
        assert.ok(
            progress.some((line) =>
                /^guardrails: r-\w+ takes 2 SCP\(s\) \+ FullAWSAccess = 3 of 5$/.test(line),
            ),
        );
        assert.ok(elapsed < LARGE_PLAN_BOUND_MS, `took ${elapsed} ms`);
    });
});
