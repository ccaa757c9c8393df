-- utilisation.lua — a helper module (not a policy) for the autoscalers.
--
-- since(s, node, now) returns the node's utilisation over the period since
-- the last call: the growth of the time integral of busy workers, divided
-- by the elapsed time and by the current workers (at least 1), and moves
-- s.busy and s.t to now.  start(node, now) gives the fields for a fresh s.
--
-- Use: local utilisation = require("utilisation")

local M = {}

function M.start(node, now)
  return sim.busy_integral(node), now
end

function M.since(s, node, now)
  local busy = sim.busy_integral(node)
  local u = (busy - s.busy) / math.max(1e-12, (now - s.t) * math.max(1, sim.workers(node)))
  s.busy, s.t = busy, now
  return u
end

return M
