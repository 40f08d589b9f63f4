// Preloaded (--import) into a synth process: at exit, writes the @pulumi SDK files the process loaded to
// $OKD_CI_BENCH_MODULES, so the floor process can load exactly those and nothing else.
import * as fs from "node:fs";
import { createRequire } from "node:module";

// Every createRequire shares Node's one CommonJS module cache, which is where the SDKs (CommonJS) land.
const cache = createRequire(import.meta.url).cache;

process.on("exit", () => {
    const out = process.env.OKD_CI_BENCH_MODULES;
    if (!out) return;
    const files = Object.keys(cache).filter((f) => /[\\/]node_modules[\\/]@pulumi[\\/]/.test(f));
    fs.writeFileSync(out, JSON.stringify(files.sort()));
});
