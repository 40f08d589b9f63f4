/**
 * The consumer table (src/config/consumers.ts) row by row, through the real program as `pulumi preview` runs it: each
 * row sets the config with `pulumi.runtime.setAllConfig` (secrets marked secret), runs `run()` from src/program.ts and
 * expects exactly the lines the user reads (`okd-ci:<key> = <value>: <message>`) and no registered resource. Rows a
 * consumer accepts (`lines: []`) run the program's first step, loadConfig over the same runtime config, and expect
 * no problem and exactly the notices of values the program rewrites. Every rule of the table has a row.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { loadConfig, runtimeConfigSource } from "../../src/config/load";
import { consumerRules } from "../../src/config/consumers";
import { awsRegions, azureLocations as azureRegions } from "../../src/config/regions";
import { recorder, settled, useMocks } from "../helpers";

const stream = {
    minor: "4.15",
    branch: "release-4.15",
    basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
};
const local = { platform: "local" };
const aws = {
    platform: "aws",
    region: "us-east-1",
    adminPrincipals: ["arn:aws:iam::111122223333:role/okd-ci-deployer"],
};
const gcp = { platform: "gcp", region: "europe-west4", gcpProject: "okd-ci-example" };
const azure = { platform: "azure", region: "westeurope" };
const gate = { baseDomain: "ci.okd.example.org" };
/** What promotion needs besides the stream's flag. */
const mirrors = {
    mirrorReleaseRepository: "quay.io/okd/okd",
    mirrorContentRepository: "quay.io/okd/okd-content",
    mirrorCredentials: '{"auths":{"quay.io":{"auth":"eDp5"}}}',
};
const azurePrincipal = JSON.stringify({ subscriptionId: "s", clientId: "c", tenantId: "t", clientSecret: "hunter2" });
const component = {
    name: "installer",
    repository: "openshift/installer",
    dockerfile: "images/installer/Dockerfile.ci",
};
const expectedSchedule =
    'expected five cron fields in UTC such as "0 5 * * 1", or @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>';

interface Row {
    /** The consumer rule (src/config/consumers.ts id) or "types" for the schema's type and format rules. */
    rule: string;
    what: string;
    config: Record<string, unknown>;
    /** Keys set with `--secret`. */
    secret?: string[];
    /** Every problem line, without the leading "  - "; empty when the consumers accept the value. */
    lines: string[];
    /** Notices of rewritten values (accepted rows only). */
    notices?: string[];
}

const consumerRows: Row[] = [
    // --- the cloud APIs ---
    {
        rule: "aws-tag",
        what: "an AWS tag key in the reserved aws: namespace",
        config: { ...aws, tags: { "aws:owner": "okd" } },
        lines: [
            'okd-ci:tags.aws:owner = "okd": is not an AWS tag key; expected 1-128 letters, digits, spaces or _ . : / = + - @, not starting with aws:',
        ],
    },
    {
        rule: "aws-tag",
        what: "an AWS tag value with a character AWS refuses",
        config: { ...aws, tags: { team: "okd;release" } },
        lines: [
            'okd-ci:tags.team = "okd;release": is not an AWS tag value; expected up to 256 letters, digits, spaces or _ . : / = + - @',
        ],
    },
    {
        rule: "aws-tag",
        what: "an AWS tag with spaces and @, which AWS takes",
        config: { ...aws, tags: { "Cost Center": "okd@example.org" } },
        lines: [],
    },
    {
        rule: "azure-tag",
        what: "an Azure tag name with a slash",
        config: { ...azure, tags: { "team/app": "okd" } },
        lines: [
            'okd-ci:tags.team/app = "okd": is not an Azure tag name; expected 1-128 characters without < > % & \\ ? /',
        ],
    },
    {
        rule: "gcp-label-fold",
        what: "GCP tags that fold to one label key",
        config: { ...gcp, tags: { Team: "a", team: "b" } },
        lines: [
            'okd-ci:tags.team = "b": folds to the GCP label key team, as tags.Team does; expected tags that stay distinct as lower-case letters, digits, _ and -',
        ],
    },
    {
        rule: "gcp-label-fold",
        what: "a GCP tag outside the label alphabet, accepted and shown as the label applied",
        config: { ...gcp, tags: { Team: "Platform Eng" } },
        lines: [],
        notices: [
            'okd-ci:tags.Team = "Platform Eng": applied as the GCP label team=platform_eng (labels allow lower-case letters, digits, _ and -, up to 63)',
        ],
    },
    {
        rule: "standard-tag",
        what: "a tag that would replace okd-ci's managed-by",
        config: { ...aws, tags: { "managed-by": "terraform" } },
        lines: [
            'okd-ci:tags.managed-by = "terraform": is one of okd-ci\'s own tags (okd-ci-project, okd-ci-stack, managed-by); expected another key',
        ],
    },
    {
        rule: "machine-type",
        what: "a GCP machine type on AWS",
        config: { ...aws, buildInstanceTypes: ["n2-standard-8"] },
        lines: [
            'okd-ci:buildInstanceTypes[0] = "n2-standard-8": is not an EC2 instance type <family>.<size>, e.g. m6i.2xlarge',
        ],
    },
    {
        rule: "machine-type",
        what: "an EC2 instance type on GCP",
        config: { ...gcp, systemInstanceType: "m6i.large" },
        lines: [
            'okd-ci:systemInstanceType = "m6i.large": is not a Compute Engine machine type, e.g. n2-standard-8 or n2-custom-8-32768',
        ],
    },
    {
        rule: "machine-type",
        what: "an Azure VM size without its Standard_ tier",
        config: { ...azure, systemInstanceType: "D2s_v5" },
        lines: ['okd-ci:systemInstanceType = "D2s_v5": is not an Azure VM size Standard_<size>, e.g. Standard_D8s_v5'],
    },
    {
        rule: "gke-pool-name",
        what: "a further GCP build machine type too long for its node pool name",
        config: { ...gcp, buildInstanceTypes: ["n2-standard-8", "n2-custom-80-655360-extended-memory"] },
        lines: [
            'okd-ci:buildInstanceTypes[1] = "n2-custom-80-655360-extended-memory": makes the GKE node pool name builds-n2-custom-80-655360-extended-memory, longer than GKE\'s 40 characters; expected a machine type of at most 33',
        ],
    },
    {
        rule: "unique-machine-types",
        what: "a build machine type listed twice",
        config: { ...aws, buildInstanceTypes: ["m6i.2xlarge", "m6a.2xlarge", "m6i.2xlarge"] },
        lines: [
            'okd-ci:buildInstanceTypes[2] = "m6i.2xlarge": duplicates buildInstanceTypes[0]; expected each machine type once',
        ],
    },
    {
        rule: "aks-one-vm-size",
        what: "two VM sizes for the one AKS build pool",
        config: { ...azure, buildInstanceTypes: ["Standard_D8s_v5", "Standard_D8as_v5"] },
        lines: [
            'okd-ci:buildInstanceTypes = ["Standard_D8s_v5","Standard_D8as_v5"]: has more than one VM size, but an AKS node pool has one: the others would do nothing; expected one VM size',
        ],
    },
    {
        rule: "s3-bucket-prefix",
        what: "a name prefix no S3 bucket may start with",
        config: { ...aws, namePrefix: "xn--okd" },
        lines: [
            'okd-ci:namePrefix = "xn--okd": starts the S3 bucket name <namePrefix>-artifacts-…, which may not start with xn--, sthree- or amzn-s3-demo-; expected another prefix',
        ],
    },
    {
        rule: "existing-zone",
        what: "a Route 53 zone given as the API's /hostedzone/ path",
        config: {
            ...aws,
            gates: {
                aws: { ...gate, region: "us-east-2", existingZone: "/hostedzone/Z0123456789ABC", sharedWithSite: true },
            },
        },
        lines: [
            'okd-ci:gates.aws.existingZone = "/hostedzone/Z0123456789ABC": is not a Route 53 hosted zone id; expected Z followed by up to 31 upper-case letters and digits (Z0123456789ABC, without /hostedzone/)',
        ],
    },
    {
        rule: "existing-zone",
        what: "a Cloud DNS zone given by its DNS name",
        config: {
            ...gcp,
            gates: {
                gcp: { ...gate, region: "europe-west4", existingZone: "ci.okd.example.org", sharedWithSite: true },
            },
        },
        lines: [
            'okd-ci:gates.gcp.existingZone = "ci.okd.example.org": is not a Cloud DNS managed zone name; expected 1-63 lower-case letters, digits and dashes, starting with a letter (the zone\'s name, not its DNS name)',
        ],
    },
    {
        rule: "existing-zone",
        what: "an Azure DNS zone that is not the gate's base domain",
        config: {
            ...azure,
            gates: {
                azure: {
                    ...gate,
                    region: "westeurope",
                    sharedWithSite: true,
                    existingZone:
                        "/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/dnszones/example.org",
                },
            },
            gateCredentialsAzure: azurePrincipal,
        },
        secret: ["gateCredentialsAzure"],
        lines: [
            'okd-ci:gates.azure.existingZone = "/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/dnszones/example.org": names the zone example.org, but openshift-install creates the cluster\'s records in the zone named baseDomain (ci.okd.example.org); expected the id of that zone',
        ],
    },
    {
        rule: "gate-project",
        what: "a project on the aws gate",
        config: {
            ...aws,
            gates: { aws: { ...gate, region: "us-east-2", project: "okd-ci-e2e", sharedWithSite: true } },
        },
        lines: [
            'okd-ci:gates.aws.project = "okd-ci-e2e": does nothing: only the gcp gate takes a project; expected it unset',
        ],
    },
    // --- keys that do nothing on the chosen platform ---
    {
        rule: "cloud-only",
        what: "on-demand build nodes on the local platform",
        config: { ...local, buildSpot: false },
        lines: [
            "okd-ci:buildSpot = false: does nothing on the local platform (an existing cluster); expected it unset, or a cloud platform",
        ],
    },
    {
        rule: "cloud-only",
        what: "an e2e gate on the local platform",
        config: { ...local, gates: { aws: { ...gate, region: "us-east-2", existingZone: "Z0123" } } },
        lines: [
            'okd-ci:gates = {"aws":{"baseDomain":"ci.okd.example.org","region":"us-east-2","existingZone":"Z0123"}}: does nothing on the local platform (an existing cluster); expected it unset, or a cloud platform',
        ],
    },
    {
        rule: "cloud-only",
        what: "protect off on the local platform, whose in-cluster registry nothing protects",
        config: { ...local, protect: false },
        lines: [
            "okd-ci:protect = false: does nothing on the local platform (an existing cluster); expected it unset, or a cloud platform",
        ],
    },
    {
        rule: "types",
        what: "a stream with an empty component list",
        config: { ...aws, streams: [{ ...stream, components: [] }] },
        lines: [
            "okd-ci:streams[0].components = []: expected at least one component: an empty list builds nothing (leave components out for OKD's default list)",
        ],
    },
    {
        rule: "cloud-only",
        what: "a cloud key at its declared default on local, as the Pulumi CLI passes it",
        config: { ...local, buildSpot: true, buildDiskGb: 200, kubernetesVersion: "" },
        lines: [],
    },
    {
        rule: "local-only",
        what: "a kube context on AWS",
        config: { ...aws, kubeContext: "kind-kind" },
        lines: [
            'okd-ci:kubeContext = "kind-kind": is for the local platform only and does nothing on aws; expected it unset',
        ],
    },
    {
        rule: "gcp-project-unused",
        what: "a GCP project on an AWS site without a gcp gate",
        config: { ...aws, gcpProject: "okd-ci-example" },
        lines: ['okd-ci:gcpProject = "okd-ci-example": does nothing on aws without a gcp gate; expected it unset'],
    },
    {
        rule: "unused-secret",
        what: "AWS gate credentials without an aws gate",
        config: { ...aws, gateCredentialsAws: "[default]\naws_access_key_id = A\naws_secret_access_key = hunter2\n" },
        secret: ["gateCredentialsAws"],
        lines: ["okd-ci:gateCredentialsAws = [secret]: does nothing without gates.aws; expected it unset"],
    },
    {
        rule: "unused-secret",
        what: "a signing key password without a signing key",
        config: { ...local, chainsSigningKeyPassword: "hunter2" },
        secret: ["chainsSigningKeyPassword"],
        lines: [
            "okd-ci:chainsSigningKeyPassword = [secret]: does nothing without chainsSigningKey (the generated key has no password); expected it unset",
        ],
    },
    {
        rule: "unused-secret",
        what: "a Chains signing key on a cloud, which signs with its KMS key",
        config: { ...aws, chainsSigningKey: "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----" },
        secret: ["chainsSigningKey"],
        lines: [
            "okd-ci:chainsSigningKey = [secret]: does nothing on aws: Tekton Chains signs with the site's KMS key, which never leaves the key service (docs/security.md); expected it unset",
        ],
    },
    {
        rule: "unused-secret",
        what: "a Chains public key on a cloud, where promotion verifies with the KMS key",
        config: {
            ...aws,
            chainsPublicKey: "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n",
        },
        lines: [
            'okd-ci:chainsPublicKey = "-----BEGIN PUBLIC KEY-----\\nMFkw\\n-----END PUBLIC KEY-----\\n": does nothing on aws: promotion verifies with the site\'s KMS key (cosign --key <chainsKmsRef>); expected it unset',
        ],
    },
    {
        rule: "unused-secret",
        what: "a mirror repository when no stream promotes",
        config: { ...aws, streams: [stream], mirrorReleaseRepository: "quay.io/okd/okd" },
        lines: [
            'okd-ci:mirrorReleaseRepository = "quay.io/okd/okd": does nothing: no stream promotes; expected promote: true on a stream, or the key unset',
        ],
    },
    // --- Kubernetes, Tekton, git, the build ---
    {
        rule: "cron",
        what: "7 for Sunday, which Kubernetes refuses",
        config: { ...aws, streams: [{ ...stream, schedules: { nightly: "0 2 * * 7" } }] },
        lines: [
            `okd-ci:streams[0].schedules.nightly = "0 2 * * 7": is not a schedule Kubernetes accepts (end of range (7) above maximum (6): 7); ${expectedSchedule}`,
        ],
    },
    {
        rule: "cron",
        what: "a time zone in the schedule, which the API server refuses on create",
        config: { ...aws, tektonPruneSchedule: "CRON_TZ=Europe/Paris 0 4 * * *" },
        lines: [
            `okd-ci:tektonPruneSchedule = "CRON_TZ=Europe/Paris 0 4 * * *": is not a schedule Kubernetes accepts (cannot use TZ or CRON_TZ in schedule, use timeZone field instead); ${expectedSchedule}`,
        ],
    },
    {
        rule: "cron",
        what: "descriptors, names, ranges and steps, which Kubernetes accepts",
        config: {
            ...aws,
            tektonPruneSchedule: "@every 6h",
            streams: [{ ...stream, schedules: { nightly: "*/30 1-5 ? * MON-FRI", release: "@weekly" } }],
        },
        lines: [],
    },
    {
        rule: "weekly-release",
        what: "a daily release schedule on a promoting stream",
        config: { ...aws, ...mirrors, streams: [{ ...stream, promote: true, schedules: { release: "0 5 * * *" } }] },
        secret: ["mirrorCredentials"],
        lines: [
            'okd-ci:streams[0].schedules.release = "0 5 * * *": fires more than once a week, but releaseEveryWeeks (2) counts weeks and every firing of a due week would promote; expected one minute, one hour and one weekday such as "0 5 * * 1", or @weekly',
        ],
    },
    {
        rule: "types",
        what: "manual promotion on a stream that does not promote",
        config: { ...aws, streams: [{ ...stream, promotion: "manual" }] },
        lines: [
            'okd-ci:streams[0].promotion = "manual": manual needs promote: true (a stream that does not promote has no release Pipeline to start by hand)',
        ],
    },
    {
        rule: "types",
        what: "a promotion mode that does not exist",
        config: { ...aws, streams: [{ ...stream, promotion: "approved" }] },
        lines: ['okd-ci:streams[0].promotion = "approved": expected scheduled or manual'],
    },
    {
        rule: "types",
        what: "a key in a namespace nothing reads (okdci: for okd-ci:)",
        config: { ...aws, "okdci:profile": "small" },
        lines: [
            'okdci:profile = "small": is not in the okd-ci namespace, so nothing reads it (namespaces read: okd-ci, aws, gcp, azure-native, kubernetes, random, tls, pulumi); did you mean okd-ci:profile?',
        ],
    },
    {
        rule: "types",
        what: "the platform in a misspelt namespace, named besides the missing okd-ci:platform",
        config: { "okd_ci:platform": "aws", "okd_ci:mirrorCredentials": "hunter2" },
        secret: ["okd_ci:mirrorCredentials"],
        lines: [
            "okd-ci:platform = (not set): expected one of aws, gcp, azure, local",
            "okd_ci:mirrorCredentials = [secret]: is not in the okd-ci namespace, so nothing reads it (namespaces read: okd-ci, aws, gcp, azure-native, kubernetes, random, tls, pulumi); did you mean okd-ci:mirrorCredentials?",
            'okd_ci:platform = "aws": is not in the okd-ci namespace, so nothing reads it (namespaces read: okd-ci, aws, gcp, azure-native, kubernetes, random, tls, pulumi); did you mean okd-ci:platform?',
        ],
    },
    {
        rule: "types",
        what: "provider settings next to the program's keys",
        config: { ...aws, "aws:region": "us-east-1", "kubernetes:enableServerSideApply": "true" },
        lines: [],
    },
    {
        rule: "minor",
        what: "a minor YAML read as a number",
        config: { ...aws, streams: [{ ...stream, minor: 4.2 }] },
        lines: [
            'okd-ci:streams[0].minor = 4.2: expected a minor version such as "4.15"; YAML reads an unquoted version as a number, so quote it: minor: "4.20" (or minor: "4.2" if you meant 4.2)',
        ],
    },
    {
        rule: "minor",
        what: "a Kubernetes version YAML read as a number",
        config: { ...aws, kubernetesVersion: 1.3 },
        lines: [
            'okd-ci:kubernetesVersion = "1.3": is not in Amazon EKS standard support (checked 2026-11-30); expected one of 1.34, 1.35, 1.36; YAML reads an unquoted version as a number, so quote it: okd-ci:kubernetesVersion: "1.30" (or okd-ci:kubernetesVersion: "1.3" if you meant 1.3)',
        ],
    },
    {
        rule: "minor",
        what: "a minor with a leading zero, which no SemVer payload name can carry",
        config: { ...aws, streams: [{ ...stream, minor: "4.05" }] },
        lines: [
            'okd-ci:streams[0].minor = "4.05": expected a minor version such as "4.15" (4 or 5, a dot, a number without leading zero)',
        ],
    },
    {
        rule: "git-branch",
        what: "a branch ending in .lock, which git refuses",
        config: { ...aws, streams: [{ ...stream, branch: "release-4.15.lock" }] },
        lines: [
            'okd-ci:streams[0].branch = "release-4.15.lock": expected a git branch such as "master" or "release-4.15" (letters, digits, . _ / -, as git check-ref-format --branch accepts)',
        ],
    },
    {
        rule: "git-branch",
        what: "a branch with a quote, which would break the push filter's CEL string",
        config: { ...aws, streams: [{ ...stream, branch: "it's" }] },
        lines: [
            'okd-ci:streams[0].branch = "it\'s": expected a git branch such as "master" or "release-4.15" (letters, digits, . _ / -, as git check-ref-format --branch accepts)',
        ],
    },
    {
        rule: "github-repository",
        what: "a repository with the .git of its clone URL",
        config: {
            ...aws,
            streams: [{ ...stream, components: [{ ...component, repository: "openshift/installer.git" }] }],
        },
        lines: [
            'okd-ci:streams[0].components[0].repository = "openshift/installer.git": expected a GitHub repository as org/name',
        ],
    },
    {
        rule: "component-unique",
        what: "two components for one payload tag",
        config: {
            ...aws,
            streams: [{ ...stream, components: [component, { ...component, dockerfile: "Dockerfile" }] }],
        },
        lines: [
            'okd-ci:streams[0].components[1].name = "installer": duplicates streams[0].components[0].name; expected one component per payload tag',
        ],
    },
    {
        rule: "build-arg",
        what: "a build arg name with a dash and a value on two lines",
        config: {
            ...aws,
            streams: [
                { ...stream, components: [{ ...component, buildArgs: { "GO-FLAGS": "-mod=vendor", TAGS: "a\nb" } }] },
            ],
        },
        lines: [
            'okd-ci:streams[0].components[0].buildArgs.GO-FLAGS = "-mod=vendor": has a name buildah cannot take (build-image.sh splits KEY=VALUE at the first =); expected a letter or _ followed by letters, digits or _',
            'okd-ci:streams[0].components[0].buildArgs.TAGS = "a\\nb": expected one-line build arg values (build-image.sh reads one KEY=VALUE per line)',
        ],
    },
    {
        rule: "repo-path",
        what: "a Containerfile outside the repository",
        config: { ...aws, streams: [{ ...stream, components: [{ ...component, dockerfile: "../Dockerfile" }] }] },
        lines: [
            'okd-ci:streams[0].components[0].dockerfile = "../Dockerfile": expected a relative path inside the repository (no leading /, no .., one line)',
        ],
    },
    {
        rule: "image-reference",
        what: "a base payload with an upper-case repository path",
        config: { ...aws, streams: [{ ...stream, basePayload: "quay.io/openshift/OKD:4.15.0" }] },
        lines: [
            'okd-ci:streams[0].basePayload = "quay.io/openshift/OKD:4.15.0": expected an image pull spec with a tag or digest, e.g. quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116',
        ],
    },
    {
        rule: "image-reference",
        what: "repository names with the separators distribution/reference allows",
        config: {
            ...aws,
            ...mirrors,
            mirrorContentRepository: "quay.io/okd/okd__content--x",
            streams: [{ ...stream, promote: true }],
        },
        secret: ["mirrorCredentials"],
        lines: [],
    },
    {
        rule: "storage-class",
        what: "a StorageClass name with an upper-case letter",
        config: { ...local, storageClass: "Fast" },
        lines: [
            'okd-ci:storageClass = "Fast": expected a StorageClass name (a DNS-1123 subdomain: lower-case letters, digits, - and .)',
        ],
    },
    {
        rule: "storage-class",
        what: "a StorageClass name with dots, a DNS subdomain as Kubernetes allows",
        config: { ...local, storageClass: "ebs.csi.gp3" },
        lines: [],
    },
    {
        rule: "kubeconfig-file",
        what: "a kubeconfig path that does not exist",
        config: { ...local, kubeconfig: "/nonexistent/okd-ci/kubeconfig" },
        lines: [
            'okd-ci:kubeconfig = "/nonexistent/okd-ci/kubeconfig": names /nonexistent/okd-ci/kubeconfig, which does not exist; expected the path of a kubeconfig file',
        ],
    },
    {
        rule: "secret-format",
        what: "mirror credentials that are not a .dockerconfigjson, without echoing them",
        config: { ...aws, ...mirrors, mirrorCredentials: "hunter2-not-json", streams: [{ ...stream, promote: true }] },
        secret: ["mirrorCredentials"],
        lines: [
            'okd-ci:mirrorCredentials = [secret]: is not a .dockerconfigjson document; expected JSON with an "auths" object (podman login --authfile auth.json quay.io writes one)',
        ],
    },
    {
        rule: "secret-format",
        what: "an Azure service principal without its tenant, without echoing it",
        config: {
            ...azure,
            gates: { azure: { ...gate, region: "westeurope", sharedWithSite: true } },
            gateCredentialsAzure: JSON.stringify({ subscriptionId: "s", clientId: "c", clientSecret: "hunter2" }),
        },
        secret: ["gateCredentialsAzure"],
        lines: [
            "okd-ci:gateCredentialsAzure = [secret]: is not an osServicePrincipal.json; expected JSON with subscriptionId, clientId, tenantId and clientSecret (or clientCertificate)",
        ],
    },
    {
        rule: "did-you-mean",
        what: "a misspelt stream field",
        config: { ...aws, streams: [{ ...stream, brnach: "master" }] },
        lines: [
            'okd-ci:streams[0] = {"minor":"4.15","branch":"release-4.15","basePayload":"quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116","brnach"...: has unknown field brnach (did you mean branch?); expected only minor, branch, variant, fcosStream, nodeImage, nodeExtensionsImage, basePayload, components, schedules, promote, promotion, throttle, upgradeGate',
        ],
    },
];

/** A GCP gate key as the gcp gate's installer account has one (fake values). */
const gcpGateKey = JSON.stringify({
    type: "service_account",
    project_id: "okd-e2e-gcp",
    private_key: "-----BEGIN PRIVATE KEY-----\nfake\n-----END PRIVATE KEY-----\n",
    client_email: "okd-e2e-installer@okd-e2e-gcp.iam.gserviceaccount.com",
});
const typeRows: Row[] = [
    {
        rule: "types",
        what: "an upgrade gate on a cloud that has no gate",
        config: {
            ...aws,
            gates: { gcp: { ...gate, region: "europe-west4", project: "okd-e2e-gcp", existingZone: "okd-e2e" } },
            gateCredentialsGcp: gcpGateKey,
            streams: [{ ...stream, upgradeGate: { gate: "aws" } }],
        },
        secret: ["gateCredentialsGcp"],
        lines: [
            'okd-ci:streams[0].upgradeGate.gate = "aws": is aws, but gates.aws is not configured; expected one of the configured gates (gcp)',
        ],
    },
    {
        rule: "types",
        what: "an upgrade gate starting from something other than a promoted or accepted release",
        config: {
            ...aws,
            gates: { gcp: { ...gate, region: "europe-west4", project: "okd-e2e-gcp", existingZone: "okd-e2e" } },
            gateCredentialsGcp: gcpGateKey,
            streams: [{ ...stream, upgradeGate: { gate: "gcp", from: "newest" } }],
        },
        secret: ["gateCredentialsGcp"],
        lines: ['okd-ci:streams[0].upgradeGate.from = "newest": expected one of promoted, accepted'],
    },
    {
        rule: "types",
        what: "a word where a count belongs",
        config: { ...aws, buildMaxNodes: "ten" },
        lines: ['okd-ci:buildMaxNodes = "ten": expected a whole number from 1 to 200'],
    },
    {
        rule: "types",
        what: "a fractional node count",
        config: { ...aws, buildMinNodes: 1.5 },
        lines: ["okd-ci:buildMinNodes = 1.5: expected a whole number from 0 to 100"],
    },
    {
        rule: "types",
        what: "a build disk below the minimum size",
        config: { ...aws, buildDiskGb: 10 },
        lines: ["okd-ci:buildDiskGb = 10: expected a whole number from 50 to 2000"],
    },
    {
        rule: "types",
        what: "more parallel builds than Tekton's matrix allows in one pipeline task",
        config: { ...aws, maxParallelBuilds: 257 },
        lines: ["okd-ci:maxParallelBuilds = 257: expected a whole number from 1 to 256"],
    },
    {
        rule: "types",
        what: "an empty system pool",
        config: { ...aws, systemNodes: 0 },
        lines: ["okd-ci:systemNodes = 0: expected a whole number from 1 to 10"],
    },
    {
        rule: "types",
        what: "a build pool whose maximum is below its minimum",
        config: { ...aws, buildMinNodes: 5, buildMaxNodes: 2 },
        lines: ["okd-ci:buildMaxNodes = 2: is below buildMinNodes (5); expected at least 5"],
    },
    {
        rule: "types",
        what: "a yes where a boolean belongs",
        config: { ...aws, buildSpot: "yes" },
        lines: ['okd-ci:buildSpot = "yes": expected true or false'],
    },
    {
        rule: "types",
        what: "an unknown platform",
        config: { platform: "openstack" },
        lines: ['okd-ci:platform = "openstack": expected one of aws, gcp, azure, local'],
    },
    {
        rule: "types",
        what: "no platform at all",
        config: { region: "us-east-1" },
        lines: ["okd-ci:platform = (not set): expected one of aws, gcp, azure, local"],
    },
    {
        rule: "types",
        what: "a GCP-style region on AWS",
        config: { ...aws, region: "us-east1" },
        lines: [`okd-ci:region = "us-east1": is not a region of aws; expected one of ${awsRegions.join(", ")}`],
    },
    {
        rule: "types",
        what: "a misspelt Azure location",
        config: { platform: "azure", region: "eastus-2" },
        lines: [`okd-ci:region = "eastus-2": is not a region of azure; expected one of ${azureRegions.join(", ")}`],
    },
    {
        rule: "types",
        what: "gcp without a project",
        config: { platform: "gcp", region: "us-central1" },
        lines: [
            "okd-ci:gcpProject = (not set): is required on gcp; expected the id of the project the site is created in",
        ],
    },
    {
        rule: "types",
        what: "a Kubernetes version past EKS standard support",
        config: { ...aws, kubernetesVersion: "1.33" },
        lines: [
            'okd-ci:kubernetesVersion = "1.33": is not in Amazon EKS standard support (checked 2026-11-30); expected one of 1.34, 1.35, 1.36',
        ],
    },
    {
        rule: "types",
        what: "an upper-case name prefix",
        config: { ...local, namePrefix: "OKD" },
        lines: [
            'okd-ci:namePrefix = "OKD": expected 3-16 lower-case letters, digits and dashes, starting with a letter',
        ],
    },
    {
        rule: "types",
        what: "a tag value longer than any cloud allows",
        config: { ...aws, tags: { team: "x".repeat(257) } },
        lines: [`okd-ci:tags.team = "${"x".repeat(116)}...: expected tag values of at most 256 characters`],
    },
    {
        rule: "types",
        what: "streams given as a map instead of a list",
        config: { ...local, streams: { minor: "4.15" } },
        lines: ['okd-ci:streams = {"minor":"4.15"}: expected a list of release streams'],
    },
    {
        rule: "types",
        what: "a stream without a branch",
        config: { ...local, streams: [{ minor: "4.15", basePayload: stream.basePayload }] },
        lines: [
            'okd-ci:streams[0].branch = (not set): expected a git branch such as "master" or "release-4.15" (letters, digits, . _ / -, as git check-ref-format --branch accepts)',
        ],
    },
    {
        rule: "types",
        what: "two streams for the same minor",
        config: { ...local, streams: [stream, stream] },
        lines: [
            'okd-ci:streams[1].minor = "4.15": duplicates streams[0].minor; each minor version may have one stream',
        ],
    },
    {
        rule: "types",
        what: "a base payload without a tag",
        config: { ...local, streams: [{ ...stream, basePayload: "quay.io/openshift/okd" }] },
        lines: [
            'okd-ci:streams[0].basePayload = "quay.io/openshift/okd": expected an image pull spec with a tag or digest, e.g. quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116',
        ],
    },
    {
        rule: "types",
        what: "an unknown Fedora CoreOS stream",
        config: { ...local, streams: [{ ...stream, fcosStream: "rawhide" }] },
        lines: [
            'okd-ci:streams[0].fcosStream = "rawhide": expected one of stable, testing, next, testing-devel, next-devel',
        ],
    },
    {
        rule: "types",
        what: "a six-field nightly schedule",
        config: { ...local, streams: [{ ...stream, schedules: { nightly: "0 2 * * * *" } }] },
        lines: [
            'okd-ci:streams[0].schedules.nightly = "0 2 * * * *": is not a schedule Kubernetes accepts (expected exactly 5 fields, found 6: [0 2 * * * *]); expected five cron fields in UTC such as "0 5 * * 1", or @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>',
        ],
    },
    {
        rule: "types",
        what: "a component repository without its organisation",
        config: {
            ...local,
            streams: [
                { ...stream, components: [{ name: "installer", repository: "installer", dockerfile: "Dockerfile" }] },
            ],
        },
        lines: ['okd-ci:streams[0].components[0].repository = "installer": expected a GitHub repository as org/name'],
    },
    {
        rule: "types",
        what: "a promoting stream without mirror credentials",
        config: {
            ...local,
            streams: [{ ...stream, promote: true }],
            mirrorReleaseRepository: "quay.io/okd/okd",
            mirrorContentRepository: "quay.io/okd/okd-content",
        },
        lines: [
            "okd-ci:mirrorCredentials = (not set): is required because streams[0] promotes; set a .dockerconfigjson with push access to the mirror repositories with: pulumi config set --secret mirrorCredentials --stack test < auth.json",
        ],
    },
    {
        rule: "types",
        what: "a mirror repository with a tag",
        config: { ...local, mirrorReleaseRepository: "quay.io/okd/okd:latest" },
        lines: [
            'okd-ci:mirrorReleaseRepository = "quay.io/okd/okd:latest": expected a registry repository without tag, e.g. quay.io/openshift/okd',
        ],
    },
    {
        rule: "types",
        what: "a gate on another cloud without credentials or an existing zone",
        config: {
            ...aws,
            gates: { gcp: { baseDomain: "ci.okd.example.org", region: "us-central1", project: "okd-ci-e2e" } },
        },
        lines: [
            "okd-ci:gateCredentialsGcp = (not set): is required because gates.gcp runs on another cloud than the site (aws); set a GCP service account key (JSON) with: pulumi config set --secret gateCredentialsGcp --stack test < gcp-service-account.json",
            "okd-ci:gates.gcp.existingZone = (not set): is required because the site is on aws: a gcp gate's DNS zone must already exist; expected its Cloud DNS managed zone name",
        ],
    },
    {
        rule: "types",
        what: "a gate region of another cloud",
        config: {
            ...aws,
            gates: { aws: { baseDomain: "ci.okd.example.org", region: "westeurope", sharedWithSite: true } },
        },
        lines: [
            `okd-ci:gates.aws.region = "westeurope": is not a region of aws; expected one of ${awsRegions.join(", ")}`,
        ],
    },
    {
        rule: "types",
        what: "a gate on a cloud okd-ci does not know",
        config: { ...aws, gates: { openstack: { baseDomain: "ci.okd.example.org", region: "x" } } },
        lines: [
            'okd-ci:gates = {"openstack":{"baseDomain":"ci.okd.example.org","region":"x"}}: has unknown field openstack; expected only aws, gcp, azure',
        ],
    },
    {
        rule: "types",
        what: "a misspelt key",
        config: { ...aws, buildMaxNode: 3 },
        lines: [
            'okd-ci:buildMaxNode = "3": is not a known key (did you mean buildMaxNodes?); expected one of platform, region, gcpProject, kubernetesVersion, profile, namePrefix, tags, protect, systemInstanceType, systemNodes, buildInstanceTypes, buildSpot, buildMinNodes, buildMaxNodes, buildDiskGb, maxParallelBuilds, nightlyRetentionDays, untaggedRetentionDays, logRetentionDays, streams, mirrorReleaseRepository, mirrorContentRepository, mirrorCredentials, gates, gateCredentialsAws, gateCredentialsGcp, gateCredentialsAzure, githubWebhookSecret, webhookHostname, webhookDnsZone, webhookSourceRanges, adminPrincipals, controlPlaneCidrs, chainsSigningKey, chainsSigningKeyPassword, chainsPublicKey, tektonPruneKeep, tektonPruneSchedule, nightlyDispatchSchedule, reaperSchedule, statusSchedule, reaperTtlHours, reaperDryRun, tektonManifestSource, kubeconfig, kubeContext, objectStoreAccessKey, objectStoreSecretKey, storageClass',
        ],
    },
    {
        rule: "types",
        what: "a secret stored in plain text, without echoing it",
        config: { ...local, githubWebhookSecret: "hunter2-webhook" },
        lines: [
            "okd-ci:githubWebhookSecret = [hidden]: holds a secret but is stored in plain text; set it with: pulumi config set --secret githubWebhookSecret --stack test",
        ],
    },
    {
        rule: "types",
        what: "a prune schedule in words",
        config: { ...local, tektonPruneSchedule: "every night" },
        lines: [
            'okd-ci:tektonPruneSchedule = "every night": is not a schedule Kubernetes accepts (expected exactly 5 fields, found 2: [every night]); expected five cron fields in UTC such as "0 5 * * 1", or @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>',
        ],
    },
    {
        rule: "types",
        what: "several problems at once, sorted by key",
        config: { ...aws, region: "us-east1", buildDiskGb: 10, streams: [{ ...stream, branch: "" }] },
        lines: [
            "okd-ci:buildDiskGb = 10: expected a whole number from 50 to 2000",
            `okd-ci:region = "us-east1": is not a region of aws; expected one of ${awsRegions.join(", ")}`,
            'okd-ci:streams[0].branch = "": expected a git branch such as "master" or "release-4.15" (letters, digits, . _ / -, as git check-ref-format --branch accepts)',
        ],
    },
];

const rows = [...consumerRows, ...typeRows];

/** The problem lines of a ConfigError message, without the "  - " bullets. */
function problemLines(message: string): string[] {
    return message
        .split("\n")
        .filter((l) => l.startsWith("  - "))
        .map((l) => l.slice(4));
}

function setConfig(row: Row): void {
    const config = Object.fromEntries(
        Object.entries(row.config).map(([k, v]) => [
            k.includes(":") ? k : `okd-ci:${k}`,
            typeof v === "string" ? v : JSON.stringify(v),
        ]),
    );
    pulumi.runtime.setAllConfig(
        config,
        (row.secret ?? []).map((k) => (k.includes(":") ? k : `okd-ci:${k}`)),
    );
}

describe("bad stack configuration through the program", () => {
    useMocks();

    afterEach(() => pulumi.runtime.setAllConfig({}, []));

    it("has a row for every rule of the consumer table", () => {
        const covered = new Set(rows.map((r) => r.rule));
        assert.deepEqual(
            consumerRules.map((r) => r.id).filter((id) => !covered.has(id)),
            [],
        );
        const known = new Set([...consumerRules.map((r) => r.id), "types"]);
        assert.deepEqual(
            rows.filter((r) => !known.has(r.rule)).map((r) => r.rule),
            [],
        );
    });

    for (const row of rows.filter((r) => r.lines.length > 0)) {
        it(`[${row.rule}] rejects ${row.what} with the exact message and registers nothing`, async () => {
            await settled();
            const before = recorder().resources.length;
            setConfig(row);
            const { run } = await import("../../src/program");
            let message = "";
            await assert.rejects(run(), (err: Error) => {
                message = err.message;
                return err.name === "ConfigError";
            });
            const n = row.lines.length;
            assert.ok(
                message.startsWith(`Invalid stack configuration (${n} problem${n === 1 ? "" : "s"}):\n`),
                message,
            );
            assert.deepEqual(problemLines(message), row.lines);
            assert.ok(!message.includes("hunter2"), "a secret value leaked into the message");
            await settled();
            assert.equal(recorder().resources.length, before, "no resource may be registered");
        });
    }

    for (const row of rows.filter((r) => r.lines.length === 0)) {
        it(`[${row.rule}] accepts ${row.what}`, () => {
            setConfig(row);
            const c = loadConfig(runtimeConfigSource);
            assert.deepEqual(c.notices, row.notices ?? []);
        });
    }
});
