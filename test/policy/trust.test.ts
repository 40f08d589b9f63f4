import * as assert from "node:assert/strict";

import { podIdentityTrustScoped } from "../../policy/rules";
import { t } from "../../policy/types";
import { res, violations } from "./fixtures";

const statement = (condition?: object) => ({
    Sid: "EksPodIdentity",
    Effect: "Allow",
    Principal: { Service: "pods.eks.amazonaws.com" },
    Action: ["sts:AssumeRole", "sts:TagSession"],
    ...(condition ? { Condition: condition } : {}),
});
const role = (...statements: object[]) =>
    res(t.aws.iamRole, "okd-pipeline", {
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });

describe("policy pod-identity-trust-scoped", () => {
    it("passes a Pod Identity trust that names account, cluster, namespace and ServiceAccount", () => {
        const r = role(
            statement({
                StringEquals: {
                    "aws:SourceAccount": "111122223333",
                    "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:us-east-1:111122223333:cluster/okd-builds",
                    "aws:RequestTag/kubernetes-namespace": "okd-builds",
                    "aws:RequestTag/kubernetes-service-account": "okd-pipeline",
                },
            }),
        );
        assert.deepEqual(violations(podIdentityTrustScoped, [r]), []);
    });

    it("fails the bare pods.eks.amazonaws.com trust EKS documents as the minimum", () => {
        assert.deepEqual(violations(podIdentityTrustScoped, [role(statement())]), [
            "IAM role okd-pipeline trusts pods.eks.amazonaws.com (statement EksPodIdentity) without StringEquals aws:SourceAccount, aws:RequestTag/eks-cluster-arn, aws:RequestTag/kubernetes-namespace, aws:RequestTag/kubernetes-service-account",
        ]);
    });

    it("fails a wildcard cluster and ignores roles other services assume", () => {
        const wildcard = role(
            statement({
                StringEquals: {
                    "aws:SourceAccount": "111122223333",
                    "aws:RequestTag/eks-cluster-arn": "*",
                    "aws:RequestTag/kubernetes-namespace": "okd-builds",
                    "aws:RequestTag/kubernetes-service-account": "okd-pipeline",
                },
            }),
        );
        assert.equal(violations(podIdentityTrustScoped, [wildcard]).length, 1);
        const node = res(t.aws.iamRole, "node", {
            assumeRolePolicy: JSON.stringify({
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
        });
        assert.deepEqual(violations(podIdentityTrustScoped, [node]), []);
    });
});
