import createDebug from 'debug';

/** `debug` loggers under `clustrix:kubernetes:`: DEBUG=clustrix:* shows them with core's. */
export function logger(name: string): createDebug.Debugger {
  return createDebug(`clustrix:kubernetes:${name}`);
}
