-- Work that may or may not fit the budget, by the job.
local calls = 0
function route(node, job)
  calls = calls + 1
  local t = {}
  for i = 1, (calls % 50) * 200 do t[i] = i * 2 end
  return #t % 2 + 1
end
function rank(node, job) return pcall(error, "x") and 1 or sim.size(job) end
function on_done(node, job) local s = string.rep("ab", calls % 1000); return #s end
