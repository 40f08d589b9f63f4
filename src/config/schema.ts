import { CronExpressionParser } from "cron-parser";
import { z } from "zod";

import { tektonReleaseSite } from "../../components/tekton/versions";
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

/** Kubernetes minors the three managed services all support in standard support as of 2026-11. */
export const kubernetesVersions = ["1.32", "1.33", "1.34", "1.35"] as const;

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
        dockerfile: "Dockerfile.rhel8",
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
        schema: z
            .enum(kubernetesVersions, { error: `expected one of ${kubernetesVersions.join(", ")}` })
            .default("1.34"),
        pulumiType: "string",
        description: "Kubernetes minor version of the build cluster.",
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
        defaultNote: "aws m6i.large, gcp e2-standard-2, azure Standard_D2s_v5",
    },
    systemNodes: {
        schema: count(1, 10).default(2),
        pulumiType: "integer",
        description: "Nodes in the system pool (Tekton controllers, triggers, registry add-ons).",
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
        description: "Public host name of the GitHub webhook endpoint, where the platform exposes it by name.",
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
            "Where the Tekton release manifests are read from: the public release site, a mirror of it, or a local directory laid out the same way (`<project>/previous/<version>/release.yaml`, and `interceptors.yaml` for triggers), for air-gapped sites. The kubernetes provider reads them when it renders the install, so a directory must exist where the program runs.",
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
    objectStoreAccessKey: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "local only: access key id of the in-cluster object store, with objectStoreSecretKey; generated and kept in state when both are unset.",
    },
    objectStoreSecretKey: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description: "local only: secret access key of the in-cluster object store, with objectStoreAccessKey.",
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
    return issues;
}

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
