/**
 * Kubernetes CronJob schedules, accepted exactly as the API server accepts them on create.
 *
 * kubernetes/kubernetes pkg/apis/batch/validation/validation.go, validateScheduleFormat: `cron.ParseStandard`
 * of github.com/robfig/cron/v3 (v3.0.1, pinned in Kubernetes' go.mod), and on create any `TZ` in the schedule is
 * refused ("cannot use TZ or CRON_TZ in schedule, use timeZone field instead"). This is a port of v3.0.1's
 * parser.go (Parser.Parse with Minute|Hour|Dom|Month|Dow|Descriptor, getField, getRange, parseIntOrName,
 * mustParseInt, parseDescriptor) with its error messages; test/config/cron.test.ts runs the real parser
 * (test/tools/go/cron-parse-standard) over the same inputs so the two cannot drift.
 *
 * So every schedule Kubernetes takes is taken: `@daily`, `@weekly`, `@every 6h`, ranges, steps, lists, `?`, and
 * month and weekday names; and every one it refuses is refused here with its message, before any resource exists.
 */

interface Bounds {
    min: number;
    max: number;
    names?: Record<string, number>;
}

const minutes: Bounds = { min: 0, max: 59 };
const hours: Bounds = { min: 0, max: 23 };
const dom: Bounds = { min: 1, max: 31 };
const months: Bounds = {
    min: 1,
    max: 12,
    names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const dow: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };
const fieldBounds = [minutes, hours, dom, months, dow];

/** What a parsed field fires on: the set of values, or `star` when the field was `*`/`?` with no step. */
export interface CronField {
    values: number[];
    star: boolean;
}

export type CronSchedule =
    | { kind: "fields"; fields: CronField[] }
    | { kind: "descriptor"; descriptor: string }
    | { kind: "every"; seconds: number };

class CronError extends Error {}

/** Go's strconv.Atoi: an optional sign and decimal digits, within int64. */
function atoi(expr: string): number {
    if (!/^[+-]?\d+$/.test(expr)) throw new CronError(`strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
    const n = Number(expr);
    if (!Number.isSafeInteger(n)) {
        throw new CronError(`strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`);
    }
    return n;
}

function mustParseInt(expr: string): number {
    let num: number;
    try {
        num = atoi(expr);
    } catch (err) {
        throw new CronError(`failed to parse int from ${expr}: ${(err as Error).message}`);
    }
    if (num < 0) throw new CronError(`negative number (${num}) not allowed: ${expr}`);
    return num;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
    // Own keys only: `constructor` or `__proto__` is no month or weekday name.
    const lower = expr.toLowerCase();
    return names !== undefined && Object.hasOwn(names, lower) ? names[lower] : mustParseInt(expr);
}

function getRange(expr: string, r: Bounds): CronField {
    const rangeAndStep = expr.split("/");
    const lowAndHigh = rangeAndStep[0].split("-");
    const singleDigit = lowAndHigh.length === 1;
    let start: number;
    let end: number;
    let star = false;
    if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
        [start, end, star] = [r.min, r.max, true];
    } else {
        start = parseIntOrName(lowAndHigh[0], r.names);
        if (lowAndHigh.length === 1) end = start;
        else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names);
        else throw new CronError(`too many hyphens: ${expr}`);
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
        step = mustParseInt(rangeAndStep[1]);
        // "N/step" means "N-max/step".
        if (singleDigit) end = r.max;
        if (step > 1) star = false;
    } else if (rangeAndStep.length > 2) {
        throw new CronError(`too many slashes: ${expr}`);
    }
    if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
    if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
    if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
    if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
    const values: number[] = [];
    for (let i = start; i <= end; i += step) values.push(i);
    return { values, star };
}

/** A comma-separated list of ranges; Go's strings.FieldsFunc drops empty items, so `1,,2` is `1,2`. */
function getField(field: string, r: Bounds): CronField {
    const parts = field.split(",").filter((p) => p !== "");
    const values = new Set<number>();
    let star = false;
    for (const p of parts) {
        const one = getRange(p, r);
        one.values.forEach((v) => values.add(v));
        star = star || one.star;
    }
    return { values: [...values].sort((a, b) => a - b), star };
}

/**
 * Go's time.quote (time/format.go), which its duration errors use: ASCII as is (`"` and `\\` escaped), every byte of
 * any other character as `\\xNN`.
 */
function goQuote(s: string): string {
    let out = "";
    for (const ch of s) {
        const cp = ch.codePointAt(0)!;
        if (cp >= 0x80 || cp < 0x20) {
            for (const b of Buffer.from(ch, "utf8")) out += `\\x${b.toString(16).padStart(2, "0")}`;
        } else {
            out += ch === '"' || ch === "\\" ? `\\${ch}` : ch;
        }
    }
    return `"${out}"`;
}

/** Nanoseconds per unit (time/format.go unitMap). */
const durationUnits: Record<string, bigint> = {
    ns: 1n,
    us: 1_000n,
    µs: 1_000n,
    μs: 1_000n,
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
};

const two63 = 1n << 63n;

/**
 * Go's time.ParseDuration (time/format.go), for `@every <duration>`: seconds, or an error with Go's message. Counted
 * in nanoseconds as Go does, so a duration past int64 nanoseconds (about 292 years) is refused as Go refuses it.
 */
function parseDuration(s: string): number {
    const orig = s;
    const invalid = () => new CronError(`time: invalid duration ${goQuote(orig)}`);
    let neg = false;
    if (s !== "" && (s[0] === "-" || s[0] === "+")) {
        neg = s[0] === "-";
        s = s.slice(1);
    }
    if (s === "0") return 0;
    if (s === "") throw invalid();
    let d = 0n;
    while (s !== "") {
        const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
        if (m[0] === "" || m[0] === ".") throw invalid();
        s = s.slice(m[0].length);
        const unitName = /^[^.0-9]*/.exec(s)![0];
        if (unitName === "") throw new CronError(`time: missing unit in duration ${goQuote(orig)}`);
        // Own keys only: `toString` or `constructor` is no unit.
        const unit = Object.hasOwn(durationUnits, unitName) ? durationUnits[unitName] : undefined;
        if (unit === undefined) {
            throw new CronError(`time: unknown unit ${goQuote(unitName)} in duration ${goQuote(orig)}`);
        }
        s = s.slice(unitName.length);
        // leadingInt refuses more than 2^63; the product must not pass it either.
        let v = BigInt(m[1] || "0");
        if (v > two63 / unit) throw invalid();
        v *= unit;
        // leadingFraction: the digits after the point while they fit, then float64(f) * (float64(unit) / scale).
        let f = 0n;
        let scale = 1;
        for (const digit of m[2] ?? "") {
            const y = f * 10n + BigInt(digit);
            if (f > (two63 - 1n) / 10n || y > two63) break;
            [f, scale] = [y, scale * 10];
        }
        if (f > 0n) {
            v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
            if (v > two63) throw invalid();
        }
        d += v;
        if (d > two63) throw invalid();
    }
    if (!neg && d > two63 - 1n) throw invalid();
    return (neg ? -Number(d) : Number(d)) / 1e9;
}

/** robfig/cron/v3 ParseStandard; throws a CronError with the parser's message. */
function parseStandard(spec: string): CronSchedule {
    if (spec.length === 0) throw new CronError("empty spec string");
    if (spec.startsWith("@")) {
        if (["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"].includes(spec)) {
            return { kind: "descriptor", descriptor: spec };
        }
        if (spec.startsWith("@every ")) {
            try {
                return { kind: "every", seconds: parseDuration(spec.slice("@every ".length)) };
            } catch (err) {
                throw new CronError(`failed to parse duration ${spec}: ${(err as Error).message}`);
            }
        }
        throw new CronError(`unrecognized descriptor: ${spec}`);
    }
    const fields = spec.split(/\s+/u).filter((f) => f !== "");
    if (fields.length !== 5) {
        throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
    }
    return { kind: "fields", fields: fields.map((f, i) => getField(f, fieldBounds[i])) };
}

/**
 * Parses a CronJob schedule as the Kubernetes API server validates it on create. Returns the schedule, or the
 * message the API server would give.
 */
export function parseCronJobSchedule(schedule: string): { schedule: CronSchedule } | { error: string } {
    if (schedule.includes("TZ")) {
        return { error: "cannot use TZ or CRON_TZ in schedule, use timeZone field instead" };
    }
    try {
        return { schedule: parseStandard(schedule) };
    } catch (err) {
        if (err instanceof CronError) return { error: err.message };
        throw err;
    }
}

/**
 * Whether a schedule fires at most once a week, on one weekday: `@weekly`, or one minute, one hour, any day of the
 * month, any month and a single weekday. The release CronJob counts weeks (`releaseEveryWeeks`), so a schedule that
 * fires more often would promote on every firing of a due week.
 */
export function firesOnceAWeek(s: CronSchedule): boolean {
    if (s.kind === "descriptor") return s.descriptor === "@weekly";
    if (s.kind === "every") return false;
    const [minute, hour, day, month, weekday] = s.fields;
    return (
        minute.values.length === 1 &&
        hour.values.length === 1 &&
        day.star &&
        day.values.length === 31 &&
        month.values.length === 12 &&
        weekday.values.length === 1
    );
}

/** The five fields a descriptor stands for (robfig/cron/v3 parser.go parseDescriptor). */
const descriptorSpecs: Record<string, string> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

/**
 * The first time at or after `from` (UTC, whole minutes) that a CronJob on `s` fires, within a year; undefined for
 * `@every` (its firings count from when the controller first saw the CronJob, which a schedule alone does not say).
 * Day of month and day of week combine as robfig/cron/v3 spec.go dayMatches does: both must match when either field
 * is `*`, else either may.
 */
export function nextFiring(s: CronSchedule, from: Date): Date | undefined {
    if (s.kind === "every") return undefined;
    const fields =
        s.kind === "descriptor"
            ? (parseStandard(descriptorSpecs[s.descriptor]) as { fields: CronField[] }).fields
            : s.fields;
    const [minute, hour, day, month, weekday] = fields.map((f) => ({ ...f, set: new Set(f.values) }));
    const t = new Date(Math.ceil(from.getTime() / 60_000) * 60_000);
    for (let i = 0; i < 366 * 24 * 60; i++, t.setTime(t.getTime() + 60_000)) {
        if (
            !month.set.has(t.getUTCMonth() + 1) ||
            !hour.set.has(t.getUTCHours()) ||
            !minute.set.has(t.getUTCMinutes())
        ) {
            continue;
        }
        const dom = day.set.has(t.getUTCDate());
        const dow = weekday.set.has(t.getUTCDay());
        if (day.star || weekday.star ? dom && dow : dom || dow) return new Date(t);
    }
    return undefined;
}
