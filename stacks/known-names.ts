import * as z from "zod";
import findingTypes from "./data/guardduty-finding-types.json";
import securityHubControls from "./data/securityhub-control-ids.json";

/**
 * Names AWS defines, kept as data with their source (the `_source` of each JSON file): GuardDuty's finding
 * types and Security Hub CSPM's security control IDs. A name that is not in the lists is refused rather
 * than rendered into a rule that could never match, or a control that stays enabled.
 */
export const GUARDDUTY_FINDING_TYPES: ReadonlySet<string> = new Set(findingTypes.active);
export const RETIRED_GUARDDUTY_FINDING_TYPES: ReadonlySet<string> = new Set(findingTypes.retired);
export const SECURITY_HUB_CONTROL_IDS: ReadonlySet<string> = new Set(securityHubControls.active);
export const RETIRED_SECURITY_HUB_CONTROL_IDS: ReadonlySet<string> = new Set(securityHubControls.retired);

/** Why `name` is not a current member of `known`, with the closest current names; undefined if it is. */
export function unknownName(
    name: string,
    known: ReadonlySet<string>,
    retired: ReadonlySet<string>,
    what: string,
    file: string,
): string | undefined {
    if (known.has(name)) return undefined;
    if (retired.has(name)) return `a current ${what}: AWS has retired ${name}`;
    const lower = name.toLowerCase();
    const sameCase = [...known].find((candidate) => candidate.toLowerCase() === lower);
    if (sameCase !== undefined) return `a ${what} spelt as AWS does: ${sameCase}`;
    return `one of the ${known.size} ${what}s AWS publishes (${file}); ${name} is not one`;
}

/** A string that must be one of the names AWS publishes, refused with `unknownName`'s reason otherwise. */
export function knownName(
    example: string,
    known: ReadonlySet<string>,
    retired: ReadonlySet<string>,
    what: string,
    file: string,
) {
    return z.string({ error: `a ${what} such as ${example}` }).superRefine((name, ctx) => {
        const problem = unknownName(name, known, retired, what, file);
        if (problem !== undefined) ctx.addIssue({ code: "custom", input: name, message: problem });
    });
}
