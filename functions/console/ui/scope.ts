import { api } from "./api.ts";

/** What a key may do with threads (`GET /me`'s `can`). */
export type Verb = "read" | "launch" | "message" | "decide" | "cancel" | "fork" | "delete";

/** `GET /me`: who the key is, its agents (null: every agent) and verbs. */
export interface Me {
  principal: string;
  agents: string[] | null;
  can: Verb[];
}

let current: Me | null = null;

/**
 * Reads who the key is, once per sign-in. Without an answer (an older API) the console shows
 * everything; the API still refuses what the key may not do, and the console shows its 403.
 */
export async function loadMe(): Promise<Me> {
  current = await api<Me>("GET", "/me").catch(() => null);
  return current ?? { principal: "", agents: null, can: [] };
}

/**
 * Whether the key may do `verb`: the console hides the controls of the rest (launch form,
 * approve and reject, cancel, fork, delete).
 *
 * @example
 * {may("fork") && <button onClick={fork}>Fork</button>}
 */
export const may = (verb: Verb): boolean => current === null || current.can.includes(verb);

/** What the key may do, as a sentence's end ("launch, message"), for a page it may not read. */
export const mayList = (): string => current?.can.join(", ") || "nothing";
