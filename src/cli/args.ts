/**
 * Command-line options for every `hotline` command: one table per command gives each option its flag,
 * its `HOTLINE_…` environment variable, its help text and its default, so `--help` and parsing can never
 * disagree. Parsing is `node:util`'s `parseArgs`; flags win over the environment.
 * @module
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  readonly short?: string;
  readonly multiple?: boolean;
  /** The environment variable read when the flag is absent (multiple values: comma-separated). */
  readonly env?: string;
  readonly default?: string;
  /** Shown in help instead of `<value>`. */
  readonly valueName?: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The parsed values: strings, string arrays (`multiple`), booleans; absent options are `undefined`. */
export type ParsedOptions = Record<string, string | string[] | boolean | undefined>;

/** A usage error: the CLI prints it with the help and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Flags first, then environment variables, then `fileValues` (a config file, keyed by long option name),
 * then defaults.
 */
/** `--url`: the hub endpoint, shared by the commands that talk to a hub. */
export const HUB_URL_OPTION: OptionSpec = {
  type: 'string',
  description: 'Hub URL',
  env: 'HOTLINE_URL',
  default: 'http://127.0.0.1:3000/.well-known/mercure',
};

export function parseOptions(
  args: string[],
  table: OptionTable,
  env: NodeJS.ProcessEnv = process.env,
  readFile?: (path: string) => Record<string, unknown>,
): ParsedOptions {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(table)) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  let values: ParsedOptions;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }) as { values: ParsedOptions });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const configPath = typeof values.config === 'string' ? values.config : env.HOTLINE_CONFIG;
  const fromFile = configPath !== undefined && configPath !== '' && readFile !== undefined ? readFile(configPath) : {};
  for (const name of Object.keys(fromFile)) {
    if (!(name in table)) throw new UsageError(`config file: unknown option ${JSON.stringify(name)}`);
  }
  for (const [name, spec] of Object.entries(table)) {
    if (values[name] !== undefined) continue;
    const fileValue = fromFile[name];
    const fromEnv = spec.env === undefined ? undefined : env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      values[name] =
        spec.type === 'boolean'
          ? !['0', 'false', 'no', 'off'].includes(fromEnv.toLowerCase())
          : spec.multiple
            ? fromEnv
                .split(',')
                .map((v) => v.trim())
                .filter(Boolean)
            : fromEnv;
    } else if (fileValue !== undefined) {
      // Config files hold JSON: numbers and booleans are kept as such for the schema to check.
      values[name] = fileValue as string | string[] | boolean;
    } else if (spec.default !== undefined) {
      values[name] = spec.multiple ? [spec.default] : spec.default;
    }
  }
  return values;
}

export function helpText(usage: string, summary: string, table: OptionTable): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : ''}`;
    const extras = [
      spec.default !== undefined ? `default: ${spec.default}` : '',
      spec.env ? `env: ${spec.env}` : '',
      spec.multiple ? 'repeatable' : '',
    ]
      .filter(Boolean)
      .join('; ');
    return [flag, `${spec.description}${extras ? ` (${extras})` : ''}`] as const;
  });
  const width = Math.min(40, Math.max(...rows.map(([flag]) => flag.length)));
  return [
    `Usage: ${usage}`,
    '',
    summary,
    '',
    'Options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    `  ${'-h, --help'.padEnd(width)}  Show this help`,
  ].join('\n');
}

export function stringOption(values: ParsedOptions, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(values: ParsedOptions, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** A non-negative integer option, or a {@link UsageError} naming it. */
export function integerOption(values: ParsedOptions, name: string): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  if (!/^[0-9]+$/.test(raw))
    throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new UsageError(`--${name} is too large`);
  return value;
}
