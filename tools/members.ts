/**
 * `npm run members -- --stack NAME [--service macie|detective] [--region REGION] [--remove]`: the one way this
 * project removes Macie or Detective members, run on purpose with the user's own credentials (those of the
 * security account). It removes only accounts the stack excludes (`<service>.excludedAccounts`), and only once
 * the deployed enrollment function excludes them too, so the next scheduled run does not enroll them again.
 * Without --remove it lists what it would remove and changes nothing. Exit 0 when everything asked for is
 * done (or would be), 1 when an account is held, refused or a region could not be read, 2 for a mistake in
 * the input or the wrong credentials.
 */
import { DetectiveClient } from "@aws-sdk/client-detective";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { Macie2Client } from "@aws-sdk/client-macie2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import {
    detectiveGraphArn,
    detectiveService,
    macieService,
    type MemberService,
} from "../functions/enrollment/adapters";
import type { ReconciledService } from "../functions/enrollment/reconcile";
import {
    planRemoval,
    removeDetectiveMembers,
    removeMacieMembers,
    type RemovalOutcome,
} from "../functions/enrollment/removal";
import { ENROLLMENT_FUNCTION_NAME, type EnrollmentSettings } from "../functions/enrollment/run-enrollment";
import { reasonOf, Run } from "../functions/shared/run";
import { offeredIn } from "../stacks/availability";
import type { StackConfig } from "../stacks/config";
import { parseStackFile, readStackFile } from "./stack-file";
import {
    checkCallerAccount,
    readCommandInput,
    runFromCommandLine,
    UsageError,
    type CommandOutput,
} from "./aws-command";

export const USAGE =
    "usage: npm run members -- --stack NAME [--service macie|detective] [--region REGION] [--remove]";

const SERVICES: readonly ReconciledService[] = ["macie", "detective"];
/** Six hours stops a local run that hangs; removals are few. */
const LOCAL_RUN_MS = 6 * 60 * 60 * 1000;

export type MembersOutput = CommandOutput;

/** The clients the command uses; tests pass mocked ones, users get the SDK's own. */
export interface MembersClients {
    sts(): STSClient;
    lambda(): LambdaClient;
    macie(region: string): Macie2Client;
    detective(region: string): DetectiveClient;
}

export interface MembersCommandOptions {
    stackDir?: string;
    credentials?: AwsCredentialIdentityProvider;
    clients?: MembersClients;
}

interface Flags {
    stack: string;
    service?: ReconciledService;
    region?: string;
    remove: boolean;
}

function parseFlags(argv: string[]): Flags | "help" {
    const flags: Partial<Flags> = { remove: false };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        if (flag === "--help" || flag === "-h") return "help";
        if (flag === "--remove") {
            flags.remove = true;
            continue;
        }
        if (flag !== "--stack" && flag !== "--service" && flag !== "--region") {
            throw new UsageError(
                `${flag}: unknown flag; expected one of --stack NAME, --service macie|detective, --region REGION, --remove, --help`,
            );
        }
        const value = argv[++i];
        if (value === undefined || value.startsWith("--"))
            throw new UsageError(`${flag} needs a value; ${USAGE}`);
        if (flag === "--stack") flags.stack = value;
        else if (flag === "--region") flags.region = value;
        else if (value === "macie" || value === "detective") flags.service = value;
        else
            throw new UsageError(`--service ${value}: expected macie or detective (the services it enrolls)`);
    }
    if (flags.stack === undefined) throw new UsageError(`--stack NAME is required; ${USAGE}`);
    return flags as Flags;
}

/** The service and regions to visit, or the one-line reason the flags ask for something the stack lacks. */
function targets(config: StackConfig, flags: Flags): { service: ReconciledService; regions: string[] }[] {
    const chosen = flags.service === undefined ? SERVICES.filter((s) => config[s].enabled) : [flags.service];
    if (flags.service !== undefined && !config[flags.service].enabled) {
        throw new UsageError(
            `--service ${flags.service}: ${flags.service}.enabled is false in stack ${flags.stack}`,
        );
    }
    return chosen.map((service) => {
        const regions = offeredIn(service, config.regions);
        if (flags.region !== undefined && !regions.includes(flags.region)) {
            throw new UsageError(
                `--region ${flags.region}: expected a governed region where ${service} runs: ${regions.join(", ")}`,
            );
        }
        return { service, regions: flags.region === undefined ? regions : [flags.region] };
    });
}

/**
 * What the deployed enrollment function excludes, per service; undefined when no function is deployed, so
 * nothing would enroll a removed account again. Any other failure to read it stops the command.
 */
async function deployedExclusions(
    lambda: LambdaClient,
): Promise<Partial<Record<ReconciledService, string[]>> | undefined> {
    try {
        const fn = await lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: ENROLLMENT_FUNCTION_NAME }),
        );
        const text = fn.Environment?.Variables?.ENROLLMENT_SETTINGS;
        if (text === undefined) return {};
        return (JSON.parse(text) as EnrollmentSettings).excluded ?? {};
    } catch (error) {
        if (error instanceof Error && error.name === "ResourceNotFoundException") return undefined;
        throw error;
    }
}

/** A service's members in a region, and how to remove them there; undefined where Detective has no graph. */
async function openRegion(
    clients: MembersClients,
    service: ReconciledService,
    region: string,
    run: Run,
): Promise<{ members: MemberService; remove(ids: string[]): Promise<RemovalOutcome> } | undefined> {
    if (service === "macie") {
        const macie = clients.macie(region);
        return { members: macieService(macie, region), remove: (ids) => removeMacieMembers(macie, ids, run) };
    }
    const detective = clients.detective(region);
    const graph = await detectiveGraphArn(detective, run);
    if (graph === undefined) return undefined;
    return {
        members: detectiveService(detective, region, graph),
        remove: (ids) => removeDetectiveMembers(detective, graph, ids, run),
    };
}

export async function runMembersCommand(
    argv: string[],
    output: MembersOutput,
    options: MembersCommandOptions = {},
): Promise<number> {
    const input = readCommandInput(output, USAGE, () => {
        const parsed = parseFlags(argv);
        if (parsed === "help") return parsed;
        const config = parseStackFile(readStackFile(parsed.stack, options.stackDir));
        return { flags: parsed, config, plan: targets(config, parsed) };
    });
    if (typeof input === "number") return input;
    const { flags, config, plan } = input;
    const excludedOf = (service: ReconciledService) => config[service].excludedAccounts;
    if (plan.every(({ service }) => excludedOf(service).length === 0)) {
        output.stdout(
            `No account is excluded (${plan.map((p) => `${p.service}.excludedAccounts`).join(", ")}): nothing to remove.\n`,
        );
        return 0;
    }
    const credentials =
        options.credentials ?? (config.awsProfile ? fromIni({ profile: config.awsProfile }) : undefined);
    const base = { region: config.homeRegion, maxAttempts: 1, ...(credentials ? { credentials } : {}) };
    const clients: MembersClients = options.clients ?? {
        sts: () => new STSClient({ ...base, maxAttempts: 3 }),
        lambda: () => new LambdaClient({ ...base, maxAttempts: 3 }),
        macie: (region) => new Macie2Client({ ...base, region }),
        detective: (region) => new DetectiveClient({ ...base, region }),
    };
    const refused = await checkCallerAccount(
        async () => (await clients.sts().send(new GetCallerIdentityCommand({}))).Account,
        output,
        {
            command: "members",
            runsAs: "acts as",
            stack: flags.stack,
            securityAdmin: config.accounts.securityAdmin,
            profile: config.awsProfile,
        },
    );
    if (refused !== undefined) return refused;
    const deployed = await deployedExclusions(clients.lambda());
    if (deployed === undefined) {
        output.stderr(
            `No enrollment function is deployed (${ENROLLMENT_FUNCTION_NAME}): nothing enrolls a removed account again.\n`,
        );
    }
    const run = new Run({ deadlineMs: Date.now() + LOCAL_RUN_MS });
    let problems = 0;
    let pending = 0;
    for (const { service, regions } of plan) {
        for (const region of regions) {
            const where = `${service} ${region}`;
            try {
                output.stderr(`reading ${where}\n`);
                const handle = await openRegion(clients, service, region, run);
                if (handle === undefined) {
                    output.stdout(`${where}: no behavior graph, no members\n`);
                    continue;
                }
                const removal = planRemoval({
                    service,
                    members: await handle.members.listMembers(run),
                    excluded: excludedOf(service),
                    deployedExcluded: deployed === undefined ? undefined : (deployed[service] ?? []),
                });
                for (const gap of removal.held)
                    output.stdout(`${where} ${gap.accountId}: held: ${gap.reason}\n`);
                problems += removal.held.length;
                const ids = removal.remove.map((m) => m.accountId);
                if (!flags.remove) {
                    for (const m of removal.remove)
                        output.stdout(`${where} ${m.accountId}: would remove (${m.status})\n`);
                    pending += ids.length;
                    continue;
                }
                const outcome = await handle.remove(ids);
                for (const id of outcome.removed) output.stdout(`${where} ${id}: removed\n`);
                for (const gap of outcome.failed)
                    output.stdout(`${where} ${gap.accountId}: refused: ${gap.reason}\n`);
                problems += outcome.failed.length;
            } catch (error) {
                output.stdout(`${where}: not read: ${reasonOf(error)}\n`);
                problems++;
            }
        }
    }
    if (pending > 0)
        output.stdout(`\nDry run: nothing was changed. Run again with --remove to remove ${pending}.\n`);
    return problems > 0 ? 1 : 0;
}

if (require.main === module) runFromCommandLine(runMembersCommand);
