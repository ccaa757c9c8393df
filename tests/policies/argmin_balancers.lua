-- argmin_balancers.lua - JSQ, least-loaded and power-of-d written the long
-- way, a call back into C per candidate, with the tie-break lua/choose.lua
-- documents (one draw among all the tied, after the scan): the reference
-- that sim.least must match byte for byte (tests/check_policy.c).
-- params.rule: "jsq", "least_loaded" or "power_of_d" (with params.d).

local rule, d = params.rule, params.d or 2
local tied = {}

local function argmin(n, value)
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
  return tied[1]
end

local sampled = {}

function route(node, job)
  local n = sim.candidates(node)
  if rule == "jsq" then
    return argmin(n, function(i) return sim.jobs(sim.candidate(node, i)) end)
  elseif rule == "least_loaded" then
    return argmin(n, function(i) return sim.work(sim.candidate(node, i)) end)
  end
  local k = argmin(d, function(k)
    local i = math.random(n)
    sampled[k] = i
    return sim.jobs(sim.candidate(node, i))
  end)
  return sampled[k]
end
