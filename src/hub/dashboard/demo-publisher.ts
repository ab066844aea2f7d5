/**
 * The demo publisher: a small, plausible world for the four demo panels — stock prices on a random walk,
 * headlines, two football matches with a clock and goals, and private notifications for one user.
 * Everything goes through `host.publish`, so it is validated, stored and resumable like any update.
 * @module
 */
import type { DashboardHost } from '../extension.js';
import type { PublishInput } from '../publish-input.js';

/** Options of {@link startDemoPublisher}. */
export interface DemoPublisherOptions {
  /** One tick of the demo world, in ms: prices move and match clocks advance once per tick. @defaultValue 1000 */
  tickMs?: number;
  /** Whose private notifications are published. @defaultValue 'alice' */
  user?: string;
  /** Source of randomness in [0, 1), for reproducible runs. @defaultValue Math.random */
  random?: () => number;
  /** Called when a publish fails (log unavailable, …); the demo keeps going. @defaultValue ignore */
  onError?: (error: unknown) => void;
}

export const DEMO_DEFAULTS = Object.freeze({
  tickMs: 1000,
  user: 'alice',
  /** The demo's own history budget (`hotline serve` keeps it apart where the log can): ~5 minutes of it. */
  historyMaxEvents: 2000,
});

/**
 * The topics the demo publishes to, as a separate retention share (`separate-retention.ts`): prefixes end
 * in `/`, the rest are exact.
 */
export function demoRetentionTopics(user: string): string[] {
  return ['/stocks/', '/matches/', '/news', '/notifications', notificationTopic(user)];
}

/** The topics and selectors of the demo, as the demo page subscribes to them. */
export function demoTopics(user: string | undefined) {
  return {
    stocks: '/stocks/{symbol}',
    news: '/news',
    matches: '/matches/{id}',
    /** Public notices for everyone, then the user's private ones (if a demo user is configured). */
    notifications: ['/notifications', ...(user === undefined ? [] : [notificationTopic(user)])],
  };
}

export function notificationTopic(user: string): string {
  return `/users/${encodeURIComponent(user)}/notifications`;
}

const STOCKS: ReadonlyArray<readonly [string, number]> = [
  ['ACME', 120],
  ['GLOBEX', 56],
  ['INITECH', 18.5],
  ['UMBRELLA', 342],
  ['HOOLI', 911],
];

const HEADLINES = [
  'Central bank holds rates steady for a third month',
  'Open-source hub passes one million concurrent streams in test',
  'Heatwave pushes power demand to a record',
  'Local team signs young striker on a five-year deal',
  'New battery chemistry doubles charging speed in lab trials',
  'City council approves car-free weekend downtown',
  'Chip maker beats forecasts on data-centre demand',
  'Rare comet visible to the naked eye this week',
];

const TEAMS = ['Lions', 'Eagles', 'Sharks', 'Wolves', 'Bears', 'Falcons', 'Tigers', 'Rovers'];

const NOTICES = [
  'Your order has shipped',
  'New sign-in from a browser',
  'Bob mentioned you in a comment',
  'Your report is ready to download',
  'Payment received, thank you',
];

interface Match {
  readonly id: string;
  home: string;
  away: string;
  homeGoals: number;
  awayGoals: number;
  minute: number;
}

/** Starts publishing the demo world; `stop()` clears its timer. Publishes the first tick at once. */
export function startDemoPublisher(
  host: Pick<DashboardHost, 'publish'>,
  options: DemoPublisherOptions = {},
): { stop(): void } {
  const tickMs = options.tickMs ?? DEMO_DEFAULTS.tickMs;
  const user = options.user ?? DEMO_DEFAULTS.user;
  const random = options.random ?? Math.random;
  const onError = options.onError ?? (() => {});
  const prices = new Map(STOCKS.map(([symbol, price]) => [symbol, price]));
  const matches: Match[] = [newMatch('m1', 0), newMatch('m2', 4)];
  let tick = 0;

  function newMatch(id: string, offset: number): Match {
    const home = TEAMS[(offset + Math.floor(random() * 4)) % TEAMS.length]!;
    const away = TEAMS[(offset + 4 + Math.floor(random() * 4)) % TEAMS.length]!;
    return { id, home, away, homeGoals: 0, awayGoals: 0, minute: 0 };
  }

  function send(input: PublishInput): void {
    host.publish(input).catch(onError);
  }

  function step(): void {
    tick++;
    for (const [symbol, price] of prices) {
      // A multiplicative random walk: moves of up to ±1.5% keep prices positive and plausible.
      const next = Math.max(0.01, Math.round(price * (1 + (random() - 0.5) * 0.03) * 100) / 100);
      prices.set(symbol, next);
      send({
        topics: `/stocks/${symbol}`,
        type: 'price',
        data: JSON.stringify({ symbol, price: next, change: Math.round((next - price) * 100) / 100 }),
      });
    }
    for (const [i, match] of matches.entries()) {
      match.minute++;
      let goal: string | null = null;
      if (random() < 0.06) {
        goal = random() < 0.5 ? match.home : match.away;
        if (goal === match.home) match.homeGoals++;
        else match.awayGoals++;
      }
      send({ topics: `/matches/${match.id}`, type: 'score', data: JSON.stringify({ ...match, goal }) });
      // Full time: a new fixture starts on the same topic after the final whistle.
      if (match.minute >= 90) matches[i] = newMatch(match.id, tick);
    }
    if (tick % 4 === 1) {
      send({
        topics: '/news',
        type: 'headline',
        data: JSON.stringify({ headline: HEADLINES[Math.floor(random() * HEADLINES.length)], at: Date.now() }),
      });
    }
    if (tick % 6 === 3) {
      send({
        topics: notificationTopic(user),
        type: 'notification',
        private: true,
        data: JSON.stringify({ title: NOTICES[Math.floor(random() * NOTICES.length)], user, at: Date.now() }),
      });
    }
    if (tick % 30 === 15) {
      send({
        topics: '/notifications',
        type: 'notification',
        data: JSON.stringify({ title: 'Scheduled maintenance tonight at 02:00 UTC', user: null, at: Date.now() }),
      });
    }
  }

  step();
  const timer = setInterval(step, tickMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
