import { PORT_PROBE_TYPE, type SuppressionRule } from "../stacks/suppression-config";

/** One GuardDuty filter criterion, in the shape of `aws.guardduty.Filter`'s `findingCriteria.criterions`. */
export interface Criterion {
    field: string;
    equals?: string[];
    lessThan?: string;
}

/**
 * Port-probe findings carry the remote address and probed port under portProbeAction; every other
 * network finding under networkConnectionAction. A GuardDuty filter ANDs its criteria, so naming both
 * would match nothing: the rule's finding types decide which one applies.
 */
function isPortProbeRule(rule: SuppressionRule): boolean {
    return rule.findingTypes !== undefined && rule.findingTypes.every((type) => PORT_PROBE_TYPE.test(type));
}

/**
 * The filter criteria of an auto-archive rule. Always bounded by severity (below `belowSeverity`, at
 * most HIGH), so a rule can never archive a HIGH finding whatever else it says.
 */
export function suppressionCriteria(rule: SuppressionRule): Criterion[] {
    const portProbe = isPortProbeRule(rule);
    const criteria: Criterion[] = [];
    if (rule.findingTypes) criteria.push({ field: "type", equals: [...rule.findingTypes] });
    if (rule.accountIds) criteria.push({ field: "accountId", equals: [...rule.accountIds] });
    if (rule.resourceTags) {
        // Exactly one pair (the schema insists): GuardDuty matches the key and the value separately.
        const [[key, value]] = Object.entries(rule.resourceTags);
        criteria.push(
            { field: "resource.instanceDetails.tags.key", equals: [key] },
            { field: "resource.instanceDetails.tags.value", equals: [value] },
        );
    }
    if (rule.remoteIps) {
        criteria.push({
            field: portProbe
                ? "service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4"
                : "service.action.networkConnectionAction.remoteIpDetails.ipAddressV4",
            equals: [...rule.remoteIps],
        });
    }
    if (rule.localPorts) {
        criteria.push({
            field: portProbe
                ? "service.action.portProbeAction.portProbeDetails.localPortDetails.port"
                : "service.action.networkConnectionAction.localPortDetails.port",
            equals: rule.localPorts.map(String),
        });
    }
    if (rule.remotePorts) {
        criteria.push({
            field: "service.action.networkConnectionAction.remotePortDetails.port",
            equals: rule.remotePorts.map(String),
        });
    }
    // A whole number (the schema insists): GuardDuty's API compares severity as a Long.
    criteria.push({ field: "severity", lessThan: String(rule.belowSeverity) });
    return criteria;
}
