/**
 * Times as a person reads them at a terminal: "2 Nov 2026 02:23 UTC". Every
 * text output of the CLI that shows a time for a person (the demo summary,
 * `explain`, `reviews`, `decide`) goes through {@link readableTime}; `--json`
 * output keeps the exact ISO 8601 string.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An ISO 8601 date and time with its offset (what the contract's timestamps
 * are). Anything else is not reformatted: a time without an offset would be
 * read in the machine's own time zone.
 */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export interface TimeTextOptions {
  /** Leave the year out when it is this one (a summary of one day); by default the year is shown. */
  readonly year?: number | undefined;
  /**
   * Show the seconds of a time that is not on a whole minute ("02:23:41"),
   * where the order of two facts a few seconds apart is the point (evidence);
   * by default minutes only (a summary). A fraction of a second is not shown.
   */
  readonly seconds?: boolean | undefined;
}

/**
 * "2 Nov 2026 02:23 UTC" (in UTC, whatever offset the input had). Input that
 * is not an ISO 8601 date and time with an offset, or does not parse, is
 * returned as it came.
 */
export function readableTime(iso: string, options: TimeTextOptions = {}): string {
  const ms = ISO_DATE_TIME.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const onTheMinute = d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0;
  const clock = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}${options.seconds && !onTheMinute ? `:${two(d.getUTCSeconds())}` : ''}`;
  const y = d.getUTCFullYear() === options.year ? '' : ` ${d.getUTCFullYear()}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${y} ${clock} UTC`;
}

/** A time in the review tools' text (`explain`, `reviews`, `decide`): with the year, and the seconds when it has any. */
export const evidenceTime = (iso: string): string => readableTime(iso, { seconds: true });
