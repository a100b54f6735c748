const WATCHED = new Set(['TCPSocketWrap', 'TLSWrap', 'TCPServerWrap', 'Timeout']);

/** Counts the sockets, servers and timers keeping the process alive. */
export function activeHandleCount(): number {
  return process.getActiveResourcesInfo().filter((resource) => WATCHED.has(resource)).length;
}

/**
 * Waits until no more sockets, servers or timers are active than `baseline` (closing handles are
 * released on a later turn of the event loop), and fails with the list if that does not happen.
 *
 * @param baseline - {@link activeHandleCount} before the code under test ran.
 * @param withinMs - How long released handles may take to disappear.
 */
export async function expectHandlesReleased(baseline: number, withinMs = 2_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (activeHandleCount() > baseline) {
    if (Date.now() > deadline) {
      throw new Error(
        `handles left open: ${JSON.stringify(process.getActiveResourcesInfo())} (baseline ${baseline})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
