/**
 * What an e2e gate's steps need to reach its cloud: the installer's credentials (the gate Secret), the cloud's
 * variables, and openshift-tests' provider. Shared by the install, prepare, gate, destroy and upgrade-gate Tasks.
 */
import * as pulumi from "@pulumi/pulumi";

import { type GateAccess, secretNames } from "../../shared/site";
import type { EnvVar, Step } from "../tekton";

const credentialsMount = "/var/run/okd-gate";

/**
 * Credentials of `openshift-install` on this gate: the gate Secret's one file, and the variable that points the
 * installer at it. The Secret is optional in the pod, so a missing one reaches the script, which says how to create
 * it, instead of a pod stuck pending.
 */
export function credentials(gate: GateAccess): {
    env: EnvVar[];
    volumes: Record<string, unknown>[];
    mounts: Step["volumeMounts"];
} {
    const { fileName, envVar, howToCreate } = gate.credentials;
    const secretName = secretNames.gate(gate.platform);
    return {
        env: [
            { name: "CREDENTIALS_ENV", value: envVar },
            { name: "CREDENTIALS_SECRET", value: secretName },
            { name: "CREDENTIALS_HOW_TO", value: howToCreate },
            { name: envVar, value: `${credentialsMount}/${fileName}` },
        ],
        volumes: [{ name: "gate-credentials", secret: { secretName, optional: true } }],
        mounts: [{ name: "gate-credentials", mountPath: credentialsMount, readOnly: true }],
    };
}

/**
 * What the suite's steps (e2e-test.sh: openshift-tests) take of the gate's credentials: the variable that points at
 * the file, which the suite's cloud clients read. Not CREDENTIALS_ENV and its kin, nor the installer's settings:
 * e2e-test.sh reads none of them.
 */
export function credentialsFileEnv(gate: GateAccess): EnvVar[] {
    const { fileName, envVar } = gate.credentials;
    return [{ name: envVar, value: `${credentialsMount}/${fileName}` }];
}

/**
 * The environment of the steps that prepare and install a gate's cluster (e2e-install.sh): its credentials and its
 * cloud's installer settings, and nothing of the pipeline identity (the payload's installer must not run with the
 * site's region, account or identity variables). The destroy steps take `credentials(gate).env` alone: the installer
 * destroys from metadata.json, which names the project, resource groups and cluster. Each name once: a later
 * duplicate would silently win in the container.
 */
export function gateStepEnv(gate: GateAccess): EnvVar[] {
    const env = [...credentials(gate).env, ...platformEnv(gate)];
    const seen = new Set<string>();
    for (const { name } of env) {
        if (seen.has(name)) throw new Error(`gate ${gate.platform}: ${name} is set twice in its step environment`);
        seen.add(name);
    }
    return env;
}

/** Installer settings each cloud needs beyond base domain and region. */
function platformEnv(gate: GateAccess): EnvVar[] {
    const env: EnvVar[] = Object.entries(gate.env).map(([name, value]) => ({ name, value }));
    env.push(
        { name: "INSTALL_CREDENTIALS_MODE", value: gate.credentialsMode },
        { name: "CLUSTER_PREFIX", value: gate.clusterPrefix },
    );
    // Derived here for gates whose site gave no value (a gate on another cloud); a site's own value wins.
    if (gate.platform === "gcp" && gate.project !== undefined && gate.env.GCP_PROJECT === undefined) {
        env.push({ name: "GCP_PROJECT", value: gate.project });
    }
    if (gate.platform === "azure" && gate.env.AZURE_BASE_DOMAIN_RESOURCE_GROUP === undefined) {
        env.push({ name: "AZURE_BASE_DOMAIN_RESOURCE_GROUP", value: gate.zone.apply(resourceGroupOf) });
    }
    return env;
}

/** Resource group of an Azure DNS zone resource id. */
export function resourceGroupOf(zoneId: string): string {
    const match = /\/resourceGroups\/([^/]+)\//i.exec(zoneId);
    if (!match) throw new Error(`Azure DNS zone ${zoneId} is not a resource id (/subscriptions/…/resourceGroups/…)`);
    return match[1];
}

/** `--provider` of openshift-tests for the gate's cloud. */
export function testProvider(gate: GateAccess): pulumi.Output<string> {
    const project = gate.env.GCP_PROJECT ?? pulumi.output(gate.project ?? "");
    return pulumi.output(project).apply((p) => {
        switch (gate.platform) {
            case "aws":
                return JSON.stringify({ type: "aws", region: gate.region, multizone: true, multimaster: true });
            case "gcp":
                return JSON.stringify({
                    type: "gce",
                    region: gate.region,
                    projectid: p,
                    multizone: true,
                    multimaster: true,
                });
            case "azure":
                return JSON.stringify({ type: "azure", multizone: true, multimaster: true });
        }
    });
}
