/**
 * The error family lives in @clustrix/wire (the runner's error codec needs it too): one family, one brand.
 * Core re-exports it unchanged, so `import { ConfigError } from '../errors.js'` keeps working inside core.
 */
export * from '@clustrix/wire/errors';
