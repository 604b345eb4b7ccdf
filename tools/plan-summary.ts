import { watchLines } from "./plan-watch";
import { isOffered, SERVICE_AVAILABILITY_SOURCE } from "../stacks/availability";
import { MEMBER_QUOTAS } from "../stacks/quotas";
import { noiseLines, responseLines, scopeLines } from "./plan-intent";
import type { PlanDocument, PlannedResource } from "./plan-runtime";

/** The service a resource belongs to, from its type token (`aws:guardduty/detector:Detector`). */
export function serviceOf(resource: PlannedResource): string {
    const [pkg, module] = resource.type.split(":");
    if (pkg === "aws") return module.split("/")[0];
    if (pkg === "pulumi") return "pulumi";
    return pkg;
}

export function regionOf(resource: PlannedResource, homeRegion: string): string {
    const region = resource.inputs.region;
    return typeof region === "string" ? region : homeRegion;
}

/** `text` wrapped at spaces to `width` columns, continuation lines indented by `indent`. */
export function wrap(text: string, indent: string, width = 100): string[] {
    const lead = text.length - text.trimStart().length;
    const lines: string[] = [];
    let line = text.slice(0, lead);
    let empty = true;
    for (const word of text.slice(lead).split(" ")) {
        if (!empty && line.length + 1 + word.length > width) {
            lines.push(line);
            line = indent + word;
        } else {
            line = empty ? line + word : `${line} ${word}`;
        }
        empty = false;
    }
    if (!empty) lines.push(line);
    return lines;
}

/** A table, its columns split into blocks that fit a 100-column terminal (the first column repeated). */
function table(header: string[], rows: string[][], width = 100): string {
    const blocks: number[][] = [];
    let current: number[] = [];
    const columnWidth = (column: number) =>
        Math.max(header[column].length, ...rows.map((row) => row[column].length));
    let used = columnWidth(0);
    for (let column = 1; column < header.length; column++) {
        const needed = columnWidth(column) + 2;
        if (current.length > 0 && used + needed > width) {
            blocks.push(current);
            current = [];
            used = columnWidth(0);
        }
        current.push(column);
        used += needed;
    }
    if (current.length > 0 || blocks.length === 0) blocks.push(current);
    return blocks
        .map((columns) =>
            tableBlock(
                [header[0], ...columns.map((c) => header[c])],
                rows.map((row) => [row[0], ...columns.map((c) => row[c])]),
            ),
        )
        .join("\n\n");
}

function tableBlock(header: string[], rows: string[][]): string {
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

/** The planned enrollment function's settings (components/enrollment-function.ts), as far as the summary reads them. */
interface EnrollmentSettings {
    regions?: Record<string, unknown>;
    excluded?: Record<string, unknown>;
}

function enrollmentSettings(plan: PlanDocument): EnrollmentSettings[] {
    return plan.resources
        .filter((r) => r.type === "aws:lambda/function:Function")
        .flatMap((fn) => {
            const variables = (fn.inputs.environment as { variables?: Record<string, unknown> } | undefined)
                ?.variables;
            const text = variables?.ENROLLMENT_SETTINGS;
            return typeof text === "string" ? [JSON.parse(text) as EnrollmentSettings] : [];
        });
}

/**
 * The regions where the planned enrollment function reconciles `service`, read from its settings: it enrolls
 * every existing account there, up to the service's quota.
 */
function enrolledRegions(plan: PlanDocument, service: string): Set<string> {
    return new Set(enrollmentSettings(plan).flatMap((settings) => strings(settings.regions?.[service])));
}

/** The accounts the enrollment function never enrolls in `service` (`<service>.excludedAccounts`). */
export function excludedAccounts(plan: PlanDocument, service: string): Set<string> {
    return new Set(enrollmentSettings(plan).flatMap((settings) => strings(settings.excluded?.[service])));
}

/** The services governed organization-wide, in the order the coverage table lists them. */
const COVERED_SERVICES = ["guardduty", "securityhub", "macie", "detective", "inspector"] as const;
type CoveredService = (typeof COVERED_SERVICES)[number];

/** The administrator's own enablement of a service, which the enrollment function never enrolls. */
const ADMIN_ENABLEMENT: Partial<Record<CoveredService, string>> = {
    macie: "aws:macie2/account:Account",
    detective: "aws:detective/graph:Graph",
};

/**
 * The governed regions where an Inspector policy attached to the organization root enables at least one
 * scan type (components/inspector.ts writes the document). Organizations policies of this type apply to
 * every account under the target, so the root covers the whole organization.
 */
export function inspectorPolicyRegions(plan: PlanDocument): Set<string> {
    const regions = new Set<string>();
    const policies = plan.resources.filter(
        (r) => r.type === "aws:organizations/policy:Policy" && r.inputs.type === "INSPECTOR_POLICY",
    );
    for (const policy of policies) {
        const attached = plan.resources.some(
            (r) =>
                r.type === "aws:organizations/policyAttachment:PolicyAttachment" &&
                r.inputs.targetId === plan.organization.rootId &&
                r.dependsOn.includes(policy.urn),
        );
        if (!attached || typeof policy.inputs.content !== "string") continue;
        const document = JSON.parse(policy.inputs.content) as {
            inspector?: { enablement?: Record<string, { enable_in_regions?: { "@@assign"?: unknown } }> };
        };
        for (const scan of Object.values(document.inspector?.enablement ?? {})) {
            for (const region of strings(scan.enable_in_regions?.["@@assign"])) regions.add(region);
        }
    }
    return regions;
}

function strings(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/**
 * Accounts covered per service and region, read from the planned resources: GuardDuty through the
 * organization configuration that auto-enables ALL accounts, Security Hub through the configuration policy
 * associated with the root in the home region and the aggregator's linked regions, Inspector through its
 * policy on the root, and Macie and Detective through the enrollment function's regions (every account up to
 * the quota) or else the administrator alone. Undefined where the service is not set up in that region.
 */
export function coverageOf(plan: PlanDocument): Record<CoveredService, Record<string, number | undefined>> {
    const all = plan.accounts.count;
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

    const inspectorRegions = inspectorPolicyRegions(plan);
    const enrolled = { macie: enrolledRegions(plan, "macie"), detective: enrolledRegions(plan, "detective") };
    const excluded = {
        macie: excludedAccounts(plan, "macie"),
        detective: excludedAccounts(plan, "detective"),
    };
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
                    ? withinQuota(service, all)
                    : undefined;
            } else if (service === "securityhub") {
                covered = securityHubRegions.has(region) ? withinQuota(service, all) : undefined;
            } else if (service === "inspector") {
                covered = inspectorRegions.has(region) ? withinQuota(service, all) : undefined;
            } else {
                const adminType = ADMIN_ENABLEMENT[service];
                const adminEnabled = adminType !== undefined && inRegion(adminType, region).length > 0;
                // An excluded account is never enrolled: it is not covered, whatever the quota.
                if (enrolled[service].has(region))
                    covered = withinQuota(service, all - excluded[service].size);
                else if (adminEnabled) covered = 1;
            }
            coverage[service][region] = covered;
        }
    }
    return coverage;
}

/** Whether the plan covers the management account, per service and region. */
export function managementCoverageOf(plan: PlanDocument): Record<CoveredService, Record<string, boolean>> {
    const id = plan.accounts.management;
    const coverage = coverageOf(plan);
    const enrolled = { macie: enrolledRegions(plan, "macie"), detective: enrolledRegions(plan, "detective") };
    const excluded = {
        macie: excludedAccounts(plan, "macie"),
        detective: excludedAccounts(plan, "detective"),
    };
    const result = {} as Record<CoveredService, Record<string, boolean>>;
    for (const service of COVERED_SERVICES) {
        result[service] = {};
        for (const region of plan.regions) {
            let covered: boolean;
            if (service === "guardduty") {
                covered = plan.resources.some(
                    (r) =>
                        r.type === "aws:guardduty/member:Member" &&
                        r.inputs.accountId === id &&
                        regionOf(r, plan.homeRegion) === region,
                );
            } else if (service === "securityhub" || service === "inspector") {
                // Both through a policy on the root, which reaches the management account too.
                covered = coverage[service][region] !== undefined;
            } else {
                // The enrollment function enrolls the management account first, ahead of any quota.
                covered =
                    enrolled[service].has(region) &&
                    id !== plan.accounts.securityAdmin &&
                    !excluded[service].has(id);
            }
            result[service][region] = covered;
        }
    }
    return result;
}

interface Criterion {
    field: string;
    equals?: string[];
    lessThan?: string;
}

const TAG_KEY = "resource.instanceDetails.tags.key";
const TAG_VALUE = "resource.instanceDetails.tags.value";

/**
 * One line per planned filter of the home region, in rank order, each criterion as GuardDuty applies it.
 * A rule on tags gets the warning its reader needs: GuardDuty matches tag keys and tag values as two
 * separate criteria (GuardDuty user guide, filter attributes: "Instance tag key", "Instance tag value").
 */
export function suppressionRulesOf(plan: PlanDocument): string[] {
    const filters = plan.resources
        .filter(
            (r) =>
                r.type === "aws:guardduty/filter:Filter" && regionOf(r, plan.homeRegion) === plan.homeRegion,
        )
        .sort((a, b) => Number(a.inputs.rank) - Number(b.inputs.rank));
    return filters.flatMap((filter) => {
        const criteria = ((filter.inputs.findingCriteria as { criterions?: Criterion[] } | undefined)
            ?.criterions ?? []) as Criterion[];
        const parts = criteria.map((c) =>
            c.lessThan !== undefined
                ? `${c.field} < ${c.lessThan}`
                : `${c.field} in [${(c.equals ?? []).join(", ")}]`,
        );
        const lines = wrap(
            `  ${String(filter.inputs.rank)}. ${String(filter.inputs.name)}: ${parts.join(" AND ")}`,
            "       ",
        );
        const keys = criteria.find((c) => c.field === TAG_KEY)?.equals ?? [];
        const values = criteria.find((c) => c.field === TAG_VALUE)?.equals ?? [];
        if (keys.length > 0 && values.length > 0) {
            lines.push(
                "     tags: keys and values are matched separately: any instance with a tag key in",
                `       [${keys.join(", ")}] and any tag value in [${values.join(", ")}], e.g. ${keys[0]}=other together with`,
                `       Other=${values[0]}, is archived too`,
            );
        }
        return lines;
    });
}

/** The administrator plus at most the service's member quota. */
function withinQuota(service: CoveredService, accounts: number): number {
    return Math.min(accounts, MEMBER_QUOTAS[service].members + 1);
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
    const awsCount = custom.filter((resource) => resource.type.startsWith("aws:")).length;
    const shown = plan.accounts.leftOut.slice(0, 10).map((a) => `${a.id} (${a.state})`);
    const leftOut =
        plan.accounts.leftOut.length === 0
            ? []
            : [
                  `Left out: ${plan.accounts.leftOut.length} account(s) not ACTIVE, which no service covers: ${shown.join(", ")}${plan.accounts.leftOut.length > shown.length ? ", ..." : ""}`,
              ];
    const lines = [
        `Plan for stack "${plan.stack}" of ${plan.project} (offline, Pulumi mock runtime)`,
        ...wrap(
            `Home region ${plan.homeRegion}; ${plan.regions.length} governed region(s): ${plan.regions.join(", ")}`,
            "  ",
        ),
        `Organization: ${plan.accounts.count} active account(s); management ${plan.accounts.management}, delegated administrator ${plan.accounts.securityAdmin}`,
        ...leftOut,
        `${plan.resources.length} resources: ${awsCount} AWS resources, ${plan.resources.length - awsCount} components and providers; ${protectedCount} protected`,
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
        ...wrap(
            "  guardduty: organization auto-enable ALL; securityhub: central configuration policy on the root, " +
                "home and linked regions; inspector: the Inspector policy (INSPECTOR_POLICY) on the root; " +
                "macie, detective: the administrator, and the existing accounts the enrollment function enrolls " +
                `(hourly and on deploy; new accounts are auto-enabled). n/o: the service is not offered in that region (${SERVICE_AVAILABILITY_SOURCE}); ` +
                "-: offered but not set up by this stack.",
            "  ",
        ),
        "",
    );
    const management = managementCoverageOf(plan);
    lines.push(
        `Management account ${plan.accounts.management} covered per service and region:`,
        table(
            ["service", ...regions],
            COVERED_SERVICES.map((service) => [
                service,
                ...regions.map((region) =>
                    isOffered(service, region) ? (management[service][region] ? "yes" : "no") : "n/o",
                ),
            ]),
        ),
        ...wrap(
            "  guardduty: a member added explicitly (the guides do not say auto-enable reaches it); securityhub, " +
                "inspector: the root's policies; macie, detective: enrolled first, ahead of any quota.",
            "  ",
        ),
        "",
    );
    const beyond = COVERED_SERVICES.flatMap((service) => {
        const counts = Object.values(coverage[service]).filter((n): n is number => n !== undefined);
        const missing = counts.length === 0 ? 0 : plan.accounts.count - Math.min(...counts);
        if (missing === 0) return [];
        const { members, source } = MEMBER_QUOTAS[service];
        return [
            `  ${service}: ${missing} account(s) not covered: at most ${members} members per administrator and region (${source}); the stack output accountsBeyondQuota names them`,
        ];
    });
    if (beyond.length > 0) lines.push("Beyond the services' member quotas:", ...beyond, "");
    const excluded = (["macie", "detective"] as const).flatMap((service) => {
        const ids = [...excludedAccounts(plan, service)].sort();
        return ids.length === 0
            ? []
            : wrap(`  ${service}: ${ids.join(", ")} (${service}.excludedAccounts), never enrolled`, "      ");
    });
    if (excluded.length > 0) lines.push("Excluded from coverage:", ...excluded, "");
    lines.push(...responseLines(plan), ...scopeLines(plan), ...noiseLines(plan), ...watchLines(plan));
    const rules = suppressionRulesOf(plan);
    if (rules.length > 0)
        lines.push("Suppression rules (ARCHIVE filters, same in every governed region):", ...rules, "");
    return `${lines.join("\n")}\n`;
}
