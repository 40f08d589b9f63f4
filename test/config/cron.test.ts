/**
 * components/shared/cron.ts against the parser Kubernetes validates CronJob schedules with: robfig/cron/v3 v3.0.1's
 * ParseStandard, built from its Go module (test/tools/go/cron-parse-standard). Every schedule below gets the same
 * verdict and the same message from both, plus Kubernetes' own refusal of TZ on create.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

import { firesOnceAWeek, parseCronJobSchedule } from "../../components/shared/cron";
import { requireTool } from "../scripts/harness";

const schedules = [
    "0 2 * * *",
    "0 5 * * 1",
    "*/15 * * * *",
    "0 0-23/4 * * *",
    "5,35 1-5 1,15 * MON-fri",
    "0 3 ? JAN-mar sun",
    "0 3 L * *",
    "0 2 * * 7",
    "60 * * * *",
    "0 24 * * *",
    "0 0 0 * *",
    "0 0 * 13 *",
    "5-1 * * * *",
    "*/0 * * * *",
    "1-2-3 * * * *",
    "1/2/3 * * * *",
    "-1 * * * *",
    "+5 * * * *",
    "1,,2 * * * *",
    ", * * * *",
    "a * * * *",
    "0 2 * *",
    "0 2 * * * *",
    "0  2\t* * *",
    "",
    " ",
    "@daily",
    "@midnight",
    "@weekly",
    "@hourly",
    "@yearly",
    "@annually",
    "@monthly",
    "@daily ",
    "@fortnightly",
    "@every 1h30m",
    "@every 90s",
    "@every .5h",
    "@every 0",
    "@every 1d",
    "@every 10",
    "@every ",
    "@every -1h",
    "99999999999999999999 * * * *",
    // Past int64 nanoseconds (about 292 years), which Go's time.ParseDuration refuses, and its quoting of non-ASCII.
    "@every 2562047h",
    "@every 2562048h",
    "@every 2562047.8h",
    "@every -2562047.8h",
    "@every 9223372036854775807ns",
    "@every 9223372036854775808ns",
    "@every 0.1234567890123456789012345h",
    "@every 5µ",
    '@every 1"x',
    "@every 1constructor",
    "@every 1toString",
    "0 0 * constructor *",
    "0 0 * * __proto__",
];

function real(inputs: string[]): string[] {
    requireTool("cron-parse-standard");
    const out = execFileSync("cron-parse-standard", { input: `${inputs.join("\n")}\n`, encoding: "utf8" });
    return out.trimEnd().split("\n");
}

describe("Kubernetes CronJob schedules", () => {
    it("accepts and refuses exactly what robfig/cron/v3 ParseStandard does, with its messages", () => {
        const theirs = real(schedules);
        assert.equal(theirs.length, schedules.length);
        const ours = schedules.map((s) => {
            const r = parseCronJobSchedule(s);
            return "error" in r ? `error: ${r.error}` : "ok";
        });
        assert.deepEqual(
            schedules.map((s, i) => `${JSON.stringify(s)} ${ours[i]}`),
            schedules.map((s, i) => `${JSON.stringify(s)} ${theirs[i]}`),
        );
        assert.ok(theirs.includes("ok") && theirs.some((t) => t.startsWith("error")), "the table has both verdicts");
    });

    it("refuses TZ and CRON_TZ, as the API server does on create though the parser takes them", () => {
        assert.deepEqual(real(["TZ=UTC 0 2 * * *"]), ["ok"]);
        for (const s of ["TZ=UTC 0 2 * * *", "CRON_TZ=Europe/Paris 0 2 * * *"]) {
            assert.deepEqual(parseCronJobSchedule(s), {
                error: "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            });
        }
    });

    it("tells schedules that fire once a week from those that fire more often", () => {
        const once = (s: string) => {
            const r = parseCronJobSchedule(s);
            assert.ok("schedule" in r, s);
            return firesOnceAWeek(r.schedule);
        };
        assert.deepEqual(
            [
                "0 5 * * 1",
                "@weekly",
                "30 4 ? * fri",
                "0 5 * * *",
                "0 5 * * 1,4",
                "0 5,17 * * 1",
                "0 5 1 * 1",
                "@daily",
                "@every 168h",
            ].map(once),
            [true, true, true, false, false, false, false, false, false],
        );
    });
});
