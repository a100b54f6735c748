import { expect, it } from 'vitest';
import { describeWithDovecot } from '../harness/dovecot/dovecot-availability.js';
import { STARTUP_LIMIT_MS, startDovecot } from '../harness/dovecot/dovecot-server.js';
import { standardVariant } from '../harness/dovecot/dovecot-variants.js';

describeWithDovecot('Dovecot start-up failures end within the harness deadline', () => {
  it('a login process that cannot start fails within the limit, quoting the server log', async () => {
    // The same failure an ordinary user met before the harness stopped asking for a chroot: the
    // login process dies on start, so the listener never greets.
    const broken = {
      ...standardVariant,
      name: 'broken-login',
      extraConfig: 'service imap-login {\n  chroot = /nonexistent-imap-connector-chroot\n}',
    };
    const started = Date.now();
    const error = await startDovecot(broken).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    const elapsedMs = Date.now() - started;
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/did not start: no greeting on port \d+ within/);
    expect(String(error)).toContain('imap-login');
    expect(String(error)).toContain('chroot');
    // The limit plus the stop and certificate creation, far from the hang it replaces.
    expect(elapsedMs).toBeLessThan(STARTUP_LIMIT_MS + 5_000);
  });

  it('a configuration Dovecot rejects fails at once with its own message', async () => {
    const invalid = { ...standardVariant, name: 'invalid-config', extraConfig: 'no_such_setting = 1' };
    const started = Date.now();
    await expect(startDovecot(invalid)).rejects.toThrow(/exited[\s\S]*no_such_setting/);
    expect(Date.now() - started).toBeLessThan(STARTUP_LIMIT_MS);
  });
});
