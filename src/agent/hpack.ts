/**
 * HPACK (RFC 7541), as much as the agent's HTTP/2 server needs: a full
 * decoder for what clients send (static and dynamic table, Huffman-coded
 * strings, table size updates), and an encoder that never indexes (literals
 * and exact static-table matches only), so the peer's decoder state never
 * depends on ours.
 */

/** A header field as it goes on the wire: lower-case name, value. */
export type HeaderField = [name: string, value: string];

/** A malformed header block: a connection error (COMPRESSION_ERROR) in HTTP/2. */
export class HpackError extends Error {}

/** The static table (RFC 7541 Appendix A); index 1 is the first entry. */
const STATIC_TABLE: readonly HeaderField[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/**
 * The Huffman code (RFC 7541 Appendix B) is canonical: codes of one length
 * are consecutive in symbol order, each length's first code follows the last
 * of the length before. So the bit length of each of the 257 symbols (256 is
 * EOS) defines it; one character per symbol, '0' + length.
 */
const HUFFMAN_LENGTHS =
  '=GLLLLLLLHNLLNLLLLLLLLNLLLLLLLLL6::<=68;::8;8666555666666678?6<:=67777777777777777777777878=C=>6?56565666577666567655677777?;>=LD' +
  'FDDFFFGFGGGGGHGHHFGHGGGGEFGFGGHFEDFFGGEGFFHEFGGEEFEGFGGDFFFGFFGJJDCFGFIJJJKKJHICEJKKJKHEEJJLKKKDHDEFEEGFFIIHHJGJKJJKKKKKLKKKKKJN';

const EOS = 256;

/** Per code length: the first code, and the symbols of that length in order. */
interface HuffmanLength {
  first: number;
  symbols: number[];
}

const huffman: HuffmanLength[] = buildHuffman();

function buildHuffman(): HuffmanLength[] {
  const byLength: HuffmanLength[] = [];
  for (let len = 0; len <= 30; len++) byLength.push({ first: 0, symbols: [] });
  for (let sym = 0; sym <= EOS; sym++) byLength[HUFFMAN_LENGTHS.charCodeAt(sym) - 48].symbols.push(sym);
  let code = 0;
  for (let len = 1; len <= 30; len++) {
    code <<= 1;
    byLength[len].first = code;
    code += byLength[len].symbols.length;
  }
  return byLength;
}

/** Decodes a Huffman-coded string (RFC 7541 5.2). */
export function huffmanDecode(data: Buffer): string {
  const out: number[] = [];
  let code = 0;
  let len = 0;
  for (const byte of data) {
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      len++;
      const entry = huffman[len];
      if (entry !== undefined && code - entry.first < entry.symbols.length && code >= entry.first) {
        const sym = entry.symbols[code - entry.first];
        if (sym === EOS) throw new HpackError('EOS in a Huffman-coded string');
        out.push(sym);
        code = 0;
        len = 0;
      } else if (len > 30) {
        throw new HpackError('invalid Huffman code');
      }
    }
  }
  // What is left must be padding: fewer than 8 bits, all ones (a prefix of EOS).
  if (len > 7 || code !== (1 << len) - 1) throw new HpackError('invalid Huffman padding');
  return Buffer.from(out).toString('latin1');
}

/** An entry's size in the dynamic table's accounting (RFC 7541 4.1). */
const entrySize = ([name, value]: HeaderField) => name.length + value.length + 32;

/** One connection's decoder: its dynamic table lives as long as the connection. */
export class HpackDecoder {
  /** Newest first: dynamic index 62 is dynamic[0]. */
  private dynamic: HeaderField[] = [];
  private size = 0;
  private maxSize: number;

  /** `limit`: the SETTINGS_HEADER_TABLE_SIZE this side advertised (default 4096). */
  constructor(private readonly limit = 4096) {
    this.maxSize = limit;
  }

  /** Decodes one complete header block into its fields, in order. */
  decode(block: Buffer): HeaderField[] {
    const fields: HeaderField[] = [];
    const r = new Reader(block);
    while (!r.done()) {
      const b = r.peek();
      if (b & 0x80) {
        fields.push(this.lookup(r.integer(7)));
      } else if (b & 0x40) {
        const field = this.literal(r, 6);
        this.insert(field);
        fields.push(field);
      } else if (b & 0x20) {
        if (fields.length > 0) throw new HpackError('dynamic table size update after a header field');
        const size = r.integer(5);
        if (size > this.limit) throw new HpackError(`dynamic table size ${size} over the advertised ${this.limit}`);
        this.maxSize = size;
        this.evict(0);
      } else {
        fields.push(this.literal(r, 4)); // without indexing, or never indexed
      }
    }
    return fields;
  }

  private literal(r: Reader, prefix: number): HeaderField {
    const index = r.integer(prefix);
    const name = index === 0 ? r.string() : this.lookup(index)[0];
    return [name, r.string()];
  }

  private lookup(index: number): HeaderField {
    if (index === 0) throw new HpackError('header index 0');
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const field = this.dynamic[index - STATIC_TABLE.length - 1];
    if (!field) throw new HpackError(`header index ${index} is past the tables`);
    return field;
  }

  private insert(field: HeaderField): void {
    const size = entrySize(field);
    this.evict(size);
    // An entry larger than the table empties it and is not added (RFC 7541 4.4).
    if (size > this.maxSize) return;
    this.dynamic.unshift(field);
    this.size += size;
  }

  /** Drops the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.dynamic.length > 0 && this.size + room > this.maxSize) {
      this.size -= entrySize(this.dynamic.pop()!);
    }
  }
}

/** Reads HPACK's primitive types from a header block. */
class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  peek(): number {
    return this.buf[this.pos];
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new HpackError('header block ends inside a field');
    return this.buf[this.pos++];
  }

  /** An integer with an N-bit prefix (RFC 7541 5.1). */
  integer(prefix: number): number {
    const max = (1 << prefix) - 1;
    let value = this.byte() & max;
    if (value < max) return value;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (value > 0xffffffff) throw new HpackError('integer out of range');
      if (!(b & 0x80)) return value;
    }
  }

  /** A string literal, Huffman-coded or raw (RFC 7541 5.2). */
  string(): string {
    const huffmanCoded = (this.peek() & 0x80) !== 0;
    const length = this.integer(7);
    if (this.pos + length > this.buf.length) throw new HpackError('string runs past the header block');
    const data = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return huffmanCoded ? huffmanDecode(data) : data.toString('latin1');
  }
}

/**
 * Encodes fields without touching the peer's dynamic table: an exact static
 * match as one index, else a literal without indexing (with the static
 * name's index where there is one), strings raw.
 */
export function encodeHeaders(fields: readonly HeaderField[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    const exact = STATIC_TABLE.findIndex(([n, v]) => n === name && v === value);
    if (exact >= 0) {
      pushInteger(out, 0x80, 7, exact + 1);
      continue;
    }
    const named = STATIC_TABLE.findIndex(([n]) => n === name);
    pushInteger(out, 0x00, 4, named + 1);
    if (named < 0) pushString(out, name);
    pushString(out, value);
  }
  return Buffer.from(out);
}

function pushInteger(out: number[], flags: number, prefix: number, value: number): void {
  const max = (1 << prefix) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  value -= max;
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

function pushString(out: number[], s: string): void {
  const bytes = Buffer.from(s, 'latin1');
  pushInteger(out, 0x00, 7, bytes.length);
  for (const b of bytes) out.push(b);
}
