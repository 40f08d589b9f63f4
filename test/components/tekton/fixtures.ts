import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import {
    type GateAccess,
    type PipelineRunTemplate,
    type Site,
    type StreamRuns,
    type IdentityRole,
    type WorkloadIdentity,
    buildPlacement,
    identityRoles,
    nightlyPipelineName,
    pipelineServiceAccount,
    releasePipelineName,
    repositoryPaths,
    repositoryRoles,
    unmanagedGateAccess,
} from "../../../components/shared";
import type { OkdCiConfig } from "../../../src/config/load";
import { loadConfig } from "../../../src/config/load";
import type { Platform } from "../../../src/config/schema";
import { redact } from "../../../src/synth/render";
import { type RecordedResource } from "../../../src/synth/recorder";
import { mapSource, secretValue } from "../../helpers";

/** Values no manifest, plan or output may ever show; each secret config key gets its own. */
export const sentinel = (key: string): string => secretValue(key, `okd-ci-test-sentinel-${key}`);

/** The pull-only identity of the e2e ServiceAccount on the fake gcp site (the aws one needs no annotation). */
export const e2ePullAnnotations = { "iam.gke.io/gcp-service-account": "okd-e2e-pull@okd-proj.iam.gserviceaccount.com" };

/** The annotations each identity puts on its ServiceAccounts on each fake site, as the real sites do. */
export function identityAnnotationsOf(platform: Platform, role: IdentityRole): Record<string, string> {
    const n = identityRoles.indexOf(role) + 1;
    switch (platform) {
        case "gcp":
            return role === "e2ePull"
                ? e2ePullAnnotations
                : { "iam.gke.io/gcp-service-account": `okd-${role}@okd-proj.iam.gserviceaccount.com` };
        case "azure":
            return { "azure.workload.identity/client-id": `00000000-0000-0000-0000-00000000000${n}` };
        default:
            return {};
    }
}

/** The records identity's annotations (the one the build namespace's identity-holding tasks share). */
export const identityAnnotations: Record<Platform, Record<string, string>> = {
    aws: identityAnnotationsOf("aws", "records"),
    gcp: identityAnnotationsOf("gcp", "records"),
    azure: identityAnnotationsOf("azure", "records"),
    local: {},
};

/** A fake site's signing key reference (clouds) . */
export const fakeKmsRef: Partial<Record<Platform, string>> = {
    aws: "awskms:///arn:aws:kms:us-east-1:123456789012:alias/okd-us-east-1-chains-signing",
    gcp: "gcpkms://projects/okd-proj/locations/us-central1/keyRings/okd-chains/cryptoKeys/chains-signing/cryptoKeyVersions/1",
    azure: "azurekms://okdkv12345678.vault.azure.net/chains-signing",
};

/**
 * A fake site of each flavor, as the real sites describe themselves: aws (Pod Identity: no annotation, a foreign gcp
 * gate with a key), gcp (GKE Workload Identity annotations, a home gate with its installer key), azure (client-id
 * annotation and pod label), local (static object-store keys, plain-HTTP in-cluster registry).
 */
export function fakeSite(name: string, platform: Platform, webhook: Partial<Site["webhook"]> = {}): Site {
    const identity = (role: IdentityRole): WorkloadIdentity => ({
        serviceAccountAnnotations: pulumi.output(identityAnnotationsOf(platform, role)),
        podLabels: platform === "azure" ? { "azure.workload.identity/use": "true" } : {},
    });
    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: "fake" });
    // Stands for the site's node pools and add-ons, which are custom resources.
    const ready = new k8s.core.v1.Namespace(`${name}-ready`, {}, { provider });
    const host =
        platform === "local"
            ? "registry.okd-site.svc.cluster.local:5000"
            : platform === "aws"
              ? "123456789012.dkr.ecr.us-east-1.amazonaws.com"
              : platform === "gcp"
                ? "us-central1-docker.pkg.dev/okd-proj/okd"
                : "okdci.azurecr.io";
    const gates: GateAccess[] = [];
    if (platform === "aws") {
        gates.push(
            unmanagedGateAccess(
                "gcp",
                { blocking: false, baseDomain: "gcp.ci.example.org", region: "us-central1" },
                "okd",
                pulumi.secret(sentinel("gateCredentialsGcp")),
                pulumi.output("okd-gcp-zone"),
            ),
        );
    }
    if (platform === "gcp") {
        gates.push(
            unmanagedGateAccess(
                "gcp",
                { blocking: true, baseDomain: "gcp.ci.example.org", region: "us-central1", project: "okd-proj-e2e" },
                "okd",
                pulumi.secret(sentinel("gateCredentialsGcp")),
                pulumi.output("okd-zone"),
            ),
        );
    }
    return {
        platform,
        provider,
        ready: [ready],
        registry: {
            host: pulumi.output(host),
            insecure: platform === "local",
            repositories: Object.fromEntries(
                repositoryRoles.map((r) => [r, pulumi.output(`${host}/${repositoryPaths[r]}`)]),
            ) as Site["registry"]["repositories"],
        },
        artifacts: {
            kind: platform === "gcp" ? "gcs" : platform === "azure" ? "azure-blob" : "s3",
            bucket: pulumi.output("okd-artifacts"),
            url: pulumi.output("s3://okd-artifacts/"),
            ...(platform === "local"
                ? {
                      endpoint: pulumi.output("http://objects.okd-site.svc.cluster.local:8333"),
                      staticCredentials: {
                          records: {
                              accessKeyId: pulumi.secret(sentinel("s3-records-access-key")),
                              secretAccessKey: pulumi.secret(sentinel("s3-records-secret-key")),
                          },
                          promote: {
                              accessKeyId: pulumi.secret(sentinel("s3-promote-access-key")),
                              secretAccessKey: pulumi.secret(sentinel("s3-promote-secret-key")),
                          },
                      },
                  }
                : {}),
        },
        identities: {
            build: identity("build"),
            records: identity("records"),
            promote: identity("promote"),
            chains: identity("chains"),
            ...(gates.length > 0 ? { e2ePull: identity("e2ePull") } : {}),
            env: {},
        },
        ...(fakeKmsRef[platform] !== undefined
            ? { signing: { kmsRef: pulumi.output(fakeKmsRef[platform] as string), ready: [] } }
            : {}),
        buildPool: buildPlacement(),
        // As the real sites: aws fronts a fixed node port with its own load balancer; gcp and azure have the
        // cluster make one.
        webhook: {
            serviceType: platform === "local" ? "ClusterIP" : platform === "aws" ? "NodePort" : "LoadBalancer",
            serviceAnnotations: platform === "gcp" ? { "cloud.google.com/l4-rbs": "enabled" } : {},
            ...(platform === "aws" ? { nodePort: 30808 } : {}),
            description: `${platform} webhook`,
            ...webhook,
        },
        gates,
    };
}

export const stream415 = {
    minor: "4.15",
    branch: "release-4.15",
    basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
    components: [
        { name: "installer", repository: "openshift/installer", dockerfile: "images/installer/Dockerfile.ci" },
        { name: "ironic", repository: "openshift/ironic-image", dockerfile: "Dockerfile.ocp" },
    ],
    schedules: { nightly: "0 2 * * *", release: "0 5 * * 1", releaseEveryWeeks: 2 },
    promote: true,
};
export const stream416 = {
    minor: "4.16",
    branch: "master",
    basePayload: "quay.io/okd/scos-release:4.16.0-okd-scos.1",
    components: [
        { name: "installer", repository: "openshift/Installer", dockerfile: "images/installer/Dockerfile.ci" },
    ],
    schedules: { nightly: "30 1 * * *" },
};

/** A validated config, as `pulumi config` would give it; every secret key set to its sentinel unless `omit`. */
export function fakeConfig(
    platform: Platform,
    streams: object[] = [stream415],
    extra: Record<string, unknown> = {},
    omitSecrets: string[] = [],
): OkdCiConfig {
    // Mirror settings only with a promoting stream: without one they would do nothing and are refused.
    const promoting = (streams as { promote?: boolean }[]).some((s) => s.promote === true);
    // A Chains key is a local-only setting: the clouds sign with their KMS key.
    const secrets = ["mirrorCredentials", "githubWebhookSecret", "chainsSigningKey", "chainsSigningKeyPassword"].filter(
        (k) =>
            !omitSecrets.includes(k) &&
            (promoting || k !== "mirrorCredentials") &&
            (platform === "local" || !k.startsWith("chainsSigningKey")),
    );
    const values: Record<string, unknown> = {
        platform,
        ...(platform === "local"
            ? {}
            : { region: platform === "azure" ? "eastus" : platform === "gcp" ? "us-central1" : "us-east-1" }),
        ...(platform === "gcp" ? { gcpProject: "okd-proj" } : {}),
        // Required on aws: the EKS cluster gives its creator no access of its own.
        ...(platform === "aws" ? { adminPrincipals: ["arn:aws:iam::111122223333:role/okd-ci-deployer"] } : {}),
        streams,
        ...(promoting
            ? {
                  mirrorReleaseRepository: "quay.io/openshift/okd",
                  mirrorContentRepository: "quay.io/openshift/okd-content",
              }
            : {}),
        tektonPruneKeep: 25,
        tektonPruneSchedule: "15 3 * * *",
        ...Object.fromEntries(secrets.map((k) => [k, sentinel(k)])),
        // With a given signing key, promotion verifies with its public half (chainsPublicKey).
        ...(promoting && secrets.includes("chainsSigningKey")
            ? { chainsPublicKey: "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n" }
            : {}),
        ...extra,
    };
    return loadConfig(mapSource(values, secrets));
}

/** StreamRuns as the pipelines layer would give them, with every field filled so the tests see it carried. */
export function fakeRuns(config: OkdCiConfig): StreamRuns[] {
    const run = (minor: string, pipelineName: string): PipelineRunTemplate => ({
        pipelineName,
        params: [
            { name: "stream", value: minor },
            { name: "base-payload", value: `quay.io/openshift/okd:${minor}` },
        ],
        eventParams: ["revision", "trigger-repository"],
        timeouts: { pipeline: "8h", tasks: "7h", finally: "1h" },
        taskRunTemplate: { serviceAccountName: pipelineServiceAccount },
        taskRunSpecs: [{ pipelineTaskName: "e2e-gcp", serviceAccountName: "okd-e2e" }],
        workspaces: [
            { name: "shared", volumeClaimTemplate: { spec: { resources: { requests: { storage: "10Gi" } } } } },
        ],
    });
    return config.streams.map((s) => ({
        minor: s.minor,
        nightly: run(s.minor, nightlyPipelineName(s.minor)),
        ...(s.promote ? { release: run(s.minor, releasePipelineName(s.minor)) } : {}),
    }));
}

/** Recorded inputs, typed loosely for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
export type Json = any;

/** The wire form of a resource as synth would write it: secrets redacted. */
export function written(r: RecordedResource): string {
    return JSON.stringify(redact(r.object));
}
