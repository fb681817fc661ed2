/**
 * A handler built on its first invocation and kept for the container's life, so a bad setting
 * fails that invocation loudly by name (not the module's import, which Lambda retries opaquely).
 */
export function lazyHandler<A extends unknown[], R>(
  build: () => (...args: A) => R,
): (...args: A) => R {
  let handler: ((...args: A) => R) | undefined;
  return (...args) => {
    handler ??= build();
    return handler(...args);
  };
}
