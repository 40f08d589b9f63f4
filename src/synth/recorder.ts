import * as pulumi from "@pulumi/pulumi";
// The mock monitor is reached through settings; `waitForRPCs` is internal but is the only way to know that every
// registration the program started has reached the monitor.
import * as settings from "@pulumi/pulumi/runtime/settings";

import { defaultInvokes, type InvokeTable } from "./invokes";
import { engineUrn } from "./urn";

/** What the program asked the engine to register, as the engine would have received it. */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    /** Provider reference `urn::id`, or "" for the default provider. */
    provider: string;
    /** URNs this resource depends on: explicit `dependsOn` and those implied by Output inputs. */
    dependencies: string[];
    protect: boolean;
    retainOnDelete: boolean;
    /** Input properties whose changes the engine ignores (`ignoreChanges`). */
    ignoreChanges: string[];
    /** Inputs in wire form: secrets, unknowns and resource references keep their signatures. */
    object: Record<string, unknown>;
    /** Inputs as the mocks see them (secrets unwrapped). Tests read these; synth never writes them. */
    inputs: Record<string, unknown>;
}

export interface RecordedCall {
    token: string;
    inputs: Record<string, unknown>;
}

export interface RecorderOptions {
    /** Invokes the program may make and what they return. An invoke not in the table fails the program. */
    invokes?: InvokeTable;
    /** Return ids for custom resources (as after `up`); in a preview they are unknown. */
    ids?: boolean;
}

/**
 * Pulumi mocks that keep every registration, with the parts of the request the public mock API does not expose
 * (dependencies, parent, protect, retainOnDelete, secrets). Both the offline synth and the unit tests use it.
 */
export class Recorder implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    readonly calls: RecordedCall[] = [];
    private readonly invokes: InvokeTable;
    private readonly ids: boolean;

    constructor(options: RecorderOptions = {}) {
        this.invokes = { ...defaultInvokes, ...(options.invokes ?? {}) };
        this.ids = options.ids ?? true;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        return { id: args.custom && this.ids ? `${args.name}-id` : undefined, state: args.inputs };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        this.calls.push({ token: args.token, inputs: args.inputs });
        const invoke = this.invokes[args.token];
        if (invoke === undefined) {
            throw new Error(
                `unexpected invoke ${args.token}: add it to src/synth/invokes.ts with a placeholder result`,
            );
        }
        return invoke(args.inputs);
    }

    /**
     * Installs this recorder as Pulumi's mock runtime. Call before the program's modules are loaded: a resource
     * created earlier silently escapes the mocks.
     */
    async install(project: string, stack: string, preview: boolean): Promise<void> {
        await pulumi.runtime.setMocks(this, project, stack, preview);
        const monitor = settings.getMonitor() as unknown as MonitorLike;
        // URNs as the engine makes them (every ancestor's type, never the root Stack's), not the mock runtime's
        // (the immediate parent's last type only): every URN the program and the plan see is the one a real
        // `pulumi preview` shows. The mock monitor names resources through this one method.
        monitor.newUrn = (parent, type, name) => engineUrn(stack, project, parent, type, name);
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, callback) => {
            const record: Omit<RecordedResource, "urn" | "inputs"> = {
                type: req.getType(),
                name: req.getName(),
                custom: req.getCustom(),
                parent: req.getParent(),
                provider: req.getProvider(),
                dependencies: [...req.getDependenciesList()].sort(),
                protect: req.getProtect() === true,
                retainOnDelete: req.hasRetainondelete?.() ? req.getRetainondelete() === true : false,
                ignoreChanges: [...(req.getIgnorechangesList?.() ?? [])],
                object: (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
            };
            register(req, (err, response) => {
                if (!err && response) {
                    const urn = response.getUrn();
                    this.resources.push({ ...record, urn, inputs: unwrap(record.object) as Record<string, unknown> });
                }
                callback(err, response);
            });
        };
    }

    /** Resolves when every registration the program has started has been recorded. */
    async settle(): Promise<void> {
        // `waitForRPCs` is marked internal, so it is missing from the published typings.
        await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    }

    find(type: string, name: string): RecordedResource {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            const names = this.resources.filter((r) => r.type === type).map((r) => r.name);
            throw new Error(
                `expected one ${type} named ${name}, found ${found.length}; ${type} names: ${names.join(", ")}`,
            );
        }
        return found[0];
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getParent(): string;
    getProvider(): string;
    getDependenciesList(): string[];
    getProtect(): boolean | undefined;
    hasRetainondelete?(): boolean;
    getRetainondelete(): boolean | undefined;
    getIgnorechangesList?(): string[];
    getObject(): { toJavaScript(): unknown } | undefined;
}
interface MonitorLike {
    newUrn(parent: string, type: string, name: string): string;
    registerResource(
        req: RegisterRequest,
        callback: (err: Error | null, response?: { getUrn(): string }) => void,
    ): void;
}

/** Wire signatures, from @pulumi/pulumi runtime/rpc. */
export const sig = {
    key: "4dabf18193072939515e22adb298388d",
    secret: "1b47061264138c4ac30d75fd1eb44270",
    resource: "5cf8f73096256a8f31e491e813e4eb8e",
    outputValue: "d0e6a833031e9bbcd3f4e8bde6ca49a4",
    asset: "c44067f5952c0a294b673a41bacd8c17",
    archive: "0def7320c3a5731c473e5ecbe6d01bc7",
    unknown: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
};

/** Wire form to plain values: secrets unwrapped, unknowns undefined, resource references as URNs. */
export function unwrap(value: unknown): unknown {
    return transform(value, {
        secret: (inner) => unwrap(inner),
        unknown: () => undefined,
        resource: (urn) => urn,
    });
}

export interface Transform {
    secret(inner: unknown): unknown;
    unknown(): unknown;
    resource(urn: string): unknown;
}

/** Walks a wire-form value, replacing signatures with what `t` returns. */
export function transform(value: unknown, t: Transform): unknown {
    if (value === sig.unknown) return t.unknown();
    if (Array.isArray(value)) return value.map((v) => transform(v, t));
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    switch (obj[sig.key]) {
        case sig.secret:
            return t.secret(obj.value);
        case sig.resource:
            return t.resource(String(obj.urn));
        case sig.outputValue:
            if (obj.secret === true) return t.secret(obj.value);
            return "value" in obj ? transform(obj.value, t) : t.unknown();
        case sig.asset:
        case sig.archive:
            return obj.path ?? obj.uri ?? "[asset]";
        default:
            return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, transform(v, t)]));
    }
}
