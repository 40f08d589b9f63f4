/**
 * How the Triggers listeners are reached and what they may do: their names and ports, their ServiceAccount and its
 * own minimal roles, the webhook's public Service (and Ingress where the site serves one), and the holes in the
 * release namespace's default-deny for the listeners and the schedule CronJobs. The triggers themselves are
 * ./triggers.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { StreamTriggersArgs } from "./triggers";
import { coreInterceptorsPodLabels, coreInterceptorsPort, eventListenerPodLabels } from "./interceptors";
import { tektonNamespaces } from "./versions";

/** Names of the listeners and what they are bound to. */
export const listenerNames = {
    /** Public: GitHub push webhooks, signature checked. */
    github: "okd-github",
    /** Cluster-only: the schedule CronJobs. */
    schedule: "okd-schedule",
} as const;
export const listenerPort = 8080;
/** The in-cluster URL of the schedule listener, which only the schedule and dispatcher CronJobs' pods may reach. */
export const scheduleListenerUrl = (namespace: pulumi.Input<string>): pulumi.Output<string> =>
    pulumi.interpolate`http://el-${listenerNames.schedule}.${namespace}.svc.cluster.local:${listenerPort}`;
/**
 * The listeners' ServiceAccount, in the release namespace; the admission policy admits its PipelineRuns only, and
 * components/tekton/throttle.ts lets it create push records (ConfigMaps) there.
 */
export const listenerServiceAccount = "okd-triggers";
const serviceAccount = listenerServiceAccount;
export const cronServiceAccount = "okd-trigger-cron";
/** Labels of the schedule CronJobs' pods: the only pods the schedule listener accepts. */
export const cronLabels = { "app.kubernetes.io/name": "okd-trigger-cron", "app.kubernetes.io/part-of": "okd-ci" };
/** The Service GitHub reaches (the listener's own `el-okd-github` stays ClusterIP). */
export const webhookServiceName = "okd-github-webhook";

/**
 * What an EventListener's sink does with the API, read from tektoncd/triggers@v0.37.0: its informers
 * (cmd/eventlistenersink/main.go, pkg/adapter/adapter.go) watch EventListeners, Triggers, TriggerBindings,
 * TriggerTemplates and Interceptors in its own namespace (`injection.WithNamespaceScope`) and ClusterTriggerBindings
 * and ClusterInterceptors cluster-wide; it creates each resource template (pkg/resources/create.go) as itself, since
 * our Triggers name no ServiceAccount to impersonate; and it records events. It reads no Secret: the GitHub
 * signature is checked by the core `github` ClusterInterceptor, which reads the webhook Secret with its own
 * (cluster-wide) rights.
 */
export const listenerRules = {
    /** In the listener's namespace. */
    own: [
        {
            apiGroups: ["triggers.tekton.dev"],
            resources: ["eventlisteners", "triggers", "triggerbindings", "triggertemplates", "interceptors"],
            verbs: ["get", "list", "watch"],
        },
        // The adapter framework watches its logging and observability ConfigMaps.
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
        { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["create"] },
    ],
    /** In each namespace it starts runs in. */
    runs: [{ apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["create"] }],
    /** Cluster-wide, read only. */
    cluster: [
        {
            apiGroups: ["triggers.tekton.dev"],
            resources: ["clustertriggerbindings", "clusterinterceptors"],
            verbs: ["get", "list", "watch"],
        },
    ],
};

/**
 * The listeners' ServiceAccount and its own minimal roles (`listenerRules`), instead of Triggers' documented
 * bindings: `tekton-triggers-eventlistener-roles` would let it create TaskRuns and impersonate every ServiceAccount of
 * its namespace, and `tekton-triggers-eventlistener-clusterroles` read every Secret of the cluster. What it creates is
 * further held to the okd-ci Pipelines by an admission policy (admission.ts).
 */
export function createListenerAccess(
    name: string,
    namespaces: { builds: pulumi.Input<string>; release: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): void {
    const namespace = namespaces.release;
    new k8s.core.v1.ServiceAccount(
        `${name}-sa`,
        // The listener pod needs its token: the sink's informers and creates are API calls.
        { metadata: { name: serviceAccount, namespace } },
        opts,
    );
    const subjects = [{ kind: "ServiceAccount", name: serviceAccount, namespace }];
    const role = (suffix: string, ns: pulumi.Input<string>, rules: k8s.types.input.rbac.v1.PolicyRule[]) => {
        const r = new k8s.rbac.v1.Role(
            `${name}-${suffix}-role`,
            { metadata: { name: `${serviceAccount}-${suffix}`, namespace: ns }, rules },
            opts,
        );
        new k8s.rbac.v1.RoleBinding(
            `${name}-${suffix}-binding`,
            {
                metadata: { name: `${serviceAccount}-${suffix}`, namespace: ns },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${serviceAccount}-${suffix}` },
                subjects,
            },
            { ...opts, dependsOn: [r] },
        );
    };
    role("listener", namespace, listenerRules.own);
    role("nightly-runs", namespaces.builds, listenerRules.runs);
    const clusterRole = new k8s.rbac.v1.ClusterRole(
        `${name}-cluster-read`,
        { metadata: { name: "okd-ci-triggers-cluster-read" }, rules: listenerRules.cluster },
        opts,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-cluster-read`,
        {
            metadata: { name: "okd-ci-triggers-cluster-read" },
            roleRef: {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: "okd-ci-triggers-cluster-read",
            },
            subjects,
        },
        { ...opts, dependsOn: [clusterRole] },
    );
}

/**
 * The public face of the GitHub listener, as the site describes it (`Site.webhook`): a Service of the site's type in
 * front of the listener's pods (a fixed node port when the site's own load balancer targets the nodes; the stack's
 * source ranges when the cluster makes the load balancer), plus an Ingress only where the site says an ingress
 * controller serves one. An Ingress nothing serves never gets an address, and `pulumi up` waits for it until it
 * times out (EKS has no ingress controller or default IngressClass).
 */
export function createWebhookExposure(
    name: string,
    namespace: pulumi.Input<string>,
    args: Pick<StreamTriggersArgs, "site" | "webhookSourceRanges">,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
    const exposure = args.site.webhook;
    if (exposure.serviceType === "NodePort" && exposure.nodePort === undefined) {
        throw new Error("the site exposes the webhook on a NodePort Service but names no nodePort");
    }
    const ranges = args.webhookSourceRanges ?? [];
    const service = new k8s.core.v1.Service(
        `${name}-webhook`,
        {
            metadata: { name: webhookServiceName, namespace, annotations: exposure.serviceAnnotations },
            spec: {
                type: exposure.serviceType,
                selector: { eventlistener: listenerNames.github },
                ports: [
                    {
                        name: "http",
                        port: 80,
                        targetPort: listenerPort,
                        protocol: "TCP",
                        ...(exposure.serviceType === "NodePort" ? { nodePort: exposure.nodePort } : {}),
                    },
                ],
                ...(exposure.serviceType === "LoadBalancer" &&
                exposure.sourceRangesUpstream !== true &&
                ranges.length > 0
                    ? { loadBalancerSourceRanges: ranges }
                    : {}),
            },
        },
        opts,
    );
    if (exposure.ingress !== undefined) {
        new k8s.networking.v1.Ingress(
            `${name}-webhook`,
            {
                metadata: { name: webhookServiceName, namespace },
                spec: {
                    ...(exposure.ingress.className !== undefined
                        ? { ingressClassName: exposure.ingress.className }
                        : {}),
                    rules: [
                        {
                            host: exposure.ingress.host,
                            http: {
                                paths: [
                                    {
                                        path: "/",
                                        pathType: "Prefix",
                                        backend: { service: { name: webhookServiceName, port: { name: "http" } } },
                                    },
                                ],
                            },
                        },
                    ],
                },
            },
            { ...opts, dependsOn: [service] },
        );
    }
    return service;
}

/** Holes in the release namespace's default-deny for the listeners and the schedule CronJobs. */
export function createListenerPolicies(
    name: string,
    namespace: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): void {
    const policy = (role: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
        new k8s.networking.v1.NetworkPolicy(
            `${name}-netpol-${role}`,
            { metadata: { name: `okd-${role}`, namespace }, spec },
            opts,
        );
    const port = [{ protocol: "TCP", port: listenerPort }];
    // GitHub's delivery addresses change; the HMAC signature, not the source address, authenticates a delivery.
    policy("allow-github-webhook", {
        podSelector: { matchLabels: { eventlistener: listenerNames.github } },
        policyTypes: ["Ingress"],
        ingress: [{ ports: port }],
    });
    // The schedule listener checks no signature: only the CronJobs' pods may reach it.
    policy("allow-schedule-listener", {
        podSelector: { matchLabels: { eventlistener: listenerNames.schedule } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: { matchLabels: cronLabels } }], ports: port }],
    });
    policy("allow-cron-to-listener", {
        podSelector: { matchLabels: cronLabels },
        policyTypes: ["Egress"],
        egress: [{ to: [{ podSelector: { matchLabels: { eventlistener: listenerNames.schedule } } }], ports: port }],
    });
    // Listeners call the core interceptors (github, cel) in the Tekton namespace.
    policy("allow-listener-interceptors", {
        podSelector: { matchLabels: eventListenerPodLabels },
        policyTypes: ["Egress"],
        egress: [
            {
                to: [
                    {
                        namespaceSelector: {
                            matchLabels: { "kubernetes.io/metadata.name": tektonNamespaces.pipelines },
                        },
                    },
                ],
                ports: [{ protocol: "TCP", port: coreInterceptorsPort }],
            },
        ],
    });
}

/**
 * Only the okd-ci EventListeners may call the core interceptors. The interceptors read every Secret of the cluster
 * (a cluster-wide Secret informer and direct GETs, tektoncd/triggers@v0.37.0 cmd/interceptors/main.go,
 * pkg/interceptors/secret_getter.go), and their HTTPS endpoint authenticates no caller and takes the namespace, the
 * Secret and the key from the request: the `github` interceptor's `addChangedFiles.personalAccessToken` and
 * `githubOwners.personalAccessToken` params name any Secret (the namespace comes from `context.trigger_id`), and it
 * sends that Secret's value as a bearer token to the host in the request's `X-Github-Enterprise-Host` header
 * (pkg/interceptors/github/github.go: getGithubTokenSecret, makeClient). Any pod that could reach port 8443 could so
 * have any single-line Secret (the quay.io credentials, the webhook secret) sent to a host of its choice. The listeners'
 * own requests carry only our Triggers' params (secretRef, eventTypes; no token param), so they cannot. The pipeline
 * namespaces' egress already stops at ports 80, 443 and 6443; this makes the rule explicit on the receiving side, for
 * every other namespace too. The kubelet's readiness probe comes from the pod's own node, which a NetworkPolicy does not
 * block (kubernetes.io, Network Policies: "What you can't do with network policies").
 */
export function createInterceptorsIngress(
    name: string,
    listenerNamespace: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
) {
    new k8s.networking.v1.NetworkPolicy(
        `${name}-netpol-core-interceptors`,
        {
            metadata: { name: "okd-core-interceptors-ingress", namespace: tektonNamespaces.pipelines },
            spec: {
                podSelector: { matchLabels: coreInterceptorsPodLabels },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [
                            {
                                namespaceSelector: {
                                    matchLabels: { "kubernetes.io/metadata.name": listenerNamespace },
                                },
                                podSelector: { matchLabels: eventListenerPodLabels },
                            },
                        ],
                        ports: [{ protocol: "TCP", port: coreInterceptorsPort }],
                    },
                ],
            },
        },
        opts,
    );
}
