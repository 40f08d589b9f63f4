/**
 * Who consumes each configuration value, and what each consumer refuses or silently changes.
 *
 * The schema (schema.ts) checks types and the rules that hold whatever the platform; the rules here depend on the
 * platform or on other keys. Both are listed in `consumerRules`, the table docs/configuration.md is generated from
 * and test/config/bad-input.test.ts covers row by row (a rule without a test row fails the tests). A value the
 * program rewrites safely (GCP label folding) is accepted and the rewrite is shown as a notice.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { firesOnceAWeek, parseCronJobSchedule } from "./cron";
import type { CloudPlatform, Gate, ParsedConfig, Platform } from "./schema";

/** One rule a consumer enforces on a key. */
export interface ConsumerRule {
    /** Stable id; test rows name it. */
    id: string;
    /** Key path, e.g. `tags.<key>` or `streams[].branch`. */
    key: string;
    /** Who reads the value: the cloud API, Kubernetes, Tekton, git, buildah, the step scripts, okd-ci itself. */
    consumer: string;
    /** Platforms the rule applies on; all when absent. */
    platforms?: Platform[];
    /** What is refused (or rewritten) and why. */
    rule: string;
    /** Where the rule comes from. */
    source: string;
}

/** The consumer table. Rules enforced by the schema are listed too (`in: "schema"` is implied by no check here). */
export const consumerRules: ConsumerRule[] = [
    // --- the cloud APIs -------------------------------------------------------------------------------------------
    {
        id: "aws-tag",
        key: "tags.<key>",
        consumer: "AWS resource tags (every resource, through the provider's defaultTags)",
        platforms: ["aws"],
        rule: "keys 1-128 and values 0-256 characters of letters, digits, spaces and _ . : / = + - @; keys not starting with aws:; at most 50 tags with okd-ci's 3",
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html (Tag naming limits and requirements)",
    },
    {
        id: "azure-tag",
        key: "tags.<key>",
        consumer: "Azure resource tags",
        platforms: ["azure"],
        rule: "names 1-128 characters (storage accounts' limit, the lowest of the resources here) without < > % & \\ ? /; values up to 256; at most 50 tags with okd-ci's 3",
        source: "https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations",
    },
    {
        id: "gcp-label-fold",
        key: "tags.<key>",
        consumer: "GCP resource labels",
        platforms: ["gcp"],
        rule: "keys and values of lower-case letters, digits, _ and -, up to 63, keys starting with a letter: okd-ci folds other tags into that alphabet (toGcpLabels) and shows the label it applies; two tags that fold to one key are refused; at most 64 labels with okd-ci's 3",
        source: "https://cloud.google.com/compute/docs/labeling-resources#requirements",
    },
    {
        id: "standard-tag",
        key: "tags.<key>",
        consumer: "okd-ci (standardTags)",
        rule: "okd-ci-project, okd-ci-stack and managed-by are okd-ci's own tags; a stack tag of that name would replace them",
        source: "components/shared/naming.ts standardTags",
    },
    {
        id: "machine-type",
        key: "systemInstanceType, buildInstanceTypes[]",
        consumer: "EKS node groups (instanceTypes), GKE node pools (machineType), AKS agent pools (vmSize)",
        platforms: ["aws", "gcp", "azure"],
        rule: "aws <family>.<size> (m6i.2xlarge); gcp <series>-<type>[-<n>] (n2-standard-8, e2-medium, n2-custom-8-32768); azure Standard_<size> (Standard_D8s_v5)",
        source: "https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html; https://cloud.google.com/compute/docs/machine-resource; https://learn.microsoft.com/azure/virtual-machines/vm-naming-conventions",
    },
    {
        id: "gke-pool-name",
        key: "buildInstanceTypes[]",
        consumer: "GKE node pool name builds-<machine type> (components/gcp/cluster.ts)",
        platforms: ["gcp"],
        rule: "a node pool name is at most 40 characters, so a further build machine type is at most 33",
        source: "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools#NodePool (name)",
    },
    {
        id: "unique-machine-types",
        key: "buildInstanceTypes",
        consumer: "GKE node pools (one per type, named by it), EKS instanceTypes",
        rule: "no machine type twice: GKE would get two pools of one name",
        source: "components/gcp/cluster.ts buildPools",
    },
    {
        id: "aks-one-vm-size",
        key: "buildInstanceTypes",
        consumer: "AKS agent pool (vmSize)",
        platforms: ["azure"],
        rule: "a scale-set pool has one VM size: a second type would do nothing",
        source: "https://learn.microsoft.com/azure/aks/create-node-pools (one VM size per node pool)",
    },
    {
        id: "s3-bucket-prefix",
        key: "namePrefix",
        consumer: "S3 bucket <namePrefix>-artifacts-<account>-<region> (components/aws/storage.ts)",
        platforms: ["aws"],
        rule: "bucket names must not start with xn--, sthree- or amzn-s3-demo-",
        source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    },
    {
        id: "existing-zone",
        key: "gates.<cloud>.existingZone",
        consumer:
            "Route 53 (hosted zone id), Cloud DNS (managed zone name), Azure DNS (zone resource id); openshift-install's baseDomain",
        rule: "aws Z plus up to 31 upper-case letters and digits (not /hostedzone/…); gcp an RFC 1035 label of up to 63; azure /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/dnszones/<zone> whose zone is baseDomain",
        source: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html; https://cloud.google.com/dns/docs/reference/rest/v1/managedZones (name); openshift/installer docs/user/azure/install.md (baseDomainResourceGroupName)",
    },
    {
        id: "gate-project",
        key: "gates.<cloud>.project",
        consumer: "the GCP gate (openshift-install's platform.gcp.projectID)",
        rule: "only the gcp gate takes a project; elsewhere it does nothing",
        source: "components/gcp/site.ts createGates",
    },
    // --- keys that do nothing on the chosen platform -------------------------------------------------------------
    {
        id: "cloud-only",
        key: "region, tags, protect, kubernetesVersion, systemInstanceType, systemNodes, buildInstanceTypes, buildSpot, buildMinNodes, buildMaxNodes, buildDiskGb, nightlyRetentionDays, untaggedRetentionDays, logRetentionDays, gates",
        consumer: "the cloud sites only (components/local takes kubeconfig, kubeContext and storageClass)",
        platforms: ["local"],
        rule: "set to anything but its default on local, the key does nothing",
        source: "src/sites.ts createSite",
    },
    {
        id: "local-only",
        key: "kubeconfig, kubeContext, storageClass",
        consumer: "the local site only",
        platforms: ["aws", "gcp", "azure"],
        rule: "on a cloud the key does nothing",
        source: "src/sites.ts createSite",
    },
    {
        id: "gcp-project-unused",
        key: "gcpProject",
        consumer: "the GCP site and the gcp gate's default project",
        platforms: ["aws", "azure", "local"],
        rule: "without a gcp site or gcp gate the key does nothing",
        source: "src/sites.ts, components/gcp/site.ts",
    },
    {
        id: "unused-secret",
        key: "gateCredentials<Cloud>, chainsSigningKey, chainsSigningKeyPassword, chainsPublicKey, mirror*",
        consumer: "the gates, Tekton Chains, the release pipeline",
        rule: "gate credentials without that gate (or for the site's own AWS gate, which uses Pod Identity), a Chains key on a cloud (Chains signs there with the site's KMS key, which no Secret holds), a key password without chainsSigningKey, mirror settings with no promoting stream: each does nothing",
        source: "components/shared/gates.ts, components/tekton/chains.ts, components/pipelines/release.ts",
    },
    // --- Kubernetes, Tekton, git, the build -----------------------------------------------------------------------
    {
        id: "cron",
        key: "streams[].schedules.nightly, streams[].schedules.release, tektonPruneSchedule, nightlyDispatchSchedule, reaperSchedule, statusSchedule",
        consumer: "Kubernetes CronJob spec.schedule",
        rule: "exactly what the API server accepts on create: robfig/cron/v3 ParseStandard (five fields, names, ranges, steps, ?, @daily and the other descriptors, @every <duration>), no TZ",
        source: "kubernetes/kubernetes pkg/apis/batch/validation/validation.go validateScheduleFormat; robfig/cron v3.0.1 parser.go",
    },
    {
        id: "weekly-release",
        key: "streams[].schedules.release",
        consumer: "components/tekton/scripts/fire-trigger.sh (EVERY_WEEKS)",
        rule: "the release CronJob counts weeks, so it must fire once a week (one minute, one hour, one weekday, or @weekly); more often would promote on every firing of a due week",
        source: "components/tekton/scripts/fire-trigger.sh",
    },
    {
        id: "minor",
        key: "streams[].minor",
        consumer:
            "payload names <minor>.0-0.okd-… (oc adm release new --name), Pipeline names okd-nightly-<4-15>, the okd-ci/stream label",
        rule: "4.N or 5.N without leading zeros (a SemVer major.minor); YAML reads an unquoted 4.20 as the number 4.2, so it must be quoted",
        source: "https://semver.org/#spec-item-2",
    },
    {
        id: "git-branch",
        key: "streams[].branch",
        consumer:
            "git (clone --branch), the push filter (CEL string 'refs/heads/<branch>'), fire-trigger.sh's JSON body",
        rule: "a name git check-ref-format --branch accepts, in letters, digits and . _ / - (no quote or backslash, which the CEL filter and the JSON body would break on)",
        source: "https://git-scm.com/docs/git-check-ref-format",
    },
    {
        id: "github-repository",
        key: "streams[].components[].repository",
        consumer: "GitHub (clone URL https://github.com/<org>/<name>, push events' repository.full_name)",
        rule: "owner 1-39 letters, digits and single inner hyphens; name 1-100 of letters, digits, . _ -, not . or .., without .git",
        source: "https://docs.github.com/en/enterprise-cloud@latest/admin/managing-iam/iam-configuration-reference/username-considerations-for-external-authentication",
    },
    {
        id: "component-unique",
        key: "streams[].components[].name",
        consumer: "Tekton matrix include names, the payload tags oc adm release new overrides",
        rule: "one component per payload tag in a stream",
        source: "components/pipelines/nightly.ts",
    },
    {
        id: "build-arg",
        key: "streams[].components[].buildArgs",
        consumer: "build-image.sh (one KEY=VALUE per line) and buildah build --build-arg",
        rule: "keys are names (letter or _, then letters, digits, _), values one line",
        source: "components/pipelines/scripts/build-image.sh flags_from",
    },
    {
        id: "repo-path",
        key: "streams[].components[].dockerfile, .context",
        consumer: "build-image.sh (/workspace/source/<path>)",
        rule: "a relative path inside the repository: no leading /, no .. segment, one line",
        source: "components/pipelines/tasks/build-component.ts",
    },
    {
        id: "image-reference",
        key: "streams[].basePayload, mirrorReleaseRepository, mirrorContentRepository",
        consumer: "oc adm release new/mirror, skopeo (docker reference grammar)",
        rule: "distribution/reference: a domain, lower-case path components separated by . _ __ or dashes, name at most 255; basePayload with a tag or digest, mirrors without",
        source: "distribution/reference regexp.go",
    },
    {
        id: "storage-class",
        key: "storageClass",
        consumer: "PersistentVolumeClaim spec.storageClassName",
        platforms: ["local"],
        rule: "a StorageClass name, a DNS-1123 subdomain of up to 253",
        source: "kubernetes/kubernetes pkg/apis/storage/validation ValidateStorageClass (ValidateClassName)",
    },
    {
        id: "kubeconfig-file",
        key: "kubeconfig",
        consumer: "the Kubernetes provider (kubeconfig path)",
        platforms: ["local"],
        rule: "the file must exist (~ is expanded)",
        source: "components/local/site.ts",
    },
    {
        id: "secret-format",
        key: "mirrorCredentials, gateCredentialsGcp, gateCredentialsAzure, chainsSigningKey",
        consumer: "the kubernetes.io/dockerconfigjson Secret, openshift-install, Tekton Chains",
        rule: "a JSON document with auths; a service account key JSON; osServicePrincipal.json with subscriptionId, clientId, tenantId and a secret or certificate; a PEM private key. The value is never shown",
        source: "kubernetes/kubernetes pkg/apis/core/validation ValidateSecret (dockerconfigjson must be JSON); openshift/installer pkg/asset/installconfig/azure/session.go",
    },
    {
        id: "did-you-mean",
        key: "every key and field",
        consumer: "okd-ci",
        rule: "an unknown key or field names the closest known one",
        source: "src/config/load.ts",
    },
];

export interface ConsumerIssue {
    path: (string | number)[];
    message: string;
}

export interface ConfigNotice {
    path: (string | number)[];
    message: string;
}

export interface ConsumerContext {
    /** Keys set to something else than their default (declared defaults reach the program as set values). */
    explicit: Set<string>;
    /** Secrets the stack sets. */
    secretSet: (key: string) => boolean;
    /** A secret's value when it is real (not an offline placeholder); never shown in a message. */
    secretValue: (key: string) => string | undefined;
}

const awsTagChars = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const standardTagKeys = ["okd-ci-project", "okd-ci-stack", "managed-by"];
const machineTypes: Record<CloudPlatform, { re: RegExp; what: string }> = {
    aws: { re: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, what: "an EC2 instance type <family>.<size>, e.g. m6i.2xlarge" },
    gcp: {
        re: /^[a-z][a-z0-9]*-[a-z0-9]+(-[a-z0-9]+)*$/,
        what: "a Compute Engine machine type, e.g. n2-standard-8 or n2-custom-8-32768",
    },
    azure: { re: /^Standard_[A-Za-z0-9_]+$/, what: "an Azure VM size Standard_<size>, e.g. Standard_D8s_v5" },
};

/** GCP label folding, as components/shared/naming.ts toGcpLabels applies it. */
function gcpLabel(key: string, value: string): [string, string] {
    const fold = (s: string) =>
        s
            .toLowerCase()
            .replace(/[^a-z0-9_-]/g, "_")
            .slice(0, 63);
    const k = fold(key);
    return [/^[a-z]/.test(k) ? k : `k${k}`.slice(0, 63), fold(value)];
}

function tagIssues(
    c: Partial<ParsedConfig>,
    issue: (p: (string | number)[], m: string) => void,
    notices: ConfigNotice[],
) {
    const tags = c.tags ?? {};
    const entries = Object.entries(tags);
    for (const [k] of entries) {
        if (standardTagKeys.includes(k.toLowerCase())) {
            issue(["tags", k], `is one of okd-ci's own tags (${standardTagKeys.join(", ")}); expected another key`);
        }
    }
    if (c.platform === "aws") {
        if (entries.length > 47) {
            issue(
                ["tags"],
                `has ${entries.length} tags; AWS allows 50 per resource, 3 of them okd-ci's: expected at most 47`,
            );
        }
        for (const [k, v] of entries) {
            if (k.length > 128 || !awsTagChars.test(k) || k.toLowerCase().startsWith("aws:")) {
                issue(
                    ["tags", k],
                    "is not an AWS tag key; expected 1-128 letters, digits, spaces or _ . : / = + - @, not starting with aws:",
                );
            } else if (v.length > 256 || !awsTagChars.test(v)) {
                issue(
                    ["tags", k],
                    "is not an AWS tag value; expected up to 256 letters, digits, spaces or _ . : / = + - @",
                );
            }
        }
    }
    if (c.platform === "azure") {
        if (entries.length > 47) {
            issue(
                ["tags"],
                `has ${entries.length} tags; Azure allows 50 per resource, 3 of them okd-ci's: expected at most 47`,
            );
        }
        for (const [k, v] of entries) {
            if (k.length > 128 || /[<>%&\\?/]/.test(k)) {
                issue(["tags", k], "is not an Azure tag name; expected 1-128 characters without < > % & \\ ? /");
            } else if (v.length > 256) {
                issue(["tags", k], "is longer than Azure's 256 characters for a tag value");
            }
        }
    }
    if (c.platform === "gcp") {
        if (entries.length > 61) {
            issue(
                ["tags"],
                `has ${entries.length} tags; GCP allows 64 labels per resource, 3 of them okd-ci's: expected at most 61`,
            );
        }
        const seen = new Map<string, string>();
        for (const [k, v] of entries) {
            const [lk, lv] = gcpLabel(k, v);
            const other = seen.get(lk);
            if (other !== undefined) {
                issue(
                    ["tags", k],
                    `folds to the GCP label key ${lk}, as tags.${other} does; expected tags that stay distinct as lower-case letters, digits, _ and -`,
                );
            }
            seen.set(lk, k);
            if (lk !== k || lv !== v) {
                notices.push({
                    path: ["tags", k],
                    message: `applied as the GCP label ${lk}=${lv} (labels allow lower-case letters, digits, _ and -, up to 63)`,
                });
            }
        }
    }
}

function zoneIssue(cloud: CloudPlatform, gate: Gate): string | undefined {
    const z = gate.existingZone;
    if (z === undefined) return undefined;
    if (cloud === "aws" && !/^Z[A-Z0-9]{1,31}$/.test(z)) {
        return `is not a Route 53 hosted zone id; expected Z followed by up to 31 upper-case letters and digits${z.startsWith("/hostedzone/") ? ` (${z.slice("/hostedzone/".length)}, without /hostedzone/)` : ""}`;
    }
    if (cloud === "gcp" && !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(z)) {
        return "is not a Cloud DNS managed zone name; expected 1-63 lower-case letters, digits and dashes, starting with a letter (the zone's name, not its DNS name)";
    }
    if (cloud === "azure") {
        const m =
            /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/dnszones\/([^/]+)$/i.exec(
                z,
            );
        if (m === null) {
            return "is not an Azure DNS zone resource id; expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/dnszones/<zone>";
        }
        if (m[2].toLowerCase() !== gate.baseDomain) {
            return `names the zone ${m[2]}, but openshift-install creates the cluster's records in the zone named baseDomain (${gate.baseDomain}); expected the id of that zone`;
        }
    }
    return undefined;
}

function secretFormat(key: string, value: string): string | undefined {
    const json = (): Record<string, unknown> | undefined => {
        try {
            const v = JSON.parse(value) as unknown;
            return v !== null && typeof v === "object" && !Array.isArray(v)
                ? (v as Record<string, unknown>)
                : undefined;
        } catch {
            return undefined;
        }
    };
    switch (key) {
        case "mirrorCredentials": {
            const doc = json();
            return doc !== undefined && doc.auths !== null && typeof doc.auths === "object"
                ? undefined
                : 'is not a .dockerconfigjson document; expected JSON with an "auths" object (podman login --authfile auth.json quay.io writes one)';
        }
        case "gateCredentialsAws":
            // openshift-install refuses non-static credentials outside Manual mode (openshift/installer
            // pkg/asset/manifests/openshift.go, since openshift/installer#4596): a session token cannot work.
            if (!/^\s*aws_access_key_id\s*=/m.test(value) || !/^\s*aws_secret_access_key\s*=/m.test(value)) {
                return "is not an AWS credentials file; expected [default] with aws_access_key_id and aws_secret_access_key (the gate's IAM user key)";
            }
            return /^\s*aws_session_token\s*=/m.test(value)
                ? "holds aws_session_token: openshift-install accepts only static credentials outside Manual mode; expected the IAM user's access key without a session token"
                : undefined;
        case "gateCredentialsGcp": {
            const doc = json();
            return doc?.type === "service_account" && typeof doc.private_key === "string"
                ? undefined
                : 'is not a GCP service account key; expected the JSON file gcloud iam service-accounts keys create writes ("type": "service_account")';
        }
        case "gateCredentialsAzure": {
            const doc = json();
            const ok =
                doc !== undefined &&
                ["subscriptionId", "clientId", "tenantId"].every((f) => typeof doc[f] === "string") &&
                (typeof doc.clientSecret === "string" || typeof doc.clientCertificate === "string");
            return ok
                ? undefined
                : "is not an osServicePrincipal.json; expected JSON with subscriptionId, clientId, tenantId and clientSecret (or clientCertificate)";
        }
        case "chainsSigningKey":
            return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)
                ? undefined
                : "is not a PEM private key; expected cosign.key as cosign generate-key-pair writes it";
    }
    return undefined;
}

/**
 * The platform-dependent and cross-key consumer rules, on the keys that are valid on their own. Returns the problems
 * and the notices of values the program rewrites.
 */
export function consumerIssues(
    c: Partial<ParsedConfig>,
    ctx: ConsumerContext,
): { issues: ConsumerIssue[]; notices: ConfigNotice[] } {
    const issues: ConsumerIssue[] = [];
    const notices: ConfigNotice[] = [];
    const issue = (p: (string | number)[], message: string) => issues.push({ path: p, message });
    const platform = c.platform;
    if (platform === undefined) return { issues, notices };

    tagIssues(c, issue, notices);

    if (platform === "local") {
        for (const key of [
            "region",
            "tags",
            "protect",
            "kubernetesVersion",
            "systemInstanceType",
            "systemNodes",
            "buildInstanceTypes",
            "buildSpot",
            "buildMinNodes",
            "buildMaxNodes",
            "buildDiskGb",
            "nightlyRetentionDays",
            "untaggedRetentionDays",
            "logRetentionDays",
            "gates",
        ]) {
            if (ctx.explicit.has(key)) {
                issue(
                    [key],
                    "does nothing on the local platform (an existing cluster); expected it unset, or a cloud platform",
                );
            }
        }
    } else {
        for (const key of ["kubeconfig", "kubeContext", "storageClass"]) {
            if (ctx.explicit.has(key)) {
                issue([key], `is for the local platform only and does nothing on ${platform}; expected it unset`);
            }
        }
        const mt = machineTypes[platform];
        if (c.systemInstanceType !== undefined && !mt.re.test(c.systemInstanceType)) {
            issue(["systemInstanceType"], `is not ${mt.what}`);
        }
        (c.buildInstanceTypes ?? []).forEach((t, i) => {
            if (!mt.re.test(t)) issue(["buildInstanceTypes", i], `is not ${mt.what}`);
            else if (platform === "gcp" && i > 0 && `builds-${t}`.length > 40) {
                issue(
                    ["buildInstanceTypes", i],
                    `makes the GKE node pool name builds-${t}, longer than GKE's 40 characters; expected a machine type of at most 33`,
                );
            }
            const first = (c.buildInstanceTypes ?? []).indexOf(t);
            if (first < i) {
                issue(
                    ["buildInstanceTypes", i],
                    `duplicates buildInstanceTypes[${first}]; expected each machine type once`,
                );
            }
        });
        if (platform === "azure" && (c.buildInstanceTypes?.length ?? 0) > 1) {
            issue(
                ["buildInstanceTypes"],
                "has more than one VM size, but an AKS node pool has one: the others would do nothing; expected one VM size",
            );
        }
        if (platform === "aws" && c.namePrefix !== undefined && /^(xn--|sthree-|amzn-s3-demo-)/.test(c.namePrefix)) {
            issue(
                ["namePrefix"],
                "starts the S3 bucket name <namePrefix>-artifacts-…, which may not start with xn--, sthree- or amzn-s3-demo-; expected another prefix",
            );
        }
    }

    const gates = (c.gates ?? {}) as Partial<Record<CloudPlatform, Gate>>;
    for (const [cloud, gate] of Object.entries(gates) as [CloudPlatform, Gate | undefined][]) {
        if (gate === undefined) continue;
        const z = zoneIssue(cloud, gate);
        if (z !== undefined) issue(["gates", cloud, "existingZone"], z);
        if (cloud !== "gcp" && gate.project !== undefined) {
            issue(["gates", cloud, "project"], `does nothing: only the gcp gate takes a project; expected it unset`);
        }
    }
    if (c.gcpProject !== undefined && ctx.explicit.has("gcpProject") && platform !== "gcp" && gates.gcp === undefined) {
        issue(["gcpProject"], `does nothing on ${platform} without a gcp gate; expected it unset`);
    }

    // Secrets that would do nothing.
    for (const cloud of ["aws", "gcp", "azure"] as CloudPlatform[]) {
        const key = `gateCredentials${cloud[0].toUpperCase()}${cloud.slice(1)}`;
        if (!ctx.secretSet(key)) continue;
        if (gates[cloud] === undefined) issue([key], `does nothing without gates.${cloud}; expected it unset`);
    }
    if (platform !== "local") {
        for (const key of ["chainsSigningKey", "chainsSigningKeyPassword"]) {
            if (!ctx.secretSet(key)) continue;
            issue(
                [key],
                `does nothing on ${platform}: Tekton Chains signs with the site's KMS key, which never leaves the key service (docs/security.md); expected it unset`,
            );
        }
        if (c.chainsPublicKey !== undefined) {
            issue(
                ["chainsPublicKey"],
                `does nothing on ${platform}: promotion verifies with the site's KMS key (cosign --key <chainsKmsRef>); expected it unset`,
            );
        }
    } else if (ctx.secretSet("chainsSigningKeyPassword") && !ctx.secretSet("chainsSigningKey")) {
        issue(
            ["chainsSigningKeyPassword"],
            "does nothing without chainsSigningKey (the generated key has no password); expected it unset",
        );
    }
    const promoting = (c.streams ?? []).some((s) => s.promote);
    if (!promoting) {
        for (const key of ["mirrorReleaseRepository", "mirrorContentRepository"] as const) {
            if (c[key] !== undefined) {
                issue([key], "does nothing: no stream promotes; expected promote: true on a stream, or the key unset");
            }
        }
        if (ctx.secretSet("mirrorCredentials")) {
            issue(
                ["mirrorCredentials"],
                "does nothing: no stream promotes; expected promote: true on a stream, or the key unset",
            );
        }
    }
    for (const key of [
        "mirrorCredentials",
        "gateCredentialsAws",
        "gateCredentialsGcp",
        "gateCredentialsAzure",
        "chainsSigningKey",
    ]) {
        const value = ctx.secretValue(key);
        if (value === undefined) continue;
        const problem = secretFormat(key, value);
        if (problem !== undefined) issue([key], problem);
    }

    // Streams: release cadence, unique components.
    (c.streams ?? []).forEach((s, i) => {
        const release = parseCronJobSchedule(s.schedules.release);
        if (s.promote && "schedule" in release && !firesOnceAWeek(release.schedule)) {
            issue(
                ["streams", i, "schedules", "release"],
                `fires more than once a week, but releaseEveryWeeks (${s.schedules.releaseEveryWeeks}) counts weeks and every firing of a due week would promote; expected one minute, one hour and one weekday such as "0 5 * * 1", or @weekly`,
            );
        }
        const seen = new Map<string, number>();
        s.components.forEach((comp, j) => {
            const first = seen.get(comp.name);
            if (first !== undefined) {
                issue(
                    ["streams", i, "components", j, "name"],
                    `duplicates streams[${i}].components[${first}].name; expected one component per payload tag`,
                );
            } else seen.set(comp.name, j);
        });
    });

    if (platform === "local" && c.kubeconfig !== undefined) {
        const file = c.kubeconfig.startsWith("~/") ? path.join(os.homedir(), c.kubeconfig.slice(2)) : c.kubeconfig;
        if (!fs.existsSync(file)) {
            issue(["kubeconfig"], `names ${file}, which does not exist; expected the path of a kubeconfig file`);
        }
    }
    return { issues, notices };
}
