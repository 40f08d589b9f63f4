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

/** Trust policy of a role that EKS Pod Identity hands to pods (the agent assumes it and tags the session). */
export const podIdentityTrustPolicy: PolicyDocument = policyDocument([
    {
        Sid: "EksPodIdentity",
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
    },
]);

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

export const s3BucketArn = (c: AccountContext, bucket: string): string => `arn:${c.partition}:s3:::${bucket}`;

export const managedPolicyArn = (partition: string, name: string): string => `arn:${partition}:iam::aws:policy/${name}`;
