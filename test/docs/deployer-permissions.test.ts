/**
 * Each platform page's "Credentials `pulumi up` needs" names what the deployer must be allowed for every kind of
 * resource the site's code creates: a service module imported by `components/<cloud>/` must map to a permission the
 * section names, so a new kind of resource cannot reach a live `pulumi up` with a permission nobody was told about.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { root } from "../synth/run";

/** The SDK service modules the site's components import (`@pulumi/aws/kms` → `kms`). */
function serviceModules(cloud: string, sdk: string): string[] {
    const dir = path.join(root, "components", cloud);
    const found = new Set<string>();
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
        const text = fs.readFileSync(path.join(dir, file), "utf8");
        for (const m of text.matchAll(new RegExp(`from "${sdk}/([a-z0-9]+)`, "g"))) found.add(m[1]);
    }
    return [...found].sort();
}

/** The page's deployer section, up to the next heading. */
function credentialsSection(cloud: string): string {
    const page = fs.readFileSync(path.join(root, "docs", "platforms", `${cloud}.md`), "utf8");
    const start = page.indexOf("## Credentials `pulumi up` needs");
    assert.ok(start >= 0, `${cloud}.md has no credentials section`);
    const end = page.indexOf("\n## ", start + 1);
    return page.slice(start, end < 0 ? undefined : end);
}

/**
 * What each module needs said, as text the section must contain; `null` for modules that create nothing or that every
 * deployer has (Azure resource groups and role assignments are covered by the role sentence, checked separately).
 */
const expected: Record<string, Record<string, string | null>> = {
    aws: {
        acm: "ACM certificates",
        autoscaling: "Auto Scaling",
        cloudwatch: "CloudWatch Logs",
        ec2: "EC2",
        ecr: "ECR",
        eks: "EKS clusters",
        get: null,
        iam: "IAM roles",
        kms: "kms:CreateKey",
        lb: "Elastic Load Balancing",
        provider: null,
        route53: "Route 53",
        s3: "S3 buckets",
        vpc: "VPC",
    },
    gcp: {
        artifactregistry: "roles/artifactregistry.admin",
        compute: "roles/compute.networkAdmin",
        container: "roles/container.admin",
        dns: "roles/dns.admin",
        kms: "roles/cloudkms.admin",
        projects: "roles/resourcemanager.projectIamAdmin",
        provider: null,
        serviceaccount: "roles/iam.serviceAccountAdmin",
        storage: "roles/storage.admin",
    },
    azure: {
        authorization: null,
        cdn: "Cdn",
        containerregistry: "ContainerRegistry",
        containerservice: "ContainerService",
        dns: "Network",
        // Front Door WAF policies are Microsoft.Network/FrontDoorWebApplicationFirewallPolicies.
        frontdoor: "Network",
        keyvault: "KeyVault",
        managedidentity: "ManagedIdentity",
        network: "Network",
        provider: null,
        resources: null,
        storage: "Storage",
        types: null,
    },
};

describe("deployer permissions on the platform pages", () => {
    const sdks = { aws: "@pulumi/aws", gcp: "@pulumi/gcp", azure: "@pulumi/azure-native" } as const;
    for (const cloud of Object.keys(sdks) as (keyof typeof sdks)[]) {
        it(`names a permission for every service module components/${cloud} uses`, () => {
            const section = credentialsSection(cloud);
            for (const module of serviceModules(cloud, sdks[cloud])) {
                assert.ok(module in expected[cloud], `${cloud}: no expectation for ${sdks[cloud]}/${module}`);
                const needle = expected[cloud][module];
                if (needle !== null) assert.ok(section.includes(needle), `${cloud}.md: ${module} needs "${needle}"`);
            }
        });
    }

    it("registers every Azure resource provider the site uses", () => {
        const loop = /for p in ([A-Za-z ]+); do az provider register/.exec(credentialsSection("azure"));
        assert.ok(loop, "azure.md has no provider registration loop");
        const registered = loop[1].split(" ");
        for (const module of serviceModules("azure", sdks.azure)) {
            const provider = expected.azure[module];
            if (provider !== null) assert.ok(registered.includes(provider), `Microsoft.${provider} (${module})`);
        }
    });

    // Locks need Microsoft.Authorization/locks/*, which Owner and User Access Administrator hold and Role Based
    // Access Control Administrator does not (learn.microsoft.com, lock-resources#who-can-create-or-delete-locks).
    it("asks Azure deployers for a role that may create the CanNotDelete locks", () => {
        const section = credentialsSection("azure");
        assert.ok(fs.readFileSync(path.join(root, "components", "azure", "locks.ts"), "utf8").includes("CanNotDelete"));
        assert.match(section, /Contributor \+ User Access\s+Administrator/);
        assert.doesNotMatch(section, /Contributor \+ Role Based Access\s+Control Administrator\*\*/);
    });
});

describe("e2e pull identity on the platform pages", () => {
    it("aws.md names every pull action and repository the e2e pull role gets", async () => {
        const { ecrPullActions } = await import("../../components/aws/identity");
        const { identityGrants, repositoryPaths } = await import("../../components/shared/site");
        const page = fs.readFileSync(path.join(root, "docs", "platforms", "aws.md"), "utf8");
        const row = page.split("\n").find((l) => l.startsWith("| E2E pull identity |")) ?? "";
        for (const action of ecrPullActions) assert.ok(row.includes(`\`${action}\``), action);
        for (const role of identityGrants.e2ePull.pull) assert.ok(row.includes(`\`${repositoryPaths[role]}\``), role);
    });

    it("gcp.md names every repository the e2e pull account reads", async () => {
        const { identityGrants, durableRoles } = await import("../../components/shared/site");
        const page = fs.readFileSync(path.join(root, "docs", "platforms", "gcp.md"), "utf8");
        const bullet = page.slice(page.indexOf("* **E2E pull**"), page.indexOf("* **E2E pull**") + 600);
        assert.match(bullet, /`<prefix>-nightly`/);
        if (identityGrants.e2ePull.pull.some((r) => durableRoles.includes(r))) {
            assert.match(bullet, /`<prefix>-releases`/);
        }
    });
});
