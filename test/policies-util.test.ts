import * as assert from "node:assert/strict";
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import {
    DEFAULT_REGION,
    UNKNOWN,
    at,
    bool,
    conditionKeys,
    dependenciesOf,
    hasWildcardPrincipal,
    list,
    num,
    oneOrMany,
    readPolicyDocument,
    regionOf,
    sameRegion,
    servicePrincipals,
    stackResources,
    statementActions,
    str,
    toPlain,
    validateTypes,
} from "../policies/util";

/**
 * The pack's shared readers, directly: every policy decides through them, so a reader that turns an
 * unknown value into a known one, or an absent value into a present one, lets a preview pass or fail
 * for the wrong reason in every policy at once.
 */

/** What @pulumi/policy's property proxy throws on an unknown value: an Error carrying this field. */
function unknownValueError(): Error {
    return Object.assign(new Error("unknown"), {
        unknownTypeSentinel: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    });
}

function throwing(error: unknown): Record<string, unknown> {
    return Object.defineProperty({ known: "yes" }, "pending", {
        enumerable: true,
        get() {
            throw error;
        },
    });
}

describe("pack readers (policies/util.ts)", () => {
    describe("toPlain", () => {
        it("turns the proxy's unknown-value error into UNKNOWN, in objects and in lists", () => {
            assert.deepEqual(toPlain(throwing(unknownValueError())), { known: "yes", pending: UNKNOWN });
            const items = new Proxy(["a", "b"], {
                get(target, key) {
                    if (key === "1") {
                        throw unknownValueError();
                    }
                    return Reflect.get(target, key) as unknown;
                },
            });
            assert.deepEqual(toPlain(items), ["a", UNKNOWN]);
            assert.equal(toPlain(UNKNOWN), UNKNOWN);
        });

        it("lets every other error through: a bug is not an unknown value", () => {
            assert.throws(() => toPlain(throwing(new Error("boom"))), /boom/);
            // The sentinel on something that is not an Error, and an Error without the sentinel.
            assert.throws(
                () => toPlain(throwing({ unknownTypeSentinel: "x" })),
                (e: unknown) => typeof e === "object" && e !== null && "unknownTypeSentinel" in e,
            );
            assert.throws(() => toPlain(throwing(new TypeError("no sentinel"))), TypeError);
        });

        it("maps null to null, drops undefined keys and keeps known scalars", () => {
            assert.equal(toPlain(null), null);
            assert.equal(toPlain(undefined), null);
            assert.deepEqual(toPlain({ a: undefined, b: null, c: 0, d: false, e: "" }), {
                b: null,
                c: 0,
                d: false,
                e: "",
            });
            assert.deepEqual(toPlain([1, null, [true]]), [1, null, [true]]);
        });

        it("maps values that are neither data nor objects to null", () => {
            assert.equal(
                toPlain(() => 1),
                null,
            );
            assert.equal(toPlain(Symbol("s")), null);
        });
    });

    describe("at, str, bool, num, list, oneOrMany", () => {
        it("at: absent, null and non-object steps are undefined; an unknown step is UNKNOWN", () => {
            const value = toPlain({ a: { b: null, c: "x" }, u: UNKNOWN, s: "text" });
            assert.equal(at(value, "a", "b"), undefined);
            assert.equal(at(value, "a", "c"), "x");
            assert.equal(at(value, "a", "missing", "deeper"), undefined);
            assert.equal(at(value, "s", "length"), undefined);
            assert.equal(at(value, "u", "anything"), UNKNOWN);
            assert.equal(at(null, "a"), undefined);
        });

        it("str and bool accept only their own type or UNKNOWN", () => {
            assert.equal(str("x"), "x");
            assert.equal(str(""), "");
            assert.equal(str(UNKNOWN), UNKNOWN);
            assert.equal(str(5), undefined);
            assert.equal(str(true), undefined);
            assert.equal(bool(false), false);
            assert.equal(bool(UNKNOWN), UNKNOWN);
            assert.equal(bool("true"), undefined);
            assert.equal(bool(1), undefined);
        });

        it("num accepts numbers and numeric strings, nothing blank, infinite or boolean", () => {
            assert.equal(num(7), 7);
            assert.equal(num(UNKNOWN), UNKNOWN);
            assert.equal(num("8"), 8);
            assert.equal(num(" 9 "), 9);
            assert.equal(num(""), undefined);
            assert.equal(num("   "), undefined);
            assert.equal(num("seven"), undefined);
            assert.equal(num("Infinity"), undefined);
            assert.equal(num(true), undefined);
            assert.equal(num(null), undefined);
        });

        it("list accepts only lists or UNKNOWN; oneOrMany wraps one item and empties null", () => {
            assert.deepEqual(list(["a"]), ["a"]);
            assert.equal(list(UNKNOWN), UNKNOWN);
            assert.equal(list("a"), undefined);
            assert.deepEqual(oneOrMany("a"), ["a"]);
            assert.deepEqual(oneOrMany(["a", "b"]), ["a", "b"]);
            assert.deepEqual(oneOrMany(undefined), []);
            assert.deepEqual(oneOrMany(null), []);
            assert.equal(oneOrMany(UNKNOWN), UNKNOWN);
        });
    });

    describe("validateTypes", () => {
        const args = (type: string) =>
            ({ type, props: { a: 1 } }) as unknown as Parameters<typeof validation>[0];
        const seen: string[] = [];
        const validation = validateTypes(["t:a", "t:b"], (props, a) =>
            seen.push(`${a.type}:${String(props.a)}`),
        );

        it("runs only for the named types, with plain properties", () => {
            seen.length = 0;
            void validation(args("t:a"), () => undefined);
            void validation(args("t:c"), () => undefined);
            void validation(args("t:b"), () => undefined);
            assert.deepEqual(seen, ["t:a:1", "t:b:1"]);
        });

        it("names its one type to the analyzer, which then skips other resources without calling it", () => {
            const single = validateTypes("t:only", () => undefined) as { __pulumiType?: string };
            assert.equal(single.__pulumiType, "t:only");
            assert.equal((validation as { __pulumiType?: string }).__pulumiType, undefined);
        });
    });

    describe("regions and dependencies", () => {
        it("regionOf: the resource's own region, else its provider's, else the shared default", () => {
            assert.equal(regionOf({ region: "eu-west-1" }, { region: "us-east-1" }), "eu-west-1");
            assert.equal(regionOf({ region: "" }, { region: "us-east-1" }), "us-east-1");
            assert.equal(regionOf({}, { region: "" }), DEFAULT_REGION);
            assert.equal(regionOf({}), DEFAULT_REGION);
            assert.equal(regionOf({ region: UNKNOWN }, { region: "us-east-1" }), UNKNOWN);
            assert.equal(regionOf({}, { region: UNKNOWN }), UNKNOWN);
        });

        it("sameRegion stays open while either side is unknown", () => {
            assert.equal(sameRegion("a", "a"), "yes");
            assert.equal(sameRegion("a", "b"), "no");
            assert.equal(sameRegion(UNKNOWN, "a"), "maybe");
            assert.equal(sameRegion("a", UNKNOWN), "maybe");
        });

        const resource = (type: string, urn: string, deps: string[], byProperty: Record<string, string[]>) =>
            ({
                type,
                urn,
                name: urn,
                props: { region: "eu-west-1" },
                opts: { protect: true },
                provider: { props: { region: "us-east-1" } },
                dependencies: deps.map((d) => ({ urn: d })),
                propertyDependencies: Object.fromEntries(
                    Object.entries(byProperty).map(([k, v]) => [k, v.map((d) => ({ urn: d }))]),
                ),
            }) as unknown as PolicyResource;

        it("stackResources keeps the wanted types with their options, provider and links", () => {
            const args = {
                resources: [
                    resource("t:a", "urn:a", ["urn:x", "urn:y"], { bucket: ["urn:x"], empty: [] }),
                    resource("t:b", "urn:b", [], {}),
                ],
            } as unknown as StackValidationArgs;
            const all = stackResources(args);
            assert.deepEqual(
                all.map((r) => r.urn),
                ["urn:a", "urn:b"],
            );
            const [a] = stackResources(args, ["t:a"]);
            assert.equal(stackResources(args, ["t:a"]).length, 1);
            assert.equal(a.protect, true);
            assert.deepEqual(a.providerProps, { region: "us-east-1" });
            assert.deepEqual([...a.dependencies], ["urn:x", "urn:y"]);
            assert.deepEqual([...(a.propertyDependencies.get("bucket") ?? [])], ["urn:x"]);
            assert.deepEqual([...dependenciesOf(a, "bucket")], ["urn:x"]);
            // No per-property answer, or an empty one: every dependency of the resource.
            assert.deepEqual([...dependenciesOf(a, "empty")], ["urn:x", "urn:y"]);
            assert.deepEqual([...dependenciesOf(a, "other")], ["urn:x", "urn:y"]);
        });
    });

    describe("IAM policy documents", () => {
        it("readPolicyDocument: absent, unknown, invalid and documents", () => {
            for (const absent of [undefined, null, ""]) {
                assert.deepEqual(readPolicyDocument(absent), { kind: "absent" });
            }
            assert.deepEqual(readPolicyDocument(UNKNOWN), { kind: "unknown" });
            assert.deepEqual(readPolicyDocument({ Statement: UNKNOWN }), { kind: "unknown" });
            const bad = readPolicyDocument("{not json");
            assert.equal(bad.kind, "invalid");
            assert.match(bad.kind === "invalid" ? bad.reason : "", /^not valid JSON \(.+\)$/);
            const invalid = { kind: "invalid", reason: "Statement must be an object or a list of objects" };
            assert.deepEqual(readPolicyDocument("[1]"), invalid);
            assert.deepEqual(
                readPolicyDocument(JSON.stringify({ Statement: [{ Effect: "Deny" }, "x"] })),
                invalid,
            );
            assert.deepEqual(readPolicyDocument(JSON.stringify({ Statement: { Effect: "Deny" } })), {
                kind: "document",
                statements: [{ Effect: "Deny" }],
            });
            assert.deepEqual(readPolicyDocument({ Statement: [{ Effect: "Allow" }, { Effect: "Deny" }] }), {
                kind: "document",
                statements: [{ Effect: "Allow" }, { Effect: "Deny" }],
            });
            assert.deepEqual(readPolicyDocument({ Version: "2012-10-17" }), {
                kind: "document",
                statements: [],
            });
        });

        it("hasWildcardPrincipal: only '*' or AWS '*' is everyone; unknown stays open", () => {
            assert.equal(hasWildcardPrincipal({ Principal: "*" }), "yes");
            assert.equal(hasWildcardPrincipal({ Principal: { AWS: "*" } }), "yes");
            assert.equal(hasWildcardPrincipal({ Principal: { AWS: ["arn:aws:iam::1:root", "*"] } }), "yes");
            assert.equal(hasWildcardPrincipal({ Principal: { AWS: "arn:aws:iam::1:root" } }), "no");
            assert.equal(hasWildcardPrincipal({ Principal: { Service: "*" } }), "no");
            assert.equal(hasWildcardPrincipal({ Principal: "arn:aws:iam::1:root" }), "no");
            assert.equal(hasWildcardPrincipal({}), "no");
            assert.equal(hasWildcardPrincipal({ Principal: UNKNOWN }), "maybe");
            assert.equal(hasWildcardPrincipal({ Principal: { AWS: UNKNOWN } }), "maybe");
            assert.equal(hasWildcardPrincipal({ Principal: { AWS: ["x", UNKNOWN] } }), "maybe");
        });

        it("servicePrincipals and statementActions lower-case strings and skip the rest", () => {
            assert.deepEqual(servicePrincipals({ Principal: { Service: ["S3.amazonaws.com", 5] } }), [
                "s3.amazonaws.com",
            ]);
            assert.deepEqual(servicePrincipals({ Principal: "*" }), []);
            assert.deepEqual(servicePrincipals({}), []);
            assert.equal(servicePrincipals({ Principal: UNKNOWN }), UNKNOWN);
            assert.equal(servicePrincipals({ Principal: { Service: UNKNOWN } }), UNKNOWN);
            assert.deepEqual(statementActions({ Action: "S3:GetObject" }), ["s3:getobject"]);
            assert.equal(statementActions({ Action: ["s3:*", UNKNOWN] }), UNKNOWN);
        });

        it("conditionKeys: every operator's keys, lower-cased; unknown anywhere stays unknown", () => {
            const keys = conditionKeys({
                Condition: {
                    StringEquals: { "AWS:SourceAccount": "1" },
                    Bool: { "aws:SecureTransport": "false" },
                },
            });
            assert.deepEqual(keys === UNKNOWN ? keys : [...keys.entries()], [
                ["aws:sourceaccount", "1"],
                ["aws:securetransport", "false"],
            ]);
            assert.deepEqual(conditionKeys({}), new Map());
            assert.deepEqual(conditionKeys({ Condition: "text" }), new Map());
            assert.deepEqual(conditionKeys({ Condition: { StringEquals: "not an object" } }), new Map());
            assert.equal(conditionKeys({ Condition: UNKNOWN }), UNKNOWN);
            assert.equal(conditionKeys({ Condition: { StringEquals: UNKNOWN } }), UNKNOWN);
        });
    });
});
