-- choose.lua — a helper module (not a policy) for the load balancers.
--
-- argmin(n, value) calls value(1) .. value(n) in order and returns the k
-- with the smallest value; ties are broken uniformly at random from the
-- policy's own stream (reservoir sampling: the j-th tie replaces the choice
-- with probability 1/j), never by index order.  value may itself draw
-- random numbers (power_of_d samples its candidates inside it): the draws
-- happen in the order the calls are made.
--
-- Use: local choose = require("choose")

local M = {}

function M.argmin(n, value)
  local best, vbest, ties = nil, math.huge, 0
  for k = 1, n do
    local v = value(k)
    if v < vbest then
      best, vbest, ties = k, v, 1
    elseif v == vbest then
      ties = ties + 1
      if math.random(ties) == 1 then best = k end
    end
  end
  return best
end

return M
