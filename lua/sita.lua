-- sita.lua — size-interval task assignment.
--
-- A dispatcher sends each job to the server responsible for its size:
-- sizes below cutoffs[1] to the first candidate, between cutoffs[1] and
-- cutoffs[2] to the second, and so on (n candidates, n - 1 cutoffs).  With
-- heavy-tailed sizes it keeps short jobs from waiting behind long ones, far
-- better than random assignment.  The job's size is sim.size(job): give
-- the servers "service_by_size" so that service follows it.
--
-- Parameters:
--   cutoffs  sizes, increasing, one fewer than the candidates
-- Reference: Harchol-Balter, Crovella and Murta, "On choosing a task
-- assignment policy for a distributed server system", J. Parallel and
-- Distributed Computing 59(2), 1999.

local cutoffs = params.cutoffs
if type(cutoffs) ~= "table" or #cutoffs < 1 then
  error("params.cutoffs: expected a list of sizes, one fewer than the candidates")
end
for i = 2, #cutoffs do
  if not (cutoffs[i] > cutoffs[i - 1]) then error("params.cutoffs: expected increasing sizes") end
end
local size, n = sim.size, #cutoffs

function route(node, job)
  local s = size(job)
  for i = 1, n do
    if s < cutoffs[i] then return i end
  end
  return n + 1
end
