// Hand-built DNS octets, for the messages a general codec refuses to write on purpose: labels over 63
// octets, names over 255, compression pointers aimed anywhere, counts that disagree with the sections,
// broken OPT records. Nothing here checks anything. Well-formed messages come from dns-codec.ts.

/** A name written label by label from dotted text (latin1, no escapes, no length checks). */
export function nameBytes(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.').filter((l) => l !== '')) {
    const bytes = Buffer.from(label, 'latin1');
    out.push(bytes.length, ...bytes);
  }
  out.push(0);
  return out;
}

/** A 12-octet header: `flags1` is the octet with QR, opcode, AA, TC and RD (0x01 = RD only). */
export function headerBytes(id: number, flags1: number, counts: { qd?: number; an?: number; ns?: number; ar?: number } = {}): number[] {
  const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
  return [...u16(id), flags1, 0, ...u16(counts.qd ?? 0), ...u16(counts.an ?? 0), ...u16(counts.ns ?? 0), ...u16(counts.ar ?? 0)];
}

/** QTYPE A, QCLASS IN. */
export const A_IN: readonly number[] = [0, 1, 0, 1];

export interface RawOptSpec {
  readonly udpSize: number;
  /** The whole 32-bit TTL field (extended rcode, version, DO bit...), when given. */
  readonly ttl?: number;
  readonly version?: number;
  readonly dnssecOk?: boolean;
  /** RDATA as is. */
  readonly rdata?: Buffer;
}

/** An OPT record with any owner and any RDATA (its RDLENGTH is the RDATA's length). */
export function rawOpt(spec: RawOptSpec, owner: Buffer = Buffer.from([0])): Buffer {
  const rdata = spec.rdata ?? Buffer.alloc(0);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(41, 0);
  fixed.writeUInt16BE(spec.udpSize, 2);
  if (spec.ttl !== undefined) fixed.writeUInt32BE(spec.ttl >>> 0, 4);
  else {
    fixed[5] = spec.version ?? 0;
    fixed[6] = spec.dnssecOk ? 0x80 : 0;
  }
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([owner, fixed, rdata]);
}

/** A compression pointer to `offset` (any offset: nothing checks that a name is there). */
export function pointerBytes(offset: number): number[] {
  return [0xc0 | ((offset >> 8) & 0x3f), offset & 0xff];
}

/** A resource record from the owner's octets on: TYPE, CLASS IN, TTL, RDLENGTH (the RDATA's length), RDATA. */
export function recordBytes(owner: readonly number[], type: number, rdata: readonly number[], ttl = 0): number[] {
  const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
  return [...owner, ...u16(type), 0, 1, ...u16(ttl >>> 16), ...u16(ttl & 0xffff), ...u16(rdata.length), ...rdata];
}
