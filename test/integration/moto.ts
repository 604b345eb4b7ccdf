import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

/*
 * One moto server (an AWS emulator, moto 5.2.1) for the whole test run, on a free loopback port, started on first
 * use and stopped when the process exits. The functions reach it through AWS_ENDPOINT_URL alone, as they would
 * reach AWS. Where moto differs from AWS's documentation, the tests say so; the code is never bent to it.
 */

export const MOTO_VERSION = "5.2.1";
export const INSTALL_HINT = `python3 -m pip install 'moto[server]==${MOTO_VERSION}'`;

let server: Promise<string> | undefined;
let child: ChildProcess | undefined;

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const probe = net.createServer();
        probe.once("error", reject);
        probe.listen(0, "127.0.0.1", () => {
            const address = probe.address();
            probe.close(() =>
                typeof address === "object" && address !== null
                    ? resolve(address.port)
                    : reject(new Error("no port")),
            );
        });
    });
}

/** One line naming the install command when python3 or moto's server is missing. */
export function checkInstalled(python = "python3"): void {
    const probe = spawnSync(python, ["-c", "import moto, flask, werkzeug; print(moto.__version__)"], {
        encoding: "utf8",
    });
    if (probe.error !== undefined || probe.status !== 0)
        throw new Error(`moto's server is not installed for python3: run ${INSTALL_HINT}`);
    const version = probe.stdout.trim();
    if (version !== MOTO_VERSION)
        throw new Error(
            `moto ${version} is installed; the suite is written against ${MOTO_VERSION}: run ${INSTALL_HINT}`,
        );
}

async function start(): Promise<string> {
    checkInstalled();
    const port = await freePort();
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "moto-")), "server.log");
    const out = fs.openSync(log, "a");
    // Never MOTO_ACCOUNT_ID: it would override the account of assumed-role credentials.
    const env = { ...process.env };
    delete env.MOTO_ACCOUNT_ID;
    child = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
        stdio: ["ignore", out, out],
        env,
    });
    child.unref();
    const running = child;
    process.once("exit", () => running.kill());
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
        if (running.exitCode !== null)
            throw new Error(
                `moto's server exited (${running.exitCode}): ${fs.readFileSync(log, "utf8").slice(-500)}`,
            );
        try {
            const answer = await fetch(`${endpoint}/moto-api/`);
            if (answer.ok) return endpoint;
        } catch {
            // Not listening yet.
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`moto's server did not answer on ${endpoint} within 30 s; its log: ${log}`);
}

/** The server's endpoint, starting it on first use. */
export function motoEndpoint(): Promise<string> {
    server ??= start();
    return server;
}
