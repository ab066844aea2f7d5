/**
 * `hotline publish` — publishes one update to a hub over HTTP, as any Mercure publisher would.
 * @module
 */
import {
  HUB_URL_OPTION,
  helpText,
  listOption,
  type OptionTable,
  parseOptions,
  stringOption,
  UsageError,
} from './args.js';
import { unreachable } from './fail.js';
import { sendWith, TLS_TRUST_OPTIONS, tlsTrust } from './tls-trust.js';

const OPTIONS: OptionTable = {
  url: HUB_URL_OPTION,
  ...TLS_TRUST_OPTIONS,
  topic: {
    type: 'string',
    short: 't',
    multiple: true,
    description: 'Topic of the update (first is canonical)',
    valueName: 'topic',
  },
  data: { type: 'string', short: 'd', description: 'Payload, as text', valueName: 'text' },
  json: { type: 'string', description: 'Payload, as JSON (validated, then sent compact)', valueName: 'json' },
  private: { type: 'boolean', description: 'Only subscribers authorized for the topic receive it' },
  type: { type: 'string', description: 'SSE event type', valueName: 'type' },
  id: { type: 'string', description: 'Update id (default: the hub makes urn:uuid:…)', valueName: 'id' },
  retry: { type: 'string', description: 'SSE reconnection time to send, in ms', valueName: 'ms' },
  token: { type: 'string', description: 'Publisher JWT', env: 'HOTLINE_TOKEN', valueName: 'jwt' },
};

export const publishCommand = {
  summary: 'Publish an update to a hub',
  async run(args: string[]): Promise<number> {
    const values = parseOptions(args, OPTIONS);
    if (values.help === true) {
      console.log(
        helpText('hotline publish --topic <topic> (--data <text> | --json <json>) [options]', this.summary, OPTIONS),
      );
      return 0;
    }
    const topics = listOption(values, 'topic');
    if (topics.length === 0) throw new UsageError('--topic is required');
    const body = new URLSearchParams();
    for (const topic of topics) body.append('topic', topic);
    const json = stringOption(values, 'json');
    const data = stringOption(values, 'data');
    if (json !== undefined && data !== undefined) throw new UsageError('give --data or --json, not both');
    if (json !== undefined) {
      try {
        body.set('data', JSON.stringify(JSON.parse(json)));
      } catch {
        throw new UsageError('--json is not valid JSON');
      }
    } else if (data !== undefined) {
      body.set('data', data);
    } else {
      // An update without data is almost always a forgotten flag; `--data ''` still publishes an empty one.
      throw new UsageError('give the payload with --data <text> or --json <json>');
    }
    if (values.private === true) body.set('private', 'on');
    for (const field of ['type', 'id', 'retry'] as const) {
      const value = stringOption(values, field);
      if (value !== undefined) body.set(field, value);
    }
    const token = stringOption(values, 'token');
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    const url = stringOption(values, 'url') ?? '';
    const send = sendWith(tlsTrust(values));
    const response = await send(url, { method: 'POST', headers, body }).catch((error: unknown) => {
      throw unreachable(url, error);
    });
    const text = await response.text();
    if (!response.ok) {
      console.error(`hotline publish: ${response.status} ${describeError(text)}`);
      return 1;
    }
    console.log(text);
    return 0;
  },
};

function describeError(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (parsed.error?.message) return `${parsed.error.code ?? ''} ${parsed.error.message}`.trim();
  } catch {
    // not JSON: show the text as it is
  }
  return text.trim();
}
