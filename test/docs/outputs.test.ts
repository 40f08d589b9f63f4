/**
 * The stack output `webhook` tells a person where GitHub must post. It must say what the synthesized objects do: the
 * port the webhook Service listens on, and only stack outputs that exist.
 */
import * as assert from "node:assert/strict";

import * as YAML from "yaml";

import { listStacks } from "../../src/synth/stackfile";
import { root, synthInProcess } from "../synth/run";

describe("the webhook stack output", () => {
    for (const stack of listStacks(root)) {
        it(`${stack}: names the Service's port and only outputs the stack has`, async () => {
            const out = await synthInProcess(stack);
            const outputs = out.plan.outputs as Record<string, unknown>;
            const text = String(outputs.webhook);
            const svc = out.manifests.find((m) => m.file === "service_okd-release_okd-github-webhook.yaml");
            assert.ok(svc, "the webhook Service is rendered");
            // What a person may be told to reach: the Service's port, or its node port where a load balancer outside
            // the cluster forwards to the nodes (the aws site's NLB).
            const ports = (
                YAML.parse(svc.content) as { spec: { ports: { port: number; nodePort?: number }[] } }
            ).spec.ports.flatMap((p) => (p.nodePort === undefined ? [p.port] : [p.port, p.nodePort]));
            for (const m of text.matchAll(/https?:\/\/[^\s/]+:(\d+)/g)) {
                assert.ok(ports.includes(Number(m[1])), `${stack}: "${text}" names port ${m[1]}; the Service has ${ports}`);
            }
            for (const m of text.matchAll(/\bport (\d+)/g)) {
                assert.ok(ports.includes(Number(m[1])), `${stack}: "${text}" names port ${m[1]}; the Service has ${ports}`);
            }
            for (const m of text.matchAll(/(?:the |see the )(\w+) output/g)) {
                assert.ok(m[1] in outputs, `${stack}: "${text}" names a stack output ${m[1]} that does not exist`);
            }
        });
    }
});
