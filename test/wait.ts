/** Polls `check` every `everyMs` until it holds or `ms` have passed; true when it held. */
export async function waitFor(check: () => Promise<boolean>, ms: number, everyMs = 25): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return false;
}
