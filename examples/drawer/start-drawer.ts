/**
 * `npm run drawer`: the reference drawer against an embedded Dovecot seeded with 30 days of mail.
 * Open the printed address, paste the printed settings, Save, Test.
 */
import { startDemoServer } from '../demo-server.js';
import { createDrawerServer } from './drawer-server.js';

const port = Number(process.env['DRAWER_PORT'] ?? 4173);
const demo = await startDemoServer().catch((error: unknown) => {
  console.error(`❌ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
const { config } = demo;
const ca = config.tls?.ca;
const server = createDrawerServer({ trustedCa: typeof ca === 'string' ? [ca] : (ca ?? undefined) });
server.listen(port, '127.0.0.1', () => {
  console.log(`Reference drawer: http://127.0.0.1:${port}/`);
  console.log('Paste these (a throwaway account on the embedded Dovecot):');
  console.log(`  Email / Username  ${config.username}`);
  console.log(`  Host              ${config.host}`);
  console.log(`  Port              ${config.port}`);
  console.log(`  Password          ${typeof config.password === 'string' ? config.password : ''}`);
  console.log('Ctrl-C stops the drawer and Dovecot.');
});
process.once('SIGINT', () => {
  server.close();
  server.closeAllConnections();
  void demo.stop().then(() => process.exit(0));
});
