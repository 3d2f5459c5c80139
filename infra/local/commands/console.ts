export async function consoleCommand(): Promise<number> {
  throw new Error('console: not built yet');
}
