// Loaded before every test file of a Stryker run (vitest.mutation.config.ts), so the core's
// module-level code (price tables, event schemas, token patterns, prompts) runs outside any test.
// Stryker then sees a mutant there as static: it reloads the module with the mutant and runs every
// test. Loaded first by a test instead (the modules are shared between test files), such a mutant
// was charged to that one test, ran after the module had loaded, and so could never be killed.
import "../../shared/core/index.ts";
import "../../shared/core/compaction.ts";
import "../../shared/core/cost.ts";
