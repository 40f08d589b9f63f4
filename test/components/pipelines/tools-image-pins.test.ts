import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The pipeline tools image builds rclone and cosign from their Go modules; the tests build the same modules as test
 * tools (test/tools/go/<tool>). These hold the two to one version, one module hash and one set of link flags, so the
 * tests keep running exactly what the steps run.
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

    it("builds cosign at the test tool's version", () => {
        const env = toolEnv("cosign");
        assert.ok(stage("cosign").includes(`${env.PACKAGE}@${env.VERSION}`));
    });
});
