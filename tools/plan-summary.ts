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
    if (plan.diagnostics.length === 0) {
        lines.push("Policy pack: no violations.", "");
    }
    return `${lines.join("\n")}\n`;
}
