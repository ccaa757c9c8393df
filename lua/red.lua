-- red.lua — random early detection.
--
-- On each arrival the average queue length is updated as an EWMA,
-- avg = (1 - w) avg + w q.  Below min_th every job is admitted; at or above
-- max_th every job is dropped; in between a job is dropped with probability
-- p_b = max_p (avg - min_th) / (max_th - min_th), spread out by the count
-- of jobs admitted since the last drop: p_a = p_b / (1 - count p_b).
-- (The paper's idle-period correction of avg is not modelled: arrivals are
-- the only samples.)
--
-- Parameters:
--   min_th  jobs, default 5       max_th  jobs, default 15
--   max_p   default 0.1           w       default 0.002
-- Reference: Floyd and Jacobson, "Random early detection gateways for
-- congestion avoidance", IEEE/ACM ToN 1(4), 1993.

local min_th = params.min_th or 5
local max_th = params.max_th or 15
local max_p = params.max_p or 0.1
local w = params.w or 0.002
if not (min_th >= 0 and max_th > min_th and max_p > 0 and max_p <= 1 and w > 0 and w <= 1) then
  error("params: expected 0 <= min_th < max_th, 0 < max_p <= 1, 0 < w <= 1")
end

local avg, count = {}, {}

function admit(node, job)
  local a = (1 - w) * (avg[node] or 0) + w * sim.queued(node)
  avg[node] = a
  local c = count[node] or -1
  local drop = false
  if a >= max_th then
    drop = true
  elseif a >= min_th then
    c = c + 1
    local pb = max_p * (a - min_th) / (max_th - min_th)
    local pa = c * pb < 1 and pb / (1 - c * pb) or 1
    drop = math.random() < pa
  else
    c = -1
  end
  if drop then c = 0 end
  count[node] = c
  return drop and "drop" or true -- an AQM drop is silent: the client learns of it by its timeout
end
