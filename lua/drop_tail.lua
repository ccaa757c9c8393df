-- drop_tail.lua — a bounded buffer that drops arrivals when full.
--
-- An arriving job is dropped when the node already holds `capacity` jobs
-- (waiting plus in service).  The same as a node's "capacity" field, as a
-- policy: the baseline the active queue management policies improve on.
--
-- Parameters:
--   capacity  integer >= 1 (required)
-- Reference: standard; see Floyd and Jacobson (1993) for why it is not enough.

local capacity = params.capacity
if type(capacity) ~= "number" or capacity < 1 then
  error("params.capacity: expected a number >= 1, found " .. tostring(capacity))
end

function admit(node, job)
  return sim.jobs(node) < capacity or "drop" -- a full buffer loses the job silently
end
