-- weighted_round_robin.lua — smooth weighted round robin.
--
-- Candidate i receives a share weights[i] / sum(weights) of the jobs,
-- spread as evenly as possible: each choice adds every candidate's weight
-- to its credit, picks the largest credit (lowest index on ties) and
-- subtracts the total from it (the "smooth" variant used by nginx), so a
-- 5:1:1 split gives a a b a c a a rather than a a a a a b c.
--
-- Parameters:
--   weights  array of positive numbers, one per candidate (default all 1)
-- Reference: nginx's upstream smooth weighted round-robin (2012); classic
-- WRR in Katevenis et al., IEEE JSAC 9(8), 1991.

local credit = {}

function route(node, job)
  local n = sim.candidates(node)
  local w = params.weights or {}
  local c = credit[node]
  if not c then
    c = {}
    for i = 1, n do c[i] = 0 end
    credit[node] = c
  end
  local total, best = 0, 1
  for i = 1, n do
    local wi = w[i] or 1
    c[i] = c[i] + wi
    total = total + wi
    if c[i] > c[best] then best = i end
  end
  c[best] = c[best] - total
  return best
end
