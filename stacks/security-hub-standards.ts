/**
 * The standards Security Hub CSPM offers, how each is named in a configuration policy, and where each is
 * missing. One configuration policy, associated with the root, enables the same standards in every linked
 * region, so a standard that a governed region lacks is refused in the stack config rather than left to
 * fail in that region's policy association.
 *
 * Sources (Security Hub CSPM user guide):
 * - "Standards reference" (standards-reference.html): FSBP, AWS Resource Tagging, CIS AWS Foundations
 *   Benchmark, NIST SP 800-53 Rev. 5, NIST SP 800-171 Rev. 2, PCI DSS, the service-managed AWS Control
 *   Tower standard; "AI Security Best Practices standard" (standards-ai-security.html).
 * - "CIS AWS Foundations Benchmark" (cis-aws-foundations-benchmark.html): versions 5.0.0, 3.0.0, 1.4.0 and
 *   1.2.0; every version is `arn:aws:securityhub:region::standards/cis-aws-foundations-benchmark/v/<v>`
 *   except v1.2.0, `arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0`.
 * - "PCI DSS" (pci-standard.html): v3.2.1 and v4.0.1.
 * - Tagging (standards-tagging.html) and AI (standards-ai-security.html) pages give their ARNs. The ARNs of
 *   FSBP, NIST and PCI DSS are the same `region::standards/<id>` form in the provider's documentation
 *   (@pulumi/aws 7.48.0, securityhub/standardsSubscription.d.ts); no AWS page we could read prints them.
 * - "Regional limits for Security Hub CSPM" (securityhub-regions.html): "The AWS Resource Tagging standard
 *   isn't available in the Asia Pacific (Taipei) Region", and "Other security standards are available in
 *   all the Regions where Security Hub CSPM is currently available". Other copies of the tagging page also
 *   exclude Asia Pacific (New Zealand) and Canada West (Calgary); the union is kept, as refusing a region
 *   that gained the standard costs a config change, while enabling it where it is missing fails the up.
 * The AWS Control Tower standard is left out: only Control Tower creates and deletes it.
 */
export const SECURITY_HUB_STANDARDS = [
    "aws-foundational-security-best-practices/v/1.0.0",
    "cis-aws-foundations-benchmark/v/5.0.0",
    "cis-aws-foundations-benchmark/v/3.0.0",
    "cis-aws-foundations-benchmark/v/1.4.0",
    "cis-aws-foundations-benchmark/v/1.2.0",
    "nist-800-53/v/5.0.0",
    "nist-800-171/v/2.0.0",
    "pci-dss/v/4.0.1",
    "pci-dss/v/3.2.1",
    "aws-resource-tagging-standard/v/1.0.0",
    "ai-security-best-practices/v/1.0.0",
] as const;
export type SecurityHubStandard = (typeof SECURITY_HUB_STANDARDS)[number];

export const DEFAULT_SECURITY_HUB_STANDARDS = [
    "aws-foundational-security-best-practices/v/1.0.0",
    "cis-aws-foundations-benchmark/v/3.0.0",
] as const satisfies readonly SecurityHubStandard[];

/** Governed regions where a standard is not offered (see the sources above); absent means everywhere. */
export const STANDARD_NOT_OFFERED_IN: Partial<Record<SecurityHubStandard, readonly string[]>> = {
    "aws-resource-tagging-standard/v/1.0.0": ["ap-east-2", "ap-southeast-6", "ca-west-1"],
};

/** The standard ARN a configuration policy names: the one standard still on a global `ruleset/` ARN. */
export function standardArn(partition: string, region: string, standard: string): string {
    return standard === "cis-aws-foundations-benchmark/v/1.2.0"
        ? `arn:${partition}:securityhub:::ruleset/${standard}`
        : `arn:${partition}:securityhub:${region}::standards/${standard}`;
}

/** The governed regions where `standard` is missing. */
export function regionsLacking(standard: SecurityHubStandard, regions: readonly string[]): string[] {
    const missing = STANDARD_NOT_OFFERED_IN[standard] ?? [];
    return regions.filter((region) => missing.includes(region));
}
