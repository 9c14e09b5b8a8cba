import { act } from "@testing-library/react";

/** How a test's message is wrapped as the stream would send it. */
export type Envelope = (type: string, data: Record<string, unknown>) => Record<string, unknown>;

/** A WebSocket class a test drives: it records every socket opened (URL, protocols), delivers what the test
 * `send`s in the stream's envelope, and closes with the code the test chooses. */
export function fakeSocket(envelope: Envelope) {
  class FakeSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static opened: FakeSocket[] = [];
    readyState = 1;
    onmessage: ((e: { data: string }) => void) | null = null;
    onerror: (() => void) | null = null;
    onclose: ((e: { code: number; reason: string }) => void) | null = null;
    constructor(
      readonly url: string,
      readonly protocols: string[] = [],
    ) {
      FakeSocket.opened.push(this);
    }
    send(type: string, data: Record<string, unknown>) {
      act(() => this.onmessage?.({ data: JSON.stringify(envelope(type, data)) }));
    }
    drop(code: number, reason = "") {
      this.readyState = 3;
      act(() => this.onclose?.({ code, reason }));
    }
    close() {
      this.readyState = 3;
    }
  }
  return FakeSocket;
}
