import * as assert from "node:assert/strict";

import { podIdentityTrustScoped } from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, violations } from "./fixtures";

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

    it("names each statement by Sid or position, and each condition key that is empty or a wildcard", () => {
        const scoped = {
            "aws:SourceAccount": "",
            "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:us-east-1:111122223333:cluster/okd-builds",
            "aws:RequestTag/kubernetes-namespace": "*",
            "aws:RequestTag/kubernetes-service-account": "okd-pipeline",
        };
        const unnamed = { ...statement({ StringEquals: scoped }), Sid: undefined };
        const ec2 = { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" };
        assert.deepEqual(violations(podIdentityTrustScoped, [role(ec2, unnamed)]), [
            "IAM role okd-pipeline trusts pods.eks.amazonaws.com (statement 1) without StringEquals aws:SourceAccount, aws:RequestTag/kubernetes-namespace",
        ]);
    });

    it("reads a Service principal listed with others, and a document given as an object", () => {
        const both = {
            Effect: "Allow",
            Principal: { Service: ["ec2.amazonaws.com", "pods.eks.amazonaws.com"] },
            Action: "sts:AssumeRole",
        };
        const r = res(t.aws.iamRole, "both", { assumeRolePolicy: { Statement: [both] } });
        assert.deepEqual(violations(podIdentityTrustScoped, [r]), [
            "IAM role both trusts pods.eks.amazonaws.com (statement 0) without StringEquals aws:SourceAccount, aws:RequestTag/eks-cluster-arn, aws:RequestTag/kubernetes-namespace, aws:RequestTag/kubernetes-service-account",
        ]);
    });

    it("ignores Deny statements, entries that are not statements, and text that is not a policy document", () => {
        const deny = { ...statement(), Effect: "Deny" };
        const odd = res(t.aws.iamRole, "odd", {
            assumeRolePolicy: JSON.stringify({
                Statement: [null, "x", deny, { Effect: "Allow", Action: "sts:AssumeRole" }],
            }),
        });
        assert.deepEqual(violations(podIdentityTrustScoped, [odd]), []);
        const garbled = res(t.aws.iamRole, "garbled", { assumeRolePolicy: "{not json" });
        assert.deepEqual(violations(podIdentityTrustScoped, [garbled]), []);
        // Only known after apply: nothing to read until CrossGuard's run after `up`.
        const later = res(t.aws.iamRole, "later", { assumeRolePolicy: UNKNOWN });
        assert.deepEqual(violations(podIdentityTrustScoped, [later]), []);
    });
});
