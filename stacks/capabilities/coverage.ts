import { CoverageFunction } from "../../components/coverage-function";
import type { FindingsExport } from "../../components/findings-export";
import type { FindingNotifications } from "../../components/notifications";
import { coverageExpectation } from "../coverage";
import type { StackContext } from "./context";

/**
 * The proof a security team owes its auditors: which accounts every service covers, read hourly by a
 * read-only function and left in the findings bucket, with metrics and an alert when coverage drops.
 */
export function reportCoverage(
    { config, providers }: StackContext,
    findingsExport: FindingsExport,
    notifications: FindingNotifications,
): CoverageFunction {
    return new CoverageFunction(
        "coverage",
        {
            securityAccountId: config.accounts.securityAdmin,
            homeRegion: config.homeRegion,
            expectation: coverageExpectation(config),
            bucketName: findingsExport.bucketName,
            bucketKeyArn: findingsExport.keyArn,
            topicArn: notifications.topicArn,
            topicKeyArn: notifications.keyArn,
        },
        { provider: providers.security },
    );
}
