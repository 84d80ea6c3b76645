/**
 * One connection of the closed-model generator: a keep-alive HTTP/1.1 socket that sends one GET at a time and reads
 * its answer with a small response reader (status line, `Content-Length`, `Transfer-Encoding: chunked`, or a body
 * to the close), built for the harness's own targets and Consul. It reads what those servers send, not all of HTTP:
 * no 1xx interim answers, no pipelining, no upgrades (RFC 9112 §6 gives the body-length rules it follows).
 *
 * Why not a client library: at 500 connections on two cores, autocannon (with its pure-JS parser) spent about
 * 35 µs of CPU an answer, more than the fastest rows' services did, so the generator, not the row, set those rows'
 * RPS (docs/LOAD-MODELS.md, the ceiling). This reader costs a `Buffer#indexOf` and a short string a response.
 *
 * @module
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';

const CRLF2 = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
// header names in any case (RFC 9110 §5.1), at the start of a line of the head
const CONNECTION_CLOSE = /\r\nconnection:[ \t]*close/i;
const CHUNKED = /\r\ntransfer-encoding:[ \t]*chunked/i;
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
/** Where every plain-HTTP connection's reads land (`onread`), bytes. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** What a connection reports to its generator. */
export interface ConnectionSink {
  /** An answer was read in full: its status and its latency from the write, ms (fractional). */
  answered(status: number, latencyMs: number, sentAtMs: number): void;
  /** A request failed without an answer (the socket errored or closed with one in flight). */
  failed(sentAtMs: number): void;
  /** The connection is ready for its next request (connected, or its last one done). */
  ready(conn: ClosedConnection): void;
}

/** Where a connection is in reading an answer. */
const State = { Head: 0, Body: 1, ChunkSize: 2, ChunkData: 3, Trailer: 4, ToClose: 5 } as const;
type State = (typeof State)[keyof typeof State];

/** A keep-alive connection with at most one request in flight. */
export class ClosedConnection {
  #socket: net.Socket | undefined;
  #state: State = State.Head;
  /** Head bytes of an answer split across reads. */
  #pending: Buffer | undefined;
  #remaining = 0;
  #status = 0;
  #closeAfter = false;
  /** `performance.now()` when the request in flight was written; -1 when none is. */
  sentAtMs = -1;
  #closed = false;
  #connected = false;

  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly sink: ConnectionSink;

  /**
   * @param host the target's address (loopback; checked by the generator).
   * @param port its port.
   * @param useTls HTTPS (consul-direct on a TLS Consul): the certificate is not verified, as autocannon and the open
   *   generator do not verify it (loopback only).
   * @param sink where answers, failures and readiness go.
   */
  constructor(host: string, port: number, useTls: boolean, sink: ConnectionSink) {
    this.host = host;
    this.port = port;
    this.tls = useTls;
    this.sink = sink;
  }

  /** Opens the socket; `ready` follows on connect. */
  open(): void {
    if (this.#closed) return;
    this.#state = State.Head;
    this.#pending = undefined;
    const socket = this.tls
      ? tls.connect({ host: this.host, port: this.port, rejectUnauthorized: false }).setNoDelay(true)
      : net.connect({
          host: this.host,
          port: this.port,
          noDelay: true,
          // answers are read into one buffer every connection shares (read synchronously, so never two at once): no
          // Buffer and no 'data' event a read
          onread: {
            buffer: READ_BUFFER,
            callback: (n: number, buf: Uint8Array) => {
              this.#read(buf as Buffer, n);
              return true;
            },
          },
        });
    this.#socket = socket;
    this.#connected = false;
    socket.on(this.tls ? 'secureConnect' : 'connect', () => {
      this.#connected = true;
      this.sink.ready(this);
    });
    if (this.tls) socket.on('data', (chunk: Buffer) => this.#read(chunk, chunk.length));
    socket.on('error', () => {}); // 'close' follows, with the request in flight failed
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (this.sentAtMs >= 0) {
        const at = this.sentAtMs;
        this.sentAtMs = -1;
        if (this.#state === State.ToClose) this.#done(at);
        else this.sink.failed(at);
      } else if (!this.#connected && !this.#closed) this.sink.failed(performance.now()); // refused, reset
      // a refused connection is retried on the next turn of the loop, not in a tight loop of its own
      if (!this.#closed) setImmediate(() => this.open());
    });
  }

  /** Writes a request (a whole, pre-built HTTP/1.1 GET). */
  send(request: Buffer): void {
    const socket = this.#socket;
    if (!socket || this.#closed) return;
    this.sentAtMs = performance.now();
    socket.write(request);
  }

  /** Drops the request in flight (a timeout) and reconnects. */
  reset(): void {
    this.sentAtMs = -1;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
    this.open();
  }

  /** Closes for good; a request in flight is neither answered nor failed. */
  close(): void {
    this.#closed = true;
    this.sentAtMs = -1;
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #done(sentAt: number): void {
    const now = performance.now();
    this.sink.answered(this.#status, now - sentAt, sentAt);
    if (this.#closeAfter) {
      this.#socket?.destroy();
      return; // 'close' reopens
    }
    this.sink.ready(this);
  }

  /** Reads `length` bytes of `chunk` (a shared buffer: what is kept past this call is copied). */
  #read(chunk: Buffer, length: number): void {
    let buf = length === chunk.length ? chunk : chunk.subarray(0, length);
    let off = 0;
    while (off < buf.length && this.sentAtMs >= 0) {
      switch (this.#state) {
        case State.Head: {
          if (this.#pending) {
            buf = Buffer.concat([this.#pending, buf.subarray(off)]);
            off = 0;
            this.#pending = undefined;
          }
          const end = buf.indexOf(CRLF2, off);
          if (end < 0) {
            this.#pending = Buffer.from(buf.subarray(off));
            return;
          }
          this.#head(buf.toString('latin1', off, end + 2));
          off = end + 4;
          break;
        }
        case State.Body: {
          const take = Math.min(this.#remaining, buf.length - off);
          this.#remaining -= take;
          off += take;
          break;
        }
        case State.ChunkSize:
        case State.Trailer: {
          if (this.#pending) {
            buf = Buffer.concat([this.#pending, buf.subarray(off)]);
            off = 0;
            this.#pending = undefined;
          }
          const eol = buf.indexOf(CRLF, off);
          if (eol < 0) {
            this.#pending = Buffer.from(buf.subarray(off));
            return;
          }
          const line = buf.toString('latin1', off, eol);
          off = eol + 2;
          if (this.#state === State.Trailer) {
            if (line === '') this.#remaining = -1; // the answer's end
          } else {
            const size = Number.parseInt(line, 16);
            if (Number.isNaN(size)) {
              this.#protocolError();
              return;
            }
            if (size === 0) this.#state = State.Trailer;
            else {
              this.#state = State.ChunkData;
              this.#remaining = size + 2; // the data and its CRLF
            }
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.#remaining, buf.length - off);
          this.#remaining -= take;
          off += take;
          if (this.#remaining === 0) this.#state = State.ChunkSize;
          break;
        }
        case State.ToClose:
          off = buf.length;
          break;
      }
      if (
        (this.#state === State.Body && this.#remaining === 0) ||
        (this.#state === State.Trailer && this.#remaining < 0)
      ) {
        const at = this.sentAtMs;
        this.sentAtMs = -1;
        this.#state = State.Head;
        this.#done(at);
      }
    }
  }

  /** Reads a head (status line and headers, up to the blank line) and sets how its body ends (RFC 9112 §6.3). */
  #head(head: string): void {
    this.#status = Number(head.slice(9, 12));
    this.#closeAfter = CONNECTION_CLOSE.test(head);
    if (this.#status === 204 || this.#status === 304) {
      this.#state = State.Body;
      this.#remaining = 0;
      return;
    }
    if (CHUNKED.test(head)) {
      this.#state = State.ChunkSize; // Transfer-Encoding over Content-Length where both are sent (RFC 9112 §6.3)
      return;
    }
    const length = CONTENT_LENGTH.exec(head);
    if (length) {
      this.#state = State.Body;
      this.#remaining = Number(length[1]);
      return;
    }
    this.#state = State.ToClose; // no length: the body ends when the server closes
    this.#closeAfter = true;
  }

  #protocolError(): void {
    const at = this.sentAtMs;
    this.sentAtMs = -1;
    this.sink.failed(at);
    this.#socket?.destroy(); // 'close' reopens
  }
}
