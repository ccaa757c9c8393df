-- a policy whose hook fails at run time
local seen = 0
function rank(node, job)
  seen = seen + 1
  if seen > 100 then
    local t = nil
    return t.deadline
  end
  return sim.now()
end
