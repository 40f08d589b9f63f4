/** Every stack's rendered objects, synthesized once per test process and shared by the security tests. */
import * as YAML from "yaml";

import { handRuns } from "../../src/synth/runs";
import { type StackConfig, listStacks, readStackConfig } from "../../src/synth/stackfile";
import { type SynthOutput, root, synthInProcess } from "../synth/run";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML
export type Doc = Record<string, any>;

export interface StackObjects {
    stack: string;
    out: SynthOutput;
    /** Every rendered Kubernetes object. */
    objects: Doc[];
    /** The PipelineRuns the triggers create, as `npm run synth` writes them for hand runs. */
    runs: Doc[];
}

const cache = new Map<string, Promise<StackObjects>>();

export const stacks = (): string[] => listStacks(root);

/**
 * The stack as its file configures it; with `promoting`, as if its first stream promoted and mirrored to quay.io, so
 * that every stack renders the release pipeline and the mirror credentials.
 */
export function stackObjects(stack: string, promoting = false): Promise<StackObjects> {
    const key = `${stack}${promoting ? "+promoting" : ""}`;
    let p = cache.get(key);
    if (p === undefined) {
        p = synthInProcess(stack, promoting ? promotingConfig(stack) : undefined).then((out) => ({
            stack,
            out,
            objects: out.manifests
                .filter((m) => !m.file.startsWith("_"))
                .map((m) => YAML.parse(m.content) as Doc)
                .filter((d) => d !== null && typeof d === "object"),
            runs: handRuns(out.plan).map((f) => YAML.parse(f.content) as Doc),
        }));
        cache.set(key, p);
    }
    return p;
}

function promotingConfig(stack: string): StackConfig {
    const c = structuredClone(readStackConfig(root, stack));
    const streams = JSON.parse(c.config["okd-ci:streams"]) as Record<string, unknown>[];
    streams[0].promote = true;
    c.config["okd-ci:streams"] = JSON.stringify(streams);
    c.config["okd-ci:mirrorReleaseRepository"] ??= "quay.io/openshift/okd";
    c.config["okd-ci:mirrorContentRepository"] ??= "quay.io/openshift/okd-content";
    return c;
}

/** Objects of a kind, optionally in a namespace. */
export const ofKind = (s: StackObjects, kind: string, namespace?: string): Doc[] =>
    s.objects.filter((o) => o.kind === kind && (namespace === undefined || o.metadata?.namespace === namespace));
