import { ResourceValidationPolicy } from "@pulumi/policy";
import { UNKNOWN, at, list, str, validateTypes, type Plain, type Unknown } from "./util";

/*
 * Suppression as code may hide noise, never a HIGH or CRITICAL finding: whatever suppresses must be bounded by
 * severity criteria that name only the levels below HIGH, each compared for equality.
 */

export const SECURITYHUB_AUTOMATION_RULE = "aws:securityhub/automationRule:AutomationRule";
export const INSPECTOR_FILTER = "aws:inspector2/filter:Filter";
export const MACIE_FINDINGS_FILTER = "aws:macie/findingsFilter:FindingsFilter";
/** Macie's levels below High (Low, Medium, High: Macie user guide, findings-severity.html). */
const MACIE_BELOW_HIGH = ["Low", "Medium"];
const BELOW_HIGH = ["INFORMATIONAL", "LOW", "MEDIUM"];

/**
 * What is wrong with a severity criterion list, or undefined when it names only levels below HIGH by EQUALS.
 * UNKNOWN while any part is unknown (judged when known).
 */
function severityProblem(criteria: Plain[] | Unknown | undefined, key: string): string | undefined | Unknown {
    if (criteria === UNKNOWN) return UNKNOWN;
    if (criteria === undefined || criteria.length === 0)
        return `${key} is empty: a suppression without severity criteria hides HIGH and CRITICAL findings too`;
    for (const criterion of criteria) {
        const comparison = str(at(criterion, "comparison"));
        const value = str(at(criterion, "value"));
        if (comparison === UNKNOWN || value === UNKNOWN) return UNKNOWN;
        if (comparison !== "EQUALS" || value === undefined || !BELOW_HIGH.includes(value)) {
            return `${key} has ${comparison ?? "(no comparison)"} ${value ?? "(no value)"}: only EQUALS ${BELOW_HIGH.join(", ")} may be suppressed`;
        }
    }
    return undefined;
}

export const securityhubAutomationRuleSafeSuppress: ResourceValidationPolicy = {
    name: "securityhub-automation-rule-safe-suppress",
    description:
        "A Security Hub automation rule that suppresses or resolves findings, or lowers their severity, names only severities below HIGH.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(SECURITYHUB_AUTOMATION_RULE, (props, _args, reportViolation) => {
        const actions = list(at(props, "actions"));
        if (actions === UNKNOWN) return;
        const hides = (actions ?? []).some((action) => {
            const update = at(action, "findingFieldsUpdate");
            const status = str(at(update, "workflow", "status"));
            return status === "SUPPRESSED" || status === "RESOLVED" || at(update, "severity") !== undefined;
        });
        if (!hides) return;
        const problem = severityProblem(
            list(at(props, "criteria", "severityLabels")),
            "criteria.severityLabels",
        );
        if (typeof problem === "string") reportViolation(`${problem}.`);
    }),
};

export const inspectorFilterSafeSuppress: ResourceValidationPolicy = {
    name: "inspector-filter-safe-suppress",
    description: "An Inspector suppression filter names only severities below HIGH, in every criteria block.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(INSPECTOR_FILTER, (props, _args, reportViolation) => {
        const action = str(at(props, "action"));
        if (action !== "SUPPRESS") return;
        const blocks = list(at(props, "filterCriterias"));
        if (blocks === UNKNOWN) return;
        if (blocks === undefined || blocks.length === 0) {
            reportViolation(
                "filterCriterias is empty: the filter would suppress every finding, HIGH and CRITICAL included.",
            );
            return;
        }
        for (const [index, block] of blocks.entries()) {
            const problem = severityProblem(
                list(at(block, "severities")),
                `filterCriterias[${index}].severities`,
            );
            if (typeof problem === "string") reportViolation(`${problem}.`);
        }
    }),
};

/**
 * What is wrong with a Macie filter's criteria, or undefined when one criterion holds severity.description to
 * Low or Medium by `eqs` alone (criteria are AND'ed, so the others can only narrow it). UNKNOWN while unknown.
 */
function macieSeverityProblem(criteria: Plain[] | Unknown | undefined): string | undefined | Unknown {
    if (criteria === UNKNOWN) return UNKNOWN;
    const severity = (criteria ?? []).filter((c) => str(at(c, "field")) === "severity.description");
    if (severity.length === 0)
        return "findingCriteria has no severity.description criterion: the filter archives High findings too";
    for (const criterion of severity) {
        const eqs = list(at(criterion, "eqs"));
        if (eqs === UNKNOWN) return UNKNOWN;
        const others = ["eqExactMatches", "neqs", "gt", "gte", "lt", "lte"].filter(
            (key) => at(criterion, key) !== undefined,
        );
        const values = (eqs ?? []).map((value) => str(value));
        if (values.includes(UNKNOWN)) return UNKNOWN;
        if (
            others.length > 0 ||
            values.length === 0 ||
            values.some((v) => !MACIE_BELOW_HIGH.includes(v as string))
        ) {
            const shown = [...others, ...(values.length > 0 ? [`eqs ${values.join(", ")}`] : [])].join(", ");
            return `severity.description has ${shown || "no values"}: only eqs ${MACIE_BELOW_HIGH.join(", ")} may be archived`;
        }
    }
    return undefined;
}

export const macieFindingsFilterSafeArchive: ResourceValidationPolicy = {
    name: "macie-findings-filter-safe-archive",
    description: "A Macie findings filter that archives findings names only Low or Medium severity.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(MACIE_FINDINGS_FILTER, (props, _args, reportViolation) => {
        if (str(at(props, "action")) !== "ARCHIVE") return;
        const problem = macieSeverityProblem(list(at(props, "findingCriteria", "criterions")));
        if (typeof problem === "string") reportViolation(`${problem}.`);
    }),
};

export const noisePolicies = [
    securityhubAutomationRuleSafeSuppress,
    inspectorFilterSafeSuppress,
    macieFindingsFilterSafeArchive,
];
