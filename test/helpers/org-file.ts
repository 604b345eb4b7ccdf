import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateOrganization } from "../../tools/org-fixture";

/**
 * A dev-shaped organization of 12 accounts written as an `--org` file whose root `r-ab12` has exactly
 * `policyTypes` enabled; `remove` deletes it.
 */
export function orgFileWithPolicyTypes(policyTypes: string[]): {
    file: string;
    organizationId: string;
    remove(): void;
} {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "org-policy-types-"));
    const org = generateOrganization(12, { management: "111111111111", securityAdmin: "222222222222" });
    const file = path.join(dir, "org.json");
    fs.writeFileSync(
        file,
        JSON.stringify({
            Accounts: org.accounts,
            OrganizationId: org.organizationId,
            RootId: "r-ab12",
            PolicyTypes: policyTypes,
        }),
    );
    return {
        file,
        organizationId: org.organizationId,
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}
