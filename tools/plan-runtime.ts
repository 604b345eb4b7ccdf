import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import type { StackConfig } from "../stacks/config";
import type { PlanDocument, PlannedResource } from "./plan-contract";
import {
    FixtureAccountIds,
    generateOrganization,
    loadOrgFixture,
    mockOrganizationsClient,
    OrgFixture,
} from "./org-fixture";
import { environmentNote, parseStackFile, readStackFile } from "./stack-file";

export const PROJECT = "security-governance";
export { defaultStackDir, PlanInputError, readStackConfigValues, REPO_ROOT } from "./stack-file";

export type { PlanDocument, PlannedResource, PolicyDiagnostic } from "./plan-contract";

export interface PlanOptions {
    stack: string;
    /** Size of the generated organization (default 12). */
    accounts?: number;
    /** A ListAccounts-shaped JSON file to use instead of a generated organization. */
    orgFile?: string;
    /** Directory holding Pulumi.<stack>.yaml (default: see defaultStackDir). */
    stackDir?: string;
    /** Config values overriding the stack file's (full keys such as `security-governance:regions`). */
    configOverrides?: Record<string, unknown>;
    /** Progress lines (discovery) go here; default: nowhere. */
    progress?: (message: string) => void;
}

function stableId(...parts: string[]): string {
    return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

function uuidFrom(hex: string): string {
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface MockContext {
    homeRegion: string;
    securityAccountId: string;
    managementAccountId: string;
    organization: OrgFixture;
}

/**
 * Mocked provider answers: deterministic IDs and ARNs shaped like the real ones, in the account of the
 * provider that registers the resource, so that policies and tests see realistic values.
 */
function mockOutputs(
    args: pulumi.runtime.MockResourceArgs,
    context: MockContext,
    providerRegions: Map<string, string>,
): { id: string; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, unknown>;
    const onManagement = (args.provider ?? "").includes("::management::");
    const account = onManagement ? context.managementAccountId : context.securityAccountId;
    // A provider reference is `<urn>::<id>` and a URN ends with `::<name>`.
    const providerRegion = args.provider ? providerRegions.get(args.provider.split("::")[3]) : undefined;
    const region = (inputs.region as string | undefined) ?? providerRegion ?? context.homeRegion;
    const hex = stableId(args.type, args.name);
    const state: Record<string, unknown> = { ...inputs, region };
    let id = hex.slice(0, 20);
    switch (args.type) {
        case "pulumi:providers:aws":
            return { id: uuidFrom(hex), state: inputs };
        case "aws:guardduty/detector:Detector":
            id = hex.slice(0, 32);
            Object.assign(state, {
                accountId: account,
                arn: `arn:aws:guardduty:${region}:${account}:detector/${id}`,
            });
            break;
        case "aws:kms/key:Key":
            id = uuidFrom(hex);
            Object.assign(state, { keyId: id, arn: `arn:aws:kms:${region}:${account}:key/${id}` });
            break;
        case "aws:kms/alias:Alias":
            id = inputs.name as string;
            Object.assign(state, { arn: `arn:aws:kms:${region}:${account}:${id}` });
            break;
        case "aws:s3/bucket:Bucket":
            id = inputs.bucket as string;
            Object.assign(state, { arn: `arn:aws:s3:::${id}`, bucketDomainName: `${id}.s3.amazonaws.com` });
            break;
        case "aws:s3/bucketObjectv2:BucketObjectv2":
            id = inputs.key as string;
            Object.assign(state, { etag: hex.slice(0, 32), versionId: hex.slice(32, 64) });
            break;
        case "aws:sns/topic:Topic":
            // Auto-named by the provider from the resource name (its random suffix left out here).
            id = `arn:aws:sns:${region}:${account}:${(inputs.name as string | undefined) ?? args.name}`;
            Object.assign(state, { arn: id, name: (inputs.name as string | undefined) ?? args.name });
            break;
        case "aws:detective/graph:Graph":
            id = `arn:aws:detective:${region}:${account}:graph:${hex.slice(0, 32)}`;
            Object.assign(state, { graphArn: id, arn: id });
            break;
        case "aws:securityhub/configurationPolicy:ConfigurationPolicy":
            id = uuidFrom(hex);
            Object.assign(state, {
                arn: `arn:aws:securityhub:${region}:${account}:configuration-policy/${id}`,
            });
            break;
        case "aws:securityhub/account:Account":
            id = account;
            Object.assign(state, { arn: `arn:aws:securityhub:${region}:${account}:hub/default` });
            break;
        case "aws:securityhub/findingAggregator:FindingAggregator":
            id = `arn:aws:securityhub:${region}:${account}:finding-aggregator/${uuidFrom(hex)}`;
            Object.assign(state, { arn: id });
            break;
        case "aws:cloudwatch/eventRule:EventRule":
            id = (inputs.name as string | undefined) ?? args.name;
            Object.assign(state, { name: id, arn: `arn:aws:events:${region}:${account}:rule/${id}` });
            break;
        case "aws:sqs/queue:Queue": {
            const name = (inputs.name as string | undefined) ?? args.name;
            id = `https://sqs.${region}.amazonaws.com/${account}/${name}`;
            Object.assign(state, { name, url: id, arn: `arn:aws:sqs:${region}:${account}:${name}` });
            break;
        }
        case "aws:iam/role:Role":
            id = (inputs.name as string | undefined) ?? args.name;
            Object.assign(state, { name: id, arn: `arn:aws:iam::${account}:role/${id}` });
            break;
        default:
            Object.assign(state, {
                arn: `arn:aws:${args.type.split(":")[1].split("/")[0]}:${region}:${account}:${args.name}`,
            });
    }
    return { id, state };
}

interface Registration {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    provider: string | null;
}

interface OptionsRecord {
    type: string;
    name: string;
    resource: pulumi.Resource;
    opts: pulumi.ResourceOptions;
}

function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => {
        output.apply((value) => {
            resolve(value);
            return value;
        });
    });
}

async function dependsOnUrns(opts: pulumi.ResourceOptions): Promise<string[]> {
    const raw = await outputValue(pulumi.output(opts.dependsOn ?? [])).catch(() => []);
    const list = (Array.isArray(raw) ? raw : [raw]) as unknown[];
    const urns = await Promise.all(
        list
            .filter((item): item is pulumi.Resource => pulumi.Resource.isInstance(item))
            .map((resource) => outputValue(resource.urn)),
    );
    return [...new Set(urns)].sort();
}

/** The serialized code of a dynamic provider is noise in a plan; keep a marker instead. */
/**
 * Inputs as the plan records them: an asset or archive (a function's code) becomes its content's SHA-256 and
 * size, as the engine tracks assets by hash, rather than the bundled text or the runtime's promises.
 */
async function plainInputs(value: unknown): Promise<unknown> {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return Promise.all(value.map(plainInputs));
    const record = value as Record<string, unknown>;
    if (record.__pulumiAsset === true) {
        const text = await Promise.resolve(record.text);
        if (typeof text !== "string") return { asset: "<not a text asset>" };
        return {
            asset: {
                sha256: createHash("sha256").update(text).digest("hex"),
                bytes: Buffer.byteLength(text),
            },
        };
    }
    if (record.__pulumiArchive === true) {
        const assets = ((await Promise.resolve(record.assets)) ?? {}) as Record<string, unknown>;
        const entries = await Promise.all(
            Object.keys(assets)
                .sort()
                .map(async (name) => [name, await plainInputs(assets[name])] as const),
        );
        return { archive: Object.fromEntries(entries) };
    }
    const entries = await Promise.all(
        Object.entries(record).map(async ([k, v]) => [k, await plainInputs(v)] as const),
    );
    return Object.fromEntries(entries);
}

/** Prepares the organization the plan runs against, from a fixture file or a generated one. */
export function planOrganization(options: PlanOptions, ids: FixtureAccountIds): OrgFixture {
    if (options.orgFile !== undefined) return loadOrgFixture(options.orgFile, ids);
    return generateOrganization(options.accounts ?? 12, ids);
}

/**
 * Runs index.ts under the Pulumi mock runtime with the stack's configuration and a fixture
 * organization, and returns the plan. Resolves once every resource is registered.
 */
export async function planStack(options: PlanOptions): Promise<{ plan: PlanDocument; config: StackConfig }> {
    // The SDK stamps a stack trace on every promise it makes (runtime/debuggable.js: `new Error().stack`), and
    // under ts-node each one is rewritten through source maps: a third of a plan's time. While the program is
    // planned, V8 formats those traces itself; an error's trace read after the plan is source-mapped as before.
    if (plansRunning++ === 0) {
        sourceMappedTraces = Error.prepareStackTrace;
        Reflect.deleteProperty(Error, "prepareStackTrace");
    }
    try {
        return await planWithMocks(options);
    } finally {
        // Restored by the last plan to finish, so that overlapping plans do not restore each other's setting.
        if (--plansRunning === 0) Error.prepareStackTrace = sourceMappedTraces;
    }
}

let plansRunning = 0;
let sourceMappedTraces: typeof Error.prepareStackTrace;

async function planWithMocks(options: PlanOptions): Promise<{ plan: PlanDocument; config: StackConfig }> {
    const file = readStackFile(options.stack, options.stackDir);
    const values = { ...file.values, ...options.configOverrides };
    // Validated here too so that a bad config stops before the mock runtime starts; the program
    // validates again exactly as under `pulumi up`.
    const config = parseStackFile(file, options.configOverrides);
    const note = environmentNote(file);
    if (note !== undefined) options.progress?.(note);
    const organization = planOrganization(options, config.accounts);
    const context: MockContext = {
        homeRegion: config.homeRegion,
        securityAccountId: config.accounts.securityAdmin,
        managementAccountId: config.accounts.management,
        organization,
    };

    const registrations = new Map<string, Registration>();
    const providerRegions = new Map<string, string>();
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const key = `${args.type}::${args.name}`;
                if (registrations.has(key)) {
                    throw new Error(`two resources share type and name: ${key}`);
                }
                registrations.set(key, {
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs as Record<string, unknown>,
                    provider: args.provider ?? null,
                });
                const outputs = mockOutputs(args, context, providerRegions);
                if (args.type === "pulumi:providers:aws") {
                    providerRegions.set(
                        args.name,
                        (args.inputs as { region?: string }).region ?? config.homeRegion,
                    );
                }
                return outputs;
            },
            call() {
                return {};
            },
        },
        PROJECT,
        options.stack,
        false,
    );
    const configStrings: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
        configStrings[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    pulumi.runtime.setAllConfig(configStrings);

    const optionRecords: OptionsRecord[] = [];
    // Imported only now: the program must see the mocks and the config (docs/architecture.md).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main = require("../index") as typeof import("../index");
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                optionRecords.push({
                    type: args.type,
                    name: args.name,
                    resource: args.resource,
                    opts: args.opts,
                });
                return undefined;
            });
            return main({
                organizationsClient: mockOrganizationsClient(organization),
                // Nowhere by default, as PlanOptions says: the program's own default is pulumi up's log.
                progress: options.progress ?? (() => undefined),
            });
        });
    } catch (error) {
        // The program stopped (a RunError: bad config, discovery refused): settle the runtime so that the
        // caller can report the message and a later plan in this process starts clean.
        await pulumi.runtime.disconnect().catch(() => undefined);
        throw error;
    }

    const resolved = Promise.all(
        optionRecords.map(async (record): Promise<PlannedResource> => {
            const [urn, parent, dependsOn] = await Promise.all([
                outputValue(record.resource.urn),
                record.opts.parent ? outputValue(record.opts.parent.urn) : Promise.resolve(null),
                dependsOnUrns(record.opts),
            ]);
            // Only now: a resource's URN resolves once its registration (and so our mock) has run.
            const registration = registrations.get(`${record.type}::${record.name}`);
            return {
                urn,
                type: record.type,
                name: record.name,
                parent,
                provider: registration?.provider ?? null,
                protect: record.opts.protect === true,
                retainOnDelete: record.opts.retainOnDelete === true,
                importId:
                    "import" in record.opts && typeof record.opts.import === "string"
                        ? record.opts.import
                        : null,
                ignoreChanges: [...(record.opts.ignoreChanges ?? [])].sort(),
                dependsOn,
                inputs: (await plainInputs(registration?.inputs ?? {})) as Record<string, unknown>,
            };
        }),
    );
    const resources = await resolved;
    // Let the stack's own output registration finish before a later plan in this process replaces the mocks.
    await pulumi.runtime.disconnect();
    resources.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));

    const stateOf = (account: (typeof organization.accounts)[number]) =>
        String(account.State ?? account.Status ?? "UNKNOWN");
    const activeAccounts = organization.accounts.filter((account) => stateOf(account) === "ACTIVE").length;
    const leftOut = organization.accounts
        .filter((account) => stateOf(account) !== "ACTIVE")
        .map((account) => ({ id: account.Id ?? "", state: stateOf(account) }))
        .sort((a, b) => a.id.localeCompare(b.id));
    return {
        config,
        plan: {
            project: PROJECT,
            stack: options.stack,
            homeRegion: config.homeRegion,
            regions: config.regions,
            accounts: {
                management: config.accounts.management,
                securityAdmin: config.accounts.securityAdmin,
                count: activeAccounts,
                leftOut,
            },
            organization: {
                id: organization.organizationId,
                rootId: organization.rootId,
                enabledPolicyTypes: [...organization.policyTypes].sort(),
            },
            resources,
            diagnostics: [],
        },
    };
}
