/**
 * The value after `--<name>` on a bench script's command line.
 *
 * @param name - The option's name, without the dashes.
 * @param fallback - What an absent option (or one without a value) reads as.
 * @returns The value.
 */
export function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : (process.argv[index + 1] ?? fallback);
}
