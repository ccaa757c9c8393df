-- vegas.lua — delay-based concurrency limit after TCP Vegas.
--
-- Admit while in-flight < L.  On each completion with sojourn rtt:
-- rtt_noload is the least rtt seen (re-probed: forgotten every
-- probe * L samples, so a changed path is relearned).  With
-- queue = ceil(L (1 - rtt_noload / rtt)) and l = max(1, log10 L),
-- alpha = 3 l, beta = 6 l: grow by beta when queue <= l, by l when
-- queue < alpha, shrink by l when queue > beta; a completion slower than
-- `timeout` shrinks by l.  No growth while fewer than L/2 are in flight.
-- Every change of floor(L) is emitted as metric "limit".
--
-- Parameters:
--   initial  default 20     max  default 1000
--   timeout  seconds, default 1   probe  default 30
-- Reference: Netflix concurrency-limits, VegasLimit; Brakmo and Peterson,
-- "TCP Vegas: end to end congestion avoidance on a global internet", IEEE
-- JSAC 13(8), 1995.

local initial = params.initial or 20
local max = params.max or 1000
local timeout = params.timeout or 1
local probe = params.probe or 30
if not (initial >= 1 and max >= initial and timeout > 0 and probe >= 1) then
  error("params: expected initial >= 1, max >= initial, timeout > 0, probe >= 1")
end

local S = {}

local function state(node)
  local s = S[node]
  if not s then
    s = { L = initial, noload = 0, samples = 0 }
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
  local rtt = sim.now() - sim.arrived(job)
  s.samples = s.samples + 1
  if s.samples > probe * s.L then     -- re-probe the no-load delay
    s.samples, s.noload = 0, 0
  end
  if s.noload == 0 or rtt < s.noload then
    s.noload = rtt
    return
  end
  local l = math.max(1, math.log(s.L, 10))
  local L = s.L
  if rtt > timeout then
    L = L - l
  elseif sim.jobs(node) + 1 < s.L / 2 then
    return
  else
    local queue = math.ceil(s.L * (1 - s.noload / rtt))
    if queue <= l then
      L = L + 6 * l
    elseif queue < 3 * l then
      L = L + l
    elseif queue > 6 * l then
      L = L - l
    end
  end
  s.L = math.max(1, math.min(max, L))
  if math.floor(s.L) ~= old then sim.emit("limit", math.floor(s.L)) end
end
