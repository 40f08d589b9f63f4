import * as kms from "@pulumi/aws/kms";
import * as pulumi from "@pulumi/pulumi";

import { stateful } from "../shared/naming";
import type { AccountContext } from "./policy";

export interface SigningKeyArgs {
    /** Alias name (account- and region-wide, so it carries the prefix and region), without `alias/`. */
    aliasName: string;
    account: pulumi.Output<AccountContext>;
    /** IAM role name of the one identity that may sign with the key: Tekton Chains'. */
    signerRoleName: string;
    /** Protect and retain the key: without it no signature made with it can be verified again. */
    protect: boolean;
}

/**
 * Tekton Chains' signing key in AWS KMS: an asymmetric ECC P-256 key (`ECC_NIST_P256`, `SIGN_VERIFY`, what cosign's
 * `ecdsa-p256-sha256` default is), whose private part never leaves KMS. Chains signs through it with its own Pod
 * Identity role (`signers.kms.kmsref: awskms:///<alias ARN>`, sigstore's awskms signer), promotion reads its public key
 * to verify. Its key policy (`signingKeyPolicy`) delegates to IAM as KMS's default does, and denies `kms:Sign` to every
 * principal but Chains' role. Asymmetric keys cannot rotate automatically
 * (docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html): a new key is a new alias target, and the old key
 * must stay to verify what it signed.
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
            policy: args.account.apply((c) => JSON.stringify(signingKeyPolicy(c, args.signerRoleName))),
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

/**
 * The signing key's policy. The first statement is KMS's default key policy (the account's root: IAM policies decide,
 * and the account keeps administering the key, so PutKeyPolicy's lockout check passes;
 * docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html). The second denies `kms:Sign` to every
 * principal but Chains' role, so no other identity of the account — an administrator, an e2e installer in a shared
 * account, a role a gate created — can sign what Chains would: an explicit deny in a key policy wins over any IAM
 * allow. `aws:PrincipalArn` is the role's ARN for every session of the role, Pod Identity's included
 * (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
 * Changing the key policy later takes `kms:PutKeyPolicy`, which the account's administrators keep.
 */
export function signingKeyPolicy(c: AccountContext, signerRoleName: string): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministersThroughIam",
                Effect: "Allow",
                Principal: { AWS: `arn:${c.partition}:iam::${c.accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "OnlyChainsSigns",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "kms:Sign",
                Resource: "*",
                Condition: {
                    ArnNotEquals: {
                        "aws:PrincipalArn": `arn:${c.partition}:iam::${c.accountId}:role/${signerRoleName}`,
                    },
                },
            },
        ],
    };
}
