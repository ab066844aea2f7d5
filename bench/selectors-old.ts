/**
 * The "before" peer of `npm run bench:selectors`: the hub's selector matching as it was until issue L — each
 * distinct template compiled by `uri-template-router` on first use (10,000 kept), each (selector, topic)
 * answer cached (100,000 kept), and every distinct template tested on every publish. Same logic as the old
 * src/hub/topics/selectors.ts and src/hub/fanout/subscriber-index.ts, minus authorization (the bench publishes public updates).
 * @module
 */
import uriTemplateRouter from 'uri-template-router';
import { BoundedMap } from '../src/hub/topics/selectors.js';

const { Router } = uriTemplateRouter;
export type OldRouter = InstanceType<typeof Router>;

/** Compiles one template as the old hub did: a router holding it alone. */
export function compileOld(template: string): OldRouter | null {
  try {
    const router = new Router();
    router.addTemplate(template, {}, template);
    return router;
  } catch {
    return null;
  }
}

/** The old index: templates in a map from selector to subscribers, every one of them tested per publish. */
export class OldIndex {
  readonly #templates = new Map<string, Set<number>>();
  readonly #answers = new BoundedMap<string, boolean>(100_000);
  readonly #compiled = new BoundedMap<string, OldRouter | null>(10_000);
  readonly #compile: (template: string) => OldRouter | null;

  /** `compile` is the old compiler unless the bench substitutes one (see bench/selectors.ts). */
  constructor(compile: (template: string) => OldRouter | null = compileOld) {
    this.#compile = compile;
  }

  add(template: string, subscriber: number): void {
    const set = this.#templates.get(template);
    if (set === undefined) this.#templates.set(template, new Set([subscriber]));
    else set.add(subscriber);
  }

  /** Calls `visit` with each subscriber of a template matching one of `topics`. */
  forEachRecipient(topics: readonly string[], visit: (subscriber: number) => void): void {
    for (const [template, subscribers] of this.#templates) {
      if (!topics.some((topic) => this.#matches(template, topic))) continue;
      for (const subscriber of subscribers) visit(subscriber);
    }
  }

  #matches(template: string, topic: string): boolean {
    if (template === topic) return true;
    const key = `${template}\u0000${topic}`;
    const known = this.#answers.get(key);
    if (known !== undefined) return known;
    let router = this.#compiled.get(template);
    if (router === undefined) {
      router = this.#compile(template);
      this.#compiled.set(template, router);
    }
    const answer = router?.resolveURI(topic) != null;
    this.#answers.set(key, answer);
    return answer;
  }
}
