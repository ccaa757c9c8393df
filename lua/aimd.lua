-- aimd.lua — additive-increase / multiplicative-decrease concurrency limit.
--
-- The node admits a job only while fewer than L jobs are in flight there
-- (waiting plus in service).  On each completion L is updated: after a
-- "drop" — here a completion slower than `timeout`, i.e. one the client
-- would have given up on — L = max(1, min(L - 1, floor(backoff L)));
-- otherwise, if at least L/2 jobs are in flight, L = L + 1 (no growth while
-- the limit is not being used).  Every change is emitted as metric "limit".
--
-- Parameters:
--   initial  default 10          backoff  default 0.9
--   timeout  seconds, default 1  max      default 1000
-- Reference: Netflix concurrency-limits, AIMDLimit; Chiu and Jain, "Analysis
-- of the increase and decrease algorithms for congestion avoidance", 1989.

local initial = params.initial or 10
local backoff = params.backoff or 0.9
local timeout = params.timeout or 1
local max = params.max or 1000
if not (initial >= 1 and backoff > 0 and backoff < 1 and timeout > 0 and max >= initial) then
  error("params: expected initial >= 1, 0 < backoff < 1, timeout > 0, max >= initial")
end

local L = {}

function admit(node, job)
  return sim.jobs(node) < (L[node] or initial)
end

function on_done(node, job)
  local old = L[node] or initial
  local l = old
  local rtt = sim.now() - sim.arrived(job)
  local inflight = sim.jobs(node) + 1   -- counting the job that just finished
  if rtt > timeout then
    l = math.max(1, math.min(l - 1, math.floor(backoff * l)))
  elseif inflight >= l / 2 then
    l = math.min(max, l + 1)
  end
  L[node] = l
  if l ~= old then sim.emit("limit", l) end
end
