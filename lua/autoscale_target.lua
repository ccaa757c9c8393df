-- autoscale_target.lua — target tracking, as the Kubernetes Horizontal Pod
-- Autoscaler does it.
--
-- Every tick: metric = utilisation over the last period (busy / workers);
-- desired = ceil(current x metric / target).  Changes within `tolerance`
-- of the target ratio are ignored.  Scale-up applies at once; scale-down
-- is stabilised: the policy uses the largest desired count recommended over
-- the last `window` seconds, so a brief dip does not remove workers.  The
-- count stays in [min, max]; new workers serve after the node's provisioning
-- delay.  Every change is emitted as metric "workers".
--
-- Parameters:
--   target 0.6   tolerance 0.1   window 300 (s)   min 1   max 100
-- Attach with a "tick" period, e.g. {"script": "autoscale_target", "tick": 15}.
-- Reference: Kubernetes documentation, "Horizontal Pod Autoscaling"
-- (algorithm details, scale-down stabilisation window).

local target = params.target or 0.6
local tolerance = params.tolerance or 0.1
local window = params.window or 300
local lo, hi = params.min or 1, params.max or 100
if not (target > 0 and tolerance >= 0 and window >= 0 and lo >= 0 and hi >= lo) then
  error("params: expected target > 0, tolerance >= 0, window >= 0, 0 <= min <= max")
end

local utilisation = require("utilisation")
local S = {}

function tick(node, now)
  local s = S[node]
  if not s then
    local busy, t = utilisation.start(node, now)
    S[node] = { busy = busy, t = t, recs = {} }
    return
  end
  local current = sim.workers(node) + sim.provisioning(node)
  local metric = utilisation.since(s, node, now)
  local ratio = metric / target
  local desired = current
  if math.abs(ratio - 1) > tolerance then
    desired = math.ceil(current * ratio)
  end
  desired = math.max(lo, math.min(hi, desired))
  -- scale-down stabilisation: the highest recommendation in the window
  local recs = s.recs
  recs[#recs + 1] = { t = now, n = desired }
  local keep, best = {}, desired
  for _, r in ipairs(recs) do
    if now - r.t <= window then
      keep[#keep + 1] = r
      if r.n > best then best = r.n end
    end
  end
  s.recs = keep
  local new = desired > current and desired or math.min(current, best)
  if new ~= current then
    sim.set_workers(node, new)
    sim.emit("workers", new)
  end
end
