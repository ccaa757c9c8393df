-- round_robin.lua — round robin load balancing.
--
-- Candidates receive jobs in turn, 1, 2, ..., n, 1, ...  (one counter per
-- balancing node).
--
-- Parameters: none.
-- Reference: standard; see e.g. Harchol-Balter, Performance Modeling and
-- Design of Computer Systems, 2013, ch. 24.

local next_of = {}

function route(node, job)
  local n = sim.candidates(node)
  local i = next_of[node] or 1
  next_of[node] = i % n + 1
  return i
end
