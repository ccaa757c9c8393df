-- allocates without end
local hoard = {}
function admit(node, job)
  local s = "x"
  for i = 1, 40 do
    s = s .. s
    hoard[#hoard + 1] = s
  end
  return true
end
