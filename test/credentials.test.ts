import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sourceCredentials } from "../stacks/organization";
import { plan } from "./helpers/plan";

describe("credentials: aws:profile reaches every AWS caller", () => {
    it("is passed to both explicit providers, which read no aws: stack config themselves", async () => {
        const planned = await plan("dev", { configOverrides: { "aws:profile": "security-deployer" } });
        const providers = planned.resources.filter((r) => r.type === "pulumi:providers:aws");
        assert.deepEqual(providers.map((p) => p.name).sort(), ["management", "security"]);
        for (const provider of providers)
            assert.equal(provider.inputs.profile, "security-deployer", provider.name);
        const without = await plan("dev");
        for (const provider of without.resources.filter((r) => r.type === "pulumi:providers:aws")) {
            assert.equal(provider.inputs.profile, undefined, provider.name);
        }
    });

    it("is what discovery assumes the management role from", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aws-profile-"));
        const credentialsFile = path.join(dir, "credentials");
        fs.writeFileSync(
            credentialsFile,
            "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = default\n\n" +
                "[security-deployer]\naws_access_key_id = AKIADEPLOYER\naws_secret_access_key = deployer\n",
        );
        fs.writeFileSync(path.join(dir, "config"), "");
        const saved = { ...process.env };
        process.env.AWS_SHARED_CREDENTIALS_FILE = credentialsFile;
        process.env.AWS_CONFIG_FILE = path.join(dir, "config");
        try {
            const provider = sourceCredentials("security-deployer");
            assert.ok(provider !== undefined);
            const credentials = await provider();
            assert.equal(credentials.accessKeyId, "AKIADEPLOYER");
            assert.equal(credentials.secretAccessKey, "deployer");
            // No profile: the SDK's own default chain decides (environment, AWS_PROFILE, ...).
            assert.equal(sourceCredentials(undefined), undefined);
        } finally {
            process.env = saved;
        }
    });
});
