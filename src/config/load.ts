import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

import {
    type CloudPlatform,
    type Gate,
    type KeyName,
    type KeySpec,
    type ParsedConfig,
    type Platform,
    type SecretKey,
    configSchema,
    crossKeyIssues,
    didYouMean,
    keys,
    secretKeys,
} from "./schema";
import { type ConfigNotice, consumerIssues } from "./consumer-checks";
import { kubernetesSupport } from "../../components/shared/kubernetes";

export const project = "okd-ci";

/** One problem with one key: what was given and what is allowed. */
export interface ConfigProblem {
    /** Full key path, e.g. `okd-ci:streams[0].branch`. */
    key: string;
    /** The value as given, rendered for humans; `[secret]` for secrets. */
    value: string;
    /** What is wrong and what is allowed. */
    message: string;
}

/**
 * Thrown before any resource is registered when the stack configuration is invalid. It lists every problem at once.
 * A `RunError` makes Pulumi print the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    public readonly problems: ConfigProblem[];

    constructor(problems: ConfigProblem[]) {
        const sorted = [...problems].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                sorted.map((p) => `  - ${p.key} = ${p.value}: ${p.message}`).join("\n"),
        );
        this.problems = sorted;
        this.name = "ConfigError";
    }
}

/** Machine types when the stack does not set them. */
const platformDefaults: Record<CloudPlatform, { system: string; builds: string[] }> = {
    aws: { system: "m6i.large", builds: ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge", "m7i.2xlarge"] },
    gcp: { system: "e2-standard-2", builds: ["n2-standard-8"] },
    azure: { system: "Standard_D2s_v5", builds: ["Standard_D8s_v5"] },
};

/**
 * What `profile: small` changes in the defaults (a key the stack sets itself always wins). Only platforms whose site
 * implements the profile (`platformSupport`) have an entry; docs/platforms/<platform>.md explains each value.
 */
const smallProfileDefaults: Partial<Record<CloudPlatform, { system: string; systemNodes: number }>> = {
    // 2 vCPU, 4 GiB: room for the Tekton controllers, listeners and add-ons; the VPC CNI's prefix delegation lifts
    // its pod limit above the 17 a t3.medium gets without it.
    aws: { system: "t3.medium", systemNodes: 1 },
    // One e2-standard-2 (2 vCPU, 8 GiB): GKE's own system pods (Dataplane V2's anetd, kube-dns, the metadata
    // server, logging) request most of an e2-medium's allocatable CPU, leaving too little for Tekton.
    gcp: { system: "e2-standard-2", systemNodes: 1 },
    // 2 vCPU, 8 GiB: the smallest general-purpose size AKS takes for a system pool (its API refuses fewer than 2 cores
    // or 4 GiB, SystemPoolSkuTooLow); one node, which AKS accepts though its docs recommend more.
    azure: { system: "Standard_D2s_v5", systemNodes: 1 },
};

/** Secret config values, only ever as secret Outputs. */
export type Secrets = { [K in SecretKey]?: pulumi.Output<string> };

/** The validated configuration with every default applied. */
export interface OkdCiConfig extends Omit<ParsedConfig, SecretKey | "kubernetesVersion" | "systemNodes"> {
    platform: Platform;
    /** The platform's default minor when the stack sets none; "" on local (the existing cluster has its own). */
    kubernetesVersion: string;
    systemNodes: number;
    systemInstanceType: string;
    buildInstanceTypes: string[];
    secrets: Secrets;
    /** Values the program applies rewritten (GCP label folding), each shown once as a warning. */
    notices: string[];
}

/** Where raw configuration comes from: the Pulumi runtime in programs, a plain map in tests. */
export interface ConfigSource {
    /** Raw string value of `okd-ci:<key>` or undefined. */
    get(key: string): string | undefined;
    /** Whether the key was set as a secret. */
    isSecret(key: string): boolean;
    /** Every `okd-ci:` key that is set, without the namespace. */
    setKeys(): string[];
}

export const runtimeConfigSource: ConfigSource = {
    get: (key) => pulumi.runtime.getConfig(`${project}:${key}`),
    // `isConfigSecret` is marked internal and missing from the typings; it is what `Config.getSecret` relies on.
    isSecret: (key) =>
        (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret(`${project}:${key}`),
    setKeys: () =>
        Object.keys(pulumi.runtime.allConfig())
            .filter((k) => k.startsWith(`${project}:`))
            .map((k) => k.slice(project.length + 1)),
};

/** Turns a raw config string into the type its key declares; leaves it as is when it does not parse. */
function coerce(spec: KeySpec, raw: string): unknown {
    if (spec.secret || spec.pulumiType === "string") return raw;
    if (spec.pulumiType === "integer") return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
    if (spec.pulumiType === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

function render(value: unknown): string {
    if (value === undefined) return "(not set)";
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function pathText(path: PropertyKey[]): string {
    return path.reduce<string>(
        (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : `${acc}${acc ? "." : ""}${String(p)}`),
        "",
    );
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    return path.reduce<unknown>(
        (v, p) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined),
        root,
    );
}

/** A secret that other keys make necessary, with why and the command that sets it. */
export interface RequiredSecret {
    key: SecretKey;
    /** Why it is needed, e.g. `streams[0] promotes`. */
    because: string;
    /** What the value is, for the message. */
    what: string;
    /** The exact command that sets it, for the selected stack. */
    command: string;
}

/** The file each secret is read from in its `pulumi config set` command (the CLI reads stdin with `<`). */
const secretInput: Partial<Record<SecretKey, string>> = {
    mirrorCredentials: "auth.json",
    gateCredentialsAws: ".awscred",
    gateCredentialsGcp: "gcp-service-account.json",
    gateCredentialsAzure: "osServicePrincipal.json",
};

/** `pulumi config set --secret <key> --stack <stack> < <file>`: the CLI stores it encrypted for that stack. */
export function setSecretCommand(key: SecretKey, stack: string): string {
    const input = secretInput[key];
    return `pulumi config set --secret ${key} --stack ${stack}${input ? ` < ${input}` : ""}`;
}

/**
 * Secrets the configuration makes required: promotion needs mirror credentials, a gate on another cloud needs that
 * cloud's credentials, and an Azure gate always needs a service principal. Optional secrets (`githubWebhookSecret`,
 * `chainsSigningKey`) are generated by the program when unset, so they never appear here.
 */
export function requiredSecrets(c: Partial<ParsedConfig>, stack: string): RequiredSecret[] {
    const required: RequiredSecret[] = [];
    const need = (key: SecretKey, because: string, what: string) =>
        required.push({ key, because, what, command: setSecretCommand(key, stack) });
    const promoting = (c.streams ?? []).map((s, i) => ({ s, i })).filter(({ s }) => s.promote);
    if (promoting.length > 0) {
        const streamsText = promoting.map(({ i }) => `streams[${i}]`).join(", ");
        need(
            "mirrorCredentials",
            `${streamsText} ${promoting.length === 1 ? "promotes" : "promote"}`,
            "a .dockerconfigjson with push access to the mirror repositories",
        );
    }
    for (const cloud of Object.keys(c.gates ?? {}) as CloudPlatform[]) {
        const gate: Gate | undefined = c.gates?.[cloud];
        // The local site runs no gate (consumerIssues says so); asking for its credentials would be noise.
        if (gate === undefined || c.platform === undefined || c.platform === "local") continue;
        const key = `gateCredentials${cloud[0].toUpperCase()}${cloud.slice(1)}` as SecretKey;
        if (cloud !== c.platform) {
            need(
                key,
                `gates.${cloud} runs on another cloud than the site (${c.platform})`,
                cloud === "aws"
                    ? "an AWS credentials file"
                    : cloud === "gcp"
                      ? "a GCP service account key (JSON)"
                      : "an Azure service principal (osServicePrincipal.json)",
            );
        } else if (cloud === "aws" && gate.account !== undefined) {
            // The stack creates nothing in a separate account: the installer's user and key are made there by hand.
            need(
                key,
                `gates.aws.account (${gate.account}) is a separate account the stack does not manage`,
                "the access key of the installer's IAM user created there as docs/platforms/aws.md shows (.awscred)",
            );
        } else if (cloud === "azure") {
            // openshift-install reads osServicePrincipal.json (secret or certificate); it cannot use a federated token.
            need(
                key,
                "gates.azure is set: openshift-install cannot authenticate to Azure with workload identity",
                "the service principal created as docs/platforms/azure.md shows (osServicePrincipal.json)",
            );
        }
    }
    return required;
}

/** Keys that must be set because of other keys: the mirror repositories and the required secrets. */
function requirementProblems(
    c: Partial<ParsedConfig>,
    has: (key: SecretKey) => boolean,
    stack: string,
): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const promoting = (c.streams ?? []).map((s, i) => ({ s, i })).filter(({ s }) => s.promote);
    if (promoting.length > 0) {
        const streamsText = promoting.map(({ i }) => `streams[${i}]`).join(", ");
        const verb = promoting.length === 1 ? "promotes" : "promote";
        for (const key of ["mirrorReleaseRepository", "mirrorContentRepository"] as const) {
            if (c[key] === undefined) {
                problems.push({
                    key: `${project}:${key}`,
                    value: "(not set)",
                    message: `is required because ${streamsText} ${verb}; expected a registry repository such as quay.io/<org>/okd`,
                });
            }
        }
    }
    // The local object store's keys come as a pair (or are both generated).
    const storeKeys = ["objectStoreAccessKey", "objectStoreSecretKey"] as const;
    for (const [key, other] of [storeKeys, [...storeKeys].reverse()]) {
        if (has(other) && !has(key)) {
            problems.push({
                key: `${project}:${key}`,
                value: "(not set)",
                message: `is required when ${other} is set; set both with \`pulumi config set --secret ${key} …\`, or neither to have them generated`,
            });
        }
    }
    for (const r of requiredSecrets(c, stack)) {
        if (has(r.key)) continue;
        problems.push({
            key: `${project}:${r.key}`,
            value: "(not set)",
            message: `is required because ${r.because}; set ${r.what} with: ${r.command}`,
        });
    }
    return problems;
}

const hasSecret = (source: ConfigSource) => (key: SecretKey) => (source.get(key) ?? "") !== "";

/**
 * The secrets the configuration requires that the source does not set. Offline synth fills these with placeholders
 * (it never has secret values); `pulumi preview` and `pulumi up` stop on them in `loadConfig`.
 */
export function missingSecrets(source: ConfigSource, stack: string): RequiredSecret[] {
    const valid: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(keys) as [KeyName, KeySpec][]) {
        const value = source.get(key);
        if (value === undefined || value === "" || spec.secret) continue;
        const one = spec.schema.safeParse(coerce(spec, value));
        if (one.success) valid[key] = one.data;
    }
    const has = hasSecret(source);
    return requiredSecrets(valid as Partial<ParsedConfig>, stack).filter((r) => !has(r.key));
}

/**
 * Reads, validates and completes the configuration. Throws a ConfigError listing every problem; nothing else in the
 * program runs before this, so a bad config registers no resource.
 */
export function loadConfig(source: ConfigSource = runtimeConfigSource, stack = pulumi.getStack()): OkdCiConfig {
    const problems: ConfigProblem[] = [];
    const raw: Record<string, unknown> = {};
    const known = new Set(Object.keys(keys));

    for (const key of source.setKeys().sort()) {
        if (!known.has(key)) {
            problems.push({
                key: `${project}:${key}`,
                value: source.isSecret(key) ? "[secret]" : render(source.get(key)),
                message: `is not a known key${didYouMean(key, [...known])}; expected one of ${[...known].join(", ")}`,
            });
        }
    }
    for (const [key, spec] of Object.entries(keys) as [KeyName, KeySpec][]) {
        const value = source.get(key);
        // Pulumi.yaml declares optional keys with an empty default ("" or []): the CLI would otherwise require them.
        if (value === undefined || value === "" || (spec.pulumiType === "array" && value.trim() === "[]")) continue;
        if (spec.secret && !source.isSecret(key)) {
            problems.push({
                key: `${project}:${key}`,
                value: "[hidden]",
                message: `holds a secret but is stored in plain text; set it with: ${setSecretCommand(key as SecretKey, stack)}`,
            });
        }
        raw[key] = spec.secret ? "[secret]" : coerce(spec, value);
    }

    const parsed = configSchema.safeParse(raw);
    const issues: { path: PropertyKey[]; message: string }[] = [];
    if (!parsed.success) issues.push(...(parsed.error.issues as z.core.$ZodIssue[]));
    // Cross-key rules see every key that is valid on its own, even when others are not.
    const valid: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(keys) as [KeyName, KeySpec][]) {
        const one = spec.schema.safeParse(raw[key]);
        if (one.success) valid[key] = one.data;
    }
    issues.push(...crossKeyIssues(valid));
    // What each consumer of a value refuses (src/config/consumers.ts), on keys valid on their own.
    const explicit = new Set(
        Object.keys(valid).filter((k) => {
            const def = (keys[k as KeyName] as KeySpec).schema.safeParse(undefined);
            return raw[k] !== undefined && !(def.success && JSON.stringify(def.data) === JSON.stringify(valid[k]));
        }),
    );
    const consumers = consumerIssues(valid as Partial<ParsedConfig>, {
        explicit,
        secretSet: (key) => (source.get(key) ?? "") !== "",
        // Offline synth holds placeholders, never values: formats are checked only on real values.
        secretValue: (key) => {
            const v = source.get(key);
            return v === undefined || v === "" || v === "[secret]" ? undefined : v;
        },
    });
    issues.push(...consumers.issues);
    for (const issue of issues) {
        const top = String(issue.path[0] ?? "");
        const secret = (secretKeys as string[]).includes(top);
        problems.push({
            key: `${project}:${pathText(issue.path)}`,
            value: secret ? "[secret]" : render(valueAt(raw, issue.path)),
            message: issue.message,
        });
    }
    const has = hasSecret(source);
    problems.push(...requirementProblems(valid as Partial<ParsedConfig>, has, stack));
    if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
    const notices = consumers.notices.map(
        (n: ConfigNotice) => `${project}:${pathText(n.path)} = ${render(valueAt(raw, n.path))}: ${n.message}`,
    );
    for (const n of notices) pulumi.log.warn(n);
    const c = parsed.data;
    const secrets: Secrets = {};
    for (const key of secretKeys) {
        if (has(key)) secrets[key] = pulumi.secret(source.get(key) as string);
    }
    const cloud = c.platform === "local" ? undefined : c.platform;
    const defaults = cloud === undefined ? { system: "", builds: [] } : platformDefaults[cloud];
    const small = c.profile === "small" && cloud !== undefined ? smallProfileDefaults[cloud] : undefined;
    const rest = Object.fromEntries(Object.entries(c).filter(([k]) => !(secretKeys as string[]).includes(k)));
    return {
        ...(rest as Omit<ParsedConfig, SecretKey>),
        kubernetesVersion: c.kubernetesVersion ?? (cloud === undefined ? "" : kubernetesSupport[cloud].default),
        systemNodes: c.systemNodes ?? small?.systemNodes ?? 2,
        systemInstanceType: c.systemInstanceType ?? small?.system ?? defaults.system,
        buildInstanceTypes: c.buildInstanceTypes ?? defaults.builds,
        secrets,
        notices,
    };
}
