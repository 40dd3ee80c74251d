import * as Either from "effect/Either"
import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * S3 presigned POST: the fields `create` hands out and their verification on upload, with AWS
 * Signature Version 4 over the base64 policy, as S3 does it.
 *
 * @internal
 */
export interface Signer {
  readonly accessKeyId: string
  readonly secret: string
  readonly region: string
  readonly bucket: string
}

/** @internal */
export interface S3Error {
  readonly status: number
  readonly code: string
  readonly message: string
}

/** @internal */
export const s3Error = (status: number, code: string, message: string): S3Error => ({ status, code, message })

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest()

/** A signer's cache in `caches`, made on first use. */
const cacheOf = <V>(caches: WeakMap<Signer, Map<string, V>>, signer: Signer): Map<string, V> => {
  let cache = caches.get(signer)
  if (cache === undefined) {
    cache = new Map()
    caches.set(signer, cache)
  }
  return cache
}

/**
 * The value `cache` keeps under `key`, made and kept on first use. A cache that holds `bound` values is
 * emptied first: forged scopes and policies must not grow it without bound.
 */
const cached = <V>(cache: Map<string, V>, key: string, bound: number, make: () => V): V => {
  let value = cache.get(key)
  if (value === undefined) {
    value = make()
    if (cache.size >= bound) cache.clear()
    cache.set(key, value)
  }
  return value
}

/** Signing keys by signer, date and region: a session's uploads all share one, so derive it once. */
const signingKeys = new WeakMap<Signer, Map<string, Buffer>>()

const signingKey = (signer: Signer, date: string, region: string): Buffer =>
  cached(
    cacheOf(signingKeys, signer),
    `${date}/${region}`,
    1024,
    () => hmac(hmac(hmac(hmac(`AWS4${signer.secret}`, date), region), "s3"), "aws4_request")
  )

const sign = (signer: Signer, date: string, region: string, policy: string): Buffer =>
  createHmac("sha256", signingKey(signer, date, region)).update(policy, "utf8").digest()

const amzDate = (millis: number): string => new Date(millis).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")

/** Fields that S3 never requires a policy condition for. */
const exempt = (name: string): boolean =>
  name === "policy" || name === "x-amz-signature" || name === "file" || name.startsWith("x-ignore-")

/**
 * The `fields` of an `aws_prefixed_request_config`: the key template under the session's prefix,
 * the policy (expiring with the session, allowing sizes up to `maxFileSize`) and its signature.
 *
 * @internal
 */
export const presign = (
  signer: Signer,
  options: { readonly prefix: string; readonly now: number; readonly expiresAt: number; readonly maxFileSize: number }
): Record<string, string> => {
  const date = amzDate(options.now)
  const credential = `${signer.accessKeyId}/${date.slice(0, 8)}/${signer.region}/s3/aws4_request`
  const policy = {
    expiration: new Date(options.expiresAt).toISOString(),
    conditions: [
      { bucket: signer.bucket },
      ["starts-with", "$key", options.prefix],
      ["content-length-range", 0, options.maxFileSize],
      ["starts-with", "$success_action_status", ""],
      { "x-amz-algorithm": "AWS4-HMAC-SHA256" },
      { "x-amz-credential": credential },
      { "x-amz-date": date }
    ]
  }
  const encoded = Buffer.from(JSON.stringify(policy), "utf8").toString("base64")
  return {
    key: `${options.prefix}\${filename}`,
    "x-amz-algorithm": "AWS4-HMAC-SHA256",
    "x-amz-credential": credential,
    "x-amz-date": date,
    policy: encoded,
    "x-amz-signature": sign(signer, date.slice(0, 8), signer.region, encoded).toString("hex")
  }
}

/** What a verified upload may store: its key and the size range the policy allows. @internal */
export interface Verified {
  readonly key: string
  readonly minSize: number
  readonly maxSize: number
}

const required = ["key", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"] as const

const policyFailed = (condition: unknown): S3Error =>
  s3Error(403, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`)

const invalidPolicy = (message: string): S3Error => s3Error(400, "InvalidPolicyDocument", `Invalid Policy: ${message}`)

interface PolicyDocument {
  readonly expiration: number
  readonly conditions: ReadonlyArray<unknown>
}

interface ReadPolicy {
  /** The signature the policy must carry. */
  readonly signature: Buffer
  readonly document: Either.Either<PolicyDocument, S3Error>
}

/**
 * Policies read so far, by signer, `date/region` and policy. Every upload of a session carries the
 * same policy, so its signature and document are worked out once rather than per upload.
 */
const readPolicies = new WeakMap<Signer, Map<string, Map<string, ReadPolicy>>>()

const readPolicy = (signer: Signer, date: string, region: string, policy: string): ReadPolicy =>
  cached(
    cached(cacheOf(readPolicies, signer), `${date}/${region}`, 64, () => new Map<string, ReadPolicy>()),
    policy,
    1024,
    () => ({ signature: sign(signer, date, region, policy), document: parsePolicy(policy) })
  )

const parsePolicy = (policy: string): Either.Either<PolicyDocument, S3Error> => {
  let document: unknown
  try {
    document = JSON.parse(Buffer.from(policy, "base64").toString("utf8"))
  } catch {
    return Either.left(invalidPolicy("Invalid JSON."))
  }
  if (typeof document !== "object" || document === null || !("expiration" in document) || !("conditions" in document)) {
    return Either.left(invalidPolicy("Missing required field."))
  }
  const expiration = Date.parse(String(document.expiration))
  if (Number.isNaN(expiration)) return Either.left(invalidPolicy("Invalid 'expiration' value."))
  if (!Array.isArray(document.conditions)) return Either.left(invalidPolicy("Invalid 'conditions' value."))
  return Either.right({ expiration, conditions: document.conditions })
}

/**
 * Checks an upload's form fields (names lower-cased) as S3 does, in S3's order: the fields are
 * present, the signature matches the policy, the policy has not expired, and every condition holds
 * while every field is covered by one. The size range is returned for the caller to enforce on
 * the file as it streams.
 *
 * @internal
 */
export const verify = (
  signer: Signer,
  fields: ReadonlyMap<string, string>,
  filename: string,
  now: number
): Either.Either<Verified, S3Error> => {
  const policy = fields.get("policy")
  if (policy === undefined) {
    return Either.left(s3Error(403, "AccessDenied", "Anonymous access is forbidden for this operation"))
  }
  for (const name of required) {
    if (!fields.has(name)) {
      return Either.left(
        s3Error(
          400,
          "InvalidArgument",
          `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`
        )
      )
    }
  }
  if (fields.get("x-amz-algorithm") !== "AWS4-HMAC-SHA256") {
    return Either.left(s3Error(400, "InvalidArgument", "Only AWS4-HMAC-SHA256 is supported as x-amz-algorithm"))
  }
  const scope = fields.get("x-amz-credential")!.split("/")
  if (scope.length !== 5 || scope[3] !== "s3" || scope[4] !== "aws4_request") {
    return Either.left(s3Error(400, "InvalidArgument", "Invalid credential in x-amz-credential"))
  }
  if (scope[0] !== signer.accessKeyId) {
    return Either.left(
      s3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    )
  }
  const checked = readPolicy(signer, scope[1]!, scope[2]!, policy)
  const given = Buffer.from(fields.get("x-amz-signature")!, "hex")
  if (given.length !== checked.signature.length || !timingSafeEqual(given, checked.signature)) {
    return Either.left(
      s3Error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method."
      )
    )
  }
  if (Either.isLeft(checked.document)) return Either.left(checked.document.left)
  const document = checked.document.right
  if (now >= document.expiration) {
    return Either.left(s3Error(403, "AccessDenied", "Invalid according to Policy: Policy expired."))
  }
  const conditions = document.conditions

  const key = fields.get("key")!.replaceAll("${filename}", () => filename)
  const valueOf = (name: string) => name === "key" ? key : name === "bucket" ? signer.bucket : fields.get(name)
  const covered = new Set<string>()
  let minSize = 0
  let maxSize = Number.POSITIVE_INFINITY
  for (const condition of conditions) {
    if (Array.isArray(condition)) {
      const [operator, subject, operand]: ReadonlyArray<unknown> = condition
      if (operator === "content-length-range") {
        minSize = Number(subject)
        maxSize = Number(operand)
        continue
      }
      if (typeof subject !== "string" || !subject.startsWith("$") || typeof operand !== "string") {
        return Either.left(invalidPolicy("Invalid Policy condition."))
      }
      const name = subject.slice(1).toLowerCase()
      covered.add(name)
      const value = valueOf(name)
      const holds = operator === "eq"
        ? value === operand
        : operator === "starts-with"
        ? (value ?? "").startsWith(operand)
        : undefined
      if (holds === undefined) return Either.left(invalidPolicy(`Unknown condition operator ${String(operator)}.`))
      if (!holds) return Either.left(policyFailed(condition))
      continue
    }
    if (typeof condition !== "object" || condition === null) {
      return Either.left(invalidPolicy("Invalid Policy condition."))
    }
    for (const [rawName, expectedValue] of Object.entries(condition)) {
      const name = rawName.toLowerCase()
      covered.add(name)
      const value = valueOf(name)
      if (value !== expectedValue) return Either.left(policyFailed(["eq", `$${rawName}`, expectedValue]))
    }
  }
  const extra = [...fields.keys()].filter((name) => !exempt(name) && !covered.has(name))
  if (extra.length > 0) {
    return Either.left(
      s3Error(403, "AccessDenied", `Invalid according to Policy: Extra input fields: ${extra.join(", ")}`)
    )
  }
  return Either.right({ key, minSize, maxSize })
}
