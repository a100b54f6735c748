const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};
// RFC 3501 date-time: "dd-Mon-yyyy hh:mm:ss +hhmm", the day possibly space-padded.
const IMAP_DATE_TIME = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/**
 * The instant of an INTERNALDATE as imapflow hands it over: a `Date` it parsed, or the raw string
 * when it could not. The raw form is parsed here by the RFC 3501 grammar rather than by `Date.parse`,
 * whose handling of this non-ISO format is engine-specific and lenient: V8 reads `31-Feb-2026` as
 * 3 March and a zone of `+9999` as a shift of four days. Every field is range-checked instead, so a
 * malformed date is reported (`undefined`), never moved to another instant.
 *
 * @param value - imapflow's `internalDate`, or the raw quoted string of a FETCH row.
 * @returns Epoch milliseconds, or `undefined` when it is missing or malformed.
 *
 * @example
 * ```ts
 * internalDateMsOf('01-Feb-2026 10:00:00 +0100'); // Date.UTC(2026, 1, 1, 9)
 * internalDateMsOf('31-Feb-2026 10:00:00 +0000'); // undefined
 * ```
 */
export function internalDateMsOf(value: Date | string | undefined): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value !== 'string') return undefined;
  const match = IMAP_DATE_TIME.exec(value);
  if (!match) return undefined;
  const [, day, month, year, hour, minute, second, sign, offsetHours, offsetMinutes] = match.map(
    (part, index) => (index === 0 || index === 2 || index === 7 ? part : Number(part)),
  ) as [string, number, string, number, number, number, number, string, number, number];
  const monthIndex = MONTHS[month.toLowerCase()];
  if (monthIndex === undefined) return undefined;
  // RFC 3501 §9 date-time: a real calendar day, a 24-hour clock (second 60 for a leap second), and a
  // zone of at most ±23:59.
  if (hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const localMs = Date.UTC(year, monthIndex, day, hour, minute, second);
  if (day < 1 || new Date(Date.UTC(year, monthIndex, day)).getUTCMonth() !== monthIndex) return undefined;
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (sign === '-' ? -1 : 1);
  return localMs - offsetMs;
}

/**
 * Extracts the Message-ID from a fetched `BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]` block.
 *
 * @param headers - The raw header block.
 * @returns The id without angle brackets' surrounding whitespace, or `undefined` when absent.
 */
export function messageIdOf(headers: Buffer | undefined): string | undefined {
  if (headers === undefined) return undefined;
  // Unfold continuation lines (RFC 5322 §2.2.3) before matching.
  const text = headers.toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
  const value = /^message-id:\s*(.+)$/im.exec(text)?.[1]?.trim();
  return value === undefined || value.length === 0 ? undefined : value;
}
