/**
 * The build namespace admits pods at a Pod Security level, and `privileged` only with a written reason.
 */
import { pipelineNamespace } from "../../components/shared/site";
import { type ResourceRule, at, obj } from "../model";
import { t } from "../types";

export const podSecurityEnforceLabel = "pod-security.kubernetes.io/enforce";
/** Annotation that states why the build namespace must admit privileged pods (e.g. a builder that needs it). */
export const privilegedJustificationAnnotation = "okd-ci/privileged-justification";
const levels = ["restricted", "baseline", "privileged"];

export const buildNamespacePodSecurity: ResourceRule = {
    kind: "resource",
    name: "build-namespace-pod-security",
    description: `The ${pipelineNamespace} namespace enforces a Pod Security Standard, and "privileged" only with the ${privilegedJustificationAnnotation} annotation saying why.`,
    enforcementLevel: "mandatory",
    remediation: `Label the namespace ${podSecurityEnforceLabel}: restricted or baseline; if builds truly need privileged pods, annotate it ${privilegedJustificationAnnotation} with the reason.`,
    types: [t.k8s.namespace],
    check(ns, report) {
        if (at(ns.props, "metadata.name") !== pipelineNamespace) return;
        const level = obj(at(ns.props, "metadata.labels"))?.[podSecurityEnforceLabel];
        if (level === undefined) {
            report(`namespace ${pipelineNamespace} has no ${podSecurityEnforceLabel} label`);
        } else if (typeof level !== "string" || !levels.includes(level)) {
            report(
                `namespace ${pipelineNamespace} has ${podSecurityEnforceLabel}=${String(level)}; expected one of ${levels.join(", ")}`,
            );
        } else if (level === "privileged") {
            const why = obj(at(ns.props, "metadata.annotations"))?.[privilegedJustificationAnnotation];
            if (typeof why !== "string" || why.trim() === "") {
                report(
                    `namespace ${pipelineNamespace} enforces "privileged" without a ${privilegedJustificationAnnotation} annotation`,
                );
            }
        }
    },
};
