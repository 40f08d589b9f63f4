import * as pulumi from "@pulumi/pulumi";

import type { ConfigSource } from "../src/config/load";
import { type RecordedResource } from "../src/synth/recorder";
import { recorder } from "./setup";

export { recorder };

/** The value of an Output (or plain value) once known. */
export function valueOf<T>(x: pulumi.Input<T> | undefined): Promise<T> {
    return new Promise((resolve) => pulumi.output(x).apply((v) => resolve(v as T)));
}

/** Waits until every registration started so far has been recorded. */
export async function settled(): Promise<void> {
    await recorder.settle();
}

/** The one recorded resource of `type` named `name`. */
export function find(type: string, name: string): RecordedResource {
    return recorder.find(type, name);
}

/** Recorded resources of `type` whose name starts with `prefix` (the component's name). */
export function under(prefix: string, type?: string): RecordedResource[] {
    return recorder.resources.filter(
        (r) => (r.name === prefix || r.name.startsWith(`${prefix}-`)) && (type === undefined || r.type === type),
    );
}

/** A ConfigSource over a plain map of `key → raw string`, with some keys secret. */
export function mapSource(values: Record<string, unknown>, secret: string[] = []): ConfigSource {
    const raw = Object.fromEntries(
        Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
    return {
        get: (key) => raw[key],
        isSecret: (key) => secret.includes(key),
        setKeys: () => Object.keys(raw),
    };
}

/**
 * A secret config value of the form its consumer reads (config validation checks the form), carrying `marker`
 * so a test can tell whether it leaked anywhere.
 */
export function secretValue(key: string, marker: string): string {
    switch (key.replace(/^okd-ci:/, "")) {
        case "mirrorCredentials":
            return JSON.stringify({ auths: { "quay.io": { auth: marker } } });
        case "gateCredentialsAws":
            return `[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = ${marker}\n`;
        case "gateCredentialsGcp":
            return JSON.stringify({ type: "service_account", private_key: marker });
        case "gateCredentialsAzure":
            return JSON.stringify({ subscriptionId: "s", clientId: "c", tenantId: "t", clientSecret: marker });
        case "chainsSigningKey":
            return `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${marker}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
        default:
            return marker;
    }
}
