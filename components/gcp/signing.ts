import { CryptoKey, KeyRing } from "@pulumi/gcp/kms";
import * as pulumi from "@pulumi/pulumi";

import { physicalName, stateful } from "../shared/naming";

export interface SigningKeyArgs {
    project: string;
    region: string;
    namePrefix: string;
    /** Protect and retain the key: without it no signature made with it can be verified again. */
    protect: boolean;
}

/**
 * Tekton Chains' signing key in Cloud KMS: an asymmetric EC P-256 signing key (`EC_SIGN_P256_SHA256`, cosign's
 * default algorithm) whose private part never leaves KMS. Chains signs through it with its own Workload Identity
 * (`signers.kms.kmsref: gcpkms://…/cryptoKeyVersions/1`, sigstore's gcpkms signer); promotion reads its public key.
 *
 * The reference names version 1: sigstore otherwise signs with the newest enabled version, and a rotation would then
 * silently change the key verifiers expect. Rotating is adding a version and moving the reference, keeping the old
 * version enabled to verify what it signed. Key rings and keys cannot be deleted from Cloud KMS at all; destroying a
 * key here would schedule its versions' destruction, so the key is protected and retained.
 */
export function createSigningKey(
    name: string,
    args: SigningKeyArgs,
    opts: pulumi.CustomResourceOptions,
): { ring: KeyRing; key: CryptoKey; kmsRef: pulumi.Output<string> } {
    const ringName = physicalName(args.namePrefix, ["chains"]);
    const keyName = "chains-signing";
    const ring = new KeyRing(
        `${name}-chains-ring`,
        { project: args.project, location: args.region, name: ringName },
        { ...opts, ...stateful(args.protect) },
    );
    const key = new CryptoKey(
        `${name}-chains-key`,
        {
            keyRing: ring.id,
            name: keyName,
            purpose: "ASYMMETRIC_SIGN",
            versionTemplate: { algorithm: "EC_SIGN_P256_SHA256", protectionLevel: "SOFTWARE" },
            // The longest Cloud KMS allows between scheduling a version's destruction and doing it (24 hours to 120
            // days, https://cloud.google.com/kms/docs/key-destruction).
            destroyScheduledDuration: `${120 * 86400}s`,
        },
        { ...opts, ...stateful(args.protect) },
    );
    // Built from names, so chains-config is exact in a preview.
    const kmsRef = pulumi.output(
        `gcpkms://projects/${args.project}/locations/${args.region}/keyRings/${ringName}/cryptoKeys/${keyName}/cryptoKeyVersions/1`,
    );
    return { ring, key, kmsRef };
}
