/**
 * The e2e gate Task builders on their own (components/pipelines/tasks/e2e-gate.ts, upgrade-gate.ts, gate-access.ts,
 * register-cluster.ts, verdict.ts), for a gate on each cloud as a site describes it (components/shared/gates.ts
 * `unmanagedGateAccess`): what each step of a real install, suite, upgrade and destroy reads from its environment
 * (the scripts under components/pipelines/scripts/ name it), the parameters, results and workspaces the nightly binds,
 * the credentials each cloud's installer reads, and the time budgets. pipelines.test.ts reads the same Tasks as the
 * component installs them for one site; these pin every value for each cloud.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";

import type { PipelineContext } from "../../../components/pipelines/context";
import { nightlyTasks } from "../../../components/pipelines/nightly";
import { nightlyGateTasks } from "../../../components/pipelines/nightly-gates";
import { defaultImages } from "../../../components/pipelines/images";
import { loadScript } from "../../../components/pipelines/scripts";
import {
    destroySeconds,
    destroyTask,
    destroyTaskName,
    durationSeconds,
    e2eWorkspace,
    gateDir,
    gateTask,
    gateTaskName,
    gateTimeouts,
    installTask,
    installTaskName,
    prepareTask,
    prepareTaskName,
    pullSecretFile,
    pullSecretTask,
    pullSecretTaskName,
    refreshPullSecretStep,
    refreshedPullSecretPath,
} from "../../../components/pipelines/tasks/e2e-gate";
import {
    credentials,
    credentialsFileEnv,
    gateStepEnv,
    resourceGroupOf,
    testProvider,
} from "../../../components/pipelines/tasks/gate-access";
import {
    clustersPrefix,
    registerClusterTask,
    registerClusterTaskName,
} from "../../../components/pipelines/tasks/register-cluster";
import {
    upgradeGateName,
    upgradeGateTask,
    upgradeGateTaskName,
    upgradeTimeouts,
} from "../../../components/pipelines/tasks/upgrade-gate";
import { verdictFilesEnv, verdictSteps } from "../../../components/pipelines/tasks/verdict";
import { unmanagedGateAccess } from "../../../components/shared/gates";
import type { CloudPlatform } from "../../../components/shared/model";
import type { GateAccess } from "../../../components/shared/site";
import { useMocks, valueOf } from "../../helpers";
import { type Obj, resolved } from "../../support/rendered";
import { calls, requireTool, runScript, stub, tempDir } from "../../scripts/harness";

const azureZone =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/okd-dns/providers/Microsoft.Network/dnszones/azure.ci.example.org";

/** A gate on each cloud, as a site on another cloud gives it (credentials from secret config, an existing zone). */
function gateOn(cloud: CloudPlatform, env: Record<string, pulumi.Output<string>> = {}): GateAccess {
    const where = {
        aws: { baseDomain: "aws.ci.example.org", region: "us-east-2" },
        gcp: { baseDomain: "gcp.ci.example.org", region: "us-central1", project: "okd-e2e-proj" },
        azure: { baseDomain: "azure.ci.example.org", region: "eastus" },
    }[cloud];
    const zone = { aws: "Z0123456789ABC", gcp: "okd-gcp-zone", azure: azureZone }[cloud];
    return unmanagedGateAccess(
        cloud,
        { blocking: cloud !== "azure", ...where },
        "okd",
        pulumi.secret("credentials"),
        pulumi.output(zone),
        env,
    );
}

/** What a real site's context gives the gate Tasks: TLS to the registry, the pipeline identity's environment. */
const ctx = (tlsVerify: "true" | "false" = "true"): PipelineContext => ({
    platform: "aws",
    images: defaultImages,
    registryHost: pulumi.output("123456789012.dkr.ecr.us-east-1.amazonaws.com"),
    repositories: {} as PipelineContext["repositories"],
    tlsVerify,
    storageEnv: [
        { name: "RCLONE_CONFIG_ARTIFACTS_TYPE", value: "s3" },
        { name: "ARTIFACTS_BUCKET", value: pulumi.output("okd-artifacts") },
    ],
    storageEnvFrom: { records: [{ secretRef: { name: "okd-artifacts-records" } }], promote: [] },
    identityEnv: [{ name: "AWS_REGION", value: pulumi.output("us-east-1") }],
    artifactsUrl: pulumi.output("s3://okd-artifacts/"),
});

const clouds: CloudPlatform[] = ["aws", "gcp", "azure"];

/** Each cloud's installer credentials: the file in the gate Secret and the variable the installer reads it from. */
const installerFile: Record<CloudPlatform, { envVar: string; path: string }> = {
    aws: { envVar: "AWS_SHARED_CREDENTIALS_FILE", path: "/var/run/okd-gate/.awscred" },
    gcp: { envVar: "GOOGLE_CLOUD_KEYFILE_JSON", path: "/var/run/okd-gate/gce.json" },
    azure: { envVar: "AZURE_AUTH_LOCATION", path: "/var/run/okd-gate/osServicePrincipal.json" },
};
const howTo = (cloud: CloudPlatform) =>
    `set the ${cloud} gate installer's credentials file with \`pulumi config set --secret gateCredentials${cloud[0].toUpperCase()}${cloud.slice(1)} < ${installerFile[cloud].path.split("/").pop()}\` and run \`pulumi up\` (docs/platforms/${cloud}.md)`;

const credentialVolume = (cloud: CloudPlatform) => ({
    name: "gate-credentials",
    secret: { secretName: `okd-gate-${cloud}`, optional: true },
});
const credentialMount = { name: "gate-credentials", mountPath: "/var/run/okd-gate", readOnly: true };
const untrusted = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** The env e2e-install.sh and e2e-destroy.sh read to find and check the gate's credentials. */
const credentialEnv = (cloud: CloudPlatform) => [
    { name: "CREDENTIALS_ENV", value: installerFile[cloud].envVar },
    { name: "CREDENTIALS_SECRET", value: `okd-gate-${cloud}` },
    { name: "CREDENTIALS_HOW_TO", value: howTo(cloud) },
    { name: installerFile[cloud].envVar, value: installerFile[cloud].path },
];
/** The install-config inputs each cloud needs beyond base domain and region (e2e-install.sh's platform section). */
const installerSettings: Record<CloudPlatform, Obj[]> = {
    aws: [
        { name: "INSTALL_CREDENTIALS_MODE", value: "Mint" },
        { name: "CLUSTER_PREFIX", value: "okd-e2e" },
    ],
    gcp: [
        { name: "INSTALL_CREDENTIALS_MODE", value: "Passthrough" },
        { name: "CLUSTER_PREFIX", value: "okd-e2e" },
        { name: "GCP_PROJECT", value: "okd-e2e-proj" },
    ],
    azure: [
        { name: "INSTALL_CREDENTIALS_MODE", value: "Passthrough" },
        { name: "CLUSTER_PREFIX", value: "okd-e2e" },
        { name: "AZURE_BASE_DOMAIN_RESOURCE_GROUP", value: "okd-dns" },
    ],
};
/** openshift-tests `--provider` for each cloud (openshift/origin pkg/test/ginkgo: the cloud's JSON config). */
const provider: Record<CloudPlatform, Obj> = {
    aws: { type: "aws", region: "us-east-2", multizone: true, multimaster: true },
    gcp: { type: "gce", region: "us-central1", projectid: "okd-e2e-proj", multizone: true, multimaster: true },
    azure: { type: "azure", multizone: true, multimaster: true },
};

const envMap = (env: Obj[]): Record<string, Obj> => Object.fromEntries(env.map((e: Obj) => [e.name, e.value]));

describe("e2e gate Tasks, for a gate on each cloud", () => {
    useMocks();

    describe("gate access", () => {
        for (const cloud of clouds) {
            it(`${cloud}: mounts the gate Secret read-only, optional, and points the installer at its file`, async () => {
                const c = credentials(gateOn(cloud));
                assert.deepEqual(await resolved(c.env), credentialEnv(cloud));
                assert.deepEqual(c.volumes, [credentialVolume(cloud)]);
                assert.deepEqual(c.mounts, [credentialMount]);
                // The suite's cloud client reads the same file, and nothing of the installer's checks.
                assert.deepEqual(credentialsFileEnv(gateOn(cloud)), [
                    { name: installerFile[cloud].envVar, value: installerFile[cloud].path },
                ]);
            });

            it(`${cloud}: gives the installer its credentials and ${cloud}'s install-config settings, each once`, async () => {
                assert.deepEqual(await resolved(gateStepEnv(gateOn(cloud))), [
                    ...credentialEnv(cloud),
                    ...installerSettings[cloud],
                ]);
            });

            it(`${cloud}: gives openshift-tests the cloud's --provider`, async () => {
                assert.deepEqual(JSON.parse(await valueOf(testProvider(gateOn(cloud)))), provider[cloud]);
            });
        }

        it("takes a site's own GCP project and DNS resource group over the derived ones, not both", async () => {
            const gcp = gateOn("gcp", { GCP_PROJECT: pulumi.output("site-project") });
            const gcpEnv = await resolved(gateStepEnv(gcp));
            assert.deepEqual(
                gcpEnv.filter((e: Obj) => e.name === "GCP_PROJECT"),
                [{ name: "GCP_PROJECT", value: "site-project" }],
            );
            assert.equal(JSON.parse(await valueOf(testProvider(gcp))).projectid, "site-project");
            const azure = gateOn("azure", { AZURE_BASE_DOMAIN_RESOURCE_GROUP: pulumi.output("zones-rg") });
            const azureEnv = await resolved(gateStepEnv(azure));
            assert.deepEqual(
                azureEnv.filter((e: Obj) => e.name === "AZURE_BASE_DOMAIN_RESOURCE_GROUP"),
                [{ name: "AZURE_BASE_DOMAIN_RESOURCE_GROUP", value: "zones-rg" }],
            );
        });

        it("derives no GCP project where the gate names none, and gives openshift-tests an empty project id", async () => {
            const gate: GateAccess = { ...gateOn("gcp"), project: undefined };
            const env = await resolved(gateStepEnv(gate));
            assert.deepEqual(
                env.map((e: Obj) => e.name),
                [...credentialEnv("gcp").map((e) => e.name), "INSTALL_CREDENTIALS_MODE", "CLUSTER_PREFIX"],
            );
            assert.equal(JSON.parse(await valueOf(testProvider(gate))).projectid, "");
        });

        it("sets no other cloud's settings: no GCP project on aws or azure, no DNS resource group on aws or gcp", async () => {
            for (const cloud of ["aws", "azure"] as const) {
                const env = envMap(gateStepEnv({ ...gateOn(cloud), project: "stray" }));
                assert.equal(env.GCP_PROJECT, undefined, cloud);
            }
            for (const cloud of ["aws", "gcp"] as const) {
                assert.equal(envMap(gateStepEnv(gateOn(cloud))).AZURE_BASE_DOMAIN_RESOURCE_GROUP, undefined, cloud);
            }
        });

        it("refuses a variable set twice in a gate's step environment, naming it and the gate", () => {
            // A later duplicate would silently win in the container.
            const gate = gateOn("aws", { CLUSTER_PREFIX: pulumi.output("other") });
            assert.throws(() => gateStepEnv(gate), {
                message: "gate aws: CLUSTER_PREFIX is set twice in its step environment",
            });
            const credential = gateOn("gcp", { GOOGLE_CLOUD_KEYFILE_JSON: pulumi.output("/elsewhere") });
            assert.throws(() => gateStepEnv(credential), {
                message: "gate gcp: GOOGLE_CLOUD_KEYFILE_JSON is set twice in its step environment",
            });
        });

        it("reads the resource group of an Azure DNS zone id, whatever the case of `resourceGroups`", () => {
            assert.equal(resourceGroupOf(azureZone), "okd-dns");
            assert.equal(
                resourceGroupOf("/subscriptions/x/RESOURCEGROUPS/Zones-RG/providers/Microsoft.Network/dnszones/z"),
                "Zones-RG",
            );
            for (const bad of ["azure.ci.example.org", "/subscriptions/x/resourceGroups/", "/resourceGroups//x"]) {
                assert.throws(() => resourceGroupOf(bad), {
                    message: `Azure DNS zone ${bad} is not a resource id (/subscriptions/…/resourceGroups/…)`,
                });
            }
        });
    });

    describe("the prepare and install Tasks (e2e-install.sh)", () => {
        /** What both halves of e2e-install.sh read from the Task's template: the gate, its directory, its secrets. */
        const template = (cloud: CloudPlatform) => [
            { name: "GATE", value: cloud },
            { name: "STATE_DIR", value: "$(workspaces.e2e.path)/$(params.gate)" },
            { name: "PULL_SECRET_FILE", value: "$(workspaces.e2e.path)/pull-secret.json" },
            ...credentialEnv(cloud),
            ...installerSettings[cloud],
        ];
        const where: Record<CloudPlatform, { baseDomain: string; region: string }> = {
            aws: { baseDomain: "aws.ci.example.org", region: "us-east-2" },
            gcp: { baseDomain: "gcp.ci.example.org", region: "us-central1" },
            azure: { baseDomain: "azure.ci.example.org", region: "eastus" },
        };
        /** The params the nightly binds (nightly-gates.ts): the upgrade gate adds `gate` and `skip-without-release`. */
        const params = (cloud: CloudPlatform) => [
            ["tools-image", undefined],
            ["release-image", undefined],
            ["run-id", undefined],
            ["gate", cloud],
            ["skip-without-release", "false"],
        ];

        for (const cloud of clouds) {
            for (const [which, build, step, name] of [
                ["prepare", prepareTask, "prepare", prepareTaskName],
                ["install", installTask, "create", installTaskName],
            ] as const) {
                it(`${cloud}: the ${which} Task runs e2e-install.sh INSTALL_STEP=${step} with what the installer needs`, async () => {
                    const task = await resolved(build(ctx(), gateOn(cloud)));
                    assert.equal(task.name, name(cloud));
                    assert.equal(task.name, `okd-e2e-${which}-${cloud}`);
                    const spec = task.spec;
                    assert.match(spec.description, new RegExp(`\\b${cloud}\\b`));
                    assert.deepEqual(
                        spec.params.map((p: Obj) => [p.name, p.default]),
                        params(cloud),
                    );
                    for (const p of spec.params) assert.notEqual(p.description, "", `${which} param ${p.name}`);
                    assert.deepEqual(spec.results, []);
                    assert.deepEqual(
                        spec.workspaces.map((w: Obj) => w.name),
                        ["e2e"],
                    );
                    assert.notEqual(spec.workspaces[0].description, "");
                    assert.deepEqual(spec.volumes, [credentialVolume(cloud)]);
                    assert.deepEqual(spec.stepTemplate, { env: template(cloud), securityContext: untrusted });
                    assert.equal(spec.steps.length, 1);
                    const [s] = spec.steps;
                    assert.equal(s.name, which === "prepare" ? "prepare" : "install");
                    assert.equal(s.image, "$(params.tools-image)");
                    assert.equal(s.script, loadScript("e2e-install.sh"));
                    assert.deepEqual(envMap(s.env), {
                        RELEASE_IMAGE: "$(params.release-image)",
                        RUN_ID: "$(params.run-id)",
                        SKIP_WITHOUT_RELEASE: "$(params.skip-without-release)",
                        INSTALL_STEP: step,
                        BASE_DOMAIN: where[cloud].baseDomain,
                        REGION: where[cloud].region,
                        TLS_VERIFY: "true",
                    });
                    assert.equal(s.env.length, 7, "each variable once");
                    assert.deepEqual(s.volumeMounts, [credentialMount]);
                });
            }
        }

        it("tells oc to skip TLS only where the site registry has none, in prepare, install and destroy", () => {
            for (const build of [prepareTask, installTask, destroyTask]) {
                for (const tls of ["true", "false"] as const) {
                    const s = build(ctx(tls), gateOn("aws")).spec.steps[0];
                    assert.equal(envMap(s.env ?? []).TLS_VERIFY, tls, `${s.name} ${tls}`);
                }
            }
        });

        it("bounds the prepare by 30 minutes and the create by the installer's budget, with the memory each needs", () => {
            const prepare = prepareTask(ctx(), gateOn("aws")).spec.steps[0];
            assert.equal(prepare.timeout, "30m");
            assert.deepEqual(prepare.computeResources, {
                requests: { cpu: "1", memory: "1Gi" },
                limits: { memory: "4Gi" },
            });
            const install = installTask(ctx(), gateOn("aws")).spec.steps[0];
            assert.equal(install.timeout, "2h30m");
            assert.equal(install.timeout, gateTimeouts.install);
            // Above the LimitRange's 1 GiB default: the API server refuses a request over the limit.
            assert.deepEqual(install.computeResources, {
                requests: { cpu: "1", memory: "2Gi" },
                limits: { memory: "6Gi" },
            });
        });
    });

    describe("the gate Task (refresh-pull-secret.sh, e2e-test.sh)", () => {
        for (const cloud of clouds) {
            it(`${cloud}: refreshes the cluster's pull secret, then runs the suite from the payload's tests image`, async () => {
                const task = await resolved(gateTask(gateOn(cloud)));
                assert.equal(task.name, `okd-e2e-${cloud}`);
                assert.equal(task.name, gateTaskName(cloud));
                const spec = task.spec;
                assert.match(spec.description, new RegExp(`\\b${cloud}\\b`));
                assert.deepEqual(
                    spec.params.map((p: Obj) => [p.name, p.default]),
                    [
                        ["tools-image", undefined],
                        ["tests-image", undefined],
                        ["test-suite", "openshift/conformance/parallel"],
                    ],
                );
                for (const p of spec.params) assert.notEqual(p.description, "", p.name);
                // The outcome e2e-test.sh writes (the verdict reads the copy it leaves in the e2e workspace).
                assert.deepEqual(
                    spec.results.map((r: Obj) => r.name),
                    ["outcome"],
                );
                assert.notEqual(spec.results[0].description, "");
                assert.deepEqual(
                    spec.workspaces.map((w: Obj) => w.name),
                    ["e2e"],
                );
                assert.notEqual(spec.workspaces[0].description, "");
                assert.deepEqual(spec.volumes, [credentialVolume(cloud)]);
                // The gate's own directory (the nightly binds no `gate` here) and the file its cloud client reads.
                assert.deepEqual(spec.stepTemplate, {
                    env: [
                        { name: "STATE_DIR", value: `$(workspaces.e2e.path)/${cloud}` },
                        { name: installerFile[cloud].envVar, value: installerFile[cloud].path },
                    ],
                    securityContext: untrusted,
                });
                assert.deepEqual(
                    spec.steps.map((s: Obj) => [s.name, s.image, s.script]),
                    [
                        ["refresh-pull-secret", "$(params.tools-image)", loadScript("refresh-pull-secret.sh")],
                        ["test", "$(params.tests-image)", loadScript("e2e-test.sh")],
                    ],
                );
                const test = spec.steps[1];
                assert.deepEqual(test.env, [
                    { name: "TEST_SUITE", value: "$(params.test-suite)" },
                    { name: "TEST_PROVIDER", value: JSON.stringify(provider[cloud]) },
                    { name: "RESULT_OUTCOME", value: "$(results.outcome.path)" },
                ]);
                assert.equal(test.timeout, "2h");
                assert.deepEqual(test.computeResources, {
                    requests: { cpu: "1", memory: "600Mi" },
                    limits: { memory: "4Gi" },
                });
                assert.deepEqual(test.volumeMounts, [credentialMount]);
            });
        }

        it("refreshes with the pull secret minted for the gate after its install, within its own bound", () => {
            for (const gate of ["aws", "gcp-upgrade"]) {
                assert.deepEqual(refreshPullSecretStep(gate), {
                    name: "refresh-pull-secret",
                    image: "$(params.tools-image)",
                    script: loadScript("refresh-pull-secret.sh"),
                    env: [{ name: "PULL_SECRET_FILE", value: `$(workspaces.e2e.path)/${gate}/pull-secret.json` }],
                    timeout: "25m",
                    computeResources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                });
                // Where the mint Task writes it: its `path`, relative to the e2e workspace.
                assert.equal(refreshedPullSecretPath(gate), `${gate}/pull-secret.json`);
            }
        });
    });

    describe("the upgrade gate Task", () => {
        for (const cloud of clouds) {
            it(`${cloud}: refreshes the earlier release's cluster's pull secret, then upgrades it to the payload`, async () => {
                const task = await resolved(upgradeGateTask(gateOn(cloud)));
                assert.equal(task.name, `okd-e2e-upgrade-${cloud}`);
                assert.equal(task.name, upgradeGateTaskName(cloud));
                assert.equal(upgradeGateName(cloud), `${cloud}-upgrade`);
                const spec = task.spec;
                assert.match(spec.description, new RegExp(`\\b${cloud}\\b`));
                assert.deepEqual(
                    spec.params.map((p: Obj) => [p.name, p.default]),
                    [
                        ["tools-image", undefined],
                        ["release-image", undefined],
                        ["tests-image", undefined],
                        ["upgrade-options", ""],
                    ],
                );
                for (const p of spec.params) assert.notEqual(p.description, "", p.name);
                assert.deepEqual(
                    spec.results.map((r: Obj) => r.name),
                    ["outcome", "reason"],
                );
                for (const r of spec.results) assert.notEqual(r.description, "", r.name);
                assert.deepEqual(
                    spec.workspaces.map((w: Obj) => w.name),
                    ["e2e"],
                );
                assert.notEqual(spec.workspaces[0].description, "");
                assert.deepEqual(spec.volumes, [credentialVolume(cloud)]);
                // Its own directory beside the install gate's on the same cloud.
                assert.deepEqual(spec.stepTemplate, {
                    env: [
                        { name: "STATE_DIR", value: `$(workspaces.e2e.path)/${cloud}-upgrade` },
                        { name: installerFile[cloud].envVar, value: installerFile[cloud].path },
                    ],
                    securityContext: untrusted,
                });
                assert.deepEqual(spec.steps[0], refreshPullSecretStep(`${cloud}-upgrade`));
                const upgrade = spec.steps[1];
                assert.deepEqual(
                    [upgrade.name, upgrade.image, upgrade.script],
                    ["upgrade", "$(params.tests-image)", loadScript("e2e-test.sh")],
                );
                assert.deepEqual(upgrade.env, [
                    { name: "TEST_TYPE", value: "upgrade" },
                    { name: "TO_IMAGE", value: "$(params.release-image)" },
                    { name: "UPGRADE_OPTIONS", value: "$(params.upgrade-options)" },
                    { name: "TEST_PROVIDER", value: JSON.stringify(provider[cloud]) },
                    { name: "RESULT_OUTCOME", value: "$(results.outcome.path)" },
                    { name: "RESULT_REASON", value: "$(results.reason.path)" },
                ]);
                assert.equal(upgrade.timeout, "4h");
                assert.deepEqual(upgrade.computeResources, {
                    requests: { cpu: "1", memory: "600Mi" },
                    limits: { memory: "4Gi" },
                });
                assert.deepEqual(upgrade.volumeMounts, [credentialMount]);
            });
        }
    });

    describe("the destroy Task (e2e-destroy.sh)", () => {
        for (const cloud of clouds) {
            it(`${cloud}: destroys from metadata.json with the gate's credentials and nothing of the install settings`, async () => {
                const task = await resolved(destroyTask(ctx(), gateOn(cloud)));
                assert.equal(task.name, `okd-e2e-destroy-${cloud}`);
                assert.equal(task.name, destroyTaskName(cloud));
                const spec = task.spec;
                assert.match(spec.description, new RegExp(`\\b${cloud}\\b`));
                assert.deepEqual(
                    spec.params.map((p: Obj) => [p.name, p.default]),
                    [
                        ["tools-image", undefined],
                        ["release-image", undefined],
                        ["gate", cloud],
                    ],
                );
                for (const p of spec.params) assert.notEqual(p.description, "", p.name);
                assert.deepEqual(spec.results, []);
                assert.deepEqual(
                    spec.workspaces.map((w: Obj) => w.name),
                    ["e2e"],
                );
                assert.notEqual(spec.workspaces[0].description, "");
                assert.deepEqual(spec.volumes, [credentialVolume(cloud)]);
                assert.deepEqual(spec.stepTemplate, { env: credentialEnv(cloud), securityContext: untrusted });
                assert.equal(spec.steps.length, 1);
                const [s] = spec.steps;
                assert.deepEqual(
                    [s.name, s.image, s.script],
                    ["destroy", "$(params.tools-image)", loadScript("e2e-destroy.sh")],
                );
                assert.deepEqual(s.env, [
                    { name: "RELEASE_IMAGE", value: "$(params.release-image)" },
                    { name: "STATE_DIR", value: "$(workspaces.e2e.path)/$(params.gate)" },
                    { name: "PULL_SECRET_FILE", value: "$(workspaces.e2e.path)/pull-secret.json" },
                    { name: "TLS_VERIFY", value: "true" },
                ]);
                // All of e2e-destroy.sh's attempts within one hour; finalize-record waits that long for it.
                assert.equal(s.timeout, "1h");
                assert.deepEqual(s.volumeMounts, [credentialMount]);
            });
        }
    });

    describe("the pull secret Task", () => {
        it("mints a pull-only secret into the e2e workspace at `path` as the e2e identity, with OKD's placeholder auth", async () => {
            const task = await resolved(pullSecretTask(ctx()));
            assert.equal(task.name, "okd-e2e-pull-secret");
            assert.equal(task.name, pullSecretTaskName);
            const spec = task.spec;
            assert.notEqual(spec.description, "");
            assert.deepEqual(
                spec.params.map((p: Obj) => [p.name, p.default]),
                [["path", "pull-secret.json"]],
            );
            assert.notEqual(spec.params[0].description, "");
            assert.deepEqual(spec.results, []);
            assert.deepEqual(
                spec.workspaces.map((w: Obj) => w.name),
                ["e2e"],
            );
            assert.notEqual(spec.workspaces[0].description, "");
            // The site's identity environment, which registry-auth.sh's cloud CLI needs to mint the token.
            assert.deepEqual(spec.stepTemplate, { env: [{ name: "AWS_REGION", value: "us-east-1" }] });
            assert.equal(spec.steps.length, 1);
            const env = envMap(spec.steps[0].env);
            assert.equal(spec.steps[0].name, "registry-auth");
            assert.equal(env.AUTH_FILE, "$(workspaces.e2e.path)/$(params.path)");
            assert.equal(env.FAKE_PULL_AUTH, "true");
            // The default path is where the installs read it.
            assert.equal(`$(workspaces.e2e.path)/${spec.params[0].default}`, pullSecretFile);
            assert.equal(gateDir("aws"), "$(workspaces.e2e.path)/aws");
            assert.equal(e2eWorkspace, "e2e");
        });
    });

    describe("the register Task (register-cluster.sh)", () => {
        it("stores the gate's metadata.json as the records identity, under clusters/<gate>/", async () => {
            const task = await resolved(registerClusterTask(ctx()));
            assert.equal(task.name, "okd-register-cluster");
            assert.equal(task.name, registerClusterTaskName);
            const spec = task.spec;
            assert.notEqual(spec.description, "");
            assert.deepEqual(
                spec.params.map((p: Obj) => [p.name, p.default]),
                [
                    ["tools-image", undefined],
                    ["gate", undefined],
                    ["release-image", undefined],
                    ["pipeline-run", undefined],
                ],
            );
            for (const p of spec.params) assert.notEqual(p.description, "", p.name);
            assert.deepEqual(spec.results, []);
            assert.deepEqual(
                spec.workspaces.map((w: Obj) => w.name),
                ["e2e"],
            );
            assert.notEqual(spec.workspaces[0].description, "");
            // rclone's `artifacts` remote with the pod's identity, and the records role's static keys where the site
            // has them (local): the gate's own pods never reach artifact storage.
            assert.deepEqual(spec.stepTemplate, {
                env: [
                    { name: "AWS_REGION", value: "us-east-1" },
                    { name: "RCLONE_CONFIG_ARTIFACTS_TYPE", value: "s3" },
                    { name: "ARTIFACTS_BUCKET", value: "okd-artifacts" },
                ],
                envFrom: [{ secretRef: { name: "okd-artifacts-records" } }],
            });
            assert.equal(spec.steps.length, 1);
            const [s] = spec.steps;
            assert.deepEqual(
                [s.name, s.image, s.script],
                ["register", "$(params.tools-image)", loadScript("register-cluster.sh")],
            );
            assert.deepEqual(s.env, [
                { name: "GATE", value: "$(params.gate)" },
                { name: "RELEASE_IMAGE", value: "$(params.release-image)" },
                { name: "PIPELINE_RUN", value: "$(params.pipeline-run)" },
                { name: "STATE_DIR", value: "$(workspaces.e2e.path)/$(params.gate)" },
                { name: "CLUSTERS_PREFIX", value: "clusters/" },
            ]);
            // The reaper lists the same prefix (reap-select.sh).
            assert.equal(clustersPrefix, "clusters/");
            assert.equal(s.timeout, "10m");
        });
    });

    describe("the verdict steps (verdict.sh, release-record.sh)", () => {
        it("decides from the gates and the e2e workspace, then records, each bounded and never stopping the Task", () => {
            const [decide, record] = verdictSteps();
            assert.deepEqual(
                [decide.name, decide.image, decide.script, decide.onError, decide.timeout],
                ["decide", "$(params.tools-image)", loadScript("verdict.sh"), "continue", "1m"],
            );
            assert.deepEqual(decide.env, [
                { name: "GATES", value: "$(params.gates)" },
                { name: "E2E_DIR", value: "$(workspaces.e2e.path)" },
                { name: "GATES_FILE", value: "/workspace/gates.json" },
                { name: "RESULT_VERDICT", value: "/workspace/verdict" },
            ]);
            assert.deepEqual(
                [record.name, record.image, record.script, record.onError, record.timeout],
                ["record-verdict", "$(params.tools-image)", loadScript("release-record.sh"), "continue", "3m"],
            );
            // The record step reads the verdict where decide wrote it, and so does the record's closing.
            assert.deepEqual(record.env, [
                { name: "RECORD_ACTION", value: "verdict" },
                { name: "VERDICT_FILE", value: "/workspace/verdict" },
                { name: "GATES_FILE", value: "/workspace/gates.json" },
            ]);
            assert.deepEqual(verdictFilesEnv, record.env.slice(1));
            assert.equal(verdictSteps().length, 2);
        });
    });

    describe("the nightly's gate tasks (nightly-gates.ts)", () => {
        const t = nightlyTasks;
        const tools = {
            name: "tools-image",
            value: "$(tasks.tools-image.results.IMAGE_URL)@$(tasks.tools-image.results.IMAGE_DIGEST)",
        };
        const payload = "$(tasks.assemble.results.IMAGE_URL)@$(tasks.assemble.results.IMAGE_DIGEST)";
        const from = "$(tasks.assemble.results.upgrade-from)";
        const e2e = [{ name: "e2e", workspace: "e2e" }];
        const ref = (name: string) => ({ kind: "Task", name });
        /** One gate's chain, prepare → register → install → mint → gate, as the nightly runs it. */
        const chain = (cloud: CloudPlatform) => ({
            before: [
                {
                    name: `prepare-${cloud}`,
                    taskRef: ref(`okd-e2e-prepare-${cloud}`),
                    runAfter: ["e2e-pull-secret"],
                    params: [
                        tools,
                        { name: "release-image", value: payload },
                        { name: "run-id", value: "$(context.pipelineRun.uid)" },
                    ],
                    workspaces: e2e,
                    timeout: "30m",
                },
                {
                    name: `register-${cloud}`,
                    taskRef: ref("okd-register-cluster"),
                    runAfter: [`prepare-${cloud}`],
                    params: [
                        tools,
                        { name: "gate", value: cloud },
                        { name: "release-image", value: payload },
                        { name: "pipeline-run", value: "$(context.pipelineRun.name)" },
                    ],
                    workspaces: e2e,
                    timeout: "10m",
                    retries: 2,
                },
            ],
            after: [
                {
                    name: `install-${cloud}`,
                    taskRef: ref(`okd-e2e-install-${cloud}`),
                    runAfter: [`register-${cloud}`],
                    params: [
                        tools,
                        { name: "release-image", value: payload },
                        { name: "run-id", value: "$(context.pipelineRun.uid)" },
                    ],
                    workspaces: e2e,
                    timeout: "2h35m",
                },
                {
                    name: `pull-secret-${cloud}`,
                    taskRef: ref("okd-e2e-pull-secret"),
                    runAfter: [`install-${cloud}`],
                    params: [{ name: "path", value: `${cloud}/pull-secret.json` }],
                    workspaces: e2e,
                    timeout: "15m",
                    retries: 2,
                },
                {
                    name: `e2e-${cloud}`,
                    taskRef: ref(`okd-e2e-${cloud}`),
                    runAfter: [`pull-secret-${cloud}`],
                    params: [tools, { name: "tests-image", value: "$(tasks.assemble.results.tests-image)" }],
                    workspaces: e2e,
                    timeout: "2h30m",
                },
            ],
        });
        const mint = {
            name: "e2e-pull-secret",
            taskRef: ref("okd-e2e-pull-secret"),
            runAfter: ["assemble"],
            workspaces: e2e,
            timeout: "15m",
            retries: 2,
        };
        const destroy = (cloud: CloudPlatform) => ({
            name: `destroy-${cloud}`,
            taskRef: ref(`okd-e2e-destroy-${cloud}`),
            when: [{ input: `$(tasks.install-${cloud}.status)`, operator: "notin", values: ["None"] }],
            params: [tools, { name: "release-image", value: payload }],
            workspaces: e2e,
            timeout: "1h",
        });
        /** `gates` with every Tekton substitution made readable JSON: `$(x)` → `<x>`. */
        const gatesOf = (verdictGates: string) => JSON.parse(verdictGates.replace(/\$\(([^)]*)\)/g, "<$1>"));
        const statuses = (names: string[]) => names.map((n) => `${n}=<tasks.${n}.status>`).join(" ");

        it("without gates runs no gate task, destroys nothing and gives the verdict no gate", () => {
            const none = nightlyGateTasks(t, [], undefined, undefined);
            assert.deepEqual(none, { gateTasks: [], verdictGates: "[]", destroys: [] });
        });

        it("mints the pull secret after assembly, prepares and registers every cluster, then installs and tests each", () => {
            const gates = clouds.map((c) => gateOn(c));
            const { gateTasks } = nightlyGateTasks(t, gates, undefined, undefined);
            // Every cluster is registered before any is created: the befores first, then each gate's chain.
            assert.deepEqual(gateTasks, [
                mint,
                ...clouds.flatMap((c) => chain(c).before),
                ...clouds.flatMap((c) => chain(c).after),
            ]);
        });

        it("gives the verdict each gate's chain of task statuses and whether it blocks, as verdict.sh reads them", () => {
            const gates = clouds.map((c) => gateOn(c));
            const { verdictGates } = nightlyGateTasks(t, gates, undefined, undefined);
            // verdict.sh refuses anything but the compact JSON jq -c prints.
            const substituted = verdictGates.replace(/\$\([^)]*\)/g, "x");
            assert.equal(JSON.stringify(JSON.parse(substituted)), substituted);
            assert.deepEqual(
                gatesOf(verdictGates),
                clouds.map((c) => ({
                    gate: c,
                    blocking: c !== "azure",
                    tasks: statuses([
                        "e2e-pull-secret",
                        `prepare-${c}`,
                        `register-${c}`,
                        `install-${c}`,
                        `pull-secret-${c}`,
                        `e2e-${c}`,
                    ]),
                })),
            );
        });

        it("destroys each gate's cluster in finally whenever its install started, with the payload's installer", () => {
            const gates = clouds.map((c) => gateOn(c));
            const { destroys } = nightlyGateTasks(t, gates, undefined, undefined);
            assert.deepEqual(destroys, clouds.map(destroy));
        });

        describe("with an upgrade gate", () => {
            const upgrade = {
                gate: "gcp" as const,
                blocking: false,
                from: "accepted" as const,
                options: "abort-at=random",
            };
            const gates = [gateOn("aws"), gateOn("gcp")];
            const upgradeTasks = [
                {
                    name: "prepare-upgrade-gcp",
                    taskRef: ref("okd-e2e-prepare-gcp"),
                    runAfter: ["e2e-pull-secret"],
                    params: [
                        tools,
                        { name: "release-image", value: from },
                        { name: "run-id", value: "$(context.taskRun.uid)" },
                        { name: "gate", value: "gcp-upgrade" },
                        { name: "skip-without-release", value: "true" },
                    ],
                    workspaces: e2e,
                    timeout: "30m",
                },
                {
                    name: "register-upgrade-gcp",
                    taskRef: ref("okd-register-cluster"),
                    runAfter: ["prepare-upgrade-gcp"],
                    params: [
                        tools,
                        { name: "gate", value: "gcp-upgrade" },
                        { name: "release-image", value: from },
                        { name: "pipeline-run", value: "$(context.pipelineRun.name)" },
                    ],
                    workspaces: e2e,
                    timeout: "10m",
                    retries: 2,
                },
                {
                    name: "install-upgrade-gcp",
                    taskRef: ref("okd-e2e-install-gcp"),
                    runAfter: ["register-upgrade-gcp"],
                    params: [
                        tools,
                        { name: "release-image", value: from },
                        { name: "run-id", value: "$(context.taskRun.uid)" },
                        { name: "gate", value: "gcp-upgrade" },
                        { name: "skip-without-release", value: "true" },
                    ],
                    workspaces: e2e,
                    timeout: "2h35m",
                },
                {
                    name: "pull-secret-upgrade-gcp",
                    taskRef: ref("okd-e2e-pull-secret"),
                    runAfter: ["install-upgrade-gcp"],
                    params: [{ name: "path", value: "gcp-upgrade/pull-secret.json" }],
                    workspaces: e2e,
                    timeout: "15m",
                    retries: 2,
                },
                {
                    name: "e2e-upgrade-gcp",
                    taskRef: ref("okd-e2e-upgrade-gcp"),
                    runAfter: ["pull-secret-upgrade-gcp"],
                    params: [
                        tools,
                        { name: "release-image", value: payload },
                        { name: "tests-image", value: "$(tasks.assemble.results.tests-image)" },
                        { name: "upgrade-options", value: "abort-at=random" },
                    ],
                    workspaces: e2e,
                    timeout: "4h30m",
                },
            ];

            it("installs the earlier release in its own directory, under its own name, and upgrades it to the payload", () => {
                const { gateTasks } = nightlyGateTasks(t, gates, upgrade, gates[1]);
                assert.deepEqual(gateTasks, [
                    mint,
                    ...chain("aws").before,
                    ...chain("gcp").before,
                    ...chain("aws").after,
                    ...chain("gcp").after,
                    ...upgradeTasks,
                ]);
            });

            it("records it as an upgrade gate, with its blocking flag and the release it started from", () => {
                const { verdictGates } = nightlyGateTasks(t, gates, upgrade, gates[1]);
                assert.deepEqual(gatesOf(verdictGates)[2], {
                    gate: "gcp-upgrade",
                    kind: "upgrade",
                    blocking: false,
                    from: "<tasks.assemble.results.upgrade-from-name>",
                    tasks: statuses(["e2e-pull-secret", ...upgradeTasks.map((x) => x.name)]),
                });
                assert.equal(gatesOf(verdictGates).length, 3);
                const blocking = nightlyGateTasks(t, gates, { ...upgrade, blocking: true }, gates[1]).verdictGates;
                assert.equal(gatesOf(blocking)[2].blocking, true);
            });

            it("destroys its cluster in finally with the earlier release's installer, from its own directory", () => {
                const { destroys } = nightlyGateTasks(t, gates, upgrade, gates[1]);
                assert.deepEqual(destroys, [
                    destroy("aws"),
                    destroy("gcp"),
                    {
                        name: "destroy-upgrade-gcp",
                        taskRef: ref("okd-e2e-destroy-gcp"),
                        when: [{ input: "$(tasks.install-upgrade-gcp.status)", operator: "notin", values: ["None"] }],
                        params: [tools, { name: "release-image", value: from }, { name: "gate", value: "gcp-upgrade" }],
                        workspaces: e2e,
                        timeout: "1h",
                    },
                ]);
            });

            it("runs no upgrade task where the upgrade gate's cloud has no gate", () => {
                const { gateTasks, verdictGates, destroys } = nightlyGateTasks(t, [gates[0]], upgrade, undefined);
                assert.deepEqual(gateTasks, [mint, ...chain("aws").before, ...chain("aws").after]);
                assert.equal(gatesOf(verdictGates).length, 1);
                assert.deepEqual(destroys, [destroy("aws")]);
            });
        });
    });

    describe("a cluster's life driven by the rendered Tasks (e2e-install.sh, e2e-destroy.sh)", () => {
        /**
         * Runs as Tekton would run the Tasks: each step's stepTemplate env with its own over it, `$(params.…)` and
         * `$(workspaces.e2e.path)` substituted, the gate Secret's file at its mount path. openshift-install is the
         * rule-enforcing stub of test/scripts (credentials modes per platform, each cloud's credentials file, the
         * install-config it consumes), extracted by a recording oc stub as `oc adm release extract` would.
         */
        const installerStub = path.resolve(__dirname, "..", "..", "scripts", "stubs", "openshift-install.sh");
        const files: Record<CloudPlatform, string> = {
            aws: "[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = c2VjcmV0\n",
            gcp: JSON.stringify({
                type: "service_account",
                private_key: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
                client_email: "okd-e2e-installer@okd-e2e-proj.iam.gserviceaccount.com",
            }),
            azure: JSON.stringify({
                subscriptionId: "00000000-0000-0000-0000-000000000000",
                tenantId: "11111111-1111-1111-1111-111111111111",
                clientId: "22222222-2222-2222-2222-222222222222",
                clientSecret: "not-a-secret",
            }),
        };
        const release = "registry.example/okd/release@sha256:0123";
        let dir: string;
        let bin: string;
        let ws: string;
        let secret: string;

        before(() => requireTool("jq"));
        beforeEach(() => {
            dir = tempDir("gate-tasks");
            bin = path.join(dir, "bin");
            ws = path.join(dir, "e2e");
            secret = path.join(dir, "okd-gate");
            fs.mkdirSync(ws);
            fs.mkdirSync(secret);
            fs.writeFileSync(path.join(ws, "pull-secret.json"), '{"auths":{"fake":{"auth":"aWQ6cGFzcwo="}}}');
            stub(bin, "openshift-install-real", `exec "${installerStub}" "$@"`);
            stub(
                bin,
                "oc",
                `for a in "$@"; do case "$a" in --to=*) to="\${a#--to=}" ;; esac; done
mkdir -p "$to"; printf '#!/usr/bin/env bash\\nexec ${bin}/openshift-install-real "$@"\\n' >"$to/openshift-install"; chmod +x "$to/openshift-install"`,
            );
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        /** The environment a step of `task` runs with, for the params the nightly binds. */
        async function stepEnv(task: Obj, params: Record<string, string>): Promise<Record<string, string>> {
            const spec = (await resolved(task)).spec;
            const defaults = Object.fromEntries(
                spec.params.filter((p: Obj) => p.default !== undefined).map((p: Obj) => [p.name, p.default]),
            );
            const values: Record<string, string> = { ...defaults, ...params };
            const substitute = (v: string) =>
                v
                    .replace(/\$\(params\.([a-z-]+)\)/g, (_, n: string) => {
                        assert.ok(n in values, `the run binds no param ${n}`);
                        return values[n];
                    })
                    .replace("$(workspaces.e2e.path)", ws)
                    .replace("/var/run/okd-gate", secret);
            assert.equal(spec.steps.length, 1);
            const env = [...spec.stepTemplate.env, ...spec.steps[0].env];
            return Object.fromEntries(env.map((e: Obj) => [e.name, substitute(e.value)]));
        }
        const run = async (script: string, task: Obj, params: Record<string, string>, extra = {}) => {
            const r = runScript(script, { ...(await stepEnv(task, params)), ...extra }, bin);
            assert.equal(r.status, 0, `${script}: ${r.stderr}`);
            return r;
        };

        for (const cloud of clouds) {
            it(`${cloud}: prepares the install-config the installer takes, creates the cluster and destroys it`, async () => {
                const gate = gateOn(cloud);
                fs.writeFileSync(path.join(secret, installerFile[cloud].path.split("/").pop() as string), files[cloud]);
                const consumed = path.join(dir, "install-config.yaml");
                const install = { "release-image": release, "run-id": "0123456789abcdef" };
                await run("e2e-install.sh", prepareTask(ctx(), gate), install, { STUB_CONSUMED_CONFIG: consumed });
                const platform = {
                    aws: ["  aws:", "    region: us-east-2"],
                    gcp: ["  gcp:", "    projectID: okd-e2e-proj", "    region: us-central1"],
                    azure: [
                        "  azure:",
                        "    region: eastus",
                        "    baseDomainResourceGroupName: okd-dns",
                        "    cloudName: AzurePublicCloud",
                    ],
                }[cloud];
                const config = fs.readFileSync(consumed, "utf8").split("\n");
                assert.deepEqual(config.slice(0, 6), [
                    "apiVersion: v1",
                    `baseDomain: ${cloud}.ci.example.org`,
                    `credentialsMode: ${cloud === "aws" ? "Mint" : "Passthrough"}`,
                    "metadata:",
                    "  name: okd-e2e-01234567",
                    "controlPlane:",
                ]);
                const at = config.indexOf("platform:");
                assert.deepEqual(config.slice(at + 1, at + 1 + platform.length), platform);
                const state = path.join(ws, cloud);
                assert.ok(fs.existsSync(path.join(state, "install", "metadata.json")), "metadata.json for the reaper");

                await run("e2e-install.sh", installTask(ctx(), gate), install);
                assert.equal(fs.readFileSync(path.join(state, "install-outcome"), "utf8"), "passed");

                await run("e2e-destroy.sh", destroyTask(ctx(), gate), { "release-image": release });
                assert.equal(fs.readFileSync(path.join(state, "destroy.done"), "utf8").trim(), "destroyed");
                const installer = calls(bin, "openshift-install-real").map((c) => c.args.slice(1).join(" "));
                assert.deepEqual(installer, [
                    "create manifests",
                    "create ignition-configs",
                    "create cluster",
                    "destroy cluster",
                ]);
            });
        }

        it("prepares, installs and destroys the upgrade gate's cluster in its own directory, from the earlier release", async () => {
            const gate = gateOn("gcp");
            fs.writeFileSync(path.join(secret, "gce.json"), files.gcp);
            const upgrade = {
                "release-image": release,
                "run-id": "fedcba9876543210",
                gate: "gcp-upgrade",
                "skip-without-release": "true",
            };
            await run("e2e-install.sh", prepareTask(ctx(), gate), upgrade);
            await run("e2e-install.sh", installTask(ctx(), gate), upgrade);
            const state = path.join(ws, "gcp-upgrade");
            assert.equal(fs.readFileSync(path.join(state, "install-outcome"), "utf8"), "passed");
            assert.equal(
                JSON.parse(fs.readFileSync(path.join(state, "install", "metadata.json"), "utf8")).clusterName,
                "okd-e2e-fedcba98",
            );
            await run("e2e-destroy.sh", destroyTask(ctx(), gate), { "release-image": release, gate: "gcp-upgrade" });
            assert.equal(fs.readFileSync(path.join(state, "destroy.done"), "utf8").trim(), "destroyed");
            assert.equal(fs.existsSync(path.join(ws, "gcp")), false, "nothing in the install gate's directory");
            // No earlier release: nothing prepared, the gate skipped.
            const none = { ...upgrade, "release-image": "" };
            fs.rmSync(state, { recursive: true });
            await run("e2e-install.sh", prepareTask(ctx(), gate), none);
            assert.equal(fs.readFileSync(path.join(state, "install-outcome"), "utf8"), "skipped");
        });
    });

    describe("time budgets", () => {
        it("reads Tekton durations of hours and minutes", () => {
            assert.equal(durationSeconds("1h"), 3600);
            assert.equal(durationSeconds("45m"), 2700);
            assert.equal(durationSeconds("2h30m"), 9000);
            assert.equal(durationSeconds("12h05m"), 43500);
            assert.equal(destroySeconds, 3600);
            for (const bad of ["", "30s", "1h30", "x1h", "1hx", "h", "1m30m"]) {
                assert.throws(() => durationSeconds(bad), {
                    message: `${bad} is not a duration of hours and minutes`,
                });
            }
        });

        it("fits each gate Task's steps in the pipeline task's timeout", () => {
            const s = durationSeconds;
            // The install Task: one step, and a few minutes for the pod and its images.
            assert.ok(s(gateTimeouts.install) < s(gateTimeouts.installTask));
            // The gate Task: the refresh, then the suite.
            assert.ok(s(gateTimeouts.refresh) + s(gateTimeouts.tests) <= s(gateTimeouts.task));
            // The upgrade Task: the refresh, then the upgrade (openshift-tests gives its upgrade suites 240 minutes).
            assert.equal(s(upgradeTimeouts.upgrade), 240 * 60);
            assert.ok(s(gateTimeouts.refresh) + s(upgradeTimeouts.upgrade) <= s(upgradeTimeouts.task));
            // refresh-pull-secret.sh waits WAIT_SECONDS (default 1200) for the pools, after its oc calls.
            assert.ok(s(gateTimeouts.refresh) > 1200);
        });
    });
});
