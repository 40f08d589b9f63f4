import { CronExpressionParser } from "cron-parser";
import ipaddr from "ipaddr.js";
import { z } from "zod";

import { kubernetesSupport, supportedMinors } from "./kubernetes";
import { regionsByPlatform } from "./regions";

/**
 * The single model of okd-ci's stack configuration.
 *
 * Every key is declared once here with its schema, its default and its description. `Pulumi.yaml`'s `config:` block
 * and the README's config reference are generated from this table (`npm run gen:config`), and a test fails when they
 * drift. Keys are flat where Pulumi's project config schema can type them (string, integer, boolean, array of
 * strings); lists of records (`streams`) and maps (`tags`, `gates`) are structured values.
 */

export const platforms = ["aws", "gcp", "azure", "local"] as const;
export type Platform = (typeof platforms)[number];
export const cloudPlatforms = ["aws", "gcp", "azure"] as const;
export type CloudPlatform = (typeof cloudPlatforms)[number];

export const fcosStreams = ["stable", "testing", "next", "testing-devel", "next-devel"] as const;
export const variants = ["okd", "scos"] as const;

/** Site layouts: `small` idles at the lowest cost the platform allows (see each platform page). */
export const siteProfiles = ["standard", "small"] as const;
export type SiteProfile = (typeof siteProfiles)[number];

/**
 * Keys (or values) that each site has to implement, and the platforms whose site does. A key set on a platform not
 * listed is refused, so a stack never believes it got something its site ignores. A platform joins a list when its
 * site honours the key.
 */
export const platformSupport = {
    adminPrincipals: ["aws"],
    controlPlaneCidrs: ["aws", "gcp"],
    webhookHostname: ["aws", "gcp"],
    webhookDnsZone: ["aws", "gcp"],
    webhookSourceRanges: ["aws", "gcp", "azure"],
    "profile: small": ["aws", "gcp"],
} as const satisfies Record<string, readonly Platform[]>;

const dnsLabel = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const domainName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const gitRef = /^(?!.*\.\.)(?!\/)(?!.*\/$)[A-Za-z0-9._/-]{1,200}$/;
const githubRepo = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
/** A registry repository without tag or digest, e.g. `quay.io/openshift/okd`. */
const repository = /^[a-z0-9]+([.-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;
/** An image pull spec with a tag or a digest, e.g. `quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116`. */
const pullSpec =
    /^[a-z0-9]+([.-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** A five-field Kubernetes CronJob schedule; ranges are checked by cron-parser. */
export const cronSchedule = z.string().superRefine((value, ctx) => {
    const fields = value.trim().split(/\s+/);
    const problem = (why: string) =>
        ctx.addIssue({
            code: "custom",
            message: `${why}; expected a five-field cron schedule in UTC such as "0 5 * * 1"`,
        });
    if (fields.length !== 5) {
        return problem(`has ${fields.length} fields`);
    }
    try {
        CronExpressionParser.parse(value, { tz: "UTC" });
    } catch (err) {
        problem((err as Error).message);
    }
});

const count = (min: number, max: number) =>
    z
        .number({ error: `expected a whole number from ${min} to ${max}` })
        .int({ error: `expected a whole number from ${min} to ${max}` })
        .min(min, { error: `expected a whole number from ${min} to ${max}` })
        .max(max, { error: `expected a whole number from ${min} to ${max}` });

const pattern = (re: RegExp, what: string) =>
    z.string({ error: `expected ${what}` }).regex(re, { error: `expected ${what}` });

/** An IPv4 or IPv6 CIDR block written as its network address (`203.0.113.0/24`, not `203.0.113.7/24`). */
export const cidrBlock = z
    .string({ error: "expected a CIDR block such as 203.0.113.0/24" })
    .superRefine((value, ctx) => {
        if (!ipaddr.isValidCIDR(value)) {
            ctx.addIssue({ code: "custom", message: "expected a CIDR block such as 203.0.113.0/24 or 2001:db8::/32" });
            return;
        }
        const [address, bits] = ipaddr.parseCIDR(value);
        const network = ipaddr.IPv4.isIPv4(address.toString())
            ? ipaddr.IPv4.networkAddressFromCIDR(value).toString()
            : ipaddr.IPv6.networkAddressFromCIDR(value).toString();
        if (network !== address.toString()) {
            ctx.addIssue({ code: "custom", message: `is not a network address; expected ${network}/${bits}` });
        }
    });
const cidrList = (what: string) =>
    z
        .array(cidrBlock, { error: `expected a list of CIDR blocks (${what})` })
        .max(100, { error: "expected at most 100 CIDR blocks" });

/**
 * An object that rejects unknown fields, naming them and the fields it allows (catches typos such as `brnach`).
 */
function strictObject<T extends z.ZodRawShape>(shape: T) {
    const allowed = Object.keys(shape).join(", ");
    return z.strictObject(shape, {
        error: (issue) =>
            issue.code === "unrecognized_keys"
                ? `has unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.join(", ")}; expected only ${allowed}`
                : undefined,
    });
}

/** One image OKD builds itself instead of taking it from the base payload. */
export const componentSchema = strictObject({
    /** Payload tag the image replaces, e.g. `installer`. */
    name: pattern(dnsLabel, "a payload tag name (lower-case letters, digits and dashes)"),
    /** GitHub repository, `org/name`. */
    repository: pattern(githubRepo, "a GitHub repository as org/name"),
    /** Containerfile path inside the repository. */
    dockerfile: z.string().min(1),
    /** Build context inside the repository. */
    context: z.string().min(1).default("."),
    /** Extra `--build-arg`s; `TAGS` is set from the stream variant. */
    buildArgs: z.record(z.string(), z.string()).default({}),
});
export type Component = z.infer<typeof componentSchema>;

/**
 * The images OKD rebuilds instead of taking them from OCP: the exclude list of the OCP→origin mirror in
 * openshift/release (see shared/reference/okd-release-engineering.md §1e), minus the OS images that the
 * machine-os task builds.
 */
export const defaultComponents: Component[] = [
    {
        name: "installer",
        repository: "openshift/installer",
        dockerfile: "images/installer/Dockerfile.ci",
        context: ".",
        buildArgs: {},
    },
    {
        name: "installer-artifacts",
        repository: "openshift/installer",
        dockerfile: "images/installer-artifacts/Dockerfile.rhel",
        context: ".",
        buildArgs: {},
    },
    {
        name: "baremetal-installer",
        repository: "openshift/installer",
        dockerfile: "images/baremetal/Dockerfile.ci",
        context: ".",
        buildArgs: { TAGS: "baremetal libvirt okd" },
    },
    {
        name: "machine-config-operator",
        repository: "openshift/machine-config-operator",
        dockerfile: "Dockerfile.rhel7",
        context: ".",
        buildArgs: {},
    },
    {
        name: "cluster-samples-operator",
        repository: "openshift/cluster-samples-operator",
        // The OKD build (samples for OKD); the repository has no Dockerfile.rhel8 (release-4.15, main).
        dockerfile: "Dockerfile.okd",
        context: ".",
        buildArgs: {},
    },
    {
        name: "operator-marketplace",
        repository: "operator-framework/operator-marketplace",
        dockerfile: "Dockerfile",
        context: ".",
        buildArgs: {},
    },
    {
        name: "cluster-update-keys",
        repository: "openshift/cluster-update-keys",
        dockerfile: "Dockerfile",
        context: ".",
        buildArgs: {},
    },
    { name: "ironic", repository: "openshift/ironic-image", dockerfile: "Dockerfile.ocp", context: ".", buildArgs: {} },
];

export const streamSchema = strictObject({
    /** Minor version, e.g. `4.15`; names the stream and its payloads (`4.15.0-0.okd-…`). */
    minor: pattern(/^[45]\.\d{1,2}$/, 'a minor version such as "4.15"'),
    /** Branch of the OpenShift repositories the stream builds, e.g. `release-4.15` or `master`. */
    branch: pattern(gitRef, 'a git branch such as "master" or "release-4.15"'),
    /** `okd` (FCOS) or `scos`; passed to builds as `TAGS`. */
    variant: z.enum(variants, { error: `expected one of ${variants.join(", ")}` }).default("okd"),
    /** Fedora CoreOS stream the machine-os image is layered on. */
    fcosStream: z.enum(fcosStreams, { error: `expected one of ${fcosStreams.join(", ")}` }).default("stable"),
    /** Release payload the stream starts from; rebuilt components override its images. */
    basePayload: pattern(
        pullSpec,
        "an image pull spec with a tag or digest, e.g. quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
    ),
    /** Images rebuilt for OKD. */
    components: z.array(componentSchema).min(1).default(defaultComponents),
    schedules: strictObject({
        /** When the nightly pipeline runs (UTC). */
        nightly: cronSchedule.default("0 2 * * *"),
        /** When the promotion pipeline may run (UTC); see `releaseEveryWeeks`. */
        release: cronSchedule.default("0 5 * * 1"),
        /** Promote on every Nth week `release` fires (weeks counted from the Unix epoch's first Monday, so the cadence never skips at a year boundary); 2 = every two weeks. */
        releaseEveryWeeks: count(1, 8).default(2),
    }).default({ nightly: "0 2 * * *", release: "0 5 * * 1", releaseEveryWeeks: 2 }),
    /** Promote accepted nightlies of this stream and mirror them to `mirrorReleaseRepository`. */
    promote: z.boolean({ error: "expected true or false" }).default(false),
});
export type Stream = z.infer<typeof streamSchema>;

export const gateSchema = strictObject({
    /** A failing blocking gate rejects the payload; an optional gate is recorded only. */
    blocking: z.boolean({ error: "expected true or false" }).default(true),
    /** Base domain of e2e clusters; the stack creates (or references) its public DNS zone. */
    baseDomain: pattern(domainName, "a DNS domain such as ci.okd.example.org"),
    /** Region or location e2e clusters are installed in. */
    region: z.string(),
    /** Existing public zone to use instead of creating one (Route 53 zone id, Cloud DNS zone name, Azure DNS zone resource id). */
    existingZone: z.string().min(1).optional(),
    /** GCP gate only: project e2e clusters are installed in (defaults to `gcpProject`). */
    project: z.string().min(1).optional(),
});
export type Gate = z.infer<typeof gateSchema>;

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
        schema: pattern(
            /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
            "a GCP project id (6-30 lower-case letters, digits, dashes)",
        ).optional(),
        pulumiType: "string",
        description: "GCP project id of the site (gcp only).",
    },
    kubernetesVersion: {
        schema: pattern(/^1\.\d{1,2}$/, 'a Kubernetes minor such as "1.35"').optional(),
        pulumiType: "string",
        description:
            "Kubernetes minor version of the build cluster; each platform accepts the minors in its standard support (src/config/kubernetes.ts). Control plane, add-ons, nodes and the autoscaler follow it together.",
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
        schema: z
            .record(
                pattern(/^[A-Za-z0-9_.:/=+@-]{1,63}$/, "tag keys of 1-63 letters, digits or _.:/=+@-"),
                z
                    .string({ error: "expected string tag values" })
                    .max(63, { error: "expected tag values of at most 63 characters" }),
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
        defaultNote: "aws m6i.large (t3.medium with profile small), gcp e2-standard-2, azure Standard_D2s_v5",
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
    nightlyRetentionDays: {
        schema: count(1, 365).default(14),
        pulumiType: "integer",
        description:
            "Days nightly payloads and component images are kept in the site registry. Promoted releases are never expired.",
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
            "Release streams: for each OKD minor, the branch it builds, its FCOS stream, the base payload, the components it rebuilds, its schedules and whether it is promoted.",
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
            "E2E gates by cloud (aws, gcp, azure): blocking or optional, the base domain, the region, an existing DNS zone. A gate on another cloud than the site's needs gateCredentials<Cloud>.",
    },
    gateCredentialsAws: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description: "AWS credentials file for the aws gate when the site is not on AWS.",
    },
    gateCredentialsGcp: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description: "GCP service account key (JSON) for the gcp gate when the site is not on GCP.",
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
            "Public host name of the GitHub webhook (aws, gcp: needs webhookDnsZone; the site issues its TLS certificate and writes its DNS record). Unset: GitHub posts to the load balancer's own address over plain HTTP.",
    },
    webhookDnsZone: {
        schema: z.string().min(1).optional(),
        pulumiType: "string",
        description:
            "Existing public DNS zone that holds webhookHostname (aws: Route 53 hosted zone id; gcp: Cloud DNS managed zone name in gcpProject); the site writes the webhook's record and certificate validation there.",
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
            "Principals granted cluster-admin on the build cluster besides the identity that runs `pulumi up` (aws: IAM role or user ARNs, e.g. the CI role).",
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
            "Cosign private key Tekton Chains signs with (cosign.key); generated and kept in state when unset.",
    },
    chainsSigningKeyPassword: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description: "Password of chainsSigningKey.",
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
    kubeconfig: {
        schema: z.string().min(1).optional(),
        pulumiType: "string",
        description:
            "local only: path to the kubeconfig of the existing cluster; default: $KUBECONFIG or ~/.kube/config.",
    },
    kubeContext: {
        schema: pattern(/^[A-Za-z0-9@._:/-]{1,253}$/, "a kubeconfig context name").optional(),
        pulumiType: "string",
        description: "local only: kubeconfig context; default: the current context (kind-kind in CI).",
    },
    storageClass: {
        schema: pattern(dnsLabel, "a StorageClass name").optional(),
        pulumiType: "string",
        description:
            "local only: StorageClass of the in-cluster registry and object store volumes; default: the cluster default.",
    },
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

export interface CrossKeyIssue {
    path: (string | number)[];
    message: string;
}

/**
 * Rules that involve more than one key. They run on every key that is valid on its own, so a stack with a type error
 * in one key still hears about a bad region in another: every problem is reported at once.
 */
export function crossKeyIssues(c: Partial<z.output<typeof configSchema>>): CrossKeyIssue[] {
    const issues: CrossKeyIssue[] = [];
    const issue = (path: (string | number)[], message: string) => issues.push({ path, message });
    if (c.platform !== undefined && c.platform !== "local") {
        const allowed = regionsByPlatform[c.platform];
        if (c.region === undefined) {
            issue(["region"], `is required on ${c.platform}; expected one of ${allowed.join(", ")}`);
        } else if (!allowed.includes(c.region)) {
            issue(["region"], `is not a region of ${c.platform}; expected one of ${allowed.join(", ")}`);
        }
    }
    if (c.platform === "gcp" && c.gcpProject === undefined) {
        issue(["gcpProject"], "is required on gcp; expected the id of the project the site is created in");
    }
    if (c.buildMaxNodes !== undefined && c.buildMinNodes !== undefined && c.buildMaxNodes < c.buildMinNodes) {
        issue(["buildMaxNodes"], `is below buildMinNodes (${c.buildMinNodes}); expected at least ${c.buildMinNodes}`);
    }
    for (const [cloud, gate] of Object.entries(c.gates ?? {}) as [CloudPlatform, Gate | undefined][]) {
        if (gate === undefined) continue;
        if (!regionsByPlatform[cloud].includes(gate.region)) {
            issue(
                ["gates", cloud, "region"],
                `is not a region of ${cloud}; expected one of ${regionsByPlatform[cloud].join(", ")}`,
            );
        }
        if (c.platform !== undefined && cloud !== c.platform && gate.existingZone === undefined) {
            issue(
                ["gates", cloud, "existingZone"],
                `is required because the site is on ${c.platform}: a ${cloud} gate's DNS zone must already exist; expected its ${cloud === "aws" ? "Route 53 zone id" : cloud === "gcp" ? "Cloud DNS managed zone name" : "Azure DNS zone resource id"}`,
            );
        }
        if (cloud === "gcp" && gate.project === undefined && c.gcpProject === undefined) {
            issue(["gates", "gcp", "project"], "is required when gcpProject is not set; expected a GCP project id");
        }
    }
    issues.push(...platformIssues(c));
    return issues;
}

/** An IAM role or user ARN, as an EKS access entry takes it (a role ARN may carry a path). */
const iamPrincipalArn = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;
/** A Route 53 hosted zone id (`Z` and up to 32 upper-case letters and digits). */
const route53ZoneId = /^Z[A-Z0-9]{1,32}$/;
/** A Cloud DNS managed zone name (https://cloud.google.com/dns/docs/reference/rest/v1/managedZones: `name`). */
const cloudDnsZoneName = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Keys whose meaning depends on the platform: support by site, Kubernetes minors, each cloud's own formats. */
function platformIssues(c: Partial<z.output<typeof configSchema>>): CrossKeyIssue[] {
    const issues: CrossKeyIssue[] = [];
    const issue = (path: (string | number)[], message: string) => issues.push({ path, message });
    const platform = c.platform;
    if (platform === undefined) return issues;

    const set: Record<keyof typeof platformSupport, boolean> = {
        adminPrincipals: (c.adminPrincipals ?? []).length > 0,
        controlPlaneCidrs: (c.controlPlaneCidrs ?? []).length > 0,
        webhookHostname: c.webhookHostname !== undefined,
        webhookDnsZone: c.webhookDnsZone !== undefined,
        webhookSourceRanges: (c.webhookSourceRanges ?? []).length > 0,
        "profile: small": c.profile === "small",
    };
    for (const [key, platforms] of Object.entries(platformSupport) as [
        keyof typeof platformSupport,
        readonly Platform[],
    ][]) {
        if (!set[key] || platforms.includes(platform)) continue;
        const path = key === "profile: small" ? "profile" : key;
        issue(
            [path],
            `is not supported on ${platform} yet; the ${platforms.join(", ")} site${platforms.length === 1 ? "" : "s"} implement${platforms.length === 1 ? "s" : ""} it`,
        );
    }

    if (platform !== "local" && c.kubernetesVersion !== undefined) {
        const k = kubernetesSupport[platform];
        const allowed = supportedMinors(platform);
        if (!allowed.includes(c.kubernetesVersion)) {
            issue(
                ["kubernetesVersion"],
                `is not in ${k.service} standard support (checked ${k.checked}); expected one of ${allowed.join(", ")}`,
            );
        }
    }

    if (platform === "aws") {
        const seen = new Set<string>();
        (c.adminPrincipals ?? []).forEach((arn, i) => {
            if (/^arn:aws[\w-]*:sts::\d{12}:assumed-role\//.test(arn)) {
                issue(
                    ["adminPrincipals", i],
                    "is an assumed-role session; expected the ARN of the role it came from (arn:aws:iam::<account>:role/<name>), as EKS access entries name roles",
                );
            } else if (!iamPrincipalArn.test(arn)) {
                issue(
                    ["adminPrincipals", i],
                    "expected an IAM role or user ARN such as arn:aws:iam::111122223333:role/okd-ci-deployer",
                );
            } else if (seen.has(arn)) {
                issue(["adminPrincipals", i], "is listed twice; EKS allows one access entry per principal");
            }
            seen.add(arn);
        });
        // An IPv4 cluster's public endpoint is reached over IPv4 only (EKS network requirements, "IP address family
        // usage by component"), so an IPv6 block would admit nobody.
        (c.controlPlaneCidrs ?? []).forEach((cidr, i) => {
            if (cidr.includes(":")) {
                issue(
                    ["controlPlaneCidrs", i],
                    "is IPv6; the EKS public endpoint of an IPv4 cluster is reached over IPv4 only; expected an IPv4 block",
                );
            }
        });
        // One security group rule per block; a security group takes 60 inbound rules unless the VPC quota
        // "Inbound or outbound rules per security group" is raised (docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
        if ((c.webhookSourceRanges ?? []).length > 60) {
            issue(
                ["webhookSourceRanges"],
                `has ${c.webhookSourceRanges?.length} blocks; the webhook load balancer's security group takes 60 inbound rules by default; expected at most 60, or summarise the ranges`,
            );
        }
        if (c.webhookHostname !== undefined && c.webhookDnsZone === undefined) {
            issue(
                ["webhookDnsZone"],
                "is required with webhookHostname on aws: the site validates the webhook's ACM certificate and writes its alias record in that Route 53 public hosted zone; expected its id such as Z0123456789ABCDEFGHIJ",
            );
        }
        if (c.webhookDnsZone !== undefined && c.webhookHostname === undefined) {
            issue(["webhookDnsZone"], "is set without webhookHostname; expected webhookHostname too, or neither");
        }
        if (c.webhookDnsZone !== undefined && !route53ZoneId.test(c.webhookDnsZone)) {
            issue(["webhookDnsZone"], "expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ");
        }
    }
    if (platform === "gcp") {
        if (c.webhookHostname !== undefined && c.webhookDnsZone === undefined) {
            issue(
                ["webhookDnsZone"],
                "is required with webhookHostname on gcp: the site writes the webhook's A record, which its Google-managed certificate is validated through, in that Cloud DNS zone of gcpProject; expected the zone's name such as okd-example-org",
            );
        }
        if (c.webhookDnsZone !== undefined && c.webhookHostname === undefined) {
            issue(["webhookDnsZone"], "is set without webhookHostname; expected webhookHostname too, or neither");
        }
        if (c.webhookDnsZone !== undefined && !cloudDnsZoneName.test(c.webhookDnsZone)) {
            issue(
                ["webhookDnsZone"],
                "expected the name of a Cloud DNS managed zone (1-63 lower-case letters, digits and dashes, starting with a letter), not its DNS name",
            );
        }
    }
    return issues;
}

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
