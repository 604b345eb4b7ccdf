/**
 * Runs the CrossGuard policy pack offline exactly as the Pulumi CLI does: spawns the pack under
 * `@pulumi/pulumi/cmd/run-policy-pack`, reads the port it prints, and speaks the Analyzer gRPC
 * protocol (getAnalyzerInfo, configure, analyze per resource, analyzeStack).
 *
 * Usage as a tool: `ts-node tools/policy-driver.ts <plan.json> [--config policies/config.prod.json]`
 * prints the diagnostics and exits 1 when any is mandatory.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { PlannedResource, PolicyDiagnostic } from "./plan-contract";

export type { PlannedResource, PolicyDiagnostic } from "./plan-contract";

/** A policy that declared itself not applicable (`args.notApplicable`), with its reason; urn "" for a stack policy. */
export interface NotApplicable {
    policy: string;
    reason: string;
    urn: string;
}

export interface PolicyAnalysis {
    diagnostics: PolicyDiagnostic[];
    notApplicable: NotApplicable[];
}

export interface PolicyRunOptions {
    /** The policy pack directory. Default: `<repo>/policies`. */
    packDir?: string;
    /** A `--policy-pack-config` JSON file. */
    configFile?: string;
    /** Milliseconds to wait for the pack to print its port. Default 60000. */
    startTimeoutMs?: number;
}

/**
 * The value the engine sends for an input it cannot know during preview (`plugin.UnknownStringValue`
 * in the engine; the engine sends it whatever the property's type). Put it in `inputs` to simulate one.
 */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** A JSON schema of one policy config property, as far as the driver validates it. */
export interface ConfigPropertySchema {
    type?: string | string[];
    enum?: unknown[];
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    exclusiveMaximum?: number;
    minLength?: number;
    maxLength?: number;
    pattern?: string;
    items?: ConfigPropertySchema;
    /** The schema every property of an object value must meet (a map's values). */
    additionalProperties?: ConfigPropertySchema;
    minItems?: number;
    maxItems?: number;
    default?: unknown;
    description?: string;
}

export interface PolicyInfo {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    kind: "resource" | "stack";
    configSchema?: { properties: Record<string, ConfigPropertySchema>; required: string[] };
}

export interface PackInfo {
    name: string;
    version: string;
    policies: PolicyInfo[];
    /** Config the pack passed to its PolicyPack constructor, applied before the config file. */
    initialConfig: Record<string, PolicyConfigEntry>;
}

/** One entry of a `--policy-pack-config` file. */
export type PolicyConfigValue =
    EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
export type PolicyPackConfig = Record<string, PolicyConfigValue>;

export interface PolicyConfigEntry {
    enforcementLevel?: EnforcementLevel;
    properties: Record<string, unknown>;
}

export interface ResolvedPolicyConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

const ENFORCEMENT_LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;
/** Analyze calls in flight at once; the engine also analyzes steps concurrently. */
const ANALYZE_CONCURRENCY = 32;

function isEnforcementLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (ENFORCEMENT_LEVELS as string[]).includes(value);
}

function levelFromProto(level: analyzer.EnforcementLevel): EnforcementLevel {
    switch (level) {
        case analyzer.EnforcementLevel.MANDATORY:
            return "mandatory";
        case analyzer.EnforcementLevel.DISABLED:
            return "disabled";
        case analyzer.EnforcementLevel.REMEDIATE:
            return "remediate";
        default:
            return "advisory";
    }
}

function levelToProto(level: EnforcementLevel): analyzer.EnforcementLevel {
    switch (level) {
        case "mandatory":
            return analyzer.EnforcementLevel.MANDATORY;
        case "disabled":
            return analyzer.EnforcementLevel.DISABLED;
        case "remediate":
            return analyzer.EnforcementLevel.REMEDIATE;
        default:
            return analyzer.EnforcementLevel.ADVISORY;
    }
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ------------------------------------------------------------------------------------------------
// Policy pack config: parsing, defaults and validation, as the CLI's ReconcilePolicyPackConfig does.
// ------------------------------------------------------------------------------------------------

/** Parses a `--policy-pack-config` document with the CLI's rules. */
export function parsePolicyPackConfig(document: unknown, source = "policy pack config"): PolicyPackConfig {
    if (!isRecord(document)) {
        throw new Error(`${source}: must be a JSON object`);
    }
    const result: PolicyPackConfig = {};
    for (const [name, value] of Object.entries(document)) {
        if (typeof value === "string") {
            if (!isEnforcementLevel(value)) {
                throw new Error(`${source}: ${name}: "${value}" is not a valid enforcement level`);
            }
            result[name] = value;
        } else if (isRecord(value)) {
            if (value.enforcementLevel !== undefined && !isEnforcementLevel(value.enforcementLevel)) {
                throw new Error(
                    `${source}: ${name}.enforcementLevel: ${JSON.stringify(value.enforcementLevel)} is not a valid enforcement level`,
                );
            }
            result[name] = value as PolicyConfigValue;
        } else {
            throw new Error(`${source}: ${name}: must be an enforcement level or an object`);
        }
    }
    return result;
}

export function loadPolicyPackConfig(file: string): PolicyPackConfig {
    const text = fs.readFileSync(file, "utf8");
    if (text.trim() === "") {
        return {};
    }
    return parsePolicyPackConfig(JSON.parse(text), file);
}

function toEntry(value: PolicyConfigValue): PolicyConfigEntry {
    if (typeof value === "string") {
        return { enforcementLevel: value, properties: {} };
    }
    const { enforcementLevel, ...properties } = value;
    return { enforcementLevel, properties };
}

function typeMatches(value: unknown, type: string): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "number":
            return typeof value === "number" && Number.isFinite(value);
        case "integer":
            return typeof value === "number" && Number.isInteger(value);
        case "boolean":
            return typeof value === "boolean";
        case "array":
            return Array.isArray(value);
        case "object":
            return isRecord(value);
        case "null":
            return value === null;
        default:
            return true;
    }
}

/** The JSON-schema keywords policy configs use; the CLI validates with gojsonschema. */
export function validateConfigValue(value: unknown, schema: ConfigPropertySchema, at: string): string[] {
    const errors: string[] = [];
    const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types.length > 0 && !types.some((t) => typeMatches(value, t))) {
        return [`${at}: ${JSON.stringify(value)} is not of type ${types.join(" or ")}`];
    }
    if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
        errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) {
            errors.push(`${at}: ${value} is less than the minimum ${schema.minimum}`);
        }
        if (schema.maximum !== undefined && value > schema.maximum) {
            errors.push(`${at}: ${value} is greater than the maximum ${schema.maximum}`);
        }
        if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
            errors.push(`${at}: ${value} must be greater than ${schema.exclusiveMinimum}`);
        }
        if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
            errors.push(`${at}: ${value} must be less than ${schema.exclusiveMaximum}`);
        }
    }
    if (typeof value === "string") {
        if (schema.minLength !== undefined && value.length < schema.minLength) {
            errors.push(`${at}: "${value}" is shorter than ${schema.minLength}`);
        }
        if (schema.maxLength !== undefined && value.length > schema.maxLength) {
            errors.push(`${at}: "${value}" is longer than ${schema.maxLength}`);
        }
        if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
            errors.push(`${at}: "${value}" does not match ${schema.pattern}`);
        }
    }
    if (Array.isArray(value)) {
        if (schema.minItems !== undefined && value.length < schema.minItems) {
            errors.push(`${at}: fewer than ${schema.minItems} items`);
        }
        if (schema.maxItems !== undefined && value.length > schema.maxItems) {
            errors.push(`${at}: more than ${schema.maxItems} items`);
        }
        const items = schema.items;
        if (items) {
            value.forEach((item, i) => errors.push(...validateConfigValue(item, items, `${at}[${i}]`)));
        }
    }
    const values = schema.additionalProperties;
    if (values && isRecord(value)) {
        for (const [key, item] of Object.entries(value))
            errors.push(...validateConfigValue(item, values, `${at}.${key}`));
    }
    return errors;
}

/**
 * The configuration each policy runs with: the configSchema defaults, then the pack's initial config,
 * then the file's "all" enforcement level, then the file's per-policy entries. Unlike the CLI, a file
 * naming a policy the pack does not have is an error, so that a typo cannot silently relax a policy.
 */
export function reconcilePolicyPackConfig(
    info: Pick<PackInfo, "policies" | "initialConfig">,
    config: PolicyPackConfig = {},
): Record<string, ResolvedPolicyConfig> {
    const known = new Set(info.policies.map((p) => p.name));
    const unknownNames = Object.keys(config).filter((name) => name !== "all" && !known.has(name));
    if (unknownNames.length > 0) {
        throw new Error(
            `policy pack config names policies the pack does not have: ${unknownNames.join(", ")}`,
        );
    }
    const result: Record<string, ResolvedPolicyConfig> = {};
    for (const policy of info.policies) {
        const properties: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            if (schema.default !== undefined) {
                properties[key] = schema.default;
            }
        }
        result[policy.name] = { enforcementLevel: policy.enforcementLevel, properties };
    }
    const layers = [
        info.initialConfig,
        Object.fromEntries(Object.entries(config).map(([k, v]) => [k, toEntry(v)])),
    ];
    for (const layer of layers) {
        const all = layer.all;
        if (all?.enforcementLevel) {
            for (const resolved of Object.values(result)) {
                resolved.enforcementLevel = all.enforcementLevel;
            }
        }
        for (const [name, entry] of Object.entries(layer)) {
            const resolved = result[name];
            if (!resolved) {
                continue;
            }
            if (entry.enforcementLevel) {
                resolved.enforcementLevel = entry.enforcementLevel;
            }
            Object.assign(resolved.properties, entry.properties);
        }
    }
    const errors: string[] = [];
    for (const policy of info.policies) {
        const schema = policy.configSchema;
        if (!schema) {
            continue;
        }
        const properties = result[policy.name].properties;
        for (const key of schema.required) {
            if (properties[key] === undefined) {
                errors.push(`${policy.name}: ${key} is required`);
            }
        }
        for (const [key, value] of Object.entries(properties)) {
            const propertySchema = schema.properties[key];
            if (propertySchema) {
                errors.push(...validateConfigValue(value, propertySchema, `${policy.name}.${key}`));
            }
        }
    }
    if (errors.length > 0) {
        throw new Error(`invalid policy pack config:\n  ${errors.join("\n  ")}`);
    }
    return result;
}

// ------------------------------------------------------------------------------------------------
// Protocol messages
// ------------------------------------------------------------------------------------------------

/** Struct.fromJavaScript rejects `undefined`; JSON drops such keys, and so does the engine. */
function toStructValue(value: unknown): JavaScriptValue {
    if (value === undefined || value === null) {
        return null;
    }
    if (Array.isArray(value)) {
        return value.map(toStructValue);
    }
    if (typeof value === "object") {
        const result: Record<string, JavaScriptValue> = {};
        for (const [key, item] of Object.entries(value)) {
            if (item !== undefined) {
                result[key] = toStructValue(item);
            }
        }
        return result;
    }
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        return value;
    }
    return String(value);
}

function toStruct(value: Record<string, unknown>): Struct {
    const converted = toStructValue(value);
    return Struct.fromJavaScript(isRecord(converted) ? (converted as Record<string, JavaScriptValue>) : {});
}

/** Splits "<urn>::<id>": URNs contain "::" themselves, so the id follows the last one. */
function providerUrn(reference: string): string {
    const separator = reference.lastIndexOf("::");
    return separator < 0 ? reference : reference.slice(0, separator);
}

function nameFromUrn(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

function typeFromUrn(urn: string): string {
    const parts = urn.split("::");
    const qualified = parts.length >= 2 ? parts[parts.length - 2] : "";
    return qualified.slice(qualified.lastIndexOf("$") + 1);
}

function options(resource: PlannedResource): analyzer.AnalyzerResourceOptions {
    const opts = new analyzer.AnalyzerResourceOptions();
    // The protocol carries protect but not retainOnDelete: the engine does not send it to analyzers.
    opts.setProtect(resource.protect);
    opts.setIgnorechangesList([]);
    opts.setAliasesList([]);
    opts.setAdditionalsecretoutputsList([]);
    opts.setCustomtimeouts(new analyzer.AnalyzerResourceOptions.CustomTimeouts());
    if (resource.parent) {
        opts.setParent(resource.parent);
    }
    return opts;
}

function providerResource(
    resource: PlannedResource,
    byUrn: Map<string, PlannedResource>,
): analyzer.AnalyzerProviderResource | undefined {
    if (!resource.provider) {
        return undefined;
    }
    const urn = providerUrn(resource.provider);
    const planned = byUrn.get(urn);
    const provider = new analyzer.AnalyzerProviderResource();
    provider.setUrn(urn);
    provider.setType(planned?.type ?? typeFromUrn(urn));
    provider.setName(planned?.name ?? nameFromUrn(urn));
    provider.setProperties(toStruct(planned?.inputs ?? {}));
    return provider;
}

function analyzeRequest(
    resource: PlannedResource,
    byUrn: Map<string, PlannedResource>,
): analyzer.AnalyzeRequest {
    const request = new analyzer.AnalyzeRequest();
    request.setType(resource.type);
    request.setUrn(resource.urn);
    request.setName(resource.name);
    request.setProperties(toStruct(resource.inputs));
    request.setOptions(options(resource));
    const provider = providerResource(resource, byUrn);
    if (provider) {
        request.setProvider(provider);
    }
    return request;
}

function stackResource(
    resource: PlannedResource,
    byUrn: Map<string, PlannedResource>,
): analyzer.AnalyzerResource {
    const r = new analyzer.AnalyzerResource();
    r.setType(resource.type);
    r.setUrn(resource.urn);
    r.setName(resource.name);
    r.setProperties(toStruct(resource.inputs));
    r.setOptions(options(resource));
    const provider = providerResource(resource, byUrn);
    if (provider) {
        r.setProvider(provider);
    }
    if (resource.parent) {
        r.setParent(resource.parent);
    }
    r.setDependenciesList(resource.dependsOn);
    for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
        const deps = new analyzer.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns);
        r.getPropertydependenciesMap().set(property, deps);
    }
    return r;
}

function diagnostics(response: analyzer.AnalyzeResponse, defaultUrn: string): PolicyDiagnostic[] {
    const result: PolicyDiagnostic[] = [];
    for (const d of response.getDiagnosticsList()) {
        const level = levelFromProto(d.getEnforcementlevel());
        if (level === "disabled") {
            continue;
        }
        result.push({
            policy: d.getPolicyname(),
            // The pack downgrades a remediation that still violates to mandatory; so do we.
            level: level === "advisory" ? "advisory" : "mandatory",
            message: d.getMessage(),
            urn: d.getUrn() || defaultUrn,
        });
    }
    return result;
}

function packInfoFromProto(info: analyzer.AnalyzerInfo): PackInfo {
    const policies = info.getPoliciesList().map((p): PolicyInfo => {
        const schema = p.getConfigschema();
        const policy: PolicyInfo = {
            name: p.getName(),
            description: p.getDescription(),
            enforcementLevel: levelFromProto(p.getEnforcementlevel()),
            kind: p.getPolicyType() === analyzer.PolicyType.POLICY_TYPE_STACK ? "stack" : "resource",
        };
        if (schema) {
            const properties: Record<string, ConfigPropertySchema> = {};
            for (const [key, value] of Object.entries(schema.getProperties()?.toJavaScript() ?? {})) {
                properties[key] = isRecord(value) ? (value as ConfigPropertySchema) : {};
            }
            policy.configSchema = { properties, required: schema.getRequiredList() };
        }
        return policy;
    });
    const initialConfig: Record<string, PolicyConfigEntry> = {};
    info.getInitialconfigMap().forEach((value, key) => {
        initialConfig[key] = {
            enforcementLevel: levelFromProto(value.getEnforcementlevel()),
            properties: value.getProperties()?.toJavaScript() ?? {},
        };
    });
    return { name: info.getName(), version: info.getVersion(), policies, initialConfig };
}

function callback<T>(resolve: (value: T) => void, reject: (reason: Error) => void) {
    return (error: grpc.ServiceError | null, response: T) => (error ? reject(error) : resolve(response));
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the results in order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await work(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

// ------------------------------------------------------------------------------------------------
// The session
// ------------------------------------------------------------------------------------------------

export const DEFAULT_PACK_DIR = path.resolve(__dirname, "..", "policies");

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
        let stdout = "";
        let stderr = "";
        const fail = (reason: string) => {
            clearTimeout(timer);
            reject(new Error(`policy pack did not start: ${reason}\n${stderr || stdout}`.trim()));
        };
        const timer = setTimeout(() => {
            child.kill();
            fail(`no port printed within ${timeoutMs} ms`);
        }, timeoutMs);
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout?.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
            const match = /^(\d+)\s*$/m.exec(stdout);
            if (match) {
                clearTimeout(timer);
                resolve(Number(match[1]));
            }
        });
        child.on("error", (e) => fail(e.message));
        child.on("exit", (code, signal) => fail(`exited with ${signal ?? `code ${code}`}`));
    });
}

export class PolicyPackSession {
    private resolvedConfig: Record<string, ResolvedPolicyConfig> = {};

    private constructor(
        private readonly child: ChildProcess | undefined,
        private readonly client: AnalyzerClient,
        private readonly packInfo: PackInfo,
        /** Milliseconds from spawning the pack to its analyzer answering getAnalyzerInfo. */
        public readonly startupMs: number,
    ) {}

    static async start(options: PolicyRunOptions = {}): Promise<PolicyPackSession> {
        const started = Date.now();
        const packDir = path.resolve(options.packDir ?? DEFAULT_PACK_DIR);
        // The pack's own ts-node must see no settings meant for the process that runs the driver.
        const env = Object.fromEntries(
            Object.entries(process.env).filter(([key]) => !key.startsWith("TS_NODE_")),
        );
        const child = spawn(
            process.execPath,
            [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."],
            { cwd: packDir, env, stdio: ["ignore", "pipe", "pipe"] },
        );
        // The pack's server outlives its parent unless told: a process that exits with a session open (a test
        // worker that mocha ends, a command that fails) takes its pack with it. Only on an exit Node runs its
        // exit handlers for: a process killed by a signal leaves the pack running.
        const stop = () => child.kill();
        process.once("exit", stop);
        child.once("exit", () => process.removeListener("exit", stop));
        try {
            const port = await waitForPort(child, options.startTimeoutMs ?? 60_000);
            return await PolicyPackSession.connect(port, options, child, started);
        } catch (e) {
            child.kill();
            throw e;
        }
    }

    /**
     * A session with an analyzer that is already listening on `port`: the pack's own gRPC server, started
     * by someone else (mutation testing serves it inside the test process, where Stryker can switch
     * mutants without a restart). Closing the session leaves that server running.
     */
    static async connect(
        port: number,
        options: PolicyRunOptions = {},
        child?: ChildProcess,
        started = Date.now(),
    ): Promise<PolicyPackSession> {
        const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
            "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
        });
        try {
            const info = await new Promise<analyzer.AnalyzerInfo>((resolve, reject) =>
                client.getAnalyzerInfo(new Empty(), callback(resolve, reject)),
            );
            const session = new PolicyPackSession(
                child,
                client,
                packInfoFromProto(info),
                Date.now() - started,
            );
            await session.configure(options.configFile ? loadPolicyPackConfig(options.configFile) : {});
            return session;
        } catch (e) {
            client.close();
            throw e;
        }
    }

    info(): PackInfo {
        return this.packInfo;
    }

    /** The configuration each policy currently runs with, defaults filled in. */
    config(): Record<string, ResolvedPolicyConfig> {
        return this.resolvedConfig;
    }

    /** Sends a (new) policy pack config, replacing the previous one as the analyzer does. */
    async configure(config: PolicyPackConfig | string = {}): Promise<void> {
        const parsed =
            typeof config === "string" ? loadPolicyPackConfig(config) : parsePolicyPackConfig(config);
        const resolved = reconcilePolicyPackConfig(this.packInfo, parsed);
        const request = new analyzer.ConfigureAnalyzerRequest();
        const map = request.getPolicyconfigMap();
        for (const [name, entry] of Object.entries(resolved)) {
            const policyConfig = new analyzer.PolicyConfig();
            policyConfig.setEnforcementlevel(levelToProto(entry.enforcementLevel));
            policyConfig.setProperties(toStruct(entry.properties));
            map.set(name, policyConfig);
        }
        await new Promise<Empty>((resolve, reject) =>
            this.client.configure(request, callback(resolve, reject)),
        );
        this.resolvedConfig = resolved;
    }

    /** Analyzes every resource, then the stack as a whole; resource diagnostics come first. */
    async analyzeResources(resources: PlannedResource[]): Promise<PolicyDiagnostic[]> {
        return (await this.analyzeResourcesDetailed(resources)).diagnostics;
    }

    /** As `analyzeResources`, with the policies that declared themselves not applicable, and why. */
    async analyzeResourcesDetailed(resources: PlannedResource[]): Promise<PolicyAnalysis> {
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const perResource = await mapLimited(resources, ANALYZE_CONCURRENCY, async (resource) =>
            new Promise<analyzer.AnalyzeResponse>((resolve, reject) =>
                this.client.analyze(analyzeRequest(resource, byUrn), callback(resolve, reject)),
            ).then((response) => ({ response, urn: resource.urn })),
        );
        const stackRequest = new analyzer.AnalyzeStackRequest();
        stackRequest.setResourcesList(resources.map((r) => stackResource(r, byUrn)));
        const stackResponse = await new Promise<analyzer.AnalyzeResponse>((resolve, reject) =>
            this.client.analyzeStack(stackRequest, callback(resolve, reject)),
        );
        const responses = [...perResource, { response: stackResponse, urn: "" }];
        return {
            diagnostics: responses.flatMap(({ response, urn }) => diagnostics(response, urn)),
            notApplicable: responses.flatMap(({ response, urn }) =>
                response.getNotApplicableList().map((n) => ({
                    policy: n.getPolicyName(),
                    reason: n.getReason(),
                    urn,
                })),
            ),
        };
    }

    async close(): Promise<void> {
        this.client.close();
        const child = this.child;
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
            return;
        }
        await new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill();
        });
    }
}

/** Starts the pack, analyzes the resources and stops the pack. */
export async function runPolicyPack(
    resources: PlannedResource[],
    options: PolicyRunOptions = {},
): Promise<PolicyDiagnostic[]> {
    const session = await PolicyPackSession.start(options);
    try {
        return await session.analyzeResources(resources);
    } finally {
        await session.close();
    }
}

function readPlan(file: string): PlannedResource[] {
    const plan: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    const resources = isRecord(plan) ? plan.resources : plan;
    if (!Array.isArray(resources)) {
        throw new Error(`${file}: expected an array of resources or an object with "resources"`);
    }
    return resources as PlannedResource[];
}

async function main(argv: string[]): Promise<number> {
    const configIndex = argv.indexOf("--config");
    const configFile = configIndex >= 0 ? argv[configIndex + 1] : undefined;
    const planFile = argv.find((a, i) => !a.startsWith("--") && (configIndex < 0 || i !== configIndex + 1));
    if (!planFile || (configIndex >= 0 && !configFile)) {
        console.error("usage: policy-driver <plan.json> [--config <policy-pack-config.json>]");
        return 2;
    }
    const resources = readPlan(planFile);
    const session = await PolicyPackSession.start({ configFile });
    try {
        const started = Date.now();
        const found = await session.analyzeResources(resources);
        const analysisMs = Date.now() - started;
        for (const d of found) {
            console.log(`[${d.level}] ${d.policy} ${d.urn}\n    ${d.message.replace(/\n/g, "\n    ")}`);
        }
        const mandatory = found.filter((d) => d.level === "mandatory").length;
        console.error(
            `${resources.length} resources, ${found.length} diagnostics (${mandatory} mandatory); ` +
                `pack start-up ${session.startupMs} ms, analysis ${analysisMs} ms`,
        );
        return mandatory > 0 ? 1 : 0;
    } finally {
        await session.close();
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        (e: unknown) => {
            console.error(e instanceof Error ? e.message : e);
            process.exitCode = 2;
        },
    );
}
