import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { type ConfigSource, type RequiredSecret, missingSecrets, project } from "../config/load";
import { SECRET } from "./render";
import { listStacks } from "./stacks";

export { listStacks };

/** A stack's configuration as the Pulumi CLI would hand it to the program. */
export interface StackConfig {
    /** `namespace:key` to the raw string value the program reads. */
    config: Record<string, string>;
    /** Keys whose values are secrets. */
    secretKeys: string[];
}

export class StackFileError extends Error {}

/**
 * Reads `Pulumi.<stack>.yaml`. Encrypted (`secure:`) values cannot be decrypted offline and are never needed: they
 * become the placeholder `[secret]` and are marked secret, as the CLI would mark them.
 */
export function readStackConfig(root: string, stack: string): StackConfig {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const known = listStacks(root);
        throw new StackFileError(
            `unknown stack "${stack}": ${file} does not exist; known stacks: ${known.length ? known.join(", ") : "(none)"}`,
        );
    }
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new StackFileError(`${file} is not valid YAML: ${(err as Error).message}`);
    }
    // The keys a Pulumi stack file has (pulumi/pulumi sdk/go/common/workspace/project.go, ProjectStack): anything
    // else, such as okd-ci:platform written at the top level instead of under config:, is read by nobody.
    const topLevel = ["config", "encryptionsalt", "secretsprovider", "encryptedkey", "environment"];
    const stray = Object.keys((doc as Record<string, unknown> | null) ?? {}).filter((k) => !topLevel.includes(k));
    if (stray.length > 0) {
        throw new StackFileError(
            `${file}: top-level key${stray.length === 1 ? "" : "s"} ${stray.map((k) => `"${k}"`).join(", ")} ${stray.length === 1 ? "is" : "are"} not read by Pulumi; stack keys go under "config:" (expected top-level keys: ${topLevel.join(", ")})`,
        );
    }
    const entries = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
    if (typeof entries !== "object" || Array.isArray(entries)) {
        throw new StackFileError(`${file}: "config" must be a map of keys to values`);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const isSecure = (v: unknown) => v !== null && typeof v === "object" && "secure" in (v as object);
    const hasSecure = (v: unknown): boolean =>
        isSecure(v) || (v !== null && typeof v === "object" && Object.values(v as object).some(hasSecure));
    for (const [key, value] of Object.entries(entries)) {
        if (!key.includes(":")) {
            throw new StackFileError(`${file}: config key "${key}" has no namespace; write it as okd-ci:${key}`);
        }
        if (hasSecure(value)) {
            config[key] = SECRET;
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { config, secretKeys };
}

/** The stack configuration as the program's config source sees it. */
export function configSource({ config, secretKeys }: StackConfig): ConfigSource {
    const prefix = `${project}:`;
    return {
        get: (key) => config[`${prefix}${key}`],
        isSecret: (key) => secretKeys.includes(`${prefix}${key}`),
        setKeys: () =>
            Object.keys(config)
                .filter((k) => k.startsWith(prefix))
                .map((k) => k.slice(prefix.length)),
        otherConfig: () =>
            Object.fromEntries(
                Object.entries(config)
                    .filter(([k]) => !k.startsWith(prefix))
                    .map(([k, v]) => [k, secretKeys.includes(k) ? SECRET : v]),
            ),
    };
}

/**
 * Offline synth never has secret values: set ones are `[secret]` already. A secret the configuration requires but
 * the stack does not set (say, mirror credentials of a promoting stream in a freshly cloned stack file) gets the
 * same placeholder here, so the plan can be previewed; the result names each with the command that sets it, since
 * `pulumi preview` stops until it is set.
 */
export function withSecretPlaceholders(
    stack: string,
    stackConfig: StackConfig,
): { stackConfig: StackConfig; placeholders: RequiredSecret[] } {
    const placeholders = missingSecrets(configSource(stackConfig), stack);
    const keys = placeholders.map((p) => `${project}:${p.key}`);
    return {
        stackConfig: {
            config: { ...stackConfig.config, ...Object.fromEntries(keys.map((k) => [k, SECRET])) },
            secretKeys: [...stackConfig.secretKeys, ...keys],
        },
        placeholders,
    };
}
