/**
 * The in-account functions' simulations as `npm run bench` runs them (tools/bench.ts): the enrollment function in
 * this process, the coverage function in a process of its own so that its peak RSS is its own.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { ENROLLMENT_TARGETS, formatSimulation, simulateEnrollment } from "./bench-functions";
import { readStackConfigValues, REPO_ROOT } from "./plan-runtime";

/** The organization the simulations hold unless told otherwise (`--accounts`). */
export const SIMULATED_ACCOUNTS = 10_000;

/** The enrollment function's hourly runs until nothing is left to enroll (tools/bench-functions.ts). */
export async function enrollmentReport(
    stack: string,
    accounts = SIMULATED_ACCOUNTS,
    progress: (line: string) => void = () => undefined,
): Promise<string> {
    const regions = readStackConfigValues(stack, REPO_ROOT)["security-governance:regions"];
    const options = {
        accounts,
        regions: Array.isArray(regions) ? regions.map(String) : [],
        runMinutes: ENROLLMENT_TARGETS.runMinutes,
        maxRuns: 6,
    };
    progress(
        `bench: enrollment simulation, ${accounts.toLocaleString("en-US")} accounts x ${options.regions.length} regions ...`,
    );
    return formatSimulation(options, await simulateEnrollment(options));
}

/**
 * The coverage function's hourly runs until the whole matrix has been refreshed (tools/bench-coverage.ts), in a
 * child process with --expose-gc: its report is what the child prints.
 */
export function coverageReport(
    stack: string,
    accounts = SIMULATED_ACCOUNTS,
    progress: (line: string) => void = () => undefined,
): Promise<string> {
    progress(
        `bench: coverage simulation, ${accounts.toLocaleString("en-US")} accounts, the ${stack} stack's regions ...`,
    );
    const args = [
        "--expose-gc",
        "--require",
        require.resolve("ts-node/register/transpile-only"),
        path.join(__dirname, "bench-coverage.ts"),
        "--stack",
        stack,
        "--accounts",
        String(accounts),
    ];
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, {
            cwd: REPO_ROOT,
            env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json") },
            stdio: ["ignore", "pipe", "pipe"],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
        child.on("error", reject);
        child.on("close", (code, signal) => {
            if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
            else
                reject(
                    new Error(
                        `coverage simulation exited with ${signal ?? code}: ${Buffer.concat(err).toString("utf8")}`,
                    ),
                );
        });
    });
}
