-- codel.lua — controlled delay active queue management.
--
-- At each dequeue the job's sojourn in the queue is compared with `target`.
-- Once sojourns have stayed above target for a full `interval`, CoDel enters
-- the dropping state: it drops the head job and schedules the next drop
-- interval / sqrt(count) later, so drops accelerate while the standing
-- queue persists; it leaves the state as soon as a sojourn falls below
-- target.  Re-entering soon after leaving resumes near the previous count.
--
-- CoDel is designed for senders that slow down when they lose packets.
-- Against open-loop (Poisson) overload its drop rate, which grows only as
-- sqrt(count), keeps falling behind: measured here, a 1 ms server offered
-- 1.05x its capacity waits ~37 ms on average (target 5 ms), and at 1.5x it
-- cycles between short drop storms and ~15 s of rebuilding queue.  It still
-- beats a full drop-tail buffer by an order of magnitude.
--
-- Parameters:
--   target    seconds, default 0.005
--   interval  seconds, default 0.100
-- Reference: Nichols, Jacobson, McGregor and Iyengar, "Controlled Delay
-- Active Queue Management", RFC 8289, 2018 (the pseudocode of section 5).

local target = params.target or 0.005
local interval = params.interval or 0.100
if not (target > 0 and interval > 0) then
  error("params: expected target > 0 and interval > 0")
end

local S = {}   -- per node: the algorithm's state

local function state(node)
  local s = S[node]
  if not s then
    s = { first_above = 0, dropping = false, drop_next = 0, count = 0, lastcount = 0,
          after_entry = false, after_drop = false }
    S[node] = s
  end
  return s
end

local function control_law(t, count)
  return t + interval / math.sqrt(count)
end

-- RFC 8289 dodequeue(): may this job be dropped?  The job has already left
-- the queue, so "at most one packet left" is "nothing left waiting".
local function ok_to_drop(s, node, sojourn, now)
  if sojourn < target or sim.queued(node) == 0 then
    s.first_above = 0
    return false
  end
  if s.first_above == 0 then
    s.first_above = now + interval
    return false
  end
  return now >= s.first_above
end

-- The RFC dequeues the next packet right after a drop, inside the same
-- call; here each job is its own call, so the flags carry that step over.
-- When nothing is left to dequeue, the RFC's dodequeue on an empty queue
-- resets first_above (and ends a dropping run); that is done at once.
local function dropped(s, node)
  if sim.queued(node) == 0 then
    s.first_above = 0
    if not s.after_entry then s.dropping = false end
    s.after_entry, s.after_drop = false, false
  end
  return false
end

function dequeue(node, job)
  local s = state(node)
  local now = sim.now()
  local ok = ok_to_drop(s, node, now - sim.arrived(job), now)
  if s.after_entry then           -- the packet after the entry drop is sent
    s.after_entry = false
    return true
  end
  if s.dropping then
    if s.after_drop then          -- drop_next advances once the next packet is seen
      s.after_drop = false
      if ok then s.drop_next = control_law(s.drop_next, s.count) end
    end
    if not ok then
      s.dropping = false
      return true
    end
    if now >= s.drop_next then
      s.count = s.count + 1
      s.after_drop = true
      return dropped(s, node)
    end
    return true
  end
  if ok then
    s.dropping = true
    local delta = s.count - s.lastcount
    if delta > 1 and now - s.drop_next < 16 * interval then
      s.count = delta
    else
      s.count = 1
    end
    s.drop_next = control_law(now, s.count)
    s.lastcount = s.count
    s.after_entry = true
    return dropped(s, node)
  end
  return true
end
