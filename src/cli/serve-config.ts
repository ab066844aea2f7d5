/**
 * The configuration of `hotline serve`, validated in one place with a zod schema. Values come from flags,
 * then `HOTLINE_…` environment variables, then a JSON config file (`--config`), then defaults; the schema
 * coerces and checks them all the same way, and the first problem found is reported by option name.
 * @module
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { validateSlowConsumerPolicies } from '../hub/fanout/index.js';
import { ORIGIN } from '../hub/options.js';
import { UsageError } from './args.js';

const nonNegativeInteger = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const positiveInteger = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

/** Repeatable origin options: `*`, or an origin such as `https://app.example` (for CORS, also `http://localhost:*`). */
const origins = z
  .array(
    z.union([
      z.literal('*'),
      z.string().regex(ORIGIN, 'must be an origin like https://app.example (or http://localhost:* for any port)'),
    ]),
  )
  .default([]);

/**
 * Topic selector → slow-consumer policy: an object in a config file, JSON text in a flag or environment
 * variable. Checked by the hub's own `validateSlowConsumerPolicies` — one set of rules for `createHub` and
 * the CLI, so the two can never disagree about what a valid policy is.
 */
const slowConsumers = z.preprocess(
  (value, context) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      context.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
  },
  z.unknown().transform((value, context) => {
    try {
      return validateSlowConsumerPolicies(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
);

export const serveConfigSchema = z
  .object({
    port: z.coerce.number().int().min(0).max(65_535),
    host: z.string().min(1),
    'tls-cert': z.string().min(1).optional(),
    'tls-key': z.string().min(1).optional(),
    'flush-slice-ms': z.union([
      z.literal('Infinity').transform(() => Number.POSITIVE_INFINITY),
      z.coerce.number().min(0).max(1000),
    ]),
    workers: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)]),
    'data-dir': z.string().min(1),
    log: z.string().min(1).optional(),
    'jwt-secret': z.string().min(1).optional(),
    'publisher-jwt-secret': z.string().min(1).optional(),
    'subscriber-jwt-secret': z.string().min(1).optional(),
    'jwt-public-key': z.string().min(1).optional(),
    'jwt-algorithm': z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']),
    'jwks-url': z.url().optional(),
    'jwt-audience': z
      .url({ protocol: /^https?$/, error: "must be an absolute http(s) URL, the hub's public URL" })
      .optional(),
    // Repeatable, and each value may be a comma list as well (the environment variable always is).
    'jwt-issuer': z
      .array(z.string())
      .default([])
      .transform((values) => values.flatMap((value) => value.split(',')).map((value) => value.trim()))
      .pipe(z.array(z.string().min(1, 'an issuer must not be empty'))),
    'max-authorization-details': positiveInteger,
    'allow-anonymous': flag.optional(),
    'cors-origin': origins,
    'publish-origin': origins,
    'history-max-events': nonNegativeInteger,
    'history-max-age-seconds': nonNegativeInteger,
    'max-publish-bytes': positiveInteger,
    'max-event-bytes': positiveInteger,
    'heartbeat-ms': nonNegativeInteger,
    'max-buffered-bytes': positiveInteger,
    'max-state-updates': positiveInteger,
    'max-state-scan': positiveInteger,
    'write-timeout-ms': nonNegativeInteger,
    'max-connection-ms': nonNegativeInteger,
    'max-connections': positiveInteger,
    'max-connections-per-ip': nonNegativeInteger,
    'max-selector-length': positiveInteger,
    'max-template-expressions': positiveInteger,
    'max-templates-per-connection': positiveInteger,
    'max-templates-per-ip': nonNegativeInteger,
    'drain-window-ms': nonNegativeInteger,
    'headers-timeout-ms': positiveInteger,
    'request-timeout-ms': positiveInteger,
    'subscriptions-api': flag.optional(),
    'presence-lease-ms': positiveInteger,
    compression: flag.optional(),
    'no-compression': flag.optional(),
    'compression-max-streams': nonNegativeInteger,
    'slow-consumers': slowConsumers.optional(),
    conflate: z.array(z.string().min(1)).default([]),
    'no-dashboard': flag.optional(),
    demo: flag.optional(),
    'no-demo': flag.optional(),
    'demo-history-max-events': positiveInteger,
    'log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    dev: flag.optional(),
  })
  .strict();

export type ServeConfig = z.infer<typeof serveConfigSchema>;

/** Validates merged option values; a problem becomes a {@link UsageError} naming the option. */
export function validateServeConfig(values: Record<string, unknown>): ServeConfig {
  const result = serveConfigSchema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path.length > 0 ? `--${String(issue.path[0])}` : 'configuration';
  throw new UsageError(`${name}: ${issue.message}`);
}

/** Reads a JSON config file whose keys are the long option names (`{ "port": 8080, "cors-origin": [...] }`). */
export function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--config ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--config ${path}: the file must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
