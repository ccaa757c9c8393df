-- gradient2.lua — gradient-based concurrency limit.
--
-- Admit while in-flight < L.  On each completion: short = this sojourn,
-- long = an exponentially weighted average of sojourns over about `window`
-- samples (plain mean for the first 10).  If long > 2 short, long decays by
-- 5% (recovering after a burst).  Unless fewer than L/2 are in flight
-- (application-limited), gradient g = clamp(tolerance long / short, 0.5, 1),
-- L' = g L + queue, and L = (1 - smoothing) L + smoothing L', bounded to
-- [min, max].  Every change of floor(L) is emitted as metric "limit".
--
-- Parameters:
--   initial default 20    min default 20    max default 200
--   smoothing default 0.2   queue default 4   window default 600
--   tolerance default 1 (the library's rttTolerance; 1 is the bare rule)
-- Reference: Netflix concurrency-limits, Gradient2Limit.

local initial = params.initial or 20
local lo = params.min or 20
local hi = params.max or 200
local smoothing = params.smoothing or 0.2
local queue = params.queue or 4
local window = params.window or 600
local tolerance = params.tolerance or 1
if not (lo >= 1 and hi >= lo and initial >= lo and initial <= hi and smoothing > 0 and
        smoothing <= 1 and window >= 1 and tolerance > 0) then
  error("params: expected 1 <= min <= initial <= max, 0 < smoothing <= 1, window >= 1, tolerance > 0")
end

local S = {}

local function state(node)
  local s = S[node]
  if not s then
    s = { L = initial, long = 0, n = 0 }
    S[node] = s
  end
  return s
end

function admit(node, job)
  return sim.jobs(node) < math.floor(state(node).L)
end

function on_done(node, job)
  local s = state(node)
  local old = math.floor(s.L)
  local short = sim.now() - sim.arrived(job)
  if short <= 0 then return end
  s.n = s.n + 1
  if s.n <= 10 then
    s.long = s.long + (short - s.long) / s.n
  else
    s.long = s.long + (short - s.long) * 2 / (window + 1)
  end
  if s.long / short > 2 then s.long = s.long * 0.95 end
  if sim.jobs(node) + 1 < s.L / 2 then return end
  local g = math.max(0.5, math.min(1, tolerance * s.long / short))
  local target = g * s.L + queue
  s.L = math.max(lo, math.min(hi, (1 - smoothing) * s.L + smoothing * target))
  if math.floor(s.L) ~= old then sim.emit("limit", math.floor(s.L)) end
end
