-- choose.lua — a helper module (not a policy) for the load balancers.
--
-- argmin(n, value) calls value(1) .. value(n) in order and returns the k
-- with the smallest value; ties are broken uniformly at random from the
-- policy's own stream (one draw among all the tied, after the scan: a
-- draw per tie made JSQ over 100 mostly-idle servers several times
-- slower), never by index order.  value may itself draw random numbers
-- (power_of_d samples its candidates inside it): those draws happen in the
-- order the calls are made, before the tie-break.
--
-- Use: local choose = require("choose")

local M = {}
local tied = {}   -- the ks sharing the smallest value so far (reused)

function M.argmin(n, value)
  local vbest, ties = math.huge, 0
  for k = 1, n do
    local v = value(k)
    if v < vbest then
      vbest, ties = v, 1
      tied[1] = k
    elseif v == vbest then
      ties = ties + 1
      tied[ties] = k
    end
  end
  if ties > 1 then return tied[math.random(ties)] end
  if ties == 1 then return tied[1] end
  return nil   -- no candidates
end

return M
