import * as z from "zod";
import { GUARDDUTY_FINDING_TYPES, RETIRED_GUARDDUTY_FINDING_TYPES, knownName } from "./known-names";

/*
 * Schema building blocks shared by the stack configuration's sections (each in a file of its own, gathered in
 * stacks/namespace-config.ts), each with the one message a user reads when a value is wrong.
 */

const RESERVED_ACCOUNT_IDS = new Set(["000000000000"]);

export function isAccountId(value: string): boolean {
    return /^\d{12}$/.test(value) && !RESERVED_ACCOUNT_IDS.has(value);
}

/**
 * `pulumi config set --path accounts.management 111111111111` stores the ID as a YAML integer ("integers are
 * treated as numbers" when setting a path, `pulumi config set --help`; sdk/go/common/resource/config/object.go,
 * coerce()), and the program receives it as a JSON number. The CLI coerces only digits that do not begin with 0,
 * so a 12-digit integer is exactly the ID that was typed: it is read as that ID. Any other number stays an error.
 */
function typedAccountId(value: unknown): unknown {
    return typeof value === "number" && Number.isInteger(value) && value >= 1e11 && value < 1e12
        ? String(value)
        : value;
}

export const accountId = z.preprocess(
    typedAccountId,
    z
        .string({ error: 'a 12-digit AWS account ID as a quoted string, such as "111111111111"' })
        .regex(/^\d{12}$/, { error: 'a 12-digit AWS account ID, such as "111111111111"' })
        .refine((id) => !RESERVED_ACCOUNT_IDS.has(id), {
            error: "a real account ID: 000000000000 is reserved",
        }),
);

/** Organizations API reference, OrganizationalUnit Id: "ou-", 4-32 lowercase letters or digits, "-", 8-32 more. */
export const organizationalUnitId = z
    .string({ error: 'an OU ID as a quoted string, such as "ou-ab12-cd34ef56"' })
    .regex(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, {
        error: 'an OU ID: "ou-", 4 to 32 lowercase letters or digits, "-", then 8 to 32 more, such as "ou-ab12-cd34ef56"',
    });

export const findingType = knownName(
    '"Recon:EC2/PortProbeUnprotectedPort"',
    GUARDDUTY_FINDING_TYPES,
    RETIRED_GUARDDUTY_FINDING_TYPES,
    "GuardDuty finding type",
    "stacks/data/guardduty-finding-types.json",
);

export function reportDuplicates<T>(
    ctx: z.RefinementCtx,
    values: readonly T[],
    pathOf: (index: number) => (string | number)[],
    message: string,
    key: (value: T) => unknown = (value) => value,
): void {
    const seen = new Set<unknown>();
    values.forEach((value, index) => {
        const k = key(value);
        if (seen.has(k)) {
            ctx.addIssue({ code: "custom", path: pathOf(index), input: value, message });
        }
        seen.add(k);
    });
}

/** A list that is a set: an entry given twice (compared as `key` says) is a mistake, not a no-op. */
export function uniqueArray<T extends z.ZodType>(
    item: T,
    what: string,
    key: (value: z.output<T>) => unknown = (v) => v,
) {
    return z
        .array(item)
        .superRefine((values, ctx) =>
            reportDuplicates(ctx, values, (index) => [index], `each ${what} once`, key),
        );
}

/** How often GuardDuty and Macie publish finding updates: the same three choices for both. */
export const PUBLISHING_FREQUENCIES = ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] as const;

/** Severity at which GuardDuty findings are HIGH: no suppression rule may archive them. */
export const HIGH_SEVERITY = 7;
