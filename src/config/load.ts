import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

import {
    type CloudPlatform,
    type KeyName,
    type KeySpec,
    type ParsedConfig,
    type Platform,
    type SecretKey,
    configSchema,
    crossKeyIssues,
    didYouMean,
    keys,
    project,
    secretKeys,
} from "./schema";
import { type ConfigNotice, consumerIssues } from "./consumer-checks";
import { type RequiredSecret, requirementProblems, requiredSecrets, setSecretCommand } from "./required-secrets";
import { kubernetesSupport } from "../../components/shared/kubernetes";
import {
    concurrentGateChains,
    gateChainCpu,
    machineCpus,
    requiredSystemCpu,
    systemHeadroomCpu,
    systemTypeFor,
} from "./system-pool";

export { project } from "./schema";
export { type RequiredSecret, requiredSecrets, setSecretCommand } from "./required-secrets";

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
    /**
     * Every other key that is set, with its namespace (`aws:region`, or a misspelt `okdci:platform`), to its value or
     * to "[secret]" when it was set as a secret.
     */
    otherConfig?(): Record<string, string>;
}

/**
 * Namespaces a stack may set besides okd-ci: the providers the program uses (their own settings, such as
 * `aws:region` or `kubernetes:context`) and `pulumi:` (`pulumi:tags`, `pulumi:disable-default-providers`).
 */
export const providerNamespaces = ["aws", "gcp", "azure-native", "kubernetes", "random", "tls", "pulumi"] as const;

/**
 * Keys in a namespace nothing reads: the program reads only `okd-ci:`, so `okdci:platform` or `okd_ci:streams` would
 * be ignored and the error would blame the okd-ci key as not set. Each is named with the key it was meant to be.
 */
export function foreignKeyProblems(other: Record<string, string>): ConfigProblem[] {
    const known = Object.keys(keys);
    return Object.keys(other)
        .filter((k) => !(providerNamespaces as readonly string[]).includes(k.slice(0, k.indexOf(":"))))
        .sort()
        .map((k) => {
            const ns = k.slice(0, k.indexOf(":"));
            const name = k.slice(ns.length + 1);
            const meant = known.includes(name)
                ? `did you mean ${project}:${name}?`
                : `keys of this program are ${project}:<key>`;
            return {
                key: k,
                value: other[k] === "[secret]" ? "[secret]" : render(other[k]),
                message: `is not in the ${project} namespace, so nothing reads it (namespaces read: ${project}, ${providerNamespaces.join(", ")}); ${meant}`,
            };
        });
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
    otherConfig: () =>
        Object.fromEntries(
            Object.entries(pulumi.runtime.allConfig())
                .filter(([k]) => !k.startsWith(`${project}:`))
                .map(([k, v]) => [
                    k,
                    (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret(k)
                        ? "[secret]"
                        : v,
                ]),
        ),
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

    problems.push(...foreignKeyProblems(source.otherConfig?.() ?? {}));
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
    // The e2e pods are coscheduled on a system node (src/config/system-pool.ts): with gates, the default grows to fit
    // them, and a type set in the stack that is known to be too small is refused before any resource exists.
    const gateCount = Object.values(c.gates ?? {}).filter((g) => g !== undefined).length;
    const chains = concurrentGateChains(
        gateCount,
        c.streams.some((s) => s.upgradeGate !== undefined),
    );
    const needCpu = requiredSystemCpu(chains);
    let systemInstanceType = c.systemInstanceType ?? small?.system ?? defaults.system;
    if (cloud !== undefined && chains > 0) {
        const have = machineCpus(cloud, systemInstanceType);
        if (c.systemInstanceType === undefined) {
            if (have === undefined || have < needCpu) systemInstanceType = systemTypeFor(cloud, needCpu, c.profile);
        } else if (have !== undefined && have < needCpu) {
            throw new ConfigError([
                {
                    key: `${project}:systemInstanceType`,
                    value: render(c.systemInstanceType),
                    message:
                        `has ${have} vCPUs; with ${gateCount} gate(s) under okd-ci:gates` +
                        `${chains > gateCount ? " and an upgrade gate (okd-ci:streams[].upgradeGate)" : ""} the system ` +
                        `pool needs at least ${needCpu} (${chains} gate chain(s) × ${gateChainCpu} CPU, coscheduled on one ` +
                        `system node with the e2e workspace, + ${systemHeadroomCpu} for the system pods); expected a type with ` +
                        `${needCpu} or more vCPUs, e.g. ${systemTypeFor(cloud, needCpu, c.profile)}, or fewer gates`,
                },
            ]);
        }
    }
    return {
        ...(rest as Omit<ParsedConfig, SecretKey>),
        kubernetesVersion: c.kubernetesVersion ?? (cloud === undefined ? "" : kubernetesSupport[cloud].default),
        systemNodes: c.systemNodes ?? small?.systemNodes ?? 2,
        systemInstanceType,
        buildInstanceTypes: c.buildInstanceTypes ?? defaults.builds,
        secrets,
        notices,
    };
}
