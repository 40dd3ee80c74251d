/**
 * SHA-256 as lowercase hex, synchronous and without `node:crypto`, so that it runs on every platform the
 * SDK runs on: the journal's default location (a pure function of a few hundred bytes), and the bytes of
 * each file as the upload run streams them (`hasher`, fed chunk by chunk, never by a second read).
 *
 * @internal
 */

// Int32 throughout: V8 keeps 32-bit signed words in registers, where unsigned ones above 2^31 (`>>> 0`) become
// heap numbers; the sums wrap with `| 0` all the same.
const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2
])

/** An incremental SHA-256: bytes fed in pieces as they stream, the digest once at the end. */
export interface Hasher {
  readonly update: (bytes: Uint8Array) => void
  /** The digest of everything fed so far, as 64 lowercase hex digits; the hasher is spent after it. */
  readonly digest: () => string
}

// Hashes whole 64-byte blocks of `data` from `offset` into `h`.
const compress = (h: Int32Array, w: Int32Array, data: Uint8Array, offset: number, end: number) => {
  let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!, h5 = h[5]!, h6 = h[6]!, h7 = h[7]!
  for (; offset + 64 <= end; offset += 64) {
    for (let i = 0, j = offset; i < 16; i++, j += 4) {
      w[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!
    }
    for (let i = 16; i < 64; i++) {
      const w15 = w[i - 15]!
      const w2 = w[i - 2]!
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const ch = (e & f) ^ (~e & g)
      const t1 = (hh + S1 + ch + K[i]! + w[i]!) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const maj = (a & b) ^ (a & c) ^ (b & c)
      hh = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + S0 + maj) | 0
    }
    h0 = (h0 + a) | 0
    h1 = (h1 + b) | 0
    h2 = (h2 + c) | 0
    h3 = (h3 + d) | 0
    h4 = (h4 + e) | 0
    h5 = (h5 + f) | 0
    h6 = (h6 + g) | 0
    h7 = (h7 + hh) | 0
  }
  h[0] = h0
  h[1] = h1
  h[2] = h2
  h[3] = h3
  h[4] = h4
  h[5] = h5
  h[6] = h6
  h[7] = h7
  return offset
}

/** A fresh hasher. */
export const hasher = (): Hasher => {
  const h = new Int32Array([
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19
  ])
  const w = new Int32Array(64)
  // Bytes of an unfinished block, carried to the next update.
  const block = new Uint8Array(64)
  let pending = 0
  let length = 0
  const update = (bytes: Uint8Array) => {
    length += bytes.length
    let offset = 0
    if (pending > 0) {
      offset = Math.min(64 - pending, bytes.length)
      block.set(bytes.subarray(0, offset), pending)
      pending += offset
      if (pending < 64) return
      compress(h, w, block, 0, 64)
      pending = 0
    }
    offset = compress(h, w, bytes, offset, bytes.length)
    block.set(bytes.subarray(offset), 0)
    pending = bytes.length - offset
  }
  const digest = () => {
    // 0x80, zeros, then the 64-bit big-endian bit length, closing the last block (or two).
    const bits = length * 8
    const tail = new Uint8Array(pending < 56 ? 64 - pending : 128 - pending)
    tail[0] = 0x80
    const view = new DataView(tail.buffer)
    view.setUint32(tail.length - 8, Math.floor(bits / 0x1_0000_0000))
    view.setUint32(tail.length - 4, bits >>> 0)
    update(tail)
    let hex = ""
    for (const word of h) hex += (word >>> 0).toString(16).padStart(8, "0")
    return hex
  }
  return { update, digest }
}

/** The SHA-256 of `bytes`, as 64 lowercase hex digits. */
export const sha256Hex = (bytes: Uint8Array): string => {
  const hash = hasher()
  hash.update(bytes)
  return hash.digest()
}

/** The SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex digits. */
export const sha256HexOfString = (text: string): string => sha256Hex(new TextEncoder().encode(text))
