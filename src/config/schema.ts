import * as z from "zod";

import { kubernetesSupport } from "../../components/shared/kubernetes";
import { platforms, siteProfiles } from "../../components/shared/model";
import { tektonReleaseSite } from "../../components/tekton/versions";
import {
    cidrList,
    count,
    cronSchedule,
    domainName,
    gcpProjectId,
    pattern,
    quoteHint,
    repository,
    strictObject,
} from "./formats";
import { localKeys } from "./local-keys";
import { gateSchema, streamSchema } from "./model-schema";

/**
 * The single model of okd-ci's stack configuration.
 *
 * Every key is declared once here with its schema, its default and its description. `Pulumi.yaml`'s `config:` block
 * and the README's config reference are generated from this table (`npm run gen:config`), and a test fails when they
 * drift. Keys are flat where Pulumi's project config schema can type them (string, integer, boolean, array of
 * strings); lists of records (`streams`) and maps (`tags`, `gates`) are structured values.
 *
 * What the values mean to the components is the domain model (components/shared/model.ts): the schemas of its
 * structured values (./model-schema.ts) validate into exactly those types. The value formats are in ./formats.ts and
 * the rules that involve more than one key in ./cross-keys.ts.
 */

export type { CloudPlatform, Gate, Platform, Stream } from "../../components/shared/model";
export { type CrossKeyIssue, crossKeyIssues, platformSupport } from "./cross-keys";
export { cidrBlock, cronSchedule, didYouMean, quoteHint } from "./formats";
export { componentSchema, gateSchema, streamFields, streamSchema, upgradeGateSchema } from "./model-schema";

/** The project, and so the namespace of every key in a stack file (`okd-ci:<key>`). */
export const project = "okd-ci";

/** How a key is declared in `Pulumi.yaml`. */
export interface KeySpec {
    schema: z.ZodType;
    description: string;
    /** Pulumi project config type; structured keys have none and are declared with a `value`. */
    pulumiType?: "string" | "integer" | "boolean" | "array";
    secret?: boolean;
    /** Shown in docs when the default depends on the platform. */
    defaultNote?: string;
}

export const keys = {
    platform: {
        schema: z.enum(platforms, { error: `expected one of ${platforms.join(", ")}` }),
        pulumiType: "string",
        description: "Where the build cluster runs: aws, gcp, azure, or local (an existing cluster such as kind).",
    },
    region: {
        schema: z.string().optional(),
        pulumiType: "string",
        description: "Cloud region (aws, gcp) or location (azure) of the site. Not used by local.",
    },
    gcpProject: {
        schema: pattern(gcpProjectId, "a GCP project id (6-30 lower-case letters, digits, dashes)").optional(),
        pulumiType: "string",
        description: "GCP project id of the site (gcp only).",
    },
    kubernetesVersion: {
        schema: z
            .string({
                error: (i) =>
                    `expected a Kubernetes minor such as "1.35"${quoteHint(i.input, (t) => `okd-ci:kubernetesVersion: ${t}`)}`,
            })
            .regex(/^1\.\d{1,2}$/, { error: 'expected a Kubernetes minor such as "1.35"' })
            .optional(),
        pulumiType: "string",
        description:
            "Kubernetes minor version of the build cluster; each platform accepts the minors in its standard support (components/shared/kubernetes.ts). Control plane, add-ons, nodes and the autoscaler follow it together.",
        defaultNote: (["aws", "gcp", "azure"] as const).map((p) => `${p} ${kubernetesSupport[p].default}`).join(", "),
    },
    profile: {
        schema: z.enum(siteProfiles, { error: `expected one of ${siteProfiles.join(", ")}` }).default("standard"),
        pulumiType: "string",
        description:
            "Site layout: standard, or small (one small system node, smaller disks, and on aws no NAT gateway, for a site that idles; see the platform page for what it trades).",
    },
    namePrefix: {
        schema: pattern(
            /^[a-z][a-z0-9-]{1,14}[a-z0-9]$/,
            "3-16 lower-case letters, digits and dashes, starting with a letter",
        ).default("okd"),
        pulumiType: "string",
        description: "Prefix of every cloud resource name.",
    },
    tags: {
        // What each cloud allows in keys and values is checked per platform (src/config/consumers.ts).
        schema: z
            .record(
                z.string().min(1).max(128),
                z
                    .string({ error: "expected string tag values" })
                    .max(256, { error: "expected tag values of at most 256 characters" }),
                {
                    // A key the key schema refuses is one "invalid_key" issue of the record, whose message is the
                    // record's (zod v4 core schemas.js $ZodRecord), not the key schema's.
                    // Its other issue is invalid_type (not a map); a value's issues carry the value schema's messages.
                    error: (issue) =>
                        issue.code === "invalid_key"
                            ? "expected tag keys of 1-128 characters"
                            : "expected a map of tag keys to string values",
                },
            )
            .default({}),
        description: "Tags (AWS, Azure) or labels (GCP) added to every cloud resource, on top of the standard ones.",
    },
    protect: {
        schema: z.boolean({ error: "expected true or false" }).default(true),
        pulumiType: "boolean",
        description:
            "Protect resources that hold releases (release registries, artifact storage) from `pulumi destroy`, and retain them if they are ever removed from the program.",
    },
    systemInstanceType: {
        schema: z.string().min(1).optional(),
        pulumiType: "string",
        description: "Machine type of the system node pool.",
        defaultNote:
            "aws m6i.large (t3.medium with profile small), gcp e2-standard-2, azure Standard_D2s_v5; with gates, the 4- or 8-vCPU type of that family the e2e pods need (aws with profile small: t3a.xlarge, t3a.2xlarge; docs/tekton.md)",
    },
    systemNodes: {
        schema: count(1, 10).optional(),
        pulumiType: "integer",
        description: "Nodes in the system pool (Tekton controllers, triggers, registry add-ons).",
        defaultNote: "2; 1 with profile small",
    },
    buildInstanceTypes: {
        schema: z.array(z.string().min(1), { error: "expected a list of machine types" }).min(1).optional(),
        pulumiType: "array",
        description:
            "Machine types of the build pool, most preferred first; several types make spot capacity easier to find.",
        defaultNote: "aws m6i/m6a/m5/m7i.2xlarge, gcp n2-standard-8, azure Standard_D8s_v5",
    },
    buildSpot: {
        schema: z.boolean({ error: "expected true or false" }).default(true),
        pulumiType: "boolean",
        description: "Run the build pool on spot (preemptible) capacity.",
    },
    buildMinNodes: {
        schema: count(0, 100).default(0),
        pulumiType: "integer",
        description: "Minimum nodes in the build pool; 0 lets it scale to zero when idle.",
    },
    buildMaxNodes: {
        schema: count(1, 200).default(10),
        pulumiType: "integer",
        description: "Maximum nodes in the build pool.",
    },
    buildDiskGb: {
        schema: count(50, 2000).default(200),
        pulumiType: "integer",
        description: "Root disk of each build node in GiB (image layers and build caches).",
    },
    maxParallelBuilds: {
        // 256: Tekton's default-max-matrix-combinations-count (components/pipelines/runs.ts maxMatrixCombinations).
        schema: count(1, 256).optional(),
        pulumiType: "integer",
        description:
            "At most this many component builds of a nightly run at once (matrix batches run one after another). Unset, a nightly builds all its components in one fan-out and the build pool's autoscaler (buildMaxNodes) and the namespace quota pace them; set it when the cloud quota cannot hold that many build nodes.",
        defaultNote: "unset: all components at once (Tekton's matrix limit, 256 per batch)",
    },
    nightlyRetentionDays: {
        schema: count(1, 365).default(14),
        pulumiType: "integer",
        description:
            "Days nightly payloads and component images are kept in the site registry; the newest nightlyRetentionDays × streams payloads are kept whatever their age (on AWS payloads go by that count alone; see the platform page's retention section). Promoted releases are never expired.",
    },
    untaggedRetentionDays: {
        schema: count(1, 90).default(1),
        pulumiType: "integer",
        description: "Days untagged images are kept in the site registry.",
    },
    logRetentionDays: {
        schema: count(1, 3650).default(90),
        pulumiType: "integer",
        description: "Days CI logs and JUnit files are kept in artifact storage. Release records are never expired.",
    },
    streams: {
        schema: z
            .array(streamSchema, { error: "expected a list of release streams" })
            .default([])
            .superRefine((streams, ctx) => {
                const seen = new Map<string, number>();
                streams.forEach((s, i) => {
                    const first = seen.get(s.minor);
                    if (first !== undefined) {
                        ctx.addIssue({
                            code: "custom",
                            path: [i, "minor"],
                            message: `duplicates streams[${first}].minor; each minor version may have one stream`,
                        });
                    }
                    seen.set(s.minor, i);
                });
            }),
        description:
            "Release streams: for each OKD minor, its variant (okd: Fedora CoreOS up to 4.15; scos: CentOS Stream CoreOS, the default from 4.16), the branch it builds, its node OS source (fcosStream or nodeImage), the base payload, the components it rebuilds, its schedules, how pushes are throttled and whether it is promoted.",
    },
    mirrorReleaseRepository: {
        schema: pattern(repository, "a registry repository without tag, e.g. quay.io/openshift/okd").optional(),
        pulumiType: "string",
        description:
            "Where promoted release payloads are mirrored (quay.io release repository). Required when a stream promotes.",
    },
    mirrorContentRepository: {
        schema: pattern(repository, "a registry repository without tag, e.g. quay.io/openshift/okd-content").optional(),
        pulumiType: "string",
        description: "Where the component images of promoted releases are mirrored. Required when a stream promotes.",
    },
    mirrorCredentials: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "Push credentials for the mirror repositories, as a .dockerconfigjson document. Required when a stream promotes.",
    },
    gates: {
        schema: strictObject({
            aws: gateSchema.optional(),
            gcp: gateSchema.optional(),
            azure: gateSchema.optional(),
        }).default({}),
        description:
            "E2E gates by cloud (aws, gcp, azure): blocking or optional, the base domain, the region, an existing DNS zone, and the separate account (aws `account`), project (gcp `project`) or subscription (azure `subscription`) e2e clusters go to; `sharedWithSite: true` accepts installing in the site's own. Each gate's installer uses static credentials from gateCredentials<Cloud>.",
    },
    gateCredentialsAws: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "AWS credentials file (static access key of the gate's IAM user, no session token) for the aws gate's openshift-install.",
    },
    gateCredentialsGcp: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "GCP service account key (JSON) of the gate's installer account, for the gcp gate's openshift-install.",
    },
    gateCredentialsAzure: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "Azure service principal (osServicePrincipal.json) for the azure gate, on every platform: openshift-install cannot authenticate with workload identity.",
    },
    githubWebhookSecret: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description: "Shared secret GitHub signs webhook deliveries with; the EventListener rejects unsigned pushes.",
    },
    webhookHostname: {
        schema: pattern(domainName, "a DNS name such as hooks.okd.example.org").optional(),
        pulumiType: "string",
        description:
            "Public host name of the GitHub webhook (aws, gcp: needs webhookDnsZone; the site issues its TLS certificate and writes its DNS record; azure: Azure Front Door Standard with a managed certificate, records written in webhookDnsZone if set, else listed in the webhookDns output). Unset: GitHub posts to the load balancer's own address over plain HTTP.",
    },
    webhookDnsZone: {
        schema: z.string().min(1).optional(),
        pulumiType: "string",
        description:
            "Existing public DNS zone that holds webhookHostname (aws: Route 53 hosted zone id; gcp: Cloud DNS managed zone name in gcpProject; azure, optional: the Azure DNS zone's resource id); the site writes the webhook's record and certificate validation there.",
    },
    webhookSourceRanges: {
        schema: cidrList(
            "the addresses GitHub delivers from, e.g. the hooks list of https://api.github.com/meta",
        ).optional(),
        pulumiType: "array",
        description:
            "CIDR blocks allowed to reach the GitHub webhook (e.g. the hooks ranges of https://api.github.com/meta); unset: any address, deliveries are still HMAC-signed.",
    },
    adminPrincipals: {
        schema: z.array(z.string().min(1), { error: "expected a list of principals" }).optional(),
        pulumiType: "array",
        description:
            "Principals granted cluster-admin on the build cluster, whoever runs `pulumi up` (aws, required: IAM role or user ARNs, the deployer's among them; azure: user:, group: or servicePrincipal:<Entra object id>, the deployer's among them; unset on azure: the identity that runs `pulumi up`).",
    },
    controlPlaneCidrs: {
        schema: cidrList("the addresses that run pulumi and kubectl").optional(),
        pulumiType: "array",
        description:
            "CIDR blocks allowed to reach the Kubernetes API endpoint (deployers, CI; gcp: GKE authorized networks); unset: any address, IAM authentication still applies.",
    },
    chainsSigningKey: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "local only: cosign private key Tekton Chains signs with (cosign.key); generated and kept in state when unset. The clouds sign with a KMS key the site creates.",
    },
    chainsSigningKeyPassword: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description: "local only: password of chainsSigningKey.",
    },
    chainsPublicKey: {
        schema: z
            .string()
            .regex(/-----BEGIN PUBLIC KEY-----/, "a PEM public key (-----BEGIN PUBLIC KEY-----), e.g. cosign.pub")
            .optional(),
        pulumiType: "string",
        description:
            "local only: PEM public key of chainsSigningKey (cosign.pub): promotion verifies each nightly's Tekton Chains attestation with it. Needed with chainsSigningKey when a stream promotes; a generated key needs none.",
    },
    tektonPruneKeep: {
        schema: count(1, 1000).default(50),
        pulumiType: "integer",
        description: "PipelineRuns (and their TaskRuns) kept per namespace by the pruner.",
    },
    tektonPruneSchedule: {
        schema: cronSchedule.default("0 4 * * *"),
        pulumiType: "string",
        description: "When old PipelineRuns and TaskRuns are pruned (UTC cron).",
    },
    nightlyDispatchSchedule: {
        schema: cronSchedule.default("*/10 * * * *"),
        pulumiType: "string",
        description:
            "When the dispatcher starts the nightly of each stream that has recorded pushes, within its throttle (UTC cron; streams[].throttle).",
    },
    reaperSchedule: {
        schema: cronSchedule.default("15 */6 * * *"),
        pulumiType: "string",
        description:
            "When the e2e cluster reaper runs (UTC cron; sites with gates): it destroys registered e2e clusters whose run is gone and that are older than reaperTtlHours, then re-renders the status site.",
    },
    statusSchedule: {
        schema: cronSchedule.default("20 * * * *"),
        pulumiType: "string",
        description:
            "When the release status site is re-rendered on every site (UTC cron), with the pushes waiting for a nightly: staleness shows even when no run publishes the page.",
    },
    reaperTtlHours: {
        schema: count(19, 720).default(24),
        pulumiType: "integer",
        description:
            "Hours after its registration before a leaked e2e cluster (its run gone) is destroyed; at least 19, since a nightly may run 18h40m.",
    },
    reaperDryRun: {
        schema: z.boolean({ error: "expected true or false" }).default(false),
        pulumiType: "boolean",
        description: "The e2e cluster reaper only logs what it would destroy.",
    },
    tektonManifestSource: {
        schema: z
            .string({ error: "expected an https:// URL or an absolute directory path" })
            .regex(/^(https:\/\/[^\s/]+(\/[^\s]*)?|\/[^\s]*)$/, {
                error: "expected an https:// URL or an absolute directory path, e.g. https://mirror.example.org/tekton-releases or /srv/tekton-releases",
            })
            .transform((v) => (v.length > 1 ? v.replace(/\/+$/, "") : v))
            .default(tektonReleaseSite),
        pulumiType: "string",
        description:
            "Where the Tekton release manifests are read from: the public release site, a mirror of it, or a local directory laid out the same way (`<project>/previous/<version>/release.yaml`, and `interceptors.yaml` for triggers), for air-gapped sites. The kubernetes provider reads them when it renders the install, so a directory must exist where the program runs. Recommended for production: a directory written by `npm run tekton:mirror`, whose pinned SHA-256s the install checks before creating anything; the pins in components/tekton/versions.ts are empty until someone runs the mirror once with --trust-on-first-use and commits them, and until then the mirror refuses every file (docs/tekton.md).",
    },
    ...localKeys,
} satisfies Record<string, KeySpec>;

export type KeyName = keyof typeof keys;

/** The keys that hold secrets. Their values are never shown, logged or written. */
export type SecretKey = { [K in KeyName]: (typeof keys)[K] extends { secret: true } ? K : never }[KeyName];
export const secretKeys = (Object.keys(keys) as KeyName[]).filter(
    (k): k is SecretKey => (keys[k] as KeySpec).secret === true,
);

export const configSchema = z.object(
    Object.fromEntries(Object.entries(keys).map(([k, spec]) => [k, spec.schema])) as {
        [K in KeyName]: (typeof keys)[K]["schema"];
    },
);

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
