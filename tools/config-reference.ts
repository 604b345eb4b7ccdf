import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import * as z from "zod";
import { NAMESPACE, namespaceSchema } from "../stacks/namespace-config";
import { HOME_REGION_SERVICES, isOffered } from "../stacks/availability";
import { DEFAULT_ENABLED_REGIONS } from "../stacks/regions";

/*
 * `npm run docs:config`: writes docs/configuration.md, the reference of every configuration key, from the zod
 * schemas themselves (their JSON Schema, as zod renders it). A key's description is its `.describe()` in the
 * schema, beside the rules it documents, so a key cannot be added, renamed or given another default without
 * the reference following; test/config-reference.test.ts fails while the committed file is stale.
 */

export const REFERENCE_FILE = path.join(__dirname, "..", "docs", "configuration.md");

/** A JSON Schema node as zod 4 renders it: only the members the reference reads. */
interface JsonSchema {
    type?: string;
    description?: string;
    default?: unknown;
    enum?: readonly unknown[];
    const?: unknown;
    format?: string;
    pattern?: string;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    exclusiveMaximum?: number;
    minLength?: number;
    maxLength?: number;
    minItems?: number;
    maxItems?: number;
    items?: JsonSchema;
    properties?: Record<string, JsonSchema>;
    required?: readonly string[];
    additionalProperties?: boolean | JsonSchema;
    propertyNames?: JsonSchema;
    not?: JsonSchema;
    anyOf?: readonly JsonSchema[];
}

/** One line of the reference: a key and what it accepts. */
export interface ReferenceRow {
    /** The key below the namespace: `guardduty.suppressionRules[].name` (`[]` is any entry of a list). */
    key: string;
    type: string;
    default: string;
    allowed: string;
    description: string;
}

/** A schema's JSON Schema as the user writes it (`io: "input"`: defaults apply, keys may be left out). */
function inputJsonSchema(schema: z.ZodType): JsonSchema {
    // Refinements have no JSON Schema: they are left out, and the descriptions say what they check.
    return z.toJSONSchema(schema, {
        io: "input",
        unrepresentable: "any",
        // zod drops a default in input mode when anything below it transforms (to-json-schema.js: "defaults only
        // apply to output type of pipe"); the account IDs are preprocessed (a number `pulumi config set --path`
        // writes is read as the ID), so every section would lose its default. A default is what a user gets by
        // leaving the key out, so it is put back.
        override: (ctx) => {
            const def = ctx.zodSchema._zod.def;
            if (def.type === "default" && ctx.jsonSchema.default === undefined) {
                ctx.jsonSchema.default = JSON.parse(
                    JSON.stringify((def as { defaultValue: unknown }).defaultValue),
                );
            }
        },
    }) as JsonSchema;
}

function typeOf(schema: JsonSchema): string {
    if (schema.not !== undefined) return "(never accepted)";
    if (schema.anyOf !== undefined) return schema.anyOf.map(typeOf).join(" or ");
    switch (schema.type) {
        case "integer":
            return "whole number";
        case "array":
            return `list of ${schema.items === undefined ? "values" : plural(typeOf(schema.items))}`;
        case "object":
            if (schema.properties !== undefined) return "map";
            return typeof schema.additionalProperties === "object"
                ? `map of name to ${typeOf(schema.additionalProperties)}`
                : "map";
        case undefined:
            return "any";
        default:
            return schema.type;
    }
}

function plural(type: string): string {
    if (type.startsWith("list of ")) return `lists of ${type.slice("list of ".length)}`;
    if (type.startsWith("map")) return type.replace(/^map/, "maps");
    if (type === "whole number") return "whole numbers";
    if (type === "boolean") return "booleans";
    return `${type}s`;
}

function shown(value: unknown): string {
    if (typeof value === "string") return value;
    if (Array.isArray(value)) return value.length === 0 ? "[]" : value.map(shown).join(", ");
    return JSON.stringify(value);
}

/** What a scalar, or a list's entries, may be: enums, bounds, patterns and formats, in words. */
function constraints(schema: JsonSchema): string[] {
    const parts: string[] = [];
    if (schema.enum !== undefined) parts.push(`one of ${schema.enum.map(shown).join(", ")}`);
    if (schema.const !== undefined) parts.push(`exactly ${shown(schema.const)}`);
    if (schema.format === "email") parts.push("an e-mail address");
    // zod spells its e-mail format out as a pattern as well: the word says it better than the regex.
    else if (schema.pattern !== undefined) parts.push(`matching \`${schema.pattern}\``);
    const low = schema.minimum ?? schema.exclusiveMinimum;
    const high = schema.maximum ?? schema.exclusiveMaximum;
    const lowWord = schema.exclusiveMinimum !== undefined ? "more than" : "at least";
    const highWord = schema.exclusiveMaximum !== undefined ? "less than" : "at most";
    if (low !== undefined && high !== undefined && lowWord === "at least" && highWord === "at most") {
        parts.push(`${low} to ${high}`);
    } else {
        if (low !== undefined) parts.push(`${lowWord} ${low}`);
        if (high !== undefined) parts.push(`${highWord} ${high}`);
    }
    if (schema.minLength !== undefined) {
        parts.push(schema.minLength === 1 ? "non-empty" : `at least ${schema.minLength} characters`);
    }
    if (schema.maxLength !== undefined) parts.push(`at most ${schema.maxLength} characters`);
    if (schema.type === "array") {
        if (schema.minItems !== undefined) {
            parts.push(schema.minItems === 1 ? "at least one entry" : `at least ${schema.minItems} entries`);
        }
        if (schema.maxItems !== undefined) parts.push(`at most ${schema.maxItems} entries`);
        const entries = schema.items === undefined ? [] : constraints(schema.items);
        if (entries.length > 0) parts.push(`each ${entries.join(", ")}`);
    }
    if (schema.type === "object" && schema.properties === undefined) {
        if (schema.propertyNames !== undefined) {
            const names = constraints(schema.propertyNames);
            if (names.length > 0) parts.push(`names ${names.join(", ")}`);
        }
        if (typeof schema.additionalProperties === "object") {
            const values = constraints(schema.additionalProperties);
            if (values.length > 0) parts.push(`values ${values.join(", ")}`);
        }
    }
    return parts;
}

function defaultOf(schema: JsonSchema, required: boolean): string {
    if (schema.default !== undefined) {
        // A section's default is its keys' defaults, each shown on its own line.
        return schema.type === "object" && schema.properties !== undefined
            ? "(its keys' defaults)"
            : shown(schema.default);
    }
    return required ? "(required)" : "none";
}

/** The object a key opens onto, for keys within it: a map's own keys, or those of each entry of a list. */
function nested(schema: JsonSchema): { schema: JsonSchema; suffix: string } | undefined {
    if (schema.properties !== undefined) return { schema, suffix: "" };
    if (schema.type === "array" && schema.items?.properties !== undefined) {
        return { schema: schema.items, suffix: "[]" };
    }
    return undefined;
}

/** Every key of the namespace, depth first in the schema's order, with what it accepts. */
export function referenceRows(schema: z.ZodType = namespaceSchema): ReferenceRow[] {
    const root = inputJsonSchema(schema);
    const rows: ReferenceRow[] = [];
    const visit = (object: JsonSchema, prefix: string) => {
        for (const [name, child] of Object.entries(object.properties ?? {})) {
            const key = `${prefix}${name}`;
            rows.push({
                key,
                type: typeOf(child),
                default: defaultOf(child, object.required?.includes(name) === true),
                allowed: constraints(child).join("; "),
                description: child.description ?? "",
            });
            const inner = nested(child);
            if (inner !== undefined) visit(inner.schema, `${key}${inner.suffix}.`);
        }
    };
    visit(root, "");
    return rows;
}

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function table(rows: readonly ReferenceRow[]): string[] {
    return [
        "| key | type | default | allowed | description |",
        "| --- | --- | --- | --- | --- |",
        ...rows.map(
            (row) =>
                `| \`${row.key}\` | ${cell(row.type)} | ${cell(row.default)} | ${cell(row.allowed)} | ${cell(row.description)} |`,
        ),
    ];
}

/**
 * The regions aws:region may name (parsed by hand in stacks/config.ts, not by a schema): enabled by default,
 * since Security Hub cannot aggregate into an opt-in region, and offering every home-region service.
 */
const HOME_REGIONS = DEFAULT_ENABLED_REGIONS.filter((region) =>
    HOME_REGION_SERVICES.every((service) => isOffered(service, region)),
);

/**
 * The reference as markdown, formatted as the repository's prettier formats it. Throws, naming them, when a
 * key has no description: a key must be documented where it is defined.
 */
export async function renderConfigurationReference(schema: z.ZodType = namespaceSchema): Promise<string> {
    const rows = referenceRows(schema);
    const undocumented = rows.filter((row) => row.description.trim() === "").map((row) => row.key);
    if (undocumented.length > 0) {
        throw new Error(
            `keys without a description (add .describe("...") to their schema): ${undocumented.join(", ")}`,
        );
    }
    const sections = rows.filter((row) => !row.key.includes("."));
    const lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by `npm run docs:config` from the schemas in stacks/. Do not edit: change the schema's .describe() and run it again. -->",
        "",
        `Every key lives in the \`${NAMESPACE}:\` namespace of \`Pulumi.<stack>.yaml\`, beside \`aws:region\` and`,
        "`aws:profile`. The configuration is validated once, before any resource is registered; an error names the",
        "key, the value given and what is allowed. Unknown keys are errors, so a typo cannot pass silently.",
        "",
        "`[]` in a key stands for any entry of a list: `guardduty.suppressionRules[].name` is the `name` of each rule.",
        "",
        "## aws",
        "",
        "| key | type | default | allowed | description |",
        "| --- | --- | --- | --- | --- |",
        `| \`aws:region\` | string | (required) | one of ${HOME_REGIONS.join(", ")} | ${cell("Home region: the export bucket and key, Security Hub aggregation and central configuration, notifications; one of `regions`.")} |`,
        "| `aws:profile` | string | the AWS\\_\\* environment | a profile name of letters, digits and `_.+@-` | The AWS profile both providers and discovery start from. No other `aws:` key is read. |",
        "",
    ];
    for (const section of sections) {
        lines.push(`## ${section.key}`, "");
        lines.push(
            ...table(
                rows.filter(
                    (row) =>
                        row.key === section.key ||
                        row.key.startsWith(`${section.key}.`) ||
                        row.key.startsWith(`${section.key}[]`),
                ),
            ),
            "",
        );
    }
    const options = (await prettier.resolveConfig(REFERENCE_FILE)) ?? {};
    return prettier.format(lines.join("\n"), { ...options, parser: "markdown" });
}

if (require.main === module) {
    renderConfigurationReference().then(
        (text) => {
            fs.writeFileSync(REFERENCE_FILE, text);
            process.stdout.write(`Wrote ${path.relative(process.cwd(), REFERENCE_FILE)}\n`);
        },
        (error: unknown) => {
            process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
            process.exitCode = 1;
        },
    );
}
