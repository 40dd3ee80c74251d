import { assert, describe, it } from "@effect/vitest"
import * as S3Xml from "../../packages/sdk/src/internal/s3Xml.js"

describe("S3 error bodies", () => {
  it("reads the code and the message, entities decoded", () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired &amp; &#x27;gone&#39;.</Message>
<RequestId>ABC</RequestId></Error>`
    assert.deepStrictEqual(S3Xml.parseError(body), {
      code: "AccessDenied",
      detail: "Invalid according to Policy: Policy expired & 'gone'."
    })
  })

  it("keeps a bounded excerpt of a body that is not S3's XML", () => {
    assert.deepStrictEqual(S3Xml.parseError("  <html>Bad gateway</html> "), {
      code: "Unknown",
      detail: "<html>Bad gateway</html>"
    })
    const long = S3Xml.parseError("x".repeat(10_000))
    assert.strictEqual(long.detail.length, S3Xml.maxExcerpt + 1)
  })

  it("retries what can succeed the next time, and nothing else", () => {
    for (
      const [status, code] of [[500, "InternalError"], [503, "SlowDown"], [502, "Unknown"], [400, "RequestTimeout"], [
        400,
        "IncompleteBody"
      ], [429, "Unknown"]] as const
    ) {
      assert.isTrue(S3Xml.isTransient(status, code), `${status} ${code}`)
    }
    for (
      const [status, code] of [
        [403, "AccessDenied"],
        [400, "EntityTooLarge"],
        [400, "InvalidArgument"],
        [
          400,
          "EntityTooSmall"
        ],
        [404, "NoSuchBucket"],
        [412, "PreconditionFailed"]
      ] as const
    ) {
      assert.isFalse(S3Xml.isTransient(status, code), `${status} ${code}`)
    }
  })
})
