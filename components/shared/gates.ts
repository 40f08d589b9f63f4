import * as pulumi from "@pulumi/pulumi";

import { type CloudPlatform, type Gate, cloudPlatforms } from "./model";
import type { GateAccess, GateCredentials, GateCredentialsMode } from "./site";

/**
 * Where `openshift-install` looks for credentials on each cloud (openshift/installer docs; the step registry uses
 * the same variables): the file name inside the gate Secret and the variable that points at it.
 */
export const installerCredentialFiles: Record<CloudPlatform, { fileName: string; envVar: string }> = {
    aws: { fileName: ".awscred", envVar: "AWS_SHARED_CREDENTIALS_FILE" },
    gcp: { fileName: "gce.json", envVar: "GOOGLE_CLOUD_KEYFILE_JSON" },
    azure: { fileName: "osServicePrincipal.json", envVar: "AZURE_AUTH_LOCATION" },
};

/** The secret config key that holds a gate's credentials file. */
export const gateCredentialsKey = (cloud: CloudPlatform): string =>
    `gateCredentials${cloud[0].toUpperCase()}${cloud.slice(1)}`;

/**
 * install-config `credentialsMode` of each cloud's gate, written explicitly so the install never depends on the
 * installer guessing:
 * - aws `Mint`: the default an OKD user gets (the cloud-credential-operator mints one IAM user per component), and
 *   what OpenShift CI's AWS jobs run. Explicit, because with no mode the installer first simulates its permissions
 *   against `Resource: "*"` (pkg/asset/installconfig/platformpermscheck.go), which a policy scoped to the gate's
 *   names cannot pass; with a mode set it skips that check, and the operator skips its own
 *   (cloud-credential-operator pkg/operator/secretannotator/aws/reconciler.go).
 * - gcp `Passthrough`: components share the installer's key, so the gate account needs no Service Account Key Admin
 *   and grants no roles to minted accounts (docs/platforms/gcp.md).
 * - azure `Passthrough`: the installer's default on Azure, which has no mint mode.
 */
export const gateCredentialsModes: Record<CloudPlatform, GateCredentialsMode> = {
    aws: "Mint",
    gcp: "Passthrough",
    azure: "Passthrough",
};

/**
 * Prefix of every e2e cluster name of a site's gates, `<namePrefix>-e2e` (at most 20 characters, as `namePrefix` is
 * at most 16). The installer derives the infrastructure id from the first 21 characters of the cluster name
 * (pkg/asset/installconfig/clusterid.go, maxLen 27 minus the random suffix) and names roles, instance profiles and
 * buckets after it; the cloud-credential-operator names minted users after its first 20 characters
 * (pkg/aws/actuator/actuator.go generateUserName). Both keep this prefix, and no site resource starts with it.
 */
export const gateClusterPrefix = (namePrefix: string): string => `${namePrefix}-e2e`;

/** The gate's credentials file from secret config, with what to do when it is not set yet. */
export function gateCredentials(
    cloud: CloudPlatform,
    value: pulumi.Output<string> | undefined,
    howToCreate: string,
): GateCredentials {
    return { value, ...installerCredentialFiles[cloud], howToCreate };
}

/**
 * A gate whose account, project or subscription the stack does not manage: on another cloud than the site's, or in
 * a separate account of the site's cloud. The stack creates nothing there (and loads no other cloud's SDK): the DNS
 * zone must exist (`existingZone`) and the credentials come from Pulumi secret config.
 */
export function unmanagedGateAccess(
    platform: CloudPlatform,
    gate: Gate,
    namePrefix: string,
    secret: pulumi.Output<string> | undefined,
    zone: pulumi.Output<string>,
    env: Record<string, pulumi.Output<string>> = {},
): GateAccess {
    const key = gateCredentialsKey(platform);
    return {
        ...gate,
        platform,
        zone,
        env,
        credentials: gateCredentials(
            platform,
            secret,
            `set the ${platform} gate installer's credentials file with \`pulumi config set --secret ${key} < ${installerCredentialFiles[platform].fileName}\` and run \`pulumi up\` (docs/platforms/${platform}.md)`,
        ),
        credentialsMode: gateCredentialsModes[platform],
        clusterPrefix: gateClusterPrefix(namePrefix),
    };
}

/**
 * Every gate of a site, in cloud order: the home cloud's gate is built by `homeGate` (the site's own component),
 * gates on other clouds come from secret config and an existing zone. The config loader has checked both exist.
 */
export function siteGates(
    home: CloudPlatform,
    args: {
        namePrefix: string;
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
                `gates.${cloud} on a ${home} site needs okd-ci:${gateCredentialsKey(cloud)} and gates.${cloud}.existingZone`,
            );
        }
        return [unmanagedGateAccess(cloud, gate, args.namePrefix, secret, pulumi.output(gate.existingZone))];
    });
}

/** Name of a site's e2e gate component, the same on every cloud. */
export const gateComponentName = (site: string, cloud: CloudPlatform): string => `${site}-e2e-${cloud}`;
