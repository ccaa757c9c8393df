-- drop_stale.lua — discard work whose client has given up.
--
-- At dequeue, a job whose client already timed out (sim.abandoned) is
-- dropped instead of served, so the server spends no time on answers nobody
-- will read.  Against retry storms this removes the wasted work that keeps
-- a metastable overload going.
--
-- Parameters: none.
-- Reference: Bronson, Aghayev, Charapko, Zhu, "Metastable failures in
-- distributed systems", HotOS 2021 (discarding stale requests as a
-- mitigation).

function dequeue(node, job)
  return not sim.abandoned(job)
end
