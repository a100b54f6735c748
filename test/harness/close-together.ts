import type net from 'node:net';

/**
 * Ties a proxied connection's two sockets together: an error or a close on either destroys both, and
 * `onClosed` runs (once per error or close event; make it idempotent), e.g. to forget the sockets.
 *
 * @param client - The socket the proxy accepted.
 * @param upstream - The socket it opened to the server.
 * @param onClosed - Bookkeeping after both are destroyed.
 */
export function closeTogether(client: net.Socket, upstream: net.Socket, onClosed?: () => void): void {
  const closeBoth = () => {
    client.destroy();
    upstream.destroy();
    onClosed?.();
  };
  for (const socket of [client, upstream]) {
    socket.on('error', closeBoth);
    socket.on('close', closeBoth);
  }
}
