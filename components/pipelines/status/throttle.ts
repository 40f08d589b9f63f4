/**
 * Pushes waiting for a nightly, on the status page. The push records (ConfigMaps in the release namespace) and the
 * nightly PipelineRuns are cluster objects, not records in artifact storage, so the status render's starter
 * (components/tekton/scripts/start-status-render.sh) reads them when it fires and hands the renderer this snapshot
 * (`--throttle`, the `throttle` param of the okd-render-status run); the site carries it on as `throttle.json`, which
 * every later render of the bucket reads when it is given none, so a nightly's or a release's render keeps showing
 * the last one seen, with the time it was seen.
 *
 * From the snapshot and the stream's throttle settings, the page says what dispatch-nightly.sh will decide: which
 * pushes wait, and the scheduled nightly when it is due (it waits like a push), and when the next nightly may start (the first firing of the dispatcher's schedule once
 * `minIntervalMinutes` have passed since the stream's last nightly started), or that it waits for an unfinished one.
 */
import * as z from "zod/mini";

import { nextFiring, parseCronJobSchedule } from "../../shared/cron";

const time = z.iso.datetime();

/** What the starter saw: `observed` when, `dispatchSchedule` the dispatchers' cron, per stream its pushes and runs. */
export const throttleStateSchema = z.object({
    observed: time,
    dispatchSchedule: z.string(),
    streams: z.array(
        z.object({
            stream: z.string().check(z.regex(/^\d+\.\d+$/)),
            /** The push records the dispatcher will build (not those it will discard), oldest first. */
            pending: z.array(z.object({ repository: z.string(), revision: z.string(), since: time })),
            /** The stream's nightly PipelineRuns without a completionTime. */
            unfinished: z.number().check(z.int(), z.minimum(0)),
            /** When the stream's newest nightly (any trigger) was created; null without any. */
            lastStarted: z.nullable(time),
            /**
             * Since when the stream's scheduled nightly is due (its CronJob last fired after the newest branch-head
             * nightly was created, dispatch-nightly.sh's rule); null when it is not. Absent in snapshots taken before
             * the starter read it: not due.
             */
            scheduled: z.optional(z.nullable(time)),
        }),
    ),
});
export type ThrottleState = z.infer<typeof throttleStateSchema>;

/** The stream's pushes as the page shows them (schema.ts `pushesSchema`). */
export interface Pushes {
    observed: string;
    pending: { repository: string; revision: string; since: string }[];
    unfinished: number;
    lastStarted: string | null;
    /** Since when the scheduled nightly waits for the dispatcher; null when it is not due. */
    scheduled: string | null;
    /** When the dispatcher may next start a nightly for them; null when nothing waits or it waits for a run to end. */
    nextDispatch: string | null;
    /** What the dispatcher does next, in a sentence. */
    next: string;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** The pushes of one stream, by dispatch-nightly.sh's rules, as of the snapshot. */
export function pushesOf(
    state: ThrottleState,
    stream: string,
    settings: { minIntervalMinutes?: unknown; maxUnfinished?: unknown } | undefined,
): Pushes | undefined {
    const s = state.streams.find((x) => x.stream === stream);
    if (!s) return undefined;
    const scheduled = s.scheduled ?? null;
    const base = {
        observed: state.observed,
        pending: s.pending,
        unfinished: s.unfinished,
        lastStarted: s.lastStarted,
        scheduled,
    };
    const interval = typeof settings?.minIntervalMinutes === "number" ? settings.minIntervalMinutes : undefined;
    const max = typeof settings?.maxUnfinished === "number" ? settings.maxUnfinished : undefined;
    const n = s.pending.length;
    // What waits, as dispatch-nightly.sh counts it: the scheduled nightly (it builds every branch head) and the pushes.
    const parts = [
        ...(scheduled ? [`the scheduled nightly (due since ${scheduled})`] : []),
        ...(n > 0 ? [`${n} push${n === 1 ? "" : "es"}`] : []),
    ];
    const what = `${parts.join(" and ")} wait${parts.length === 1 && (scheduled || n === 1) ? "s" : ""}`;
    if (parts.length === 0) return { ...base, nextDispatch: null, next: "no pushes waiting" };
    if (interval === undefined || max === undefined) {
        return { ...base, nextDispatch: null, next: `${what}; the stream's throttle settings are not known here` };
    }
    if (s.unfinished >= max) {
        return {
            ...base,
            nextDispatch: null,
            next: `${what} until a nightly finishes: ${s.unfinished} unfinished, at most ${max}`,
        };
    }
    const observed = new Date(state.observed);
    const earliest = s.lastStarted
        ? new Date(Math.max(observed.getTime(), new Date(s.lastStarted).getTime() + interval * 60_000))
        : observed;
    const parsed = parseCronJobSchedule(state.dispatchSchedule);
    const at = "schedule" in parsed ? nextFiring(parsed.schedule, earliest) : undefined;
    if (!at) {
        return {
            ...base,
            nextDispatch: null,
            next: `${what}; the next nightly may start from ${iso(earliest)} (dispatcher schedule ${state.dispatchSchedule})`,
        };
    }
    return { ...base, nextDispatch: iso(at), next: `${what}; next dispatch at ${iso(at)}` };
}
