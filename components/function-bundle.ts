import { createHash } from "node:crypto";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { BUNDLE_TARGET } from "./lambda-runtime";

/** An in-account function's code, bundled at plan time. */
export interface FunctionBundle {
    /** The bundled CommonJS module, `index.js` of the deployment package. */
    code: string;
    /** SHA-256 of `code`, hex: changes exactly when the deployed code changes. */
    sha256: string;
}

const FUNCTIONS_DIR = path.join(__dirname, "..", "functions");
const cache = new Map<string, FunctionBundle>();

/**
 * Bundles `functions/<entry>.ts` with its pinned dependencies (the AWS SDK clients of package-lock.json, not
 * the ones a Lambda runtime happens to ship) into one file. esbuild's output depends only on its input and
 * options, so the same sources give the same bytes on every machine: the plan stays identical run to run.
 */
export function bundleFunction(entry: string): FunctionBundle {
    const cached = cache.get(entry);
    if (cached !== undefined) return cached;
    const result = buildSync({
        entryPoints: [path.join(FUNCTIONS_DIR, `${entry}.ts`)],
        bundle: true,
        platform: "node",
        // The deployed runtime's Node major (components/lambda-runtime.ts).
        target: BUNDLE_TARGET,
        format: "cjs",
        minify: true,
        legalComments: "none",
        sourcemap: false,
        write: false,
        logLevel: "silent",
        // Absolute paths of this machine must not reach the bundle: they would differ between checkouts.
        absWorkingDir: path.join(__dirname, ".."),
    });
    const code = result.outputFiles[0].text;
    const bundle = { code, sha256: createHash("sha256").update(code).digest("hex") };
    cache.set(entry, bundle);
    return bundle;
}
