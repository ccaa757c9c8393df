-- recurses without end
local function deep(n) return deep(n + 1) + 1 end
function admit(node, job)
  return deep(1) > 0
end
