import * as pulumi from "@pulumi/pulumi";
import { ConfigError, NAMESPACE, StackConfig, parseStackConfig } from "./config";

/**
 * Structured config values reach the program as JSON text; scalars as plain text. Only objects and
 * lists are decoded, so that an account ID written as a string stays a string.
 */
export function decodeConfigValues(values: Record<string, string>): Record<string, unknown> {
    const decoded: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(values)) {
        const trimmed = text.trim();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            try {
                decoded[key] = JSON.parse(trimmed);
                continue;
            } catch {
                // Not JSON after all: validation reports it as a value of the wrong type.
            }
        }
        decoded[key] = text;
    }
    return decoded;
}

/**
 * A project renamed in Pulumi.yaml: `pulumi config set` then writes `<new name>:<key>` and `new pulumi.Config()`
 * reads the new name, while every setting, message and the policy pack's scope are this program's namespace.
 */
export function projectNameProblem(name: string, where: string): string | undefined {
    if (name === NAMESPACE) return undefined;
    return `${where}: project name ${JSON.stringify(name)}: expected ${NAMESPACE}: this program reads its settings as ${NAMESPACE}:<key> and its policy pack judges only the ${NAMESPACE} project; keep name: ${NAMESPACE} and tell environments apart by stack (pulumi stack init <org>/${NAMESPACE}/<stack>)`;
}

/**
 * Reads and validates the stack's configuration before any resource is registered. A bad value
 * stops the program with the message alone: pulumi.RunError is printed without a stack trace.
 */
export function loadStackConfig(): StackConfig {
    const problem = projectNameProblem(pulumi.getProject(), "Pulumi.yaml");
    if (problem !== undefined) throw new pulumi.RunError(problem);
    try {
        return parseStackConfig(decodeConfigValues(pulumi.runtime.allConfig()));
    } catch (error) {
        if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
        throw error;
    }
}
