import type { DovecotVariant } from './dovecot-variants.js';

/** Where an instance keeps its files, who it runs as, and where it listens. */
export interface DovecotLayout {
  readonly directory: string;
  readonly instanceName: string;
  /** One passwd-file per user: a new account is a new file, which Dovecot reads at once. */
  readonly passwdDirectory: string;
  readonly logFile: string;
  readonly certificatePath: string;
  readonly keyPath: string;
  /** Loopback addresses to listen on (127.0.0.1 is "secure" to Dovecot; 127.0.0.2 is not). */
  readonly addresses: readonly string[];
  readonly plainPort: number;
  readonly tlsPort: number;
  /**
   * Whether Dovecot runs as root (and may chroot its login and anvil processes into its base_dir) or
   * as an ordinary user, who cannot chroot: then every process stays this user and no chroot is set.
   */
  readonly privileged: boolean;
  /** Unprivileged accounts for Dovecot's own processes and for mail access. */
  readonly accounts: {
    readonly internalUser: string;
    readonly internalGroup: string;
    readonly loginUser: string;
    readonly mailUid: number;
    readonly mailGid: number;
  };
}

const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * Renders a complete dovecot.conf for one test instance: passwd-file users, per-user maildir under
 * the instance's directory, implicit TLS and STARTTLS listeners, the variant's namespace and folders,
 * and the mail_log plugin, whose log lines let tests prove a count changed nothing.
 *
 * @param variant - What the server advertises and which folders it creates.
 * @param layout - Paths, accounts and ports.
 * @returns The configuration text.
 */
export function renderDovecotConfig(variant: DovecotVariant, layout: DovecotLayout): string {
  const tls = variant.tls !== false;
  const mailboxes = variant.mailboxes
    .map(
      (mailbox) =>
        `  mailbox ${quote(mailbox.name)} {\n    auto = subscribe\n${mailbox.specialUse ? `    special_use = ${mailbox.specialUse}\n` : ''}  }`,
    )
    .join('\n');
  return `# Generated for a test run (${variant.name}); removed when the run ends.
base_dir = ${layout.directory}/run
state_dir = ${layout.directory}/state
instance_name = ${layout.instanceName}
log_path = ${layout.logFile}
protocols = imap
listen = ${layout.addresses.join(', ')}
ssl = ${tls ? 'yes' : 'no'}
${tls ? `ssl_cert = <${layout.certificatePath}\nssl_key = <${layout.keyPath}\nssl_min_protocol = TLSv1.2` : ''}
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = ${layout.accounts.internalUser}
default_internal_group = ${layout.accounts.internalGroup}
default_login_user = ${layout.accounts.loginUser}
first_valid_uid = 1
first_valid_gid = 0
mail_location = maildir:~/Maildir
mail_fsync = never
mail_plugins = $mail_plugins notify mail_log
login_greeting = Dovecot test server (${variant.name}) ready.
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${layout.passwdDirectory}/%u
}
userdb {
  driver = static
  args = uid=${layout.accounts.mailUid} gid=${layout.accounts.mailGid} home=${layout.directory}/home/%u
}
namespace inbox {
  inbox = yes
  separator = ${variant.separator ?? '/'}
  prefix = ${variant.prefix ?? ''}
${mailboxes}
}
protocol imap {
${variant.capability ? `  imap_capability = ${variant.capability}\n` : ''}  mail_max_userip_connections = 200
}
plugin {
  mail_log_events = delete undelete expunge copy mailbox_delete mailbox_rename flag_change save mailbox_create append
  mail_log_fields = uid box msgid flags
}
service imap-login {
  inet_listener imap {
    port = ${layout.plainPort}
  }
  inet_listener imaps {
    port = ${tls ? layout.tlsPort : 0}
    ssl = yes
  }
  process_min_avail = 1
${layout.privileged ? '' : '  # An ordinary user cannot chroot(2): the login process would die on start and never greet.\n  chroot =\n'}}
service imap {
  process_limit = 512
}
# Tests log in with wrong passwords on purpose; Dovecot's auth penalty would then delay every later
# login from 127.0.0.1 by seconds. Auth turns the penalty off when it cannot reach this socket.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
${layout.privileged ? '' : '  chroot =\n'}}
${variant.extraConfig ?? ''}
`;
}
