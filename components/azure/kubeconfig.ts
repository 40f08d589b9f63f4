import * as YAML from "yaml";

/**
 * How kubelogin gets the Entra ID token for the kubeconfig the stack exports and the Kubernetes provider uses:
 * `azurecli` reuses `az login` (a person, or CI after `azure/login`), `workloadidentity` and `spn` read
 * `AZURE_CLIENT_ID`/`AZURE_TENANT_ID` and a federated token file or `AAD_SERVICE_PRINCIPAL_CLIENT_SECRET`,
 * `azd` reuses `azd auth login`, `msi` the managed identity of an Azure VM.
 */
export const kubeloginModes = ["azurecli", "workloadidentity", "spn", "azd", "msi"] as const;
export type KubeloginMode = (typeof kubeloginModes)[number];

/** kubelogin flags whose values are kept from the kubeconfig AKS returns; all others are dropped. */
const keptFlags = ["--environment", "--server-id", "--tenant-id"];

interface KubeconfigDoc {
    users?: { name?: string; user?: { exec?: { command?: string; args?: string[] } } }[];
}

/**
 * AKS returns, for a cluster with Entra ID and local accounts disabled, an exec kubeconfig that runs
 * `kubelogin get-token --login devicecode`: interactive, so unusable by `pulumi up` in CI. This rewrites the kubelogin
 * arguments to a non-interactive login mode. `--client-id` (the public client of the device code flow) is dropped on
 * purpose: as a flag it would override the `AZURE_CLIENT_ID` the workload identity and spn modes read.
 *
 * The result holds the API server URL and CA, no token: it is the same on every run, so previews stay quiet.
 * Kubeconfigs without a kubelogin user are returned unchanged.
 */
export function withKubeloginMode(kubeconfig: string, mode: KubeloginMode): string {
    const doc = YAML.parse(kubeconfig) as KubeconfigDoc | null;
    let changed = false;
    for (const entry of doc?.users ?? []) {
        const exec = entry.user?.exec;
        if (exec === undefined || !/(^|\/)kubelogin$/.test(exec.command ?? "")) continue;
        const args = exec.args ?? [];
        const kept = keptFlags.flatMap((flag) => {
            const i = args.indexOf(flag);
            return i >= 0 && i + 1 < args.length ? [flag, args[i + 1]] : [];
        });
        exec.args = ["get-token", ...kept, "--login", mode];
        changed = true;
    }
    return changed ? YAML.stringify(doc) : kubeconfig;
}
