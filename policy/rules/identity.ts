/**
 * Who may do what, across the cloud and the cluster (docs/security.md): each cloud identity is bound to its one
 * ServiceAccount, build pods hold none, only promotion writes the promoted repositories, only records and promotion
 * write release records, the quay.io credentials reach the promote Task only, and Chains' key lives in KMS.
 */
import {
    type IdentityRole,
    identityGrants,
    identitySubjects,
    pipelineNamespace,
    releaseNamespace,
    repositoryPaths,
    secretNames,
    serviceAccounts,
} from "../../components/shared/site";
import {
    type PolicyResourceLike,
    type Report,
    type Skip,
    type StackRule,
    arr,
    at,
    boundSubjects,
    dependenciesOf,
    known,
    obj,
    ofType,
    readKnown,
    str,
} from "../model";
import { coreInterceptorsPodLabels, eventListenerPodLabels } from "../../components/tekton/interceptors";
import { tektonNamespaces } from "../../components/tekton/versions";
import { t } from "../types";
import { actionMatches, statements } from "./aws-documents";

const subjectOf = (role: IdentityRole) => identitySubjects[role].map((s) => `${s.namespace}/${s.serviceAccount}`);
const watched = [pipelineNamespace, releaseNamespace, "tekton-chains"];
const inWatched = (subject: string) => watched.includes(subject.split("/")[0]);

// ---------------------------------------------------------------------------------------------------------------
// Which Kubernetes subjects each cloud identity resource is bound to.

/** For each AWS IAM role: the ServiceAccounts its Pod Identity associations name. */
function awsRoleSubjects(all: PolicyResourceLike[]): Map<PolicyResourceLike, string[]> {
    const out = new Map<PolicyResourceLike, string[]>();
    for (const a of ofType(all, t.aws.eksPodIdentity)) {
        const subject = `${known(() => str(a.props.namespace)) ?? "?"}/${known(() => str(a.props.serviceAccount)) ?? "?"}`;
        for (const role of dependenciesOf(a, all, t.aws.iamRole)) out.set(role, [...(out.get(role) ?? []), subject]);
    }
    return out;
}

/** For each Google service account: the Kubernetes subjects that may act as it (roles/iam.workloadIdentityUser). */
function gcpAccountSubjects(all: PolicyResourceLike[]): Map<PolicyResourceLike, string[]> {
    const out = new Map<PolicyResourceLike, string[]>();
    for (const b of ofType(all, t.gcp.serviceAccountIamMember, t.gcp.serviceAccountIamBinding)) {
        if (b.props.role !== "roles/iam.workloadIdentityUser") continue;
        const members = known(() => [...arr(b.props.member), ...arr(b.props.members)].map(String)) ?? [];
        const subjects = members.flatMap(boundSubjects);
        for (const a of dependenciesOf(b, all, t.gcp.serviceAccount)) out.set(a, [...(out.get(a) ?? []), ...subjects]);
    }
    return out;
}

/** For each Azure managed identity: the Kubernetes subjects its federated credentials trust. */
function azureIdentitySubjects(all: PolicyResourceLike[]): Map<PolicyResourceLike, string[]> {
    const out = new Map<PolicyResourceLike, string[]>();
    for (const c of ofType(all, t.azure.federatedCredential)) {
        const subjects = boundSubjects(known(() => str(c.props.subject)) ?? "");
        for (const i of dependenciesOf(c, all, t.azure.identity)) out.set(i, [...(out.get(i) ?? []), ...subjects]);
    }
    return out;
}

const fmt = (subjects: string[]) => (subjects.length > 0 ? subjects.join(", ") : "no ServiceAccount");

// ---------------------------------------------------------------------------------------------------------------
// build-pods-hold-no-identity

export const buildPodsHoldNoIdentity: StackRule = {
    kind: "stack",
    name: "build-pods-hold-no-identity",
    description: `No cloud identity is bound to a ServiceAccount of the pipeline namespaces but the one its role has (${Object.values(
        identitySubjects,
    )
        .flat()
        .map((s) => `${s.namespace}/${s.serviceAccount}`)
        .join(
            ", ",
        )}), nor to a whole namespace; the build ServiceAccount (${pipelineNamespace}/${serviceAccounts.build}) carries no identity annotation, no API token and no linked Secret.`,
    enforcementLevel: "mandatory",
    remediation:
        "Bind each identity to its own ServiceAccount (identitySubjects in components/shared/site.ts); build pods get their registry token from the okd-registry-push Secret, never from an identity.",
    check(all, report) {
        const allowed = new Set(
            Object.values(identitySubjects).flatMap((subjects) =>
                subjects.map((s) => `${s.namespace}/${s.serviceAccount}`),
            ),
        );
        const bound: [PolicyResourceLike, string[]][] = [
            ...awsRoleSubjects(all),
            ...gcpAccountSubjects(all),
            ...azureIdentitySubjects(all),
        ];
        for (const [identity, subjects] of bound) {
            for (const subject of subjects.filter(inWatched)) {
                if (subject.endsWith("/*")) {
                    report(
                        `${identity.name} is bound to every ServiceAccount of ${subject.slice(0, -2)}`,
                        identity.urn,
                    );
                } else if (!allowed.has(subject)) {
                    report(
                        `${identity.name} is bound to ${subject}, which holds no identity (${subject.endsWith(`/${serviceAccounts.build}`) ? "build pods run as it" : "not in identitySubjects"})`,
                        identity.urn,
                    );
                }
            }
        }
        for (const sa of ofType(all, t.k8s.serviceAccount)) {
            if (known(() => at(sa.props, "metadata.namespace")) !== pipelineNamespace) continue;
            if (known(() => at(sa.props, "metadata.name")) !== serviceAccounts.build) continue;
            const annotations = Object.keys(obj(known(() => at(sa.props, "metadata.annotations"))) ?? {});
            const identityAnnotations = annotations.filter((a) =>
                /iam\.gke\.io|azure\.workload\.identity|eks\.amazonaws\.com/.test(a),
            );
            if (identityAnnotations.length > 0) report(`${sa.name} carries ${identityAnnotations.join(", ")}`, sa.urn);
            if (known(() => sa.props.automountServiceAccountToken) !== false) {
                report(
                    `${sa.name} mounts an API token into build pods (automountServiceAccountToken is not false)`,
                    sa.urn,
                );
            }
            const linked = [...arr(known(() => sa.props.secrets)), ...arr(known(() => sa.props.imagePullSecrets))];
            if (linked.length > 0) report(`${sa.name} links Secrets into every build step`, sa.urn);
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// promoted-writers

const ecrWrites = [
    "ecr:PutImage",
    "ecr:InitiateLayerUpload",
    "ecr:CompleteLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:BatchDeleteImage",
];
const s3Writes = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"];
/** Whether an Allow of `actions` covers any of `wanted`, as IAM matches them (wildcards anywhere, any case). */
const grants = (actions: string[], wanted: string[]) => actions.some((a) => wanted.some((w) => actionMatches(a, w)));
/** IAM's wildcard match of an ARN pattern. */
const arnCovers = (pattern: string, arn: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(arn);

function awsWriters(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const promoted = ofType(all, t.aws.ecrRepository)
        .map((r) => known(() => str(r.props.name)))
        .filter((n): n is string => n !== undefined && /\/promoted(-content)?$/.test(n));
    const buckets = ofType(all, t.aws.bucket, t.aws.bucketV2)
        .map((b) => known(() => str(b.props.bucket)))
        .filter((n): n is string => n !== undefined && /-artifacts-/.test(n));
    const subjects = awsRoleSubjects(all);
    for (const p of ofType(all, t.aws.iamRolePolicy)) {
        const roles = dependenciesOf(p, all, t.aws.iamRole);
        const who = roles.flatMap((r) => subjects.get(r) ?? []);
        if (!who.some(inWatched)) continue;
        const doc = readKnown(() => p.props.policy);
        if (!doc.known) {
            skip(`${p.name}: a pipeline role's policy is only known after apply`, p.urn);
            continue;
        }
        for (const s of (statements(doc.value) ?? []).filter((x) => x.effect === "Allow")) {
            const pushesPromoted =
                grants(s.actions, ecrWrites) &&
                promoted.some((repo) =>
                    s.resources.some(
                        (r) => r === "*" || (r.includes(":ecr:") && arnCovers(r.split(":repository/")[1] ?? "", repo)),
                    ),
                );
            if (pushesPromoted && !who.every((w) => subjectOf("promote").includes(w))) {
                report(
                    `${p.name} lets ${fmt(who)} push a promoted repository; only ${subjectOf("promote").join(", ")} may`,
                    p.urn,
                );
            }
            const writesRecords =
                grants(s.actions, s3Writes) &&
                buckets.some((b) =>
                    s.resources.some((r) => arnCovers(r, `arn:aws:s3:::${b}/releases/4.15/index.json`) || r === "*"),
                );
            const writers = [...subjectOf("records"), ...subjectOf("promote")];
            if (writesRecords && !who.every((w) => writers.includes(w))) {
                report(`${p.name} lets ${fmt(who)} write release records; only ${writers.join(", ")} may`, p.urn);
            }
        }
    }
}

const arWriteRoles = [
    "roles/artifactregistry.writer",
    "roles/artifactregistry.repoAdmin",
    "roles/artifactregistry.admin",
    "roles/artifactregistry.createOnPushWriter",
    "roles/artifactregistry.createOnPushRepoAdmin",
];
const gcsWriteRoles = [
    "roles/storage.objectUser",
    "roles/storage.objectCreator",
    "roles/storage.objectAdmin",
    "roles/storage.admin",
    "roles/storage.legacyBucketWriter",
    "roles/storage.legacyBucketOwner",
];

function gcpWriters(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const accounts = gcpAccountSubjects(all);
    const whoOf = (g: PolicyResourceLike) =>
        dependenciesOf(g, all, t.gcp.serviceAccount).flatMap((a) => accounts.get(a) ?? []);
    for (const g of ofType(all, t.gcp.arIamMember, t.gcp.arIamBinding)) {
        const role = known(() => str(g.props.role));
        const repository = known(() => str(g.props.repository));
        if (role === undefined || repository === undefined) {
            skip(`${g.name}: its role or repository is only known after apply`, g.urn);
            continue;
        }
        const who = whoOf(g);
        if (!arWriteRoles.includes(role) || !who.some(inWatched)) continue;
        // The repository of promoted releases is the site's `<prefix>-releases` (components/gcp/registry.ts).
        if (repository.endsWith("-releases") && !who.every((w) => subjectOf("promote").includes(w))) {
            report(
                `${g.name} lets ${fmt(who)} write the promoted releases' repository; only ${subjectOf("promote").join(", ")} may`,
                g.urn,
            );
        }
    }
    const writers = [...subjectOf("records"), ...subjectOf("promote")];
    for (const g of ofType(all, t.gcp.bucketIamMember, t.gcp.bucketIamBinding)) {
        const role = known(() => str(g.props.role));
        const who = whoOf(g);
        if (role === undefined || !gcsWriteRoles.includes(role) || !who.some(inWatched)) continue;
        const condition = readKnown(() => str(at(g.props, "condition.expression")));
        if (!condition.known) {
            skip(`${g.name}: its condition is only known after apply`, g.urn);
            continue;
        }
        if (condition.value === undefined) {
            report(
                `${g.name} lets ${fmt(who)} write every object of the bucket; scope it with a condition on the object name`,
                g.urn,
            );
        } else if (condition.value.includes("/objects/releases/") && !who.every((w) => writers.includes(w))) {
            report(`${g.name} lets ${fmt(who)} write release records; only ${writers.join(", ")} may`, g.urn);
        }
    }
}

/** Storage Blob Data Contributor and Owner: the data roles that write blobs. */
const blobWriteRoles = ["ba92f5b4-2d11-453d-a403-e96b0029c9fe", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"];

function azureWriters(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const identities = azureIdentitySubjects(all);
    const writers = [...subjectOf("records"), ...subjectOf("promote")];
    for (const a of ofType(all, t.azure.roleAssignment)) {
        const who = dependenciesOf(a, all, t.azure.identity).flatMap((i) => identities.get(i) ?? []);
        if (!who.some(inWatched)) continue;
        const role = known(() => str(a.props.roleDefinitionId))
            ?.split("/")
            .pop()
            ?.toLowerCase();
        if (role === undefined) {
            skip(`${a.name}: its role is only known after apply`, a.urn);
            continue;
        }
        if (!blobWriteRoles.includes(role)) continue;
        const condition = known(() => str(a.props.condition));
        if (condition === undefined) {
            report(`${a.name} lets ${fmt(who)} write every blob; add an ABAC condition on the blob path`, a.urn);
        } else if (condition.includes("'releases/'") && !who.every((w) => writers.includes(w))) {
            report(`${a.name} lets ${fmt(who)} write release records; only ${writers.join(", ")} may`, a.urn);
        }
    }
    // ACR grants AcrPush on the whole registry with this SDK (docs/security.md): not a per-repository check here.
}

export const promotedWriters: StackRule = {
    kind: "stack",
    name: "promoted-writers",
    description:
        "Only the promotion identity may push the promoted repositories (aws, gcp; ACR's AcrPush is registry-wide), only the records and promotion identities may write release records (releases/), and every pipeline object write is scoped to a prefix.",
    enforcementLevel: "mandatory",
    remediation:
        "Grant ECR push on the promoted repositories, Artifact Registry writer on the releases repository, and object writes under releases/ only to the identities identityGrants gives them (components/shared/site.ts).",
    check(all, report, skip) {
        awsWriters(all, report, skip);
        gcpWriters(all, report, skip);
        azureWriters(all, report, skip);
    },
};

// ---------------------------------------------------------------------------------------------------------------
// build-push-scoped

/** ECR repository names (`<prefix>/<path>`) and Artifact Registry repository ids the build identity may write. */
const buildRepositoryPaths = identityGrants.build.push.map((role) => repositoryPaths[role]);
/** The GCP site's repository of the builds (components/gcp/registry.ts `registryRepositories`). */
const gcpBuildsRepository = /-builds$/;
/** ACR roles that push: AcrPush, Contributor, Owner (built-in GUIDs, components/azure/roles.ts and Azure's docs). */
const acrPushRoles = [
    "8311e382-0749-4cb8-b61a-304f252e45ec",
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "8e3af657-a8ff-443c-a75e-2fe8c4bcb635",
];

function awsBuildPush(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const subjects = awsRoleSubjects(all);
    for (const p of ofType(all, t.aws.iamRolePolicy)) {
        const who = dependenciesOf(p, all, t.aws.iamRole).flatMap((r) => subjects.get(r) ?? []);
        if (!who.some((w) => subjectOf("build").includes(w))) continue;
        const doc = readKnown(() => p.props.policy);
        if (!doc.known) {
            skip(`${p.name}: the build role's policy is only known after apply`, p.urn);
            continue;
        }
        for (const s of (statements(doc.value) ?? []).filter((x) => x.effect === "Allow")) {
            if (!grants(s.actions, ecrWrites)) continue;
            for (const r of s.resources) {
                const repo = r.includes(":ecr:") ? r.split(":repository/")[1] : undefined;
                if (
                    repo === undefined ||
                    repo.includes("*") ||
                    !buildRepositoryPaths.some((b) => repo.endsWith(`/${b}`))
                ) {
                    report(
                        `${p.name} lets the build identity (${fmt(who)}) push ${r}; only the build repositories (${buildRepositoryPaths.join(", ")}) may be pushed with the builds' token`,
                        p.urn,
                    );
                }
            }
        }
    }
}

function gcpBuildPush(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const accounts = gcpAccountSubjects(all);
    for (const g of ofType(all, t.gcp.arIamMember, t.gcp.arIamBinding)) {
        const who = dependenciesOf(g, all, t.gcp.serviceAccount).flatMap((a) => accounts.get(a) ?? []);
        if (!who.some((w) => subjectOf("build").includes(w))) continue;
        const role = known(() => str(g.props.role));
        const repository = known(() => str(g.props.repository));
        if (role === undefined || repository === undefined) {
            skip(`${g.name}: its role or repository is only known after apply`, g.urn);
            continue;
        }
        if (arWriteRoles.includes(role) && !gcpBuildsRepository.test(repository)) {
            report(
                `${g.name} lets the build identity (${fmt(who)}) write ${repository}; it may write only the builds repository (<prefix>-builds), or its token moves the tools image's and payloads' tags`,
                g.urn,
            );
        }
    }
}

/**
 * Control-plane and data-plane actions of a custom role that would let its holder push or widen the build token:
 * registry push (`registries/push/write`), anything under the registry or everywhere, writing tokens or scope maps.
 */
const acrPushActions = [
    /^\*$/,
    /^Microsoft\.ContainerRegistry\/\*/i,
    /^Microsoft\.ContainerRegistry\/registries\/\*/i,
    /^Microsoft\.ContainerRegistry\/registries\/push\//i,
    /^Microsoft\.ContainerRegistry\/registries\/(tokens|scopeMaps)\/(write|\*)/i,
];

function azureBuildPush(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const identities = azureIdentitySubjects(all);
    for (const a of ofType(all, t.azure.roleAssignment)) {
        const who = dependenciesOf(a, all, t.azure.identity).flatMap((i) => identities.get(i) ?? []);
        if (!who.some((w) => subjectOf("build").includes(w))) continue;
        const role = readKnown(() => str(a.props.roleDefinitionId));
        if (!role.known) {
            // A custom role's id is known only once it exists: judge the role definition it comes from instead.
            const custom = dependenciesOf(a, all, t.azure.roleDefinition);
            if (custom.length === 0) {
                skip(`${a.name}: its role is only known after apply`, a.urn);
                continue;
            }
            for (const d of custom) {
                const actions = readKnown(() =>
                    arr(d.props.permissions).flatMap((p) => arr(obj(p)?.actions).map(String)),
                );
                if (!actions.known) {
                    skip(`${d.name}: its actions are only known after apply`, d.urn);
                } else if (actions.value.some((x) => acrPushActions.some((pattern) => pattern.test(x)))) {
                    report(
                        `${a.name} gives the build identity (${fmt(who)}) ${d.name}, which can push or manage tokens (${actions.value.join(", ")}); it may only generate passwords of the scope-mapped build token`,
                        a.urn,
                    );
                }
            }
            continue;
        }
        const guid = role.value?.split("/").pop()?.toLowerCase();
        if (guid !== undefined && acrPushRoles.includes(guid)) {
            report(
                `${a.name} gives the build identity (${fmt(who)}) a registry-wide push role; it may only generate passwords of the scope-mapped build token`,
                a.urn,
            );
        }
    }
}

export const buildPushScoped: StackRule = {
    kind: "stack",
    name: "build-push-scoped",
    description:
        "The build identity, whose minted token every build pod holds, may push only the build repositories (components, machine-os): not the tools image the release run resolves, a payload, a promoted release or an attestation (ECR repository ARNs on aws, the <prefix>-builds repository on gcp, no registry-wide push role on azure).",
    enforcementLevel: "mandatory",
    remediation:
        "Grant the build identity push on the components and machine-os repositories only (aws: their ARNs; gcp: writer on <prefix>-builds; azure: the scope-mapped okd-build-push token, never AcrPush), as identityGrants.build says (components/shared/site.ts).",
    check(all, report, skip) {
        awsBuildPush(all, report, skip);
        gcpBuildPush(all, report, skip);
        azureBuildPush(all, report, skip);
    },
};

// ---------------------------------------------------------------------------------------------------------------
// mirror-credentials-promote-only

const mirror = secretNames.mirror;
/**
 * The Tasks that push to quay.io, both run by the release Pipeline in the release namespace under the promotion
 * identity, running only the tools image: promote (the payload, mirror-release.sh) and publish-signatures (its
 * signature and provenance, `cosign copy`, after Chains has signed the promote TaskRun).
 */
const mirrorTasks = ["okd-promote-release", "okd-publish-signatures"];
/**
 * Whether a Tekton object's spec (Task, Pipeline, TriggerTemplate) names the mirror Secret anywhere, reading around
 * values only known after apply (a registry host in an env value), which cannot be the Secret's name.
 */
function namesMirror(value: unknown): boolean {
    const walk = (v: unknown): boolean => {
        if (v === mirror) return true;
        if (v === null || typeof v !== "object") return false;
        return Object.keys(v).some((k) => {
            const child = readKnown(() => (v as Record<string, unknown>)[k]);
            return child.known && walk(child.value);
        });
    };
    return walk(value);
}

export const mirrorCredentialsPromoteOnly: StackRule = {
    kind: "stack",
    name: "mirror-credentials-promote-only",
    description: `The quay.io mirror credentials (${mirror}) live in ${releaseNamespace}, are linked to no ServiceAccount (Tekton's creds-init would write them into every step), and only the Tasks that push to quay.io (${mirrorTasks.join(", ")}) mount them.`,
    enforcementLevel: "mandatory",
    remediation:
        "Create the mirror Secret in the release namespace only, link it to no ServiceAccount, and mount it as a volume of the promote and publish-signatures Tasks alone (components/pipelines/tasks/promote.ts, publish-signatures.ts).",
    check(all, report) {
        for (const s of ofType(all, t.k8s.secret)) {
            if (known(() => at(s.props, "metadata.name")) !== mirror) continue;
            const ns = known(() => at(s.props, "metadata.namespace"));
            if (ns !== releaseNamespace) report(`the mirror Secret is in ${String(ns)}, beside pushed code`, s.urn);
        }
        for (const sa of ofType(all, t.k8s.serviceAccount)) {
            const linked = [...arr(known(() => sa.props.secrets)), ...arr(known(() => sa.props.imagePullSecrets))];
            if (linked.some((l) => at(l, "name") === mirror)) {
                report(
                    `ServiceAccount ${sa.name} links the mirror Secret: creds-init writes it into every step`,
                    sa.urn,
                );
            }
        }
        for (const r of ofType(all, t.tekton.task, t.tekton.pipeline, t.tekton.triggerTemplate)) {
            if (!namesMirror(r.props.spec)) continue;
            const name = known(() => at(r.props, "metadata.name"));
            const ns = known(() => at(r.props, "metadata.namespace"));
            if (r.type !== t.tekton.task || !mirrorTasks.includes(String(name)) || ns !== releaseNamespace) {
                report(
                    `${r.type.split(":").pop()} ${String(ns)}/${String(name)} reaches the mirror Secret; only ${mirrorTasks.join(" and ")} may`,
                    r.urn,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// chains-signs-with-kms

export const chainsSignsWithKms: StackRule = {
    kind: "stack",
    name: "chains-signs-with-kms",
    description:
        "On a cloud stack Tekton Chains signs with the site's KMS key (signer kms, signers.kms.kmsref) and no Secret carries a Chains key: the Triggers core interceptors read every Secret of the cluster.",
    enforcementLevel: "mandatory",
    remediation:
        "Give the site a signing key in its KMS (SiteSigningKey) and let ChainsConfig use it; keep chainsSigningKey for the local site only.",
    check(all, report) {
        const cloud = ofType(all, t.aws.eksCluster, t.gcp.gkeCluster, t.azure.aksCluster).length > 0;
        if (!cloud) return;
        const config = ofType(all, t.k8s.configMapPatch).filter(
            (c) => known(() => at(c.props, "metadata.name")) === "chains-config",
        );
        if (config.length === 0) report("no chains-config patch: Chains would sign with the x509 key of a Secret");
        for (const c of config) {
            const data = obj(known(() => c.props.data)) ?? {};
            for (const kind of ["taskrun", "pipelinerun", "oci"]) {
                if (data[`artifacts.${kind}.signer`] !== "kms") {
                    report(
                        `chains-config signs ${kind} artifacts with ${String(data[`artifacts.${kind}.signer`] ?? "x509 (the default)")}, not kms`,
                        c.urn,
                    );
                }
            }
            if (typeof data["signers.kms.kmsref"] !== "string") {
                report("chains-config names no signers.kms.kmsref", c.urn);
            }
        }
        for (const s of ofType(all, t.k8s.secret, t.k8s.secretPatch)) {
            if (known(() => at(s.props, "metadata.name")) === "signing-secrets") {
                report(`${s.name} puts a Chains key in a Secret, which the Triggers interceptors can read`, s.urn);
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// listener-least-privilege, listener-runs-admitted

/** The listeners' ServiceAccounts, as the EventListeners name them. */
function listenerSubjects(all: PolicyResourceLike[]): { namespace: string; serviceAccount: string }[] {
    const seen = new Map<string, { namespace: string; serviceAccount: string }>();
    for (const el of ofType(all, t.tekton.eventListener)) {
        const namespace = known(() => str(at(el.props, "metadata.namespace")));
        const serviceAccount = known(() => str(at(el.props, "spec.serviceAccountName")));
        if (namespace && serviceAccount) seen.set(`${namespace}/${serviceAccount}`, { namespace, serviceAccount });
    }
    return [...seen.values()];
}

/** Triggers' ClusterRoles that give a listener every Secret, TaskRuns and impersonation. */
const upstreamListenerRoles = ["tekton-triggers-eventlistener-roles", "tekton-triggers-eventlistener-clusterroles"];

export const listenerLeastPrivilege: StackRule = {
    kind: "stack",
    name: "listener-least-privilege",
    description:
        "The webhook listener's ServiceAccount reads no Secret, creates no TaskRun, impersonates nobody and holds no wildcard: it is bound to its own roles, never to Triggers' eventlistener ClusterRoles.",
    enforcementLevel: "mandatory",
    remediation:
        "Bind the listener to listenerRules (components/tekton/triggers.ts): its triggers and ConfigMaps read, events, and create on pipelineruns.",
    check(all, report) {
        const subjects = listenerSubjects(all);
        const roles = ofType(all, t.k8s.role, t.k8s.clusterRole);
        for (const b of ofType(all, t.k8s.roleBinding, t.k8s.clusterRoleBinding)) {
            const bindingNs = known(() => str(at(b.props, "metadata.namespace")));
            const bound = arr(known(() => b.props.subjects)).some((x) =>
                subjects.some(
                    (s) =>
                        at(x, "kind") === "ServiceAccount" &&
                        at(x, "name") === s.serviceAccount &&
                        (str(at(x, "namespace")) ?? bindingNs) === s.namespace,
                ),
            );
            if (!bound) continue;
            const refName = known(() => str(at(b.props, "roleRef.name")));
            const refKind = known(() => str(at(b.props, "roleRef.kind")));
            if (refName !== undefined && upstreamListenerRoles.includes(refName)) {
                report(
                    `${b.name} binds the listener to ${refName}, which reads Secrets or creates TaskRuns and impersonates`,
                    b.urn,
                );
                continue;
            }
            const role = roles.find(
                (r) =>
                    known(() => at(r.props, "metadata.name")) === refName &&
                    (refKind === "ClusterRole" ? r.type === t.k8s.clusterRole : r.type === t.k8s.role),
            );
            for (const rule of arr(known(() => role?.props.rules))) {
                const resources = arr(at(rule, "resources")).map(String);
                const verbs = arr(at(rule, "verbs")).map(String);
                const why = [
                    resources.includes("secrets") ? "Secrets" : undefined,
                    resources.includes("taskruns") ? "TaskRuns" : undefined,
                    verbs.includes("impersonate") ? "impersonation" : undefined,
                    resources.includes("*") || verbs.includes("*") ? "a wildcard" : undefined,
                ].filter((w) => w !== undefined);
                if (why.length > 0) {
                    report(`${b.name} gives the listener ${why.join(", ")} through ${refKind} ${refName}`, b.urn);
                }
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// core-interceptors-callers

/** How the stack selects the core interceptors' pods must match how the Triggers release labels them. */
const interceptorPodLabels: Record<string, string> = coreInterceptorsPodLabels;

export const coreInterceptorsCallers: StackRule = {
    kind: "stack",
    name: "core-interceptors-callers",
    description:
        "Only EventListener pods may connect to the Triggers core interceptors, which read every Secret of the cluster and send one a request names to a host it names (a NetworkPolicy in tekton-pipelines admits the listeners' namespace and pods only).",
    enforcementLevel: "mandatory",
    remediation:
        "Keep createInterceptorsIngress (components/tekton/triggers.ts): a NetworkPolicy selecting the core interceptors' pods whose every ingress peer names a namespace and EventListener pods, with no ipBlock and no empty from.",
    check(all, report) {
        if (ofType(all, t.tekton.eventListener).length === 0) return;
        const selectsInterceptors = (p: PolicyResourceLike) => {
            const labels = obj(known(() => at(p.props, "spec.podSelector.matchLabels"))) ?? {};
            const expressions = arr(known(() => at(p.props, "spec.podSelector.matchExpressions")));
            return expressions.length === 0 && Object.entries(labels).every(([k, v]) => interceptorPodLabels[k] === v);
        };
        const policies = ofType(all, t.k8s.networkPolicy).filter(
            (p) =>
                known(() => str(at(p.props, "metadata.namespace"))) === tektonNamespaces.pipelines &&
                selectsInterceptors(p),
        );
        const ingress = policies.filter((p) => {
            const types = known(() => arr(at(p.props, "spec.policyTypes")).map(String));
            return types === undefined || types.length === 0 || types.includes("Ingress");
        });
        if (ingress.length === 0) {
            report(
                `no NetworkPolicy in ${tektonNamespaces.pipelines} restricts who may connect to the core interceptors`,
            );
            return;
        }
        for (const p of ingress) {
            for (const [i, rule] of arr(known(() => at(p.props, "spec.ingress"))).entries()) {
                const peers = arr(at(rule, "from"));
                if (peers.length === 0) {
                    report(`${p.name}: ingress rule ${i} admits every caller`, p.urn);
                    continue;
                }
                for (const peer of peers) {
                    const podLabels = obj(at(peer, "podSelector.matchLabels")) ?? {};
                    const listenerPods = Object.entries(eventListenerPodLabels).every(([k, v]) => podLabels[k] === v);
                    if (
                        at(peer, "ipBlock") !== undefined ||
                        at(peer, "namespaceSelector") === undefined ||
                        !listenerPods
                    ) {
                        report(
                            `${p.name}: ingress rule ${i} admits ${JSON.stringify(peer)}, not EventListener pods of a named namespace`,
                            p.urn,
                        );
                    }
                }
            }
        }
    },
};

/**
 * ServiceAccounts a Role of the stack lets create PipelineRuns (the cluster reaper's starter), with the namespace the
 * binding grants it in: creating a PipelineRun chooses its ServiceAccounts, so each needs an admission policy too.
 */
function pipelineRunCreators(
    all: PolicyResourceLike[],
): { subject: { namespace: string; serviceAccount: string }; in: string }[] {
    const roles = ofType(all, t.k8s.role, t.k8s.clusterRole);
    const found: { subject: { namespace: string; serviceAccount: string }; in: string }[] = [];
    for (const b of ofType(all, t.k8s.roleBinding)) {
        const bindingNs = known(() => str(at(b.props, "metadata.namespace")));
        const refName = known(() => str(at(b.props, "roleRef.name")));
        const refKind = known(() => str(at(b.props, "roleRef.kind")));
        if (bindingNs === undefined || refName === undefined) continue;
        const role = roles.find(
            (r) =>
                r.type === (refKind === "ClusterRole" ? t.k8s.clusterRole : t.k8s.role) &&
                known(() => str(at(r.props, "metadata.name"))) === refName &&
                (refKind === "ClusterRole" || known(() => str(at(r.props, "metadata.namespace"))) === bindingNs),
        );
        if (role === undefined) continue;
        const creates = arr(known(() => at(role.props, "rules"))).some((rule) => {
            const groups = arr(at(rule, "apiGroups")).map(String);
            const resources = arr(at(rule, "resources")).map(String);
            const verbs = arr(at(rule, "verbs")).map(String);
            return (
                (groups.includes("tekton.dev") || groups.includes("*")) &&
                (resources.includes("pipelineruns") || resources.includes("*")) &&
                (verbs.includes("create") || verbs.includes("*"))
            );
        });
        if (!creates) continue;
        for (const x of arr(known(() => b.props.subjects))) {
            const name = str(at(x, "name"));
            if (at(x, "kind") !== "ServiceAccount" || name === undefined) continue;
            found.push({
                subject: { namespace: str(at(x, "namespace")) ?? bindingNs, serviceAccount: name },
                in: bindingNs,
            });
        }
    }
    return found;
}

export const listenerRunsAdmitted: StackRule = {
    kind: "stack",
    name: "listener-runs-admitted",
    description:
        "A ValidatingAdmissionPolicy, bound with Deny, matches the PipelineRuns the listener's ServiceAccount, and every other ServiceAccount a Role lets create PipelineRuns (the cluster reaper's starter), creates; and every namespace a TriggerTemplate or such a Role starts runs in bounds its PipelineRun count with a ResourceQuota.",
    enforcementLevel: "mandatory",
    remediation:
        "Keep ListenerAdmission (components/tekton/admission.ts), the reaper's okd-ci-reaper-pipelineruns (components/pipelines/reaper.ts) and the count/pipelineruns.tekton.dev quota of each pipeline namespace (components/tekton/namespace.ts).",
    check(all, report) {
        const creators = pipelineRunCreators(all);
        const subjects = [...listenerSubjects(all)];
        for (const { subject } of creators) {
            if (
                !subjects.some((s) => s.namespace === subject.namespace && s.serviceAccount === subject.serviceAccount)
            ) {
                subjects.push(subject);
            }
        }
        if (subjects.length === 0) return;
        const policies = ofType(all, t.k8s.validatingAdmissionPolicy);
        const bindings = ofType(all, t.k8s.validatingAdmissionPolicyBinding);
        for (const s of subjects) {
            const user = `system:serviceaccount:${s.namespace}:${s.serviceAccount}`;
            const policy = policies.find((p) =>
                arr(known(() => at(p.props, "spec.matchConditions"))).some((c) =>
                    String(at(c, "expression")).includes(user),
                ),
            );
            if (policy === undefined) {
                report(`no ValidatingAdmissionPolicy matches the PipelineRuns ${user} creates`);
                continue;
            }
            const name = known(() => at(policy.props, "metadata.name"));
            const deny = bindings.some(
                (b) =>
                    known(() => at(b.props, "spec.policyName")) === name &&
                    arr(known(() => at(b.props, "spec.validationActions"))).includes("Deny"),
            );
            if (!deny) report(`ValidatingAdmissionPolicy ${String(name)} has no binding that denies`, policy.urn);
        }
        const runNamespaces = new Set([
            ...creators.map((c) => c.in),
            ...ofType(all, t.tekton.triggerTemplate).flatMap((tt) =>
                arr(known(() => at(tt.props, "spec.resourcetemplates")))
                    .filter((r) => at(r, "kind") === "PipelineRun")
                    .map(
                        (r) =>
                            str(at(r, "metadata.namespace")) ??
                            known(() => str(at(tt.props, "metadata.namespace"))) ??
                            "?",
                    ),
            ),
        ]);
        const quotas = ofType(all, t.k8s.resourceQuota);
        for (const ns of runNamespaces) {
            const bounded = quotas.some(
                (q) =>
                    known(() => at(q.props, "metadata.namespace")) === ns &&
                    obj(known(() => at(q.props, "spec.hard")))?.["count/pipelineruns.tekton.dev"] !== undefined,
            );
            if (!bounded) report(`namespace ${ns} bounds no PipelineRun count (count/pipelineruns.tekton.dev)`);
        }
    },
};
