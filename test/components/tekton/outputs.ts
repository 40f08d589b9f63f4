import * as settings from "@pulumi/pulumi/runtime/settings";

interface MockMonitorLike {
    getRegisteredResources(): Map<
        string,
        { state: Record<string, unknown> | { toJavaScript(): Record<string, unknown> } }
    >;
}

/**
 * The outputs a component registered (`registerOutputs`), as the engine would keep them in state: the mock monitor
 * (@pulumi/pulumi runtime/mocks.js, registerResourceOutputs) stores them as the resource's state. Call after
 * `settled()`, in the suite that created the component.
 */
export function componentOutputs(urn: string): Record<string, unknown> {
    const monitor = settings.getMonitor() as unknown as MockMonitorLike;
    const state = monitor.getRegisteredResources().get(urn)?.state;
    if (state === undefined) throw new Error(`no resource ${urn} in the mock monitor`);
    return "toJavaScript" in state && typeof state.toJavaScript === "function"
        ? (state.toJavaScript as () => Record<string, unknown>)()
        : (state as Record<string, unknown>);
}
