import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";

import { type BrowserContext, type Page, chromium } from "playwright-core";

import { requireTool, tempDir } from "../scripts/harness";
import { root } from "../synth/run";
import { StatusRenderWorld, sha } from "../support/status-render-world";
import { type Fixture, makeFixture, publish, streamsJson, writeBundle } from "./fixture";

/** Debian's chromium, driven by playwright-core (which downloads no browser of its own). */
const chromiumPath = "/usr/bin/chromium";
const chromiumFlags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];
/** Screenshots a person can look at after the run (out/ is not committed). */
const artifacts = path.join(root, "out", "test-artifacts", "status");

const types: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".log": "text/plain; charset=utf-8",
};

/**
 * The bucket served as an object store's static website or authenticated browser URL serves it: every object at its
 * key, 404 for anything else, on 127.0.0.1 only.
 */
async function serve(dir: string): Promise<{ origin: string; close(): Promise<void> }> {
    const server = http.createServer((req, res) => {
        const key = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/^\/+/, "");
        const file = path.join(dir, key);
        if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
            res.writeHead(404).end("not found");
            return;
        }
        res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
        fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        origin: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

/**
 * What a person sees: the site publish-status.sh published into the bucket (records made by the pipeline scripts),
 * served over HTTP and opened in headless Chromium with JavaScript off.
 */
describe("the status site in a browser (headless Chromium)", () => {
    let f: Fixture;
    let work: string;
    let renderer: string;
    let server: { origin: string; close(): Promise<void> };
    let context: BrowserContext;
    let profile: string;
    const requests: string[] = [];
    let throttle: { lastStarted: string };

    const launch = async (javaScriptEnabled: boolean) => {
        profile = tempDir("chromium-profile");
        // A persistent context on a fresh directory is Chromium's --user-data-dir.
        const ctx = await chromium.launchPersistentContext(profile, {
            executablePath: chromiumPath,
            headless: true,
            args: chromiumFlags,
            javaScriptEnabled,
            viewport: { width: 1280, height: 900 },
        });
        ctx.on("request", (r) => requests.push(r.url()));
        return ctx;
    };
    const open = async (p: string): Promise<Page> => {
        const page = await context.newPage();
        const response = await page.goto(`${server.origin}/status/${p}`);
        assert.equal(response?.status(), 200, p);
        return page;
    };

    before(async function () {
        this.timeout(180_000);
        requireTool("rclone");
        requireTool("node");
        assert.ok(
            fs.existsSync(chromiumPath),
            `${chromiumPath} is missing; run: bash scripts/ensure-test-tools.sh (installs Debian's chromium)`,
        );
        f = makeFixture();
        work = tempDir("status-browser");
        renderer = writeBundle(work);
        // The scheduled render's starter, on a cluster where two pushes to 4.15 wait (the real script, kubectl
        // answering from the lists the API would give), hands publish-status.sh what it saw; then a nightly's
        // publish, which is given none, carries it on: what a person then sees.
        const world = new StatusRenderWorld(
            [
                { name: "p1", stream: "4.15", minutesAgo: 50, repository: "openshift/installer", revision: sha("a") },
                { name: "p2", stream: "4.15", minutesAgo: 20, repository: "openshift/oc", revision: sha("b") },
            ],
            [{ name: "n1", stream: "4.15", minutesAgo: 60, finished: true, revisions: `openshift/oc=${sha("c")}` }],
        );
        try {
            const started = world.start({ STREAMS: "4.16 4.15 4.14" });
            assert.equal(started.code, 0, started.stderr);
            const streams = (JSON.parse(streamsJson) as { minor: string }[]).map((s) =>
                s.minor === "4.15" ? { ...s, throttle: { minIntervalMinutes: 240, maxUnfinished: 1 } } : s,
            );
            const env = { STREAMS_JSON: JSON.stringify(streams) };
            const scheduled = publish(f.bucket, renderer, { ...env, THROTTLE_JSON: world.throttle() });
            assert.equal(scheduled.status, 0, scheduled.stderr);
            throttle = JSON.parse(world.throttle()).streams.find((s: { stream: string }) => s.stream === "4.15");
            const r = publish(f.bucket, renderer, env);
            assert.equal(r.status, 0, r.stderr);
        } finally {
            world.remove();
        }
        server = await serve(f.bucket);
        context = await launch(false);
        fs.mkdirSync(artifacts, { recursive: true });
    });
    after(async () => {
        await context?.close();
        await server?.close();
        if (profile) fs.rmSync(profile, { recursive: true, force: true });
        if (f) fs.rmSync(path.dirname(f.bucket), { recursive: true, force: true });
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("shows 4.14 and the never-accepted 4.16 as STALE, loudly, and 4.15 as OK", async () => {
        const page = await open("index.html");
        const alert = page.getByRole("alert");
        await assert.doesNotReject(alert.waitFor());
        assert.match(await alert.innerText(), /^STALE: 4\.16, 4\.14: no accepted payload in 48 h\.$/);
        const health = async (minor: string) =>
            page.locator(`tr.stream[data-stream="${minor}"] td.health-cell`).innerText();
        assert.match(
            await health("4.14"),
            new RegExp(`^STALE: no accepted payload in more than 48 h; the newest, ${f.names.R1}`),
        );
        assert.match(await health("4.16"), /^STALE: stream 4\.16 has never had an accepted payload$/);
        assert.match(await health("4.15"), new RegExp(`^OK: accepted payload ${f.names.P3} `));
        // Loudly: white on red, not a footnote.
        const colours = await page
            .locator('tr.stream[data-stream="4.14"] td.health-cell')
            .evaluate((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]);
        assert.deepEqual(colours, ["rgb(207, 34, 46)", "rgb(255, 255, 255)"]);
        await page.screenshot({ path: path.join(artifacts, "overview.png"), fullPage: true });
        await page.close();
    });

    it("shows each payload's verdict, why, and every gate with blocking or optional on the stream page", async () => {
        const page = await open("4.15/index.html");
        const row = (name: string) => page.locator(`tr.payload[data-name="${name}"]`);
        assert.match(await row(f.names.P2).innerText(), /rejected\s+rejected: blocking gate aws failed/);
        assert.match(await row(f.names.P2).innerText(), /aws \(blocking\): failed the cluster did not install/);
        assert.match(
            await row(f.names.P3).innerText(),
            /accepted\s+accepted: every blocking gate passed; optional gcp failed/,
        );
        assert.match(
            await row(f.names.P3).innerText(),
            /gcp \(optional\): failed the cluster installed; the conformance suite failed/,
        );
        assert.match(await row(f.names.P1).innerText(), /accepted\s*promoted/);
        assert.match(await row(f.names.P4).innerText(), /unfinished/);
        assert.match(await row(f.names.P5).innerText(), /pending/);
        assert.match(await page.getByRole("status").innerText(), new RegExp(`^OK: accepted payload ${f.names.P3}`));
        const graph = page.getByRole("img", { name: /^Upgrade graph: \d+ upgrade edges among 6 releases$/ });
        assert.ok(await graph.isVisible(), "the upgrade graph is drawn");
        await page.screenshot({ path: path.join(artifacts, "stream-4.15.png"), fullPage: true });
        const p3 = await open(`4.15/${f.names.P3}.html`);
        assert.match(await p3.locator("h1").innerText(), new RegExp(`^${f.names.P3} accepted$`));
        assert.match(await p3.locator("section.notes").innerText(), new RegExp(`Changes since ${f.names.P1}`));
        await p3.screenshot({ path: path.join(artifacts, "payload.png"), fullPage: true });
        for (const shot of ["overview.png", "stream-4.15.png", "payload.png"]) {
            assert.ok(fs.statSync(path.join(artifacts, shot)).size > 10_000, shot);
        }
        await page.close();
        await p3.close();
    });

    it("shows the pushes waiting for a nightly and the next dispatch, as the starter saw them", async () => {
        const page = await open("4.15/index.html");
        const rows = await page.locator("table.pushes tbody tr").allInnerTexts();
        assert.deepEqual(
            rows.map((r) => r.split("\t").slice(0, 2)),
            [
                ["openshift/installer", "a".repeat(12)],
                ["openshift/oc", "b".repeat(12)],
            ],
        );
        // The dispatcher fires every ten minutes; the next nightly may start 240 minutes after the last began.
        const next = new Date(Math.ceil((Date.parse(throttle.lastStarted) + 240 * 60_000) / 600_000) * 600_000);
        const at = next.toISOString().replace(/\.\d{3}Z$/, "Z");
        assert.equal(await page.locator("p.pushes-next").innerText(), `2 pushes wait; next dispatch at ${at}`);
        assert.match(
            await page.locator("h2#pushes + p + p").innerText(),
            new RegExp(
                `^As of .+: 0 nightly runs unfinished; the last started ${throttle.lastStarted}\\. Next dispatch: ${at}\\.$`,
            ),
        );
        assert.match(await page.locator("dd.pushes-next").innerText(), /^2 pushes wait/);
        await page.screenshot({ path: path.join(artifacts, "stream-4.15-pushes.png"), fullPage: true });
        const overview = await open("index.html");
        assert.match(
            await overview.locator('tr.stream[data-stream="4.15"]').innerText(),
            new RegExp(
                `throttle: minIntervalMinutes: 240, maxUnfinished: 1\\s+pushes: 2 pushes wait; next dispatch at ${at}`,
            ),
        );
        assert.match(await overview.locator('tr.stream[data-stream="4.14"]').innerText(), /pushes: no pushes waiting/);
        await page.close();
        await overview.close();
    });

    it("resolves every link of every page: pages, JSON, logs and JUnit in the bucket", async function () {
        this.timeout(120_000);
        const seen = new Set<string>();
        const external = new Set<string>();
        const queue = [`${server.origin}/status/index.html`];
        let pages = 0;
        while (queue.length > 0) {
            const url = queue.shift() as string;
            if (seen.has(url)) continue;
            seen.add(url);
            const response = await context.request.get(url);
            assert.equal(response.status(), 200, `${url} is linked but answers ${response.status()}`);
            if (!url.endsWith(".html")) continue;
            pages++;
            const page = await context.newPage();
            await page.goto(url);
            // getAttribute: an SVG <a>'s href property is not a string.
            const hrefs = await page
                .locator("a[href]")
                .evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
            await page.close();
            for (const href of hrefs) {
                const target = new URL(href, url);
                target.hash = "";
                if (target.origin === server.origin) queue.push(target.toString());
                else external.add(target.toString());
            }
        }
        // 3 stream pages, 7 payload pages, the overview.
        assert.equal(pages, 11);
        assert.ok(
            [...seen].some((u) => u.endsWith("/junit/junit_e2e.xml")),
            "JUnit is linked",
        );
        assert.ok(
            [...seen].some((u) => u.endsWith("/install-attempt-1.log")),
            "logs are linked",
        );
        // The only links off the site are GitHub comparisons of the changed components.
        for (const url of external) {
            assert.match(url, /^https:\/\/github\.com\/openshift\/[\w-]+\/compare\/[0-9a-f]+\.\.\.[0-9a-f]+$/);
        }
        assert.ok(external.size > 0);
    });

    it("loads nothing from any other host", () => {
        // Every page the crawl above opened, and nothing else.
        assert.ok(requests.filter((u) => u.endsWith(".html")).length >= 11, "requests were recorded");
        const elsewhere = requests.filter((u) => !u.startsWith(`${server.origin}/`));
        assert.deepEqual(elsewhere, []);
    });

    it("re-checks staleness with the reader's clock when JavaScript runs, and says when without it", async function () {
        this.timeout(120_000);
        // Rendered an hour after 4.14's newest accepted payload: fresh as of then, stale by today's clock.
        const then = new Date(
            Date.parse(f.names.R1.replace(/.*okd-(\d{4}-\d{2}-\d{2})-(\d{2})(\d{2})(\d{2})$/, "$1T$2:$3:$4Z")) +
                3600_000,
        );
        const old = path.join(work, "old");
        const { execFileSync } = await import("node:child_process");
        execFileSync("node", [
            renderer,
            "--from",
            f.bucket,
            "--out",
            old,
            "--now",
            then.toISOString(),
            "--artifacts-href",
            "../",
        ]);
        fs.cpSync(old, path.join(f.bucket, "old-status"), { recursive: true });
        const url = `${server.origin}/old-status/4.14/index.html`;

        const noScript = await context.newPage();
        await noScript.goto(url);
        assert.match(
            await noScript.getByRole("status").innerText(),
            /^OK: accepted payload .* stale from \d{4}-\d{2}-\d{2}T/,
        );
        await noScript.close();

        const withScript = await launch(true);
        try {
            const page = await withScript.newPage();
            await page.goto(url);
            assert.match(
                await page.getByRole("status").innerText(),
                /^STALE: no accepted payload since .* by your browser's clock\)$/,
            );
            const bg = await page.getByRole("status").evaluate((e) => getComputedStyle(e).backgroundColor);
            assert.equal(bg, "rgb(207, 34, 46)");
        } finally {
            await withScript.close();
        }
    });
});
