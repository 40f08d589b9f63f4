import * as pulumi from "@pulumi/pulumi";

import type { ConfigSource } from "../src/config/load";
import { Recorder, type RecordedResource, type RecorderOptions } from "../src/synth/recorder";

/** The project every test program runs in (Pulumi.yaml's name), as `pulumi preview` would name it. */
const project = "okd-ci";

interface Installed {
    recorder: Recorder;
    stack: string;
    preview: boolean;
}

/**
 * Pulumi's mock runtime is one per process, so the suites take turns: the innermost suite now running that called
 * `useMocks()` is last. The first entry is the guard, which catches resources created outside any such suite.
 * Module state of this process only: under `mocha --parallel` each worker has its own, and runs one file at a time.
 */
const installed: Installed[] = [];

async function install(entry: Installed): Promise<void> {
    await entry.recorder.install(project, entry.stack, entry.preview);
}

export interface MockOptions extends RecorderOptions {
    /** Stack name the program sees (`pulumi.getStack()`); default "test". */
    stack?: string;
    /** Run as a preview (ids and computed outputs unknown); default false, as after `up`. */
    preview?: boolean;
}

/**
 * Gives the calling `describe` its own Pulumi mock runtime: a fresh Recorder, installed before the suite's own hooks
 * run and, once they are done and every registration has landed, replaced by the one that was there before. Call it
 * first in every describe whose hooks or tests create resources; `find`, `under`, `settled` and `recorder()` then
 * read that suite's registrations only, so a suite sees the same resources however often and in whatever company
 * it runs (again in one process under StrykerJS, alone in a worker under `--parallel`).
 */
export function useMocks(options: MockOptions = {}): void {
    let entry: Installed | undefined;
    before(async () => {
        entry = {
            recorder: new Recorder({ ids: true, ...options }),
            stack: options.stack ?? "test",
            preview: options.preview ?? false,
        };
        installed.push(entry);
        await install(entry);
    });
    after(async () => {
        if (entry === undefined) return;
        await entry.recorder.settle();
        installed.splice(installed.indexOf(entry), 1);
        entry = undefined;
        const outer = installed.at(-1);
        if (outer !== undefined) await install(outer);
    });
}

/**
 * Root hooks (test/setup.ts) call this before each run: forgets suites of an earlier run and installs the guard, a
 * recorder for resources that no `useMocks()` suite owns.
 */
export async function installGuard(): Promise<void> {
    installed.length = 0;
    const guard: Installed = { recorder: new Recorder({ ids: true }), stack: "test", preview: false };
    installed.push(guard);
    await install(guard);
}

/** Fails naming what was registered outside any `useMocks()` suite since the last check, then forgets it. */
export function assertNothingUnowned(): void {
    const guard = installed[0]?.recorder;
    if (guard === undefined || guard.resources.length === 0) return;
    const stray = guard.resources.splice(0).map((r) => `${r.type} ${r.name}`);
    throw new Error(
        `resources registered outside a suite that called useMocks() (test/helpers.ts): ${stray.join(", ")}`,
    );
}

/** The mock runtime of the innermost running suite that called `useMocks()`. */
export function recorder(): Recorder {
    if (installed.length < 2) {
        throw new Error("no mock runtime here: call useMocks() first in the describe that creates resources");
    }
    return installed[installed.length - 1].recorder;
}

/** The value of an Output (or plain value) once known. */
export function valueOf<T>(x: pulumi.Input<T> | undefined): Promise<T> {
    return new Promise((resolve) => pulumi.output(x).apply((v) => resolve(v as T)));
}

/** Waits until every registration started so far has been recorded. */
export async function settled(): Promise<void> {
    await recorder().settle();
}

/** The one resource of `type` named `name` this suite registered. */
export function find(type: string, name: string): RecordedResource {
    return recorder().find(type, name);
}

/** Resources of `type` this suite registered whose name starts with `prefix` (the component's name). */
export function under(prefix: string, type?: string): RecordedResource[] {
    return recorder().resources.filter(
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
