// In a module of its own (no provider import) so that configuration checks (src/config/cross-keys.ts) can use it.

/**
 * An IAM principal as an access entry matches it: partition, account, kind and name, without the role's path.
 * `aws.iam.getSessionContext` gives the role behind an STS session with its path (SSO roles live under
 * `/aws-reserved/sso.amazonaws.com/…`), while `adminPrincipals` may name it with or without; EKS resolves both to the
 * same role (docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html).
 */
export function principalKey(arn: string): string | undefined {
    const m = /^arn:(aws[\w-]*):iam::(\d{12}):(role|user)\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(arn);
    return m === null ? undefined : `${m[1]}:${m[2]}:${m[3]}/${m[4]}`;
}
