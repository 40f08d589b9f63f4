/**
 * The Triggers core interceptors as the pinned release ships them, and who may call them (createInterceptorsIngress in
 * triggers.ts, policy `core-interceptors-callers`). No Pulumi import: the policy pack reads these too.
 */

/** The core interceptors' pods, as the Triggers release labels them (config/interceptors/core-interceptors-deployment.yaml). */
export const coreInterceptorsPodLabels = {
    "app.kubernetes.io/name": "core-interceptors",
    "app.kubernetes.io/component": "interceptors",
    "app.kubernetes.io/part-of": "tekton-triggers",
} as const;

/** The EventListener pods Triggers creates (the label the listeners' NetworkPolicies select them by). */
export const eventListenerPodLabels = { "app.kubernetes.io/managed-by": "EventListener" } as const;

/** The port the core interceptors serve on (HTTPS, no client authentication). */
export const coreInterceptorsPort = 8443;
