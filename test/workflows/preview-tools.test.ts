/**
 * The preview workflow installs the credential plugins from one list (.github/workflows/scripts/preview-tools.sh),
 * and that list is exactly what the kubeconfigs the sites build exec: `aws eks get-token` (EKS),
 * `gke-gcloud-auth-plugin` (GKE), `kubelogin` (AKS). A site that starts exec'ing another command fails here.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

import { withKubeloginMode } from "../../components/azure/kubeconfig";
import { gkeKubeconfig } from "../../components/gcp/kubeconfig";
import { valueOf } from "../helpers";
import { root } from "../synth/run";

const script = path.join(root, ".github", "workflows", "scripts", "preview-tools.sh");

/** `<cloud> → command` from the script's list. */
function listed(): Record<string, string> {
    return Object.fromEntries(
        execFileSync("bash", [script, "--list"], { encoding: "utf8" })
            .trim()
            .split("\n")
            .map((l) => l.split("\t").slice(0, 2) as [string, string]),
    );
}

interface Kubeconfig {
    users: { user: { exec?: { command: string } } }[];
}
const execCommands = (text: string) =>
    [...new Set((YAML.parse(text) as Kubeconfig).users.map((u) => u.user.exec?.command ?? "(none)"))].sort();

/** The kubeconfig each site hands its Kubernetes provider, built by the site's own code. */
async function siteKubeconfigs(): Promise<Record<string, string>> {
    const { kubeconfigFor } = await import("../../components/aws/cluster");
    type EksCluster = Parameters<typeof kubeconfigFor>[0];
    const eks = {
        name: pulumi.output("okd-build"),
        endpoint: pulumi.output("https://ABC.gr7.us-east-1.eks.amazonaws.com"),
        certificateAuthority: pulumi.output({ data: "Q0E=" }),
    } as unknown as EksCluster;
    // What AKS's listClusterUserCredential returns for an Entra ID cluster (an exec kubeconfig running kubelogin),
    // which the Azure site rewrites to a non-interactive login.
    const aks = YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "okd", cluster: { server: "https://okd.hcp.westeurope.azmk8s.io:443" } }],
        users: [
            {
                name: "clusterUser_okd_okd",
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "kubelogin",
                        args: [
                            "get-token",
                            "--login",
                            "devicecode",
                            "--server-id",
                            "6dae42f8-4368-4678-94ff-3960e28e3630",
                        ],
                    },
                },
            },
        ],
    });
    return {
        aws: await valueOf(kubeconfigFor(eks, "us-east-1")),
        gcp: gkeKubeconfig({
            project: "okd-ci-example",
            location: "europe-west4-a",
            clusterName: "okd-build",
            endpoint: "203.0.113.10",
            caCertificate: "Q0E=",
        }),
        azure: withKubeloginMode(aks, "azurecli"),
    };
}

describe("preview workflow credential plugins", () => {
    it("lists, per cloud, exactly the command that cloud's kubeconfig execs", async () => {
        const kubeconfigs = await siteKubeconfigs();
        const list = listed();
        assert.deepEqual(Object.keys(list).sort(), ["aws", "azure", "gcp"]);
        for (const [cloud, text] of Object.entries(kubeconfigs)) {
            assert.deepEqual(
                execCommands(text),
                [list[cloud]],
                `${cloud}: the kubeconfig execs what the list installs`,
            );
        }
    });

    it("lists every exec command written in the sites' code", () => {
        const commands = new Set(Object.values(listed()));
        const sources = ["components/aws/cluster.ts", "components/gcp/kubeconfig.ts", "components/azure/kubeconfig.ts"];
        const found: string[] = [];
        for (const file of sources) {
            const text = fs.readFileSync(path.join(root, file), "utf8");
            // `command: "<x>"` inside an exec block, and the kubelogin binary name the Azure rewrite matches.
            for (const m of text.matchAll(/exec: \{[^}]*?command: "([^"]+)"/gs)) found.push(m[1]);
            for (const m of text.matchAll(/\(\^\|\\\/\)(\w+)\$/g)) found.push(m[1]);
        }
        assert.deepEqual([...new Set(found)].sort(), ["aws", "gke-gcloud-auth-plugin", "kubelogin"]);
        for (const c of found) assert.ok(commands.has(c), `${c} is exec'd by a site but not in preview-tools.sh`);
    });

    it("is what the preview workflow runs, per stack, before pulumi preview", () => {
        const wf = YAML.parse(fs.readFileSync(path.join(root, ".github", "workflows", "preview.yml"), "utf8")) as {
            jobs: { preview: { steps: { run?: string; uses?: string; env?: Record<string, string> }[] } };
        };
        const steps = wf.jobs.preview.steps;
        const tools = steps.findIndex((s) => s.run?.includes("bash .github/workflows/scripts/preview-tools.sh"));
        const preview = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.ok(tools >= 0 && tools < preview, "preview-tools.sh runs before pulumi preview");
        assert.equal(steps[tools].env?.CLOUD, "${{ matrix.stack }}");
    });

    it("refuses a cloud it does not know, with exit 2", () => {
        assert.throws(
            () => execFileSync("bash", [script, "openstack"], { encoding: "utf8", stdio: "pipe" }),
            (err: { status: number; stderr: string }) =>
                err.status === 2 && /expected aws, gcp, azure or --list, not 'openstack'/.test(err.stderr),
        );
    });
});
