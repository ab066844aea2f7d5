/**
 * The demo page: four panels — a stock ticker, a news feed, live football scores and private
 * notifications shown as toasts — fed by ONE subscription of the hub (`feed.ts`, `hotline/client`'s
 * `connect()`), each event routed to its panel by its type, and shared by the browser's tabs. It asks the
 * hub for state on subscribe, so every panel shows the current state at once: the newest price of each
 * symbol and score of each match, the last headlines and notifications.
 * @module
 */
import { byId, el, type FeedState, openFeed, parseJson } from './feed.js';

/** What `GET /demo/config` answers (src/hub/dashboard/demo-session.ts). */
interface DemoConfig {
  user: string | null;
  /** Why this hub signs nobody in (e.g. it was not started with --dev); `null` when it can. */
  signInUnavailable: string | null;
  topics: { stocks: string; news: string; matches: string; notifications: string[] };
}

const MAX_HEADLINES = 30;
/** Headlines and notifications of each notification topic asked for as state when the page opens. */
const STATE_HEADLINES = 10;
const STATE_NOTIFICATIONS = 5;
const TOAST_MS = 6000;
/** More would cover the panels on a small screen; the list in the panel keeps them all. */
const MAX_TOASTS = 3;
const PANELS = ['stocks', 'news', 'sports', 'notifications'];

/** What a panel does with one event of its type. */
type Handler = (data: string, id: string) => void;

function setState(state: FeedState): void {
  const status = byId('connection');
  status.dataset.state = state;
  status.textContent = state === 'open' ? 'Live' : state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…';
  for (const panel of PANELS) byId(`${panel}-panel`).dataset.state = state;
}

function count(panel: string): void {
  const section = byId(`${panel}-panel`);
  section.dataset.count = String(Number(section.dataset.count ?? '0') + 1);
}

function stocks(): Handler {
  const rows = new Map<string, HTMLTableRowElement>();
  return (data) => {
    const quote = parseJson(data);
    if (quote === undefined || typeof quote.symbol !== 'string' || typeof quote.price !== 'number') return;
    const change = typeof quote.change === 'number' ? quote.change : 0;
    let row = rows.get(quote.symbol);
    if (row === undefined) {
      // `num` cells, like their headers: right-aligned figures line up under Price and Change.
      row = el(
        'tr',
        { 'data-symbol': quote.symbol },
        el('th', { scope: 'row' }, quote.symbol),
        el('td', { class: 'num' }),
        el('td', { class: 'num' }),
      );
      rows.set(quote.symbol, row);
      const body = byId('stocks-body');
      // Keep rows in symbol order whatever order the first prices come in.
      const after = [...body.children].find((other) => (other as HTMLElement).dataset.symbol! > quote.symbol!);
      body.insertBefore(row, after ?? null);
    }
    const [, priceCell, changeCell] = row.cells;
    priceCell!.textContent = quote.price.toFixed(2);
    changeCell!.textContent = `${change >= 0 ? '▲ +' : '▼ '}${change.toFixed(2)}`;
    const direction = change >= 0 ? 'up' : 'down';
    row.classList.remove('up', 'down');
    void row.offsetWidth; // restart the flash animation
    row.classList.add(direction);
    count('stocks');
  };
}

function news(): Handler {
  const list = byId('news-list');
  return (data, id) => {
    const item = parseJson(data);
    const headline = typeof item?.headline === 'string' ? item.headline : data;
    const at = typeof item?.at === 'number' ? new Date(item.at) : new Date();
    const time = el('time', { datetime: at.toISOString() }, at.toLocaleTimeString());
    list.prepend(el('li', { 'data-id': id }, time, ' ', headline));
    while (list.children.length > MAX_HEADLINES) list.lastElementChild?.remove();
    count('news');
  };
}

function matches(): Handler {
  const cards = new Map<string, HTMLElement>();
  return (data) => {
    const match = parseJson(data);
    if (match === undefined || typeof match.id !== 'string') return;
    let card = cards.get(match.id);
    if (card === undefined) {
      card = el('li', { class: 'match', 'data-match': match.id });
      cards.set(match.id, card);
      byId('matches').append(card);
    }
    const score = `${String(match.home)} ${String(match.homeGoals)} – ${String(match.awayGoals)} ${String(match.away)}`;
    const minute = el(
      'span',
      { class: 'minute', 'aria-label': `minute ${String(match.minute)}` },
      `${String(match.minute)}′`,
    );
    const children: (Node | string)[] = [el('span', { class: 'score' }, score), minute];
    if (typeof match.goal === 'string') {
      children.push(el('strong', { class: 'goal' }, `GOAL! ${match.goal}`));
      card.classList.remove('scored');
      void card.offsetWidth;
      card.classList.add('scored');
    }
    card.replaceChildren(...children);
    count('sports');
  };
}

function notifications(): Handler {
  const list = byId('notification-list');
  return (data, id) => {
    const notice = parseJson(data);
    const title = typeof notice?.title === 'string' ? notice.title : data;
    const personal = typeof notice?.user === 'string';
    list.prepend(el('li', { 'data-id': id, class: personal ? 'personal' : '' }, title));
    while (list.children.length > 10) list.lastElementChild?.remove();
    // The state sent when the page opens may hold notices from long before: their toast would be over.
    const at = typeof notice?.at === 'number' ? notice.at : Date.now();
    if (Date.now() - at < TOAST_MS) toast(title, id, personal);
    count('notifications');
  };
}

function toast(text: string, id: string, personal: boolean): void {
  const close = el('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss notification' }, '×');
  const item = el('div', { class: `toast${personal ? ' personal' : ''}`, 'data-id': id }, el('span', {}, text), close);
  const remove = () => item.remove();
  close.addEventListener('click', remove);
  window.setTimeout(remove, TOAST_MS);
  const toasts = byId('toasts');
  toasts.append(item);
  while (toasts.children.length > MAX_TOASTS) toasts.firstElementChild?.remove();
}

function signedInUser(): string | undefined {
  const match = /(?:^|;\s*)hotline-demo-user=([^;]*)/.exec(document.cookie);
  return match?.[1] === undefined || match[1] === '' ? undefined : decodeURIComponent(match[1]);
}

/** The hub's reason from a refused request's JSON body (`{ error: { message } }`), or its status. */
async function refusal(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // Not JSON: the status says enough.
  }
  return `the hub answered ${response.status}`;
}

/** The sign-in button and the line that says who is signed in, or why nobody can be. */
async function setUpSignIn(config: DemoConfig, user: string | undefined): Promise<void> {
  const button = byId<HTMLButtonElement>('sign-in');
  const who = byId('who');
  if (config.user === null) {
    // Cookies from a hub that could sign in (an earlier --dev run): this hub would refuse their token.
    if (user !== undefined) await fetch('/demo/session', { method: 'DELETE' });
    button.hidden = true;
    who.textContent = `Public notices only: ${config.signInUnavailable ?? 'this hub has no demo user'}.`;
    return;
  }
  button.textContent = user === undefined ? `Sign in as ${config.user}` : `Sign out ${user}`;
  who.textContent =
    user === undefined
      ? `Signed out: you see public notices only, not ${config.user}’s private notifications.`
      : `Signed in as ${user}: private notifications arrive as toasts.`;
  button.addEventListener('click', async () => {
    button.disabled = true;
    const response = await fetch('/demo/session', { method: user === undefined ? 'POST' : 'DELETE' });
    if (response.ok) {
      location.reload();
      return;
    }
    who.textContent = `Could not sign in: ${await refusal(response)}.`;
    button.disabled = false;
  });
}

async function main(): Promise<void> {
  const config = (await (await fetch('/demo/config')).json()) as DemoConfig;
  let user = signedInUser();
  await setUpSignIn(config, user);
  if (config.user === null) user = undefined;
  // One subscription for the four panels, each event routed by its type; a plain `message` (a publish
  // from the dashboard's form) shows as a headline.
  const headlines = news();
  const handlers: Record<string, Handler> = {
    price: stocks(),
    headline: headlines,
    message: headlines,
    score: matches(),
    notification: notifications(),
  };
  const { stocks: stockTopics, news: newsTopic, matches: matchTopics, notifications: noticeTopics } = config.topics;
  openFeed({
    // Subscribing to a private topic without a token is allowed: the hub sends only the public updates.
    topics: [stockTopics, newsTopic, matchTopics, ...noticeTopics],
    // The newest price of each symbol and score of each match; the last headlines and notices.
    state: [
      'latest',
      `last:${STATE_HEADLINES}@${newsTopic}`,
      ...noticeTopics.map((topic) => `last:${STATE_NOTIFICATIONS}@${topic}` as const),
    ],
    // Tabs share one connection only with tabs that see the same stream: the same signed-in user.
    shareName: `hotline-demo ${user ?? ''}`,
    onState: setState,
    onEvent: (type, data, id) => handlers[type]?.(data, id),
  });
}

main().catch((error: unknown) => {
  byId('connection').textContent = `Could not start: ${String(error)}`;
});
