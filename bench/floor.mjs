// The floor of a synth: a plain Node process that loads the @pulumi files a stack's synth loaded (the list
// record-modules.mjs wrote: @pulumi/pulumi and the SDK modules, deep imports only) and does nothing else.
// Usage: node bench/floor.mjs <modules.json>
import * as fs from "node:fs";
import { createRequire } from "node:module";

const load = createRequire(import.meta.url);
for (const file of JSON.parse(fs.readFileSync(process.argv[2], "utf8"))) load(file);
