-- dagor.lua — priority-based overload control with an admission level
-- propagated upstream (DAGOR-style).
--
-- Attach one instance to the protected server and to its callers.  At the
-- server, every tick (a window) the policy checks the mean queueing time of
-- the jobs that started service during the window; above `threshold` the
-- server is overloaded and the admitted fraction f falls by 5%
-- (f = 0.95 f), otherwise it rises by 1% (up to 1).  The admission level is
-- the priority below which a fraction 1 - f of the window's offered
-- requests fell.  "Offered" means before any shedding: priorities are
-- recorded where requests first meet the policy (at the callers, or at the
-- server when no caller runs it) — computing the level from requests that
-- already passed it would ratchet it up window after window.  Jobs below the level are shed: at the
-- server by admit(), and — the level being shared — already at every caller
-- running this instance (`protects` names the server whose level callers
-- apply), so that work is not wasted on requests the server would refuse.
-- The level is emitted as metric "level".
--
-- Parameters:
--   protects  the server node's name (required)
--   threshold 0.02 (s, as in the paper)
-- Reference: Zhou, Chen, Xu, Gui, Song, Li, Wang, Ni, Zhang, Yang, Wang,
-- Chen, "Overload control for scaling WeChat microservices", SoCC 2018.

local threshold = params.threshold or 0.02
local server = params.protects and sim.node(params.protects)
if not server then
  error("params.protects: expected the name of the protected node, found " .. tostring(params.protects))
end

local level = -math.huge       -- admit everything at first
local fraction = 1
local seen = {}                -- priorities of the window's arrivals at the server
local wait_sum, wait_n = 0, 0

local callers = false          -- whether a caller runs this instance

function admit(node, job)
  local p = sim.priority(job)
  if node ~= server then callers = true end
  if (node ~= server) == callers then seen[#seen + 1] = p end
  return p >= level
end

function dequeue(node, job)
  if node == server then
    wait_sum = wait_sum + (sim.now() - sim.arrived(job))
    wait_n = wait_n + 1
  end
  return true
end

function tick(node, now)
  if node ~= server then return end
  local overloaded = wait_n > 0 and wait_sum / wait_n > threshold
  if overloaded then
    fraction = fraction * 0.95
  else
    fraction = math.min(1, fraction * 1.01)
  end
  if fraction >= 1 or #seen == 0 then
    level = -math.huge
  else
    table.sort(seen)
    local k = math.max(1, math.min(#seen, math.floor((1 - fraction) * #seen + 0.5)))
    level = seen[k]
  end
  seen, wait_sum, wait_n = {}, 0, 0
  sim.emit("level", level == -math.huge and -1 or level)
end
