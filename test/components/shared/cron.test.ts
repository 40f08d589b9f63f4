/**
 * components/shared/cron.ts: what a schedule fires on once parsed, the `@every` durations, which schedules count as
 * weekly (the release CronJob's `releaseEveryWeeks` rule) and when a CronJob on a schedule next fires (the dispatcher's
 * status). test/config/cron.test.ts checks the verdicts and messages against the real robfig/cron/v3 parser; this
 * checks the values the program acts on.
 */
import * as assert from "node:assert/strict";

import {
    type CronField,
    type CronSchedule,
    firesOnceAWeek,
    nextFiring,
    parseCronJobSchedule,
} from "../../../components/shared/cron";

function parsed(spec: string): CronSchedule {
    const r = parseCronJobSchedule(spec);
    assert.ok("schedule" in r, `${JSON.stringify(spec)}: ${"error" in r ? r.error : ""}`);
    return r.schedule;
}

function fields(spec: string): CronField[] {
    const s = parsed(spec);
    assert.equal(s.kind, "fields", spec);
    return (s as { fields: CronField[] }).fields;
}

function error(spec: string): string {
    const r = parseCronJobSchedule(spec);
    assert.ok("error" in r, `${JSON.stringify(spec)} was accepted`);
    return r.error;
}

const range = (from: number, to: number, step = 1): number[] => {
    const out: number[] = [];
    for (let i = from; i <= to; i += step) out.push(i);
    return out;
};

describe("cron schedules: what a parsed schedule fires on", () => {
    it("gives every field's values in order, with `*` and `?` marked as any", () => {
        assert.deepEqual(fields("5,35 1-5 1,15 * MON-fri"), [
            { values: [5, 35], star: false },
            { values: [1, 2, 3, 4, 5], star: false },
            { values: [1, 15], star: false },
            { values: range(1, 12), star: true },
            { values: [1, 2, 3, 4, 5], star: false },
        ]);
        assert.deepEqual(fields("* * ? jan-MAR sun"), [
            { values: range(0, 59), star: true },
            { values: range(0, 23), star: true },
            { values: range(1, 31), star: true },
            { values: [1, 2, 3], star: false },
            { values: [0], star: false },
        ]);
        assert.deepEqual(fields("0 0 1 dec sat").slice(3), [
            { values: [12], star: false },
            { values: [6], star: false },
        ]);
    });

    it("steps a range, a star and a single start (`N/step` runs to the field's maximum)", () => {
        const [minute, hour, day, month, weekday] = fields("*/15 0-23/4 5/10 2-11/3 */1");
        assert.deepEqual(minute, { values: [0, 15, 30, 45], star: false });
        assert.deepEqual(hour, { values: [0, 4, 8, 12, 16, 20], star: false });
        assert.deepEqual(day, { values: [5, 15, 25], star: false });
        assert.deepEqual(month, { values: [2, 5, 8, 11], star: false });
        // A step of 1 keeps the field "any" (robfig/cron/v3 getRange clears the star bit only for step > 1).
        assert.deepEqual(weekday, { values: range(0, 6), star: true });
        assert.deepEqual(fields("0 0 ?/2 * *")[2], { values: range(1, 31, 2), star: false });
        assert.deepEqual(fields("0 0 ?/1 * *")[2], { values: range(1, 31), star: true });
        assert.deepEqual(fields("58/1 * * * *")[0], { values: [58, 59], star: false });
        // A range with a step ends at its own end, not the field's maximum.
        assert.deepEqual(fields("0-10/5 * * * *")[0], { values: [0, 5, 10], star: false });
    });

    it("merges a list's ranges without duplicates, skipping empty items, and keeps any star among them", () => {
        assert.deepEqual(fields("30,5,5-6,,30 * * * *")[0], { values: [5, 6, 30], star: false });
        assert.deepEqual(fields("0 1,* * * *")[1], { values: range(0, 23), star: true });
        assert.deepEqual(fields("0 *,1 * * *")[1], { values: range(0, 23), star: true });
        assert.deepEqual(fields("0 0 * * 6,0")[4], { values: [0, 6], star: false });
        assert.deepEqual(fields("0 0 * * 3-3,1")[4], { values: [1, 3], star: false });
    });

    it("splits fields on any run of whitespace", () => {
        assert.deepEqual(
            fields(" 0\t 2  * *\n1 ").map((f) => f.values.length),
            [1, 1, 31, 12, 1],
        );
        assert.equal(error("0 2 * *"), "expected exactly 5 fields, found 4: [0 2 * *]");
        assert.equal(error("0  2 * * * 1"), "expected exactly 5 fields, found 6: [0 2 * * * 1]");
    });

    it("takes each field's own bounds and names, and says which bound a value breaks", () => {
        assert.deepEqual(
            fields("59 23 31 12 6").map((f) => f.values),
            [[59], [23], [31], [12], [6]],
        );
        assert.deepEqual(
            fields("0 0 1 1 0").map((f) => f.values),
            [[0], [0], [1], [1], [0]],
        );
        assert.equal(error("60 * * * *"), "end of range (60) above maximum (59): 60");
        assert.equal(error("* 24 * * *"), "end of range (24) above maximum (23): 24");
        assert.equal(error("* * 0 * *"), "beginning of range (0) below minimum (1): 0");
        assert.equal(error("* * 32 * *"), "end of range (32) above maximum (31): 32");
        assert.equal(error("* * * 0 *"), "beginning of range (0) below minimum (1): 0");
        assert.equal(error("* * * 13 *"), "end of range (13) above maximum (12): 13");
        assert.equal(error("* * * * 7"), "end of range (7) above maximum (6): 7");
        // Names belong to their field only.
        assert.equal(error("* * * mon *"), 'failed to parse int from mon: strconv.Atoi: parsing "mon": invalid syntax');
        assert.equal(error("* * * * jan"), 'failed to parse int from jan: strconv.Atoi: parsing "jan": invalid syntax');
        for (const name of ["constructor", "__proto__"]) {
            assert.equal(
                error(`0 0 * ${name} *`),
                `failed to parse int from ${name}: strconv.Atoi: parsing "${name}": invalid syntax`,
            );
            assert.equal(
                error(`0 0 * * mon-${name}`),
                `failed to parse int from ${name}: strconv.Atoi: parsing "${name}": invalid syntax`,
            );
        }
        assert.equal(error("jan * * * *"), 'failed to parse int from jan: strconv.Atoi: parsing "jan": invalid syntax');
        assert.equal(error("* * * 1-jun/0 *"), "step of range should be a positive number: 1-jun/0");
        assert.equal(error("5-1 * * * *"), "beginning of range (5) beyond end of range (1): 5-1");
        assert.equal(error("1-2-3 * * * *"), "too many hyphens: 1-2-3");
        assert.equal(error("*/2/3 * * * *"), "too many slashes: */2/3");
        assert.equal(error("*/-1 * * * *"), "negative number (-1) not allowed: -1");
        assert.equal(error("*/x * * * *"), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
        assert.equal(error("1.5 * * * *"), 'failed to parse int from 1.5: strconv.Atoi: parsing "1.5": invalid syntax');
        assert.equal(
            error("99999999999999999999 * * * *"),
            'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range',
        );
        assert.deepEqual(fields("+5 * * * *")[0].values, [5]);
    });

    it("keeps descriptors by name and refuses any other", () => {
        for (const d of ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]) {
            assert.deepEqual(parsed(d), { kind: "descriptor", descriptor: d });
        }
        assert.equal(error("@reboot"), "unrecognized descriptor: @reboot");
        assert.equal(error("@every"), "unrecognized descriptor: @every");
        assert.equal(error(""), "empty spec string");
        assert.equal(error("0 2 * * * TZ"), "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
    });

    it("reads `@every` durations as Go's time.ParseDuration does, in seconds", () => {
        const every = (d: string) => parsed(`@every ${d}`);
        assert.deepEqual(every("1h30m"), { kind: "every", seconds: 5400 });
        assert.deepEqual(every("90s"), { kind: "every", seconds: 90 });
        assert.deepEqual(every(".5h"), { kind: "every", seconds: 1800 });
        assert.deepEqual(every("1.5m"), { kind: "every", seconds: 90 });
        assert.deepEqual(every("2.m"), { kind: "every", seconds: 120 });
        assert.deepEqual(every("+2h"), { kind: "every", seconds: 7200 });
        assert.deepEqual(every("-1m"), { kind: "every", seconds: -60 });
        assert.deepEqual(every("0"), { kind: "every", seconds: 0 });
        assert.deepEqual(every("-0"), { kind: "every", seconds: 0 });
        assert.deepEqual(every("1500ms"), { kind: "every", seconds: 1.5 });
        const tiny = (d: string) => (every(d) as { seconds: number }).seconds;
        assert.ok(Math.abs(tiny("250us") - 250e-6) < 1e-12);
        assert.ok(Math.abs(tiny("250µs") - 250e-6) < 1e-12);
        assert.ok(Math.abs(tiny("250μs") - 250e-6) < 1e-12);
        assert.ok(Math.abs(tiny("7ns") - 7e-9) < 1e-15);
        // Counted in int64 nanoseconds as Go does: up to 2^63-1 ns, 2^63 ns only when negative.
        assert.deepEqual(every("9223372036854775807ns"), { kind: "every", seconds: 2 ** 63 / 1e9 });
        assert.deepEqual(every("-9223372036854775808ns"), { kind: "every", seconds: -(2 ** 63) / 1e9 });
        assert.deepEqual(every("2562047h"), { kind: "every", seconds: 2562047 * 3600 });
        assert.equal(
            error("@every 9223372036854775808ns"),
            'failed to parse duration @every 9223372036854775808ns: time: invalid duration "9223372036854775808ns"',
        );
        assert.equal(
            error("@every 2562048h"),
            'failed to parse duration @every 2562048h: time: invalid duration "2562048h"',
        );
        assert.equal(
            error("@every 2562047.8h"),
            'failed to parse duration @every 2562047.8h: time: invalid duration "2562047.8h"',
        );
        assert.equal(
            error("@every 2562047h1h"),
            'failed to parse duration @every 2562047h1h: time: invalid duration "2562047h1h"',
        );
        // -2^63 ns exactly, reached through the fraction, is a duration; the sum of two terms past it is not.
        assert.deepEqual(every("-9223372036.854775808s"), { kind: "every", seconds: -(2 ** 63) / 1e9 });
        assert.equal(
            error("@every -2562047h2562047h"),
            'failed to parse duration @every -2562047h2562047h: time: invalid duration "-2562047h2562047h"',
        );
        // A fraction counts only the digits that fit in 64 bits.
        assert.deepEqual(every("1.0000000000000000000000001h"), { kind: "every", seconds: 3600 });
        assert.deepEqual(every("0.5000000000000000000000009s"), { kind: "every", seconds: 0.5 });
        // Go's time.quote: every byte of a non-ASCII character as \xNN, `"` and `\` escaped.
        assert.equal(
            error("@every 5µ"),
            'failed to parse duration @every 5µ: time: unknown unit "\\xc2\\xb5" in duration "5\\xc2\\xb5"',
        );
        assert.equal(
            error('@every 1"x'),
            'failed to parse duration @every 1"x: time: unknown unit "\\"x" in duration "1\\"x"',
        );
        assert.equal(
            error("@every 1\\x"),
            'failed to parse duration @every 1\\x: time: unknown unit "\\\\x" in duration "1\\\\x"',
        );
        // Control characters and U+0080 are escaped byte by byte; a space is ASCII.
        assert.equal(
            error("@every 1\u0001"),
            'failed to parse duration @every 1\u0001: time: unknown unit "\\x01" in duration "1\\x01"',
        );
        assert.equal(
            error("@every 1\u0080"),
            'failed to parse duration @every 1\u0080: time: unknown unit "\\xc2\\x80" in duration "1\\xc2\\x80"',
        );
        assert.equal(
            error("@every 1 x"),
            'failed to parse duration @every 1 x: time: unknown unit " x" in duration "1 x"',
        );
        for (const unit of ["constructor", "toString", "__proto__"]) {
            assert.equal(
                error(`@every 1${unit}`),
                `failed to parse duration @every 1${unit}: time: unknown unit "${unit}" in duration "1${unit}"`,
            );
        }
        assert.equal(error("@every 10"), 'failed to parse duration @every 10: time: missing unit in duration "10"');
        assert.equal(error("@every 1d"), 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"');
        assert.equal(error("@every "), 'failed to parse duration @every : time: invalid duration ""');
        assert.equal(error("@every -"), 'failed to parse duration @every -: time: invalid duration "-"');
        assert.equal(error("@every h"), 'failed to parse duration @every h: time: invalid duration "h"');
        assert.equal(error("@every .h"), 'failed to parse duration @every .h: time: invalid duration ".h"');
        assert.equal(error("@every 1h."), 'failed to parse duration @every 1h.: time: invalid duration "1h."');
    });
});

describe("cron schedules: once a week", () => {
    const once = (s: string) => firesOnceAWeek(parsed(s));

    it("takes one minute, one hour, any day of the month, every month and one weekday", () => {
        assert.equal(once("0 5 * * 1"), true);
        assert.equal(once("0 5 ? * fri"), true);
        assert.equal(once("0 5 */1 * 1"), true);
        assert.equal(once("@weekly"), true);
    });

    it("refuses every schedule that fires more often, or on a day of the month", () => {
        for (const s of [
            "* 5 * * 1",
            "0,30 5 * * 1",
            "0 * * * 1",
            "0 5,6 * * 1",
            "0 5 1-31 * 1",
            "0 5 1 * 1",
            "0 5 * 1 1",
            "0 5 * 1-11 1",
            "0 5 * * *",
            "0 5 * * 1-2",
            "@daily",
            "@monthly",
            "@yearly",
            "@hourly",
            "@every 168h",
        ]) {
            assert.equal(once(s), false, s);
        }
    });
});

describe("cron schedules: next firing", () => {
    const at = (spec: string, from: string) => nextFiring(parsed(spec), new Date(from))?.toISOString();

    it("rounds up to the whole minute and fires at it when it matches", () => {
        assert.equal(at("0 5 * * 1", "2026-12-07T05:00:00Z"), "2026-12-07T05:00:00.000Z");
        assert.equal(at("0 5 * * 1", "2026-12-07T04:59:00.001Z"), "2026-12-07T05:00:00.000Z");
        assert.equal(at("0 5 * * 1", "2026-12-07T05:00:00.001Z"), "2026-12-14T05:00:00.000Z");
        assert.equal(at("* * * * *", "2026-12-01T02:50:30Z"), "2026-12-01T02:51:00.000Z");
    });

    it("matches month, hour and minute all at once", () => {
        assert.equal(at("30 2 1 3 *", "2026-12-01T00:00:00Z"), "2027-03-01T02:30:00.000Z");
        assert.equal(at("15 * * * *", "2026-12-01T02:50:00Z"), "2026-12-01T03:15:00.000Z");
        assert.equal(at("0 23 * * *", "2026-12-01T02:50:00Z"), "2026-12-01T23:00:00.000Z");
        assert.equal(at("0 0 * 2 *", "2026-12-01T00:01:00Z"), "2027-02-01T00:00:00.000Z");
    });

    it("needs both day fields when either is any, and either one when both are set", () => {
        // 2026-12-01 is a Tuesday; 2026-12-04 a Friday.
        assert.equal(at("0 0 * * 5", "2026-12-01T00:00:00Z"), "2026-12-04T00:00:00.000Z");
        assert.equal(at("0 0 13 * *", "2026-12-01T00:00:00Z"), "2026-12-13T00:00:00.000Z");
        assert.equal(at("0 0 13 * 5", "2026-12-01T00:00:00Z"), "2026-12-04T00:00:00.000Z");
        assert.equal(at("0 0 2 * 5", "2026-12-01T00:00:00Z"), "2026-12-02T00:00:00.000Z");
        assert.equal(at("0 0 ? * 5", "2026-12-01T00:00:00Z"), "2026-12-04T00:00:00.000Z");
        assert.equal(at("0 0 */1 * 5", "2026-12-01T00:00:00Z"), "2026-12-04T00:00:00.000Z");
        assert.equal(at("0 0 13 * */1", "2026-12-01T00:00:00Z"), "2026-12-13T00:00:00.000Z");
        // A day-of-month step of 10 is no star, so either field may match: Thursday the 3rd comes before Friday.
        assert.equal(at("0 0 3/10 * 5", "2026-12-01T00:00:00Z"), "2026-12-03T00:00:00.000Z");
    });

    it("expands descriptors to their five fields", () => {
        const from = "2026-12-01T02:50:00Z";
        assert.equal(at("@weekly", from), "2026-12-06T00:00:00.000Z");
        assert.equal(at("@daily", from), "2026-12-02T00:00:00.000Z");
        assert.equal(at("@midnight", from), "2026-12-02T00:00:00.000Z");
        assert.equal(at("@hourly", from), "2026-12-01T03:00:00.000Z");
        assert.equal(at("@monthly", from), "2027-01-01T00:00:00.000Z");
        assert.equal(at("@yearly", from), "2027-01-01T00:00:00.000Z");
        assert.equal(at("@annually", "2027-01-01T00:00:01Z"), "2028-01-01T00:00:00.000Z");
    });

    it("says nothing for `@every` or a schedule that does not fire within a year", () => {
        assert.equal(at("@every 1h", "2026-12-01T00:00:00Z"), undefined);
        assert.equal(at("0 0 30 2 *", "2026-12-01T00:00:00Z"), undefined);
        // The search covers 366 days from the first whole minute, its last minute included: from 2027-02-28T00:01
        // that is 2028-02-29T00:00 (a leap day), and a minute later is past it.
        assert.equal(at("0 0 29 2 *", "2027-02-28T00:00:30Z"), "2028-02-29T00:00:00.000Z");
        assert.equal(at("1 0 29 2 *", "2027-02-28T00:00:30Z"), undefined);
    });
});
