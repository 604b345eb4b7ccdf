import {
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidationArgs,
} from "@pulumi/policy";

/**
 * Shared plumbing of the pack: a preview-safe view of resource properties, region resolution,
 * joins between resources, and IAM policy document parsing.
 */

/** Stands for a value the engine could not know yet (during preview). */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

export type Plain = string | number | boolean | null | Unknown | Plain[] | PlainObject;
export interface PlainObject {
    [key: string]: Plain;
}

export function isUnknown(value: unknown): value is Unknown {
    return value === UNKNOWN;
}

/**
 * @pulumi/policy hands out properties behind a proxy that throws `UnknownValueError` on any unknown
 * value; left alone, that aborts the whole policy with an advisory "can't run during preview" and hides
 * the checks whose values are known. The error class is not in the package's typings, so it is
 * recognised by the field it carries.
 */
function isUnknownValueError(e: unknown): boolean {
    return e instanceof Error && "unknownTypeSentinel" in e;
}

function readSafely(read: () => unknown): unknown {
    try {
        return read();
    } catch (e) {
        if (isUnknownValueError(e)) {
            return UNKNOWN;
        }
        throw e;
    }
}

/** Copies proxied properties into plain data in which every unknown value is `UNKNOWN`. */
export function toPlain(value: unknown): Plain {
    if (value === UNKNOWN) {
        return UNKNOWN;
    }
    if (value === null) {
        return null;
    }
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        return value;
    }
    if (Array.isArray(value)) {
        const items: Plain[] = [];
        const length = value.length;
        for (let i = 0; i < length; i++) {
            items.push(toPlain(readSafely(() => value[i])));
        }
        return items;
    }
    if (typeof value === "object") {
        const source = value as Record<string, unknown>;
        const result: PlainObject = {};
        for (const key of Object.keys(source)) {
            const item = readSafely(() => source[key]);
            if (item !== undefined) {
                result[key] = toPlain(item);
            }
        }
        return result;
    }
    // undefined, functions, symbols and bigints.
    return null;
}

export function plainProps(props: Record<string, unknown> | undefined): PlainObject {
    const plain = toPlain(props ?? {});
    return isObject(plain) ? plain : {};
}

export function isObject(value: Plain | undefined): value is PlainObject {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows a property path; `UNKNOWN` as soon as any step is unknown, `undefined` when absent. */
export function at(value: Plain | undefined, ...path: string[]): Plain | undefined {
    let current: Plain | undefined = value;
    for (const key of path) {
        if (current === UNKNOWN) {
            return UNKNOWN;
        }
        if (!isObject(current)) {
            return undefined;
        }
        current = current[key];
    }
    return current === null ? undefined : current;
}

export function str(value: Plain | undefined): string | Unknown | undefined {
    if (value === UNKNOWN || typeof value === "string") {
        return value;
    }
    return undefined;
}

export function bool(value: Plain | undefined): boolean | Unknown | undefined {
    if (value === UNKNOWN || typeof value === "boolean") {
        return value;
    }
    return undefined;
}

/** Numbers may arrive as numbers or, from string-typed fields such as filter bounds, as strings. */
export function num(value: Plain | undefined): number | Unknown | undefined {
    if (value === UNKNOWN || typeof value === "number") {
        return value;
    }
    if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
        return Number(value);
    }
    return undefined;
}

export function list(value: Plain | undefined): Plain[] | Unknown | undefined {
    if (value === UNKNOWN || Array.isArray(value)) {
        return value;
    }
    return undefined;
}

/** A value IAM accepts either as one item or as a list of items. */
export function oneOrMany(value: Plain | undefined): Plain[] | Unknown {
    if (value === UNKNOWN) {
        return UNKNOWN;
    }
    if (value === undefined || value === null) {
        return [];
    }
    return Array.isArray(value) ? value : [value];
}

/** A validation that only runs for the given type tokens, with preview-safe plain properties. */
export function validateTypes(
    types: string | readonly string[],
    validate: (props: PlainObject, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
    const accepted = typeof types === "string" ? [types] : [...types];
    const validation: ResourceValidation & { __pulumiType?: string } = (args, reportViolation) => {
        if (!accepted.includes(args.type)) {
            return;
        }
        validate(plainProps(args.props), args, reportViolation);
    };
    // The analyzer skips a policy without calling it when a single validation names its type.
    if (accepted.length === 1) {
        validation.__pulumiType = accepted[0];
    }
    return validation;
}

/** The provider's region when the resource has no `region` argument: stands for all such resources. */
export const DEFAULT_REGION = "(provider default region)";

/** A resource of the stack with plain properties, its options and its links to other resources. */
export interface StackResource {
    type: string;
    urn: string;
    name: string;
    props: PlainObject;
    protect: boolean;
    providerProps?: PlainObject;
    /** URNs this resource depends on, explicitly or through its inputs. */
    dependencies: Set<string>;
    /** URNs each input property depends on. */
    propertyDependencies: Map<string, Set<string>>;
}

function providerProps(provider: PolicyProviderResource | undefined): PlainObject | undefined {
    return provider ? plainProps(provider.props) : undefined;
}

/** Plain copies of the stack's resources of the given types (all when `types` is omitted). */
export function stackResources(args: StackValidationArgs, types?: readonly string[]): StackResource[] {
    const wanted = types ? new Set(types) : undefined;
    return args.resources
        .filter((r: PolicyResource) => !wanted || wanted.has(r.type))
        .map((r: PolicyResource) => {
            const propertyDependencies = new Map<string, Set<string>>();
            for (const [key, deps] of Object.entries(r.propertyDependencies)) {
                propertyDependencies.set(key, new Set(deps.map((d) => d.urn)));
            }
            return {
                type: r.type,
                urn: r.urn,
                name: r.name,
                props: plainProps(r.props),
                protect: r.opts.protect,
                providerProps: providerProps(r.provider),
                dependencies: new Set(r.dependencies.map((d) => d.urn)),
                propertyDependencies,
            };
        });
}

/**
 * The region a resource is managed in: its own `region` argument, else its provider's region, else
 * the one default region shared by every resource that names none. `UNKNOWN` while any of them is.
 */
export function regionOf(props: PlainObject, provider?: PlainObject): string | Unknown {
    const own = str(at(props, "region"));
    if (own !== undefined && own !== "") {
        return own;
    }
    const fromProvider = provider ? str(at(provider, "region")) : undefined;
    if (fromProvider !== undefined && fromProvider !== "") {
        return fromProvider;
    }
    return DEFAULT_REGION;
}

export function regionOfResource(r: StackResource): string | Unknown {
    return regionOf(r.props, r.providerProps);
}

export function sameRegion(a: string | Unknown, b: string | Unknown): Tri {
    if (a === UNKNOWN || b === UNKNOWN) {
        return "maybe";
    }
    return a === b ? "yes" : "no";
}

/** URNs an input property of `r` depends on, or, when the engine gave none per property, all of them. */
export function dependenciesOf(r: StackResource, property: string): Set<string> {
    const byProperty = r.propertyDependencies.get(property);
    return byProperty && byProperty.size > 0 ? byProperty : r.dependencies;
}

/** An answer that stays open while a value is unknown. */
export type Tri = "yes" | "no" | "maybe";

// ------------------------------------------------------------------------------------------------
// IAM policy documents
// ------------------------------------------------------------------------------------------------

export type PolicyDocumentRead =
    | { kind: "absent" }
    | { kind: "unknown" }
    | { kind: "invalid"; reason: string }
    | { kind: "document"; statements: PlainObject[] };

/** Reads a policy given as a JSON string (or, for some resources, as an object). */
export function readPolicyDocument(value: Plain | undefined): PolicyDocumentRead {
    if (value === undefined || value === null || value === "") {
        return { kind: "absent" };
    }
    // An unknown value needs no test of its own: its Statement reads as unknown below.
    let document: Plain;
    if (typeof value === "string") {
        try {
            document = toPlain(JSON.parse(value));
        } catch (e) {
            return { kind: "invalid", reason: `not valid JSON (${e instanceof Error ? e.message : e})` };
        }
    } else {
        document = value;
    }
    const statements = oneOrMany(at(document, "Statement"));
    if (statements === UNKNOWN) {
        return { kind: "unknown" };
    }
    if (!isObject(document) || !statements.every(isObject)) {
        return { kind: "invalid", reason: "Statement must be an object or a list of objects" };
    }
    return { kind: "document", statements };
}

function lowerStrings(value: Plain | undefined): string[] | Unknown {
    const items = oneOrMany(value);
    if (items === UNKNOWN || items.some(isUnknown)) {
        return UNKNOWN;
    }
    return items.filter((i): i is string => typeof i === "string").map((i) => i.toLowerCase());
}

export function statementEffect(statement: PlainObject): string | Unknown | undefined {
    return str(at(statement, "Effect"));
}

/** Whether the statement's principal is everyone: `"*"` or `{"AWS": "*"}`. */
export function hasWildcardPrincipal(statement: PlainObject): Tri {
    const principal = at(statement, "Principal");
    if (principal === UNKNOWN) {
        return "maybe";
    }
    if (principal === "*") {
        return "yes";
    }
    // A principal that is not an object has no AWS key: at() gives undefined, so the answer is "no".
    const aws = lowerStrings(at(principal, "AWS"));
    if (aws === UNKNOWN) {
        return "maybe";
    }
    return aws.includes("*") ? "yes" : "no";
}

/** The service principals the statement names. */
export function servicePrincipals(statement: PlainObject): string[] | Unknown {
    // UNKNOWN when the principal is; [] when it is not an object ("*", an ARN) or names no service.
    return lowerStrings(at(statement, "Principal", "Service"));
}

/** The statement's actions, lower-cased. */
export function statementActions(statement: PlainObject): string[] | Unknown {
    return lowerStrings(at(statement, "Action"));
}

/** Condition keys of the statement (lower-cased) mapped to their values, whatever the operator. */
export function conditionKeys(statement: PlainObject): Map<string, Plain> | Unknown {
    const condition = at(statement, "Condition");
    if (condition === UNKNOWN) {
        return UNKNOWN;
    }
    const keys = new Map<string, Plain>();
    if (!isObject(condition)) {
        return keys;
    }
    for (const operator of Object.values(condition)) {
        if (operator === UNKNOWN) {
            return UNKNOWN;
        }
        if (isObject(operator)) {
            for (const [key, value] of Object.entries(operator)) {
                keys.set(key.toLowerCase(), value);
            }
        }
    }
    return keys;
}
