import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { ConfigError, NAMESPACE, parseStackConfig, type StackConfig } from "../stacks/config";
import { projectNameProblem } from "../stacks/load";

export const REPO_ROOT = path.resolve(__dirname, "..");

/** A wrong flag, stack name or stack file: the command prints the message alone and exits 2. */
export class PlanInputError extends Error {}

/** A stack file as the offline tools read it. */
export interface StackFile {
    /** `Pulumi.<stack>.yaml`, for messages. */
    name: string;
    /** The `config:` map, keys as written. */
    values: Record<string, unknown>;
    /**
     * The Pulumi ESC environments the file imports (`environment:`, a list of names or an inline definition,
     * sdk/go/common/workspace/project.go `Environment`): their values reach `pulumi up`, not these tools.
     */
    environments?: string;
}

/**
 * Like the Pulumi CLI, stack files are read from the project directory: the current directory when it
 * holds a Pulumi.yaml, otherwise this repository.
 */
export function defaultStackDir(): string {
    return fs.existsSync(path.join(process.cwd(), "Pulumi.yaml")) ? process.cwd() : REPO_ROOT;
}

function loadYaml(file: string): unknown {
    try {
        return yaml.load(fs.readFileSync(file, "utf8"));
    } catch (error) {
        throw new PlanInputError(
            `${path.basename(file)}: not valid YAML: ${(error as Error).message.split("\n")[0]}`,
        );
    }
}

/**
 * The project's name: it is the namespace of every setting (`pulumi config set` writes `<project>:<key>`) and
 * what the policy pack recognises this program by, so a renamed project is refused before anything is planned.
 */
function checkProjectName(stackDir: string): void {
    const file = path.join(stackDir, "Pulumi.yaml");
    if (!fs.existsSync(file)) return;
    const name = (loadYaml(file) as { name?: unknown } | null)?.name;
    const problem = projectNameProblem(typeof name === "string" ? name : String(name), "Pulumi.yaml");
    if (problem !== undefined) throw new PlanInputError(problem);
}

function environmentsOf(document: unknown): string | undefined {
    const environment = (document as { environment?: unknown } | null)?.environment;
    if (environment === undefined || environment === null) return undefined;
    // An empty list imports nothing.
    if (Array.isArray(environment))
        return environment.length === 0 ? undefined : environment.map(String).join(", ");
    return "an inline environment";
}

/** An account a stack file names (`accounts.<key>`, with or without the namespace). */
function accountOf(values: Record<string, unknown>, key: "management" | "securityAdmin"): string | undefined {
    const accounts = (values[`${NAMESPACE}:accounts`] ?? values.accounts) as
        Record<string, unknown> | undefined;
    const id = accounts?.[key];
    return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

/**
 * One stack is one organization: another stack file of the project naming the same management account, or the
 * same security account (an account belongs to one organization), is a second stack over that organization, and
 * each `pulumi up` would undo what the other set.
 */
function checkOneStackPerOrganization(
    stack: string,
    values: Record<string, unknown>,
    stackDir: string,
): void {
    for (const entry of fs.readdirSync(stackDir).sort()) {
        const other = /^Pulumi\.(.+)\.yaml$/.exec(entry)?.[1];
        if (other === undefined || other === stack) continue;
        let config: unknown;
        try {
            config = (loadYaml(path.join(stackDir, entry)) as { config?: unknown } | null)?.config;
        } catch {
            continue; // another stack's broken file is that stack's mistake, said when it is planned
        }
        if (config === null || typeof config !== "object" || Array.isArray(config)) continue;
        for (const key of ["management", "securityAdmin"] as const) {
            const id = accountOf(values, key);
            if (id === undefined || accountOf(config as Record<string, unknown>, key) !== id) continue;
            throw new PlanInputError(
                `${NAMESPACE}:accounts.${key} = "${id}" in Pulumi.${stack}.yaml and in ${entry}: expected one stack per organization; two stacks over one organization undo each other's delegated administrators, organization settings and policies at every pulumi up: give each stack its own organization, or remove one stack file`,
            );
        }
    }
}

/** Reads Pulumi.<stack>.yaml. */
export function readStackFile(stack: string, stackDir = defaultStackDir()): StackFile {
    const file = path.join(stackDir, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !fs.existsSync(file)) {
        const available = fs
            .readdirSync(stackDir)
            .map((entry) => /^Pulumi\.(.+)\.yaml$/.exec(entry)?.[1])
            .filter((name): name is string => name !== undefined)
            .sort();
        throw new PlanInputError(
            `--stack ${JSON.stringify(stack)}: no such stack file (${path.basename(file)}); available stacks: ${available.join(", ")}`,
        );
    }
    checkProjectName(stackDir);
    const document = loadYaml(file);
    const config = (document as { config?: unknown } | null)?.config;
    const environments = environmentsOf(document);
    // With an ESC environment the file may hold no config: of its own; the settings must still be readable here.
    if (config === undefined || config === null || typeof config !== "object" || Array.isArray(config)) {
        throw new PlanInputError(
            `${path.basename(file)}: expected a top-level "config:" map of stack settings${environments === undefined ? "" : `; the settings of the Pulumi ESC environment(s) it imports (${environments}) reach pulumi up only: put them in config: to use this command`}`,
        );
    }
    checkOneStackPerOrganization(stack, config as Record<string, unknown>, stackDir);
    return { name: path.basename(file), values: config as Record<string, unknown>, environments };
}

/** Reads Pulumi.<stack>.yaml's `config:` map. */
export function readStackConfigValues(stack: string, stackDir = defaultStackDir()): Record<string, unknown> {
    return readStackFile(stack, stackDir).values;
}

/**
 * A note for a stack file that imports Pulumi ESC environments: their values are merged under the file's own
 * (the file wins; pkg/workspace/config.go mergeConfig), and only the Pulumi CLI can open them.
 */
export function environmentNote(file: StackFile): string | undefined {
    if (file.environments === undefined) return undefined;
    return `${file.name} imports the Pulumi ESC environment(s) ${file.environments}: this command read only the file's config:; settings only the environment supplies are planned as their defaults here (pulumi preview opens the environment)`;
}

/** Validates the stack file's settings (with overrides), saying when a missing one may live in ESC. */
export function parseStackFile(file: StackFile, overrides: Record<string, unknown> = {}): StackConfig {
    try {
        return parseStackConfig({ ...file.values, ...overrides });
    } catch (error) {
        if (!(error instanceof ConfigError) || file.environments === undefined) throw error;
        throw new ConfigError([
            ...error.problems,
            `${file.name} imports the Pulumi ESC environment(s) ${file.environments}, which only the Pulumi CLI can open: a ${NAMESPACE}: setting the environment supplies must also be in the file's config: for this command`,
        ]);
    }
}
