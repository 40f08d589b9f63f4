import * as YAML from "yaml";

import type { Plan, PlanResource } from "../../policy/plan-file";
import { type RecordedResource, sig, transform } from "./recorder";

export const SECRET = "[secret]";
export const UNKNOWN = "[unknown: known after apply]";

/** Wire form to what synth writes: secrets redacted, unknowns as placeholders, references as URNs. */
export function redact(value: unknown): unknown {
    return transform(value, {
        secret: () => SECRET,
        unknown: () => UNKNOWN,
        resource: (urn) => urn,
    });
}

// The plan.json format is declared with the policy pack that reads it.
export type { Plan, PlanResource } from "../../policy/plan-file";

/** `urn::id` to the provider's URN. */
function providerUrn(ref: string): string {
    return ref === "" ? "" : ref.slice(0, ref.lastIndexOf("::"));
}

/** Sorted keys all the way down, so two runs give the same bytes. */
function canonical(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(canonical);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
        Object.keys(value)
            .sort()
            .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
}

export function buildPlan(
    project: string,
    stack: string,
    resources: RecordedResource[],
    outputs: Record<string, unknown>,
): Plan {
    const sorted = [...resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return {
        project,
        stack,
        resources: sorted.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent,
            provider: providerUrn(r.provider),
            dependencies: [...new Set(r.dependencies)].sort(),
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
            inputs: canonical(redact(r.object)),
        })),
        outputs: canonical(redact(outputs)),
    };
}

/** Remote components: the SDK never renders them, the provider does. Synth lists their pinned source. */
const remoteSources: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
    "kubernetes:yaml/v2:ConfigFile": (i) => ({ file: i.file }),
    "kubernetes:yaml/v2:ConfigGroup": (i) => ({
        files: i.files,
        yaml: i.yaml !== undefined ? "(inline)" : undefined,
        // Inline objects are known: each is also rendered as a manifest of its own (renderManifests).
        objs: Array.isArray(i.objs) ? i.objs.length : undefined,
    }),
    "kubernetes:helm.sh/v4:Chart": (i) => ({
        chart: i.chart,
        version: i.version,
        repository: (i.repositoryOpts as Record<string, unknown> | undefined)?.repo,
        namespace: i.namespace,
        values: i.values,
    }),
};

export interface ManifestFile {
    file: string;
    content: string;
}

/** The manifest file of one Kubernetes object. */
function manifestFile(
    obj: { kind: string; metadata?: { name?: string; namespace?: string } },
    fallbackName: string,
    comment: string,
): ManifestFile {
    const name = obj.metadata?.name ?? `${fallbackName}-[autonamed]`;
    const ns = obj.metadata?.namespace ?? "cluster";
    const doc = new YAML.Document(obj, { sortMapEntries: false });
    doc.commentBefore = ` ${comment}`;
    return {
        file: `${fileSafe(obj.kind)}_${fileSafe(ns)}_${fileSafe(name)}.yaml`,
        content: doc.toString({ lineWidth: 0 }),
    };
}

function isKubernetesObject(r: PlanResource): boolean {
    return (
        r.type.startsWith("kubernetes:") &&
        !r.type.startsWith("pulumi:providers:") &&
        !(r.type in remoteSources) &&
        typeof (r.inputs as Record<string, unknown>)?.kind === "string"
    );
}

const fileSafe = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]+/g, "-");

/** Every Kubernetes object of the plan as YAML, one file per object, plus the pinned sources of remote ones. */
export function renderManifests(plan: Plan): ManifestFile[] {
    const files: ManifestFile[] = [];
    const sources: Record<string, unknown>[] = [];
    for (const r of plan.resources) {
        if (r.type in remoteSources) {
            sources.push(
                canonical({
                    name: r.name,
                    type: r.type,
                    provider: r.provider,
                    ...remoteSources[r.type](r.inputs as Record<string, unknown>),
                }) as Record<string, unknown>,
            );
            // A ConfigGroup's inline objects (`objs`) are known before deploy: rendered like any other object.
            const objs = (r.inputs as { objs?: unknown }).objs;
            for (const obj of Array.isArray(objs) ? objs : []) {
                if (typeof (obj as { kind?: unknown })?.kind !== "string") continue;
                files.push(manifestFile(obj as { kind: string }, r.name, `${r.urn} (objs)`));
            }
            continue;
        }
        if (!isKubernetesObject(r)) continue;
        const obj = r.inputs as { kind: string; metadata?: { name?: string; namespace?: string } };
        files.push(manifestFile(obj, r.name, r.urn));
    }
    if (sources.length > 0) {
        const doc = new YAML.Document({ remoteSources: sources });
        doc.commentBefore =
            " Objects applied from remote manifests and charts: the provider renders these at deploy time,\n" +
            " so synth lists each by its pinned source instead of its objects.";
        files.push({ file: "_remote-sources.yaml", content: doc.toString({ lineWidth: 0 }) });
    }
    files.sort((a, b) => (a.file < b.file ? -1 : 1));
    const seen = new Set<string>();
    for (const f of files) {
        if (seen.has(f.file)) throw new Error(`two Kubernetes objects render to ${f.file}`);
        seen.add(f.file);
    }
    return files;
}

/** Counts by type and the component tree, for people. */
export function summarize(plan: Plan): string {
    const lines: string[] = [];
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    lines.push(`${plan.project}/${plan.stack}: ${plan.resources.length} resources`);
    lines.push("");
    lines.push("Resources by type:");
    const width = Math.max(...[...counts.keys()].map((k) => k.length));
    for (const [type, n] of [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        lines.push(`  ${type.padEnd(width)}  ${String(n).padStart(4)}`);
    }
    lines.push("");
    lines.push("Component tree:");
    const children = new Map<string, PlanResource[]>();
    for (const r of plan.resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const isComponent = (r: PlanResource) => (children.get(r.urn)?.length ?? 0) > 0 || r.type === "pulumi:pulumi:Stack";
    const walk = (urn: string, depth: number) => {
        const kids = children.get(urn) ?? [];
        const leaves = new Map<string, number>();
        for (const k of kids) {
            if (isComponent(k)) continue;
            leaves.set(k.type, (leaves.get(k.type) ?? 0) + 1);
        }
        for (const [type, n] of [...leaves.entries()].sort()) {
            lines.push(`${"  ".repeat(depth)}- ${n} x ${type}`);
        }
        for (const k of kids.filter(isComponent)) {
            lines.push(`${"  ".repeat(depth)}${k.name} (${k.type})`);
            walk(k.urn, depth + 1);
        }
    };
    const roots = plan.resources.filter((r) => r.parent === "" || !plan.resources.some((p) => p.urn === r.parent));
    for (const root of roots.filter(isComponent)) {
        lines.push(`${root.name} (${root.type})`);
        walk(root.urn, 1);
    }
    const orphanLeaves = roots.filter((r) => !isComponent(r));
    if (orphanLeaves.length > 0) lines.push(`(${orphanLeaves.length} resources without a parent)`);
    return lines.join("\n");
}

export function planJson(plan: Plan): string {
    return `${JSON.stringify(plan, null, 2)}\n`;
}

export { sig };
