#!/usr/bin/env node
/** The `imap-connector` executable: `npx @perfcopilot/imap-connector <command>`. */
import { runCli } from './run-cli.js';

const controller = new AbortController();
// The first Ctrl-C cancels the running test or count (its connection is closed, exit 130); a second one
// ends the process at once.
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
