/**
 * The value formats stack configuration is checked against (DNS names, git branches, image references, CIDR blocks,
 * cron schedules, ...) and the zod building blocks every key's schema is made of, each with an error message that
 * says what is allowed.
 */
import { closest, distance } from "fastest-levenshtein";
import ipaddr from "ipaddr.js";
import * as z from "zod";

import { parseCronJobSchedule } from "../../components/shared/cron";

export const dnsLabel = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const domainName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/**
 * A branch `git check-ref-format --branch` accepts (https://git-scm.com/docs/git-check-ref-format: no `..`, no
 * component starting with `.` or ending with `.lock`, no `//`, no trailing `/` or `.`, no leading `-`, not `@` or
 * `HEAD`), in
 * letters, digits and `._/-` only: the push filter puts it in a CEL string ('refs/heads/<branch>') and
 * fire-trigger.sh in a JSON body, where a quote or backslash would break out. test/config/git.test.ts checks it
 * against the real git.
 */
export const gitBranch =
    /^(?!-)(?!@$)(?!HEAD$)(?!.*\.\.)(?!.*\/\/)(?!.*(^|\/)\.)(?!.*\.lock(\/|$))(?!.*[/.]$)[A-Za-z0-9._/-]{1,200}$/;
/**
 * A GitHub repository `owner/name`: owner 1-39 letters, digits and single inner hyphens; name 1-100 letters,
 * digits and `._-`, not `.`/`..`, without the `.git` a clone URL adds (GitHub's username and repository name rules).
 */
export const githubRepo =
    /^(?=[^/]{1,39}\/)[A-Za-z0-9](-?[A-Za-z0-9])*\/(?!\.{1,2}$)(?!.*\.git$)[A-Za-z0-9._-]{1,100}$/;
/**
 * Docker references as distribution/reference (regexp.go) defines them, with an explicit registry domain (a
 * first component with `.` or `:`, or `localhost`, as splitDockerDomain decides): oc and skopeo read them.
 */
const refDomain =
    "(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?";
const refPath = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const refName = `(?=[^/]*[.:]|localhost[:/])${refDomain}(?:/${refPath})+`;
/** A registry repository without tag or digest, e.g. `quay.io/openshift/okd`. */
export const repository = new RegExp(`^(?=.{1,255}$)${refName}$`);
/** An image pull spec with a tag or a digest, e.g. `quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116`. */
export const pullSpec = new RegExp(
    `^${refName}(?::[\\w][\\w.-]{0,127}(?:@sha256:[a-f0-9]{64})?|@sha256:[a-f0-9]{64})$`,
);
/** A relative path inside a repository: no leading `/`, no `..` segment, one line (build-image.sh joins it to the checkout). */
export const repoPath = /^(?!\/)(?!(.*\/)?\.\.(\/|$))[^\n\r\0]{1,1024}$/;
/** A build arg name (build-image.sh splits KEY=VALUE at the first `=`; buildah exposes it to RUN as a variable). */
export const buildArgName = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A GCP project id: 6-30 lower-case letters, digits and dashes, starting with a letter, not ending with a dash. */
export const gcpProjectId = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** A DNS-1123 subdomain (Kubernetes object names such as StorageClasses): labels of [a-z0-9-], at most 253. */
export const dnsSubdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** " (did you mean X?)" when a known name is close to what was written. */
export function didYouMean(given: string, known: readonly string[]): string {
    if (known.length === 0) return "";
    const best = closest(given, [...known]);
    const d = distance(given.toLowerCase(), best.toLowerCase());
    return d <= Math.max(2, Math.floor(given.length / 3)) ? ` (did you mean ${best}?)` : "";
}

/**
 * YAML reads an unquoted `4.20` as the number 4.2 and `1.30` as 1.3; the hint to quote it, for keys that hold
 * versions.
 */
export function quoteHint(value: unknown, example: (text: string) => string): string {
    const text = String(value);
    // A number is always a sign; a string only when it may have lost a trailing zero (1.3 from 1.30).
    if (!(typeof value === "number" ? /^\d+\.\d+$/ : /^\d+\.\d$/).test(text)) return "";
    // 4.2 is most likely an unquoted 4.20: suggest that, and keep the literal for whoever meant it.
    if (/^\d+\.\d$/.test(text)) {
        return `; YAML reads an unquoted version as a number, so quote it: ${example(`"${text}0"`)} (or ${example(`"${text}"`)} if you meant ${text})`;
    }
    return `; YAML reads an unquoted version as a number, so quote it: ${example(`"${text}"`)}`;
}

/**
 * A Kubernetes CronJob schedule (UTC): whatever the API server accepts on create, and nothing it refuses
 * (components/shared/cron.ts, checked against robfig/cron/v3, the parser Kubernetes uses).
 */
export const cronSchedule = z.string().superRefine((value, ctx) => {
    const parsed = parseCronJobSchedule(value);
    if ("error" in parsed) {
        ctx.addIssue({
            code: "custom",
            message: `is not a schedule Kubernetes accepts (${parsed.error}); expected five cron fields in UTC such as "0 5 * * 1", or @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>`,
        });
    }
});

export const count = (min: number, max: number) =>
    z
        .number({ error: `expected a whole number from ${min} to ${max}` })
        .int({ error: `expected a whole number from ${min} to ${max}` })
        .min(min, { error: `expected a whole number from ${min} to ${max}` })
        .max(max, { error: `expected a whole number from ${min} to ${max}` });

export const pattern = (re: RegExp, what: string) =>
    z.string({ error: `expected ${what}` }).regex(re, { error: `expected ${what}` });

/** An IPv4 or IPv6 CIDR block written as its network address (`203.0.113.0/24`, not `203.0.113.7/24`). */
export const cidrBlock = z
    .string({ error: "expected a CIDR block such as 203.0.113.0/24" })
    .superRefine((value, ctx) => {
        if (!ipaddr.isValidCIDR(value)) {
            ctx.addIssue({ code: "custom", message: "expected a CIDR block such as 203.0.113.0/24 or 2001:db8::/32" });
            return;
        }
        const [address, bits] = ipaddr.parseCIDR(value);
        const network = ipaddr.IPv4.isIPv4(address.toString())
            ? ipaddr.IPv4.networkAddressFromCIDR(value).toString()
            : ipaddr.IPv6.networkAddressFromCIDR(value).toString();
        if (network !== address.toString()) {
            ctx.addIssue({ code: "custom", message: `is not a network address; expected ${network}/${bits}` });
        }
    });
export const cidrList = (what: string) =>
    z
        .array(cidrBlock, { error: `expected a list of CIDR blocks (${what})` })
        .max(100, { error: "expected at most 100 CIDR blocks" });

/**
 * An object that rejects unknown fields, naming them and the fields it allows (catches typos such as `brnach`).
 */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
    const known = Object.keys(shape);
    const allowed = known.join(", ");
    return z.strictObject(shape, {
        error: (issue) =>
            issue.code === "unrecognized_keys"
                ? `has unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.join(", ")}${issue.keys.length === 1 ? didYouMean(issue.keys[0], known) : ""}; expected only ${allowed}`
                : undefined,
    });
}
