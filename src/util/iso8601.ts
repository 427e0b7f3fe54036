/**
 * ISO 8601 dates and times as Python's iso8601.parse_date reads them
 * (oslo_utils.timeutils.parse_isotime, hence Nova's `date-time` format and
 * its changes-since/changes-before): YYYY, YYYY-MM, YYYYMMDD or YYYY-MM-DD,
 * optionally followed by 'T' or ' ' and hh[:mm[:ss[.fraction]]] and a zone
 * (Z, ±hh, ±hhmm, ±hh:mm); no zone means UTC. Anything else, or a date that
 * does not exist, is not one.
 */
const ISO8601 =
  /^(?<year>[0-9]{4})((-(?<monthdash>[0-9]{1,2})|(?<month>[0-9]{2})(?!$))((-(?<daydash>[0-9]{1,2})|(?<day>[0-9]{2}))((?<separator>[ T])(?<hour>[0-9]{2})(:{0,1}(?<minute>[0-9]{2})){0,1}(:{0,1}(?<second>[0-9]{1,2})([.,](?<fraction>[0-9]+)){0,1}){0,1}(?<timezone>Z|((?<tzsign>[-+])(?<tzhour>[0-9]{2}):{0,1}(?<tzminute>[0-9]{2}){0,1})){0,1}){0,1}){0,1}){0,1}$/;

/** The instant a text names, or null when Python's iso8601 would refuse it. */
export function parseIso8601(text: string): Date | null {
  const g = ISO8601.exec(text)?.groups;
  if (!g) return null;
  const num = (v: string | undefined, dflt: number) => (v === undefined ? dflt : Number(v));
  const year = num(g.year, 1);
  const month = num(g.monthdash ?? g.month, 1);
  const day = num(g.daydash ?? g.day, 1);
  const hour = num(g.hour, 0);
  const minute = num(g.minute, 0);
  const second = num(g.second, 0);
  // Python's datetime keeps microseconds: the fraction is cut to 6 digits.
  const micros = g.fraction === undefined ? 0 : Number(g.fraction.slice(0, 6).padEnd(6, '0'));
  const daysIn = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn || hour > 23 || minute > 59 || second > 59) return null;
  let offset = 0;
  if (g.timezone && g.timezone !== 'Z') {
    const h = num(g.tzhour, 0);
    const m = num(g.tzminute, 0);
    if (h > 23 || m > 59) return null;
    offset = (g.tzsign === '-' ? -1 : 1) * (h * 60 + m);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000;
  const d = new Date(ms + Math.floor(micros / 1000));
  // Keep the microseconds Date cannot hold for callers that need them.
  return Object.assign(d, { micros: micros % 1000 });
}

/** An instant as the database stores times: naive UTC 'YYYY-MM-DD HH:MM:SS.ffffff'. */
export function iso8601ToDb(text: string): string | null {
  const d = parseIso8601(text);
  if (!d) return null;
  const micros = 'micros' in d && typeof d.micros === 'number' ? d.micros : 0;
  const base = d.toISOString();
  return `${base.slice(0, 10)} ${base.slice(11, 23)}${String(micros).padStart(3, '0')}`;
}
