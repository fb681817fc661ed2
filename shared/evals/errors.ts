import { registerErrorNames, TwelveError } from "../core/errors.ts";

/**
 * A dataset that cannot be read: a line that is not JSON, not a case, or a case of a newer
 * schema version. The message names the file and the line.
 */
export class DatasetError extends TwelveError {
  /** The 1-based line of the dataset the problem is on (0: the dataset as a whole). */
  readonly line: number;
  constructor(message: string, line: number, options?: { cause?: unknown }) {
    super(message, { ...options, code: "invalid_dataset" });
    this.line = line;
  }
}

/**
 * A replay from cassettes met a model request no cassette holds: the run fails closed, naming
 * the case and the step, instead of calling the model.
 */
export class CassetteMissError extends TwelveError {
  constructor(message: string) {
    super(message, { code: "cassette_miss" });
  }
}

/** A scorer threw, or returned no verdict: the case fails, it never counts as a pass. */
export class ScorerError extends TwelveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "scorer_failed" });
  }
}

registerErrorNames({ DatasetError, CassetteMissError, ScorerError });
