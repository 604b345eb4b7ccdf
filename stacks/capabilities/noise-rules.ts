import { NoiseRules } from "../../components/noise-rules";
import { offeredIn } from "../availability";
import type { Administrators } from "./administrators";
import type { StackContext } from "./context";
import type { ServiceOrganizations } from "./service-organizations";

/**
 * The config's noise rules as Security Hub, Inspector and Macie filters, in the regions each service is
 * governed in and after its organization configuration. Nothing when the config has none.
 */
export function suppressNoise(
    { config, providers }: StackContext,
    { inspectorAdmin, macieAdmin }: Administrators,
    { securityHub, securityHubV2, macieOrganization }: ServiceOrganizations,
): void {
    const { regions, homeRegion } = config;
    if (config.noiseRules.length > 0) {
        new NoiseRules(
            "noise",
            {
                regions: {
                    securityhub: offeredIn("securityhub", regions),
                    inspector: inspectorAdmin ? Object.keys(inspectorAdmin.enablers) : [],
                    macie: macieAdmin ? Object.keys(macieAdmin.accounts) : [],
                },
                rules: config.noiseRules,
                securityHubV2: securityHubV2 ? { homeRegion, after: securityHubV2.ready } : undefined,
                after: {
                    securityhub: [securityHub],
                    inspector: inspectorAdmin ? [inspectorAdmin] : [],
                    macie: macieOrganization ? [macieOrganization] : [],
                },
            },
            { provider: providers.security },
        );
    }
}
