/**
 * Issue 15 path 7, as a build or gate step would try it: find the quay.io push credentials in its own docker config
 * (Tekton's creds-init writes there every `kubernetes.io/dockerconfigjson` Secret linked to the run's
 * ServiceAccount, https://tekton.dev/docs/pipelines/auth/), in a mounted volume or an environment variable, or read
 * the Secret with the namespace's API rights. Over every stack's rendered objects, each stack's first stream made to
 * promote and mirror: the Secret is named by the Secret itself and by the promote Task only, in the release
 * namespace, and no ServiceAccount links it.
 */
import * as assert from "node:assert/strict";

import { releaseNamespace, secretNames } from "../../components/shared/site";
import { podsOf } from "./pods";
import { Rbac, upstreamTriggersClusterRoles } from "./rbac";
import { type Doc, type StackObjects, stackObjects, stacks } from "./stack-objects";

const mirror = secretNames.mirror;
const promoteTask = "okd-promote-release";
const id = (o: Doc) => `${o.kind} ${o.metadata.namespace ?? "(cluster)"}/${o.metadata.name}`;

/** Whether a value names the mirror Secret anywhere (a key, a value, a volume, an env reference, a link). */
const names = (v: unknown): boolean => JSON.stringify(v).includes(`"${mirror}"`);

for (const stack of stacks()) {
    describe(`security: the quay.io mirror credentials of stack ${stack}`, () => {
        let s: StackObjects;
        before(async function () {
            this.timeout(180_000);
            s = await stackObjects(stack, true);
        });

        it("are named by no object but the Secret itself and the two Tasks that push to quay.io, all in the release namespace", () => {
            const naming = s.objects.filter(names).map(id).sort();
            assert.deepEqual(naming, [
                `Secret ${releaseNamespace}/${mirror}`,
                `Task ${releaseNamespace}/${promoteTask}`,
                `Task ${releaseNamespace}/okd-publish-signatures`,
            ]);
        });

        it("are linked to no ServiceAccount, so creds-init writes them into no step", () => {
            const linking = s.objects
                .filter((o) => o.kind === "ServiceAccount")
                .filter((sa) => names([...(sa.secrets ?? []), ...(sa.imagePullSecrets ?? [])]));
            assert.deepEqual(linking.map(id), []);
        });

        it("cannot be read, or mounted into a pod of one's own, by any ServiceAccount of the stack", () => {
            const rbac = new Rbac([...s.objects, ...upstreamTriggersClusterRoles()]);
            const accounts = s.objects
                .filter((o) => o.kind === "ServiceAccount")
                .map((o) => ({ namespace: o.metadata.namespace as string, serviceAccount: o.metadata.name as string }));
            assert.ok(accounts.length > 5);
            const attempts: [string, string, string?][] = [
                ["get", "/secrets", mirror],
                ["list", "/secrets"],
                ["watch", "/secrets"],
                ["create", "/pods"],
                ["create", "/pods/exec"],
                ["create", "tekton.dev/taskruns"],
                ["create", "batch/jobs"],
                ["create", "apps/deployments"],
                ["impersonate", "/serviceaccounts"],
            ];
            const allowed = accounts.flatMap((a) =>
                attempts
                    .filter(([verb, resource, name]) => rbac.can(a, verb, resource, releaseNamespace, name))
                    .map(([verb, resource]) => `${a.namespace}/${a.serviceAccount} may ${verb} ${resource}`),
            );
            assert.deepEqual(allowed, []);
        });

        it("reach the pods of the two tasks that push to quay.io only, of all the pods every trigger's runs make", () => {
            // promote pushes the payload (mirror-release.sh); publish-signatures its signature and provenance (cosign
            // copy), once Chains has signed the promote TaskRun. Both run the tools image in the release namespace.
            const pushing: Record<string, string> = { [promoteTask]: "mirror", "okd-publish-signatures": "publish" };
            const pods = s.runs.flatMap((run) => podsOf(s, run));
            assert.ok(
                pods.some((p) => p.task.metadata.name === promoteTask),
                `${stack} renders a release run`,
            );
            assert.deepEqual(
                pods.filter((p) => p.secrets.includes(mirror)).map((p) => `${p.namespace}/${p.task.metadata.name}`),
                pods
                    .filter((p) => p.task.metadata.name in pushing)
                    .map((p) => `${releaseNamespace}/${p.task.metadata.name}`),
            );
            // Each mounts them in its pushing step alone, in no other step.
            for (const [name, step] of Object.entries(pushing)) {
                const task = s.objects.find((o) => o.kind === "Task" && o.metadata.name === name)!;
                assert.ok(task, name);
                const volume = ((task.spec.volumes ?? []) as Doc[]).find((v) => v.secret?.secretName === mirror);
                assert.ok(volume, `${name} mounts the Secret as a volume`);
                const mounting = ((task.spec.steps ?? []) as Doc[])
                    .filter((st) => ((st.volumeMounts ?? []) as Doc[]).some((m) => m.name === volume.name))
                    .map((st) => st.name);
                assert.deepEqual(mounting, [step], name);
            }
        });
    });
}
