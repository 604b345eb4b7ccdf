import { ResourceValidationPolicy } from "@pulumi/policy";
import { UNKNOWN, at, list, str, validateTypes, type Plain, type Unknown } from "./util";

/*
 * Suppression as code may hide noise, never a HIGH or CRITICAL finding: whatever suppresses must be bounded by
 * severity criteria that name only the levels below HIGH, each compared for equality.
 */

export const SECURITYHUB_AUTOMATION_RULE = "aws:securityhub/automationRule:AutomationRule";
export const INSPECTOR_FILTER = "aws:inspector2/filter:Filter";
export const SECURITYHUB_AUTOMATION_RULE_V2 = "aws:securityhub/automationRuleV2:AutomationRuleV2";
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

/**
 * OCSF severity below High (OCSF dictionary severity_id: 1 Informational, 2 Low, 3 Medium; captions the same) and
 * the OCSF statuses that take a finding out of view (finding.json status_id: 3 Suppressed, 4 Resolved,
 * 5 Archived, 6 Deleted).
 */
const OCSF_BELOW_HIGH_IDS = [1, 2, 3];
const OCSF_BELOW_HIGH_NAMES = ["Informational", "Low", "Medium"];
const OCSF_HIDING_STATUSES = [3, 4, 5, 6];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const objects = (value: Json | undefined): { [key: string]: Json }[] =>
    Array.isArray(value)
        ? value.filter(
              (v): v is { [key: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v),
          )
        : [];
/** The value as an object, or an empty one when it is anything else. */
const object = (value: Json | undefined): { [key: string]: Json } => objects([value ?? null])[0] ?? {};

/** Whether a composite filter holds severity below High and nothing else: each filter an equality of severity. */
function boundsSeverity(composite: { [key: string]: Json }): boolean {
    const kinds = Object.keys(composite).filter((key) => key !== "Operator");
    if (kinds.length === 0 || kinds.some((key) => key !== "NumberFilters" && key !== "StringFilters"))
        return false;
    const numbers = objects(composite.NumberFilters);
    const strings = objects(composite.StringFilters);
    if (numbers.length + strings.length === 0) return false;
    const numberSafe = numbers.every((f) => {
        const filter = object(f.Filter);
        return (
            f.FieldName === "severity_id" &&
            Object.keys(filter).length === 1 &&
            typeof filter.Eq === "number" &&
            OCSF_BELOW_HIGH_IDS.includes(filter.Eq)
        );
    });
    const stringSafe = strings.every((f) => {
        const filter = object(f.Filter);
        return (
            f.FieldName === "severity" &&
            filter.Comparison === "EQUALS" &&
            typeof filter.Value === "string" &&
            OCSF_BELOW_HIGH_NAMES.includes(filter.Value)
        );
    });
    return numberSafe && stringSafe;
}

export const securityhubAutomationRuleV2SafeSuppress: ResourceValidationPolicy = {
    name: "securityhub-automation-rule-v2-safe-suppress",
    description:
        "A Security Hub (V2) automation rule that suppresses, resolves, archives or re-rates findings holds severity below High.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(SECURITYHUB_AUTOMATION_RULE_V2, (props, _args, reportViolation) => {
        const update = at(props, "action", "findingFieldsUpdate");
        const status = at(update, "statusId");
        const severity = at(update, "severityId");
        if (status === UNKNOWN || severity === UNKNOWN) return;
        const hides =
            (typeof status === "number" && OCSF_HIDING_STATUSES.includes(status)) || severity !== undefined;
        if (!hides) return;
        const text = str(at(props, "criteria", "ocsfFindingCriteriaJson"));
        if (text === UNKNOWN) return;
        let criteria: Json;
        try {
            criteria = JSON.parse(text ?? "") as Json;
        } catch {
            reportViolation(
                "criteria.ocsfFindingCriteriaJson is not JSON: the rule's reach cannot be judged.",
            );
            return;
        }
        const top = object(criteria);
        const composites = objects(top.CompositeFilters);
        if (composites.length > 1 && top.CompositeOperator !== "AND") {
            reportViolation(
                `criteria has CompositeOperator ${JSON.stringify(top.CompositeOperator ?? null)}: with more than one composite filter only AND keeps the severity bound.`,
            );
            return;
        }
        if (!composites.some(boundsSeverity)) {
            reportViolation(
                "criteria has no composite filter holding severity_id to Eq 1, 2 or 3 (or severity EQUALS Informational, Low, Medium) alone: the rule could hide High and Critical findings.",
            );
        }
    }),
};

export const noisePolicies = [
    securityhubAutomationRuleV2SafeSuppress,
    securityhubAutomationRuleSafeSuppress,
    inspectorFilterSafeSuppress,
    macieFindingsFilterSafeArchive,
];
