/**
 * A role EKS Pod Identity hands to pods names the account, the cluster and the ServiceAccount that may use it. With
 * the bare `pods.eks.amazonaws.com` trust, any Pod Identity association in the account (another cluster, another
 * namespace) could be pointed at the role.
 */
import { type Report, type ResourceRule, arr, obj, readKnown, str } from "../model";
import { t } from "../types";

const required = [
    "aws:SourceAccount",
    "aws:RequestTag/eks-cluster-arn",
    "aws:RequestTag/kubernetes-namespace",
    "aws:RequestTag/kubernetes-service-account",
];

function podIdentityStatements(document: unknown): Record<string, unknown>[] {
    let doc: unknown = document;
    if (typeof doc === "string") {
        try {
            doc = JSON.parse(doc);
        } catch {
            return [];
        }
    }
    return arr(obj(doc)?.Statement)
        .map(obj)
        .filter((s): s is Record<string, unknown> => s !== undefined && str(s.Effect) !== "Deny")
        .filter((s) => arr(obj(s.Principal)?.Service).map(String).includes("pods.eks.amazonaws.com"));
}

function check(roleName: string, document: unknown, report: Report): void {
    podIdentityStatements(document).forEach((s, i) => {
        const equals = obj(obj(s.Condition)?.StringEquals) ?? {};
        const missing = required.filter((k) => equals[k] === undefined || equals[k] === "" || equals[k] === "*");
        if (missing.length > 0) {
            report(
                `IAM role ${roleName} trusts pods.eks.amazonaws.com (statement ${str(s.Sid) ?? i}) without StringEquals ${missing.join(", ")}`,
            );
        }
    });
}

export const podIdentityTrustScoped: ResourceRule = {
    kind: "resource",
    name: "pod-identity-trust-scoped",
    description:
        "A role trusted by EKS Pod Identity names the account (aws:SourceAccount), the cluster (aws:RequestTag/eks-cluster-arn) and the namespace and ServiceAccount that may assume it.",
    enforcementLevel: "mandatory",
    remediation:
        "Build the role's trust policy with podIdentityTrustPolicyFor (components/aws/policy.ts), naming the cluster and the subjects of its Pod Identity associations.",
    types: [t.aws.iamRole],
    check(r, report) {
        const doc = readKnown(() => r.props.assumeRolePolicy);
        if (!doc.known) return;
        check(r.name, doc.value, report);
    },
};
