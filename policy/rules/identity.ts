/**
 * Who may do what with the cloud identities (docs/security.md): each cloud identity is bound to its one
 * ServiceAccount, build pods hold none, and only promotion writes the promoted repositories and only records and
 * promotion write release records. What the build identity may push is ./build-push.ts; where the release's secrets
 * may go is ./release-secrets.ts; what the listeners may do is ./listeners.ts.
 */
import {
    type IdentityRole,
    identitySubjects,
    pipelineNamespace,
    releaseNamespace,
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

import { t } from "../types";
import { actionMatches, statements } from "./aws-documents";

export const subjectOf = (role: IdentityRole) =>
    identitySubjects[role].map((s) => `${s.namespace}/${s.serviceAccount}`);
const watched = [pipelineNamespace, releaseNamespace, "tekton-chains"];
const inWatched = (subject: string) => watched.includes(subject.split("/")[0]);

// ---------------------------------------------------------------------------------------------------------------
// Which Kubernetes subjects each cloud identity resource is bound to.

/** For each AWS IAM role: the ServiceAccounts its Pod Identity associations name. */
export function awsRoleSubjects(all: PolicyResourceLike[]): Map<PolicyResourceLike, string[]> {
    const out = new Map<PolicyResourceLike, string[]>();
    for (const a of ofType(all, t.aws.eksPodIdentity)) {
        const subject = `${known(() => str(a.props.namespace)) ?? "?"}/${known(() => str(a.props.serviceAccount)) ?? "?"}`;
        for (const role of dependenciesOf(a, all, t.aws.iamRole)) out.set(role, [...(out.get(role) ?? []), subject]);
    }
    return out;
}

/** For each Google service account: the Kubernetes subjects that may act as it (roles/iam.workloadIdentityUser). */
export function gcpAccountSubjects(all: PolicyResourceLike[]): Map<PolicyResourceLike, string[]> {
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
export function azureIdentitySubjects(all: PolicyResourceLike[]): Map<PolicyResourceLike, string[]> {
    const out = new Map<PolicyResourceLike, string[]>();
    for (const c of ofType(all, t.azure.federatedCredential)) {
        const subjects = boundSubjects(known(() => str(c.props.subject)) ?? "");
        for (const i of dependenciesOf(c, all, t.azure.identity)) out.set(i, [...(out.get(i) ?? []), ...subjects]);
    }
    return out;
}

export const fmt = (subjects: string[]) => (subjects.length > 0 ? subjects.join(", ") : "no ServiceAccount");

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

export const ecrWrites = [
    "ecr:PutImage",
    "ecr:InitiateLayerUpload",
    "ecr:CompleteLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:BatchDeleteImage",
];
const s3Writes = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"];
/**
 * The durable release state and who alone may write it (release-record.sh): the records, which the nightly's identity
 * writes, and the promotions and published-name claims under promoted/, which only the promotion identity writes, so
 * the nightly's identity cannot make a payload promoted or rewrite a promoted release's promotion.
 */
const stateSamples = {
    "release records (releases/)": "releases/4.15/index.json",
    "promoted state (promoted/)": "promoted/4.15/4.15.0-0.okd-2025-01-01-000000.json",
} as const;
const stateWriters = {
    "release records (releases/)": () => subjectOf("records"),
    "promoted state (promoted/)": () => subjectOf("promote"),
} as const;
/** The literal prefixes a condition names with `marker` and a quoted string (GCS CEL startsWith, Azure ABAC). */
const conditionPrefixes = (condition: string, marker: RegExp): string[] =>
    [...condition.matchAll(marker)].map((m) => m[1]);
/** Whether an Allow of `actions` covers any of `wanted`, as IAM matches them (wildcards anywhere, any case). */
export const grants = (actions: string[], wanted: string[]) =>
    actions.some((a) => wanted.some((w) => actionMatches(a, w)));
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
            const writes = (key: string) =>
                grants(s.actions, s3Writes) &&
                buckets.some((b) => s.resources.some((r) => r === "*" || arnCovers(r, `arn:aws:s3:::${b}/${key}`)));
            for (const [what, sample] of Object.entries(stateSamples)) {
                const only = stateWriters[what as keyof typeof stateWriters]();
                if (writes(sample) && !who.every((w) => only.includes(w))) {
                    report(`${p.name} lets ${fmt(who)} write ${what}; only ${only.join(", ")} may`, p.urn);
                }
            }
        }
    }
}

export const arWriteRoles = [
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
        } else {
            // resource.name.startsWith("projects/_/buckets/<bucket>/objects/<prefix>") (components/gcp/identity.ts); a
            // condition with none is judged as covering every object.
            const prefixes = conditionPrefixes(
                condition.value,
                /startsWith\("projects\/_\/buckets\/[^/"]+\/objects\/([^"]*)"\)/g,
            );
            for (const [what, sample] of Object.entries(stateSamples)) {
                const only = stateWriters[what as keyof typeof stateWriters]();
                const covers = prefixes.length === 0 || prefixes.some((p) => sample.startsWith(p));
                if (covers && !who.every((w) => only.includes(w))) {
                    report(`${g.name} lets ${fmt(who)} write ${what}; only ${only.join(", ")} may`, g.urn);
                }
            }
        }
    }
}

/** Storage Blob Data Contributor and Owner: the data roles that write blobs. */
const blobWriteRoles = ["ba92f5b4-2d11-453d-a403-e96b0029c9fe", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"];

function azureWriters(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const identities = azureIdentitySubjects(all);
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
        } else {
            // `…/blobs:path] StringStartsWith '<prefix>'` (components/azure/identity.ts); none: every blob.
            const prefixes = conditionPrefixes(condition, /blobs:path\] StringStartsWith '([^']*)'/g);
            for (const [what, sample] of Object.entries(stateSamples)) {
                const only = stateWriters[what as keyof typeof stateWriters]();
                const covers = prefixes.length === 0 || prefixes.some((p) => sample.startsWith(p));
                if (covers && !who.every((w) => only.includes(w))) {
                    report(`${a.name} lets ${fmt(who)} write ${what}; only ${only.join(", ")} may`, a.urn);
                }
            }
        }
    }
    // ACR grants AcrPush on the whole registry with this SDK (docs/security.md): not a per-repository check here.
}

export const promotedWriters: StackRule = {
    kind: "stack",
    name: "promoted-writers",
    description:
        "Only the promotion identity may push the promoted repositories (aws, gcp; ACR's AcrPush is registry-wide) and write the promoted state (promoted/: promotions and published-name claims), only the records identity may write release records (releases/), and every pipeline object write is scoped to a prefix.",
    enforcementLevel: "mandatory",
    remediation:
        "Grant ECR push on the promoted repositories, Artifact Registry writer on the releases repository, and object writes under releases/ and promoted/ only to the identities identityGrants gives them (components/shared/site.ts).",
    check(all, report, skip) {
        awsWriters(all, report, skip);
        gcpWriters(all, report, skip);
        azureWriters(all, report, skip);
    },
};
