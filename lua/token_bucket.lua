-- token_bucket.lua — token bucket policer.
--
-- Tokens accrue at `rate` per second up to `burst`; an arriving job is
-- admitted if a token (or, with by_size, size tokens) is available and
-- spends it, else it is rejected.  Over any interval of length t at most
-- rate t + burst jobs (units) are admitted.
--
-- Parameters:
--   rate     tokens per second (required)
--   burst    bucket size, default 1
--   by_size  spend the job's size instead of 1, default false
-- Reference: Turner, "New directions in communications", IEEE Comm. Mag.
-- 24(10), 1986; RFC 2697 (single-rate policer).

local rate = params.rate
local burst = params.burst or 1
if type(rate) ~= "number" or rate <= 0 or burst <= 0 then
  error("params: expected rate > 0 and burst > 0")
end

local tokens, last = {}, {}

function admit(node, job)
  local now = sim.now()
  local t = math.min(burst, (tokens[node] or burst) + rate * (now - (last[node] or now)))
  last[node] = now
  local need = params.by_size and sim.size(job) or 1
  if t >= need then
    tokens[node] = t - need
    return true
  end
  tokens[node] = t
  return false
end
