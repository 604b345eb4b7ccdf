import { decodeMembers } from "../components/member-enrollment";
import { isOffered, SERVICE_AVAILABILITY_SOURCE } from "../stacks/availability";
import type { PlanDocument, PlannedResource } from "./plan-runtime";

/** The service a resource belongs to, from its type token (`aws:guardduty/detector:Detector`). */
export function serviceOf(resource: PlannedResource): string {
    const [pkg, module] = resource.type.split(":");
    if (pkg === "aws") return module.split("/")[0];
    if (pkg === "pulumi") return "pulumi";
    if (pkg === "pulumi-nodejs") return "enrollment";
    return pkg;
}

export function regionOf(resource: PlannedResource, homeRegion: string): string {
    const region = resource.inputs.region;
    return typeof region === "string" ? region : homeRegion;
}

function table(header: string[], rows: string[][]): string {
    const widths = header.map((cell, column) =>
        Math.max(cell.length, ...rows.map((row) => row[column].length)),
    );
    const line = (cells: string[]) =>
        cells
            .map((cell, column) =>
                column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
            )
            .join("  ");
    return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** The services governed organization-wide, in the order the coverage table lists them. */
const COVERED_SERVICES = ["guardduty", "securityhub", "macie", "detective", "inspector"] as const;
type CoveredService = (typeof COVERED_SERVICES)[number];

/** The administrator's own enablement of a service, which MemberEnrollment leaves out of its members. */
const ADMIN_ENABLEMENT: Partial<Record<CoveredService, string>> = {
    macie: "aws:macie2/account:Account",
    detective: "aws:detective/graph:Graph",
    inspector: "aws:inspector2/enabler:Enabler",
};

function strings(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/**
 * Accounts covered per service and region, read from the planned resources: GuardDuty through the
 * organization configuration that auto-enables ALL accounts, Security Hub through the configuration policy
 * associated with the root in the home region and the aggregator's linked regions, and Macie, Detective and
 * Inspector through the administrator's own enablement plus the accounts its MemberEnrollment lists.
 * Undefined where the service is not set up in that region.
 */
export function coverageOf(plan: PlanDocument): Record<CoveredService, Record<string, number | undefined>> {
    const all = plan.accounts.count;
    const admin = plan.accounts.securityAdmin;
    const inRegion = (type: string, region: string) =>
        plan.resources.filter((r) => r.type === type && regionOf(r, plan.homeRegion) === region);

    const aggregator = plan.resources.find(
        (r) => r.type === "aws:securityhub/findingAggregator:FindingAggregator",
    );
    const associated = plan.resources.some(
        (r) => r.type === "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation",
    );
    const securityHubRegions = new Set<string>();
    if (aggregator !== undefined && associated) {
        securityHubRegions.add(regionOf(aggregator, plan.homeRegion));
        const mode = aggregator.inputs.linkingMode;
        const listed = strings(aggregator.inputs.specifiedRegions);
        for (const region of plan.regions) {
            if (
                mode === "ALL_REGIONS" ||
                (mode === "SPECIFIED_REGIONS" && listed.includes(region)) ||
                (mode === "ALL_REGIONS_EXCEPT_SPECIFIED" && !listed.includes(region))
            ) {
                securityHubRegions.add(region);
            }
        }
    }

    const coverage = {} as Record<CoveredService, Record<string, number | undefined>>;
    for (const service of COVERED_SERVICES) {
        coverage[service] = {};
        for (const region of plan.regions) {
            let covered: number | undefined;
            if (service === "guardduty") {
                const configured = inRegion(
                    "aws:guardduty/organizationConfiguration:OrganizationConfiguration",
                    region,
                );
                covered = configured.some((r) => r.inputs.autoEnableOrganizationMembers === "ALL")
                    ? all
                    : undefined;
            } else if (service === "securityhub") {
                covered = securityHubRegions.has(region) ? all : undefined;
            } else {
                const enrollment = plan.resources.find(
                    (r) =>
                        serviceOf(r) === "enrollment" &&
                        r.inputs.service === service &&
                        r.inputs.region === region,
                );
                const adminType = ADMIN_ENABLEMENT[service];
                const adminEnabled = adminType !== undefined && inRegion(adminType, region).length > 0;
                if (enrollment !== undefined || adminEnabled) {
                    const listed = enrollment ? decodeMembers(enrollment.inputs.accounts as string) : [];
                    const members = new Set(listed.map((account) => account.id).filter((id) => id !== admin));
                    covered = members.size + (adminEnabled ? 1 : 0);
                }
            }
            coverage[service][region] = covered;
        }
    }
    return coverage;
}

/** A readable summary: resources per service and region, accounts covered, policy diagnostics. */
export function formatSummary(plan: PlanDocument): string {
    const custom = plan.resources.filter(
        (resource) => resource.type.startsWith("aws:") || resource.type.startsWith("pulumi-nodejs:"),
    );
    const services = [...new Set(custom.map(serviceOf))].sort();
    const regions = [...plan.regions];
    const count = (service: string, region: string) =>
        custom.filter(
            (resource) => serviceOf(resource) === service && regionOf(resource, plan.homeRegion) === region,
        ).length;
    const rows = services.map((service) => [
        service,
        ...regions.map((region) => String(count(service, region))),
        String(custom.filter((resource) => serviceOf(resource) === service).length),
    ]);
    rows.push([
        "total",
        ...regions.map((region) =>
            String(custom.filter((r) => regionOf(r, plan.homeRegion) === region).length),
        ),
        String(custom.length),
    ]);
    const protectedCount = plan.resources.filter((resource) => resource.protect).length;
    const lines = [
        `Plan for stack "${plan.stack}" of ${plan.project} (offline, Pulumi mock runtime)`,
        `Home region ${plan.homeRegion}; ${plan.regions.length} governed region(s): ${plan.regions.join(", ")}`,
        `Organization: ${plan.accounts.count} active account(s); management ${plan.accounts.management}, delegated administrator ${plan.accounts.securityAdmin}`,
        `${plan.resources.length} resources (${custom.length} AWS resources, ${protectedCount} protected)`,
        "",
        "Resources per service and region:",
        table(["service", ...regions, "total"], rows),
        "",
    ];
    const coverage = coverageOf(plan);
    lines.push(
        `Accounts covered per service and region (of ${plan.accounts.count}):`,
        table(
            ["service", ...regions],
            COVERED_SERVICES.map((service) => [
                service,
                ...regions.map((region) =>
                    isOffered(service, region) ? String(coverage[service][region] ?? "-") : "n/o",
                ),
            ]),
        ),
        "  guardduty: organization auto-enable ALL; securityhub: central configuration policy on the root,",
        "  home and linked regions; macie, detective, inspector: the administrator and the existing accounts",
        "  enrolled (new accounts are auto-enabled). n/o: the service is not offered in that region",
        `  (${SERVICE_AVAILABILITY_SOURCE}); -: offered but not set up by this stack.`,
        "",
    );
    return `${lines.join("\n")}\n`;
}
