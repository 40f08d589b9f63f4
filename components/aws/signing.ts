import * as kms from "@pulumi/aws/kms";
import * as pulumi from "@pulumi/pulumi";

import { stateful } from "../shared/naming";
import type { AccountContext } from "./policy";

export interface SigningKeyArgs {
    /** Alias name (account- and region-wide, so it carries the prefix and region), without `alias/`. */
    aliasName: string;
    account: pulumi.Output<AccountContext>;
    /** Protect and retain the key: without it no signature made with it can be verified again. */
    protect: boolean;
}

/**
 * Tekton Chains' signing key in AWS KMS: an asymmetric ECC P-256 key (`ECC_NIST_P256`, `SIGN_VERIFY`, what cosign's
 * `ecdsa-p256-sha256` default is), whose private part never leaves KMS. Chains signs through it with its own Pod
 * Identity role (`signers.kms.kmsref: awskms:///<alias ARN>`, sigstore's awskms signer), promotion reads its public key
 * to verify. Its key policy is KMS's default (the account may delegate to IAM), and the roles' IAM policies name the
 * key. Asymmetric keys cannot rotate automatically (docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html):
 * a new key is a new alias target, and the old key must stay to verify what it signed.
 */
export function createSigningKey(
    name: string,
    args: SigningKeyArgs,
    opts: pulumi.CustomResourceOptions,
): { key: kms.Key; alias: kms.Alias; kmsRef: pulumi.Output<string> } {
    const key = new kms.Key(
        `${name}-chains-key`,
        {
            description: "okd-ci: Tekton Chains signs provenance and image signatures with this key",
            customerMasterKeySpec: "ECC_NIST_P256",
            keyUsage: "SIGN_VERIFY",
            enableKeyRotation: false,
            // The longest wait KMS allows before a scheduled deletion happens: time to notice and cancel it.
            deletionWindowInDays: 30,
        },
        { ...opts, ...stateful(args.protect) },
    );
    const alias = new kms.Alias(
        `${name}-chains-key`,
        { name: `alias/${args.aliasName}`, targetKeyId: key.keyId },
        opts,
    );
    // The alias ARN is known before the key exists, so chains-config and the promote Task are exact in a preview;
    // KMS takes an alias ARN wherever a key id goes (sigstore's aliasARNRE).
    const kmsRef = args.account.apply(
        (c) => `awskms:///arn:${c.partition}:kms:${c.region}:${c.accountId}:alias/${args.aliasName}`,
    );
    return { key, alias, kmsRef };
}
