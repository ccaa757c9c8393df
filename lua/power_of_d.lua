-- power_of_d.lua — the power of d choices.
--
-- Each job samples d candidates uniformly at random, with replacement (as in
-- Mitzenmacher's model; it matters for small n), and joins the one with the
-- fewest jobs; ties among the sampled go to a random one of them.
--
-- Parameters:
--   d  integer >= 1, default 2 (d = 1 is random assignment)
-- Reference: Mitzenmacher, "The power of two choices in randomized load
-- balancing", IEEE TPDS 12(10), 2001: as n -> infinity the mean time in
-- system tends to T_d(lambda) = sum_{i>=1} lambda^((d^i - d)/(d - 1)).

local d = params.d or 2
if type(d) ~= "number" or d < 1 or d ~= math.floor(d) then
  error("params.d: expected an integer >= 1, found " .. tostring(d))
end

local sampled, ids = {}, {}
-- locals: no table lookups on each call (lua/README.md)
local candidates, candidate, least, random = sim.candidates, sim.candidate, sim.least, math.random

function route(node, job)
  local n = candidates(node)
  for k = 1, d do
    local i = random(n)   -- with replacement
    sampled[k] = i
    ids[k] = candidate(node, i)
  end
  return sampled[least(ids, "jobs")]
end
