import { strict as assert } from "node:assert";
import { checkInstalled, INSTALL_HINT, motoEndpoint } from "./moto";

describe("integration: the emulator", () => {
    it("without python3 or moto, the suite fails with one line naming the install command", () => {
        assert.throws(
            () => checkInstalled("python3-that-is-not-installed"),
            (error: Error) =>
                error.message === `moto's server is not installed for python3: run ${INSTALL_HINT}` &&
                !error.message.includes("\n"),
        );
        assert.equal(INSTALL_HINT, "python3 -m pip install 'moto[server]==5.2.1'");
    });

    it("is moto 5.2.1's server, on a loopback port", async function () {
        this.timeout(60_000);
        checkInstalled();
        assert.match(await motoEndpoint(), /^http:\/\/127\.0\.0\.1:\d+$/);
    });
});
