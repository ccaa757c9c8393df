-- breakwater.lua — server-driven credits (Breakwater-style).
--
-- Attach to the server node; give the links into it "credits" (the
-- senders' windows) and the policy a "tick" (about one network RTT).  Every
-- tick the server measures its queueing delay d (the age of the oldest
-- waiting job).  If d < target the credit pool grows additively by
-- `additive`; otherwise it shrinks multiplicatively, by
-- max(1 - beta (d - target)/target, 0.5).  The pool is split evenly over
-- the incoming links as their windows, so senders hold work upstream
-- instead of flooding the server.  As in the paper, a request that arrives
-- when d >= 2 target is rejected at once (the client may retry).  The pool
-- is emitted as metric "credits" every tick.
--
-- Parameters:
--   target 0.01 (s)   beta 0.02 (as in the paper)   additive 1 (credits per tick)
--   initial 10 (credits per link)   min 1 (per link)
-- Reference: Cho, Chen, Mao, Rotman, Agarwal, Tian, Levis, Belay,
-- "Overload control for µs-scale RPCs with Breakwater", OSDI 2020.

local target = params.target or 0.01
local beta = params.beta or 0.02
local additive = params.additive or 1
local initial = params.initial or 10
local minimum = params.min or 1
if not (target > 0 and beta > 0 and additive > 0 and initial >= 1 and minimum >= 1) then
  error("params: expected target > 0, beta > 0, additive > 0, initial >= 1, min >= 1")
end

local pool = {}

local function delay(node)
  return sim.head_wait(node) or 0
end

function admit(node, job)
  return delay(node) < 2 * target
end

function tick(node, now)
  local n = sim.links_in(node)
  if n == 0 then return end
  local p = pool[node] or initial * n
  local d = delay(node)
  if d < target then
    p = p + additive
  else
    p = p * math.max(1 - beta * (d - target) / target, 0.5)
  end
  p = math.max(p, minimum * n)
  pool[node] = p
  for i = 1, n do
    local link = sim.link_in(node, i)
    if sim.link_window(link) > 0 then
      sim.set_window(link, math.max(minimum, math.floor(p / n)))
    end
  end
  sim.emit("credits", p)
end
