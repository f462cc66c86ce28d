// Big-endian reads and writes of DNS message fields (pure).

export function readU16(buf: Uint8Array, off: number): number {
  return ((buf[off] as number) << 8) | (buf[off + 1] as number);
}

export function readU32(buf: Uint8Array, off: number): number {
  return (((buf[off] as number) << 24) >>> 0) + ((buf[off + 1] as number) << 16) + ((buf[off + 2] as number) << 8) + (buf[off + 3] as number);
}

export function writeU16(buf: Uint8Array, off: number, value: number): void {
  buf[off] = (value >>> 8) & 0xff;
  buf[off + 1] = value & 0xff;
}

export function writeU32(buf: Uint8Array, off: number, value: number): void {
  buf[off] = (value >>> 24) & 0xff;
  buf[off + 1] = (value >>> 16) & 0xff;
  buf[off + 2] = (value >>> 8) & 0xff;
  buf[off + 3] = value & 0xff;
}
