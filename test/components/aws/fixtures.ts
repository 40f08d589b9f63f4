// The mock monitor is internal to @pulumi/pulumi; the Recorder reaches it the same way.
import * as settings from "@pulumi/pulumi/runtime/settings";

import type { AwsSiteArgs } from "../../../components/aws";
import { find } from "../../helpers";

/** Site arguments as `cloudSiteArgs` would build them from a typical aws stack. */
export function siteArgs(overrides: Partial<AwsSiteArgs> = {}): AwsSiteArgs {
    return {
        namePrefix: "okdt",
        tags: { team: "okd-release" },
        protect: true,
        region: "us-east-1",
        kubernetesVersion: "1.35",
        systemPool: { instanceType: "m6i.large", nodes: 2 },
        buildPool: {
            instanceTypes: ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"],
            spot: true,
            minNodes: 0,
            maxNodes: 10,
            diskGb: 200,
        },
        retention: { nightlyDays: 14, untaggedDays: 1, logDays: 90 },
        gates: {},
        gateSecrets: {},
        adminPrincipals: ["arn:aws:iam::111122223333:role/okd-ci-deployer"],
        ...overrides,
    };
}

/** The account id the offline invoke table answers with (src/synth/invokes.ts). */
export const account = "[unknown: aws account id]";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
export type Json = any;

/** The recorded inputs of one resource. */
export function inputs(type: string, name: string): Json {
    return find(type, name).inputs;
}

/** A recorded IAM policy document (inline role policy, bucket policy, trust policy), parsed. */
export function policyOf(type: string, name: string, field = "policy"): Json {
    return JSON.parse(inputs(type, name)[field] as string);
}

/**
 * Resource options the Recorder does not keep (`ignoreChanges`), read off the registration requests of resources
 * registered after this call. Returns a lookup by resource name.
 */
export function captureIgnoreChanges(): (name: string) => string[] | undefined {
    const seen = new Map<string, string[]>();
    const monitor = settings.getMonitor() as unknown as {
        registerResource(req: { getName(): string; getIgnorechangesList(): string[] }, cb: unknown): void;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        seen.set(req.getName(), req.getIgnorechangesList());
        register(req, cb);
    };
    return (name) => seen.get(name);
}
