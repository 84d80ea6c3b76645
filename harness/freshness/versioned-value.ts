/**
 * Values that carry their own version, so a response from the service tells which write it reflects.
 * Layout: ASCII `kvb-v:<version>;` followed by deterministic filler bytes up to the scenario's value size
 * (never shorter than the header). Version 0 is what the harness seeds; the writer counts up from 1.
 *
 * @module
 */
import { seededBytes } from '../scenario/seeded-bytes.ts';

const TAG = 'kvb-v:';
const encoder = new TextEncoder();

/**
 * Builds the value of `version`, `sizeBytes` long (or the header's length, if longer).
 * @param seed varies the filler (e.g. the key's number), so keys do not share bytes.
 */
export function versionedValue(version: number, sizeBytes: number, seed = 1): Uint8Array {
  const header = encoder.encode(`${TAG}${version};`);
  const out = new Uint8Array(Math.max(sizeBytes, header.byteLength));
  out.set(seededBytes(out.byteLength, seed * 7919 + version));
  out.set(header, 0);
  return out;
}

/** Reads the version out of a value built by {@link versionedValue}; `undefined` for any other bytes. */
export function readVersion(body: Uint8Array): number | undefined {
  if (body.byteLength < TAG.length + 2) return undefined;
  for (let i = 0; i < TAG.length; i++) if (body[i] !== TAG.charCodeAt(i)) return undefined;
  let version = 0;
  for (let i = TAG.length; i < Math.min(body.byteLength, TAG.length + 16); i++) {
    const c = body[i]!;
    if (c === 0x3b) return i > TAG.length ? version : undefined; // ';'
    if (c < 0x30 || c > 0x39) return undefined;
    version = version * 10 + (c - 0x30);
  }
  return undefined;
}
