// Waiting that is always bounded: a broker that stops answering must not hang close().

/** Resolves when `work` settles or after `timeoutMs`, whichever is first; never rejects. The timer is unref'd. */
export async function within(work: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
