import { keyPath, show } from "./config-messages";
import { guardrailParams, guardrailProblems } from "./guardrails";
import type { NamespaceConfig } from "./namespace-config";
import { organizationalUnitProblems } from "./organizational-units";
import { unofferedStandards } from "./security-hub-config";

/*
 * The rules that span sections, checked once every section is valid on its own: a section's schema sees only
 * itself, while an exclusion, an adopted resource, a guardrail, a standard, an OU scope or a noise rule can
 * contradict another section.
 */

/**
 * Every problem between sections, in the order they are reported. `homeRegion` is aws:region as given: the
 * guardrails are checked only when it is text (a wrong home region is reported on its own).
 */
export function crossSectionProblems(config: NamespaceConfig, homeRegion: unknown): string[] {
    const { standards } = config.securityHub;
    return [
        ...adoptionProblems(config),
        ...exclusionProblems(config),
        ...(typeof homeRegion === "string"
            ? guardrailProblems(
                  config.guardrails,
                  config.accounts,
                  guardrailParams(config.guardrails, {
                      securityAccountId: config.accounts.securityAdmin,
                      homeRegion,
                      exemptTag: config.remediation?.exemptTag,
                      securityHubV2: config.securityHub.v2.enabled,
                  }),
                  keyPath,
              )
            : []),
        ...unofferedStandards(
            standards,
            config.regions,
            (at) => `${keyPath(["securityHub", "standards", at])} = ${show(standards[at])}`,
        ),
        ...organizationalUnitProblems(config, keyPath, show),
        ...config.noiseRules.flatMap((rule, index) =>
            rule.service !== "securityhub" && !config[rule.service].enabled
                ? [
                      `${keyPath(["noiseRules", index, "service"])} = "${rule.service}": expected ${rule.service}.enabled true: the rule is a ${rule.service === "inspector" ? "Inspector filter" : "Macie findings filter"}, and the service is off`,
                  ]
                : [],
        ),
    ];
}

/**
 * Exclusions name member accounts: never the security account, which administers and is no member, and never
 * an account the same service is told to enroll first.
 */
function exclusionProblems(config: NamespaceConfig): string[] {
    const problems: string[] = [];
    for (const service of ["macie", "detective"] as const) {
        config[service].excludedAccounts.forEach((id, index) => {
            const key = `${keyPath([service, "excludedAccounts", index])} = ${show(id)}`;
            if (id === config.accounts.securityAdmin) {
                problems.push(
                    `${key}: expected a member account; ${id} is the security account (accounts.securityAdmin), the administrator`,
                );
            } else if (service === "detective" && config.detective.priorityAccounts.includes(id)) {
                problems.push(
                    `${key}: expected an account not also in detective.priorityAccounts; keep it in one of the two`,
                );
            }
        });
    }
    return problems;
}

/** Adopted resources must be where the program would create them: a governed region, our account. */
function adoptionProblems(config: NamespaceConfig): string[] {
    const problems: string[] = [];
    const { adopt, regions, accounts } = config;
    const governed = (key: string, region: string) => {
        if (!regions.includes(region)) {
            problems.push(
                `${keyPath(["adopt", key, region])}: expected a governed region (${regions.join(", ")}): the program creates nothing to adopt in ${region}`,
            );
        }
    };
    for (const region of Object.keys(adopt.guarddutyDetectors)) governed("guarddutyDetectors", region);
    adopt.macieAccounts.forEach((region) => governed("macieAccounts", region));
    for (const [region, arn] of Object.entries(adopt.detectiveGraphs)) {
        governed("detectiveGraphs", region);
        const [, , , arnRegion, arnAccount] = arn.split(":");
        if (arnRegion !== region || arnAccount !== accounts.securityAdmin) {
            problems.push(
                `${keyPath(["adopt", "detectiveGraphs", region])} = ${show(arn)}: expected a graph of the security account ${accounts.securityAdmin} in ${region}`,
            );
        }
    }
    return problems;
}
