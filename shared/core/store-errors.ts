import { registerErrorNames, TwelveError } from "./errors.ts";

/**
 * An `Idempotency-Key` sent again with another request (agent, message or metadata differ) than
 * the one it first came with: answering with the first thread would hide that the second request
 * was never carried out.
 *
 * @example
 * await expect(store.create({ thread, head, idempotencyKey, fingerprint })).rejects.toThrow(
 *   IdempotencyKeyReusedError,
 * );
 */
export class IdempotencyKeyReusedError extends TwelveError {
  readonly idempotencyKey: string;
  constructor(idempotencyKey: string) {
    super(
      `Idempotency-Key ${idempotencyKey} was used for another request (agent, message or ` +
        "metadata differ): use a new key for a new request",
      { code: "idempotency_key_reused" },
    );
    this.idempotencyKey = idempotencyKey;
  }
}

registerErrorNames({ IdempotencyKeyReusedError });
