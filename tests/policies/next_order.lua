-- routes every job to the candidate named by the first key next() returns over a
-- string-keyed table: with Lua's per-process hash seed that once changed between runs
local names = { w2 = 2, w1 = 1, w3 = 3 }
function route(node, job)
  local k = next(names)
  return names[k]
end
