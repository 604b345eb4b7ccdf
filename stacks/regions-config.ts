import * as z from "zod";
import { KNOWN_REGIONS } from "./regions";
import { reportDuplicates } from "./schema-parts";

/* The `regions` key: the governed regions, each once. */

export const region = z
    .string({ error: 'a region code such as "eu-west-1"' })
    .refine((code) => KNOWN_REGIONS.includes(code), {
        error: `one of the commercial regions: ${KNOWN_REGIONS.join(", ")}`,
    });

export const regionsSchema = z
    .array(region, { error: "a list of region codes" })
    .min(1, { error: "at least one region" })
    .superRefine((regions, ctx) => reportDuplicates(ctx, regions, (index) => [index], "each region once"));
