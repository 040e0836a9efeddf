/**
 * Where the TABs and line breaks of a stretch of bytes are, found 16 bytes at a time by a small WebAssembly SIMD
 * function: the bytes are copied into its memory (`SLICE` at most per call) and compared with TAB and `\n` as one
 * vector each, and the positions of the matches written out in order (`POSITIONS`). Finding them byte by byte in
 * JavaScript was most of the cost of reading a report. `null` where WebAssembly SIMD is not available; the caller then
 * scans in JavaScript.
 *
 * The module is assembled here from its instructions rather than shipped as an opaque binary. Its one function:
 *
 *   scan(n): for i = 0, 16, 32, … < n:
 *              m = bitmask((load16(i) == splat(9)) | (load16(i) == splat(10))), bits past n cleared;
 *              for each set bit b of m, lowest first: out[k++] = i + b
 *            return k   (out is at OUT; input at 0)
 */

/** Bytes per call: the input region. The output region after it holds one Int32 per byte, for a slice of only TABs. */
export const SLICE = 1 << 20;
const OUT = SLICE;
const PAGES = (SLICE + 4 * SLICE) / 65_536;

const uleb = (n: number) => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number) => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (s: string) => [s.length, ...[...s].map((c) => c.charCodeAt(0))];

// Opcodes (WebAssembly core 2.0, with the fixed-width SIMD proposal's 0xfd prefix).
const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  i32Store: 0x36,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Ctz: 0x68,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  simd: 0xfd,
  v128Load: 0x00,
  i8x16Splat: 0x0f,
  i8x16Eq: 0x23,
  v128Or: 0x50,
  i8x16Bitmask: 0x64,
  void: 0x40,
  i32: 0x7f,
  v128: 0x7b,
} as const;

function module(): Uint8Array {
  // Locals: the parameter n, then i, out, m (i32) and tab, nl, v (v128).
  const [n, i, out, m, tab, nl, v] = [0, 1, 2, 3, 4, 5, 6];
  const { get, set } = OP;
  const code = [
    ...[OP.i32Const, ...sleb(OUT), set, out],
    ...[OP.i32Const, 9, OP.simd, OP.i8x16Splat, set, tab],
    ...[OP.i32Const, 10, OP.simd, OP.i8x16Splat, set, nl],
    ...[OP.block, OP.void, OP.loop, OP.void],
    ...[get, i, get, n, OP.i32GeU, OP.brIf, 1],
    ...[get, i, OP.simd, OP.v128Load, 0, 0, set, v],
    ...[get, v, get, tab, OP.simd, OP.i8x16Eq, get, v, get, nl, OP.simd, OP.i8x16Eq],
    ...[OP.simd, OP.v128Or, OP.simd, OP.i8x16Bitmask, set, m],
    // The last vector may reach past n: its bits there are cleared.
    ...[get, n, get, i, OP.i32Sub, OP.i32Const, 16, OP.i32LtU, OP.if, OP.void],
    ...[get, m, OP.i32Const, 1, get, n, get, i, OP.i32Sub, OP.i32Shl, OP.i32Const, 1, OP.i32Sub, OP.i32And, set, m],
    OP.end,
    ...[OP.block, OP.void, OP.loop, OP.void],
    ...[get, m, OP.i32Eqz, OP.brIf, 1],
    ...[get, out, get, i, get, m, OP.i32Ctz, OP.i32Add, OP.i32Store, 2, 0],
    ...[get, out, OP.i32Const, 4, OP.i32Add, set, out],
    ...[get, m, get, m, OP.i32Const, 1, OP.i32Sub, OP.i32And, set, m],
    ...[OP.br, 0, OP.end, OP.end],
    ...[get, i, OP.i32Const, 16, OP.i32Add, set, i],
    ...[OP.br, 0, OP.end, OP.end],
    ...[get, out, OP.i32Const, ...sleb(OUT), OP.i32Sub, OP.i32Const, 2, OP.i32ShrU],
    OP.end,
  ];
  const body = [2, 3, OP.i32, 3, OP.v128, ...code];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 1, OP.i32, 1, OP.i32]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, ...uleb(PAGES)]),
    ...section(7, [2, ...name('scan'), 0x00, 0, ...name('mem'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** What is used of the WebAssembly API (the project's TypeScript libraries do not declare it). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { scan: (n: number) => number; mem: { buffer: ArrayBuffer } } };
}

function instantiate() {
  const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  const bytes = module();
  if (wasm === undefined || !wasm.validate(bytes)) return null;
  const { exports } = new wasm.Instance(new wasm.Module(bytes));
  const memory = exports.mem.buffer;
  const input = new Uint8Array(memory, 0, SLICE);
  const positions = new Int32Array(memory, OUT, SLICE);
  const { scan } = exports;
  return {
    positions,
    /** The TABs and `\n`s of `buf[from, to)` (at most SLICE bytes): their count, offsets from `from` in `positions`. */
    find(buf: Uint8Array, from: number, to: number): number {
      input.set(buf.subarray(from, to));
      return scan(to - from);
    },
  };
}

export const separators = instantiate();
