-- srpt.lua — shortest remaining processing time first (preemptive).
--
-- The job with the least service still to do is served; an arriving job
-- that needs less than what the job in service has left displaces it,
-- which waits with the rest of its work (preemptive-resume).  Remaining
-- work is the simulator's (sim.remaining): in practice an estimate.  SRPT
-- minimises the mean response time of a single server (Schrage 1968).
--
-- Parameters: none.
-- Reference: Schrage and Miller, "The queue M/G/1 with the shortest
-- remaining processing time discipline", Operations Research 14(4), 1966.

-- The rank is computed in C (options.rank), so the policy costs no Lua
-- call per job; the same in Lua would be
--   function rank(node, job) return sim.remaining(job) end

options = { preemptive = true, rerank = true, rank = "remaining" }
