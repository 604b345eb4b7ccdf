/**
 * The commercial (`aws` partition) regions this program can govern. GovCloud and China are separate
 * partitions with separate organizations and are out of scope.
 */

/** Regions enabled by default in every account: `prod` governs all of them. */
export const DEFAULT_ENABLED_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
] as const;

/**
 * Opt-in regions. Services there sign as regional principals (`guardduty.<region>.amazonaws.com`),
 * so resource policies must name those principals too (aws-gotchas 7).
 */
export const OPT_IN_REGIONS = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
] as const;

export const KNOWN_REGIONS: readonly string[] = [...DEFAULT_ENABLED_REGIONS, ...OPT_IN_REGIONS];

export const PARTITION = "aws";

export function isOptInRegion(region: string): boolean {
    return (OPT_IN_REGIONS as readonly string[]).includes(region);
}

/**
 * Service principals that act in `regions`: the global principal plus the regional one for each opt-in
 * region, sorted so that rendered policies are deterministic.
 */
export function servicePrincipals(service: string, regions: readonly string[]): string[] {
    const regional = regions.filter(isOptInRegion).map((region) => `${service}.${region}.amazonaws.com`);
    return [`${service}.amazonaws.com`, ...[...new Set(regional)].sort()];
}
