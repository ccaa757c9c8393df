-- sjf.lua — shortest job first (non-preemptive).
--
-- The waiting job with the least work is served next.  By default "work" is
-- the job's service time at this node (known to the simulator; in practice
-- an estimate); with key = "size" it is the job's size.
--
-- Parameters:
--   key  "service" (default) or "size"
-- Reference: Schrage and Miller, "The queue M/G/1 with the shortest
-- remaining processing time discipline", Operations Research 14(4), 1966;
-- Harchol-Balter, Performance Modeling and Design of Computer Systems, 2013.

local by_size = params.key == "size"
if params.key ~= nil and params.key ~= "size" and params.key ~= "service" then
  error("params.key: expected \"service\" or \"size\", found " .. tostring(params.key))
end

function rank(node, job)
  if by_size then return sim.size(job) end
  return sim.service(job)
end
