/**
 * `npm run policy -- out/<stack>/plan.json [...]`: applies the policy pack to synth plans. Exits 1 when a mandatory
 * policy is violated. `--level <policy>=<advisory|mandatory|disabled>` overrides one policy, like a pack config.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";

import type { Plan } from "../src/synth/render";
import type { EnforcementLevel } from "./model";
import { formatRun, mandatoryViolations, runPolicies } from "./plan";

function main(): number {
    const { values, positionals } = parseArgs({
        allowPositionals: true,
        options: { level: { type: "string", multiple: true, default: [] } },
    });
    if (positionals.length === 0) {
        console.error("usage: npm run policy -- out/<stack>/plan.json [...] [--level <policy>=<level>]");
        return 2;
    }
    const levels = Object.fromEntries((values.level ?? []).map((l) => l.split("=") as [string, EnforcementLevel]));
    let failed = 0;
    for (const file of positionals) {
        const plan = JSON.parse(fs.readFileSync(file, "utf8")) as Plan;
        const run = runPolicies(plan, { levels });
        console.log(formatRun(run));
        failed += mandatoryViolations(run).length;
    }
    return failed > 0 ? 1 : 0;
}

process.exit(main());
