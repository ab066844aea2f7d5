/**
 * `hotline token` — mints a JWT for a hub, for development and scripts.
 * @module
 */
import { SignJWT } from 'jose';
import { weakSecretProblem } from '../hub/auth/index.js';
import {
  helpText,
  integerOption,
  listOption,
  type OptionTable,
  parseOptions,
  stringOption,
  UsageError,
} from './args.js';

const OPTIONS: OptionTable = {
  secret: {
    type: 'string',
    description: 'HMAC secret the hub verifies with',
    env: 'HOTLINE_JWT_SECRET',
    valueName: 'secret',
  },
  publish: {
    type: 'string',
    multiple: true,
    description: 'Topic selector the bearer may publish to ("*" for all)',
    valueName: 'selector',
  },
  subscribe: {
    type: 'string',
    multiple: true,
    description: 'Topic selector whose private updates the bearer may receive',
    valueName: 'selector',
  },
  payload: { type: 'string', description: 'JSON for the mercure.payload claim', valueName: 'json' },
  'ttl-seconds': {
    type: 'string',
    description: 'Lifetime of the token; 0 for none',
    default: '3600',
    valueName: 'seconds',
  },
  subject: { type: 'string', description: 'The sub claim', valueName: 'sub' },
  dev: {
    type: 'boolean',
    description: 'Accept a secret shorter than 32 bytes, as `hotline serve --dev` does (development only)',
  },
};

const USAGE = 'hotline token --secret <secret> (--publish <selector> | --subscribe <selector>)…';

export const tokenCommand = {
  summary: 'Mint a JWT with mercure.publish / mercure.subscribe claims',
  async run(args: string[]): Promise<number> {
    const values = parseOptions(args, OPTIONS);
    if (values.help === true) {
      console.log(helpText(USAGE, this.summary, OPTIONS));
      return 0;
    }
    const secret = stringOption(values, 'secret');
    if (secret === undefined || secret === '') throw new UsageError('--secret (or HOTLINE_JWT_SECRET) is required');
    const problem = values.dev === true ? undefined : weakSecretProblem(secret);
    if (problem !== undefined) throw new UsageError(`--secret: ${problem}, or pass --dev for a hub run with --dev`);
    const publish = listOption(values, 'publish');
    const subscribe = listOption(values, 'subscribe');
    // A token without either claim grants nothing: minting one is a mistake, not a request.
    if (publish.length === 0 && subscribe.length === 0) {
      throw new UsageError(`the token would grant nothing: give --publish and/or --subscribe (usage: ${USAGE})`);
    }
    const token = await mintToken({
      secret,
      publish,
      subscribe,
      payload: parsePayload(stringOption(values, 'payload')),
      ttlSeconds: integerOption(values, 'ttl-seconds') ?? 3600,
      subject: stringOption(values, 'subject'),
    });
    console.log(token);
    return 0;
  },
};

export interface MintOptions {
  secret: string;
  publish?: string[];
  subscribe?: string[];
  payload?: unknown;
  ttlSeconds?: number;
  subject?: string | undefined;
}

/** Signs an HS256 token with a `mercure` claim. */
export async function mintToken(options: MintOptions): Promise<string> {
  const mercure: Record<string, unknown> = {};
  if (options.publish?.length) mercure.publish = options.publish;
  if (options.subscribe?.length) mercure.subscribe = options.subscribe;
  if (options.payload !== undefined) mercure.payload = options.payload;
  let jwt = new SignJWT({ mercure }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (options.subject !== undefined) jwt = jwt.setSubject(options.subject);
  if (options.ttlSeconds !== undefined && options.ttlSeconds > 0) jwt = jwt.setExpirationTime(`${options.ttlSeconds}s`);
  return jwt.sign(new TextEncoder().encode(options.secret));
}

function parsePayload(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError('--payload must be JSON');
  }
}
