// The live streams (docs/streams.md): one envelope {stream, cursor, type, at, data} over a WebSocket that
// authenticates with the REST API's ID token as the subprotocol `bearer.<token>` beside `spothive.v1`
// (a browser cannot set headers on a socket, and a subprotocol stays out of URLs and access logs).
import { apiBaseUrl, session } from "../api/client";

export interface StreamMessage {
  stream: string;
  cursor: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export const SUBPROTOCOL = "spothive.v1";

/** ws:// or wss:// URL of a stream path, on the API's origin (the runtime config's, else this page's). */
export function streamUrl(path: string, query: Record<string, string | null | undefined> = {}, base: string = apiBaseUrl(), here: string = window.location.href): string {
  const url = new URL(path, base ? `${base}/` : here);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  for (const [key, value] of Object.entries(query)) if (value) url.searchParams.set(key, value);
  return url.toString();
}

/** Parse one socket frame; anything that is not a stream message is null (ignored). */
export function parseMessage(raw: unknown): StreamMessage | null {
  if (typeof raw !== "string") return null;
  try {
    const body = JSON.parse(raw) as Partial<StreamMessage>;
    if (typeof body.type !== "string" || typeof body.cursor !== "string" || typeof body.data !== "object" || body.data === null) return null;
    return { stream: String(body.stream ?? ""), cursor: body.cursor, type: body.type, at: String(body.at ?? ""), data: body.data };
  } catch {
    return null;
  }
}

export interface StreamHandlers {
  onMessage: (message: StreamMessage) => void;
  /** The socket ended: `clean` when the server closed it with 1000 (the stream is over). */
  onClose: (event: { code: number; reason: string; clean: boolean }) => void;
}

export interface StreamHandle {
  close: () => void;
}

/** Follow a stream over a WebSocket; `onClose` fires once, whatever ends it (refusal, error, end). */
export function openStream(
  path: string,
  query: Record<string, string | null | undefined>,
  handlers: StreamHandlers,
  factory: (url: string, protocols: string[]) => WebSocket = (url, protocols) => new WebSocket(url, protocols),
): StreamHandle {
  let ended = false;
  const end = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    handlers.onClose({ code, reason, clean: code === 1000 });
  };
  let socket: WebSocket;
  try {
    const token = session.token;
    socket = factory(streamUrl(path, query), token ? [SUBPROTOCOL, `bearer.${token}`] : [SUBPROTOCOL]);
  } catch (err) {
    queueMicrotask(() => end(1006, err instanceof Error ? err.message : "WebSocket unavailable"));
    return { close: () => undefined };
  }
  socket.onmessage = (event: MessageEvent) => {
    const message = parseMessage(event.data);
    if (message && !ended) handlers.onMessage(message);
  };
  socket.onerror = () => end(1006, "connection failed");
  socket.onclose = (event: CloseEvent) => end(event.code, event.reason);
  return {
    close() {
      ended = true;
      socket.onmessage = null;
      socket.onerror = null;
      socket.onclose = null;
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000);
    },
  };
}
