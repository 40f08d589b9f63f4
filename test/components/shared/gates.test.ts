import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import {
    gateClusterPrefix,
    gateComponentName,
    gateCredentialsKey,
    gateCredentialsModes,
    installerCredentialFiles,
    siteGates,
} from "../../../components/shared/gates";
import type { GateAccess } from "../../../components/shared/site";
import type { Gate } from "../../../src/config/schema";

const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

describe("e2e gates of a site", () => {
    it("names where openshift-install reads each cloud's credentials, and the secret key that holds them", () => {
        assert.deepEqual(installerCredentialFiles, {
            aws: { fileName: ".awscred", envVar: "AWS_SHARED_CREDENTIALS_FILE" },
            gcp: { fileName: "gce.json", envVar: "GOOGLE_CLOUD_KEYFILE_JSON" },
            azure: { fileName: "osServicePrincipal.json", envVar: "AZURE_AUTH_LOCATION" },
        });
        assert.deepEqual((["aws", "gcp", "azure"] as const).map(gateCredentialsKey), [
            "gateCredentialsAws",
            "gateCredentialsGcp",
            "gateCredentialsAzure",
        ]);
        assert.deepEqual(gateCredentialsModes, { aws: "Mint", gcp: "Passthrough", azure: "Passthrough" });
        assert.equal(gateClusterPrefix("okd"), "okd-e2e");
        assert.equal(gateComponentName("okd", "gcp"), "okd-e2e-gcp");
    });

    const gate = (extra: Partial<Gate> = {}): Gate =>
        ({ blocking: true, baseDomain: "ci.okd.example.org", region: "r", ...extra }) as Gate;
    const home = (g: Gate): GateAccess => ({ ...g, platform: "aws", home: true }) as unknown as GateAccess;

    it("builds the home cloud's gate with the site and the others from secret config and an existing zone, in cloud order", async () => {
        const gates = siteGates(
            "aws",
            {
                namePrefix: "okd",
                gates: { azure: gate({ existingZone: "zone-az" }), aws: gate() },
                gateSecrets: { azure: pulumi.secret("{}") },
            },
            home,
        );
        assert.deepEqual(
            gates.map((g) => g.platform),
            ["aws", "azure"],
        );
        assert.equal((gates[0] as unknown as { home: boolean }).home, true);
        const azure = gates[1];
        assert.equal(azure.credentialsMode, "Passthrough");
        assert.equal(azure.clusterPrefix, "okd-e2e");
        assert.deepEqual(azure.env, {});
        assert.equal(azure.credentials.fileName, "osServicePrincipal.json");
        assert.equal(azure.credentials.envVar, "AZURE_AUTH_LOCATION");
        assert.equal(
            azure.credentials.howToCreate,
            "set the azure gate installer's credentials file with `pulumi config set --secret gateCredentialsAzure < osServicePrincipal.json` and run `pulumi up` (docs/platforms/azure.md)",
        );
        assert.equal(await valueOf(azure.zone), "zone-az");
        assert.equal(azure.baseDomain, "ci.okd.example.org");
        assert.ok(azure.credentials.value !== undefined);
        assert.deepEqual(siteGates("gcp", { namePrefix: "okd", gates: {}, gateSecrets: {} }, home), []);
    });

    it("refuses a gate on another cloud without its credentials or its zone, naming both keys", () => {
        const message = "gates.gcp on a aws site needs okd-ci:gateCredentialsGcp and gates.gcp.existingZone";
        assert.throws(
            () =>
                siteGates(
                    "aws",
                    { namePrefix: "okd", gates: { gcp: gate({ existingZone: "z" }) }, gateSecrets: {} },
                    home,
                ),
            new Error(message),
        );
        assert.throws(
            () =>
                siteGates(
                    "aws",
                    { namePrefix: "okd", gates: { gcp: gate() }, gateSecrets: { gcp: pulumi.secret("{}") } },
                    home,
                ),
            new Error(message),
        );
    });
});
