-- sorting a large table again and again: C work the count hook does not see
local t = {}
for i = 1, 200000 do t[i] = (i * 7919) % 200003 end
function admit(node, job)
  for i = 1, 1000000 do table.sort(t) end
  return true
end
