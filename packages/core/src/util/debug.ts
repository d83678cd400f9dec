import createDebug from 'debug';

/** `debug` loggers under the `clustrix:` namespace: DEBUG=clustrix:* shows them all. */
export function logger(name: string): createDebug.Debugger {
  return createDebug(`clustrix:${name}`);
}
