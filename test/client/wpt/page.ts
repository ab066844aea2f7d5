/**
 * What a WPT test page gives an EventSource that Node lacks, modelled as far as an EventSource can tell:
 * a document base URL (relative URLs such as `resources/message.py` resolve against the test's page), and
 * a fetch that behaves like a page's — a cookie jar (the WPT resources keep their state in cookies) and
 * the `Origin` header on cross-origin requests. Both implementations under test take it as their `fetch`.
 *
 * What this does not model, on purpose: CORS enforcement and preflights (the ports that need them are
 * listed as not ported in ./README.md), cookie attributes other than an expiry in the past, and cookies
 * shared between ports of one host (the jar is per origin, as WPT's `www2.` host is a separate one).
 */

/** The `fetch` both implementations accept: Hotline's passes a string, the `eventsource` package a URL. */
export type PageFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface WptPage {
  /** The test page's URL: the document base and `document.documentURI`. */
  readonly url: string;
  readonly fetch: PageFetch;
  /** The URL of every request made through `fetch`, in order. */
  readonly requests: string[];
  clearCookies(): void;
  /** Makes the page the global document (`location.href`, `document.baseURI`) until `restore()`. */
  install(): { restore(): void };
}

/** Cookies of one origin: name → value. */
type Jar = Map<string, string>;

function storeCookies(jar: Jar, setCookies: string[]): void {
  for (const line of setCookies) {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const expires = attributes.find((a) => a.trim().toLowerCase().startsWith('expires='));
    const expired = expires !== undefined && Date.parse(expires.split('=')[1]!) < Date.now();
    if (expired) jar.delete(name);
    else jar.set(name, pair.slice(eq + 1).trim());
  }
}

export function createPage(url: string): WptPage {
  const pageOrigin = new URL(url).origin;
  const jars = new Map<string, Jar>();
  const requests: WptPage['requests'] = [];
  const jarOf = (origin: string) => {
    const jar = jars.get(origin) ?? new Map<string, string>();
    jars.set(origin, jar);
    return jar;
  };

  const pageFetch: PageFetch = async (input, init = {}) => {
    const target = new URL(String(input));
    const sameOrigin = target.origin === pageOrigin;
    const headers = new Headers(init.headers);
    // A page's fetch sends Origin on a cross-origin (CORS-mode) request; undici never does.
    if (!sameOrigin) headers.set('Origin', pageOrigin);
    // Fetch's credentials modes: `same-origin` (the default) sends cookies to the page's origin only.
    const credentials = init.credentials;
    const sendCookies = credentials === 'include' || (sameOrigin && credentials !== 'omit');
    const jar = jarOf(target.origin);
    if (sendCookies && jar.size > 0) {
      headers.set('Cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    requests.push(target.href);
    const response = await fetch(target, { ...init, headers });
    if (sendCookies) storeCookies(jarOf(new URL(response.url || target.href).origin), response.headers.getSetCookie());
    return response;
  };

  return {
    url,
    fetch: pageFetch,
    requests,
    clearCookies() {
      jars.clear();
      requests.length = 0;
    },
    install() {
      const global = globalThis as { location?: unknown; document?: unknown };
      const had = { location: 'location' in global, document: 'document' in global };
      const previous = { location: global.location, document: global.document };
      // Hotline's EventSource resolves against `location.href`, the `eventsource` package against
      // `document.baseURI`; a browser has both.
      global.location = { href: url, origin: pageOrigin };
      global.document = { baseURI: url, documentURI: url };
      return {
        restore() {
          if (had.location) global.location = previous.location;
          else delete global.location;
          if (had.document) global.document = previous.document;
          else delete global.document;
        },
      };
    },
  };
}
