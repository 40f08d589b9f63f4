/**
 * The Pulumi engine half of `npm run test:engine` (scripts/test-engine.sh prepares the API server, the stack and the
 * synth plan, then runs this): `pulumi preview --stack ci --policy-pack policy --diff` (or, with `--up`,
 * `pulumi up --stack ci --skip-preview`) through the real CLI, engine, kubernetes provider and policy analyzer, and
 * checks what the engine did against the synth plan of the same configuration.
 *
 * How the program runs: the Node.js language host (`pulumi-language-nodejs`) cannot be built here (its Go module,
 * github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, is not served by the module proxy at any
 * version; the last host inside the sdk module, v3.68.0, predates the runtime options and policy protocol 3.248 uses).
 * So the program runs as an inline program of @pulumi/pulumi's Automation API, the SDK's own language runtime, which
 * the CLI reaches through `--client` ("exec kind" auto.inline): the same engine, providers, config, secrets and
 * analyzers; not covered is the host's launch of `node` with Pulumi.yaml's `nodeargs`.
 *
 * Usage: tsx test/engine/engine.ts --work-dir <project dir> --plan <plan.json> --report <file> [--up]
 * (the project directory holds copies of Pulumi.yaml and the stack's Pulumi.ci.yaml; the program is this repository's)
 * Reads PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, PULUMI_HOME from the environment. Exits 0 when every check
 * passes, 1 with one line per failed check otherwise.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

import * as pulumi from "@pulumi/pulumi";
import { type EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";

import type { Plan } from "../../src/synth/render";
import { defaultProviderUrn, engineUrn, qualifiedType } from "../../src/synth/urn";

const root = path.resolve(__dirname, "..", "..");

/** Remote components: the provider registers their children, which the mocks never see. */
const remoteComponentTypes = [
    "kubernetes:yaml/v2:ConfigFile",
    "kubernetes:yaml/v2:ConfigGroup",
    "kubernetes:helm.sh/v4:Chart",
];

/**
 * Kinds whose create the kubernetes provider awaits on Pods or controllers that do not run here (no kubelet, no
 * kube-controller-manager): ready replicas, completed Jobs, Service endpoints, bound claims, quota status. Every
 * other kind is created and awaited as in production.
 */
export const workloadTypes = [
    "apps/v1:Deployment",
    "apps/v1:StatefulSet",
    "apps/v1:DaemonSet",
    "apps/v1:ReplicaSet",
    "batch/v1:Job",
    "core/v1:Pod",
    "core/v1:Service",
    "core/v1:PersistentVolumeClaim",
    "core/v1:ResourceQuota",
].map((t) => `kubernetes:${t}`);

/**
 * `up` only: the provider's documented `pulumi.com/skipAwait` annotation on the kinds above, so `up` creates
 * everything without waiting for what cannot happen here. A stack transform, so it reaches the children of the Tekton
 * release ConfigFiles too (their Deployments would never become ready); URNs and the preview are untouched. (Setting
 * the ConfigFiles' own `skipAwait` input through a transform lost their explicit provider: their children went to a
 * default provider with no kubeconfig.)
 */
export async function skipWorkloadAwait(
    args: pulumi.ResourceTransformArgs,
): Promise<pulumi.ResourceTransformResult | undefined> {
    if (!workloadTypes.includes(args.type)) return undefined;
    // metadata may be an Output or hold some: lift it, then add the annotation.
    const metadata = pulumi.output(args.props.metadata ?? {}).apply((m: { annotations?: Record<string, string> }) => ({
        ...m,
        annotations: { ...m.annotations, "pulumi.com/skipAwait": "true" },
    }));
    return {
        props: { ...args.props, metadata },
        opts: args.opts,
    };
}

/**
 * Warnings the engine is expected to give here, each with the reason. Any other warning fails the test.
 */
export const expectedWarnings: { pattern: RegExp; why: string }[] = [
    {
        pattern:
            /^resource plugin kubernetes is expected to have version >=\d+\.\d+\.\d+, but has 4\.24\.1-dev\.20260115033456\+f47bc2d6f199; the wrong version may be on your path/,
        why: "the same substitute: @pulumi/kubernetes asks for its own version, the build is 4.24.0 plus fixes, stamped as such",
    },
    {
        pattern: /using pulumi-resource-kubernetes from \$PATH/,
        why: "the kubernetes provider is the nearest build the Go module proxy has (see test/tools/go/pulumi-resource-kubernetes/tool.env), run from PATH, not the plugin cache entry for 4.34.2",
    },
];

export interface EngineReport {
    operation: "preview" | "up";
    ok: boolean;
    failures: string[];
    planResources: number;
    engineResources: number;
    defaultProviders: string[];
    remoteChildren: number;
    ops: Record<string, number>;
    warnings: string[];
    errors: string[];
    policyViolations: string[];
    failedResources: string[];
    seconds: number;
}

/** The version of an @pulumi/<pkg> SDK the program loads: its default provider is named after it. */
function sdkVersion(pkg: string): string {
    const file = path.join(root, "node_modules", "@pulumi", pkg, "package.json");
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/**
 * The default providers the engine creates: one per package of the plan's resources that name no provider, and the
 * engine's builtin `pulumi` provider when a remote component names an explicit provider. pulumi-kubernetes' Construct
 * rehydrates that provider reference with the `pulumi:pulumi:getResource` invoke (pulumi/pulumi sdk/go/pulumi
 * provider.go createProviderResource, context.go getResource), which the engine serves through
 * `pulumi:providers:pulumi::default` (found by test:engine; the mocks have no such invoke).
 */
export function expectedDefaultProviders(plan: Plan): string[] {
    const pkgs = new Set<string>();
    const urns: string[] = [];
    for (const r of plan.resources) {
        const pkg = r.type.split(":")[0];
        if (
            r.provider === "" &&
            pkg !== "pulumi" &&
            !r.type.startsWith("okd-ci:") &&
            r.type !== "pulumi:pulumi:Stack"
        ) {
            pkgs.add(pkg);
        }
        if (remoteComponentTypes.includes(r.type) && r.provider !== "") {
            urns.push(engineUrn(plan.stack, plan.project, "", "pulumi:providers:pulumi", "default"));
        }
    }
    urns.push(...[...pkgs].map((pkg) => defaultProviderUrn(plan.stack, plan.project, pkg, sdkVersion(pkg))));
    return [...new Set(urns)].sort();
}

/**
 * Compares what the engine stepped through with the plan: every plan URN is the engine's, and everything else the
 * engine has is a default provider or a child of a remote component.
 */
export function compare(plan: Plan, engineUrns: string[]): { failures: string[]; defaults: string[]; remote: number } {
    const failures: string[] = [];
    const planUrns = new Set(plan.resources.map((r) => r.urn));
    const seen = new Set(engineUrns);
    const defaults = expectedDefaultProviders(plan).filter((u) => seen.has(u));
    const isRemoteChild = (urn: string) =>
        qualifiedType(urn)
            .split("$")
            .slice(0, -1)
            .some((t) => remoteComponentTypes.includes(t));
    for (const urn of planUrns) {
        if (!seen.has(urn)) failures.push(`plan URN not in the engine's ${urn}`);
    }
    for (const urn of expectedDefaultProviders(plan)) {
        if (!seen.has(urn)) failures.push(`expected default provider not in the engine's ${urn}`);
    }
    let remote = 0;
    for (const urn of seen) {
        if (planUrns.has(urn) || defaults.includes(urn)) continue;
        if (isRemoteChild(urn)) {
            remote++;
            continue;
        }
        failures.push(`engine URN not in the plan ${urn}`);
    }
    const expectedCount = plan.resources.length + defaults.length + remote;
    if (seen.size !== expectedCount) {
        failures.push(
            `engine has ${seen.size} resources; expected ${expectedCount} (plan ${plan.resources.length} + default providers ${defaults.length} + remote children ${remote})`,
        );
    }
    return { failures, defaults, remote };
}

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            plan: { type: "string" },
            "work-dir": { type: "string" },
            report: { type: "string" },
            up: { type: "boolean", default: false },
        },
    });
    if (!values.plan || !values["work-dir"] || !values.report) {
        console.error("usage: tsx test/engine/engine.ts --work-dir <dir> --plan <plan.json> --report <file> [--up]");
        return 2;
    }
    const plan = JSON.parse(fs.readFileSync(values.plan, "utf8")) as Plan;
    const operation = values.up ? "up" : "preview";
    const events: EngineEvent[] = [];
    const started = Date.now();
    const failures: string[] = [];

    const program = async () => {
        if (operation === "up") pulumi.runtime.registerResourceTransform(skipWorkloadAwait);
        const { run } = await import("../../src/program");
        return run();
    };
    const stack = await LocalWorkspace.selectStack(
        { stackName: plan.stack, projectName: plan.project, program },
        { workDir: values["work-dir"] },
    );
    const common = {
        policyPacks: [path.join(root, "policy")],
        onEvent: (e: EngineEvent) => events.push(e),
        onOutput: (s: string) => process.stdout.write(s),
        onError: (s: string) => process.stderr.write(s),
    };
    try {
        if (operation === "preview") {
            await stack.preview({ ...common, diff: true });
        } else {
            await stack.up({ ...common, diff: true });
        }
    } catch (err) {
        failures.push(`pulumi ${operation} failed: ${(err as Error).message.split("\n").slice(0, 3).join(" ")}`);
    }

    const urns = [...new Set(events.flatMap((e) => (e.resourcePreEvent ? [e.resourcePreEvent.metadata.urn] : [])))];
    const ops: Record<string, number> = {};
    for (const e of events) {
        const op = e.resourcePreEvent?.metadata.op;
        if (op) ops[op] = (ops[op] ?? 0) + 1;
    }
    const diags = events.flatMap((e) => (e.diagnosticEvent ? [e.diagnosticEvent] : []));
    const text = (d: { urn?: string; message: string }) => `${d.urn ? `${d.urn}: ` : ""}${d.message.trim()}`;
    const warnings = diags.filter((d) => d.severity === "warning").map(text);
    const errors = diags.filter((d) => d.severity === "error").map(text);
    const policyViolations = events.flatMap((e) =>
        e.policyEvent
            ? [`[${e.policyEvent.enforcementLevel}] ${e.policyEvent.policyName}: ${e.policyEvent.message}`]
            : [],
    );
    const failedResources = events.flatMap((e) =>
        e.resOpFailedEvent ? [`${e.resOpFailedEvent.metadata.op} ${e.resOpFailedEvent.metadata.urn}`] : [],
    );

    const { failures: urnFailures, defaults, remote } = compare(plan, urns);
    failures.push(...urnFailures);
    for (const w of warnings) {
        if (!expectedWarnings.some((x) => x.pattern.test(w))) failures.push(`unexpected warning: ${w}`);
    }
    for (const e of errors) failures.push(`error: ${e}`);
    // Advisory policies name what is left to do (e.g. step-images-pinned: images no public source gave a digest for);
    // they are reported, as `npm run policy` reports them, and fail nothing. Any other level fails.
    for (const v of policyViolations) {
        if (!v.startsWith("[advisory]")) failures.push(`policy violation: ${v}`);
    }

    const report: EngineReport = {
        operation,
        ok: failures.length === 0,
        failures,
        planResources: plan.resources.length,
        engineResources: urns.length,
        defaultProviders: defaults,
        remoteChildren: remote,
        ops,
        warnings,
        errors,
        policyViolations,
        failedResources,
        seconds: Math.round((Date.now() - started) / 1000),
    };
    fs.writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(`${values.report.replace(/\.json$/, "")}.events.json`, JSON.stringify(events));
    console.log(
        `\ntest:engine ${operation}: ${urns.length} resources (plan ${plan.resources.length} + ${defaults.length} default providers + ${remote} children of remote components), ops ${JSON.stringify(ops)}, ${warnings.length} warnings, ${policyViolations.length} policy violations, ${report.seconds} s`,
    );
    for (const f of failures) console.log(`FAIL ${f}`);
    // The plain closing line CI reads.
    console.log(
        `engine-${operation}: ${failures.length === 0 ? 1 : 0} passed, ${failures.length === 0 ? 0 : 1} failed`,
    );
    return failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err) => {
            console.error(err);
            process.exit(1);
        },
    );
}
