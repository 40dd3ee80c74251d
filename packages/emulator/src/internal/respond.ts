import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { S3Error } from "./policy.js"
import type { ErrorDetail } from "./validation.js"

/** @internal */
export const json = (
  status: number,
  body: unknown,
  headers?: Record<string, string>
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(body, headers === undefined ? { status } : { status, headers })

/** FastAPI's error body: `{"detail": "..."}`. @internal */
export const detail = (status: number, message: string, headers?: Record<string, string>) =>
  json(status, { detail: message }, headers)

/** @internal */
export const notFound = (message = "Not Found") => detail(404, message)

/** @internal */
export const unauthorized = detail(401, "Not authenticated", { "www-authenticate": "Bearer" })

/** @internal */
export const unprocessable = (errors: ReadonlyArray<ErrorDetail>) => json(422, { detail: errors })

/** @internal */
export const unsupportedMediaType = detail(415, "Unsupported Media Type: expected application/json")

/** @internal */
export const escapeXml = (text: string): string =>
  text.replace(/[<>&]/g, (c) => c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&amp;")

/** An S3 error in S3's XML format. @internal */
export const s3Error = (error: S3Error, requestId: string, extra: Record<string, string> = {}) =>
  HttpServerResponse.text(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code><Message>${
      escapeXml(error.message)
    }</Message>${
      Object.entries(extra).map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join("")
    }<RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`,
    { status: error.status, contentType: "application/xml", headers: { "x-amz-request-id": requestId } }
  )
