import { strict as assert } from "node:assert";
import type { EnrollmentSettings } from "../../functions/enrollment/run-enrollment";
import type { PlannedResource } from "../../tools/plan-runtime";

/** The settings the planned enrollment function runs with (its ENROLLMENT_SETTINGS variable). */
export function enrollmentSettings(fn: PlannedResource): EnrollmentSettings {
    const variables = (fn.inputs.environment as { variables?: Record<string, unknown> } | undefined)
        ?.variables;
    const text = variables?.ENROLLMENT_SETTINGS;
    assert.equal(typeof text, "string", "the function has its settings");
    return JSON.parse(text as string) as EnrollmentSettings;
}
