/** The whole static site as files: pages, the facts as JSON and their schema. */
import * as fs from "node:fs";
import * as path from "node:path";

import { type HtmlOptions, overviewPage, pagePath, payloadPage, streamPage } from "./html";
import { type Status, statusJsonSchema } from "./schema";
import type { ThrottleState } from "./throttle";

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
/** The throttle's state, in the site (and so at `status/throttle.json` in the bucket). */
export const throttleFile = "throttle.json";

/**
 * Site-relative path → content. The throttle's state the render was given goes along as `throttle.json`, where the
 * next render of the bucket finds it (throttle.ts).
 */
export function renderSite(status: Status, options: HtmlOptions, throttle?: ThrottleState): Map<string, string> {
    const files = new Map<string, string>();
    if (throttle) files.set(throttleFile, json(throttle));
    files.set(pagePath.overview, overviewPage(status));
    files.set("status.json", json(status));
    files.set("schema.json", json(statusJsonSchema()));
    for (const s of status.streams) {
        files.set(pagePath.stream(s.stream), streamPage(status, s));
        files.set(`${s.stream}/status.json`, json({ ...status, streams: [s] }));
        for (const p of s.payloads) files.set(pagePath.payload(s.stream, p.name), payloadPage(status, s, p, options));
    }
    return files;
}

export function writeFiles(dir: string, files: Map<string, string>): void {
    for (const [file, content] of files) {
        const target = path.join(dir, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
    }
}
