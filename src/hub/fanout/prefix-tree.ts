/**
 * A radix tree of values filed under a string prefix and a key, that finds every value whose prefix starts
 * a given text in one walk along it: O(text length + values found), however many values it holds. The
 * subscriber index files URI templates under their literal prefix with it, so a publish only evaluates the
 * templates that can match its topic.
 * @module
 */

class Node<V> {
  /** The characters from the parent to this node (empty only at the root). */
  label: string;
  children: Map<number, Node<V>> | undefined;
  values: Map<string, V> | undefined;

  constructor(label: string) {
    this.label = label;
  }
}

export class PrefixTree<V> {
  readonly #root = new Node<V>('');
  #size = 0;

  /** How many values it holds. */
  get size(): number {
    return this.#size;
  }

  get(prefix: string, key: string): V | undefined {
    return this.#find(prefix)?.values?.get(key);
  }

  set(prefix: string, key: string, value: V): void {
    const node = this.#insert(prefix);
    node.values ??= new Map();
    if (!node.values.has(key)) this.#size++;
    node.values.set(key, value);
  }

  delete(prefix: string, key: string): boolean {
    const path: Node<V>[] = [];
    const node = this.#find(prefix, path);
    if (node?.values?.delete(key) !== true) return false;
    this.#size--;
    if (node.values.size === 0) node.values = undefined;
    this.#prune(path);
    return true;
  }

  /** Calls `visit` with every value filed under a prefix of `text` (the empty prefix included). */
  forEachPrefixOf(text: string, visit: (value: V) => void): void {
    let node = this.#root;
    let at = 0;
    for (;;) {
      if (node.values !== undefined) for (const value of node.values.values()) visit(value);
      const child = node.children?.get(text.charCodeAt(at));
      if (child === undefined || !text.startsWith(child.label, at)) return;
      at += child.label.length;
      node = child;
    }
  }

  /** The node of exactly `prefix`, if any; `path` collects the nodes from the root to it. */
  #find(prefix: string, path: Node<V>[] = []): Node<V> | undefined {
    let node = this.#root;
    let at = 0;
    path.push(node);
    while (at < prefix.length) {
      const child = node.children?.get(prefix.charCodeAt(at));
      if (child === undefined || !prefix.startsWith(child.label, at)) return undefined;
      at += child.label.length;
      node = child;
      path.push(node);
    }
    return node;
  }

  /** The node of exactly `prefix`, splitting an edge or adding a leaf as needed. */
  #insert(prefix: string): Node<V> {
    let node = this.#root;
    let at = 0;
    while (at < prefix.length) {
      const code = prefix.charCodeAt(at);
      const child = node.children?.get(code);
      if (child === undefined) {
        const leaf = new Node<V>(prefix.slice(at));
        node.children ??= new Map();
        node.children.set(code, leaf);
        return leaf;
      }
      const common = commonLength(child.label, prefix, at);
      if (common < child.label.length) {
        // The new prefix ends or turns inside this edge: split it at the turn.
        const middle = new Node<V>(child.label.slice(0, common));
        child.label = child.label.slice(common);
        middle.children = new Map([[child.label.charCodeAt(0), child]]);
        node.children!.set(code, middle);
        node = middle;
      } else node = child;
      at += common;
    }
    return node;
  }

  /** Removes the empty nodes at the end of `path` and merges a node left with one child into it. */
  #prune(path: Node<V>[]): void {
    for (let i = path.length - 1; i > 0; i--) {
      const node = path[i]!;
      const parent = path[i - 1]!;
      if (node.values !== undefined) return;
      const children = node.children?.size ?? 0;
      if (children === 0) {
        parent.children!.delete(node.label.charCodeAt(0));
        if (parent.children!.size === 0) parent.children = undefined;
        continue;
      }
      if (children === 1) {
        const [only] = node.children!.values();
        only!.label = node.label + only!.label;
        parent.children!.set(node.label.charCodeAt(0), only!);
      }
      return;
    }
  }
}

function commonLength(label: string, text: string, at: number): number {
  let n = 0;
  while (n < label.length && at + n < text.length && label.charCodeAt(n) === text.charCodeAt(at + n)) n++;
  return n;
}
