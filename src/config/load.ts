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
    keys,
    secretKeys,
} from "./schema";

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

/** Secret config values, only ever as secret Outputs. */
export type Secrets = { [K in SecretKey]?: pulumi.Output<string> };

/** The validated configuration with every default applied. */
export interface OkdCiConfig extends Omit<ParsedConfig, SecretKey> {
    platform: Platform;
    systemInstanceType: string;
    buildInstanceTypes: string[];
    secrets: Secrets;
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

/** Keys that must be set, as secrets, because of other keys: promotion needs mirror credentials, foreign gates keys. */
function secretRequirements(c: Partial<ParsedConfig>, has: (key: SecretKey) => boolean): ConfigProblem[] {
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
        if (!has("mirrorCredentials")) {
            problems.push({
                key: `${project}:mirrorCredentials`,
                value: "(not set)",
                message: `is required because ${streamsText} ${verb}; set a .dockerconfigjson with \`pulumi config set --secret mirrorCredentials < auth.json\``,
            });
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
    for (const cloud of Object.keys(c.gates ?? {}) as CloudPlatform[]) {
        const gate: Gate | undefined = c.gates?.[cloud];
        if (gate === undefined || c.platform === undefined) continue;
        const key = `gateCredentials${cloud[0].toUpperCase()}${cloud.slice(1)}` as SecretKey;
        if (has(key)) continue;
        if (cloud !== c.platform) {
            problems.push({
                key: `${project}:${key}`,
                value: "(not set)",
                message: `is required because gates.${cloud} runs on another cloud than the site (${c.platform}); set it with \`pulumi config set --secret ${key} < credentials\``,
            });
        } else if (cloud === "azure") {
            // openshift-install reads osServicePrincipal.json (secret or certificate); it cannot use a federated token.
            problems.push({
                key: `${project}:${key}`,
                value: "(not set)",
                message: `is required because gates.azure is set: openshift-install cannot authenticate to Azure with workload identity; create its service principal (docs/platforms/azure.md) and set it with \`pulumi config set --secret ${key} < osServicePrincipal.json\``,
            });
        }
    }
    return problems;
}

/**
 * Reads, validates and completes the configuration. Throws a ConfigError listing every problem; nothing else in the
 * program runs before this, so a bad config registers no resource.
 */
export function loadConfig(source: ConfigSource = runtimeConfigSource): OkdCiConfig {
    const problems: ConfigProblem[] = [];
    const raw: Record<string, unknown> = {};
    const known = new Set(Object.keys(keys));

    for (const key of source.setKeys().sort()) {
        if (!known.has(key)) {
            problems.push({
                key: `${project}:${key}`,
                value: source.isSecret(key) ? "[secret]" : render(source.get(key)),
                message: `is not a known key; expected one of ${[...known].join(", ")}`,
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
                message: `holds a secret but is stored in plain text; set it with \`pulumi config set --secret ${key}\``,
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
    for (const issue of issues) {
        const top = String(issue.path[0] ?? "");
        const secret = (secretKeys as string[]).includes(top);
        problems.push({
            key: `${project}:${pathText(issue.path)}`,
            value: secret ? "[secret]" : render(valueAt(raw, issue.path)),
            message: issue.message,
        });
    }
    const has = (key: SecretKey) => (source.get(key) ?? "") !== "";
    problems.push(...secretRequirements(valid as Partial<ParsedConfig>, has));
    if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
    const c = parsed.data;
    const secrets: Secrets = {};
    for (const key of secretKeys) {
        if (has(key)) secrets[key] = pulumi.secret(source.get(key) as string);
    }
    const defaults = c.platform === "local" ? { system: "", builds: [] } : platformDefaults[c.platform];
    const rest = Object.fromEntries(Object.entries(c).filter(([k]) => !(secretKeys as string[]).includes(k)));
    return {
        ...(rest as Omit<ParsedConfig, SecretKey>),
        systemInstanceType: c.systemInstanceType ?? defaults.system,
        buildInstanceTypes: c.buildInstanceTypes ?? defaults.builds,
        secrets,
    };
}
