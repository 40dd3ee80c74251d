/**
 * S3's XML error bodies (`<Error><Code>…</Code><Message>…</Message></Error>`), read without an XML
 * parser: only two leaf elements matter, and a body that is not S3's XML must still give a readable error.
 *
 * @internal
 */

/** Error bodies longer than this are cut: S3's own are a few hundred bytes, anything longer is not S3. */
export const maxExcerpt = 1024

const entities: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }

const decodeEntities = (text: string): string =>
  text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith("#")) {
      const code = entity[1] === "x" ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10)
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return entities[entity] ?? whole
  })

const element = (xml: string, name: string): string | undefined => {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)
  return match === null ? undefined : decodeEntities(match[1]!.trim())
}

/** The code and message of an S3 error body; `code` is `"Unknown"` when the body is not S3's XML. */
export const parseError = (body: string): { readonly code: string; readonly detail: string } => {
  const code = element(body, "Code")
  const message = element(body, "Message")
  if (code !== undefined) {
    return { code, detail: message ?? "" }
  }
  const excerpt = body.trim()
  return { code: "Unknown", detail: excerpt.length > maxExcerpt ? `${excerpt.slice(0, maxExcerpt)}…` : excerpt }
}

// S3's codes for a request it did not get whole or in time: sending it again can succeed.
const transientCodes: ReadonlySet<string> = new Set(["RequestTimeout", "IncompleteBody", "SlowDown", "InternalError"])

/**
 * Whether an S3 refusal is worth retrying: any 5xx (503 `SlowDown` included), 429, and the 400s that mean
 * the body did not arrive whole (`RequestTimeout`, `IncompleteBody`). `AccessDenied` (policy expired,
 * session closed), `EntityTooLarge` and `InvalidArgument` are final.
 */
export const isTransient = (status: number, code: string): boolean =>
  status >= 500 || status === 429 || (status === 400 && transientCodes.has(code))
