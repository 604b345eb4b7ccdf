import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanDocument, PlannedResource, PlanOptions, planStack, REPO_ROOT } from "../../tools/plan-runtime";

const cache = new Map<string, Promise<PlanDocument>>();

/**
 * Plans a stack in this process through the same path as `npm run plan` (index.ts under the mock
 * runtime). Plans are cached per options: the program is deterministic, which test/determinism checks.
 */
export function plan(stack: string, options: Omit<PlanOptions, "stack"> = {}): Promise<PlanDocument> {
    const key = JSON.stringify({ stack, ...options });
    let planned = cache.get(key);
    if (planned === undefined) {
        // Plans share the Pulumi runtime's global state: run them one after the other.
        const previous = [...cache.values()].pop() ?? Promise.resolve(undefined);
        planned = previous
            .catch(() => undefined)
            .then(() => planStack({ stack, ...options }))
            .then((result) => result.plan);
        cache.set(key, planned);
    }
    return planned;
}

export function ofType(planned: PlanDocument, type: string): PlannedResource[] {
    return planned.resources.filter((resource) => resource.type === type);
}

export function single(
    planned: PlanDocument,
    type: string,
    predicate: (r: PlannedResource) => boolean = () => true,
) {
    const matches = ofType(planned, type).filter(predicate);
    if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
    return matches[0];
}

/** The findings bucket's own resources, not those of the access-log bucket beside it (components/access-logs.ts). */
export function ofFindingsBucket(resource: PlannedResource): boolean {
    return resource.name.startsWith("findings-") && !resource.name.startsWith("findings-access-logs");
}

export function inRegion(region: string): (resource: PlannedResource) => boolean {
    return (resource) => resource.inputs.region === region;
}

export interface CliResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `npm run plan -- <args>` as a user would, optionally from a project directory of stack files. */
export function runPlanCli(args: string[], cwd = REPO_ROOT): CliResult {
    const result = spawnSync(
        process.execPath,
        [
            "--require",
            require.resolve("ts-node/register/transpile-only"),
            path.join(REPO_ROOT, "tools", "plan.ts"),
            ...args,
        ],
        {
            cwd,
            encoding: "utf8",
            env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json") },
            timeout: 120_000,
        },
    );
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A throwaway project directory holding Pulumi.yaml and the given stack files. */
export function projectDir(stackFiles: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "security-governance-"));
    fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const [name, content] of Object.entries(stackFiles)) {
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

/** The findings export key (the notifications topic has a key of its own). */
export function findingsKey(planned: PlanDocument): PlannedResource {
    return single(planned, "aws:kms/key:Key", (key) => key.name === "findings-key");
}
