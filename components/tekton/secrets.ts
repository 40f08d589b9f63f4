import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { type Site, secretNames, storageRoles } from "../shared/site";

export interface PipelineSecretsArgs {
    /** The site whose cluster holds the Secrets. */
    site: Site;
    /** The pipeline namespaces (their outputs, so the Secrets wait for them). */
    namespaces: { builds: pulumi.Input<string>; release: pulumi.Input<string> };
    /** `mirrorCredentials`: a .dockerconfigjson for the quay.io mirror repositories (secret). */
    mirrorCredentials?: pulumi.Output<string>;
    /** `githubWebhookSecret` (secret); generated and kept in state when unset. */
    githubWebhookSecret?: pulumi.Output<string>;
}

/**
 * The Secrets the pipelines and the webhook interceptor read, from Pulumi secret config and the site, each in the one
 * namespace of what reads it: the quay.io mirror credentials and the webhook secret beside promotion and the listener
 * in `okd-release`, the gates' installer credentials beside the gates in `okd-builds`, and (local) each role's
 * object-store keys beside that role's ServiceAccount. None is linked to a ServiceAccount. Every value stays a secret
 * Output: Pulumi encrypts it in state and never shows it.
 */
export class PipelineSecrets extends pulumi.ComponentResource {
    /** The GitHub webhook secret (secret Output), to paste into each repository's webhook settings. */
    public readonly webhookSecret: pulumi.Output<string>;
    /** Every Secret created, for `dependsOn`. */
    public readonly secrets: k8s.core.v1.Secret[];

    constructor(name: string, args: PipelineSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:PipelineSecrets", name, {}, opts);
        const k = { parent: this, provider: args.site.provider };
        const secret = (
            role: string,
            namespace: pulumi.Input<string>,
            secretName: string,
            type: string,
            stringData: Record<string, pulumi.Input<string>>,
        ) =>
            new k8s.core.v1.Secret(
                `${name}-${role}`,
                { metadata: { name: secretName, namespace }, type, stringData },
                k,
            );
        const { builds, release } = args.namespaces;
        this.secrets = [];

        if (args.mirrorCredentials !== undefined) {
            this.secrets.push(
                secret("mirror", release, secretNames.mirror, "kubernetes.io/dockerconfigjson", {
                    ".dockerconfigjson": pulumi.secret(args.mirrorCredentials),
                }),
            );
        }

        // Without a configured secret the listener still checks signatures, with one generated once and kept.
        this.webhookSecret = pulumi.secret(
            args.githubWebhookSecret ??
                new random.RandomPassword(`${name}-webhook-token`, { length: 40, special: false }, { parent: this })
                    .result,
        );
        this.secrets.push(
            secret("webhook", release, secretNames.webhook, "Opaque", { secretToken: this.webhookSecret }),
        );

        for (const gate of args.site.gates) {
            const value = gate.credentials.value;
            if (value === undefined) continue;
            this.secrets.push(
                secret(`gate-${gate.platform}`, builds, secretNames.gate(gate.platform), "Opaque", {
                    [gate.credentials.fileName]: pulumi.secret(value),
                }),
            );
        }

        const keys = args.site.artifacts.staticCredentials;
        if (keys !== undefined) {
            for (const role of storageRoles) {
                this.secrets.push(
                    secret(
                        `artifacts-${role}`,
                        role === "records" ? builds : release,
                        secretNames.artifacts(role),
                        "Opaque",
                        {
                            AWS_ACCESS_KEY_ID: pulumi.secret(keys[role].accessKeyId),
                            AWS_SECRET_ACCESS_KEY: pulumi.secret(keys[role].secretAccessKey),
                        },
                    ),
                );
            }
        }

        this.registerOutputs({ webhookSecret: this.webhookSecret });
    }
}
