-- a long call (a big budget, sorting without end): SIGTERM must stop it within a second
local t = {}
for i = 1, 300000 do t[i] = (i * 7919) % 300007 end
function admit(node, job)
  while true do table.sort(t) end
end
