/**
 * One noise rule per service, as a user writes `security-governance:noiseRules`: what the noise-rule tests plan,
 * and what the IAM tests add to prod (which has every other optional section) to plan every resource type.
 */
export const SAMPLE_NOISE_RULES = [
    {
        name: "sandbox-vpc-endpoints",
        service: "securityhub",
        reason: "Sandbox accounts have no VPC endpoints by design",
        severities: ["LOW", "MEDIUM"],
        accountIds: ["300000000001"],
        controlIds: ["EC2.10"],
    },
    {
        name: "snapd-accepted",
        service: "inspector",
        reason: "snapd is not installed on our AMIs; accepted until the next image",
        severities: ["MEDIUM"],
        vulnerabilityIds: ["CVE-2024-29069"],
    },
    {
        name: "public-website-bucket",
        service: "macie",
        reason: "The marketing site bucket is public by design",
        severities: ["LOW", "MEDIUM"],
        findingTypes: ["Policy:IAMUser/S3BucketPublic"],
        bucketNames: ["example-marketing-site"],
    },
];
