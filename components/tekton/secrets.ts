import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { type Site, secretNames } from "../shared/site";

export interface PipelineSecretsArgs {
    site: Site;
    /** The build namespace (its output, so the Secrets wait for it). */
    namespace: pulumi.Input<string>;
    /** `mirrorCredentials`: a .dockerconfigjson for the quay.io mirror repositories (secret). */
    mirrorCredentials?: pulumi.Output<string>;
    /** `githubWebhookSecret` (secret); generated and kept in state when unset. */
    githubWebhookSecret?: pulumi.Output<string>;
}

/**
 * The Secrets the pipelines and the webhook listener read, in the build namespace, from Pulumi secret config and
 * the site. Every value stays a secret Output: Pulumi encrypts it in state and never shows it.
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
            secretName: string,
            type: string,
            stringData: Record<string, pulumi.Input<string>>,
        ) =>
            new k8s.core.v1.Secret(
                `${name}-${role}`,
                { metadata: { name: secretName, namespace: args.namespace }, type, stringData },
                k,
            );
        this.secrets = [];

        if (args.mirrorCredentials !== undefined) {
            this.secrets.push(
                secret("mirror", secretNames.mirror, "kubernetes.io/dockerconfigjson", {
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
        this.secrets.push(secret("webhook", secretNames.webhook, "Opaque", { secretToken: this.webhookSecret }));

        for (const gate of args.site.gates) {
            const value = gate.credentials.value;
            if (value === undefined) continue;
            this.secrets.push(
                secret(`gate-${gate.platform}`, secretNames.gate(gate.platform), "Opaque", {
                    [gate.credentials.fileName]: pulumi.secret(value),
                }),
            );
        }

        const keys = args.site.artifacts.staticCredentials;
        if (keys !== undefined) {
            this.secrets.push(
                secret("artifacts", secretNames.artifacts, "Opaque", {
                    AWS_ACCESS_KEY_ID: pulumi.secret(keys.accessKeyId),
                    AWS_SECRET_ACCESS_KEY: pulumi.secret(keys.secretAccessKey),
                }),
            );
        }

        this.registerOutputs({ webhookSecret: this.webhookSecret });
    }
}
