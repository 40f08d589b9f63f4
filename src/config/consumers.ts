/**
 * Who consumes each configuration value, and what each consumer refuses or silently changes.
 *
 * The schema (schema.ts) checks types and the rules that hold whatever the platform; the rules here depend on the
 * platform or on other keys. Both are listed in `consumerRules`, the table docs/configuration.md is generated from
 * and test/config/bad-input.test.ts covers row by row (a rule without a test row fails the tests). A value the
 * program rewrites safely (GCP label folding) is accepted and the rewrite is shown as a notice. The checks that
 * enforce the rows not in the schema are in ./consumer-checks.ts.
 */
import type { Platform } from "./schema";

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
