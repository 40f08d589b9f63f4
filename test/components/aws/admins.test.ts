/**
 * Who may reach the build cluster: the deployer must be one of `adminPrincipals` on aws (there is no creator entry),
 * and on azure when the key is set. Checked against the caller the clouds report, before any in-cluster object.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import * as eks from "@pulumi/aws/eks";

import {
    accessSettleDelay,
    createKubernetesProvider,
    deployerAmongAdmins,
    principalKey,
} from "../../../components/aws/cluster";
import {
    deployerAmongAdmins as azureDeployerAmongAdmins,
    parseAdminPrincipal,
} from "../../../components/azure/cluster";
import { useMocks, valueOf } from "../../helpers";

/** Output.promise() is how the SDK itself awaits an Output; a failed apply rejects it. */
const settle = (o: pulumi.Output<unknown>): Promise<unknown> =>
    (o as unknown as { promise(): Promise<unknown> }).promise();

const deployer = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef";

describe("admin principals and the deployer", () => {
    // aws.iam.getSessionContext as the provider answers it: an assumed-role session's issuer is the role, with its
    // path (it reads the role with iam:GetRole); any other ARN is passed through.
    useMocks({
        invokes: {
            "aws:iam/getSessionContext:getSessionContext": (inputs) => {
                const arn = String(inputs.arn);
                const m = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
                if (m === null) return { arn, issuerArn: arn, id: arn };
                const path = m[2].startsWith("AWSReservedSSO_") ? "aws-reserved/sso.amazonaws.com/" : "";
                return {
                    arn,
                    issuerArn: `arn:aws:iam::${m[1]}:role/${path}${m[2]}`,
                    issuerName: m[2],
                    sessionName: m[3],
                    id: arn,
                };
            },
        },
    });

    describe("aws", () => {
        it("matches a role with or without its path, and not another account's role of that name", () => {
            assert.equal(
                principalKey(deployer),
                principalKey("arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123456789abcdef"),
            );
            assert.notEqual(
                principalKey(deployer),
                principalKey("arn:aws:iam::444455556666:role/AWSReservedSSO_Admin_0123456789abcdef"),
            );
            assert.equal(principalKey("not an arn"), undefined);
        });

        it("lets a second admin, listed by role, deploy through an assumed-role session", async () => {
            const session =
                "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.org";
            const admins = [
                "arn:aws:iam::111122223333:role/okd-ci",
                "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123456789abcdef",
            ];
            assert.equal(await valueOf(deployerAmongAdmins(session, admins, {})), true);
        });

        it("stops a deployer that is not listed, naming the key and the role to add", async () => {
            const session = "arn:aws:sts::111122223333:assumed-role/okd-other/bob";
            await assert.rejects(
                settle(deployerAmongAdmins(session, ["arn:aws:iam::111122223333:role/okd-ci"], {})),
                /okd-ci:adminPrincipals does not include arn:aws:iam::111122223333:role\/okd-other, the identity running pulumi up.*adminPrincipals\[1\]/,
            );
        });

        it("accepts an IAM user listed by ARN, and skips the check offline (no caller ARN)", async () => {
            const user = "arn:aws:iam::111122223333:user/ci";
            assert.equal(await valueOf(deployerAmongAdmins(user, [user], {})), true);
            assert.equal(await valueOf(deployerAmongAdmins("[unknown: aws caller arn]", [user], {})), true);
        });
        it("waits out the rest of the settling time after the newest association, and no more", () => {
            const at = Date.parse("2026-01-01T00:00:00Z");
            const times = ["2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z"];
            // Made 5 s ago: 10 s left; long ago: none; ahead of this clock: never more than the whole 15 s.
            assert.equal(accessSettleDelay(times, at + 5_000, 15_000), 10_000);
            assert.equal(accessSettleDelay(times, at + 60_000, 15_000), 0);
            assert.equal(accessSettleDelay(times, at - 60_000, 15_000), 15_000);
            // No time known (mocks, an offline synth): nothing to wait for.
            assert.equal(accessSettleDelay([undefined], at, 15_000), 0);
            assert.equal(accessSettleDelay([], at, 15_000), 0);
        });

        it("registers the Kubernetes provider only once the admins' access is effective", async () => {
            const cluster = new eks.Cluster("adm", {
                roleArn: "arn:aws:iam::111122223333:role/c",
                vpcConfig: { subnetIds: [] },
            });
            let effective: (v: true) => void = () => undefined;
            const provider = createKubernetesProvider(
                "adm",
                {
                    cluster,
                    adminAccess: [],
                    adminAccessEffective: pulumi.output(new Promise<true>((resolve) => (effective = resolve))),
                    deployerIsAdmin: pulumi.output(true as const),
                },
                "adm",
                "us-east-1",
                pulumi.output("{}"),
                {},
            );
            const registered = valueOf(provider.urn).then(() => "registered");
            const waited = new Promise((resolve) => setTimeout(() => resolve("waiting"), 500));
            assert.equal(await Promise.race([registered, waited]), "waiting");
            effective(true);
            assert.equal(await registered, "registered");
        });
    });

    describe("azure", () => {
        const alice = "5b0c5f0e-1d7e-4c3a-9a51-0f2d7a1c9e11";
        it("reads the kind as the assignment's principalType", () => {
            assert.deepEqual(parseAdminPrincipal(`servicePrincipal:${alice.toUpperCase()}`), {
                kind: "ServicePrincipal",
                objectId: alice,
            });
            assert.throws(() => parseAdminPrincipal(alice), /okd-ci:adminPrincipals entry/);
        });

        it("lets a listed deployer through, and one not listed stops with the key named", async () => {
            assert.equal(await valueOf(azureDeployerAmongAdmins(alice, [`user:${alice}`])), true);
            await assert.rejects(
                settle(azureDeployerAmongAdmins(alice, ["user:00000000-0000-4000-8000-000000000000"])),
                /okd-ci:adminPrincipals does not include the identity running pulumi up \(object id 5b0c5f0e/,
            );
        });

        it("passes when a group is listed (membership is Entra's to judge), when the key is unset, and offline", async () => {
            assert.equal(
                await valueOf(azureDeployerAmongAdmins(alice, ["group:00000000-0000-4000-8000-000000000000"])),
                true,
            );
            assert.equal(await valueOf(azureDeployerAmongAdmins(alice, [])), true);
            assert.equal(
                await valueOf(azureDeployerAmongAdmins(pulumi.output("[unknown: azure object id]"), [`user:${alice}`])),
                true,
            );
        });
    });
});
