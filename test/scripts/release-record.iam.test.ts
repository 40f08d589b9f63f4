/**
 * The grants hold against a store that enforces them: moto with IAM authorization on (`INITIAL_NO_AUTH_ACTION_COUNT`,
 * https://docs.getmoto.org/en/latest/docs/iam.html: after that many unauthenticated requests every request is signed
 * by a moto IAM user and judged by its policies), the bucket and two users set up within those requests, each user
 * holding the S3 statements the AWS site renders for the records and the promotion roles. Each then writes as
 * release-record.sh does: the records identity writes records and is refused (AccessDenied) a promotion or a name
 * claim under promoted/; the promotion identity writes those and is refused a record. GCS and Azure have no emulator
 * here that enforces IAM conditions or ABAC (fake-gcs-server and Azurite ignore them); their grants are checked as
 * rendered (test/components/gcp/site.test.ts, azure/site.test.ts) and by the policy promoted-writers.
 */
import * as assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { siteArgs } from "../components/aws/fixtures";
import { find, settled, useMocks } from "../helpers";
import { freePort, requireTool, tempDir } from "./harness";
import { type Rclone, pipelineRcloneEnv, rclones, waitForPort } from "./object-stores";

// Recorded inputs are untyped JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const bucket = "okd-artifacts-test";
const name = "4.15.0-0.okd-2025-01-01-020000";

/** The S3 statements of a role's rendered policy, pointed at the test bucket. */
function s3Statements(role: string): Json[] {
    const doc = JSON.parse(find("aws:iam/rolePolicy:RolePolicy", role).inputs.policy as string);
    const s3 = doc.Statement.filter((s: Json) => [s.Action].flat().every((a: string) => a.startsWith("s3:")));
    return JSON.parse(JSON.stringify(s3).replace(/arn:aws:s3:::[^/"]+/g, `arn:aws:s3:::${bucket}`));
}

/** The Python that runs moto_server (its own virtualenv, with boto3), from the script's shebang. */
function motoPython(): string {
    const script = fs.realpathSync(execFileSync("sh", ["-c", "command -v moto_server"], { encoding: "utf8" }).trim());
    return fs.readFileSync(script, "utf8").split("\n")[0].replace(/^#!/, "");
}

const setup = `
import boto3, json, sys
endpoint, policies = sys.argv[1], json.load(open(sys.argv[2]))
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="setup")
boto3.client("s3", **kw).create_bucket(Bucket="${bucket}")
iam, keys = boto3.client("iam", **kw), {}
for user, statements in policies.items():
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="site", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    k = iam.create_access_key(UserName=user)["AccessKey"]
    keys[user] = {"AWS_ACCESS_KEY_ID": k["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": k["SecretAccessKey"]}
print(json.dumps(keys))
`;
/** Requests the setup makes before authorization starts: the bucket, then three per user. */
const setupRequests = 1 + 2 * 3;

describe("release-record.sh against S3 with the site's grants enforced (moto IAM)", function () {
    this.timeout(300_000);
    useMocks();

    let moto: ChildProcess | undefined;
    let work: string;
    let rclone: Rclone;
    let as: Record<"records" | "promote", Record<string, string>>;
    before(async () => {
        requireTool("moto_server");
        requireTool("jq");
        rclone = rclones()[0];
        const { AwsSite } = await import("../../components/aws");
        new AwsSite("iam", siteArgs({ namePrefix: "okdi" }));
        await settled();
        work = tempDir("records-iam");
        const policies = path.join(work, "policies.json");
        fs.writeFileSync(
            policies,
            JSON.stringify({ records: s3Statements("iam-records"), promote: s3Statements("iam-promote") }),
        );
        const port = await freePort();
        const log = path.join(work, "moto.log");
        const out = fs.openSync(log, "w");
        // A clean environment: no AWS_CA_BUNDLE (boto3 would apply it to the plain-http endpoint), no AWS settings.
        const env = { PATH: process.env.PATH ?? "", HOME: work, INITIAL_NO_AUTH_ACTION_COUNT: String(setupRequests) };
        moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", out, out], env });
        const proc = moto;
        await waitForPort(port, "moto_server", proc, () => fs.readFileSync(log, "utf8"));
        const endpoint = `http://127.0.0.1:${port}`;
        const keys = JSON.parse(
            execFileSync(motoPython(), ["-c", setup, endpoint, policies], { encoding: "utf8", env }),
        ) as typeof as;
        const site3 = await pipelineRcloneEnv({ kind: "s3", url: "s3://unused/", endpoint });
        // moto's signature check rejects a listing signed with `encoding-type=url` (SignatureDoesNotMatch, boto3's
        // ListObjectsV2 as much as rclone's; real S3 takes it), so listings go unencoded here. Release names need no
        // encoding. Everything else is the pipeline's own setting.
        const base = {
            ...site3,
            ARTIFACTS_BUCKET: bucket,
            MINOR: "4.15",
        };
        as = { records: { ...base, ...keys.records }, promote: { ...base, ...keys.promote } };
    });
    after(() => {
        moto?.kill();
        if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
    });

    /**
     * rclone as release-record.sh's `store` writes an object (lib/rclone-store.sh: `copyto --ignore-times`), with the
     * pipeline's remote settings and the identity's keys. The script itself is not run here: its listings (ListObjects
     * with a prefix) draw SignatureDoesNotMatch from moto's signature check once authorization is on (seen with boto3
     * as well as rclone; real S3 and moto without authorization take them), so the whole script runs against moto in
     * release-record.s3.test.ts and its writes are judged here, one object at a time.
     */
    const write = (who: "records" | "promote", key: string) => {
        const file = path.join(work, "object.json");
        fs.writeFileSync(file, "{}\n");
        const r = spawnSync(
            rclone.binary,
            [
                "--quiet",
                "--retries",
                "1",
                "--low-level-retries",
                "1",
                "copyto",
                "--ignore-times",
                file,
                `artifacts:${bucket}/${key}`,
            ],
            {
                env: { PATH: process.env.PATH ?? "", HOME: work, RCLONE_CONFIG: "/dev/null", ...as[who] },
                encoding: "utf8",
            },
        );
        return { status: r.status ?? -1, stderr: r.stderr };
    };
    const record = `releases/4.15/${name}.json`;
    const promotion = `promoted/4.15/${name}.json`;
    const claim = `promoted/4.16/claims/4.16.0-0.okd-scos-2025-01-01-020000.json`;

    it("lets the records identity write a record and its index, and refuses it a promotion or a name claim", () => {
        for (const key of [record, "releases/4.15/index.json"]) {
            const r = write("records", key);
            assert.equal(r.status, 0, `${key}: ${r.stderr}`);
        }
        for (const key of [promotion, claim]) {
            const r = write("records", key);
            assert.notEqual(r.status, 0, key);
            assert.match(r.stderr, /AccessDenied/, key);
        }
    });

    it("lets the promotion identity write a promotion and a name claim, and refuses it a record", () => {
        for (const key of [promotion, claim]) {
            const r = write("promote", key);
            assert.equal(r.status, 0, `${key}: ${r.stderr}`);
        }
        for (const key of [record, "releases/4.15/index.json"]) {
            const r = write("promote", key);
            assert.notEqual(r.status, 0, key);
            assert.match(r.stderr, /AccessDenied/, key);
        }
    });
});
