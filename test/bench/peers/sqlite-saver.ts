import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";

type Prepare = (sql: string, database: unknown, pragma: boolean) => unknown;

/**
 * A SqliteSaver on an in-memory database whose prepared statements are cached and so never
 * garbage collected: better-sqlite3 12 under Node 24 aborts the process when the GC finalizes a
 * statement (`Assertion failed: (env) != nullptr` in `Statement::~Statement`, a known issue), and
 * the saver's `db.pragma` call leaves one behind. Every statement it runs completes synchronously,
 * so reusing them is safe; it only saves the saver work.
 */
export function sqliteSaver(): SqliteSaver {
  const saver = SqliteSaver.fromConnString(":memory:");
  const db = (saver as unknown as { db: Record<symbol, { prepare: Prepare }> }).db;
  for (const key of Object.getOwnPropertySymbols(db)) {
    const native = db[key];
    if (typeof native?.prepare !== "function") continue;
    const prepare = native.prepare.bind(native);
    const cache = new Map<string, unknown>();
    native.prepare = (sql, database, pragma) => {
      const key = `${pragma}:${sql}`;
      let statement = cache.get(key);
      if (!statement) {
        statement = prepare(sql, database, pragma);
        cache.set(key, statement);
      }
      return statement;
    };
  }
  // The saver creates its tables on first use; the byte counts query them before that.
  (saver as unknown as { setup(): void }).setup();
  return saver;
}
