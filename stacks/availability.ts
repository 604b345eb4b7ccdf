import { KNOWN_REGIONS } from "./regions";

/**
 * Where each governed service exists. A service is planned only in the governed regions that offer it:
 * creating a Detective graph where Detective has no endpoint fails the whole `pulumi up`.
 *
 * Source: the service endpoint data of botocore, `botocore/data/endpoints.json`, partition `aws`,
 * commit 0e6e2404b85dc336dd2889814e089bde7d1a4c55 (2026-08-07), keys `guardduty`, `securityhub`,
 * `macie2`, `api.detective` and `inspector2`. The AWS SDK for JavaScript v3 resolves endpoints by rule
 * and carries no per-region list, so botocore's table is the SDKs' published per-region record. Each
 * list below is the set of regions of `KNOWN_REGIONS` absent from that service's `endpoints` map.
 */
export const SERVICE_AVAILABILITY_SOURCE =
    "botocore/data/endpoints.json (commit 0e6e2404b85dc336dd2889814e089bde7d1a4c55, 2026-08-07)";

export const GOVERNED_SERVICES = ["guardduty", "securityhub", "macie", "detective", "inspector"] as const;
export type GovernedService = (typeof GOVERNED_SERVICES)[number];

/** Regions of KNOWN_REGIONS where the service has no endpoint (see SERVICE_AVAILABILITY_SOURCE). */
export const NOT_OFFERED_IN: Record<GovernedService, readonly string[]> = {
    guardduty: [],
    securityhub: [],
    macie: [
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-2",
        "me-central-1",
        "mx-central-1",
    ],
    detective: [
        "ap-northeast-3",
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-2",
        "me-central-1",
        "mx-central-1",
    ],
    inspector: ["ap-southeast-6"],
};

/**
 * GuardDuty protection plans missing from a region where GuardDuty itself runs. GuardDuty user guide,
 * "Regions and endpoints", region-specific feature availability: "RDS Protection is not supported in Asia
 * Pacific (Taipei) (ap-east-2) Region." No other plan is listed as missing from a commercial region.
 * A plan missing from a region is not managed there at all (neither ENABLED nor DISABLED).
 *
 * AI_PROTECTION is listed with no region: the same section, in the copies read for this (December 2026), names no
 * region without AI Protection, and the GuardDuty API model (botocore service-2.json, commit
 * 0e6e2404b85dc336dd2889814e089bde7d1a4c55) documents no regional limit for it, while it does name the ten regions of
 * the AI_ANALYST preview. That AWS accepts AI_PROTECTION in every governed region is to be confirmed on a first
 * `pulumi up` (docs/operations.md, what only a real account can confirm); a region found lacking it goes here.
 */
export const PROTECTION_NOT_OFFERED_IN: Readonly<Record<string, readonly string[]>> = {
    RDS_LOGIN_EVENTS: ["ap-east-2"],
    AI_PROTECTION: [],
};

/**
 * The plans missing from each region: the program's table (PROTECTION_NOT_OFFERED_IN) and the regions the stack's
 * config adds (`guardduty.protectionsNotOfferedIn`) where GuardDuty turned out to refuse a plan.
 */
export function protectionsNotOfferedIn(
    configured: Readonly<Partial<Record<string, readonly string[]>>>,
): Readonly<Record<string, readonly string[]>> {
    const merged: Record<string, readonly string[]> = { ...PROTECTION_NOT_OFFERED_IN };
    for (const [protection, regions] of Object.entries(configured)) {
        merged[protection] = [...new Set([...(merged[protection] ?? []), ...(regions ?? [])])];
    }
    return merged;
}

export function isOffered(service: GovernedService, region: string): boolean {
    return KNOWN_REGIONS.includes(region) && !NOT_OFFERED_IN[service].includes(region);
}

/** The governed regions, in their order, where `service` exists. */
export function offeredIn(service: GovernedService, regions: readonly string[]): string[] {
    return regions.filter((region) => isOffered(service, region));
}

/**
 * What the home region must offer: the GuardDuty detector whose service-linked role the export key names,
 * the Security Hub finding aggregator and central configuration. The bucket, keys, topic and rules (S3,
 * KMS, SNS, EventBridge) exist in every known region (same source, keys `s3`, `kms`, `sns`, `events`).
 */
export const HOME_REGION_SERVICES: readonly GovernedService[] = ["guardduty", "securityhub"];
