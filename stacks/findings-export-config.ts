import * as z from "zod";
import { objectLockSchema } from "./guardrails";

/*
 * The `findingsExport` section: how long the export bucket keeps findings, when they move to Glacier, the
 * export key's deletion window, deletion protection and Object Lock.
 */

/** A bound on day counts: S3 takes any positive number, but a century is a typo, not a retention policy. */
const MAX_DAYS = 36_500;

export const findingsExportSchema = z
    .strictObject({
        /** Days findings are kept in the export bucket (noncurrent versions too). At least 90. Default 365. */
        retentionDays: z
            .number({ error: "a whole number of days, at least 90" })
            .int({ error: "a whole number of days, at least 90" })
            .min(90, { error: "at least 90 days" })
            .max(MAX_DAYS, { error: `at most ${MAX_DAYS} days (100 years)` })
            .default(365)
            .describe("Days findings are kept in the export bucket, noncurrent versions too."),
        /** Days after which findings move to Glacier Flexible Retrieval. Less than retentionDays. Default 90. */
        archiveAfterDays: z
            .number({ error: "a whole number of days, at least 1" })
            .int({ error: "a whole number of days, at least 1" })
            .min(1, { error: "at least 1 day" })
            .max(MAX_DAYS, { error: `at most ${MAX_DAYS} days (100 years)` })
            .default(90)
            .describe("Days before findings move to Glacier Flexible Retrieval; fewer than retentionDays."),
        /**
         * Days the findings bucket's server access logs are kept in the access-log bucket (noncurrent versions
         * too). At least 90. Default: retentionDays, so the record of who read or removed a finding lasts as long
         * as the finding (accessLogRetention).
         */
        accessLogRetentionDays: z
            .number({ error: "a whole number of days, at least 90" })
            .int({ error: "a whole number of days, at least 90" })
            .min(90, { error: "at least 90 days" })
            .max(MAX_DAYS, { error: `at most ${MAX_DAYS} days (100 years)` })
            .optional()
            .describe(
                "Days the findings bucket's server access logs are kept, noncurrent versions too. Default: retentionDays, so the record of who read a finding lasts as long as the finding.",
            ),
        /** Waiting period before the export key can be deleted: 7-30 days. Default 30. */
        kmsDeletionWindowDays: z
            .number({ error: "a whole number of days from 7 to 30" })
            .int({ error: "a whole number of days from 7 to 30" })
            .min(7, { error: "from 7 to 30 days" })
            .max(30, { error: "from 7 to 30 days" })
            .default(30)
            .describe("Waiting period, in days, before the export key can be deleted."),
        /** Protect detectors, the bucket and the key from deletion by Pulumi. Default true. */
        protectData: z
            .boolean({ error: "true or false" })
            .default(true)
            .describe("Protect detectors, graphs, the bucket and the key from deletion by Pulumi."),
        /**
         * S3 Object Lock on the bucket: every new object version locked for `days` in `mode`. Once on, Object
         * Lock cannot be turned off (docs/guardrails.md, "Findings that cannot be rewritten"). Default: off.
         */
        objectLock: objectLockSchema
            .optional()
            .describe(
                "S3 Object Lock on the findings bucket: every new object version locked for `days` in `mode`. Once on, it cannot be turned off.",
            ),
    })
    .superRefine((value, ctx) => {
        // A lock longer than the retention keeps versions the lifecycle is told to delete: two contradicting rules.
        if (value.objectLock !== undefined && value.objectLock.days > value.retentionDays) {
            ctx.addIssue({
                code: "custom",
                path: ["objectLock", "days"],
                input: value.objectLock.days,
                message: `at most retentionDays (${value.retentionDays}): the lifecycle cannot delete a version while it is locked`,
            });
        }
        // Compared only with a valid retention: a retention under 90 days is reported once, on its own.
        if (value.retentionDays >= 90 && value.archiveAfterDays >= value.retentionDays) {
            ctx.addIssue({
                code: "custom",
                path: ["archiveAfterDays"],
                input: value.archiveAfterDays,
                message: `fewer days than retentionDays (${value.retentionDays}): objects would expire before they are archived`,
            });
        }
    });

export type FindingsExportConfig = z.output<typeof findingsExportSchema>;

/**
 * How long the access logs are kept: as configured, or as long as the findings. The logs cannot be locked (S3
 * refuses Object Lock on a server access log target), so their lifecycle is their only keeping.
 */
export function accessLogRetention(config: FindingsExportConfig): number {
    return config.accessLogRetentionDays ?? config.retentionDays;
}
