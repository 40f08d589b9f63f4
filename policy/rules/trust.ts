/**
 * A role EKS Pod Identity hands to pods names the account, the cluster and the ServiceAccount that may use it. With
 * the bare `pods.eks.amazonaws.com` trust, any Pod Identity association in the account (another cluster, another
 * namespace) could be pointed at the role.
 */
import { type Report, type ResourceRule, arr, known, obj, str } from "../model";
import { t } from "../types";

const required = [
    "aws:SourceAccount",
    "aws:RequestTag/eks-cluster-arn",
    "aws:RequestTag/kubernetes-namespace",
    "aws:RequestTag/kubernetes-service-account",
];

/** The Allow statements trusting Pod Identity, each with its position in the document (what names it without a Sid). */
function podIdentityStatements(document: unknown): { statement: Record<string, unknown>; position: number }[] {
    let doc: unknown = document;
    if (typeof doc === "string") {
        try {
            doc = JSON.parse(doc);
        } catch {
            return [];
        }
    }
    return arr(obj(doc)?.Statement).flatMap((entry, position) => {
        const statement = obj(entry);
        if (statement === undefined || str(statement.Effect) === "Deny") return [];
        const services = arr(obj(statement.Principal)?.Service).map(String);
        return services.includes("pods.eks.amazonaws.com") ? [{ statement, position }] : [];
    });
}

function check(roleName: string, document: unknown, report: Report): void {
    podIdentityStatements(document).forEach(({ statement: s, position }) => {
        const equals = obj(obj(s.Condition)?.StringEquals) ?? {};
        const missing = required.filter((k) => equals[k] === undefined || equals[k] === "" || equals[k] === "*");
        if (missing.length > 0) {
            report(
                `IAM role ${roleName} trusts pods.eks.amazonaws.com (statement ${str(s.Sid) ?? position}) without StringEquals ${missing.join(", ")}`,
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
        // A trust policy only known after apply (one naming an ARN) has no statements to read yet: CrossGuard checks
        // it again once the values are known.
        check(
            r.name,
            known(() => r.props.assumeRolePolicy),
            report,
        );
    },
};
