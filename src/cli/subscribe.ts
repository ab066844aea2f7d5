/**
 * `hotline subscribe` — prints the updates of a hub as they arrive, one JSON line each; reconnects and
 * resumes by id when the stream drops.
 * @module
 */
import { iterateEvents, STATE_PARAMETER } from '../protocol/index.js';
import {
  HUB_URL_OPTION,
  helpText,
  listOption,
  type OptionTable,
  parseOptions,
  stringOption,
  UsageError,
} from './args.js';
import { CliError, unreachable } from './fail.js';
import { sendWith, TLS_TRUST_OPTIONS, tlsTrust } from './tls-trust.js';

const OPTIONS: OptionTable = {
  url: HUB_URL_OPTION,
  ...TLS_TRUST_OPTIONS,
  topic: {
    type: 'string',
    short: 't',
    multiple: true,
    description: 'Topic selector (exact, URI template or *)',
    valueName: 'selector',
  },
  'last-event-id': {
    type: 'string',
    description: 'Resume after this id ("earliest" for all history)',
    valueName: 'id',
  },
  state: {
    type: 'string',
    multiple: true,
    description:
      'Start with the current state (a Hotline hub): latest, last:N, or either @selector; dropped once there is an id to resume from',
    valueName: 'mode',
  },
  token: {
    type: 'string',
    description: 'Subscriber JWT (for private updates)',
    env: 'HOTLINE_TOKEN',
    valueName: 'jwt',
  },
  raw: { type: 'boolean', description: 'Print only the data of each event' },
};

const RECONNECT_DELAY_MS = 1000;

export const subscribeCommand = {
  summary: 'Print the updates of a hub as they arrive',
  async run(args: string[]): Promise<number> {
    const values = parseOptions(args, OPTIONS);
    if (values.help === true) {
      console.log(helpText('hotline subscribe --topic <selector> [options]', this.summary, OPTIONS));
      return 0;
    }
    const topics = listOption(values, 'topic');
    if (topics.length === 0) throw new UsageError('--topic is required');
    const hubUrl = stringOption(values, 'url') ?? '';
    let url: URL;
    try {
      url = new URL(hubUrl);
    } catch (error) {
      throw unreachable(hubUrl, error);
    }
    for (const topic of topics) url.searchParams.append('topic', topic);
    const state = listOption(values, 'state');
    const token = stringOption(values, 'token');
    let lastEventId = stringOption(values, 'last-event-id');
    const send = sendWith(tlsTrust(values));
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    // A hub that stays down fails every second the same way: say it once, not once a second.
    let lastComplaint = '';
    while (!stop.signal.aborted) {
      let answered = false;
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (token !== undefined) headers.Authorization = `Bearer ${token}`;
      if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
      try {
        const response = await send(withState(url, lastEventId === undefined ? state : []), {
          headers,
          signal: stop.signal,
        });
        answered = true;
        lastComplaint = '';
        if (!response.ok || response.body === null) {
          console.error(`hotline subscribe: ${response.status} ${(await response.text()).trim()}`);
          return 1;
        }
        // Anything but an event stream (the dashboard's HTML when the path was forgotten) will not turn into
        // one by retrying: say so once instead of reconnecting forever.
        const contentType = response.headers.get('content-type') ?? '';
        if (!/^text\/event-stream\b/i.test(contentType)) {
          await response.body.cancel();
          throw new CliError(
            `${hubUrl} answered ${JSON.stringify(contentType || 'no content type')}, not an event stream — is the path right? a hub's is /.well-known/mercure`,
          );
        }
        for await (const event of iterateEvents(response.body, {}, { lastEventId: lastEventId ?? '' })) {
          if (event.lastEventId !== '') lastEventId = event.lastEventId;
          console.log(values.raw === true ? event.data : JSON.stringify(event));
        }
      } catch (error) {
        if (stop.signal.aborted) break;
        if (error instanceof CliError) throw error;
        // Only a request that got no answer is a reason to doubt the URL; a stream that broke is resumed.
        const complaint = answered
          ? `the stream from ${hubUrl} broke (${error instanceof Error ? error.message : String(error)})`
          : (unreachable(hubUrl, error) as Error).message;
        if (complaint !== lastComplaint) console.error(`hotline subscribe: ${complaint}; reconnecting`);
        lastComplaint = complaint;
      }
      if (!stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
    }
    return 0;
  },
};

/** The subscribe URL with the state request; a resume (with an id) owes what was missed instead. */
function withState(url: URL, state: readonly string[]): URL {
  if (state.length === 0) return url;
  const asking = new URL(url);
  for (const value of state) asking.searchParams.append(STATE_PARAMETER, value);
  return asking;
}
