/**
 * IAM policy documents as typed values, rendered to JSON by us rather than by an `aws.iam.getPolicyDocument` invoke:
 * the document is then exact in a preview and in a unit test, and nothing about it depends on the cloud answering.
 */

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | Record<string, string | string[]>;
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * Trust policy of a role that EKS Pod Identity hands to pods, with no conditions: any Pod Identity association in the
 * account (any cluster, any ServiceAccount) could use the role. Kept for callers not yet moved to
 * `podIdentityTrustPolicyFor`; the policy pack refuses it (`pod-identity-trust-scoped`).
 */
export const podIdentityTrustPolicy: PolicyDocument = policyDocument([
    {
        Sid: "EksPodIdentity",
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
    },
]);

/** A Kubernetes ServiceAccount that may use a role. */
export interface PodSubject {
    namespace: string;
    serviceAccount: string;
}

/**
 * Trust policy of a role that EKS Pod Identity hands to exactly `subjects` of exactly this cluster.
 *
 * - `aws:SourceAccount`: the call comes from EKS on behalf of this account (cross-service confused-deputy
 *   protection, docs.aws.amazon.com/eks/latest/userguide/cross-service-confused-deputy-prevention.html).
 * - `aws:RequestTag/eks-cluster-arn`, `kubernetes-namespace`, `kubernetes-service-account`: the session tags EKS Pod
 *   Identity sets on every AssumeRole, which the Pod Identity role page names as the way to restrict "which service
 *   accounts, namespaces, and clusters can use this role" (docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html,
 *   tags listed in pod-id-abac.html). One statement per subject, so namespace and ServiceAccount pair up exactly.
 *
 * Not `aws:SourceArn`: the Pod Identity pages do not document what ARN EKS Auth sets there (reports show the
 * association's, `…:podidentityassociation/<cluster>/<id>`, and conditions on it breaking credential delivery), while
 * the cluster ARN session tag is documented and names the cluster just as well. Session tags must stay enabled on the
 * associations (`disableSessionTags` unset), or these conditions refuse every pod.
 */
export function podIdentityTrustPolicyFor(
    c: AccountContext,
    clusterName: string,
    subjects: readonly PodSubject[],
): PolicyDocument {
    return policyDocument(
        subjects.map((s, i) => ({
            Sid: `EksPodIdentity${i}`,
            Effect: "Allow",
            Principal: { Service: "pods.eks.amazonaws.com" },
            Action: ["sts:AssumeRole", "sts:TagSession"],
            Condition: {
                StringEquals: {
                    "aws:SourceAccount": c.accountId,
                    "aws:RequestTag/eks-cluster-arn": eksClusterArn(c, clusterName),
                    "aws:RequestTag/kubernetes-namespace": s.namespace,
                    "aws:RequestTag/kubernetes-service-account": s.serviceAccount,
                },
            },
        })),
    );
}

/** Trust policy of a role an AWS service assumes (the EKS control plane, EC2 nodes). */
export function serviceTrustPolicy(service: string): PolicyDocument {
    return policyDocument([{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }]);
}

/** ARNs built from names we choose, so policies are complete at preview time instead of `[unknown]`. */
export interface AccountContext {
    partition: string;
    accountId: string;
    region: string;
}

export const ecrRepositoryArn = (c: AccountContext, name: string): string =>
    `arn:${c.partition}:ecr:${c.region}:${c.accountId}:repository/${name}`;

export const eksClusterArn = (c: AccountContext, clusterName: string): string =>
    `arn:${c.partition}:eks:${c.region}:${c.accountId}:cluster/${clusterName}`;

export const s3BucketArn = (c: AccountContext, bucket: string): string => `arn:${c.partition}:s3:::${bucket}`;

export const managedPolicyArn = (partition: string, name: string): string => `arn:${partition}:iam::aws:policy/${name}`;
