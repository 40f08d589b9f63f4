/**
 * Where the release's secrets may go (docs/security.md): the quay.io credentials reach the promote Tasks only, and on
 * a cloud Chains' key lives in KMS, never in a Secret.
 */
import { releaseNamespace, secretNames } from "../../components/shared/site";
import { type StackRule, arr, at, known, obj, ofType, readKnown } from "../model";

import { t } from "../types";

// ---------------------------------------------------------------------------------------------------------------
// mirror-credentials-promote-only

const mirror = secretNames.mirror;
/**
 * The Tasks that push to quay.io, both run by the release Pipeline in the release namespace under the promotion
 * identity, running only the tools image: promote (the payload, mirror-release.sh) and publish-signatures (its
 * signature and provenance, `cosign copy`, after Chains has signed the promote TaskRun).
 */
const mirrorTasks = ["okd-promote-release", "okd-publish-signatures"];
/**
 * Whether a Tekton object's spec (Task, Pipeline, TriggerTemplate) names the mirror Secret anywhere, reading around
 * values only known after apply (a registry host in an env value), which cannot be the Secret's name.
 */
function namesMirror(value: unknown): boolean {
    const walk = (v: unknown): boolean => {
        if (v === mirror) return true;
        if (v === null || typeof v !== "object") return false;
        return Object.keys(v).some((k) => {
            const child = readKnown(() => (v as Record<string, unknown>)[k]);
            return child.known && walk(child.value);
        });
    };
    return walk(value);
}

export const mirrorCredentialsPromoteOnly: StackRule = {
    kind: "stack",
    name: "mirror-credentials-promote-only",
    description: `The quay.io mirror credentials (${mirror}) live in ${releaseNamespace}, are linked to no ServiceAccount (Tekton's creds-init would write them into every step), and only the Tasks that push to quay.io (${mirrorTasks.join(", ")}) mount them.`,
    enforcementLevel: "mandatory",
    remediation:
        "Create the mirror Secret in the release namespace only, link it to no ServiceAccount, and mount it as a volume of the promote and publish-signatures Tasks alone (components/pipelines/tasks/promote.ts, publish-signatures.ts).",
    check(all, report) {
        for (const s of ofType(all, t.k8s.secret)) {
            if (known(() => at(s.props, "metadata.name")) !== mirror) continue;
            const ns = known(() => at(s.props, "metadata.namespace"));
            if (ns !== releaseNamespace) report(`the mirror Secret is in ${String(ns)}, beside pushed code`, s.urn);
        }
        for (const sa of ofType(all, t.k8s.serviceAccount)) {
            const linked = [...arr(known(() => sa.props.secrets)), ...arr(known(() => sa.props.imagePullSecrets))];
            if (linked.some((l) => at(l, "name") === mirror)) {
                report(
                    `ServiceAccount ${sa.name} links the mirror Secret: creds-init writes it into every step`,
                    sa.urn,
                );
            }
        }
        for (const r of ofType(all, t.tekton.task, t.tekton.pipeline, t.tekton.triggerTemplate)) {
            if (!namesMirror(r.props.spec)) continue;
            const name = known(() => at(r.props, "metadata.name"));
            const ns = known(() => at(r.props, "metadata.namespace"));
            if (r.type !== t.tekton.task || !mirrorTasks.includes(String(name)) || ns !== releaseNamespace) {
                report(
                    `${r.type.split(":").pop()} ${String(ns)}/${String(name)} reaches the mirror Secret; only ${mirrorTasks.join(" and ")} may`,
                    r.urn,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// chains-signs-with-kms

export const chainsSignsWithKms: StackRule = {
    kind: "stack",
    name: "chains-signs-with-kms",
    description:
        "On a cloud stack Tekton Chains signs with the site's KMS key (signer kms, signers.kms.kmsref) and no Secret carries a Chains key: the Triggers core interceptors read every Secret of the cluster.",
    enforcementLevel: "mandatory",
    remediation:
        "Give the site a signing key in its KMS (SiteSigningKey) and let ChainsConfig use it; keep chainsSigningKey for the local site only.",
    check(all, report) {
        const cloud = ofType(all, t.aws.eksCluster, t.gcp.gkeCluster, t.azure.aksCluster).length > 0;
        if (!cloud) return;
        const config = ofType(all, t.k8s.configMapPatch).filter(
            (c) => known(() => at(c.props, "metadata.name")) === "chains-config",
        );
        if (config.length === 0) report("no chains-config patch: Chains would sign with the x509 key of a Secret");
        for (const c of config) {
            const data = obj(known(() => c.props.data)) ?? {};
            for (const kind of ["taskrun", "pipelinerun", "oci"]) {
                if (data[`artifacts.${kind}.signer`] !== "kms") {
                    report(
                        `chains-config signs ${kind} artifacts with ${String(data[`artifacts.${kind}.signer`] ?? "x509 (the default)")}, not kms`,
                        c.urn,
                    );
                }
            }
            if (typeof data["signers.kms.kmsref"] !== "string") {
                report("chains-config names no signers.kms.kmsref", c.urn);
            }
        }
        for (const s of ofType(all, t.k8s.secret, t.k8s.secretPatch)) {
            if (known(() => at(s.props, "metadata.name")) === "signing-secrets") {
                report(`${s.name} puts a Chains key in a Secret, which the Triggers interceptors can read`, s.urn);
            }
        }
    },
};
