import { strict as assert } from "node:assert";
import * as aws from "@pulumi/aws";
import { Runtime as SdkRuntime } from "@aws-sdk/client-lambda";
import {
    BUNDLE_TARGET,
    LAMBDA_RUNTIME,
    NODE_RUNTIME_SCHEDULE,
    runtimeSchedule,
} from "../components/lambda-runtime";
import type { PlanDocument } from "../tools/plan-runtime";
import { ofType, plan } from "./helpers/plan";

const FUNCTION = "aws:lambda/function:Function";
const DAY = /^\d{4}-\d{2}-\d{2}$/;

describe("the functions' Lambda runtime", () => {
    let plans: PlanDocument[];
    before(async () => {
        plans = [await plan("dev"), await plan("prod")];
    });

    it("is the chosen runtime for every function either stack plans", () => {
        for (const planned of plans) {
            const functions = ofType(planned, FUNCTION);
            // dev and prod plan the enrollment, coverage, response and drill functions (or some of them).
            assert.ok(functions.length >= 2, `${planned.stack}: ${functions.length} functions`);
            for (const fn of functions) {
                assert.equal(fn.inputs.runtime, "nodejs24.x", `${planned.stack} ${fn.name}`);
            }
        }
    });

    it("is not past the day Lambda deprecates it", () => {
        // Deprecated, a runtime gets no more security patches (Lambda guide, runtime deprecation policy), weeks
        // before creating functions with it is blocked: a security tool moves before, not after.
        const row = runtimeSchedule(LAMBDA_RUNTIME);
        const today = new Date().toISOString().slice(0, 10);
        assert.ok(
            today < row.deprecation,
            `${LAMBDA_RUNTIME}: deprecated from ${row.deprecation} (function create blocked from ${row.blockCreate}); move to a newer runtime`,
        );
    });

    it("keeps the guide's table as consistent dates, newest runtime first", () => {
        for (const row of NODE_RUNTIME_SCHEDULE) {
            for (const day of [row.deprecation, row.blockCreate, row.blockUpdate]) assert.match(day, DAY);
            assert.ok(row.deprecation < row.blockCreate, row.runtime);
            assert.ok(row.blockCreate < row.blockUpdate, row.runtime);
            assert.equal(row.runtime, `nodejs${row.nodeMajor}.x`);
        }
        const majors = NODE_RUNTIME_SCHEDULE.map((row) => row.nodeMajor);
        assert.deepEqual(
            majors,
            [...majors].sort((a, b) => b - a),
        );
        assert.throws(() => runtimeSchedule("nodejs26.x"), /nodejs26\.x: not in the table/);
    });

    it("is a value the pinned provider and the SDK's Lambda model both know", () => {
        assert.ok((Object.values(aws.lambda.Runtime) as string[]).includes(LAMBDA_RUNTIME));
        assert.ok((Object.values(SdkRuntime) as string[]).includes(LAMBDA_RUNTIME));
    });

    it("has the bundles compiled for its own Node major", () => {
        assert.equal(BUNDLE_TARGET, "node24");
    });
});
