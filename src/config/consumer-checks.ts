/**
 * The checks behind the consumer table (./consumers.ts): the rules that depend on the platform or on other keys, run on
 * the keys that are valid on their own. test/config/bad-input.test.ts covers them row by row.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { firesOnceAWeek, parseCronJobSchedule } from "../../components/shared/cron";
import type { CloudPlatform, Gate, ParsedConfig } from "./schema";

export interface ConsumerIssue {
    path: (string | number)[];
    message: string;
}

export interface ConfigNotice {
    path: (string | number)[];
    message: string;
}

export interface ConsumerContext {
    /** Keys set to something else than their default (declared defaults reach the program as set values). */
    explicit: Set<string>;
    /** Secrets the stack sets. */
    secretSet: (key: string) => boolean;
    /** A secret's value when it is real (not an offline placeholder); never shown in a message. */
    secretValue: (key: string) => string | undefined;
}

const awsTagChars = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const standardTagKeys = ["okd-ci-project", "okd-ci-stack", "managed-by"];
const machineTypes: Record<CloudPlatform, { re: RegExp; what: string }> = {
    aws: { re: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, what: "an EC2 instance type <family>.<size>, e.g. m6i.2xlarge" },
    gcp: {
        re: /^[a-z][a-z0-9]*-[a-z0-9]+(-[a-z0-9]+)*$/,
        what: "a Compute Engine machine type, e.g. n2-standard-8 or n2-custom-8-32768",
    },
    azure: { re: /^Standard_[A-Za-z0-9_]+$/, what: "an Azure VM size Standard_<size>, e.g. Standard_D8s_v5" },
};

/** GCP label folding, as components/shared/naming.ts toGcpLabels applies it. */
function gcpLabel(key: string, value: string): [string, string] {
    const fold = (s: string) =>
        s
            .toLowerCase()
            .replace(/[^a-z0-9_-]/g, "_")
            .slice(0, 63);
    const k = fold(key);
    return [/^[a-z]/.test(k) ? k : `k${k}`.slice(0, 63), fold(value)];
}

function tagIssues(
    c: Partial<ParsedConfig>,
    issue: (p: (string | number)[], m: string) => void,
    notices: ConfigNotice[],
) {
    const tags = c.tags ?? {};
    const entries = Object.entries(tags);
    for (const [k] of entries) {
        if (standardTagKeys.includes(k.toLowerCase())) {
            issue(["tags", k], `is one of okd-ci's own tags (${standardTagKeys.join(", ")}); expected another key`);
        }
    }
    if (c.platform === "aws") {
        if (entries.length > 47) {
            issue(
                ["tags"],
                `has ${entries.length} tags; AWS allows 50 per resource, 3 of them okd-ci's: expected at most 47`,
            );
        }
        for (const [k, v] of entries) {
            if (k.length > 128 || !awsTagChars.test(k) || k.toLowerCase().startsWith("aws:")) {
                issue(
                    ["tags", k],
                    "is not an AWS tag key; expected 1-128 letters, digits, spaces or _ . : / = + - @, not starting with aws:",
                );
            } else if (v.length > 256 || !awsTagChars.test(v)) {
                issue(
                    ["tags", k],
                    "is not an AWS tag value; expected up to 256 letters, digits, spaces or _ . : / = + - @",
                );
            }
        }
    }
    if (c.platform === "azure") {
        if (entries.length > 47) {
            issue(
                ["tags"],
                `has ${entries.length} tags; Azure allows 50 per resource, 3 of them okd-ci's: expected at most 47`,
            );
        }
        for (const [k, v] of entries) {
            if (k.length > 128 || /[<>%&\\?/]/.test(k)) {
                issue(["tags", k], "is not an Azure tag name; expected 1-128 characters without < > % & \\ ? /");
            } else if (v.length > 256) {
                issue(["tags", k], "is longer than Azure's 256 characters for a tag value");
            }
        }
    }
    if (c.platform === "gcp") {
        if (entries.length > 61) {
            issue(
                ["tags"],
                `has ${entries.length} tags; GCP allows 64 labels per resource, 3 of them okd-ci's: expected at most 61`,
            );
        }
        const seen = new Map<string, string>();
        for (const [k, v] of entries) {
            const [lk, lv] = gcpLabel(k, v);
            const other = seen.get(lk);
            if (other !== undefined) {
                issue(
                    ["tags", k],
                    `folds to the GCP label key ${lk}, as tags.${other} does; expected tags that stay distinct as lower-case letters, digits, _ and -`,
                );
            }
            seen.set(lk, k);
            if (lk !== k || lv !== v) {
                notices.push({
                    path: ["tags", k],
                    message: `applied as the GCP label ${lk}=${lv} (labels allow lower-case letters, digits, _ and -, up to 63)`,
                });
            }
        }
    }
}

function zoneIssue(cloud: CloudPlatform, gate: Gate): string | undefined {
    const z = gate.existingZone;
    if (z === undefined) return undefined;
    if (cloud === "aws" && !/^Z[A-Z0-9]{1,31}$/.test(z)) {
        return `is not a Route 53 hosted zone id; expected Z followed by up to 31 upper-case letters and digits${z.startsWith("/hostedzone/") ? ` (${z.slice("/hostedzone/".length)}, without /hostedzone/)` : ""}`;
    }
    if (cloud === "gcp" && !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(z)) {
        return "is not a Cloud DNS managed zone name; expected 1-63 lower-case letters, digits and dashes, starting with a letter (the zone's name, not its DNS name)";
    }
    if (cloud === "azure") {
        const m =
            /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/dnszones\/([^/]+)$/i.exec(
                z,
            );
        if (m === null) {
            return "is not an Azure DNS zone resource id; expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/dnszones/<zone>";
        }
        if (m[2].toLowerCase() !== gate.baseDomain) {
            return `names the zone ${m[2]}, but openshift-install creates the cluster's records in the zone named baseDomain (${gate.baseDomain}); expected the id of that zone`;
        }
    }
    return undefined;
}

function secretFormat(key: string, value: string): string | undefined {
    const json = (): Record<string, unknown> | undefined => {
        try {
            const v = JSON.parse(value) as unknown;
            return v !== null && typeof v === "object" && !Array.isArray(v)
                ? (v as Record<string, unknown>)
                : undefined;
        } catch {
            return undefined;
        }
    };
    switch (key) {
        case "mirrorCredentials": {
            const doc = json();
            return doc !== undefined && doc.auths !== null && typeof doc.auths === "object"
                ? undefined
                : 'is not a .dockerconfigjson document; expected JSON with an "auths" object (podman login --authfile auth.json quay.io writes one)';
        }
        case "gateCredentialsAws":
            // openshift-install refuses non-static credentials outside Manual mode (openshift/installer
            // pkg/asset/manifests/openshift.go, since openshift/installer#4596): a session token cannot work.
            if (!/^\s*aws_access_key_id\s*=/m.test(value) || !/^\s*aws_secret_access_key\s*=/m.test(value)) {
                return "is not an AWS credentials file; expected [default] with aws_access_key_id and aws_secret_access_key (the gate's IAM user key)";
            }
            return /^\s*aws_session_token\s*=/m.test(value)
                ? "holds aws_session_token: openshift-install accepts only static credentials outside Manual mode; expected the IAM user's access key without a session token"
                : undefined;
        case "gateCredentialsGcp": {
            const doc = json();
            return doc?.type === "service_account" && typeof doc.private_key === "string"
                ? undefined
                : 'is not a GCP service account key; expected the JSON file gcloud iam service-accounts keys create writes ("type": "service_account")';
        }
        case "gateCredentialsAzure": {
            const doc = json();
            const ok =
                doc !== undefined &&
                ["subscriptionId", "clientId", "tenantId"].every((f) => typeof doc[f] === "string") &&
                (typeof doc.clientSecret === "string" || typeof doc.clientCertificate === "string");
            return ok
                ? undefined
                : "is not an osServicePrincipal.json; expected JSON with subscriptionId, clientId, tenantId and clientSecret (or clientCertificate)";
        }
        case "chainsSigningKey":
            return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)
                ? undefined
                : "is not a PEM private key; expected cosign.key as cosign generate-key-pair writes it";
    }
    return undefined;
}

/**
 * The platform-dependent and cross-key consumer rules, on the keys that are valid on their own. Returns the problems
 * and the notices of values the program rewrites.
 */
export function consumerIssues(
    c: Partial<ParsedConfig>,
    ctx: ConsumerContext,
): { issues: ConsumerIssue[]; notices: ConfigNotice[] } {
    const issues: ConsumerIssue[] = [];
    const notices: ConfigNotice[] = [];
    const issue = (p: (string | number)[], message: string) => issues.push({ path: p, message });
    const platform = c.platform;
    if (platform === undefined) return { issues, notices };

    tagIssues(c, issue, notices);

    if (platform === "local") {
        for (const key of [
            "region",
            "tags",
            "protect",
            "kubernetesVersion",
            "systemInstanceType",
            "systemNodes",
            "buildInstanceTypes",
            "buildSpot",
            "buildMinNodes",
            "buildMaxNodes",
            "buildDiskGb",
            "nightlyRetentionDays",
            "untaggedRetentionDays",
            "logRetentionDays",
            "gates",
        ]) {
            if (ctx.explicit.has(key)) {
                issue(
                    [key],
                    "does nothing on the local platform (an existing cluster); expected it unset, or a cloud platform",
                );
            }
        }
    } else {
        for (const key of ["kubeconfig", "kubeContext", "storageClass"]) {
            if (ctx.explicit.has(key)) {
                issue([key], `is for the local platform only and does nothing on ${platform}; expected it unset`);
            }
        }
        const mt = machineTypes[platform];
        if (c.systemInstanceType !== undefined && !mt.re.test(c.systemInstanceType)) {
            issue(["systemInstanceType"], `is not ${mt.what}`);
        }
        (c.buildInstanceTypes ?? []).forEach((t, i) => {
            if (!mt.re.test(t)) issue(["buildInstanceTypes", i], `is not ${mt.what}`);
            else if (platform === "gcp" && i > 0 && `builds-${t}`.length > 40) {
                issue(
                    ["buildInstanceTypes", i],
                    `makes the GKE node pool name builds-${t}, longer than GKE's 40 characters; expected a machine type of at most 33`,
                );
            }
            const first = (c.buildInstanceTypes ?? []).indexOf(t);
            if (first < i) {
                issue(
                    ["buildInstanceTypes", i],
                    `duplicates buildInstanceTypes[${first}]; expected each machine type once`,
                );
            }
        });
        if (platform === "azure" && (c.buildInstanceTypes?.length ?? 0) > 1) {
            issue(
                ["buildInstanceTypes"],
                "has more than one VM size, but an AKS node pool has one: the others would do nothing; expected one VM size",
            );
        }
        if (platform === "aws" && c.namePrefix !== undefined && /^(xn--|sthree-|amzn-s3-demo-)/.test(c.namePrefix)) {
            issue(
                ["namePrefix"],
                "starts the S3 bucket name <namePrefix>-artifacts-…, which may not start with xn--, sthree- or amzn-s3-demo-; expected another prefix",
            );
        }
    }

    const gates = (c.gates ?? {}) as Partial<Record<CloudPlatform, Gate>>;
    for (const [cloud, gate] of Object.entries(gates) as [CloudPlatform, Gate | undefined][]) {
        if (gate === undefined) continue;
        const z = zoneIssue(cloud, gate);
        if (z !== undefined) issue(["gates", cloud, "existingZone"], z);
        if (cloud !== "gcp" && gate.project !== undefined) {
            issue(["gates", cloud, "project"], `does nothing: only the gcp gate takes a project; expected it unset`);
        }
    }
    if (c.gcpProject !== undefined && ctx.explicit.has("gcpProject") && platform !== "gcp" && gates.gcp === undefined) {
        issue(["gcpProject"], `does nothing on ${platform} without a gcp gate; expected it unset`);
    }

    // Secrets that would do nothing.
    for (const cloud of ["aws", "gcp", "azure"] as CloudPlatform[]) {
        const key = `gateCredentials${cloud[0].toUpperCase()}${cloud.slice(1)}`;
        if (!ctx.secretSet(key)) continue;
        if (gates[cloud] === undefined) issue([key], `does nothing without gates.${cloud}; expected it unset`);
    }
    if (platform !== "local") {
        for (const key of ["chainsSigningKey", "chainsSigningKeyPassword"]) {
            if (!ctx.secretSet(key)) continue;
            issue(
                [key],
                `does nothing on ${platform}: Tekton Chains signs with the site's KMS key, which never leaves the key service (docs/security.md); expected it unset`,
            );
        }
        if (c.chainsPublicKey !== undefined) {
            issue(
                ["chainsPublicKey"],
                `does nothing on ${platform}: promotion verifies with the site's KMS key (cosign --key <chainsKmsRef>); expected it unset`,
            );
        }
    } else if (ctx.secretSet("chainsSigningKeyPassword") && !ctx.secretSet("chainsSigningKey")) {
        issue(
            ["chainsSigningKeyPassword"],
            "does nothing without chainsSigningKey (the generated key has no password); expected it unset",
        );
    }
    const promoting = (c.streams ?? []).some((s) => s.promote);
    if (!promoting) {
        for (const key of ["mirrorReleaseRepository", "mirrorContentRepository"] as const) {
            if (c[key] !== undefined) {
                issue([key], "does nothing: no stream promotes; expected promote: true on a stream, or the key unset");
            }
        }
        if (ctx.secretSet("mirrorCredentials")) {
            issue(
                ["mirrorCredentials"],
                "does nothing: no stream promotes; expected promote: true on a stream, or the key unset",
            );
        }
    }
    for (const key of [
        "mirrorCredentials",
        "gateCredentialsAws",
        "gateCredentialsGcp",
        "gateCredentialsAzure",
        "chainsSigningKey",
    ]) {
        const value = ctx.secretValue(key);
        if (value === undefined) continue;
        const problem = secretFormat(key, value);
        if (problem !== undefined) issue([key], problem);
    }

    // Streams: release cadence, unique components.
    (c.streams ?? []).forEach((s, i) => {
        const release = parseCronJobSchedule(s.schedules.release);
        if (s.promote && "schedule" in release && !firesOnceAWeek(release.schedule)) {
            issue(
                ["streams", i, "schedules", "release"],
                `fires more than once a week, but releaseEveryWeeks (${s.schedules.releaseEveryWeeks}) counts weeks and every firing of a due week would promote; expected one minute, one hour and one weekday such as "0 5 * * 1", or @weekly`,
            );
        }
        const seen = new Map<string, number>();
        s.components.forEach((comp, j) => {
            const first = seen.get(comp.name);
            if (first !== undefined) {
                issue(
                    ["streams", i, "components", j, "name"],
                    `duplicates streams[${i}].components[${first}].name; expected one component per payload tag`,
                );
            } else seen.set(comp.name, j);
        });
    });

    if (platform === "local" && c.kubeconfig !== undefined) {
        const file = c.kubeconfig.startsWith("~/") ? path.join(os.homedir(), c.kubeconfig.slice(2)) : c.kubeconfig;
        if (!fs.existsSync(file)) {
            issue(["kubeconfig"], `names ${file}, which does not exist; expected the path of a kubeconfig file`);
        }
    }
    return { issues, notices };
}
