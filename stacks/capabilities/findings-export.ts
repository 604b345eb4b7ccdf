import { FindingsExport } from "../../components/findings-export";
import { accessLogRetention } from "../findings-export-config";
import type { ExportingService } from "../../components/policy-documents";
import { responderRoleArn, RESPONSES_PREFIX } from "../../components/response-function";
import type { Administrators } from "./administrators";
import type { StackContext } from "./context";

/** The export bucket and key GuardDuty (and Macie, when on) publish findings to, in the home region. */
export function exportFindings(
    { config, providers }: StackContext,
    { detectors }: Administrators,
): FindingsExport {
    const { accounts, regions, homeRegion } = config;
    const exportingServices: ExportingService[] = config.macie.enabled
        ? ["guardduty", "macie"]
        : ["guardduty"];
    return new FindingsExport(
        "findings",
        {
            securityAccountId: accounts.securityAdmin,
            homeRegion,
            regions,
            services: exportingServices,
            retentionDays: config.findingsExport.retentionDays,
            archiveAfterDays: config.findingsExport.archiveAfterDays,
            accessLogRetentionDays: accessLogRetention(config.findingsExport),
            kmsDeletionWindowDays: config.findingsExport.kmsDeletionWindowDays,
            protectData: config.findingsExport.protectData,
            keyPolicyDependsOn: [detectors.detectors[homeRegion]],
            objectLock: config.findingsExport.objectLock,
            // The responder's records: only its role may write them, whether or not it is deployed.
            records: {
                prefix: RESPONSES_PREFIX,
                writerArn: responderRoleArn(accounts.securityAdmin, homeRegion),
            },
        },
        { provider: providers.security },
    );
}
