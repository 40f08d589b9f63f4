import type * as pulumi from "@pulumi/pulumi";

import type { CloudPlatform, Gate } from "../../src/config/schema";
import type { GateAccess } from "./site";

/**
 * Where `openshift-install` looks for credentials on each cloud (openshift/installer docs; the step registry uses
 * the same variables): the file name inside the gate Secret and the variable that points at it.
 */
export const installerCredentialFiles: Record<CloudPlatform, { fileName: string; envVar: string }> = {
    aws: { fileName: ".awscred", envVar: "AWS_SHARED_CREDENTIALS_FILE" },
    gcp: { fileName: "gce.json", envVar: "GOOGLE_CLOUD_KEYFILE_JSON" },
    azure: { fileName: "osServicePrincipal.json", envVar: "AZURE_AUTH_LOCATION" },
};

/**
 * A gate on another cloud than the site's. The stack creates nothing on that cloud (and so loads none of its SDK):
 * the DNS zone must exist (`gates.<cloud>.existingZone`) and the credentials come from Pulumi secret config.
 */
export function foreignGateAccess(
    platform: CloudPlatform,
    gate: Gate,
    secret: pulumi.Output<string>,
    zone: pulumi.Output<string>,
    env: Record<string, pulumi.Output<string>> = {},
): GateAccess {
    return {
        ...gate,
        platform,
        zone,
        env,
        credentials: { kind: "secret", value: secret, ...installerCredentialFiles[platform] },
    };
}
