import type { IncomingMessage } from "node:http";

/**
 * A request's body, or null as soon as it grows past `maxBytes` (the rest is not buffered). Read with stream events
 * rather than `for await`, which costs a promise per chunk on every delivery.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        // Left unread: the answer closes the connection (see the server's 413).
        done();
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const onClose = (): void => {
      // Closed before the end (the client went away): nothing to answer.
      if (!req.complete) onError(new Error("the request was closed before its body was read"));
    };
    function done(): void {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    }
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}
