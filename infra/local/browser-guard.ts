import type { IncomingMessage, Server, ServerResponse } from "node:http";

/**
 * The embedded endpoints listen on loopback without signatures: any web page open in the operator's browser could
 * reach them by port. Browsers mark such requests (an `Origin` header, a CORS preflight `OPTIONS`); the AWS SDK
 * never sends either. Those requests are refused with no CORS header, so a page can neither read nor write.
 * Returns true when it answered.
 */
export function refuseBrowserRequest(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== "OPTIONS" && req.headers.origin === undefined) return false;
  res.writeHead(403, { "content-type": "application/x-amz-json-1.0", connection: "close" });
  res.end(JSON.stringify({ __type: "AccessDeniedException", message: "browser requests are refused by the embedded endpoints" }));
  return true;
}

/** Puts the refusal before every request handler the server already has (dynalite's, the transactions front). */
export function guardFromBrowsers(server: Server): void {
  const handlers = server.listeners("request") as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (refuseBrowserRequest(req, res)) return;
    for (const h of handlers) h(req, res);
  });
}
