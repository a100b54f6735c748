/** Where a full count gets its mailbox list: its own connection, or a short-lived second one alongside. */
import type { ImapConnectorConfig } from '../config/config-schema.js';
import type { ConnectionPermit } from '../limits/connection-limiter.js';
import { type ConnectorLogger, logQuietly } from '../logger.js';
import type { ListedMailbox } from '../mailboxes/listed-mailbox.js';
import { ImapSession } from '../session/imap-session.js';

/**
 * Every value of `countSignals`' `mailboxListing` option, for forms and input checks (see
 * {@link MailboxListing}).
 *
 * @example
 * ```ts
 * const mailboxListing = mailboxListings.find((value) => value === request.query.listing) ?? 'auto';
 * ```
 */
export const mailboxListings = ['auto', 'side-connection', 'same-connection'] as const;
/**
 * `side-connection`: a full count lists the mailboxes on a second, short-lived connection opened
 * alongside (one more login per count, a limiter slot only if one is free at once), so the counting
 * connection never sends LIST — on Dovecot with Maildir a LIST makes every later EXAMINE of its session
 * rescan the folder. `same-connection`: it lists them on the connection it counts on, in INBOX's flight
 * (one connection per count, for servers or hosts that must not open a second). `auto` (default): on
 * the counting connection after the subscribed mailboxes' EXAMINEs where the server answers LSUB
 * alongside a batch (IMAP4rev1; an LSUB makes no EXAMINE rescan); elsewhere the
 * side connection waits, unconnected, and is kept only if the round trip measured with the counting
 * connection's login is short (`sideListingPays`) and INBOX's EXAMINE then answers an INBOX large
 * enough for it to pay (`sideListingPaysFor`); otherwise it never connects and the count lists on its
 * own connection.
 */
export type MailboxListing = (typeof mailboxListings)[number];

/** Whether a side connection lists, and INBOX's size when that decided it. */
export interface SideListingDecision {
  readonly kept: boolean;
  /** INBOX's EXISTS, when the decision waited for it. */
  readonly inboxMessages: number | undefined;
  /** Declined because the count opens the subscribed mailboxes before it lists (no rescan to spare). */
  readonly subscriptionsFirst?: boolean;
}

/** What the side connection needs: the count's configuration, logger, signal and deadline. */
export interface SideListingInput {
  readonly config: ImapConnectorConfig;
  readonly logger: ConnectorLogger;
  readonly signal: AbortSignal | undefined;
  readonly overallTimeoutMs: number | undefined;
  /** The count's one resolution of the password. */
  readonly password: () => Promise<string>;
  /** The side connection's slot, taken only if one was free at once; `undefined` without a limiter. */
  readonly permit: ConnectionPermit | undefined;
  /**
   * The counting connection's login: the side logs in only after it succeeded (without `keepsFor` it
   * connects at once and waits).
   */
  readonly loginAfter: Promise<unknown>;
  /**
   * `auto`: whether the side pays for an INBOX of that many messages (`sideListingPaysFor`); the side
   * then connects only once told INBOX's size ({@link SideListing.inboxExamined}) and this says so.
   * Without it (`mailboxListing: 'side-connection'`) the side is kept from the start.
   */
  readonly keepsFor?: ((inboxMessages: number) => boolean) | undefined;
}

/**
 * A second session that logs in, lists the mailboxes exactly as the counting session would
 * (`ImapSession.listMailboxes`: the personal namespace's), and logs out. It never fails the count:
 * any failure makes {@link SideListing.listed} `undefined` (logged at debug), and the count lists on
 * its own connection instead.
 *
 * @example
 * ```ts
 * const opening = ImapSession.open(config, { purpose: 'count', logger, signal, permit, password });
 * const side = SideListing.start({ config, logger, signal, overallTimeoutMs, password, permit: sidePermit, loginAfter: opening });
 * try {
 *   const listed = (await side.listed) ?? (await session.listMailboxes());
 * } finally {
 *   await side.stop();
 * }
 * ```
 */
export class SideListing {
  /**
   * The listed mailboxes as soon as the LIST is answered (the connection logs out afterwards: see
   * {@link SideListing.settled}), or `undefined` once the side connection has failed and closed. Never
   * rejects.
   */
  readonly listed: Promise<ListedMailbox[] | undefined>;
  /**
   * Whether the side connection lists (`kept`), and on what: at once without `keepsFor`, else once
   * {@link SideListing.inboxExamined} has decided. Never rejects. A kept side may still fail afterwards
   * ({@link SideListing.listed} is then `undefined`).
   */
  readonly decided: Promise<SideListingDecision>;
  readonly #stopper = new AbortController();
  readonly #settled: Promise<void>;
  readonly #logger: ConnectorLogger;
  #decide: ((decision: SideListingDecision) => void) | undefined;
  readonly #keepsFor: ((inboxMessages: number) => boolean) | undefined;

  private constructor(input: SideListingInput) {
    this.#logger = input.logger;
    this.#keepsFor = input.keepsFor;
    this.decided =
      input.keepsFor === undefined
        ? Promise.resolve({ kept: true, inboxMessages: undefined })
        : new Promise((resolve) => {
            this.#decide = resolve;
          });
    // Stopped or cancelled before a decision: not kept (the login it waits for must not wait forever).
    this.#stopper.signal.addEventListener(
      'abort',
      () => this.#decideOnce(() => ({ kept: false, inboxMessages: undefined })),
      { once: true },
    );
    const onAbort = () => this.#stopper.abort();
    input.signal?.addEventListener('abort', onAbort, { once: true });
    if (input.signal?.aborted) this.#stopper.abort();
    let deliver: (listed: ListedMailbox[] | undefined) => void = () => undefined;
    this.listed = new Promise((resolve) => {
      deliver = resolve;
    });
    this.#settled = this.#run(input, deliver).finally(() =>
      input.signal?.removeEventListener('abort', onAbort),
    );
  }

  /**
   * Opens the side connection at once.
   *
   * @param input - Configuration, logger, signal, deadline, password and slot.
   * @returns The running listing.
   */
  static start(input: SideListingInput): SideListing {
    return new SideListing(input);
  }

  /**
   * Closes the side connection if it is still open, and resolves once it is closed (its slot freed).
   * Never throws.
   */
  async stop(): Promise<void> {
    this.#stopper.abort();
    await this.#settled;
  }

  /**
   * Tells a side connection started with `keepsFor` how many messages INBOX holds, as soon as its
   * EXAMINE is answered: it connects, logs in and lists only if `keepsFor` says that pays, and
   * otherwise never connects. The first call decides; later ones, and any call on a side without
   * `keepsFor`, change nothing.
   *
   * @param messages - INBOX's EXISTS; `undefined` when it is not known (INBOX not opened, or not
   *   first): then the side is not kept, unless `unknownKeeps`.
   * @param options - `unknownKeeps`: keep the side when the size is not known (nothing was opened
   *   before the list, so a LIST on the counting connection would make every EXAMINE rescan).
   */
  inboxExamined(messages: number | undefined, options: { readonly unknownKeeps?: boolean } = {}): void {
    this.#decideOnce(() => ({
      kept: messages === undefined ? options.unknownKeeps === true : this.#keepsFor?.(messages) === true,
      inboxMessages: messages,
    }));
  }

  /**
   * Declines the side before it connects: the count opens the subscribed mailboxes before it lists on
   * its own connection, which spares the rescan the side would. Changes nothing once decided.
   */
  declineForSubscriptions(): void {
    this.#decideOnce(() => ({ kept: false, inboxMessages: undefined, subscriptionsFirst: true }));
  }

  // The first decision stands; `decision` runs only if none was made yet.
  #decideOnce(decision: () => SideListingDecision): void {
    const decide = this.#decide;
    if (decide === undefined) return;
    this.#decide = undefined;
    decide(decision());
  }

  /** Resolves once the side connection has logged out or closed, without cutting it short. */
  settled(): Promise<void> {
    return this.#settled;
  }

  // Hands the list over as soon as it is in (the count goes on while this connection logs out), or
  // `undefined` once the connection has failed and closed. Never rejects.
  async #run(input: SideListingInput, deliver: (listed: ListedMailbox[] | undefined) => void): Promise<void> {
    let session: ImapSession | undefined;
    // With `keepsFor` (auto) it connects only once kept: a small INBOX costs no second connection.
    if (!(await this.decided).kept) {
      input.permit?.release();
      deliver(undefined);
      return;
    }
    try {
      session = await ImapSession.open(input.config, {
        purpose: 'count',
        logger: input.logger,
        signal: this.#stopper.signal,
        overallTimeoutMs: input.overallTimeoutMs,
        permit: input.permit,
        password: input.password,
        listingOnly: true,
        loginAfter: input.loginAfter,
      });
      deliver(await session.listMailboxes());
      await session.logout();
    } catch (error) {
      // Nothing to clean up when open failed: it closed its socket and freed the slot itself.
      await session?.logout();
      this.#debug(error);
      deliver(undefined);
    }
  }

  #debug(error: unknown): void {
    logQuietly(
      this.#logger,
      'debug',
      'countSignals: the side connection did not list the mailboxes, listing on the counting connection',
      { code: error instanceof Error && 'code' in error ? String(error.code) : 'UNKNOWN' },
    );
  }
}
