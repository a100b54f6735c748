/** The `--help` texts: what each command does, its flags, examples, and the exit statuses. */
import { exitCodes } from './exit-codes.js';

const BIN = 'npx @perfcopilot/imap-connector';

const exitTable = [
  `  ${exitCodes.ok}    ok: authenticated / counted`,
  `  ${exitCodes.usage}    usage or settings: a flag, a field, a missing password`,
  `  ${exitCodes.auth}    authentication: wrong or expired password, account refused`,
  `  ${exitCodes.network}    network or TLS: DNS, refused, timeout, certificate, security mode`,
  `  ${exitCodes.server}    server or protocol: not IMAP, busy, unavailable, broke the protocol`,
  `  ${exitCodes.notFound}    discover: no settings this connector can use (or Google/Microsoft mail)`,
  `  ${exitCodes.unknown}    anything else (UNKNOWN)`,
  `  ${exitCodes.interrupted}  cancelled with Ctrl-C`,
].join('\n');

const connectionFlags = `Connection (flags win over the environment):
  --host HOST            IMAP host, e.g. imap.fastmail.com            [IMAP_HOST]
  --port PORT            993 for SSL/TLS, 143 for STARTTLS            [IMAP_PORT]
  -u, --username NAME    login name, usually the full email address   [IMAP_USERNAME]
  --security MODE        tls, starttls or none (inferred from port)   [IMAP_SECURITY]
  --ca-file FILE         extra CA to trust, PEM (ProtonMail Bridge)   [IMAP_CA_FILE]

Password (never on the command line by default):
  IMAP_PASSWORD=…        from the environment
  --password-stdin       read it from a pipe
  (neither)              asked for on the terminal, without echo
  --password PW --allow-argv-password
                         only if you accept it in shell history and ps`;

/** Help for the whole CLI. */
export const mainHelp = `Test IMAP settings and count sent/received email, as the PerfCopilot drawer does.

Usage: ${BIN} <command> [options]

Commands:
  discover <email>   find the IMAP settings for an address (presets, autoconfig, DNS)
  test               log in with the settings: "✅ Authenticated as …" or the error and its fix
  count              count sent and received email, per day, week or month, with a chart

Options:
  -h, --help         help for a command: ${BIN} count --help
  -v, --version      the version

Examples:
  ${BIN} discover you@fastmail.com
  IMAP_PASSWORD=app-password ${BIN} test --host imap.fastmail.com -u you@fastmail.com
  ${BIN} count --host imap.fastmail.com -u you@fastmail.com --from 2026-11-01 --to 2026-11-30 --tz Europe/Berlin

Exit status:
${exitTable}
`;

/** Help for `discover`. */
export const discoverHelp = `Find the IMAP settings for an email address. Only public data is read (the provider presets,
the domain's autoconfig file, DNS SRV and MX records); no password is asked for or sent.

Usage: ${BIN} discover <email> [options]

Options:
  --timeout-ms MS        the whole lookup's deadline (default 5000, at most 60000)
  --sources LIST         comma-separated, from: preset, autoconfig, well-known, ispdb, srv, mx
                         (default all; leave out ispdb to keep the domain from Thunderbird's server)
  --dns-server HOST[:PORT]
                         ask this DNS server for SRV and MX records (default: the system's)
  --json                 print the SDK's DiscoveryResult

Examples:
  ${BIN} discover you@fastmail.com
  ${BIN} discover admin@example.org --sources autoconfig,well-known,srv,mx --json | jq .candidates[0]
  ${BIN} discover you@corp.example --dns-server 10.0.0.53

Exit status:
${exitTable}
`;

/** Help for `test`. */
export const testHelp = `Log in with the settings, list the folders, log out: the drawer's Test button.

Usage: ${BIN} test [options]

${connectionFlags}

Output:
  --json                 print the SDK's result object (also on failure)

Examples:
  IMAP_PASSWORD=app-password ${BIN} test --host imap.fastmail.com -u you@fastmail.com
  ${BIN} test --host 127.0.0.1 --port 1143 --security starttls --ca-file bridge.pem -u you@proton.me
  pass show mail/imap | ${BIN} test --host imap.example.org -u you@example.org --password-stdin --json

Exit status:
${exitTable}
`;

/** Help for `count`. */
export const countHelp = `Count the email the account sent and received in [from, to), exactly, by delivery time.

Usage: ${BIN} count [options]

Range (in --tz; periods include both ends, instants exclude the end):
  --from PERIOD|INSTANT  2026-11-01, 2026-W45 or 2026-11, or an instant with an offset
                         (2026-11-01T09:00:00+01:00); default: 29 days before --to
  --to PERIOD|INSTANT    the last period counted, or the first instant not counted; default: today
  --granularity G        day (default), week, month, or none for totals only
  --tz ZONE              IANA zone of the days, e.g. Europe/Berlin; default: this machine's

${connectionFlags}

Output:
  --json                 print the SDK's result object
  --no-progress          no progress bar (there is none anyway unless stderr is a terminal)

Examples:
  ${BIN} count --host imap.fastmail.com -u you@fastmail.com
  ${BIN} count --from 2026-11-01 --to 2026-11-30 --tz Europe/Berlin --granularity week
  ${BIN} count --from 2026-01 --to 2026-12 --granularity month --json > counts.json

Exit status:
${exitTable}
`;
