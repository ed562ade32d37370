/** The state of Baagøe's Alea generator (seedrandom's `alea`, which tfjs's randomUniform draws from). */
export interface AleaState {
  s0: number;
  s1: number;
  s2: number;
  c: number;
}

/** Baagøe's Mash hash, as Alea seeds itself with it. */
function mash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
}

/** Alea's state after seeding with `seed` (as seedrandom's `alea(seed)`). */
export function aleaSeed(seed: string): AleaState {
  const m = mash();
  const st: AleaState = { c: 1, s0: m(' '), s1: m(' '), s2: m(' ') };
  st.s0 -= m(seed);
  if (st.s0 < 0) st.s0 += 1;
  st.s1 -= m(seed);
  if (st.s1 < 0) st.s1 += 1;
  st.s2 -= m(seed);
  if (st.s2 < 0) st.s2 += 1;
  return st;
}

/** Alea's multiplier: its step is t = A·s0 + c·2⁻³², in integers a lag-3 multiply-with-carry of base 2³². */
export const ALEA_MULTIPLIER = 2091639;

const A = BigInt(ALEA_MULTIPLIER);
const B = 2n ** 32n;
/** The MWC's modulus m = A·B³ − 1: state z = A·(x₁ + x₂B + x₃B²) + c, one step is z ↦ B⁻¹·z mod m, B⁻¹ = A·B². */
const M = A * B ** 3n - 1n;
const B_INV = A * B * B;
const jumps = new Map<number, bigint>();

function powMod(x: bigint, e: number): bigint {
  let r = 1n;
  let p = x % M;
  for (let k = e; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) r = (r * p) % M;
    p = (p * p) % M;
  }
  return r;
}

/**
 * The Alea state before draws 0, `chunk`, 2·`chunk`, … (`chunks` of them) from `st`, as four words per chunk
 * (x₁, x₂, x₃, c: the three lags as 32-bit integers, oldest first, and the carry). Alea's doubles are multiples of
 * 2⁻³², so its step is exactly an integer lag-3 multiply-with-carry generator, which jumps ahead by multiplication
 * modulo m (Couture and L'Ecuyer): one BigInt product per chunk, so a GPU thread per chunk replays the stream.
 */
export function aleaChunkStarts(st: AleaState, chunk: number, chunks: number): Uint32Array {
  let jump = jumps.get(chunk);
  if (jump === undefined) {
    jump = powMod(B_INV, chunk);
    jumps.set(chunk, jump);
  }
  const words = (s: number) => BigInt(Math.round(s * 4294967296));
  let z = A * (words(st.s0) + words(st.s1) * B + words(st.s2) * B * B) + BigInt(st.c);
  const out = new Uint32Array(4 * chunks);
  for (let k = 0; k < chunks; k++) {
    const x = z / A;
    out[4 * k] = Number(x & 0xffffffffn);
    out[4 * k + 1] = Number((x >> 32n) & 0xffffffffn);
    out[4 * k + 2] = Number(x >> 64n);
    out[4 * k + 3] = Number(z % A);
    z = (z * jump) % M;
  }
  return out;
}
