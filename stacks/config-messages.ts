import * as z from "zod";
import { NAMESPACE, namespaceSchema } from "./namespace-config";

/*
 * How a problem in the stack configuration is worded: the full key (`security-governance:guardduty.trustedIps[0]`),
 * the value as given, and what was expected, in the user's words rather than zod's.
 */

export function keyPath(path: readonly PropertyKey[]): string {
    let text = "";
    for (const segment of path) {
        if (typeof segment === "number") text += `[${segment}]`;
        else text += text === "" ? `${NAMESPACE}:${String(segment)}` : `.${String(segment)}`;
    }
    return text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let current: unknown = root;
    for (const segment of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<PropertyKey, unknown>)[segment];
    }
    return current;
}

export function show(value: unknown): string {
    if (value === undefined) return "(missing)";
    // As YAML writes them: JSON has no spelling for these and would print null.
    if (typeof value === "number" && !Number.isFinite(value)) {
        return Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
    }
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The keys an object schema accepts at `path`, looking through defaults, arrays and records. */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
    const def = schema._zod.def;
    if (def.type === "default" || def.type === "optional") {
        return knownKeysAt((def as z.core.$ZodDefaultDef).innerType, path);
    }
    if (path.length === 0) {
        if (def.type === "object") return Object.keys((def as z.core.$ZodObjectDef).shape);
        // A map keyed by a fixed set of names (guardduty.protectionsNotOfferedIn): those names.
        if (def.type === "record") {
            const keys = (def as z.core.$ZodRecordDef).keyType._zod.def;
            if (keys.type === "enum") return Object.values((keys as z.core.$ZodEnumDef).entries).map(String);
        }
        return [];
    }
    const [head, ...rest] = path;
    if (def.type === "object") {
        const child = (def as z.core.$ZodObjectDef).shape[String(head)];
        return child === undefined ? [] : knownKeysAt(child, rest);
    }
    if (def.type === "array") return knownKeysAt((def as z.core.$ZodArrayDef).element, rest);
    if (def.type === "record") return knownKeysAt((def as z.core.$ZodRecordDef).valueType, rest);
    return [];
}

/**
 * What is expected, for the rules that do not say it themselves (zod's own wording is for developers:
 * "Invalid input: expected object, received undefined"). Exported for its tests: most branches are for
 * rules the schema may gain, since every rule today says what it expects.
 */
export function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
    switch (issue.code) {
        case "invalid_type": {
            if (issue.expected === "object") {
                const keys = knownKeysAt(namespaceSchema, issue.path ?? []);
                return keys.length > 0 ? `a map with the keys ${keys.join(", ")}` : "a map";
            }
            if (issue.expected === "array") return "a list";
            if (issue.expected === "int") return "a whole number";
            if (issue.expected === "boolean") return "true or false";
            return `a ${issue.expected}`;
        }
        case "too_small":
        case "too_big": {
            const side = issue.code === "too_small" ? "at least" : "at most";
            const bound = String(issue.code === "too_small" ? issue.minimum : issue.maximum);
            if (issue.origin === "string") {
                return bound === "1" && side === "at least"
                    ? "a non-empty text"
                    : `${side} ${bound} characters`;
            }
            if (issue.origin === "array") {
                return bound === "1" && side === "at least" ? "a non-empty list" : `${side} ${bound} entries`;
            }
            if (issue.inclusive === false) return `${side === "at least" ? "more" : "less"} than ${bound}`;
            return `${side} ${bound}`;
        }
        case "invalid_key":
            // A record key (a threat list name): the key's own rule says what is expected.
            return issue.issues[0]?.message;
        default:
            return undefined;
    }
}

/**
 * Keys a user will reach for that the platform does not let the program offer yet: the unknown-key line says
 * why and where to read more, rather than only listing the keys that exist. `under` is the parent section
 * (a list entry's path ends in its index, which is skipped).
 */
const NOT_YET_OFFERED: readonly { under: string; key: string; why: string }[] = [
    {
        under: "organizationalUnits",
        key: "guardduty",
        why: "GuardDuty plans per OU need a provider that accepts GUARDDUTY_POLICY (docs/operations.md, Known limits)",
    },
];

function notYetOffered(path: readonly PropertyKey[], key: string): string {
    const parent = path.filter((part) => typeof part === "string").at(-1);
    const entry = NOT_YET_OFFERED.find((candidate) => candidate.under === parent && candidate.key === key);
    return entry === undefined ? "" : `; ${entry.why}`;
}

export function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
    if (issue.code === "unrecognized_keys") {
        const where = issue.path.length === 0 ? `${NAMESPACE}:` : `${keyPath(issue.path)}.`;
        const allowed = knownKeysAt(namespaceSchema, issue.path);
        return issue.keys
            .map(
                (key) =>
                    `${where}${key}: unknown key; allowed keys here: ${allowed.join(", ")}${notYetOffered(issue.path, key)}`,
            )
            .join("\n  - ");
    }
    const value = "input" in issue && issue.input !== undefined ? issue.input : valueAt(raw, issue.path);
    const got = issue.code === "invalid_type" && value === undefined ? "(missing)" : show(value);
    return `${keyPath(issue.path)} = ${got}: expected ${issue.message}`;
}

/** Levenshtein distance, to tell a misspelt namespace from another provider's. */
export function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
        }
        previous = current;
    }
    return previous[b.length];
}
