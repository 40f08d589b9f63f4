/**
 * The keys only the local platform reads (an existing cluster such as kind, with its in-cluster registry and object
 * store), declared as ./schema.ts declares every key; they close the key table, in this order.
 */
import * as z from "zod";

import { dnsSubdomain, pattern } from "./formats";
import type { KeySpec } from "./schema";

export const localKeys = {
    kubeconfig: {
        schema: z.string().min(1).optional(),
        pulumiType: "string",
        description:
            "local only: path to the kubeconfig of the existing cluster; default: $KUBECONFIG or ~/.kube/config.",
    },
    kubeContext: {
        schema: pattern(/^[A-Za-z0-9@._:/-]{1,253}$/, "a kubeconfig context name").optional(),
        pulumiType: "string",
        description:
            "local only: kubeconfig context; default: the current context (CI: kind-okd-ci, set in Pulumi.ci.yaml).",
    },
    objectStoreAccessKey: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "local only: access key id of the in-cluster object store, with objectStoreSecretKey; generated and kept in state when both are unset.",
    },
    objectStoreSecretKey: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description: "local only: secret access key of the in-cluster object store, with objectStoreAccessKey.",
    },
    storageClass: {
        schema: pattern(
            dnsSubdomain,
            "a StorageClass name (a DNS-1123 subdomain: lower-case letters, digits, - and .)",
        ).optional(),
        pulumiType: "string",
        description:
            "local only: StorageClass of the in-cluster registry and object store volumes; default: the cluster default.",
    },
} satisfies Record<string, KeySpec>;
