import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ImapConnector,
  ImapConnectorError,
  imapConnectorConfigSchema,
  validateConfig,
} from '../../../src/index.js';
import { testCertificatePem } from './test-certificate.js';

const base = {
  host: 'imap.fastmail.com',
  port: 993,
  username: 'your.name@company.com',
  password: 'app-password-123',
};

function valid(input: unknown) {
  const result = validateConfig(input);
  if (!result.ok) throw new Error(`expected a valid config, got ${JSON.stringify(result.issues)}`);
  return result;
}

function issuesOf(input: unknown) {
  const result = validateConfig(input);
  if (result.ok) throw new Error('expected field issues');
  return result.issues;
}

const warningCodes = (input: unknown) =>
  valid(input).warnings.map((warning) => `${warning.field}:${warning.code}`);

describe('validateConfig: port', () => {
  it('accepts a number and a numeric string from a form', () => {
    expect(valid({ ...base, port: 993 }).config.port).toBe(993);
    expect(valid({ ...base, port: ' 143 ' }).config.port).toBe(143);
  });

  it.each([
    [0, 'out_of_range'],
    [65_536, 'out_of_range'],
    [-1, 'out_of_range'],
    [993.5, 'not_an_integer'],
    ['993.5', 'not_an_integer'],
    ['abc', 'not_a_number'],
    ['99x', 'not_a_number'],
  ])('rejects %s with %s', (port, code) => {
    expect(issuesOf({ ...base, port })).toEqual([expect.objectContaining({ field: 'port', code })]);
  });

  it('defaults to the port of the chosen security mode when missing', () => {
    const { port: _omitted, ...withoutPort } = base;
    expect(valid({ ...withoutPort, security: 'starttls' }).config.port).toBe(143);
    expect(valid(withoutPort).config).toMatchObject({ port: 993, security: 'tls' });
  });
});

describe('validateConfig: security', () => {
  it.each([
    [993, 'tls'],
    [143, 'starttls'],
    [1143, 'starttls'],
  ])('infers it from port %i', (port, security) => {
    expect(valid({ ...base, port }).config.security).toBe(security);
  });

  it('accepts the labels mail clients use', () => {
    expect(valid({ ...base, security: 'SSL/TLS' }).config.security).toBe('tls');
    expect(valid({ ...base, port: 143, security: 'STARTTLS' }).config.security).toBe('starttls');
  });

  it('uses plaintext only when chosen explicitly, and warns loudly', () => {
    const result = valid({ ...base, port: 143, security: 'none' });
    expect(result.config.security).toBe('none');
    expect(result.warnings).toContainEqual(expect.objectContaining({ field: 'security', code: 'insecure' }));
  });

  it('flags TLS on 143 and STARTTLS on 993 as mismatched', () => {
    expect(warningCodes({ ...base, port: 143, security: 'tls' })).toContain('security:port_mismatch');
    expect(warningCodes({ ...base, port: 993, security: 'starttls' })).toContain('security:port_mismatch');
    expect(warningCodes(base)).not.toContain('security:port_mismatch');
  });

  it('says it guessed for a non-standard port', () => {
    const result = valid({ ...base, port: 10993 });
    expect(result.config.security).toBe('tls');
    expect(result.warnings).toContainEqual(expect.objectContaining({ field: 'security', code: 'guessed' }));
  });

  it('rejects an unknown mode', () => {
    expect(issuesOf({ ...base, security: 'ssl3' })).toEqual([
      expect.objectContaining({ field: 'security', code: 'invalid_choice' }),
    ]);
  });
});

describe('validateConfig: host', () => {
  it('trims surrounding whitespace', () => {
    expect(valid({ ...base, host: '  imap.fastmail.com \n' }).config.host).toBe('imap.fastmail.com');
  });

  it('extracts host and port from a pasted imaps:// URL, and says so', () => {
    const { port: _omitted, ...withoutPort } = base;
    const result = valid({ ...withoutPort, host: 'imaps://imap.fastmail.com:993/' });
    expect(result.config).toMatchObject({ host: 'imap.fastmail.com', port: 993, security: 'tls' });
    expect(result.warnings).toContainEqual(expect.objectContaining({ field: 'host', code: 'url_extracted' }));
  });

  it('reads imap:// as STARTTLS on 143', () => {
    const { port: _omitted, ...withoutPort } = base;
    expect(valid({ ...withoutPort, host: 'imap://mail.example.org' }).config).toMatchObject({
      port: 143,
      security: 'starttls',
    });
  });

  it('lets an explicit port field win over the pasted URL', () => {
    expect(valid({ ...base, host: 'imaps://imap.fastmail.com:993/', port: 1993 }).config.port).toBe(1993);
  });

  it('splits host:port', () => {
    const { port: _omitted, ...withoutPort } = base;
    const result = valid({ ...withoutPort, host: 'mail.example.org:143' });
    expect(result.config).toMatchObject({ host: 'mail.example.org', port: 143, security: 'starttls' });
    expect(result.warnings).toContainEqual(expect.objectContaining({ code: 'port_extracted' }));
  });

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['2001:db8::25', '2001:db8::25'],
    ['IMAP.Example.COM.', 'imap.example.com'],
    ['mail.bücher.example', 'mail.xn--bcher-kva.example'],
  ])('accepts %s as %s', (host, expected) => {
    expect(valid({ ...base, host }).config.host).toBe(expected);
  });

  it('reports an IDN host converted to ASCII', () => {
    expect(warningCodes({ ...base, host: 'mail.bücher.example' })).toContain('host:idn_converted');
  });

  it.each([
    ['', 'required'],
    ['   ', 'required'],
    ['your.name@company.com', 'looks_like_email'],
    ['https://www.fastmail.com/', 'unsupported_url'],
    ['imap fastmail com', 'invalid_host'],
    ['-bad-.example', 'invalid_host'],
    ['a..b', 'invalid_host'],
    ['12345', 'invalid_host'],
  ])('rejects %j with %s', (host, code) => {
    expect(issuesOf({ ...base, host })).toEqual([expect.objectContaining({ field: 'host', code })]);
  });

  it('warns that Outlook.com and Microsoft 365 need OAuth', () => {
    expect(warningCodes({ ...base, host: 'outlook.office365.com' })).toContain('host:oauth_required');
    expect(warningCodes({ ...base, host: 'imap.example.org', username: 'someone@hotmail.com' })).toContain(
      'host:oauth_required',
    );
    expect(warningCodes(base)).not.toContain('host:oauth_required');
  });
});

describe('validateConfig: username and password', () => {
  it('requires both, each under its own field', () => {
    expect(issuesOf({ host: 'imap.fastmail.com' }).map((issue) => `${issue.field}:${issue.code}`)).toEqual([
      'username:required',
      'password:required',
    ]);
  });

  it('warns (not errs) when the username is not an email address', () => {
    const result = valid({ ...base, username: 'alice' });
    expect(result.config.username).toBe('alice');
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ field: 'username', code: 'not_an_email' }),
    );
  });

  it('reports whitespace around the password and keeps the password as given', () => {
    const result = valid({ ...base, password: ' app-password-123\t' });
    expect(result.config.password).toBe(' app-password-123\t');
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ field: 'password', code: 'whitespace' }),
    );
  });

  it('does not flag spaces inside an app password', () => {
    expect(warningCodes({ ...base, password: 'abcd efgh ijkl mnop' })).not.toContain('password:whitespace');
  });

  it('accepts a function that fetches the password, without calling it', () => {
    let calls = 0;
    const provider = async () => {
      calls += 1;
      return ' from-the-vault ';
    };
    const result = valid({ ...base, password: provider });
    expect(result.config.password).toBe(provider);
    expect(result.warnings.map((warning) => warning.field)).not.toContain('password');
    expect(calls).toBe(0);
  });

  it.each([
    [42, 'invalid_union'],
    [{ value: 'secret' }, 'invalid_union'],
    ['', 'required'],
  ])('rejects a password that is neither text nor a function (%j)', (password, code) => {
    expect(issuesOf({ ...base, password })).toContainEqual(
      expect.objectContaining({ field: 'password', code }),
    );
  });
});

describe('validateConfig: TLS and timeouts', () => {
  it('accepts a PEM CA (for ProtonMail Bridge) as a string or a list', () => {
    expect(valid({ ...base, tls: { ca: testCertificatePem } }).config.tls.ca).toHaveLength(1);
    expect(
      valid({ ...base, tls: { ca: [testCertificatePem, testCertificatePem] } }).config.tls.ca,
    ).toHaveLength(2);
  });

  it('rejects text that is not a certificate', () => {
    expect(issuesOf({ ...base, tls: { ca: 'not a certificate' } })).toEqual([
      expect.objectContaining({ field: 'tls.ca', code: 'invalid_certificate' }),
    ]);
  });

  it('keeps certificate checks on by default and warns loudly when they are turned off', () => {
    expect(valid(base).config.tls.rejectUnauthorized).toBe(true);
    expect(warningCodes({ ...base, tls: { rejectUnauthorized: false } })).toContain(
      'tls.rejectUnauthorized:certificate_checks_disabled',
    );
  });

  it('fills default timeouts that answer a Test click within 15 s', () => {
    const { timeouts } = valid(base).config;
    expect(timeouts.testConnectionMs).toBeLessThanOrEqual(15_000);
    expect(timeouts.connectMs + timeouts.greetingMs).toBeLessThanOrEqual(15_000);
  });

  it('accepts partial timeouts and rejects nonsense', () => {
    expect(valid({ ...base, timeouts: { connectMs: 3_000 } }).config.timeouts.connectMs).toBe(3_000);
    expect(issuesOf({ ...base, timeouts: { connectMs: -5 } })).toEqual([
      expect.objectContaining({ field: 'timeouts.connectMs' }),
    ]);
  });
});

describe('validateConfig: shape', () => {
  it('names an unknown (misspelled) field', () => {
    expect(issuesOf({ ...base, hots: 'x' })).toEqual([
      expect.objectContaining({ field: 'hots', code: 'unknown_field' }),
    ]);
  });

  it.each([null, undefined, 42, 'imap.fastmail.com', []])(
    'answers %j with an issue, not an exception',
    (input) => {
      expect(validateConfig(input).ok).toBe(false);
    },
  );

  it('never throws on a cyclic input', () => {
    const cyclic: Record<string, unknown> = { ...base };
    cyclic['tls'] = { servername: 'imap.fastmail.com', nested: cyclic };
    const mailboxes: Record<string, unknown> = { roles: {} };
    (mailboxes['roles'] as Record<string, unknown>)['sent'] = mailboxes;
    expect(validateConfig(cyclic).ok).toBe(false);
    expect(validateConfig({ ...base, mailboxes }).ok).toBe(false);
  });

  it('never throws, whatever the input', () => {
    const field = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.anything(),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              host: field,
              port: field,
              username: field,
              password: field,
              security: field,
              tls: fc.anything(),
            },
            { requiredKeys: [] },
          ),
        ),
        (input) => {
          const result = validateConfig(input);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('is the same validation as the exported zod schema', () => {
    expect(imapConnectorConfigSchema.safeParse({ ...base, port: '143' }).data?.port).toBe(143);
    expect(imapConnectorConfigSchema.safeParse({ ...base, port: 0 }).success).toBe(false);
  });

  it('agrees with the exported zod schema on every input, field by field', () => {
    const text = fc.oneof(
      fc.constantFrom('', ' ', 'imap.fastmail.com', 'imaps://imap.fastmail.com:993/', 'a/b', 'x:0', '993'),
      fc.string(),
    );
    const field = fc.oneof(text, fc.integer(), fc.constant(null));
    fc.assert(
      fc.property(
        fc.record(
          {
            host: field,
            port: field,
            username: field,
            password: field,
            security: fc.oneof(field, fc.constantFrom('tls', 'STARTTLS', 'SSL/TLS')),
            tls: fc.record({ servername: field, ca: field }, { requiredKeys: [] }),
          },
          { requiredKeys: [] },
        ),
        (input) => {
          const validated = validateConfig(input);
          const parsed = imapConnectorConfigSchema.safeParse(input);
          expect(validated.ok).toBe(parsed.success);
          if (validated.ok && parsed.success) expect(validated.config).toEqual(parsed.data);
          if (!validated.ok && !parsed.success) {
            expect(validated.issues.map((issue) => issue.field)).toEqual(
              parsed.error.issues.map((issue) => issue.path.join('.') || 'config'),
            );
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('new ImapConnector', () => {
  it('throws CONFIG_INVALID with the field issues', () => {
    try {
      new ImapConnector({ ...base, port: 0 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImapConnectorError);
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', httpStatus: 400 });
      expect((error as ImapConnectorError).detail.issues).toEqual([
        expect.objectContaining({ field: 'port' }),
      ]);
    }
  });

  it('exposes the same static validateConfig', () => {
    expect(ImapConnector.validateConfig(base)).toEqual(validateConfig(base));
  });
});

describe('validateConfig: control characters (issue 8)', () => {
  it.each([
    ['username', 'alice@example.com\r\nA1 LOGOUT'],
    ['username', 'alice\u0000@example.com'],
    ['username', 'alice\u001b[31m@example.com'],
    ['password', 'app-password\r\n'],
    ['password', 'app\npassword'],
    ['password', 'app\u0000password'],
    ['password', 'app\u007fpassword'],
    ['host', 'imap.example.com\r\nevil'],
    ['host', 'imap.exa\u0000mple.com'],
    ['tls.servername', 'imap.example.com\nevil'],
  ])('rejects a control character in %s (%j) with a field issue', (field, value) => {
    const input =
      field === 'tls.servername' ? { ...base, tls: { servername: value } } : { ...base, [field]: value };
    expect(issuesOf(input)).toContainEqual(expect.objectContaining({ field, code: 'control_character' }));
  });

  it('accepts a TAB inside a password (IMAP sends it in a quoted string)', () => {
    expect(valid({ ...base, password: 'app\tpassword' }).config.password).toBe('app\tpassword');
  });
});

describe('validateConfig: tls.servername is read like the host', () => {
  it.each([
    ['imaps://imap.example.com:993/', 'imap.example.com'],
    ['imap.example.com:993', 'imap.example.com'],
    ['  IMAP.Example.COM. ', 'imap.example.com'],
    ['mail.bücher.example', 'mail.xn--bcher-kva.example'],
    ['192.0.2.7', '192.0.2.7'],
    ['[2001:db8::25]', '2001:db8::25'],
  ])('uses %j as %j', (servername, expected) => {
    expect(valid({ ...base, tls: { servername } }).config.tls.servername).toBe(expected);
  });

  it.each([
    ['imap.example.com/mail', 'has_path'],
    ['https://imap.example.com/', 'invalid_host'],
    ['not a name', 'invalid_host'],
  ])('rejects %j with %s', (servername, code) => {
    expect(issuesOf({ ...base, tls: { servername } })).toEqual([
      expect.objectContaining({ field: 'tls.servername', code }),
    ]);
  });
});

describe('validateConfig: the host is parsed as a URL authority (issue 12)', () => {
  it.each([
    ['imap.fastmail.com/mail', 'has_path'],
    ['imap.fastmail.com?x=1', 'has_path'],
    ['imap.fastmail.com#top', 'has_path'],
    ['imaps://imap.fastmail.com:993/INBOX', 'has_path'],
    ['imaps://me:secret@imap.fastmail.com', 'has_credentials'],
    ['imap.fastmail.com:0', 'port_out_of_range'],
    ['imap.fastmail.com:99999', 'port_out_of_range'],
    ['imap.fastmail.com:65536', 'port_out_of_range'],
    ['imaps://imap.fastmail.com:70000/', 'port_out_of_range'],
    ['[::1]:0', 'port_out_of_range'],
  ])('rejects %j with a field issue (%s), and no unrelated warning', (host, code) => {
    const result = validateConfig({ ...base, host });
    expect(result).toMatchObject({ ok: false, warnings: [] });
    if (!result.ok) expect(result.issues).toEqual([expect.objectContaining({ field: 'host', code })]);
  });

  it.each(['imaps://imap.fastmail.com/', 'imap.fastmail.com/'])(
    'accepts the lone trailing slash of %j, which is no path',
    (host) => {
      expect(valid({ ...base, host }).config.host).toBe('imap.fastmail.com');
    },
  );

  it.each([
    ['imap.fastmail.com:1', 1],
    ['imap.fastmail.com:65535', 65_535],
    ['[::1]:1993', 1993],
  ])('accepts the port of %j', (host, port) => {
    const { port: _omitted, ...withoutPort } = base;
    expect(valid({ ...withoutPort, host }).config.port).toBe(port);
  });
});

describe('validateConfig: a blank field is a field not given (issue 12)', () => {
  const { port: _omitted, ...withoutPort } = base;

  it.each([
    ['port', { port: '' }],
    ['port', { port: '  ' }],
    ['port', { port: null }],
    ['security', { security: '' }],
    ['security', { security: null }],
    ['tls.ca', { tls: { ca: '' } }],
    ['tls.ca', { tls: { ca: ['', '  '] } }],
    ['tls.ca', { tls: { ca: null } }],
    ['tls.servername', { tls: { servername: '' } }],
    ['timeouts.connectMs', { timeouts: { connectMs: '' } }],
    ['mailboxes.roles.sent', { mailboxes: { roles: { sent: '' } } }],
  ])('blank %s takes the default', (_field, blank) => {
    const result = valid({ ...withoutPort, ...blank });
    const defaults = valid(withoutPort);
    expect(result.config).toEqual(defaults.config);
    expect(result.warnings).toEqual(defaults.warnings);
  });

  it.each([
    ['host', { host: '' }],
    ['host', { host: null }],
    ['username', { username: ' ' }],
    ['password', { password: null }],
  ])('blank %s is required', (field, blank) => {
    expect(issuesOf({ ...base, ...blank })).toEqual([expect.objectContaining({ field, code: 'required' })]);
  });
});
