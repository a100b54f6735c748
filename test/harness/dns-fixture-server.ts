/**
 * A small authoritative DNS server on loopback UDP that answers SRV and MX queries for fixture zones,
 * so discovery's DNS lookups run through Node's real resolver (c-ares) with `setServers`, not the
 * internet. It can also stay silent (a resolver that never answers) or fail (SERVFAIL) per name.
 * RFC 1035 §4 message format; RFC 2782 SRV RDATA; names written uncompressed.
 */
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';

/** An SRV answer as the zone file would say it; `target: '.'` says the service is not offered. */
export interface FixtureSrv {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}

/** An MX answer; `exchange: '.'` is a null MX (RFC 7505). */
export interface FixtureMx {
  readonly preference: number;
  readonly exchange: string;
}

/** The records of one owner name. */
export interface FixtureName {
  readonly srv?: readonly FixtureSrv[];
  readonly mx?: readonly FixtureMx[];
}

/** Owner name (lower-case ASCII, no trailing dot) → its records. Other names are NXDOMAIN. */
export type FixtureZones = Readonly<Record<string, FixtureName>>;

export interface DnsFixtureServer {
  readonly port: number;
  /** Every question received, as `NAME TYPE` (`_imaps._tcp.fastmail.com SRV`). */
  readonly questions: string[];
  /** Names whose queries get no answer at all; `'*'` silences the whole server. */
  readonly silent: Set<string>;
  /** Names answered with SERVFAIL. */
  readonly failing: Set<string>;
  /** A Node resolver pointed at this server only, giving up after `timeoutMs` (one try). */
  resolver(timeoutMs?: number): Resolver;
  close(): Promise<void>;
}

const TYPE_MX = 15;
const TYPE_SRV = 33;
const TYPE_NAMES: Readonly<Record<number, string>> = { [TYPE_MX]: 'MX', [TYPE_SRV]: 'SRV' };

export async function startDnsFixtureServer(zones: FixtureZones): Promise<DnsFixtureServer> {
  const socket = dgram.createSocket('udp4');
  const questions: string[] = [];
  const silent = new Set<string>();
  const failing = new Set<string>();
  socket.on('message', (query, peer) => {
    const question = readQuestion(query);
    if (question === undefined) return;
    questions.push(`${question.name} ${TYPE_NAMES[question.type] ?? question.type}`);
    if (silent.has('*') || silent.has(question.name)) return;
    socket.send(answer(query, question, zones, failing), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    port,
    questions,
    silent,
    failing,
    resolver(timeoutMs = 2_000) {
      const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
      resolver.setServers([`127.0.0.1:${port}`]);
      return resolver;
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

interface Question {
  readonly name: string;
  readonly type: number;
  /** Offset just past the question section. */
  readonly end: number;
}

function readQuestion(message: Buffer): Question | undefined {
  if (message.length < 12 || message.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const length = message[at];
    if (length === undefined || length > 63) return undefined;
    at += 1;
    if (length === 0) break;
    labels.push(message.toString('latin1', at, at + length));
    at += length;
  }
  if (at + 4 > message.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: message.readUInt16BE(at), end: at + 4 };
}

function answer(query: Buffer, question: Question, zones: FixtureZones, failing: Set<string>): Buffer {
  const owner = zones[question.name];
  const records = failing.has(question.name)
    ? []
    : question.type === TYPE_SRV
      ? (owner?.srv ?? []).map(srvData)
      : question.type === TYPE_MX
        ? (owner?.mx ?? []).map(mxData)
        : [];
  // RCODE 2 SERVFAIL, 3 NXDOMAIN (the name has no records of any type), 0 otherwise (possibly no data).
  const rcode = failing.has(question.name) ? 2 : owner === undefined ? 3 : 0;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR=1, opcode copied, AA=1, RD copied, RA=1.
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const questionSection = query.subarray(12, question.end);
  const answers = records.map((rdata) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    fixed.writeUInt16BE(question.type, 2);
    fixed.writeUInt16BE(1, 4); // class IN
    fixed.writeUInt32BE(300, 6);
    fixed.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([fixed, rdata]);
  });
  return Buffer.concat([header, questionSection, ...answers]);
}

function srvData(record: FixtureSrv): Buffer {
  const fixed = Buffer.alloc(6);
  fixed.writeUInt16BE(record.priority, 0);
  fixed.writeUInt16BE(record.weight, 2);
  fixed.writeUInt16BE(record.port, 4);
  return Buffer.concat([fixed, encodeName(record.target)]);
}

function mxData(record: FixtureMx): Buffer {
  const fixed = Buffer.alloc(2);
  fixed.writeUInt16BE(record.preference, 0);
  return Buffer.concat([fixed, encodeName(record.exchange)]);
}

function encodeName(name: string): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  return Buffer.concat([
    ...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')])),
    Buffer.from([0]),
  ]);
}
