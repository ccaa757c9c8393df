-- State across calls, string keys, next() and pairs(): one order per seed.
options = { per_class = true }
local seen, n = {}, 0
function admit(node, job) n = n + 1; seen["k" .. (n % 7)] = sim.class(job); return n % 5 ~= 0 end
function rank(node, job) local k = next(seen); return #tostring(k) + sim.now() end
function pick(node) for k, v in pairs(seen) do if sim.queued(node) > 0 then return v end end end
function route(node, job) local s = 0; for k in pairs(seen) do s = s + #k end; return s % sim.candidates(node) + 1 end
function tick(node, now) sim.emit("n", n) end
