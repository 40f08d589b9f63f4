import type * as pulumi from "@pulumi/pulumi";

/**
 * The slice of the tekton.dev/v1 API the OKD pipelines use, typed so a misspelt field fails the type check instead of
 * the admission webhook. Values are Pulumi Inputs where the site supplies them (registry, bucket).
 */

export interface EnvVar {
    name: string;
    value?: pulumi.Input<string>;
    valueFrom?: Record<string, unknown>;
}

export interface ParamSpec {
    name: string;
    type?: "string" | "array";
    description: string;
    default?: pulumi.Input<string> | string[];
}

export interface ResultSpec {
    name: string;
    description: string;
}

export interface Step {
    name: string;
    image: pulumi.Input<string>;
    script: string;
    /**
     * Passed to the script as "$@" (tektoncd/pipeline docs/tasks.md, "Running scripts within Steps"): how an array
     * param reaches a script.
     */
    args?: string[];
    env?: EnvVar[];
    envFrom?: Record<string, unknown>[];
    workingDir?: string;
    timeout?: string;
    computeResources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: Record<string, unknown>;
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
    /** `continue`: a failing step is recorded (exit code, log) and the Task goes on and succeeds. */
    onError?: "continue" | "stopAndFail";
}

export interface WorkspaceDeclaration {
    name: string;
    description: string;
    optional?: boolean;
}

export interface TaskSpec {
    description: string;
    params: ParamSpec[];
    results: ResultSpec[];
    steps: Step[];
    stepTemplate?: { env?: EnvVar[]; envFrom?: Record<string, unknown>[]; securityContext?: Record<string, unknown> };
    volumes?: Record<string, unknown>[];
    workspaces?: WorkspaceDeclaration[];
}

/** A Task this layer installs: its metadata.name and spec. */
export interface TaskDefinition {
    name: string;
    spec: TaskSpec;
}

export interface Param {
    name: string;
    /** A string, or an array whose `$(tasks.<t>.results.<r>[*])` elements Tekton expands in place. */
    value: pulumi.Input<string> | pulumi.Input<string>[];
}

export interface WhenExpression {
    input: string;
    operator: "in" | "notin";
    values: string[];
}

export interface PipelineTask {
    name: string;
    taskRef: { kind: "Task"; name: string };
    params?: Param[];
    runAfter?: string[];
    when?: WhenExpression[];
    timeout?: string;
    retries?: number;
    matrix?: { include: { name: string; params: Param[] }[] };
    workspaces?: { name: string; workspace: string; subPath?: string }[];
}

export interface PipelineSpec {
    description: string;
    params: ParamSpec[];
    workspaces: WorkspaceDeclaration[];
    tasks: PipelineTask[];
    finally: PipelineTask[];
}

/** `env: [{name: X, value: "$(params.x)"}]`: scripts read params from the environment, never spliced into code. */
export function paramEnv(env: Record<string, string>): EnvVar[] {
    return Object.entries(env).map(([name, param]) => ({ name, value: `$(params.${param})` }));
}

/** Plain (or Output) values as step environment. */
export function envOf(env: Record<string, pulumi.Input<string>>): EnvVar[] {
    return Object.entries(env).map(([name, value]) => ({ name, value }));
}

export const ref = (name: string): { kind: "Task"; name: string } => ({ kind: "Task", name });

/**
 * What every step of a Task that runs in the `restricted` release namespace declares, with the pod's
 * `runAsNonRoot` and seccomp profile (runs.ts `restrictedPod`): the container half of the restricted Pod Security
 * Standard (kubernetes.io/docs/concepts/security/pod-security-standards/#restricted). Tekton's own init containers
 * get the same from `set-security-context`.
 */
export const restrictedStep: Record<string, unknown> = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    seccompProfile: { type: "RuntimeDefault" },
};

/**
 * What every step that runs code from the payload under test declares (the e2e gates, their destroys and the reaper's
 * destroy: the payload's own `openshift-install` and tests image): no capability, no privilege escalation, the
 * runtime's default seccomp profile. Still root (uid 0, as the tools image and the payload's images run): they write
 * root-owned files in the e2e workspace and the tests image's user is the payload's choice, so runAsNonRoot is not
 * set; without capabilities root reads only what it owns or what is world-readable, and cannot mount, change file
 * owners, open raw sockets or load modules. Not run on a real cluster here: whether every installer and test release
 * runs without capabilities shows on the first gate.
 */
export const untrustedStep: Record<string, unknown> = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/**
 * HOME for steps that run as a user their image may not know: Tekton's per-pod /tekton/home, an emptyDir every step
 * mounts (tektoncd/pipeline@v1.15.0 pkg/pod/pod.go implicitVolumeMounts). Set per step: registry-auth sets its own.
 */
export const restrictedHome: EnvVar = { name: "HOME", value: "/tekton/home" };
