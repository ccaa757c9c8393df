-- autoscale_step.lua — step scaling of a node's workers.
--
-- Every tick the policy measures the node's utilisation over the last
-- period (busy workers / workers, from the time integral of busy workers).
-- After `periods` consecutive periods above `high` it adds `step` workers;
-- after `periods` consecutive periods below `low` it removes `step`; after
-- any action it waits `cooldown` seconds.  Workers requested now serve
-- only after the node's provisioning delay; the count never leaves
-- [min, max].  Every change is emitted as metric "workers" (the target).
--
-- Parameters:
--   high 0.8   low 0.3   periods 3   step 1   cooldown 60 (s)
--   min 1      max 100
-- Attach with a "tick" period, e.g. {"script": "autoscale_step", "tick": 10}.
-- Reference: AWS Auto Scaling step scaling policies; POLICIES.md
-- ("Step scaling").

local high, low = params.high or 0.8, params.low or 0.3
local periods, step = params.periods or 3, params.step or 1
local cooldown = params.cooldown or 60
local lo, hi = params.min or 1, params.max or 100
if not (low < high and periods >= 1 and step >= 1 and lo >= 0 and hi >= lo) then
  error("params: expected low < high, periods >= 1, step >= 1, 0 <= min <= max")
end

local utilisation = require("utilisation")
local S = {}

function tick(node, now)
  local s = S[node]
  if not s then
    local busy, t = utilisation.start(node, now)
    S[node] = { busy = busy, t = t, above = 0, below = 0, last = -math.huge }
    return
  end
  local current = sim.workers(node) + sim.provisioning(node)
  local u = utilisation.since(s, node, now)
  if u > high then s.above, s.below = s.above + 1, 0
  elseif u < low then s.above, s.below = 0, s.below + 1
  else s.above, s.below = 0, 0 end
  if now - s.last < cooldown then return end
  local target = current
  if s.above >= periods then target = math.min(hi, current + step)
  elseif s.below >= periods then target = math.max(lo, current - step) end
  if target ~= current then
    sim.set_workers(node, target)
    sim.emit("workers", target)
    s.last, s.above, s.below = now, 0, 0
  end
end
