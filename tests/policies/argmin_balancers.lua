-- argmin_balancers.lua - JSQ, least-loaded and power-of-d written the long
-- way, a call back into C per candidate, through lua/choose.lua's argmin:
-- the reference sim.least must match byte for byte.  tests/check_policy.c
-- copies it beside lua/choose.lua (require looks only there).
-- params.rule: "jsq", "least_loaded" or "power_of_d" (with params.d).

local choose = require("choose")
local rule, d = params.rule, params.d or 2
local sampled = {}

function route(node, job)
  local n = sim.candidates(node)
  if rule == "jsq" then
    return choose.argmin(n, function(i) return sim.jobs(sim.candidate(node, i)) end)
  elseif rule == "least_loaded" then
    return choose.argmin(n, function(i) return sim.work(sim.candidate(node, i)) end)
  end
  local k = choose.argmin(d, function(k)
    local i = math.random(n)
    sampled[k] = i
    return sim.jobs(sim.candidate(node, i))
  end)
  return sampled[k]
end
