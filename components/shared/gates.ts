import * as pulumi from "@pulumi/pulumi";

import { type CloudPlatform, type Gate, cloudPlatforms } from "../../src/config/schema";
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

/**
 * Every gate of a site, in cloud order: the home cloud's gate is built by `homeGate` (the site's own component),
 * gates on other clouds come from secret config and an existing zone. The config loader has checked both exist.
 */
export function siteGates(
    home: CloudPlatform,
    args: {
        gates: Partial<Record<CloudPlatform, Gate>>;
        gateSecrets: Partial<Record<CloudPlatform, pulumi.Output<string>>>;
    },
    homeGate: (gate: Gate) => GateAccess,
): GateAccess[] {
    return cloudPlatforms.flatMap((cloud): GateAccess[] => {
        const gate = args.gates[cloud];
        if (gate === undefined) return [];
        if (cloud === home) return [homeGate(gate)];
        const secret = args.gateSecrets[cloud];
        if (secret === undefined || gate.existingZone === undefined) {
            throw new Error(
                `gates.${cloud} on a ${home} site needs okd-ci:gateCredentials${cloud[0].toUpperCase()}${cloud.slice(1)} and gates.${cloud}.existingZone`,
            );
        }
        return [foreignGateAccess(cloud, gate, secret, pulumi.output(gate.existingZone))];
    });
}

/** Name of a site's e2e gate component, the same on every cloud. */
export const gateComponentName = (site: string, cloud: CloudPlatform): string => `${site}-e2e-${cloud}`;
