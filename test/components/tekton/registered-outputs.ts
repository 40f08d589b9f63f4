import * as settings from "@pulumi/pulumi/runtime/settings";

import type { Json } from "./fixtures";

/**
 * The outputs a component registered (`registerOutputs`), as Pulumi's mock monitor keeps them for the resource's URN
 * (@pulumi/pulumi runtime/mocks.js, `MockMonitor.registerResourceOutputs`); the Recorder does not keep them. The call
 * is made once the outputs resolve, which may be after the registrations settle: polled for up to a second.
 */
export async function registeredOutputs(urn: string): Promise<Json> {
    const monitor = settings.getMonitor() as unknown as {
        resources: Map<string, { state?: { toJavaScript?: () => Json } }>;
    };
    for (let i = 0; i < 100; i++) {
        // Registration stores the mocked state as a plain object; registerResourceOutputs replaces it with a Struct.
        const state = monitor.resources.get(urn)?.state;
        if (typeof state?.toJavaScript === "function") return state.toJavaScript();
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return undefined;
}
