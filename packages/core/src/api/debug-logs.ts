/**
 * Turn on Clustrix's `debug` logs from code (what `DEBUG=clustrix:*` does from the environment),
 * e.g. for a `--verbose` flag: `enableDebugLogs()` or `enableDebugLogs('clustrix:ssh,clustrix:slurm')`.
 */
import createDebug from 'debug';

export function enableDebugLogs(namespaces = 'clustrix:*'): void {
  const current = process.env.DEBUG;
  createDebug.enable(current ? `${namespaces},${current}` : namespaces);
}
