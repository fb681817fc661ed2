/**
 * DynamoDB item size the way DynamoDB bills it (AWS docs, "Item sizes and formats"): each
 * attribute is the UTF-8 length of its name plus the size of its value. Strings and binaries:
 * their length; numbers: 1 byte + 1 byte per two significant digits (leading and trailing zeros
 * trimmed); booleans and null: 1 byte; lists and maps: 3 bytes + 1 byte per element + contents.
 */
export function itemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name, "utf8") + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  if (typeof value === "number" || typeof value === "bigint") return numberSize(value);
  if (typeof value === "boolean" || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) {
    return 3 + value.reduce((sum: number, item) => sum + 1 + valueSize(item), 0);
  }
  if (typeof value === "object") {
    let size = 3;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item === undefined) continue;
      size += 1 + Buffer.byteLength(key, "utf8") + valueSize(item);
    }
    return size;
  }
  throw new TypeError(`no DynamoDB size for ${typeof value}`);
}

function numberSize(value: number | bigint): number {
  const digits = String(value)
    .replace(/^-/, "")
    .replace(/e[+-]?\d+$/i, "")
    .replace(".", "")
    .replace(/^0+/, "")
    .replace(/0+$/, "");
  return 1 + Math.ceil(Math.max(digits.length, 1) / 2);
}
