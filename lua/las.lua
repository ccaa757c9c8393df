-- las.lua — least attained service first (foreground-background, FB).
--
-- The job that has received the least service at the node is served; an
-- arrival (none yet) displaces the job in service, and every `quantum`
-- seconds the jobs in service are ranked again, so a job served longer
-- than one waiting gives way to it.  Needs no knowledge of job sizes; with
-- heavy-tailed sizes it favours the many short jobs.  The quantum makes it
-- round robin among jobs that have received the same service: smaller is
-- closer to LAS (and costs one event per quantum while the node is busy).
--
-- Parameters:
--   quantum  seconds between re-rankings (default 0.05)
-- Reference: Kleinrock, Queueing Systems vol. 2, 1976, section 4.6;
-- Rai, Urvoy-Keller and Biersack, "Analysis of LAS scheduling for job size
-- distributions with high variance", SIGMETRICS 2003.

local quantum = params.quantum or 0.05
if type(quantum) ~= "number" or quantum <= 0 then
  error("params.quantum: expected seconds > 0, found " .. tostring(params.quantum))
end

-- The rank is computed in C (options.rank), so the re-rankings cost no Lua
-- call; the same in Lua would be
--   function rank(node, job) return sim.attained(job) end

options = { preemptive = true, rerank = true, quantum = quantum, rank = "attained" }
