import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { PlanDocument, PlannedResource } from "../../tools/plan-runtime";
import { ofType } from "./plan";

/*
 * EventBridge as the alert tests need it, written from the EventBridge user guide rather than from the program:
 * pattern matching ("Amazon EventBridge event patterns"), input transformers, and a planned stack's rules and
 * targets carrying an event from the region it is raised in to the e-mails the home region sends.
 */

export type Json = Record<string, unknown>;

/** A published finding event of test/fixtures/<file>, with the name its fixture gives it. */
export interface Sample {
    name: string;
    event: Json;
}

/** The samples of a fixture file (test/fixtures/guardduty-events.json, service-events.json). */
export function fixtureSamples(file: string): Sample[] {
    return (
        JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", file), "utf8")) as {
            samples: Sample[];
        }
    ).samples;
}

/** A fresh copy of the first sample of `file` whose name starts with `name`; a missing one fails the test. */
export function fixtureEvent(file: string, name: string): Json {
    const found = fixtureSamples(file).find((s) => s.name.startsWith(name));
    assert.ok(found, name);
    return structuredClone(found.event);
}

// EventBridge user guide, "Amazon EventBridge event patterns": every field of the pattern must match; an
// array matches when one of its values does; `numeric`, `suffix` and `$or` as documented there.
export function matches(pattern: unknown, event: unknown): boolean {
    // "If the value in the event is an array, then the event pattern matches if the intersection of the event
    // pattern array and the event array is non-empty"; a pattern on the fields of an array of objects matches
    // when one of the objects does (Security Hub's detail.findings).
    if (Array.isArray(event) && !Array.isArray(pattern)) return event.some((item) => matches(pattern, item));
    if (Array.isArray(pattern)) {
        const values: unknown[] = Array.isArray(event) ? event : [event];
        return values.some((value) => pattern.some((allowed) => matchesValue(allowed, value)));
    }
    // A field the event lacks (or that sits under a value that is no object) is absent: only `exists: false`
    // matches it ("Exists matching", which applies to leaf fields).
    const value = typeof event === "object" && event !== null ? (event as Json) : {};
    return Object.entries(pattern as Json).every(([key, rule]) => {
        if (key === "$or") return (rule as Json[]).some((branch) => matches(branch, value));
        return matches(rule, value[key]);
    });
}

function matchesValue(allowed: unknown, value: unknown): boolean {
    if (typeof allowed === "object" && allowed !== null) {
        const rule = allowed as {
            exists?: boolean;
            numeric?: (string | number)[];
            suffix?: string;
            prefix?: string;
            "anything-but"?: { prefix?: string };
        };
        if (rule.exists !== undefined) return (value !== undefined) === rule.exists;
        if (rule.suffix !== undefined) return typeof value === "string" && value.endsWith(rule.suffix);
        // Prefix matching (EventBridge user guide, "Comparison operators"): a string that begins with it.
        if (rule.prefix !== undefined) return typeof value === "string" && value.startsWith(rule.prefix);
        // "anything-but" with "prefix" (EventBridge user guide, "Comparison operators"): a string that does not
        // begin with it. Comparison operators apply to leaf values; a missing field matches nothing.
        const but = rule["anything-but"]?.prefix;
        if (but !== undefined) return typeof value === "string" && !value.startsWith(but);
        if (rule.numeric !== undefined) {
            if (typeof value !== "number") return false;
            const comparisons: Record<string, (a: number, b: number) => boolean> = {
                "=": (a, b) => a === b,
                ">": (a, b) => a > b,
                ">=": (a, b) => a >= b,
                "<": (a, b) => a < b,
                "<=": (a, b) => a <= b,
            };
            for (let i = 0; i < rule.numeric.length; i += 2) {
                const compare = comparisons[rule.numeric[i] as string];
                assert.ok(compare, `numeric operator ${String(rule.numeric[i])}`);
                if (!compare(value, rule.numeric[i + 1] as number)) return false;
            }
            return true;
        }
        return matches(allowed, value);
    }
    return allowed === value;
}

/** `$.a.b` or `$.a[0].b` of the event (the JSONPath forms the input paths use). */
export function at(event: Json, jsonPath: string): unknown {
    return jsonPath
        .replace(/^\$\./, "")
        .replace(/\[(\d+)\]/g, ".$1")
        .split(".")
        .reduce<unknown>((value, key) => (value as Record<string, unknown> | null | undefined)?.[key], event);
}

/** The input transformer's output: each placeholder replaced by the value at its path. */
export function render(
    transformer: { inputPaths: Record<string, string>; inputTemplate: string },
    event: Json,
) {
    const text = transformer.inputTemplate.replace(/<([A-Za-z]+)>/g, (_, name: string) => {
        const jsonPath = transformer.inputPaths[name];
        assert.ok(jsonPath, `placeholder <${name}> has a path`);
        return String(at(event, jsonPath));
    });
    return text.split("\n").map((line) => JSON.parse(line) as string);
}

export function pattern(rule: PlannedResource): Json {
    return JSON.parse(rule.inputs.eventPattern as string) as Json;
}

/** Whether an event raised in `event.region` is on the home region's bus: raised there, or forwarded. */
export function reachesHome(planned: PlanDocument, event: Json): boolean {
    const region = event.region as string;
    if (region === planned.homeRegion) return true;
    const targets = ofType(planned, "aws:cloudwatch/eventTarget:EventTarget");
    return ofType(planned, "aws:cloudwatch/eventRule:EventRule")
        .filter((r) => r.inputs.eventPattern !== undefined)
        .filter((r) => r.inputs.region === region && matches(pattern(r), event))
        .some((r) =>
            targets.some(
                (t) =>
                    t.inputs.rule === (r.inputs.name ?? r.name) &&
                    String(t.inputs.arn).includes(":event-bus/"),
            ),
        );
}

/**
 * The e-mails the planned stack sends for an event raised in `event.region`; to the topic named `topic` alone
 * when given (`finding-alerts-topic`, `finding-alerts-paging-topic`).
 */
export function emails(planned: PlanDocument, event: Json, topic?: string): string[][] {
    // The alert rules: the enrollment function's schedule matches no event.
    const rules = ofType(planned, "aws:cloudwatch/eventRule:EventRule").filter(
        (r) => r.inputs.eventPattern !== undefined,
    );
    const targets = ofType(planned, "aws:cloudwatch/eventTarget:EventTarget");
    const home = planned.homeRegion;
    if (!reachesHome(planned, event)) return [];
    return rules
        .filter((r) => r.inputs.region === home && matches(pattern(r), event))
        .flatMap((r) => targets.filter((t) => t.inputs.region === home && t.inputs.rule === r.name))
        .filter((t) => topic === undefined || String(t.inputs.arn).endsWith(`:${topic}`))
        .map((t) =>
            render(
                t.inputs.inputTransformer as { inputPaths: Record<string, string>; inputTemplate: string },
                event,
            ),
        );
}
