/**
 * The routes the emulator serves, named once: the request log adds `unknown` to them, fault rules `*`.
 *
 * @internal
 */
export const served = [
  "create",
  "close",
  "getStatus",
  "getFiles",
  "list",
  "s3",
  "uploadFile",
  "listFiles",
  "getFile",
  "getFileMeta"
] as const
