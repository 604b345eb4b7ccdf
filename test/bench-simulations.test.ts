import { strict as assert } from "node:assert";
import type { CoverageReport } from "../functions/coverage/matrix";
import { simulateCoverage } from "../tools/bench-coverage";
import { measurePlanCost } from "../tools/bench-plan-cost";
import { BURST_WORKLOAD } from "../tools/bench-responder-workload";
import { benchResponder } from "../tools/bench-responder-report";
import { main } from "../tools/bench";

/*
 * Benches that cannot rot: a small run of every simulation `npm run bench` runs, through the same entry points,
 * each asserted on what it found. A simulation that deadlocks, throws or stops converging fails here, in npm
 * test, instead of on the day someone next runs the benchmark.
 */

/** The prod stack governs 17 regions; Detective is not offered in ap-northeast-3 (docs/aws-facts.md). */
const PROD_REGIONS = 17;
const PROD_ROWS = 6 * PROD_REGIONS - 1;

/** `npm run bench -- <argv>` in this process: its exit code and what it printed. */
async function bench(argv: string[]): Promise<{ code: number; output: string; errors: string }> {
    let output = "";
    let errors = "";
    const code = await main(
        argv,
        (text) => (output += text),
        (text) => (errors += text),
    );
    return { code, output, errors };
}

describe("every benchmark simulation, small (npm run bench)", () => {
    it("--functions --accounts 40: the enrollment simulation, reached through the flags, converges in one run", async () => {
        const { code, output } = await bench(["--functions", "--accounts", "40"]);
        assert.equal(code, 0);
        assert.match(output, /Enrollment function, simulated: 40 accounts x 17 regions/);
        assert.match(output, /^ok {3}converges within 3 runs: after 1$/m);
        assert.match(output, /^ok {3}each run at most 14 minutes/m);
        assert.doesNotMatch(output, /MISS/);
    });

    it("--functions with a list of account counts is refused: a simulation holds one organization", async () => {
        const { code, output, errors } = await bench(["--functions", "--accounts", "10,20"]);
        assert.equal(code, 2);
        assert.equal(output, "");
        assert.match(errors, /give one number/);
    });

    it("--coverage --accounts 30: the coverage simulation, in a process of its own as npm run bench runs it", async () => {
        const { code, output } = await bench(["--coverage", "--accounts", "30"]);
        assert.equal(code, 0);
        assert.match(output, /Coverage function, simulated: 30 accounts x 17 regions/);
        assert.match(output, /^ok {3}every row refreshed within 60 minutes/m);
        assert.match(output, /^ok {3}no row failed to read/m);
        assert.match(output, /^ok {3}peak RSS <= 512 MB: \d+ MB/m);
    });

    it("the coverage simulation refreshes every row of the prod matrix in one run, through throttling", async () => {
        // 1,000 accounts: 170 Config.1 pages from the home region's GetFindings (3 a second, burst 6) in one run,
        // beside 17 regions of member pages: enough to be throttled and to retry.
        const result = await simulateCoverage({ stack: "prod", accounts: 1_000, minRuns: 1, maxRuns: 2 });
        assert.equal(result.regions, PROD_REGIONS);
        assert.equal(result.rows, PROD_ROWS);
        assert.equal(result.runs.length, 1);
        const [run] = result.runs;
        assert.equal(run.refreshed, PROD_ROWS);
        assert.equal(run.notReached, 0);
        assert.equal(run.failedRows, 0, "a throttled read must be retried, never written as a failed row");
        assert.equal(run.timedOut, false);
        assert.ok(run.throttled > 0 && run.retries >= run.throttled - 1, JSON.stringify(run));
        assert.ok(result.matrixMinutes !== undefined && result.matrixMinutes <= run.simulatedMinutes);
        // 50 ListAccounts pages of 20, and for each of 17 regions 20 GuardDuty and 40 Macie member pages.
        const listAccounts = result.byApi.get("organizations:ListAccounts") ?? 0;
        assert.ok(listAccounts >= 50 && listAccounts <= 50 + run.throttled, String(listAccounts));
        assert.ok((result.byApi.get("macie2:ListMembers") ?? 0) >= 17 * 40);
        assert.ok(result.peakRssMb >= result.baselineRssMb && result.peakHeapMb > 0, JSON.stringify(result));
    });

    it("the coverage simulation's matrix names each gap the simulated organization has, run after run", async () => {
        const result = await simulateCoverage({ stack: "prod", accounts: 120, minRuns: 2, maxRuns: 3 });
        assert.deepEqual(
            result.runs.map((r) => r.refreshed),
            [PROD_ROWS, PROD_ROWS],
            "every row refreshed on every hourly run",
        );
        const combined = JSON.parse(String(result.combinedReport)) as CoverageReport;
        assert.equal(combined.accounts.length, 120);
        assert.equal(combined.rows.length, PROD_ROWS);
        assert.equal(combined.stoppedEarly, false);
        // The simulated organization (tools/bench-coverage-world.ts): account 5 is a member that is not enabled in
        // every member service, account 7's Config.1 fails, Inspector scans every account.
        const account = (index: number) => String(100_000_000_000 + index);
        // prod turns the new Security Hub on: a passing Config.1 proves nothing, so every other account of a config
        // row is an excused gap and none is covered (docs/operations.md, coverage).
        for (const row of combined.rows) {
            const expected =
                row.service === "inspector" ? [] : row.service === "config" ? [account(7)] : [account(5)];
            assert.deepEqual(
                row.gaps.filter((gap) => gap.excused !== true).map((gap) => gap.accountId),
                expected,
                `${row.service}/${row.region}: ${JSON.stringify(row.gaps.slice(0, 3))}`,
            );
            const excused = row.gaps.filter((gap) => gap.excused === true).length;
            assert.equal(excused, row.service === "config" ? 119 : 0);
            assert.equal(row.covered, row.service === "config" ? 0 : 120 - expected.length);
        }
    });

    it("the responder's burst, as npm run bench -- --responder reports it", async () => {
        // The dev stack: a plan of one region, the cheapest the responder can be deployed from.
        const report = await benchResponder("dev", {
            workload: {
                ...BURST_WORKLOAD,
                findings: 20,
                overSeconds: 30,
                accounts: 2,
                vpcsPerAccount: 1,
                subnetsPerVpc: 2,
                instances: 20,
                attackers: 15,
            },
            whatIf: [],
        });
        assert.match(report, /planned/);
        assert.doesNotMatch(report, /MISS/);
    });

    it("the plan's cost at two sizes, as npm run bench -- --plan-cost measures it", async () => {
        const cost = await measurePlanCost("dev", 1, 2, 40);
        assert.equal(cost.small.ms.length, 1);
        assert.equal(cost.large.ms.length, 1);
        assert.ok(cost.ratio > 0 && Number.isFinite(cost.ratio), String(cost.ratio));
    });
});
