import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as z from "zod";
import { parseStackConfig } from "../stacks/config";
import { namespaceSchema } from "../stacks/namespace-config";
import { REFERENCE_FILE, referenceRows, renderConfigurationReference } from "../tools/config-reference";

/*
 * docs/configuration.md is generated from the schemas (npm run docs:config). These tests keep it so: the
 * committed file is the generator's output, every key the schema accepts has a documented row (found by
 * walking the zod schema itself, not the JSON Schema the generator reads), and the documented defaults are
 * the values the parser fills in.
 */

/** The wrappers a key's schema may sit in, each pointing at the schema it wraps. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType | undefined {
    const def = schema._zod.def;
    switch (def.type) {
        case "default":
        case "prefault":
        case "optional":
        case "nullable":
        case "readonly":
        case "catch":
        case "nonoptional":
            return (def as z.core.$ZodDefaultDef).innerType;
        case "pipe":
            return (def as z.core.$ZodPipeDef).in;
        case "lazy":
            return (def as z.core.$ZodLazyDef).getter();
        default:
            return undefined;
    }
}

/** Every key path the schema accepts, `[]` for a list's entries and `<name>` for a map's own names. */
function acceptedKeys(schema: z.core.$ZodType, prefix = ""): string[] {
    const inner = unwrap(schema);
    if (inner !== undefined) return acceptedKeys(inner, prefix);
    const def = schema._zod.def;
    switch (def.type) {
        case "object":
            return Object.entries((def as z.core.$ZodObjectDef).shape).flatMap(([name, child]) => [
                `${prefix}${name}`,
                ...acceptedKeys(child, `${prefix}${name}.`),
            ]);
        case "array":
            return acceptedKeys((def as z.core.$ZodArrayDef).element, `${prefix.slice(0, -1)}[].`);
        case "record":
            return acceptedKeys((def as z.core.$ZodRecordDef).valueType, `${prefix}<name>.`);
        case "union":
            return [
                ...new Set(
                    (def as z.core.$ZodUnionDef).options.flatMap((option) => acceptedKeys(option, prefix)),
                ),
            ];
        case "intersection": {
            const { left, right } = def as z.core.$ZodIntersectionDef;
            return [...new Set([...acceptedKeys(left, prefix), ...acceptedKeys(right, prefix)])];
        }
        default:
            return [];
    }
}

/** The description of a key, wherever in its wrappers `.describe()` put it. */
function descriptionOf(schema: z.core.$ZodType): string | undefined {
    const own = z.globalRegistry.get(schema)?.description;
    if (own !== undefined) return own;
    const inner = unwrap(schema);
    return inner === undefined ? undefined : descriptionOf(inner);
}

/** The schema of each key path acceptedKeys lists. */
function keySchemas(schema: z.core.$ZodType, prefix = ""): Map<string, z.core.$ZodType> {
    const found = new Map<string, z.core.$ZodType>();
    const visit = (node: z.core.$ZodType, at: string) => {
        const inner = unwrap(node);
        if (inner !== undefined) return visit(inner, at);
        const def = node._zod.def;
        if (def.type === "object") {
            for (const [name, child] of Object.entries((def as z.core.$ZodObjectDef).shape)) {
                found.set(`${at}${name}`, child);
                visit(child, `${at}${name}.`);
            }
        } else if (def.type === "array") {
            visit((def as z.core.$ZodArrayDef).element, `${at.slice(0, -1)}[].`);
        } else if (def.type === "record") {
            visit((def as z.core.$ZodRecordDef).valueType, `${at}<name>.`);
        }
    };
    visit(schema, prefix);
    return found;
}

describe("configuration reference (docs/configuration.md)", function () {
    this.timeout(60_000);

    it("is committed as npm run docs:config writes it", async () => {
        const committed = fs.readFileSync(REFERENCE_FILE, "utf8");
        const generated = await renderConfigurationReference();
        assert.ok(
            committed === generated,
            "docs/configuration.md differs from the schemas: run `npm run docs:config` and commit the result",
        );
    });

    it("has a row for every key the schema accepts, each with its description", () => {
        const committed = fs.readFileSync(REFERENCE_FILE, "utf8");
        const keys = acceptedKeys(namespaceSchema);
        // The walk itself reaches the deep keys: a walk that stopped at the sections would prove nothing.
        for (const deep of [
            "guardduty.suppressionRules[].belowSeverity",
            "remediation.blockRemoteAddress.expiresAfterHours",
            "organizationalUnits[].securityHub.disabledControls[].reason",
            "notifications.paging.emails",
        ]) {
            assert.ok(keys.includes(deep), `the walk missed ${deep}`);
        }
        const schemas = keySchemas(namespaceSchema);
        const undocumented = keys.filter((key) => {
            const schema = schemas.get(key);
            return schema === undefined || (descriptionOf(schema) ?? "").trim() === "";
        });
        assert.deepEqual(undocumented, [], "keys without .describe() in their schema");
        const missing = keys.filter((key) => !committed.includes(`\n| \`${key}\` `));
        assert.deepEqual(missing, [], "keys the schema accepts but docs/configuration.md has no row for");
        const documented = committed.split("\n").flatMap((line) => /^\| `([^`]+)` /.exec(line)?.[1] ?? []);
        const unknown = documented.filter((key) => !key.startsWith("aws:") && !keys.includes(key));
        assert.deepEqual(unknown, [], "rows for keys the schema does not accept");
    });

    it("documents as defaults the values the parser fills in", () => {
        // Every optional section given, so that each of its keys gets its default.
        const parsed = parseStackConfig({
            "aws:region": "eu-west-1",
            "security-governance:accounts": {
                management: "111111111111",
                securityAdmin: "222222222222",
                managementRoleArn: "arn:aws:iam::111111111111:role/Deployer",
            },
            "security-governance:regions": ["eu-west-1"],
            "security-governance:remediation": {},
            "security-governance:notifications": { paging: { emails: ["oncall@example.com"] } },
        }) as unknown as Record<string, unknown>;
        const written = (value: unknown): string =>
            Array.isArray(value)
                ? value.length === 0
                    ? "[]"
                    : value.join(", ")
                : typeof value === "object"
                  ? JSON.stringify(value)
                  : String(value);
        let compared = 0;
        for (const row of referenceRows()) {
            if (
                row.key.includes("[]") ||
                ["(required)", "none", "(its keys' defaults)"].includes(row.default)
            ) {
                continue;
            }
            const value = row.key
                .split(".")
                .reduce<unknown>((at, name) => (at as Record<string, unknown>)[name], parsed);
            assert.equal(row.default, written(value), `${row.key}: documented default`);
            compared++;
        }
        assert.ok(compared >= 40, `only ${compared} defaults compared`);
    });

    it("refuses to render a key without a description, naming it", async () => {
        const schema = z.strictObject({
            documented: z.boolean().default(true).describe("said"),
            section: z.strictObject({ silent: z.number().optional() }).describe("a section"),
        });
        await assert.rejects(
            renderConfigurationReference(schema),
            /without a description.*: section\.silent$/,
        );
    });

    it("says in words what a key accepts", () => {
        const rows = referenceRows(
            z.strictObject({
                count: z.number().int().min(2).max(7).default(7).describe("count"),
                kinds: z
                    .array(z.enum(["A", "B"]))
                    .min(1)
                    .describe("kinds"),
                rules: z
                    .array(
                        z.strictObject({
                            name: z
                                .string()
                                .regex(/^[a-z]+$/)
                                .describe("name"),
                        }),
                    )
                    .default([])
                    .describe("rules"),
                lists: z.record(z.string(), z.array(z.string()).max(3)).default({}).describe("lists"),
                lock: z
                    .strictObject({ days: z.number().describe("days") })
                    .optional()
                    .describe("lock"),
            }),
        );
        assert.deepEqual(
            rows.map(({ key, type, default: fallback, allowed }) => [key, type, fallback, allowed]),
            [
                ["count", "whole number", "7", "2 to 7"],
                ["kinds", "list of strings", "(required)", "at least one entry; each one of A, B"],
                ["rules", "list of maps", "[]", ""],
                ["rules[].name", "string", "(required)", "matching `^[a-z]+$`"],
                ["lists", "map of name to list of strings", "{}", "values at most 3 entries"],
                ["lock", "map", "none", ""],
                ["lock.days", "number", "(required)", ""],
            ],
        );
    });
});
