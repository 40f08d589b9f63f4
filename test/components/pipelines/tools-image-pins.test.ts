import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { requireTool } from "../../scripts/harness";

/**
 * The pipeline tools image builds oc, rclone and cosign from their Go modules; the tests build the same modules as test
 * tools (test/tools/go/<tool>). These hold the two to one version, one module hash and one set of build tags and link
 * flags, so the tests keep running exactly what the steps run.
 */
const root = path.resolve(__dirname, "..", "..", "..");
const containerfile = fs.readFileSync(
    path.join(root, "components", "pipelines", "images", "tools", "Containerfile"),
    "utf8",
);

function toolEnv(tool: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const line of fs.readFileSync(path.join(root, "test", "tools", "go", tool, "tool.env"), "utf8").split("\n")) {
        const m = /^([A-Z]+)=(.*)$/.exec(line);
        if (m) env[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
    }
    return env;
}

function goSumLine(tool: string, module: string, version: string): string {
    const sum = fs.readFileSync(path.join(root, "test", "tools", "go", tool, "go.sum"), "utf8");
    const m = new RegExp(`^${module.replace(/[.]/g, "\\.")} ${version} (h1:\\S+)$`, "m").exec(sum);
    assert.ok(m, `${module} ${version} is not in test/tools/go/${tool}/go.sum`);
    return m[1];
}

/** The RUN of the Containerfile stage `AS <name>` (its continuation lines joined). */
function stage(name: string): string {
    const m = new RegExp(`^FROM \\S+ AS ${name}\\n((?:.*\\\\\\n)*.*)$`, "m").exec(containerfile);
    assert.ok(m, `no stage ${name} in the tools Containerfile`);
    return m[1].replace(/\\\n\s*/g, " ");
}

describe("tools image pins (components/pipelines/images/tools/Containerfile)", () => {
    it("builds rclone at the test tool's version, checks the test tool's module hash, and links it the same way", () => {
        const env = toolEnv("rclone");
        const run = stage("rclone");
        assert.equal(env.PACKAGE, "github.com/rclone/rclone");
        assert.ok(run.includes(`module=${env.PACKAGE}@${env.VERSION} `), run);
        assert.ok(run.includes(`expected=${goSumLine("rclone", env.PACKAGE, env.VERSION)} `), run);
        assert.match(run, /go mod download -json "\$\{module\}" \| jq -r \.Sum/);
        assert.match(run, /if \[ "\$\{sum\}" != "\$\{expected\}" \]; then .* exit 1; fi/);
        assert.ok(run.includes(`CGO_ENABLED=${env.CGO} `), run);
        assert.ok(run.includes(`go install -trimpath -ldflags "${env.LDFLAGS}" "\${module}"`), run);
        assert.ok(run.includes(`grep -qx 'rclone ${env.VERSION}'`), run);
        assert.match(run, /GOPROXY=https:\/\/proxy\.golang\.org GOSUMDB=sum\.golang\.org/);
        assert.match(containerfile, /^COPY --from=rclone \/out\/rclone \/usr\/bin\/rclone$/m);
    });

    it("installs no rclone package from the distribution", () => {
        for (const m of containerfile.matchAll(/dnf -y install ([^\n\\]*)/g)) {
            assert.doesNotMatch(m[1], /\brclone\b/, m[0]);
        }
    });

    it("builds oc at the test tool's version, checks the test tool's module hash, and builds it with the same tags and flags", () => {
        const env = toolEnv("oc");
        const run = stage("oc");
        // PACKAGE is a package of the module github.com/openshift/oc; the image builds it inside that module.
        const module = "github.com/openshift/oc";
        assert.ok(env.PACKAGE.startsWith(`${module}/`), env.PACKAGE);
        const pkg = `./${env.PACKAGE.slice(module.length + 1)}`;
        // The wrapper requires exactly that version (the wrapper's go.mod decides what the test build runs).
        const goMod = fs.readFileSync(path.join(root, "test", "tools", "go", "oc", "go.mod"), "utf8");
        assert.match(goMod, new RegExp(`^require ${module.replace(/[.]/g, "\\.")} ${env.VERSION}$`, "m"));
        assert.ok(run.includes(`module=${module}@${env.VERSION} `), run);
        assert.ok(run.includes(`expected=${goSumLine("oc", module, env.VERSION)} `), run);
        // The hash is checked before anything is built, and the build runs in the directory that hash covers.
        assert.match(run, /download="\$\(cd "\$\(mktemp -d\)" && go mod download -json "\$\{module\}"\)"/);
        assert.match(run, /sum="\$\(printf '%s' "\$\{download\}" \| jq -r \.Sum\)"/);
        assert.match(run, /dir="\$\(printf '%s' "\$\{download\}" \| jq -r \.Dir\)"/);
        assert.match(run, /if \[ "\$\{sum\}" != "\$\{expected\}" \]; then .* exit 1; fi\s+&& cd "\$\{dir\}"\s+&& /);
        // oc's own go.mod and go.sum decide every dependency; nothing else may be resolved (the test build is
        // -mod=readonly too: scripts/ensure-test-tools.sh).
        assert.match(run, /GOFLAGS=-mod=readonly\b/);
        assert.match(run, /GOPROXY=https:\/\/proxy\.golang\.org GOSUMDB=sum\.golang\.org/);
        assert.ok(
            run.includes(
                `CGO_ENABLED=${env.CGO} go build -trimpath -tags "${env.TAGS}" -ldflags "${env.LDFLAGS}" -o /out/oc ${pkg} `,
            ),
            run,
        );
        const version = /-X github\.com\/openshift\/oc\/pkg\/version\.versionFromGit=(\S+)/.exec(env.LDFLAGS)?.[1];
        assert.ok(version, env.LDFLAGS);
        assert.ok(run.endsWith(`&& /out/oc version --client | grep -qx 'Client Version: ${version}'`), run);
        assert.match(containerfile, /^COPY --from=oc \/out\/oc \/usr\/bin\/oc$/m);
    });

    it("checks the built oc's version against the line the tests' oc prints", () => {
        requireTool("oc");
        const expected = /grep -qx '(Client Version: [^']+)'/.exec(stage("oc"))?.[1];
        assert.ok(expected);
        const lines = execFileSync("oc", ["version", "--client"], { encoding: "utf8" }).split("\n");
        assert.ok(lines.includes(expected), `the tests' oc printed:\n${lines.join("\n")}`);
    });

    it("repeats oc's own replace lines in the test wrapper, so both builds resolve the same modules", function () {
        // The image builds oc as the main module, under oc's own go.mod; the tests build it as a dependency of the
        // wrapper, where only the wrapper's replace lines apply (https://go.dev/ref/mod#go-mod-file-replace).
        this.timeout(120_000);
        requireTool("go");
        const env = toolEnv("oc");
        const wrapper = path.join(root, "test", "tools", "go", "oc");
        const download = JSON.parse(
            execFileSync("go", ["mod", "download", "-json", `github.com/openshift/oc@${env.VERSION}`], {
                cwd: wrapper,
                encoding: "utf8",
            }),
        ) as { GoMod: string };
        const replaces = (goMod: string): unknown =>
            (JSON.parse(execFileSync("go", ["mod", "edit", "-json", goMod], { encoding: "utf8" })) as { Replace?: [] })
                .Replace ?? [];
        const own = replaces(download.GoMod);
        assert.deepEqual(replaces(path.join(wrapper, "go.mod")), own);
        assert.notDeepEqual(own, []);
    });

    it("takes oc from nowhere else: no other image, no distribution package", () => {
        for (const m of containerfile.matchAll(/^FROM (\S+)/gm)) {
            assert.match(m[1], /^quay\.io\/fedora\/fedora:44@sha256:[0-9a-f]{64}$/, m[0]);
        }
        for (const m of containerfile.matchAll(/dnf -y install ([^\n\\]*)/g)) {
            assert.doesNotMatch(m[1], /\b(openshift-clients|origin-clients|oc)\b/, m[0]);
        }
        assert.deepEqual(
            [...containerfile.matchAll(/^COPY .*\/usr\/bin\/oc$/gm)].map((m) => m[0]),
            ["COPY --from=oc /out/oc /usr/bin/oc"],
        );
    });

    it("builds cosign at the test tool's version", () => {
        const env = toolEnv("cosign");
        assert.ok(stage("cosign").includes(`${env.PACKAGE}@${env.VERSION}`));
    });
});
