// The chunks of a WHATWG ReadableStream, a Node stream or any (async) iterable, as one async
// iterable. A ReadableStream is read through getReader() because not every browser makes it
// async-iterable (Safari does not); stopping early (break, return, an error) cancels the stream so
// that a fetch body or a file behind it is released.

/** Whether `src` is a WHATWG ReadableStream (by shape: streams from another realm count too). */
export function isReadableStream<T>(src: unknown): src is ReadableStream<T> {
  return typeof src === 'object' && src !== null && typeof (src as ReadableStream<T>).getReader === 'function';
}

/** Yields the chunks of `src` in order; cancels a ReadableStream it leaves before its end. */
export async function* chunksOf<T>(src: ReadableStream<T> | AsyncIterable<T> | Iterable<T>): AsyncGenerator<T, void, undefined> {
  if (!isReadableStream<T>(src)) {
    // a Node Readable's iterator destroys the stream when left early, as return() reaches it here
    yield* src;
    return;
  }
  const reader = src.getReader();
  let ended = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) { ended = true; return; }
      yield r.value;
    }
  } finally {
    // left early or failed: cancel (a failed stream rejects the cancel; its error is already thrown)
    if (!ended) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
