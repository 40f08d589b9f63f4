/**
 * `npm run policy -- out/<stack>/plan.json [...]`: applies the policy pack to synth plans. Exits 1 when a mandatory
 * policy is violated. `--level <policy>=<advisory|mandatory|disabled>` overrides one policy, like a pack config.
 */
import { type Cli, UsageError, UserError, parseCli, readUserJson, runCli } from "../scripts/cli";
import type { Plan } from "./plan-file";
import type { EnforcementLevel } from "./model";
import { formatRun, mandatoryViolations, runPolicies } from "./plan";
import { rules } from "./rules";

const levelNames: readonly EnforcementLevel[] = ["advisory", "mandatory", "disabled"];

const cli: Cli = {
    name: "policy",
    usage: `usage: npm run policy -- <plan.json> [<plan.json> ...] [--level <policy>=<level> ...]

Applies the policy pack to offline synth plans (npm run synth writes out/<stack>/plan.json) and prints every
violation. Exits 1 when a mandatory policy is violated, 2 on a usage error.

  --level <policy>=<level>  override one policy's enforcement level, as a policy pack config would; repeatable.
                            level: ${levelNames.join(", ")}
                            policy: ${rules.map((r) => r.name).join(", ")}
  -h, --help                this text`,
};

/** `--level` values as a map, rejecting unknown policies and levels (a typo must not switch a policy off). */
export function parseLevels(specs: string[]): Record<string, EnforcementLevel> {
    const names = rules.map((r) => r.name);
    const levels: Record<string, EnforcementLevel> = {};
    for (const spec of specs) {
        const eq = spec.indexOf("=");
        if (eq < 0) throw new UsageError(`--level ${spec}: expected <policy>=<level>`);
        const [name, level] = [spec.slice(0, eq), spec.slice(eq + 1)];
        if (!names.includes(name)) {
            throw new UsageError(`--level ${spec}: unknown policy "${name}"; expected one of ${names.join(", ")}`);
        }
        if (!(levelNames as string[]).includes(level)) {
            throw new UsageError(`--level ${spec}: unknown level "${level}"; expected one of ${levelNames.join(", ")}`);
        }
        levels[name] = level as EnforcementLevel;
    }
    return levels;
}

function main(): number {
    const { values, positionals } = parseCli(cli, {
        allowPositionals: true,
        options: { level: { type: "string", multiple: true, default: [] } },
    });
    if (positionals.length === 0) throw new UsageError("no plan given");
    const levels = parseLevels(values.level ?? []);
    let failed = 0;
    for (const file of positionals) {
        const plan = readUserJson<Plan>(file, "plan");
        if (!Array.isArray(plan?.resources)) {
            throw new UserError(`plan ${file} has no "resources" list; expected a plan.json written by npm run synth`);
        }
        const run = runPolicies(plan, { levels });
        console.log(formatRun(run));
        failed += mandatoryViolations(run).length;
    }
    return failed > 0 ? 1 : 0;
}

if (require.main === module) runCli(cli, main);
