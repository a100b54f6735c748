/** One mailbox the server creates for every user, with its RFC 6154 attribute if it advertises one. */
export interface VariantMailbox {
  readonly name: string;
  readonly specialUse?: '\\Sent' | '\\Drafts' | '\\Junk' | '\\Trash' | '\\Archive' | '\\All' | '\\Flagged';
}

/**
 * How a Dovecot instance differs from a stock one: the capabilities it advertises after login, its
 * namespace, the folders every user gets, and its process time zone.
 */
export interface DovecotVariant {
  readonly name: string;
  /** Post-login CAPABILITY (Dovecot's `imap_capability`); undefined keeps Dovecot's full list. */
  readonly capability?: string;
  /** Hierarchy separator. Default `/`. */
  readonly separator?: '/' | '.';
  /** Personal namespace prefix, e.g. `INBOX.` (Courier/Cyrus style). Default none. */
  readonly prefix?: string;
  readonly mailboxes: readonly VariantMailbox[];
  /** The server process's `TZ`, which decides how Dovecot reads SINCE/BEFORE dates. Default UTC. */
  readonly timeZone?: string;
  /** Whether STARTTLS and the implicit-TLS port exist. Default true. */
  readonly tls?: boolean;
  /** dovecot.conf lines appended last (later settings of a section override earlier ones). */
  readonly extraConfig?: string;
}

const standardMailboxes: readonly VariantMailbox[] = [
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Archive', specialUse: '\\Archive' },
];

/** Stock Dovecot 2.3: SPECIAL-USE, ESEARCH, WITHIN, SORT, CONDSTORE, LIST-STATUS... */
export const standardVariant: DovecotVariant = { name: 'standard', mailboxes: standardMailboxes };

/**
 * Stock Dovecot that does not advertise IMAP4rev1 (as a server speaking only IMAP4rev2, which removed
 * LSUB, would not): a count cannot ask for the subscriptions before it lists, so `mailboxListing: 'auto'`
 * weighs a side connection instead. Dovecot itself still answers whatever it is sent.
 */
export const withoutImap4rev1Variant: DovecotVariant = {
  name: 'without-imap4rev1',
  mailboxes: standardMailboxes,
  capability:
    'SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS ' +
    'THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS ' +
    'LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS ' +
    'BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE',
};

/**
 * Stock Dovecot without RFC 5032 WITHIN advertised (as on servers that sort but do not search by
 * age): `transfer: 'fewest-bytes'` then counts by arrival order.
 */
export const withoutWithinVariant: DovecotVariant = {
  name: 'without-within',
  capability:
    'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS ' +
    'THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS ' +
    'LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES CONTEXT=SEARCH LIST-STATUS ' +
    'BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE',
  mailboxes: standardMailboxes,
};

/** A plain RFC 3501 server: no SPECIAL-USE, ESEARCH, WITHIN, SORT or CONDSTORE advertised. */
export const reducedCapabilityVariant: DovecotVariant = {
  name: 'reduced',
  capability: 'IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN',
  mailboxes: standardMailboxes.map(({ name }) => ({ name })),
};

/**
 * Mimics ProtonMail Bridge (Gluon): its capability list, its folder layout with the "All Mail" and
 * "Starred" views and labels as folders, LIST attributes without the SPECIAL-USE capability.
 */
export const bridgeVariant: DovecotVariant = {
  name: 'bridge',
  capability: 'IMAP4rev1 IDLE UNSELECT UIDPLUS MOVE ID',
  mailboxes: [
    { name: 'Sent', specialUse: '\\Sent' },
    { name: 'Drafts', specialUse: '\\Drafts' },
    { name: 'Spam', specialUse: '\\Junk' },
    { name: 'Trash', specialUse: '\\Trash' },
    { name: 'Archive', specialUse: '\\Archive' },
    { name: 'All Mail', specialUse: '\\All' },
    { name: 'Starred', specialUse: '\\Flagged' },
    { name: 'Folders' },
    { name: 'Labels' },
  ],
};

/** German folder names, no SPECIAL-USE: roles come from names alone. */
export const localizedVariant: DovecotVariant = {
  name: 'localized',
  capability: 'IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN ESEARCH',
  mailboxes: [
    { name: 'Gesendet' },
    { name: 'Entwürfe' },
    { name: 'Spam' },
    { name: 'Papierkorb' },
    { name: 'Archiv' },
  ],
};

/** Courier/Cyrus-style namespace: everything under `INBOX.`, `.` as separator, Outlook-style names. */
export const dottedNamespaceVariant: DovecotVariant = {
  name: 'dotted',
  capability: 'IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN',
  separator: '.',
  prefix: 'INBOX.',
  mailboxes: [{ name: 'Sent Items' }, { name: 'Drafts' }, { name: 'Junk E-mail' }, { name: 'Deleted Items' }],
};

/**
 * Stock Dovecot offering COMPRESS=DEFLATE (RFC 4978, the `imap_zlib` plugin), as many providers do:
 * imapflow negotiates it for counts, so the counting channel reads inflated bytes.
 */
export const compressingVariant: DovecotVariant = {
  name: 'compressing',
  mailboxes: standardMailboxes,
  extraConfig: 'protocol imap {\n  mail_plugins = $mail_plugins imap_zlib\n}\n',
};
