/**
 * Heartbeats for every session from ONE timer per period, not one timer per connection: 10,000
 * sessions cost one `setInterval`. The timer is `unref`'d, so it never keeps a process alive, and stops
 * when its last session leaves.
 * @module
 */

interface Beating {
  heartbeat(): void;
}

const groups = new Map<number, { timer: ReturnType<typeof setInterval>; members: Set<Beating> }>();

export function startHeartbeat(periodMs: number, member: Beating): () => void {
  if (periodMs <= 0) return () => {};
  let group = groups.get(periodMs);
  if (group === undefined) {
    const members = new Set<Beating>();
    const timer = setInterval(() => {
      for (const m of members) m.heartbeat();
    }, periodMs);
    timer.unref();
    group = { timer, members };
    groups.set(periodMs, group);
  }
  group.members.add(member);
  const joined = group;
  return () => {
    joined.members.delete(member);
    if (joined.members.size === 0) {
      clearInterval(joined.timer);
      if (groups.get(periodMs) === joined) groups.delete(periodMs);
    }
  };
}

/** How many shared heartbeat timers run now (for leak tests). */
export function activeHeartbeatTimers(): number {
  return groups.size;
}
