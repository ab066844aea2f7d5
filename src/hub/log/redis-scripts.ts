/**
 * The Lua scripts of the Redis event log. Each runs atomically on the server, so the sequence, the stream
 * and the id index never disagree, whichever hub node appends and however trimming interleaves.
 *
 * Keys: `KEYS[1]` the stream (entry ids `0-<position>`, fields `i` id, `t` publishedAt, `u` the update),
 * `KEYS[2]` the position sequence, `KEYS[3]` the id index: a sorted set whose members are
 * `<id>\0<position, 16 digits>` all at score 0, so `ZRANGEBYLEX` finds the oldest position of an id in
 * O(log n) and trimming an entry removes exactly its own member.
 * @module
 */

/** Drops one stream entry and its index member; then the retention loops shared by both scripts. */
const TRIM = `
local function drop(entry)
  local fields = entry[2]
  local id
  for f = 1, #fields, 2 do
    if fields[f] == 'i' then id = fields[f + 1] end
  end
  local digits = string.sub(entry[1], 3)
  redis.call('ZREM', KEYS[3], id .. '\\0' .. string.rep('0', 16 - #digits) .. digits)
  redis.call('XDEL', KEYS[1], entry[1])
end

local function trim(maxEvents, cutoff)
  if maxEvents > 0 then
    local excess = redis.call('XLEN', KEYS[1]) - maxEvents
    if excess > 0 then
      for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)) do drop(entry) end
    end
  end
  -- Age is judged oldest first and stops at the first young entry, like the memory log: positions
  -- order the log, publishedAt only ages its head.
  -- The first look reads one entry (usually young, so appends stay O(1)); later looks read 64.
  if cutoff > 0 then
    local count = 1
    while true do
      local batch = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', count)
      for _, entry in ipairs(batch) do
        local fields = entry[2]
        local publishedAt
        for f = 1, #fields, 2 do
          if fields[f] == 't' then publishedAt = tonumber(fields[f + 1]) end
        end
        if publishedAt >= cutoff then return end
        drop(entry)
      end
      if #batch < count then return end
      count = 64
    end
  end
end
`;

/**
 * `ARGV`: id, publishedAt, encoded update, maxEvents (0 = none), age cutoff in ms (0 = none).
 * Returns the new position. `string.format('%d')` keeps positions exact past 1e14, where Lua's default
 * number formatting would switch to exponents.
 */
export const APPEND_SCRIPT = `${TRIM}
local position = redis.call('INCR', KEYS[2])
local digits = string.format('%d', position)
redis.call('XADD', KEYS[1], '0-' .. digits, 'i', ARGV[1], 't', ARGV[2], 'u', ARGV[3])
redis.call('ZADD', KEYS[3], 0, ARGV[1] .. '\\0' .. string.rep('0', 16 - #digits) .. digits)
trim(tonumber(ARGV[4]), tonumber(ARGV[5]))
return digits
`;

/** `ARGV`: maxEvents, age cutoff in ms. Applies retention without appending (reads run it first). */
export const TRIM_SCRIPT = `${TRIM}
trim(tonumber(ARGV[1]), tonumber(ARGV[2]))
return 0
`;
