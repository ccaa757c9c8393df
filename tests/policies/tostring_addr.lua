-- routes by an address printed by tostring: once different in every run
local t = {}
function route(node, job)
  local s = tostring(t) .. tostring(route)
  local h = 0
  for i = 1, #s do h = (h * 31 + s:byte(i)) % 1000003 end
  return 1 + h % sim.candidates(node)
end
