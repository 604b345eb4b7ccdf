import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

/*
 * The CloudFormation templates in iam/ are generated from the policy documents beside them, so that a template
 * can never drift from the JSON files the tests simulate: `node -r ts-node/register/transpile-only
 * test/helpers/iam-templates.ts --write` rewrites them, and test/iam-files.test.ts fails while they are stale.
 * A string holding a `${...}` variable becomes `Fn::Sub` (CloudFormation substitutes template parameters and
 * pseudo parameters such as AWS::Partition and AWS::AccountId in it); every other value is copied as is.
 */

export const IAM_DIR = path.join(__dirname, "..", "..", "iam");

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function readDocument(file: string): Json {
    return JSON.parse(fs.readFileSync(path.join(IAM_DIR, file), "utf8")) as Json;
}

/** A policy document as CloudFormation takes it: each string with a variable wrapped in Fn::Sub. */
export function withSub(value: Json): Json {
    if (typeof value === "string") return value.includes("${") ? { "Fn::Sub": value } : value;
    if (Array.isArray(value)) return value.map(withSub);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withSub(inner)]));
    }
    return value;
}

interface RoleSpec {
    logicalId: string;
    roleName: string;
    description: string;
    trust: string;
    /** One managed policy per file: each stays under IAM's 6,144-character limit for a managed policy. */
    policies: Record<string, string>;
}

interface TemplateSpec {
    description: string;
    parameters: Record<string, Json>;
    roles: RoleSpec[];
    oidcProvider: boolean;
}

const ACCOUNT_ID: Json = { Type: "String", AllowedPattern: "^\\d{12}$" };

export const TEMPLATES: Record<string, TemplateSpec> = {
    "security-account.template.yaml": {
        description:
            "security-governance: the deployer and preview roles of one environment's security account, trusted by GitHub Actions through OIDC (docs/permissions.md)",
        parameters: {
            GitHubRepository: {
                Type: "String",
                Description: "OWNER/REPO of the repository whose workflow deploys this environment",
                AllowedPattern: "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
            },
            DeployEnvironment: {
                Type: "String",
                Description: "The GitHub environment whose jobs may deploy this account (for example prod)",
                AllowedPattern: "^[A-Za-z0-9_.-]+$",
            },
            ManagementAccountId: {
                ...(ACCOUNT_ID as object),
                Description: "The organization's management account",
            },
            CreateGitHubOidcProvider: {
                Type: "String",
                Description:
                    "false when the account already has the token.actions.githubusercontent.com provider",
                AllowedValues: ["true", "false"],
                Default: "true",
            },
        },
        roles: [
            {
                logicalId: "DeployerRole",
                roleName: "SecurityGovernanceDeployer",
                description: "pulumi up of security-governance, from the protected GitHub environment only",
                trust: "deployer-trust.json",
                policies: {
                    DeployerDetectionPolicy: "deployer-detection.json",
                    DeployerStoragePolicy: "deployer-storage.json",
                    DeployerFunctionsPolicy: "deployer-functions.json",
                },
            },
            {
                logicalId: "PreviewRole",
                roleName: "SecurityGovernancePreview",
                description: "pulumi preview of security-governance on pull requests: read-only",
                trust: "preview-trust.json",
                policies: { PreviewReadPolicy: "preview-read.json" },
            },
        ],
        oidcProvider: true,
    },
    "management-account.template.yaml": {
        description:
            "security-governance: the management-account roles the security account's deployer and preview assume (docs/permissions.md)",
        parameters: {
            SecurityAccountId: {
                ...(ACCOUNT_ID as object),
                Description: "The security (delegated administrator) account of this organization",
            },
        },
        roles: [
            {
                logicalId: "ManagementRole",
                roleName: "SecurityGovernanceDeployer",
                description: "The management account's part of pulumi up: assumed by the deployer role only",
                trust: "management-trust.json",
                policies: { ManagementDeployPolicy: "management-deploy.json" },
            },
            {
                logicalId: "ReaderRole",
                roleName: "SecurityGovernanceReader",
                description: "Discovery and the management provider during preview: read-only",
                trust: "reader-trust.json",
                policies: { ReaderReadPolicy: "reader-read.json" },
            },
        ],
        oidcProvider: false,
    },
};

export function renderTemplate(name: string): string {
    const spec = TEMPLATES[name];
    const resources: Record<string, Json> = {};
    if (spec.oidcProvider) {
        resources.GitHubOidcProvider = {
            Type: "AWS::IAM::OIDCProvider",
            Condition: "CreateOidcProvider",
            Properties: {
                Url: "https://token.actions.githubusercontent.com",
                ClientIdList: ["sts.amazonaws.com"],
            },
        };
    }
    for (const role of spec.roles) {
        for (const [logicalId, file] of Object.entries(role.policies)) {
            resources[logicalId] = {
                Type: "AWS::IAM::ManagedPolicy",
                Properties: {
                    ManagedPolicyName: `${role.roleName}-${logicalId.replace(/Policy$/, "")}`,
                    Description: `iam/${file}`,
                    PolicyDocument: withSub(readDocument(file)),
                },
            };
        }
        resources[role.logicalId] = {
            Type: "AWS::IAM::Role",
            Properties: {
                RoleName: role.roleName,
                Description: role.description,
                MaxSessionDuration: 3600,
                AssumeRolePolicyDocument: withSub(readDocument(role.trust)),
                ManagedPolicyArns: Object.keys(role.policies).map((logicalId) => ({ Ref: logicalId })),
            },
        };
    }
    const outputs = Object.fromEntries(
        spec.roles.map((role) => [
            `${role.logicalId}Arn`,
            { Value: { "Fn::GetAtt": [role.logicalId, "Arn"] } },
        ]),
    );
    const template: Json = {
        AWSTemplateFormatVersion: "2010-09-09",
        Description: spec.description,
        Parameters: spec.parameters,
        ...(spec.oidcProvider
            ? {
                  Conditions: {
                      CreateOidcProvider: { "Fn::Equals": [{ Ref: "CreateGitHubOidcProvider" }, "true"] },
                  },
              }
            : {}),
        Resources: resources,
        Outputs: outputs,
    };
    const header = `# Generated from the JSON policy documents in iam/ by test/helpers/iam-templates.ts: edit those, then run\n# node -r ts-node/register/transpile-only test/helpers/iam-templates.ts --write\n`;
    return header + yaml.dump(template, { lineWidth: -1, noRefs: true, quotingType: '"' });
}

if (require.main === module && process.argv.includes("--write")) {
    for (const name of Object.keys(TEMPLATES)) {
        fs.writeFileSync(path.join(IAM_DIR, name), renderTemplate(name));
        console.log(`wrote iam/${name}`);
    }
}
