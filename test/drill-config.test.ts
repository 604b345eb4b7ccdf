import { strict as assert } from "node:assert";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { deliveryBoundMinutes } from "../stacks/drill-config";
import { readStackConfigValues } from "../tools/plan-runtime";

/*
 * The drill section: its defaults, and one line naming the key, the value and what is allowed for each mistake.
 */

function problems(drill: unknown, extra: Record<string, unknown> = {}): string[] {
    try {
        parseStackConfig({ ...readStackConfigValues("dev"), "security-governance:drill": drill, ...extra });
        return [];
    } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.problems;
    }
}

describe("drill config", () => {
    it("defaults to on, weekly, of a type the responder's default ladder names, bound by the publishing frequency", () => {
        const config = parseStackConfig(readStackConfigValues("dev"));
        assert.deepEqual(config.drill, {
            enabled: true,
            findingType: "CryptoCurrency:EC2/BitcoinTool.B",
            schedule: "cron(0 9 ? * MON *)",
        });
        assert.equal(deliveryBoundMinutes(config.drill, "FIFTEEN_MINUTES"), 20);
        assert.equal(deliveryBoundMinutes(config.drill, "ONE_HOUR"), 65);
        assert.equal(deliveryBoundMinutes(config.drill, "SIX_HOURS"), 365);
        assert.equal(deliveryBoundMinutes({ ...config.drill, deliveryBoundMinutes: 30 }, "SIX_HOURS"), 30);
    });

    it("names the key, the value and what is allowed", () => {
        assert.deepEqual(problems({ findingType: "Crypto:EC2/Nothing" }).length, 1);
        assert.match(
            problems({ findingType: "Crypto:EC2/Nothing" })[0],
            /^security-governance:drill\.findingType = "Crypto:EC2\/Nothing": expected .*GuardDuty finding type/,
        );
        assert.deepEqual(problems({ schedule: "weekly" }), [
            'security-governance:drill.schedule = "weekly": expected an EventBridge schedule expression: cron(minutes hours day-of-month month day-of-week year) or rate(value unit), such as cron(0 9 ? * MON *)',
        ]);
        assert.deepEqual(problems({ deliveryBoundMinutes: 2 }), [
            "security-governance:drill.deliveryBoundMinutes = 2: expected at least 5 minutes: GuardDuty sends a new finding's event within 5 minutes",
        ]);
        assert.deepEqual(problems({ deliveryBoundMinutes: 7.5 }), [
            "security-governance:drill.deliveryBoundMinutes = 7.5: expected a whole number of minutes from 5 to 1440",
        ]);
        assert.deepEqual(problems({ enabled: "yes" }), [
            'security-governance:drill.enabled = "yes": expected true or false',
        ]);
        assert.match(problems({ enable: false })[0], /^security-governance:drill\.enable: unknown key/);
        assert.deepEqual(problems({ schedule: "rate(7 days)", deliveryBoundMinutes: 30 }), []);
    });
});
