-- one instruction, a 16 MB copy: concatenation in a loop costs C work
local big = ("x"):rep(16 * 1024 * 1024)
function admit(node, job)
  local s
  for i = 1, 1000 do s = big .. i end
  return #s > 0
end
