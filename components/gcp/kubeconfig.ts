/** What a kubeconfig for a GKE cluster needs. */
export interface GkeEndpoint {
    project: string;
    /** Zone or region of the cluster. */
    location: string;
    clusterName: string;
    /** Control plane IP or host, without scheme. */
    endpoint: string;
    /** Base64 PEM of the cluster CA, as GKE returns it. */
    caCertificate: string;
}

/** The context name `gcloud container clusters get-credentials` uses, so users and tools see the same name. */
export function gkeContextName(project: string, location: string, clusterName: string): string {
    return `gke_${project}_${location}_${clusterName}`;
}

/**
 * A kubeconfig whose user runs `gke-gcloud-auth-plugin` for a fresh token on every call: no short-lived token is
 * embedded, so the text changes only when the endpoint or CA does, and previews stay quiet. The machine running
 * `pulumi up` needs the plugin and Google credentials (gcloud auth or ADC).
 */
export function gkeKubeconfig(e: GkeEndpoint): string {
    const context = gkeContextName(e.project, e.location, e.clusterName);
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name: context,
                cluster: { server: `https://${e.endpoint}`, "certificate-authority-data": e.caCertificate },
            },
        ],
        contexts: [{ name: context, context: { cluster: context, user: context } }],
        "current-context": context,
        users: [
            {
                name: context,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "gke-gcloud-auth-plugin",
                        installHint:
                            "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin, or apt-get install google-cloud-cli-gke-gcloud-auth-plugin",
                        provideClusterInfo: true,
                        interactiveMode: "Never",
                    },
                },
            },
        ],
    });
}
