/**
 * Checksums of the Tekton release manifests: what `npm run tekton:mirror` verifies before it writes a mirror, and what
 * the install verifies in a local `tektonManifestSource` directory before any resource exists.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";

import { type TektonReleaseFile, tektonReleaseChecksums, tektonReleaseFiles } from "./versions";

export type ReleaseChecksums = Readonly<Partial<Record<TektonReleaseFile, string>>>;

const hex64 = /^[a-f0-9]{64}$/;

export function sha256(data: Buffer | string): string {
    return createHash("sha256").update(data).digest("hex");
}

/** Each file's path under a release site (`pipeline/previous/v1.15.0/release.yaml`), as SHA256SUMS names it. */
export function releasePaths(): Record<TektonReleaseFile, string> {
    const files = tektonReleaseFiles("");
    return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.replace(/^\//, "")])) as Record<
        TektonReleaseFile,
        string
    >;
}

/** Throws if a pin is not 64 lowercase hex digits: a typo must not read as "no pin". */
export function checkPins(pins: ReleaseChecksums, where: string): void {
    for (const [file, sum] of Object.entries(pins)) {
        if (sum !== undefined && !hex64.test(sum)) {
            throw new Error(`${where}: the checksum of ${file} is ${JSON.stringify(sum)}, expected 64 hex digits`);
        }
    }
}

/**
 * Verifies the manifests of a local release directory against the pinned checksums, before the install reads them.
 * Files without a pin are not checked (there is nothing to check them against); a pinned file that is missing or
 * differs is an error naming the config key, the file, and both checksums.
 */
export function verifyReleaseDirectory(dir: string, pins: ReleaseChecksums = tektonReleaseChecksums): void {
    checkPins(pins, "tektonReleaseChecksums");
    const files = tektonReleaseFiles(dir);
    for (const [file, expected] of Object.entries(pins) as [TektonReleaseFile, string | undefined][]) {
        if (expected === undefined) continue;
        const p = files[file];
        let data: Buffer;
        try {
            data = fs.readFileSync(p);
        } catch {
            throw new Error(
                `tektonManifestSource ${dir}: ${p} cannot be read; lay the directory out with npm run tekton:mirror -- --out ${dir}`,
            );
        }
        const actual = sha256(data);
        if (actual !== expected) {
            throw new Error(
                `tektonManifestSource ${dir}: ${p} has SHA-256 ${actual}, but ${file} is pinned to ${expected} (components/tekton/versions.ts tektonReleaseChecksums); refusing to install it`,
            );
        }
    }
}
