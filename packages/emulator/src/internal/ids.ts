import { PCGRandom } from "effect/Utils"

/**
 * A seeded source of uuids (version 4 layout), so that two runs with the same seed hand out the same
 * session and file ids in the same order.
 *
 * @internal
 */
export class IdSource {
  private readonly random: PCGRandom
  /** Reused for every id: one string allocation per uuid, as seeding makes a million of them. */
  private readonly bytes = new Uint8Array(16)
  private readonly text = Buffer.alloc(36, 0x2d)

  constructor(seed: number) {
    this.random = new PCGRandom(seed >>> 0, Math.floor(seed / 0x1_0000_0000) >>> 0)
  }

  uuid(): string {
    const bytes = this.bytes
    for (let i = 0; i < 16; i += 2) {
      const n = this.random.integer(0x10000)
      bytes[i] = n >>> 8
      bytes[i + 1] = n & 0xff
    }
    bytes[6] = (bytes[6]! & 0x0f) | 0x40
    bytes[8] = (bytes[8]! & 0x3f) | 0x80
    const text = this.text
    let at = 0
    for (let i = 0; i < 16; i++) {
      // The dashes of 8-4-4-4-12 stay where Buffer.alloc put them.
      if (i === 4 || i === 6 || i === 8 || i === 10) at++
      text[at++] = hexDigits[bytes[i]! >>> 4]!
      text[at++] = hexDigits[bytes[i]! & 0x0f]!
    }
    return text.toString("latin1")
  }
}

const hexDigits = Buffer.from("0123456789abcdef", "latin1")

const uuidPattern = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

/**
 * Normalises a uuid the way pydantic accepts it (any case, hyphens optional), or `undefined`.
 *
 * @internal
 */
export const parseUuid = (input: string): string | undefined => {
  const stripped = input.startsWith("urn:uuid:") ? input.slice(9) : input
  if (!uuidPattern.test(stripped)) return undefined
  const hex = stripped.replace(/-/g, "").toLowerCase()
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
